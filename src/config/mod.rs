//! Settings: the command line merged over the optional TOML config file, validated before
//! the terminal changes mode. Command-line flags win over the file; the file wins over defaults.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser as _;

pub mod cli;
pub mod prom;

use crate::escape::{display_path, quoted};
use crate::format;
use crate::modes::{ActionRequest, Mode, Settings};
use crate::target::{self, PollSettings, Thresholds};
use cli::{Cli, Command, Flags};

/// Bounds of the refresh period; values outside are clamped with a warning.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// See [`MIN_INTERVAL`].
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// The slow cadence (commandstats, CONFIG GET, CLIENT LIST) never runs more often than this.
pub const MIN_SLOW_INTERVAL: Duration = Duration::from_secs(5);

/// A bad flag, URL or config file. Every message quotes the bad value (passwords masked).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// clap's own errors, `--help` and `--version` included (use `.exit()` on them).
    #[error(transparent)]
    Args(#[from] clap::Error),
    /// The runbook file is unreadable or invalid (message names the file and line).
    #[error("{0}")]
    Runbook(String),
    /// `invalid --interval "fast": expected a duration like 1s, 500ms`.
    #[error("invalid {flag} {value}: {reason}")]
    Flag {
        flag: &'static str,
        value: String,
        reason: String,
    },
    /// A URL on the command line.
    #[error("invalid URL {url}: {reason}")]
    Url { url: String, reason: String },
    /// Flags that do not go together.
    #[error("{0}")]
    Conflict(String),
    /// A TLS file that cannot be read.
    #[error("cannot read {flag} {path}: {source}")]
    File {
        flag: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The config file cannot be read.
    #[error("cannot read config {path}: {source}")]
    ConfigRead {
        path: String,
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has an unknown key or a wrong type.
    #[error("config {path}{line}: {message}")]
    ConfigParse {
        path: String,
        line: String,
        message: String,
    },
    /// `config /tmp/x.toml: thresholds.memory_warn_percent = 95 must be below …`.
    #[error("config {path}: {key} = {value} {reason}")]
    ConfigValue {
        path: String,
        key: String,
        value: String,
        reason: String,
    },
}

/// The config file as written; every key optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Default target URL when none is given on the command line.
    pub url: Option<String>,
    /// Durations: `"1s"`, `"500ms"` or a number of seconds.
    pub interval: Option<toml::Value>,
    /// See `interval`.
    pub timeout: Option<toml::Value>,
    /// See `interval`; at least 5 s.
    pub slow_interval: Option<toml::Value>,
    /// CLIENT LIST is skipped above this many clients.
    pub client_list_max_clients: Option<u64>,
    /// Renamed CONFIG command.
    pub config_command: Option<String>,
    /// The Redis log file (see `--server-log`).
    pub server_log: Option<std::path::PathBuf>,
    /// Disable colors.
    pub no_color: Option<bool>,
    /// Health thresholds; missing keys keep their defaults.
    pub thresholds: Option<Thresholds>,
    /// `[prometheus]`: URL, selector, auth, query overrides.
    pub prometheus: Option<prom::PromFile>,
    /// `[docker]`: container name or compose service.
    pub docker: Option<crate::docker::settings::DockerFile>,
}

/// The mode a subcommand asks for, and the positional URL it was given.
fn mode_of(cli: &Cli) -> Result<(Mode, Option<&str>), ConfigError> {
    Ok(match cli.command {
        None => (Mode::Tui, cli.url.as_deref()),
        Some(Command::Snapshot { ref url, json }) => (Mode::Snapshot { json }, url.as_deref()),
        Some(Command::Check { ref url }) => (Mode::Check, url.as_deref()),
        Some(Command::Demo) => (Mode::Demo, None),
        Some(Command::Drill(ref d)) => (drill_mode(d)?, None),
        Some(Command::Action {
            ref name,
            ref url,
            yes,
            ref arg,
            ref client_ids,
            list,
        }) => (
            Mode::Action(ActionRequest {
                name: name.clone().unwrap_or_default(),
                yes,
                arg: arg.clone(),
                client_ids: client_ids.clone(),
                list,
            }),
            url.as_deref(),
        ),
        Some(Command::Fleet) => (Mode::Fleet, None),
        Some(Command::Acl {
            ref monitor_user,
            ref operator_user,
        }) => {
            const USER_HINT: &str = "expected a user name without spaces, quotes or < >";
            if !crate::modes::acl::valid_user(monitor_user) {
                return Err(flag_error("--monitor-user", monitor_user, USER_HINT));
            }
            if !crate::modes::acl::valid_user(operator_user) {
                return Err(flag_error("--operator-user", operator_user, USER_HINT));
            }
            if monitor_user == operator_user {
                return Err(ConfigError::Conflict(
                    "--monitor-user and --operator-user must differ".into(),
                ));
            }
            (
                Mode::Acl {
                    monitor_user: monitor_user.clone(),
                    operator_user: operator_user.clone(),
                },
                None,
            )
        }
        Some(Command::Report {
            ref log,
            ref output,
            ref since,
        }) => (report_mode(log, output.as_ref(), since.as_deref())?, None),
        Some(Command::Collect {
            ref url,
            ref run_for,
            print_view,
        }) => (
            Mode::Collect {
                run_for: format::parse_duration(run_for)
                    .ok_or_else(|| flag_error("--for", run_for, DURATION_HINT))?,
                print_view,
            },
            url.as_deref(),
        ),
        Some(Command::Replay {
            ref file,
            ref speed,
        }) => (replay_mode(file, speed)?, None),
    })
}

/// Parses the command line (`args` includes the program name) and the config file into
/// [`Settings`]. Reads only the config file and the TLS files; `env` looks up
/// `REDISCLI_AUTH`, `NO_COLOR`, `XDG_CONFIG_HOME` and `HOME`.
pub fn settings_from_args<I, T>(
    args: I,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    let flags = &cli.flags;
    let path = flags.config.clone().or_else(|| default_config_path(env));
    let file = match &path {
        Some(p) => load_file(p)?,
        None => FileConfig::default(),
    };
    let source = path.as_deref().map_or_else(String::new, display_path);
    if let (Some(url), Some(_)) = (&cli.url, &cli.command) {
        return Err(ConfigError::Conflict(format!(
            "URL {} given before the subcommand; put it after, like: redtriage snapshot URL",
            quoted(target::mask_url(url).as_bytes())
        )));
    }
    let (mode, positional) = mode_of(&cli)?;
    check_record(flags, &mode)?;
    let runbook = load_runbook(flags.runbook.as_deref(), env)?;
    let templates = load_templates(flags.templates.as_deref(), env)?;
    let log_path = flags
        .incident_log
        .clone()
        .or_else(|| crate::actions::log::default_path(env));
    let mut warnings = Vec::new();
    let file_url = file.url.as_deref().map(|u| (source.as_str(), u));
    let target = cli::build_target(flags, positional, file_url, env, &mut warnings)?;
    let mut poll = build_poll(flags, &file, &source, &mut warnings)?;
    let thresholds = file.thresholds.clone().unwrap_or_default();
    validate_thresholds(&thresholds, &source)?;
    let prometheus = prom::build(&flags.prom, file.prometheus.as_ref(), &source, &target, env)?;
    if mode == Mode::Fleet && prometheus.is_none() {
        return Err(ConfigError::Conflict(
            "fleet needs --prometheus URL (or [prometheus] url in the config)".into(),
        ));
    }
    poll.latency_target = Duration::try_from_secs_f64(thresholds.latency_warn_ms / 1000.0)
        .unwrap_or(poll.latency_target);
    let no_color_env = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let docker = crate::docker::settings::build(
        flags.container.as_deref(),
        flags.compose_service.as_deref(),
        file.docker.as_ref(),
        &target,
    );
    Ok(Settings {
        mode,
        target,
        poll,
        thresholds,
        color: !(flags.no_color || no_color_env || file.no_color == Some(true)),
        read_only: flags.read_only,
        askpass: flags.askpass,
        runbook,
        log_path,
        warnings,
        docker,
        prometheus,
        templates,
        record: flags.record.clone(),
    })
}

/// `--runbook FILE`, else `$XDG_CONFIG_HOME/redtriage/runbook.toml` when it exists, else the
/// shipped runbook. Validated here, before the terminal changes mode.
fn load_runbook(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::runbook::spec::Runbook, ConfigError> {
    use crate::runbook::spec::Runbook;
    if let Some(p) = flag {
        return Runbook::load(p).map_err(ConfigError::Runbook);
    }
    let dflt = config_dir(env)
        .map(|d| d.join("runbook.toml"))
        .filter(|p| p.exists());
    match dflt {
        Some(p) => Runbook::load(&p).map_err(ConfigError::Runbook),
        None => Runbook::parse(crate::runbook::spec::DEFAULT_RUNBOOK, "assets/runbook.toml")
            .map_err(ConfigError::Runbook),
    }
}

/// `--templates DIR` (must exist), else `$XDG_CONFIG_HOME/redtriage/templates` when it
/// exists, else the shipped templates; checked here, before the terminal changes mode.
fn load_templates(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::model::comms::Templates, ConfigError> {
    use crate::model::comms::Templates;
    match flag {
        Some(dir) => Templates::load(Some(dir), true),
        None => Templates::load(
            config_dir(env).map(|d| d.join("templates")).as_deref(),
            false,
        ),
    }
    .map_err(ConfigError::Conflict)
}

/// `report LOG [-o FILE] [--since RFC3339]`.
fn report_mode(
    log: &Path,
    output: Option<&PathBuf>,
    since: Option<&str>,
) -> Result<Mode, ConfigError> {
    let since = match since {
        Some(s) => Some(crate::report::parse::parse_time(s).ok_or_else(|| {
            flag_error(
                "--since",
                s,
                "expected an RFC 3339 time like 2026-11-25T20:06:18Z",
            )
        })?),
        None => None,
    };
    Ok(Mode::Report(crate::report::Request {
        log: log.to_path_buf(),
        output: output.cloned(),
        since,
    }))
}

/// `replay FILE --speed N`, the speed checked.
fn replay_mode(file: &Path, speed: &str) -> Result<Mode, ConfigError> {
    match crate::record::Speed::parse(speed) {
        Some(_) => Ok(Mode::Replay {
            file: file.to_path_buf(),
            speed: speed.to_string(),
        }),
        None => Err(flag_error("--speed", speed, SPEED_HINT)),
    }
}

/// `--record` only where samples flow: the dashboard, demo and collect.
fn check_record(flags: &Flags, mode: &Mode) -> Result<(), ConfigError> {
    let recordable = matches!(
        mode,
        Mode::Tui
            | Mode::Demo
            | Mode::Collect { .. }
            | Mode::Drill {
                headless: false,
                ..
            }
    );
    if flags.record.is_some() && !recordable {
        return Err(ConfigError::Conflict(
            "--record works with the dashboard, demo, drill (not --headless) and collect".into(),
        ));
    }
    Ok(())
}

/// `--askpass`: prompts `Please input password: ` on the terminal and stores the answer.
pub fn ask_password(settings: &mut Settings) -> std::io::Result<()> {
    if settings.askpass {
        let password = rpassword::prompt_password("Please input password: ")?;
        settings.target.password = Some(crate::target::Secret::new(password));
    }
    Ok(())
}

/// `$XDG_CONFIG_HOME/redtriage/config.toml`, else `~/.config/redtriage/config.toml`, if it exists.
pub fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let path = config_dir(env)?.join("config.toml");
    path.exists().then_some(path)
}

/// `$XDG_CONFIG_HOME/redtriage`, else `~/.config/redtriage`.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|d| Path::new(d).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".config"))
        })?;
    Some(base.join("redtriage"))
}

