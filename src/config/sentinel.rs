//! The Sentinel part of the configuration: `--sentinel HOST:PORT` (repeatable or
//! comma-separated), `--master-name`, `--sentinel-user`, the password from
//! `REDTRIAGE_SENTINEL_AUTH` or `--sentinel-askpass`, the config file's `[sentinel]` table, and
//! the `redis+sentinel://[user:pass@]host:port[,host:port…]/NAME` URL. A URL's credentials are
//! the data nodes'; Sentinel's own are separate (they are often different, or none).

use clap::Args;

use super::{ConfigError, flag_error};
use crate::collect::group::types::NodeAddr;
use crate::escape::quoted;
use crate::modes::settings::SentinelSettings;
use crate::target::{Secret, Target, mask_url};

/// The environment variable holding Sentinel's password.
pub const ENV_PASSWORD: &str = "REDTRIAGE_SENTINEL_AUTH";
/// Sentinel's port when an address has none.
pub const DEFAULT_PORT: u16 = 26379;

/// The `--sentinel*` flags.
#[derive(Debug, Args, Default)]
pub struct SentinelFlags {
    /// Sentinel to ask for the master, HOST:PORT (repeatable, or comma-separated); follows the
    /// master through failovers.
    #[arg(
        long = "sentinel",
        value_name = "HOST:PORT",
        global = true,
        value_delimiter = ','
    )]
    pub sentinel: Vec<String>,
    /// The master name the Sentinels monitor [default: the only one, or pick from the list].
    #[arg(long, value_name = "NAME", global = true)]
    pub master_name: Option<String>,
    /// ACL user for the Sentinels (password from `REDTRIAGE_SENTINEL_AUTH` or --sentinel-askpass).
    #[arg(long, value_name = "USER", global = true)]
    pub sentinel_user: Option<String>,
    /// Prompt for the Sentinels' password on the terminal.
    #[arg(long, global = true)]
    pub sentinel_askpass: bool,
}

/// The config file's `[sentinel]` table.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentinelFile {
    /// `["10.0.0.7:26379", …]`.
    #[serde(default)]
    pub addrs: Vec<String>,
    pub master_name: Option<String>,
    pub user: Option<String>,
}

/// `host:port`, `[v6]:port`, or `host` (port 26379).
pub fn parse_addr(s: &str) -> Result<NodeAddr, String> {
    let s = s.trim();
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or("unclosed [ in the address")?;
        let port = after.strip_prefix(':');
        (h, port)
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            // A bare IPv6 address, or no port at all.
            Some(_) | None => (s, None),
        }
    };
    if host.is_empty() || host.contains(['/', '@', ' ']) {
        return Err("expected HOST:PORT".into());
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err("port must be 1–65535".into()),
        },
    };
    Ok(NodeAddr::new(host, port))
}

/// A `redis+sentinel://` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelUrl {
    pub addrs: Vec<NodeAddr>,
    pub master_name: Option<String>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub tls: bool,
}

/// Is `url` a Sentinel URL?
pub fn is_sentinel_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("redis+sentinel://") || lower.starts_with("rediss+sentinel://")
}

