//! The config file: where it is, and its table as written (every key optional, unknown keys
//! refused).

use std::path::{Path, PathBuf};

use super::ConfigError;
use crate::escape::{display_path, quoted};
use crate::model::comms::{Kind, Templates};
use crate::target::Thresholds;

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
    /// The Redis server's config file (see `--redis-conf`).
    pub redis_conf: Option<std::path::PathBuf>,
    /// Disable colors.
    pub no_color: Option<bool>,
    /// Health thresholds; missing keys keep their defaults.
    pub thresholds: Option<Thresholds>,
    /// `[prometheus]`: URL, selector, auth, query overrides.
    pub prometheus: Option<super::prom::PromFile>,
    /// `[docker]`: container name or compose service.
    pub docker: Option<crate::docker::settings::DockerFile>,
    /// `[sentinel]`: the Sentinels, the master name, Sentinel's user.
    pub sentinel: Option<super::sentinel::SentinelFile>,
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
            message: plain_type_error(e.message().trim()),
        }
    })
}

/// serde's `invalid type: string "90%", expected f64` in words a person can act on:
/// `expected a number (like 90 or 2.5), got the string "90%"`.
fn plain_type_error(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_string();
    };
    let Some((got, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let want = match expected {
        "f64" | "f32" => "a number (like 90 or 2.5)",
        "u64" | "u32" | "u16" | "u8" | "usize" | "i64" | "i32" => "a whole number (like 1000)",
        "a boolean" => "true or false",
        "a string" => "a quoted string (like \"1s\")",
        other => other,
    };
    let got = got
        .strip_prefix("string ")
        .map_or_else(|| got.to_string(), |s| format!("the string {s}"));
    format!("expected {want}, got {got}")
}

/// The shipped communication templates, each replaced by `DIR/<name>.txt` when that file
/// exists. `dir` is `--templates DIR` (`required`: it must exist) or
/// `$XDG_CONFIG_HOME/redtriage/templates` (may be missing). Errors quote the file.
pub fn load_templates(dir: Option<&Path>, required: bool) -> Result<Templates, String> {
    let mut out = Templates::default();
    let Some(dir) = dir else { return Ok(out) };
    if !dir.is_dir() {
        if required {
            return Err(format!(
                "--templates {}: not a directory",
                quoted(dir.as_os_str().as_encoded_bytes())
            ));
        }
        return Ok(out);
    }
    for kind in Kind::ALL {
        let path = dir.join(format!("{}.txt", kind.name()));
        if !path.exists() {
            continue;
        }
        let shown = quoted(path.as_os_str().as_encoded_bytes());
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read template {shown}: {e}"))?;
        out.set(kind, &text, &shown)?;
    }
    Ok(out)
}
