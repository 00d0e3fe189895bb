//! Command line: clap definitions, plus the parsers for Redis URLs and durations.
//!
//! Values that need a quoted, friendly error (`--interval`, `-p`, `-n`, URLs) are taken as
//! strings here and checked in [`crate::config`], so every bad value is reported the same way:
//! `redtriage: invalid --interval "fast": expected a duration like 1s, 500ms`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::config::{ConfigError, flag_error};
use crate::escape::quoted;
use crate::target::{Address, Secret, Target, TlsSettings};

/// `redtriage [URL]`: the TUI on one Redis, or one of the subcommands.
#[derive(Debug, Parser)]
#[command(
    name = "redtriage",
    version,
    about = "Terminal dashboard for live Redis triage",
    disable_help_flag = true,
    override_usage = "redtriage [OPTIONS] [URL]\n       redtriage <COMMAND> [OPTIONS] [URL]"
)]
pub struct Cli {
    /// Redis to watch (see [`parse_url`] for the forms).
    #[arg(
        value_name = "URL",
        help = "Redis to watch: redis://[user[:pass]@]host[:port][/db], rediss://…, unix:///path.sock"
    )]
    pub url: Option<String>,
    /// What to run; none = the TUI.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Connection, polling and display flags, accepted before or after the subcommand.
    #[command(flatten)]
    pub flags: Flags,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One sample of everything the panes show, then exit.
    Snapshot {
        /// Redis to sample (same forms as the top-level URL).
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Health targets → exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.
    Check {
        /// Redis to check (same forms as the top-level URL).
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// Throwaway redis-server with synthetic traffic, TUI attached.
    Demo,
    /// Throwaway redis-server with one runbook cause injected, TUI attached (`drill list`).
    Drill(DrillArgs),
    /// Run one runbook action without the TUI (needs --yes; without it, prints the plan).
    Action {
        /// Action name from the runbook (`redtriage action --list` lists them).
        #[arg(value_name = "NAME", required_unless_present = "list")]
        name: Option<String>,
        /// Redis to act on (same forms as the top-level URL).
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// Really run it (destructive actions included).
        #[arg(long)]
        yes: bool,
        /// The value the action needs (maxmemory `2gb`, a maxmemory-policy).
        #[arg(long, value_name = "VALUE")]
        arg: Option<String>,
        /// Client id(s) for client-kill.
        #[arg(long = "client-id", value_name = "ID")]
        client_ids: Vec<u64>,
        /// List the runbook's actions and exit.
        #[arg(long)]
        list: bool,
    },
    /// Every Redis instance Prometheus knows (`redis_up`), worst first; enter attaches.
    Fleet,
    /// Print the `ACL SETUSER` lines of a read-only monitoring user and an operator user.
    Acl {
        /// Name of the read-only monitoring user.
        #[arg(long, value_name = "NAME", default_value = crate::acl::DEFAULT_MONITOR_USER)]
        monitor_user: String,
        /// Name of the operator user (the runbook's Redis actions too).
        #[arg(long, value_name = "NAME", default_value = crate::acl::DEFAULT_OPERATOR_USER)]
        operator_user: String,
    },
    /// Markdown postmortem from an incident log (default: its last session); prints the path.
    Report {
        /// The incident log (JSONL).
        #[arg(value_name = "INCIDENT_LOG")]
        log: PathBuf,
        /// Where to write [default: next to the log, <stem>-report-<UTC time>.md].
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Report every event since this RFC 3339 time instead of the last session.
        #[arg(long, value_name = "RFC3339")]
        since: Option<String>,
    },
    /// Benchmark aid: the TUI's collector and model without a screen for a while, then its
    /// own cost as JSON (used by scripts/bench-overhead).
    #[command(hide = true)]
    Collect {
        /// Redis to poll (same forms as the top-level URL).
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// How long to run: 30s, 2m.
        #[arg(long = "for", value_name = "DURATION", default_value = "30s")]
        run_for: String,
        /// Add the final view (as `snapshot --json` shapes it) to the JSON line.
        #[arg(long)]
        print_view: bool,
    },
    /// Play a --record file back in the TUI, read-only (+/- speed, space pauses the feed).
    Replay {
        /// The recording (JSONL written by --record).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Playback speed: 1 = as recorded, 4, 0.5…; max (or 0) = as fast as possible.
        #[arg(
            long,
            value_name = "N",
            default_value = "1",
            allow_hyphen_values = true
        )]
        speed: String,
    },
}

