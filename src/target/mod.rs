//! A `Target` is a value: address, credentials, TLS. One poller runs per target.

use std::path::PathBuf;
use std::time::Duration;

mod url;

pub use url::{UrlError, mask_url, parse_db, parse_port, parse_url};

/// Index of a target in `State::instances` (one instance is a fleet of one).
pub type TargetId = usize;

/// Where the Redis is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Tcp { host: String, port: u16 },
    Unix { path: PathBuf },
}

/// TLS settings (rustls). `cacert` None = the webpki roots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Server name for SNI and certificate checks; defaults to the host.
    pub sni: Option<String>,
    /// `--insecure`: skip certificate verification (like redis-cli).
    pub insecure: bool,
}

/// A password that never prints: `Debug` and `Display` show `****`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself; only for the AUTH command.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

/// One Redis to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub address: Address,
    pub db: i64,
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// Some = connect with TLS.
    pub tls: Option<TlsSettings>,
}

impl Target {
    /// `redis://127.0.0.1:6379`.
    pub fn local_default() -> Self {
        Self {
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port: 6379,
            },
            db: 0,
            user: None,
            password: None,
            tls: None,
        }
    }

    /// The target as a URL with the password masked: `rediss://app:****@host:6380/2`,
    /// `unix:///run/redis.sock`.
    /// A server on this machine: a unix socket, `localhost` or a loopback address (its paths
    /// mean something here).
    pub fn is_local(&self) -> bool {
        match &self.address {
            Address::Unix { .. } => true,
            Address::Tcp { host, .. } => {
                host == "localhost"
                    || host
                        .trim_matches(|c| c == '[' || c == ']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
        }
    }

    pub fn display(&self) -> String {
        let auth = match (&self.user, &self.password) {
            (Some(u), Some(_)) => format!("{}:****@", crate::escape::plain_str(u)),
            (None, Some(_)) => ":****@".to_string(),
            (Some(u), None) => format!("{}@", crate::escape::plain_str(u)),
            (None, None) => String::new(),
        };
        let db = if self.db == 0 {
            String::new()
        } else {
            format!("/{}", self.db)
        };
        match &self.address {
            Address::Tcp { host, port } => {
                let scheme = if self.tls.is_some() {
                    "rediss"
                } else {
                    "redis"
                };
                let host = crate::escape::plain_str(host);
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("{scheme}://{auth}{host}:{port}{db}")
            }
            Address::Unix { path } => format!(
                "unix://{auth}{}{db}",
                crate::escape::plain(path.as_os_str().as_encoded_bytes())
            ),
        }
    }
}

/// Thresholds for the runbook's health table (percent, µs). Configurable in the config file.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// used/maxmemory %, warn at or above.
    pub memory_warn_percent: f64,
    pub memory_crit_percent: f64,
    /// Hit rate %, warn below.
    pub hit_rate_warn_percent: f64,
    pub hit_rate_crit_percent: f64,
    /// Hit rate target shown in the pane (runbook: > 80 %).
    pub hit_rate_target_percent: f64,
    /// PING p50 latency, ms, warn above.
    pub latency_warn_ms: f64,
    pub latency_crit_ms: f64,
    /// connected/maxclients %, warn at or above.
    pub clients_warn_percent: f64,
    pub clients_crit_percent: f64,
    /// An uptime below this many seconds (a recent restart) is a warning.
    pub uptime_warn_secs: u64,
    /// Used space of the filesystem holding the server's `dir`, %, warn at or above.
    pub disk_warn_percent: f64,
    pub disk_crit_percent: f64,
    /// A replica whose last ack is this many seconds old is a warning / critical.
    pub replica_lag_warn_secs: u64,
    pub replica_lag_crit_secs: u64,
    /// A master with fewer replicas is a warning (0: no such check).
    pub min_replicas: u64,
    /// A health verdict changes once this many samples in a row say so (1: at once), so a
    /// figure hovering at a threshold does not flap; no data is shown at once.
    pub hold_samples: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            memory_warn_percent: 80.0,
            memory_crit_percent: 90.0,
            hit_rate_warn_percent: 70.0,
            hit_rate_crit_percent: 50.0,
            hit_rate_target_percent: 80.0,
            latency_warn_ms: 5.0,
            latency_crit_ms: 10.0,
            clients_warn_percent: 90.0,
            clients_crit_percent: 100.0,
            uptime_warn_secs: 300,
            disk_warn_percent: 90.0,
            disk_crit_percent: 95.0,
            replica_lag_warn_secs: 10,
            replica_lag_crit_secs: 60,
            min_replicas: 0,
            hold_samples: 3,
        }
    }
}

/// How the collector behaves for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSettings {
    /// Tick period (clamped 100 ms – 60 s).
    pub interval: Duration,
    /// Timeout on every connect and every command.
    pub timeout: Duration,
    /// Period of the slow cadence (`INFO server replication`, `SLOWLOG LEN`, `LATENCY LATEST`,
    /// `CLIENT LIST`; commandstats and `CONFIG GET` every 6th), ≥ 5 s; the governor stretches it.
    pub slow_interval: Duration,
    /// Above this many clients CLIENT LIST is sampled (`TYPE normal`, on a cost budget); above
    /// 5× this it is not run (see [`crate::collect::governor`]).
    pub client_list_max_clients: u64,
    /// Name of the CONFIG command (for renamed CONFIG, like the exporter's option).
    pub config_command: String,
    /// PING round trip above which the slow cadence backs off (the latency warn threshold).
    pub latency_target: Duration,
    /// The Redis log file (`--server-log`), read while the server is down; None = learn it
    /// from `CONFIG GET logfile` when the server is on this machine.
    pub server_log: Option<std::path::PathBuf>,
    /// The server's config file (`--redis-conf`), read for what the actions need while the
    /// server does not answer.
    pub redis_conf: Option<std::path::PathBuf>,
    /// Where each target's last-seen configuration is kept (`$XDG_STATE_HOME/redtriage/
    /// targets`); None = not kept.
    pub state_dir: Option<std::path::PathBuf>,
    /// Keep a spare connection for the actions, opened at each connect
    /// ([`crate::collect::reserve`]): the dashboard does, one-shot modes do not.
    pub reserve_for_actions: bool,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            slow_interval: Duration::from_secs(5),
            client_list_max_clients: 1000,
            config_command: "CONFIG".into(),
            latency_target: Duration::from_millis(5),
            server_log: None,
            redis_conf: None,
            state_dir: None,
            reserve_for_actions: false,
        }
    }
}
