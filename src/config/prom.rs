//! The Prometheus part of the configuration: the `--prometheus`/`--prom-*` flags merged over
//! the config file's `[prometheus]` table into [`PromSettings`], validated before the terminal
//! changes mode (bad values quoted). Credentials come from files or the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::{ConfigError, flag_error};
use crate::escape::quoted;
use crate::prom::queries::{Queries, guess_selector};
use crate::prom::settings::{
    DEFAULT_INTERVAL, DEFAULT_TIMEOUT, ENV_PASSWORD, ENV_TOKEN, Pem, PromAuth, PromSettings,
};
use crate::target::{Address, Secret, Target};

/// The `--prom-*` flags.
#[derive(Debug, Args, Default)]
pub struct PromFlags {
    /// Prometheus base URL (http:// or https://); enables the Prometheus views.
    #[arg(long, value_name = "URL", global = true)]
    pub prometheus: Option<String>,
    /// Label selector of this instance, like 'instance="redis:9121"' [default: guessed].
    #[arg(long, value_name = "SELECTOR", global = true)]
    pub prom_selector: Option<String>,
    /// Period of the Prometheus queries [default: 5s].
    #[arg(
        long,
        value_name = "DURATION",
        global = true,
        allow_hyphen_values = true
    )]
    pub prom_interval: Option<String>,
    /// Timeout of one Prometheus request [default: 2s].
    #[arg(
        long,
        value_name = "DURATION",
        global = true,
        allow_hyphen_values = true
    )]
    pub prom_timeout: Option<String>,
    /// Basic-auth user for Prometheus (password from `REDTRIAGE_PROM_PASSWORD` or `--prom-password-file`).
    #[arg(long, value_name = "USER", global = true)]
    pub prom_user: Option<String>,
    /// File holding the basic-auth password for Prometheus.
    #[arg(long, value_name = "FILE", global = true)]
    pub prom_password_file: Option<PathBuf>,
    /// File holding a bearer token for Prometheus (or `REDTRIAGE_PROM_TOKEN`).
    #[arg(long, value_name = "FILE", global = true)]
    pub prom_token_file: Option<PathBuf>,
    /// CA certificate (PEM) to verify an https:// Prometheus with.
    #[arg(long, value_name = "FILE", global = true)]
    pub prom_cacert: Option<PathBuf>,
}

/// The config file's `[prometheus]` table.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromFile {
    pub url: Option<String>,
    pub selector: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
    pub cacert: Option<PathBuf>,
    /// Query name → `PromQL` with `$SELECTOR` (see `crate::prom::queries`).
    #[serde(default)]
    pub queries: BTreeMap<String, String>,
}