/// `redtriage drill <SCENARIO> [--headless]`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// `list`, or the scenario to run.
    #[arg(value_name = "SCENARIO", value_parser = clap::builder::PossibleValuesParser::new(crate::drill::CHOICES))]
    pub scenario: String,
    /// No TUI: print the server's URL and log as one JSON line once the fault is in, keep it
    /// until SIGTERM/SIGINT or stdin closes.
    #[arg(long)]
    pub headless: bool,
}

/// Global flags, named like redis-cli's where redis-cli has them.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
pub struct Flags {
    /// Print help (`-h` is the host, as in redis-cli).
    #[arg(long, action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
    /// Server URL (instead of the positional URL).
    #[arg(short = 'u', value_name = "URL", global = true)]
    pub url_flag: Option<String>,
    /// Server hostname (overrides the URL's host).
    #[arg(short = 'h', value_name = "HOST", global = true)]
    pub host: Option<String>,
    /// Server port, 1–65535 (overrides the URL's port).
    #[arg(
        short = 'p',
        allow_negative_numbers = true,
        value_name = "PORT",
        global = true
    )]
    pub port: Option<String>,
    /// Database number (overrides the URL's db).
    #[arg(
        short = 'n',
        allow_negative_numbers = true,
        value_name = "DB",
        global = true
    )]
    pub db: Option<String>,
    /// ACL user (overrides the URL's user).
    #[arg(long, value_name = "USER", global = true)]
    pub user: Option<String>,
    /// Password; visible in `ps`, so prefer `REDISCLI_AUTH` or `--askpass`.
    #[arg(
        short = 'a',
        value_name = "PASSWORD",
        global = true,
        help = "Password (unsafe: visible in ps; prefer REDISCLI_AUTH or --askpass)"
    )]
    pub password: Option<String>,
    /// Do not print the warning about a password on the command line.
    #[arg(long, global = true)]
    pub no_auth_warning: bool,
    /// Prompt for the password on the terminal.
    #[arg(long, global = true)]
    pub askpass: bool,
    /// Connect with TLS.
    #[arg(long, global = true)]
    pub tls: bool,
    /// CA certificate file (PEM) to verify the server with.
    #[arg(long, value_name = "FILE", global = true)]
    pub cacert: Option<PathBuf>,
    /// Client certificate file (PEM); needs --key.
    #[arg(long, value_name = "FILE", global = true)]
    pub cert: Option<PathBuf>,
    /// Client private key file (PEM); needs --cert.
    #[arg(long, value_name = "FILE", global = true)]
    pub key: Option<PathBuf>,
    /// Server name for SNI and certificate checks.
    #[arg(long, value_name = "NAME", global = true)]
    pub sni: Option<String>,
    /// Skip TLS certificate verification.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Refresh period: 1s, 500ms, 2m or seconds (0.5); clamped to 100ms–60s [default: 1s].
    #[arg(
        long,
        value_name = "DURATION",
        global = true,
        allow_hyphen_values = true
    )]
    pub interval: Option<String>,
    /// Timeout on every connect and command, > 0 [default: 1s].
    #[arg(
        long,
        value_name = "DURATION",
        global = true,
        allow_hyphen_values = true
    )]
    pub timeout: Option<String>,
    /// Config file; default `$XDG_CONFIG_HOME/redtriage/config.toml` when it exists.
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        help = "Config file [default: $XDG_CONFIG_HOME/redtriage/config.toml when it exists]"
    )]
    pub config: Option<PathBuf>,
    /// Skip CLIENT LIST when the server has more clients than this [default: 1000].
    #[arg(long, value_name = "N", global = true, allow_hyphen_values = true)]
    pub client_list_max: Option<String>,
    /// Name of the CONFIG command, when it was renamed [default: CONFIG].
    #[arg(long, value_name = "NAME", global = true)]
    pub config_command: Option<String>,
    /// No colors (also `NO_COLOR` in the environment).
    #[arg(
        long,
        global = true,
        help = "No colors (also NO_COLOR in the environment)"
    )]
    pub no_color: bool,
    /// Never run an action that changes anything (PING and the probe stay).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// The runbook file.
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        help = "Runbook file [default: $XDG_CONFIG_HOME/redtriage/runbook.toml when it exists, else the shipped one]"
    )]
    pub runbook: Option<PathBuf>,
    /// Incident log (JSONL) [default: $XDG_DATA_HOME/redtriage/incident-log.jsonl].
    #[arg(long, value_name = "FILE", global = true)]
    pub incident_log: Option<PathBuf>,
    /// Communication templates directory (initial.txt, update.txt, resolution.txt).
    #[arg(
        long,
        value_name = "DIR",
        global = true,
        help = "Message templates dir [default: $XDG_CONFIG_HOME/redtriage/templates when it exists, else the shipped ones]"
    )]
    pub templates: Option<PathBuf>,
    /// The Redis server's log file, read while the server is down so the diagnosis can say
    /// why it does not start [default: CONFIG GET logfile, for a server on this machine].
    #[arg(long, value_name = "FILE", global = true)]
    pub server_log: Option<PathBuf>,
    /// Record every sample to FILE (JSONL) for `redtriage replay` (dashboard, demo, drill).
    #[arg(long, value_name = "FILE", global = true)]
    pub record: Option<PathBuf>,
    /// Docker: follow this container (name or id) [default: the one publishing the target's
    /// port, for a target on this host].
    #[arg(long, value_name = "NAME", global = true)]
    pub container: Option<String>,
    /// Docker: follow the container of this compose service (label
    /// com.docker.compose.service; a running one preferred).
    #[arg(long, value_name = "SERVICE", global = true)]
    pub compose_service: Option<String>,
    /// Prometheus: `--prometheus`, `--prom-*`.
    #[command(flatten)]
    pub prom: crate::prom::settings::PromFlags,
}

