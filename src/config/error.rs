//! The config layer's one error type: every message quotes the bad value, passwords masked.

use crate::escape::quoted;

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

/// `invalid --flag "value": reason`.
pub(crate) fn flag_error(flag: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Flag {
        flag,
        value: quoted(value.as_bytes()),
        reason: reason.into(),
    }
}