/// `redis+sentinel://[user:pass@]host:port[,host:port…]/NAME` (`rediss+sentinel://`: TLS).
pub fn parse_url(url: &str) -> Result<SentinelUrl, String> {
    let (tls, rest) = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("redis+sentinel") => (false, rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("rediss+sentinel") => (true, rest),
        _ => return Err("expected redis+sentinel://".into()),
    };
    let (auth, rest) = match rest.rsplit_once('@') {
        Some((a, r)) => (Some(a), r),
        None => (None, rest),
    };
    let (hosts, name) = match rest.split_once('/') {
        Some((h, n)) => (h, Some(n)),
        None => (rest, None),
    };
    let decode = |s: &str| percent_decode(s).ok_or_else(|| "bad %-escape in the URL".to_string());
    let (user, password) = match auth {
        None => (None, None),
        Some(a) => match a.split_once(':') {
            Some((u, p)) => (
                (!u.is_empty()).then(|| decode(u)).transpose()?,
                Some(Secret::new(decode(p)?)),
            ),
            None => (Some(decode(a)?), None),
        },
    };
    let addrs = hosts
        .split(',')
        .map(parse_addr)
        .collect::<Result<Vec<_>, _>>()?;
    let master_name = match name.map(|n| n.trim_end_matches('/')) {
        None | Some("") => None,
        Some(n) => Some(decode(n)?),
    };
    Ok(SentinelUrl {
        addrs,
        master_name,
        user,
        password,
        tls,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Merges the flags over the file (and a Sentinel URL's parts) into the settings; None when no
/// Sentinel is named anywhere. `base` gives the TLS settings the Sentinels are reached with.
pub fn build(
    flags: &SentinelFlags,
    file: Option<&SentinelFile>,
    url: Option<&SentinelUrl>,
    (source, base): (&str, &Target),
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<SentinelSettings>, ConfigError> {
    let mut addrs = Vec::new();
    for s in &flags.sentinel {
        addrs.push(parse_addr(s).map_err(|why| flag_error("--sentinel", s, &why))?);
    }
    if addrs.is_empty()
        && let Some(u) = url
    {
        addrs.clone_from(&u.addrs);
    }
    if addrs.is_empty()
        && let Some(f) = file
    {
        for s in &f.addrs {
            addrs.push(parse_addr(s).map_err(|why| ConfigError::ConfigValue {
                path: source.to_string(),
                key: "sentinel.addrs".into(),
                value: quoted(s.as_bytes()),
                reason: why,
            })?);
        }
    }
    if addrs.is_empty() {
        if flags.master_name.is_some() {
            return Err(ConfigError::Conflict(
                "--master-name needs --sentinel HOST:PORT (or a redis+sentinel:// URL)".into(),
            ));
        }
        return Ok(None);
    }
    let master_name = flags
        .master_name
        .clone()
        .or_else(|| url.and_then(|u| u.master_name.clone()))
        .or_else(|| file.and_then(|f| f.master_name.clone()));
    let auth = Target {
        user: flags
            .sentinel_user
            .clone()
            .or_else(|| file.and_then(|f| f.user.clone())),
        password: env(ENV_PASSWORD).filter(|p| !p.is_empty()).map(Secret::new),
        db: 0,
        ..base.clone()
    };
    Ok(Some(SentinelSettings {
        addrs,
        master_name,
        auth,
        askpass: flags.sentinel_askpass,
    }))
}

/// The URL as it may be quoted in an error (password masked).
pub fn masked(url: &str) -> String {
    quoted(mask_url(url).as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_and_without_ports() {
        assert_eq!(
            parse_addr("10.0.0.7:26380").unwrap(),
            NodeAddr::new("10.0.0.7", 26380)
        );
        assert_eq!(
            parse_addr("sentinel-a").unwrap(),
            NodeAddr::new("sentinel-a", 26379)
        );
        assert_eq!(
            parse_addr("[::1]:26379").unwrap(),
            NodeAddr::new("::1", 26379)
        );
        assert!(parse_addr("host:0").is_err());
        assert!(parse_addr("host:99999").is_err());
        assert!(parse_addr("").is_err());
    }

    #[test]
    fn a_sentinel_url_splits_into_hosts_name_and_the_data_credentials() {
        let u = parse_url("redis+sentinel://app:s%40cret@a:26379,b:26380/mymaster").unwrap();
        assert_eq!(
            u.addrs,
            vec![NodeAddr::new("a", 26379), NodeAddr::new("b", 26380)]
        );
        assert_eq!(u.master_name.as_deref(), Some("mymaster"));
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.password.unwrap().expose(), "s@cret");
        assert!(!u.tls);
        let u = parse_url("rediss+sentinel://a").unwrap();
        assert!(u.tls && u.master_name.is_none());
        assert!(parse_url("redis+sentinel://a:notaport/m").is_err());
    }
}