/// The warning redis-cli prints for a password on the command line.
pub const PASSWORD_WARNING: &str = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.";

/// Builds the target, redis-cli style: the URL (positional or `-u`, else the config file's
/// `url`, else 127.0.0.1:6379), then `-h -p -n --user -a` override its parts; the password
/// falls back to `REDISCLI_AUTH`. `file_url` is `(config path, url)`.
pub fn build_target(
    flags: &Flags,
    positional: Option<&str>,
    file_url: Option<(&str, &str)>,
    env: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<Target, ConfigError> {
    let cli_url = match (positional, flags.url_flag.as_deref()) {
        (Some(p), Some(u)) => {
            return Err(ConfigError::Conflict(format!(
                "both a URL argument {} and -u {} given; use one",
                quoted(mask_url(p).as_bytes()),
                quoted(mask_url(u).as_bytes())
            )));
        }
        (p, u) => p.or(u),
    };
    let mut target = match (cli_url, file_url) {
        (Some(url), _) => parse_url(url).map_err(|reason| ConfigError::Url {
            url: quoted(mask_url(url).as_bytes()),
            reason,
        })?,
        (None, Some((path, url))) => parse_url(url).map_err(|reason| ConfigError::ConfigValue {
            path: path.to_string(),
            key: "url".into(),
            value: quoted(mask_url(url).as_bytes()),
            reason: format!("is not a valid URL: {reason}"),
        })?,
        (None, None) => Target::local_default(),
    };
    let password_on_command_line =
        flags.password.is_some() || (cli_url.is_some() && target.password.is_some());
    if password_on_command_line && !flags.no_auth_warning {
        warnings.push(PASSWORD_WARNING.to_string());
    }
    override_address(&mut target, flags)?;
    if let Some(user) = &flags.user {
        target.user = Some(user.clone());
    }
    if let Some(password) = &flags.password {
        target.password = Some(Secret::new(password.clone()));
    } else if target.password.is_none() {
        target.password = env("REDISCLI_AUTH").map(Secret::new);
    }
    target.tls = build_tls(flags, target.tls.as_ref(), &target.address)?;
    Ok(target)
}

/// `-h`, `-p`, `-n` over the URL's parts; `-h` or `-p` make a unix target TCP.
fn override_address(target: &mut Target, flags: &Flags) -> Result<(), ConfigError> {
    if let Some(db) = &flags.db {
        target.db =
            parse_db(db).map_err(|_| flag_error("-n", db, "database must be a number ≥ 0"))?;
    }
    if flags.host.is_none() && flags.port.is_none() {
        return Ok(());
    }
    let (old_host, old_port) = match &target.address {
        Address::Tcp { host, port } => (host.clone(), *port),
        Address::Unix { .. } => ("127.0.0.1".to_string(), 6379),
    };
    let host = match &flags.host {
        Some(h) => {
            let bare = h.trim_start_matches('[').trim_end_matches(']');
            if bare.is_empty() || bare.contains(['/', '@', ' ']) {
                return Err(flag_error("-h", h, "expected a host name or IP address"));
            }
            bare.to_string()
        }
        None => old_host,
    };
    let port = match &flags.port {
        Some(p) => parse_port(p).map_err(|_| flag_error("-p", p, "port must be 1–65535"))?,
        None => old_port,
    };
    target.address = Address::Tcp { host, port };
    Ok(())
}

/// TLS from `--tls`/`rediss://` and the TLS flags; files must exist and be readable.
fn build_tls(
    flags: &Flags,
    from_url: Option<&TlsSettings>,
    address: &Address,
) -> Result<Option<TlsSettings>, ConfigError> {
    let options = [
        ("--cacert", flags.cacert.is_some()),
        ("--cert", flags.cert.is_some()),
        ("--key", flags.key.is_some()),
        ("--sni", flags.sni.is_some()),
        ("--insecure", flags.insecure),
    ];
    if !flags.tls && from_url.is_none() {
        return match options.iter().find(|(_, given)| *given) {
            Some((name, _)) => Err(ConfigError::Conflict(format!(
                "{name} needs --tls or a rediss:// URL"
            ))),
            None => Ok(None),
        };
    }
    if matches!(address, Address::Unix { .. }) {
        return Err(ConfigError::Conflict(
            "TLS over a unix socket is not supported".into(),
        ));
    }
    match (&flags.cert, &flags.key) {
        (Some(_), None) => return Err(ConfigError::Conflict("--cert needs --key".into())),
        (None, Some(_)) => return Err(ConfigError::Conflict("--key needs --cert".into())),
        _ => {}
    }
    for (flag, path) in [
        ("--cacert", &flags.cacert),
        ("--cert", &flags.cert),
        ("--key", &flags.key),
    ] {
        if let Some(path) = path {
            check_readable(flag, path)?;
        }
    }
    Ok(Some(TlsSettings {
        cacert: flags.cacert.clone(),
        cert: flags.cert.clone(),
        key: flags.key.clone(),
        sni: flags.sni.clone(),
        insecure: flags.insecure,
    }))
}

/// The file exists, is a regular file, and can be opened for reading.
fn check_readable(flag: &'static str, path: &Path) -> Result<(), ConfigError> {
    let result = std::fs::File::open(path)
        .and_then(|f| f.metadata())
        .and_then(|m| {
            if m.is_file() {
                Ok(())
            } else {
                Err(std::io::Error::other("not a regular file"))
            }
        });
    result.map_err(|source| ConfigError::File {
        flag,
        path: quoted(path.as_os_str().as_encoded_bytes()),
        source,
    })
}

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
                crate::escape::plain_str(other)
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
                    crate::escape::plain_str(key)
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
            crate::escape::plain_str(s)
        )),
    }
}