/// Reads and parses a config file (unknown keys are errors).
pub fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ConfigRead {
        path: display_path(path),
        source,
    })?;
    parse_file(&text, path)
}

/// Parses config text; `path` is only for messages.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or_else(String::new, |s| {
            let n = text.get(..s.start).map_or(0, |t| t.matches('\n').count());
            format!(" line {}", n + 1)
        });
        ConfigError::ConfigParse {
            path: display_path(path),
            line,
            message: e.message().trim().to_string(),
        }
    })
}

/// Interval, timeout and the rest of [`PollSettings`]: flag, else file, else default.
fn build_poll(
    flags: &Flags,
    file: &FileConfig,
    source: &str,
    warnings: &mut Vec<String>,
) -> Result<PollSettings, ConfigError> {
    let mut poll = PollSettings::default();
    set_durations(&mut poll, flags, file, source, warnings)?;
    if let Some(v) = &flags.client_list_max {
        poll.client_list_max_clients = v
            .parse()
            .map_err(|_| flag_error("--client-list-max", v, "expected a number of clients ≥ 0"))?;
    } else if let Some(n) = file.client_list_max_clients {
        poll.client_list_max_clients = n;
    }
    if let Some(name) = &flags.config_command {
        poll.config_command =
            command_name(name).map_err(|r| flag_error("--config-command", name, &r))?;
    } else if let Some(name) = &file.config_command {
        let v = toml::Value::String(name.clone());
        poll.config_command =
            command_name(name).map_err(|r| value_error(source, "config_command", &v, &r))?;
    }
    poll.server_log = flags.server_log.clone().or_else(|| file.server_log.clone());
    Ok(poll)
}