/// Flag over file. `None` when no Prometheus URL is given anywhere.
pub fn build(
    flags: &PromFlags,
    file: Option<&PromFile>,
    source: &str,
    target: &Target,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<PromSettings>, ConfigError> {
    let empty = PromFile::default();
    let file = file.unwrap_or(&empty);
    let file_err = |key: &str, value: &str, reason: &str| ConfigError::ConfigValue {
        path: source.to_string(),
        key: format!("prometheus.{key}"),
        value: quoted(value.as_bytes()),
        reason: reason.to_string(),
    };
    let url = match (&flags.prometheus, &file.url) {
        (Some(u), _) => check_url(u).map_err(|r| flag_error("--prometheus", &mask(u), &r))?,
        (None, Some(u)) => check_url(u).map_err(|r| file_err("url", &mask(u), &r))?,
        (None, None) => return Ok(None),
    };
    let mut s = PromSettings::new(&url, "");
    match (&flags.prom_selector, &file.selector) {
        (Some(sel), _) => {
            s.selector = check_selector(sel).map_err(|r| flag_error("--prom-selector", sel, &r))?;
        }
        (None, Some(sel)) => {
            s.selector = check_selector(sel).map_err(|r| file_err("selector", sel, &r))?;
        }
        (None, None) => {
            s.selector_guessed = true;
            s.selector = match &target.address {
                Address::Tcp { host, port } => guess_selector(host, *port),
                Address::Unix { .. } => crate::prom::queries::FLEET_SELECTOR.to_string(),
            };
        }
    }
    s.interval = duration(
        flags.prom_interval.as_ref(),
        "--prom-interval",
        file.interval.as_ref(),
    )
    .map_err(|e| e.unwrap_or_else(|| file_err("interval", file_str(file.interval.as_ref()), HINT)))?
    .unwrap_or(DEFAULT_INTERVAL)
    .max(Duration::from_millis(500));
    s.timeout = duration(
        flags.prom_timeout.as_ref(),
        "--prom-timeout",
        file.timeout.as_ref(),
    )
    .map_err(|e| e.unwrap_or_else(|| file_err("timeout", file_str(file.timeout.as_ref()), HINT)))?
    .unwrap_or(DEFAULT_TIMEOUT);
    s.auth = auth(flags, file, env)?;
    if let Some(path) = flags.prom_cacert.as_ref().or(file.cacert.as_ref()) {
        let pem = read_file("--prom-cacert", path)?;
        reqwest::Certificate::from_pem(&pem).map_err(|_| ConfigError::Flag {
            flag: "--prom-cacert",
            value: quoted(path.as_os_str().as_encoded_bytes()),
            reason: "is not a PEM certificate".into(),
        })?;
        s.ca_pem = Some(Pem(pem));
    }
    s.queries = Queries::with_overrides(&file.queries).map_err(|r| ConfigError::ConfigValue {
        path: source.to_string(),
        key: "prometheus.queries".into(),
        value: String::new(),
        reason: r,
    })?;
    Ok(Some(s))
}

const HINT: &str = "expected a duration like 1s, 500ms, 2m";

fn file_str(v: Option<&String>) -> &str {
    v.map_or("", String::as_str)
}

fn mask(url: &str) -> String {
    crate::target::mask_url(url)
}

/// Flag, else file; `Err(None)` means the file's value is bad (the caller names it).
fn duration(
    flag: Option<&String>,
    name: &'static str,
    file: Option<&String>,
) -> Result<Option<Duration>, Option<ConfigError>> {
    let parse = |v: &str| crate::format::parse_duration(v).filter(|d| !d.is_zero());
    match (flag, file) {
        (Some(v), _) => parse(v)
            .map(Some)
            .ok_or_else(|| Some(flag_error(name, v, &format!("{HINT}, > 0")))),
        (None, Some(v)) => parse(v).map(Some).ok_or(None),
        (None, None) => Ok(None),
    }
}

fn check_url(u: &str) -> Result<String, String> {
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or("expected an http:// or https:// URL")?;
    if rest.is_empty() || rest.starts_with('/') || u.chars().any(char::is_whitespace) {
        return Err("expected a host after the scheme, like http://prometheus:9090".into());
    }
    Ok(u.to_string())
}

/// A selector without braces: `instance="x"`, `job="redis",instance=~"a.*"`.
fn check_selector(sel: &str) -> Result<String, String> {
    let inner = sel
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let ok = !inner.is_empty()
        && inner.contains(['=', '~'])
        && inner.matches('"').count().is_multiple_of(2)
        && !inner.contains(['{', '}']);
    if ok {
        Ok(inner.to_string())
    } else {
        Err("expected label matchers like 'instance=\"redis:9121\"'".into())
    }
}

/// Bearer token (file or env) or basic auth (user + password file or env).
fn auth(
    flags: &PromFlags,
    file: &PromFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PromAuth, ConfigError> {
    let token_file = flags.prom_token_file.as_ref().or(file.token_file.as_ref());
    let user = flags.prom_user.as_ref().or(file.user.as_ref());
    if token_file.is_some() && user.is_some() {
        return Err(ConfigError::Conflict(
            "--prom-token-file and --prom-user (basic auth) do not go together; use one".into(),
        ));
    }
    if let Some(path) = token_file {
        return Ok(PromAuth::Bearer(Secret::new(secret_file(
            "--prom-token-file",
            path,
        )?)));
    }
    if let Some(user) = user {
        let pw_file = flags
            .prom_password_file
            .as_ref()
            .or(file.password_file.as_ref());
        let password = match pw_file {
            Some(path) => secret_file("--prom-password-file", path)?,
            None => env(ENV_PASSWORD).ok_or_else(|| {
                ConfigError::Conflict(format!(
                    "--prom-user needs a password: --prom-password-file FILE or {ENV_PASSWORD}"
                ))
            })?,
        };
        return Ok(PromAuth::Basic {
            user: user.clone(),
            password: Secret::new(password),
        });
    }
    Ok(env(ENV_TOKEN)
        .filter(|t| !t.is_empty())
        .map_or(PromAuth::None, |t| PromAuth::Bearer(Secret::new(t))))
}

fn read_file(flag: &'static str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::File {
        flag,
        path: quoted(path.as_os_str().as_encoded_bytes()),
        source,
    })
}

/// A secret file's first line, trimmed.
fn secret_file(flag: &'static str, path: &Path) -> Result<String, ConfigError> {
    let bytes = read_file(flag, path)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(url: &str) -> PromFlags {
        PromFlags {
            prometheus: Some(url.into()),
            ..PromFlags::default()
        }
    }

    #[test]
    fn guessed_selector_and_defaults() {
        let t = Target::local_default();
        let s = build(&flags("http://p:9090"), None, "", &t, &|_| None)
            .expect("ok")
            .expect("some");
        assert!(s.selector_guessed);
        assert!(
            s.selector.contains("127\\\\.0\\\\.0\\\\.1:(6379|9121)"),
            "{}",
            s.selector
        );
        assert_eq!((s.interval, s.timeout), (DEFAULT_INTERVAL, DEFAULT_TIMEOUT));
        assert_eq!(s.auth, PromAuth::None);
    }

    #[test]
    fn bad_values_are_quoted() {
        let t = Target::local_default();
        let e = build(&flags("ftp://x"), None, "", &t, &|_| None).expect_err("bad");
        assert!(
            e.to_string().contains("invalid --prometheus \"ftp://x\""),
            "{e}"
        );
        let mut f = flags("http://x");
        f.prom_selector = Some("redis".into());
        let e = build(&f, None, "", &t, &|_| None).expect_err("bad");
        assert!(
            e.to_string().contains("invalid --prom-selector \"redis\""),
            "{e}"
        );
        let mut f = flags("http://x");
        f.prom_user = Some("u".into());
        let e = build(&f, None, "", &t, &|_| None).expect_err("no password");
        assert!(e.to_string().contains(ENV_PASSWORD), "{e}");
    }

    #[test]
    fn token_from_env_never_shows() {
        let t = Target::local_default();
        let env = |k: &str| (k == ENV_TOKEN).then(|| "s3cret".to_string());
        let s = build(&flags("http://x"), None, "", &t, &env)
            .expect("ok")
            .expect("some");
        assert_eq!(s.auth, PromAuth::Bearer(Secret::new("s3cret")));
        assert!(!format!("{s:?}").contains("s3cret"));
    }
}