/// A database number, ≥ 0.
pub fn parse_db(s: &str) -> Result<i64, UrlError> {
    match s.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(format!(
            "database \"{}\" must be a number ≥ 0",
            crate::escape::plain_str(s)
        )),
    }
}

/// Decodes `%XX` escapes; the result must be UTF-8.
fn percent_decode(s: &str) -> Result<String, UrlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("bad percent-encoding (expected %XX)")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding does not decode to UTF-8".into())
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

/// Parses `1s`, `500ms`, `2m`, `1h` or plain seconds (`0.5`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// Formats a duration for messages: `100ms`, `1s`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
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

    #[test_case("1s", 1000; "secs")]
    #[test_case("500ms", 500; "millis")]
    #[test_case("2m", 120_000; "minutes")]
    #[test_case("0.5", 500; "plain fraction")]
    #[test_case("3", 3000; "plain int")]
    #[test_case("1.5s", 1500; "fractional secs")]
    fn durations(s: &str, millis: u128) {
        assert_eq!(parse_duration(s).unwrap().as_millis(), millis);
    }

    #[test_case("fast"; "word")]
    #[test_case(""; "empty")]
    #[test_case("1x"; "bad unit")]
    #[test_case("-1s"; "negative")]
    #[test_case("s"; "unit only")]
    fn bad_durations(s: &str) {
        assert_eq!(parse_duration(s), None);
    }
}