/// `interval` (clamped), `timeout` (> 0) and `slow_interval` (≥ 5 s).
fn set_durations(
    poll: &mut PollSettings,
    flags: &Flags,
    file: &FileConfig,
    source: &str,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = &flags.interval {
        let d = flag_duration("--interval", v)?;
        let what = format!("--interval {}", quoted(v.as_bytes()));
        poll.interval = clamp_interval(d, &what, warnings);
    } else if let Some(v) = &file.interval {
        let d = file_duration(source, "interval", v)?;
        let what = format!("config {source}: interval = {v}");
        poll.interval = clamp_interval(d, &what, warnings);
    }
    if let Some(v) = &flags.timeout {
        poll.timeout = flag_duration("--timeout", v)?;
        if poll.timeout.is_zero() {
            return Err(flag_error("--timeout", v, POSITIVE));
        }
    } else if let Some(v) = &file.timeout {
        poll.timeout = file_duration(source, "timeout", v)?;
        if poll.timeout.is_zero() {
            return Err(value_error(source, "timeout", v, POSITIVE));
        }
    }
    if let Some(v) = &file.slow_interval {
        poll.slow_interval = file_duration(source, "slow_interval", v)?;
        if poll.slow_interval < MIN_SLOW_INTERVAL {
            return Err(value_error(
                source,
                "slow_interval",
                v,
                "must be at least 5s",
            ));
        }
    }
    Ok(())
}

