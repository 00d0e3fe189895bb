//! The poller's settings from the flags and the file (durations clamped or refused, command
//! names checked) and the health thresholds' ranges and order.

use std::time::Duration;

use super::cli::Flags;
use super::file::FileConfig;
use super::{ConfigError, flag_error};
use crate::escape::quoted;
use crate::format;
use crate::target::{PollSettings, Thresholds};

/// Bounds of the refresh period; values outside are clamped with a warning.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// See [`MIN_INTERVAL`].
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// The slow cadence (commandstats, CONFIG GET, CLIENT LIST) never runs more often than this.
pub const MIN_SLOW_INTERVAL: Duration = Duration::from_secs(5);

/// Interval, timeout and the rest of [`PollSettings`]: flag, else file, else default.
pub(super) fn build_poll(
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
    poll.redis_conf = flags.redis_conf.clone().or_else(|| file.redis_conf.clone());
    if let Some(p) = &poll.redis_conf
        && let Err(e) = crate::collect::known::read_conf(p)
    {
        let shown = p.display().to_string();
        let why = format!("cannot read it: {e}");
        return Err(if flags.redis_conf.is_some() {
            flag_error("--redis-conf", &shown, &why)
        } else {
            value_error(
                source,
                "redis_conf",
                &toml::Value::String(shown.clone()),
                &why,
            )
        });
    }
    poll.state_dir = crate::collect::known::default_dir();
    Ok(poll)
}

/// `interval` (clamped), `timeout` (> 0) and `slow_interval` (≥ 5 s).
pub(super) fn set_durations(
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
pub(super) fn command_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("expected a command name without spaces".into())
    } else {
        Ok(name.to_string())
    }
}

/// Clamps the refresh period to [`MIN_INTERVAL`]–[`MAX_INTERVAL`], warning when it did.
pub(super) fn clamp_interval(d: Duration, what: &str, warnings: &mut Vec<String>) -> Duration {
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

pub(super) const POSITIVE: &str = "must be greater than 0";

pub(super) const DURATION_HINT: &str = "expected a duration like 1s, 500ms, 2m or seconds (0.5)";

/// A duration flag.
pub(super) fn flag_duration(flag: &'static str, value: &str) -> Result<Duration, ConfigError> {
    format::parse_duration(value).ok_or_else(|| flag_error(flag, value, DURATION_HINT))
}

/// A duration in the file: a string (`"1s"`) or a number of seconds.
pub(super) fn file_duration(
    source: &str,
    key: &str,
    value: &toml::Value,
) -> Result<Duration, ConfigError> {
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

/// `config path: key = value reason`.
pub(super) fn value_error(
    source: &str,
    key: &str,
    value: &toml::Value,
    reason: &str,
) -> ConfigError {
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
    if !(1..=60).contains(&t.hold_samples) {
        return Err(threshold_error(
            source,
            "hold_samples",
            f64::from(t.hold_samples),
            "must be between 1 and 60 samples",
        ));
    }
    check_order(t, source)
}

/// Warn before crit: memory, latency and clients warn below crit; hit rate warn above crit.
pub(super) fn check_order(t: &Thresholds, source: &str) -> Result<(), ConfigError> {
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
        (
            "replica_lag_warn_secs",
            "replica_lag_crit_secs",
            t.replica_lag_warn_secs as f64,
            t.replica_lag_crit_secs as f64,
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
pub(super) fn threshold_error(source: &str, key: &str, value: f64, reason: &str) -> ConfigError {
    ConfigError::ConfigValue {
        path: source.to_string(),
        key: format!("thresholds.{key}"),
        value: value.to_string(),
        reason: reason.into(),
    }
}
