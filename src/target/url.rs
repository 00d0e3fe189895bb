//! Redis URLs → [`Target`]s, and URLs with their password masked for messages.
//!
//! The parsing is by hand, not `url::Url`: the WHATWG rules it follows refuse forms that
//! redis-cli and the redis crate take (`unix://user:pass@/path.sock`, an empty host meaning
//! 127.0.0.1) and its errors would not say which part is wrong. Percent-decoding is the
//! `percent-encoding` crate's, after a check that every `%` starts a `%XX`.

use std::path::PathBuf;

use crate::escape;

use super::{Address, Secret, Target, TlsSettings};

/// Why a URL was refused (the caller adds the masked URL).
pub type UrlError = String;

/// Parses a Redis URL: `redis://[user[:pass]@]host[:port][/db]`, `rediss://…` (TLS),
/// `unix:///path.sock[?db=N]`, `redis+unix:///path.sock`, IPv6 `redis://[::1]:6379`.
/// User and password are percent-decoded; an empty host means 127.0.0.1, no port 6379.
pub fn parse_url(url: &str) -> Result<Target, UrlError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("missing scheme (expected redis://, rediss://, unix:// or redis+unix://)")?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let mut target = Target::local_default();
    if let Some(info) = userinfo {
        let (user, pass) = match info.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (info, None),
        };
        target.user = Some(percent_decode(user)?).filter(|u| !u.is_empty());
        target.password = pass.map(percent_decode).transpose()?.map(Secret::new);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "redis" | "rediss" => {
            target.address = parse_host_port(hostport)?;
            target.db = match path.trim_start_matches('/') {
                "" => 0,
                db => parse_db(db)?,
            };
            if scheme.eq_ignore_ascii_case("rediss") {
                target.tls = Some(TlsSettings::default());
            }
        }
        "unix" | "redis+unix" => {
            if !hostport.is_empty() || path.is_empty() {
                return Err("expected an absolute socket path, like unix:///run/redis.sock".into());
            }
            target.address = Address::Unix {
                path: PathBuf::from(percent_decode(path)?),
            };
        }
        other => {
            return Err(format!(
                "unsupported scheme \"{}\" (expected redis://, rediss://, unix:// or redis+unix://)",
                escape::plain_str(other)
            ));
        }
    }
    apply_query(&mut target, query)?;
    Ok(target)
}

/// `host[:port]`, the host maybe `[ipv6]`; empty host = 127.0.0.1, no port = 6379.
fn parse_host_port(hostport: &str) -> Result<Address, UrlError> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' in IPv6 host")?;
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err("unexpected text after ']' in IPv6 host".into()),
        }
    } else if hostport.matches(':').count() > 1 {
        return Err("IPv6 hosts need brackets, like redis://[::1]:6379".into());
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = port.map_or(Ok(6379), parse_port)?;
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    Ok(Address::Tcp {
        host: host.to_string(),
        port,
    })
}

/// `?db=N&user=U&password=P` (the redis crate's unix-socket form); unknown keys are refused.
fn apply_query(target: &mut Target, query: Option<&str>) -> Result<(), UrlError> {
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "db" => target.db = parse_db(value)?,
            "user" => target.user = Some(percent_decode(value)?),
            "pass" | "password" => target.password = Some(Secret::new(percent_decode(value)?)),
            _ => {
                return Err(format!(
                    "unknown query parameter \"{}\" (expected db, user or password)",
                    escape::plain_str(key)
                ));
            }
        }
    }
    Ok(())
}

/// A TCP port, 1–65535.
pub fn parse_port(s: &str) -> Result<u16, UrlError> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!(
            "port \"{}\" must be a number from 1 to 65535",
            escape::plain_str(s)
        )),
    }
}

/// A database number, ≥ 0.
pub fn parse_db(s: &str) -> Result<i64, UrlError> {
    match s.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(format!(
            "database \"{}\" must be a number ≥ 0",
            escape::plain_str(s)
        )),
    }
}

/// Decodes `%XX` escapes; the result must be UTF-8. A `%` not followed by two hex digits is
/// refused (`percent_decode_str` alone would keep it as it is).
fn percent_decode(s: &str) -> Result<String, UrlError> {
    let bytes = s.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Err("bad percent-encoding (expected %XX)".into());
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| "percent-encoding does not decode to UTF-8".into())
}

/// The URL with any password replaced by `****`, for error messages.
pub fn mask_url(url: &str) -> String {
    let masked = match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            match rest[..end].rsplit_once('@') {
                Some((info, _)) if info.contains(':') => {
                    let user = info.split_once(':').map_or(info, |(u, _)| u);
                    let at = info.len();
                    format!("{scheme}://{user}:****{}", &rest[at..])
                }
                _ => url.to_string(),
            }
        }
        None => url.to_string(),
    };
    mask_query_password(&masked)
}