/// A command name: non-empty, no whitespace.
fn command_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("expected a command name without spaces".into())
    } else {
        Ok(name.to_string())
    }
}

/// Clamps the refresh period to [`MIN_INTERVAL`]–[`MAX_INTERVAL`], warning when it did.
fn clamp_interval(d: Duration, what: &str, warnings: &mut Vec<String>) -> Duration {
    let clamped = d.clamp(MIN_INTERVAL, MAX_INTERVAL);
    if clamped != d {
        warnings.push(format!(
            "redtriage: warning: {what} was clamped to {} (allowed {}–{})",
            format::format_duration(clamped),
            format::format_duration(MIN_INTERVAL),
            format::format_duration(MAX_INTERVAL),
        ));
    }
    clamped
}

const POSITIVE: &str = "must be greater than 0";
const DURATION_HINT: &str = "expected a duration like 1s, 500ms, 2m or seconds (0.5)";
/// What `--speed` takes.
const SPEED_HINT: &str = "expected a positive number (1, 4, 0.5) or max";

/// A duration flag.
fn flag_duration(flag: &'static str, value: &str) -> Result<Duration, ConfigError> {
    format::parse_duration(value).ok_or_else(|| flag_error(flag, value, DURATION_HINT))
}

/// A duration in the file: a string (`"1s"`) or a number of seconds.
fn file_duration(source: &str, key: &str, value: &toml::Value) -> Result<Duration, ConfigError> {
    let parsed = match value {
        toml::Value::String(s) => format::parse_duration(s),
        toml::Value::Integer(n) => u64::try_from(*n).ok().map(Duration::from_secs),
        toml::Value::Float(f) => Duration::try_from_secs_f64(*f).ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        value_error(
            source,
            key,
            value,
            &format!("is not valid: {DURATION_HINT}"),
        )
    })
}

