//! Command line: clap definitions, plus the parsers for Redis URLs and durations.
//!
//! Values that need a quoted, friendly error (`--interval`, `-p`, `-n`, URLs) are taken as
//! strings here and checked in [`crate::config`], so every bad value is reported the same way:
//! `redtriage: invalid --interval "fast": expected a duration like 1s, 500ms`.

use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::config::{ConfigError, flag_error};
use crate::escape::quoted;
use crate::target::{
    Address, Secret, Target, TlsSettings, mask_url, parse_db, parse_port, parse_url,
};

/// `redtriage --version`: the version, the commit it was built from and the target.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("REDTRIAGE_COMMIT"),
    ", ",
    env!("REDTRIAGE_TARGET"),
    ")"
);

/// `redtriage [URL]`: the TUI on one Redis, or one of the subcommands.
#[derive(Debug, Parser)]
#[command(
    name = "redtriage",
    version,
    long_version = LONG_VERSION,
    about = "Terminal dashboard for live Redis triage",
    disable_help_flag = true,
    override_usage = "redtriage [OPTIONS] [URL]\n       redtriage <COMMAND> [OPTIONS] [URL]"
)]
pub struct Cli {
    /// Redis to watch (see [`crate::target::parse_url`] for the forms).
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
        /// How long to measure the rates over (samples one interval apart) [default: one
        /// interval].
        #[arg(long, value_name = "DURATION")]
        window: Option<String>,
    },
    /// Health targets → exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.
    Check {
        /// Redis to check (same forms as the top-level URL).
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// How long to measure the rates over (samples one interval apart) [default: one
        /// interval].
        #[arg(long, value_name = "DURATION")]
        window: Option<String>,
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
    /// Without --prometheus, on a Redis Cluster node: the cluster's nodes.
    Fleet {
        /// A Redis Cluster node (without --prometheus).
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// Print the `ACL SETUSER` lines of a read-only monitoring user and an operator user.
    Acl {
        /// Name of the read-only monitoring user.
        #[arg(long, value_name = "NAME", default_value = crate::modes::acl::DEFAULT_MONITOR_USER)]
        monitor_user: String,
        /// Name of the operator user (the runbook's Redis actions too).
        #[arg(long, value_name = "NAME", default_value = crate::modes::acl::DEFAULT_OPERATOR_USER)]
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
    /// Shell completions (subcommands, flags, drill scenarios, the runbook's action names).
    Completions {
        /// The shell: bash, zsh or fish.
        #[arg(value_enum, value_name = "SHELL")]
        shell: super::manual::Shell,
    },
    /// Which runbook is in use; with --print, the shipped runbook (to edit, then --runbook).
    Runbook {
        /// Print the shipped runbook (assets/runbook.toml) instead.
        #[arg(long)]
        print: bool,
    },
    /// Which config file is in use; with --print, an example config file to edit.
    Config {
        /// Print the shipped example config (assets/config.toml) instead.
        #[arg(long)]
        print: bool,
    },
    /// The man page (roff), generated from these definitions.
    #[command(hide = true)]
    Manpage,
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
    /// `list` (the default: `redtriage drill` lists them), or the scenario to run.
    #[arg(value_name = "SCENARIO", default_value = "list", value_parser = clap::builder::PossibleValuesParser::new(crate::modes::drill::CHOICES))]
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
    /// The target is a Redis Cluster node: watch the whole cluster (found from any node;
    /// without it, a node in cluster mode is found anyway); fails when it is not in cluster mode.
    #[arg(short = 'c', long, global = true)]
    pub cluster: bool,
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
    /// The Redis server's config file, read for the values the actions need (dir, the AOF's
    /// name, the log file) when the server does not answer CONFIG [default: remembered from
    /// the last time it answered, else found: the redis-server process or systemd unit
    /// serving the port, /etc/redis/redis.conf when its port matches].
    #[arg(long, value_name = "FILE", global = true)]
    pub redis_conf: Option<PathBuf>,
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
    pub prom: super::prom::PromFlags,
    /// Sentinel: `--sentinel`, `--master-name`, `--sentinel-*`.
    #[command(flatten)]
    pub sentinel: super::sentinel::SentinelFlags,
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
        (p, u) => p.or(u.filter(|u| !super::sentinel::is_sentinel_url(u))),
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
