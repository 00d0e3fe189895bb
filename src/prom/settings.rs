//! Prometheus settings as the poller takes them, validated by the config layer
//! (`config::prom`: the `--prometheus`/`--prom-*` flags over the config file's `[prometheus]`).
//! Credentials come from files or the environment, never from the command line.

use std::time::Duration;

use super::queries::Queries;
use crate::target::Secret;

/// Basic-auth password for Prometheus, from the environment.
pub const ENV_PASSWORD: &str = "REDTRIAGE_PROM_PASSWORD";
/// Bearer token for Prometheus, from the environment.
pub const ENV_TOKEN: &str = "REDTRIAGE_PROM_TOKEN";
/// Default period of the Prometheus poll.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Default timeout of one Prometheus request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// How far back the sparklines are backfilled at start.
pub const BACKFILL_RANGE: Duration = Duration::from_secs(3600);

/// How to authenticate to Prometheus. `Debug` never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PromAuth {
    #[default]
    None,
    Basic {
        user: String,
        password: Secret,
    },
    Bearer(Secret),
}

/// A CA certificate's PEM bytes (`Debug` shows only the size).
#[derive(Clone, PartialEq, Eq)]
pub struct Pem(pub Vec<u8>);

impl std::fmt::Debug for Pem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<PEM, {} bytes>", self.0.len())
    }
}

impl std::ops::Deref for Pem {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Everything the Prometheus poller needs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PromSettings {
    /// Base URL, `http://prometheus:9090` (a path prefix is kept).
    pub url: String,
    /// Label selector of the instance, without braces: `instance="redis:9121"`.
    pub selector: String,
    /// True when the selector was guessed from the Redis address.
    pub selector_guessed: bool,
    /// Period of the instant queries and the alerts.
    pub interval: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    pub auth: PromAuth,
    /// Extra CA certificate to trust, PEM.
    pub ca_pem: Option<Pem>,
    pub queries: Queries,
}

impl PromSettings {
    /// Settings for `url` with the defaults (tests and tools).
    pub fn new(url: &str, selector: &str) -> Self {
        Self {
            url: url.to_string(),
            selector: selector.to_string(),
            selector_guessed: false,
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            auth: PromAuth::None,
            ca_pem: None,
            queries: Queries::default(),
        }
    }

    /// The URL with any password masked, for the screen.
    pub fn display_url(&self) -> String {
        crate::target::mask_url(&self.url)
    }
}