/// Masks `password=`/`pass=` query values.
fn mask_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k @ ("pass" | "password"), _)) => format!("{k}=****"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // no clippy.toml `allow-unwrap-in-tests` yet
mod tests {
    use super::*;
    use test_case::test_case;

    fn tcp(host: &str, port: u16) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test_case("redis://localhost", &tcp("localhost", 6379), 0, None, None, false; "host only")]
    #[test_case("redis://h:6380/3", &tcp("h", 6380), 3, None, None, false; "port and db")]
    #[test_case("redis://", &tcp("127.0.0.1", 6379), 0, None, None, false; "empty host")]
    #[test_case("redis://h/", &tcp("h", 6379), 0, None, None, false; "trailing slash")]
    #[test_case("rediss://app:pw@h:6380/2", &tcp("h", 6380), 2, Some("app"), Some("pw"), true; "tls")]
    #[test_case("redis://:pw@h", &tcp("h", 6379), 0, None, Some("pw"), false; "password only")]
    #[test_case("redis://u@h", &tcp("h", 6379), 0, Some("u"), None, false; "user only")]
    #[test_case("redis://a%40b:p%3Aw%2F@h", &tcp("h", 6379), 0, Some("a@b"), Some("p:w/"), false; "percent")]
    #[test_case("redis://u:p@ss@h", &tcp("h", 6379), 0, Some("u"), Some("p@ss"), false; "at in pass")]
    #[test_case("redis://[::1]:6379", &tcp("::1", 6379), 0, None, None, false; "ipv6")]
    #[test_case("redis://[fe80::1]/4", &tcp("fe80::1", 6379), 4, None, None, false; "ipv6 no port")]
    #[test_case("REDIS://H:1", &tcp("H", 1), 0, None, None, false; "upper scheme")]
    fn parses_tcp(
        url: &str,
        address: &Address,
        db: i64,
        user: Option<&str>,
        pass: Option<&str>,
        tls: bool,
    ) {
        let t = parse_url(url).unwrap();
        assert_eq!(&t.address, address);
        assert_eq!(t.db, db);
        assert_eq!(t.user.as_deref(), user);
        assert_eq!(t.password.as_ref().map(Secret::expose), pass);
        assert_eq!(t.tls.is_some(), tls);
    }

    #[test_case("unix:///run/redis.sock", "/run/redis.sock", 0; "unix")]
    #[test_case("unix:///run/redis.sock?db=5", "/run/redis.sock", 5; "unix db")]
    #[test_case("redis+unix:///tmp/r%20x.sock", "/tmp/r x.sock", 0; "redis+unix percent")]
    fn parses_unix(url: &str, path: &str, db: i64) {
        let t = parse_url(url).unwrap();
        assert_eq!(t.address, Address::Unix { path: path.into() });
        assert_eq!(t.db, db);
        assert!(t.tls.is_none());
    }

    #[test]
    fn unix_credentials_from_userinfo_and_query() {
        let t = parse_url("unix://u:p@/s.sock").unwrap();
        assert_eq!(
            t.address,
            Address::Unix {
                path: "/s.sock".into()
            }
        );
        assert_eq!(
            (t.user.as_deref(), t.password.unwrap().expose()),
            (Some("u"), "p")
        );
        let t = parse_url("redis+unix:///s.sock?user=a&password=b%21").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.password.unwrap().expose()),
            (Some("a"), "b!")
        );
    }

    #[test_case("http://x", "unsupported scheme \"http\""; "http")]
    #[test_case("localhost:6379", "missing scheme"; "no scheme")]
    #[test_case("redis://h:0", "port \"0\" must be"; "port zero")]
    #[test_case("redis://h:70000", "port \"70000\" must be"; "port big")]
    #[test_case("redis://h:x", "port \"x\" must be"; "port text")]
    #[test_case("redis://h/-1", "database \"-1\" must be"; "db negative")]
    #[test_case("redis://h/a", "database \"a\" must be"; "db text")]
    #[test_case("redis://[::1", "unclosed '['"; "ipv6 unclosed")]
    #[test_case("redis://::1:6379", "need brackets"; "ipv6 bare")]
    #[test_case("redis://u:%zz@h", "bad percent-encoding"; "bad percent")]
    #[test_case("unix://", "absolute socket path"; "unix no path")]
    #[test_case("unix:///s?foo=1", "unknown query parameter \"foo\""; "unix bad query")]
    fn refuses(url: &str, message: &str) {
        let err = parse_url(url).unwrap_err();
        assert!(err.contains(message), "{err}");
    }

    #[test_case("redis://u:secret@h:1/2", "redis://u:****@h:1/2"; "user and pass")]
    #[test_case("redis://:secret@h", "redis://:****@h"; "pass only")]
    #[test_case("redis://u@h", "redis://u@h"; "no pass")]
    #[test_case("unix:///s?password=secret&db=1", "unix:///s?password=****&db=1"; "query")]
    fn masks(url: &str, masked: &str) {
        assert_eq!(mask_url(url), masked);
    }
}