/// `invalid --flag "value": reason`.
/// `drill list` / `drill <scenario>` (clap already checked the name).
fn drill_mode(d: &cli::DrillArgs) -> Result<Mode, ConfigError> {
    let choice = crate::modes::drill::DrillChoice::from_name(&d.scenario)
        .ok_or_else(|| flag_error("drill", &d.scenario, "see redtriage drill list"))?;
    Ok(Mode::Drill {
        choice,
        headless: d.headless,
    })
}

pub(crate) fn flag_error(flag: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Flag {
        flag,
        value: quoted(value.as_bytes()),
        reason: reason.into(),
    }
}

/// `config path: key = value reason`.
fn value_error(source: &str, key: &str, value: &toml::Value, reason: &str) -> ConfigError {
    ConfigError::ConfigValue {
        path: source.to_string(),
        key: key.to_string(),
        value: match value {
            toml::Value::String(s) => quoted(s.as_bytes()),
            // TOML's own syntax: strings inside are quoted and escaped.
            other => other.to_string(),
        },
        reason: reason.into(),
    }
}

/// Checks ranges (percentages 0–100, ms ≥ 0) and warn/crit ordering; `source` names the file.
pub fn validate_thresholds(t: &Thresholds, source: &str) -> Result<(), ConfigError> {
    let percents = [
        ("memory_warn_percent", t.memory_warn_percent),
        ("memory_crit_percent", t.memory_crit_percent),
        ("hit_rate_warn_percent", t.hit_rate_warn_percent),
        ("hit_rate_crit_percent", t.hit_rate_crit_percent),
        ("hit_rate_target_percent", t.hit_rate_target_percent),
        ("clients_warn_percent", t.clients_warn_percent),
        ("clients_crit_percent", t.clients_crit_percent),
        ("disk_warn_percent", t.disk_warn_percent),
        ("disk_crit_percent", t.disk_crit_percent),
    ];
    for (key, v) in percents {
        if !(0.0..=100.0).contains(&v) {
            return Err(threshold_error(source, key, v, "must be between 0 and 100"));
        }
    }
    for (key, v) in [
        ("latency_warn_ms", t.latency_warn_ms),
        ("latency_crit_ms", t.latency_crit_ms),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(threshold_error(
                source,
                key,
                v,
                "must be a number of milliseconds ≥ 0",
            ));
        }
    }
    check_order(t, source)
}

/// Warn before crit: memory, latency and clients warn below crit; hit rate warn above crit.
fn check_order(t: &Thresholds, source: &str) -> Result<(), ConfigError> {
    let pairs = [
        (
            "memory_warn_percent",
            "memory_crit_percent",
            t.memory_warn_percent,
            t.memory_crit_percent,
            false,
        ),
        (
            "hit_rate_warn_percent",
            "hit_rate_crit_percent",
            t.hit_rate_warn_percent,
            t.hit_rate_crit_percent,
            true,
        ),
        (
            "latency_warn_ms",
            "latency_crit_ms",
            t.latency_warn_ms,
            t.latency_crit_ms,
            false,
        ),
        (
            "clients_warn_percent",
            "clients_crit_percent",
            t.clients_warn_percent,
            t.clients_crit_percent,
            false,
        ),
        (
            "disk_warn_percent",
            "disk_crit_percent",
            t.disk_warn_percent,
            t.disk_crit_percent,
            false,
        ),
    ];
    for (warn_key, crit_key, warn, crit, above) in pairs {
        if above && warn <= crit {
            let reason = format!("must be above {crit_key} = {crit}");
            return Err(threshold_error(source, warn_key, warn, &reason));
        }
        if !above && warn >= crit {
            let reason = format!("must be below {crit_key} = {crit}");
            return Err(threshold_error(source, warn_key, warn, &reason));
        }
    }
    Ok(())
}

/// `config path: thresholds.key = value reason`.
fn threshold_error(source: &str, key: &str, value: f64, reason: &str) -> ConfigError {
    ConfigError::ConfigValue {
        path: source.to_string(),
        key: format!("thresholds.{key}"),
        value: value.to_string(),
        reason: reason.into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // no clippy.toml `allow-unwrap-in-tests` yet
mod tests;
