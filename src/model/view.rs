//! The view: every figure the panes show, computed by the model from its state at a given
//! instant. The TUI renders it and `snapshot --json` serializes it — one code path, so the JSON
//! is what the panes show. Its JSON shape is documented in docs/json.md and is
//! stable: fields are only ever added. All strings from the server are already escaped.

use serde::Serialize;

/// Version of the JSON shape; bumped only on an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Health verdict of one target metric (Nagios order: Ok < Warn < Crit < Unknown for exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Ok,
    Warn,
    Crit,
    #[default]
    Unknown,
}

impl Verdict {
    /// The word shown next to every coloured figure (colour is never the only signal).
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warn => "WARN",
            Verdict::Crit => "CRIT",
            Verdict::Unknown => "UNKNOWN",
        }
    }

    /// Nagios exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warn => 1,
            Verdict::Crit => 2,
            Verdict::Unknown => 3,
        }
    }
}

/// Connection state of one target, as shown in the header and `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnState {
    /// Not connected yet (first attempt running).
    Connecting,
    Up,
    /// Nothing answers the connect; `reason` is `refused` or the escaped IO error.
    Down {
        reason: String,
    },
    /// Connected (TCP accepted) but no reply for `no_reply_secs`.
    Unresponsive {
        no_reply_secs: u64,
    },
    /// AUTH rejected; escaped server text.
    AuthFailed {
        message: String,
    },
    /// Dataset loading; percent when the server tells.
    Loading {
        percent: Option<f64>,
    },
    /// The server answers but refuses redtriage's connection: `maxclients` reached. Up and
    /// full, not down: the clients it holds still work, new ones (the app's) are refused.
    Full {
        message: String,
    },
}

impl ConnState {
    /// `UP`, `DOWN (refused)`, `UNRESPONSIVE (no reply for 3s)`, `AUTH FAILED`, `LOADING 42%`,
    /// `FULL (…)`.
    pub fn label(&self) -> String {
        match self {
            ConnState::Connecting => "CONNECTING".into(),
            ConnState::Up => "UP".into(),
            ConnState::Down { reason } => format!("DOWN ({reason})"),
            ConnState::Unresponsive { no_reply_secs } => {
                format!(
                    "UNRESPONSIVE (no reply for {})",
                    crate::format::age(*no_reply_secs)
                )
            }
            ConnState::AuthFailed { .. } => "AUTH FAILED".into(),
            ConnState::Loading { percent: Some(p) } => format!("LOADING {p:.0}%"),
            ConnState::Loading { percent: None } => "LOADING".into(),
            ConnState::Full { .. } => "FULL (max clients reached: new connections refused)".into(),
        }
    }

    /// Verdict used for colour: UP ok, LOADING/CONNECTING warn, others crit.
    pub fn verdict(&self) -> Verdict {
        match self {
            ConnState::Up => Verdict::Ok,
            ConnState::Connecting | ConnState::Loading { .. } => Verdict::Warn,
            _ => Verdict::Crit,
        }
    }
}

/// Freshness of a pane's figures. A pane always shows its last good values plus this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PaneStatus {
    /// Nothing received yet.
    #[default]
    Pending,
    /// Fresh figures.
    Ok,
    /// Last good figures are `age_secs` old (server down or unresponsive).
    Stale { age_secs: u64 },
    /// The command this pane needs failed (`NOPERM`, `unknown command`, `timeout`…); figures
    /// that came from elsewhere (INFO) are still filled in.
    Error { message: String },
    /// The command this pane needs cannot be used on this server: renamed away
    /// (`rename-command`, as managed services do) or refused by the ACL. `message` names it
    /// and why (`SLOWLOG unavailable: command disabled (rename-command)`); figures that come
    /// from INFO are still filled in.
    Unavailable { message: String },
}

/// One health target from the runbook table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthItem {
    /// `memory`, `hit_rate`, `latency`, `clients`, `uptime`.
    pub name: &'static str,
    pub verdict: Verdict,
    /// The figure, formatted (`"83.1% of 100.0 MB"`), or why it is unknown.
    pub value: String,
    /// The thresholds in words (`"warn ≥80%, crit ≥90%"`).
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Health {
    /// Worst of the items (Unknown only when every item is unknown or the server is unreachable).
    pub overall: Verdict,
    pub items: Vec<HealthItem>,
}

/// Header line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// Target as typed, password masked (`redis://app:****@10.0.0.5:6379/0`).
    pub target: String,
    pub connection: ConnState,
    /// `connection.label()`, so the JSON has the words the header shows.
    pub connection_label: String,
    /// Seconds in the current connection state.
    pub since_secs: u64,
    /// Escaped last connection/poll error, if any.
    pub last_error: Option<String>,
    pub role: Option<String>,
    /// `redis` or `valkey` (escaped), as the server names itself.
    pub server_name: Option<String>,
    /// The server's own version: `valkey_version` on Valkey, else `redis_version`.
    pub version: Option<String>,
    pub uptime_secs: Option<u64>,
    /// Restarts noticed since redtriage started (uptime or run id went back, counters reset).
    pub restarts_seen: u32,
    /// Seconds since the last restart/reset noticed.
    pub last_restart_ago_secs: Option<u64>,
    /// How the last restart was noticed (`run id changed`, `uptime went back`).
    pub last_restart_why: Option<&'static str>,
    /// Commands per second from `total_commands_processed` deltas.
    pub ops_per_sec: Option<f64>,
    /// PING round trip p50 over the latency window, µs.
    pub latency_p50_us: Option<u64>,
    /// Seconds since the last good INFO; None when fresh or never.
    pub stale_secs: Option<u64>,
    pub paused: bool,
    pub health: Health,
    /// Notices worth a line: counter resets, CONFIG unavailable, sampling skipped…
    pub notices: Vec<String>,
    /// The stability watch, while one runs (`STABLE 3m12s / 5m00s`, `UNSTABLE: …`).
    pub watch: Option<crate::model::watch::WatchView>,
    /// The incident log could not be written (disk full, unwritable): shown loudly.
    pub log_error: Option<String>,
    /// The action running now and for how long (seconds).
    pub running_action: Option<(String, u64)>,
    /// The server refuses writes (`MISCONF`: the last BGSAVE failed with
    /// `stop-writes-on-bgsave-error yes`): the loudest thing in an incident, a header badge.
    pub writes_refused: bool,
    /// What the target is, when it is more than a lone master (`replica of 10.0.0.5:6379 ·
    /// link DOWN 12s`, `sentinel · 2 masters`, `master · 2 replicas`).
    pub topology: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MemoryPane {
    pub status: PaneStatus,
    pub used_bytes: Option<u64>,
    /// 0 = no limit (itself a warning).
    pub max_bytes: Option<u64>,
    /// used / max in percent, when max > 0.
    pub used_percent: Option<f64>,
    pub rss_bytes: Option<u64>,
    pub peak_bytes: Option<u64>,
    pub fragmentation_ratio: Option<f64>,
    pub evictions_per_sec: Option<f64>,
    pub policy: Option<String>,
    pub verdict: Verdict,
    /// `used_memory` history, bytes, oldest first (as many points as the pane can show).
    pub spark: Vec<u64>,
    /// How many of the oldest `spark` points came from the Prometheus backfill (the seam).
    pub spark_backfilled: usize,
}

/// Clients grouped by one key of CLIENT LIST.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientGroup {
    /// `addr` (IP without port), `name`, `user` or `cmd`.
    pub by: &'static str,
    /// Escaped key value (`(none)` for an empty name).
    pub key: String,
    pub count: u64,
    /// Sum of `omem`, bytes.
    pub omem_bytes: u64,
    /// Sum of `tot-mem` (7.0+), bytes.
    pub tot_mem_bytes: u64,
    /// Largest idle time in the group, seconds.
    pub max_idle_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ClientsPane {
    pub status: PaneStatus,
    pub connected: Option<u64>,
    pub max: Option<u64>,
    pub used_percent: Option<f64>,
    pub blocked: Option<u64>,
    pub rejected_per_sec: Option<f64>,
    /// New connections per second (`total_connections_received`).
    pub connections_per_sec: Option<f64>,
    pub verdict: Verdict,
    /// Status of the CLIENT LIST part alone (NOPERM, skipped…); INFO figures above still show.
    pub list_status: PaneStatus,
    /// Why CLIENT LIST was not fetched, when skipped.
    pub list_note: Option<String>,
    /// Age of the CLIENT LIST data, seconds.
    pub list_age_secs: Option<u64>,
    /// Top groups, most clients first: by addr, then name, user, cmd.
    pub groups: Vec<ClientGroup>,
    /// Selection in the zoomed pane: `group:<by>:<key>` or `client:<id>`.
    #[serde(skip)]
    pub selected: Option<String>,
    /// Single clients (when the zoomed pane lists clients rather than groups), by id.
    #[serde(skip)]
    pub rows: Option<Vec<crate::collect::types::ClientInfo>>,
    /// `connected_clients` history, oldest first.
    pub spark: Vec<u64>,
    /// How many of the oldest `spark` points came from the Prometheus backfill (the seam).
    pub spark_backfilled: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowlogRow {
    pub id: u64,
    pub age_secs: u64,
    pub duration_us: u64,
    /// Quoted, escaped args joined by spaces, exactly as redis-cli prints each.
    pub args: String,
    /// Escaped `addr` and name of the client (`10.0.0.1:5000 web`).
    pub client: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SlowlogPane {
    pub status: PaneStatus,
    /// Newest first.
    pub entries: Vec<SlowlogRow>,
    /// `SLOWLOG LEN`.
    pub length: Option<u64>,
    /// New entries per minute (from id deltas) over the last minute.
    pub new_per_min: Option<f64>,
    /// `slowlog-log-slower-than`, µs (from CONFIG; None when unknown).
    pub threshold_us: Option<i64>,
    /// While SLOWLOG is unavailable: what INFO offers instead, the commands with the highest
    /// mean time per call since the server started (`INFO commandstats`), slowest first.
    pub by_commandstats: Vec<SlowCommand>,
}

/// One command of `INFO commandstats`, for the slowlog pane when SLOWLOG is unavailable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowCommand {
    /// Escaped command name as INFO reports it (`get`, `config|get`).
    pub command: String,
    pub calls: u64,
    /// Mean server time per call since start, µs.
    pub usec_per_call: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PersistencePane {
    pub status: PaneStatus,
    pub rdb_last_save_age_secs: Option<u64>,
    /// No RDB was written since the server started (its last save time is its start).
    pub rdb_never_saved: bool,
    pub rdb_changes_since_save: Option<u64>,
    pub rdb_bgsave_in_progress: Option<bool>,
    pub rdb_last_bgsave_status: Option<String>,
    /// `save` config (`3600 1 300 100`), when CONFIG is available.
    pub save_config: Option<String>,
    /// Why `save_config` is unknown, when CONFIG cannot be used (`CONFIG unavailable`).
    pub save_unknown: Option<String>,
    pub aof_enabled: Option<bool>,
    pub aof_rewrite_in_progress: Option<bool>,
    pub aof_last_rewrite_status: Option<String>,
    pub aof_last_write_status: Option<String>,
    pub aof_delayed_fsync: Option<u64>,
    pub latest_fork_usec: Option<u64>,
    pub loading: bool,
    pub loading_percent: Option<f64>,
    pub loading_eta_secs: Option<u64>,
    /// True when the last BGSAVE failed and Redis refuses writes with MISCONF for it: a save
    /// point and `stop-writes-on-bgsave-error yes` (assumed when CONFIG is unavailable).
    /// Shown loudly.
    pub writes_blocked_misconf: bool,
    /// The filesystem of the server's `dir`, for a server on this machine.
    pub disk: Option<DiskView>,
    pub verdict: Verdict,
}

/// Space on the filesystem of the server's `dir` (`df`'s figures).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskView {
    pub used_percent: Option<f64>,
    /// What Redis (not root) may still write.
    pub free_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
    /// Why it could not be read (escaped).
    pub error: Option<String>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct HitRatePane {
    pub status: PaneStatus,
    /// Percent over the last 10 s.
    pub now_percent: Option<f64>,
    pub m1_percent: Option<f64>,
    pub m5_percent: Option<f64>,
    /// Lookups per second (hits + misses) over 10 s.
    pub lookups_per_sec: Option<f64>,
    /// Target from the runbook (>80 %).
    pub target_percent: f64,
    pub verdict: Verdict,
    /// Per-tick hit rate, percent ×100 (0..=10000), oldest first.
    pub spark: Vec<u64>,
    /// How many of the oldest `spark` points came from the Prometheus backfill (the seam).
    pub spark_backfilled: usize,
    /// Keys in every db (`INFO keyspace`, slow cadence).
    pub keys: Option<u64>,
    /// The key count's peak over the last 5 minutes, when above `keys`, and how long ago it
    /// was seen: a `FLUSHALL` under a warm cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys_peak: Option<KeysPeak>,
}

/// The key count's recent peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeysPeak {
    pub keys: u64,
    pub ago_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRate {
    /// Escaped error prefix (`ERR`, `WRONGTYPE`, `OOM`, `MISCONF`…).
    pub kind: String,
    pub total: u64,
    pub per_sec: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ErrorsPane {
    pub status: PaneStatus,
    /// All errors per second (`total_error_replies` or the errorstats sum).
    pub errors_per_sec: Option<f64>,
    /// Per prefix, highest rate first.
    pub by_kind: Vec<ErrorRate>,
    pub ping_p50_us: Option<u64>,
    pub ping_p99_us: Option<u64>,
    pub ping_max_us: Option<u64>,
    /// Latest PING round trip, µs.
    pub ping_last_us: Option<u64>,
    pub latency_verdict: Verdict,
    /// The pane's verdict: the worst of the latency and the error replies (the `errors`
    /// health item: writes refused is CRIT).
    pub verdict: Verdict,
    /// PING RTT history, µs, oldest first.
    pub spark: Vec<u64>,
    /// LATENCY LATEST rows (escaped event names).
    pub latency_events: Vec<crate::collect::types::LatencyEvent>,
    pub latency_status: PaneStatus,
    /// `latency-monitor-threshold` (ms); 0 means the monitor is off → hint shown.
    pub latency_monitor_threshold_ms: Option<u64>,
}

/// Everything the screen shows for one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub schema: u32,
    pub header: Header,
    pub memory: MemoryPane,
    pub clients: ClientsPane,
    pub slowlog: SlowlogPane,
    pub persistence: PersistencePane,
    pub hit_rate: HitRatePane,
    pub errors: ErrorsPane,
    /// Samples ago of each action run (sparkline markers), newest first.
    #[serde(skip)]
    pub marks_ago: Vec<usize>,
    /// The Prometheus figures, when `--prometheus` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<crate::model::prom::view::PromView>,
    /// redtriage's own cost per refresh and back-off state (help overlay); null until known.
    pub cost: Option<crate::collect::governor::SelfCost>,
    /// The container behind the Redis (Docker), when the Docker source runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<crate::model::docker::ContainerView>,
    /// The replication group: master, replicas, Sentinels, the last failover.
    pub topology: crate::model::group::view::TopologyView,
    /// The runbook's causes ranked by the evidence, most likely first.
    pub diagnosis: Vec<crate::model::diagnosis::CauseView>,
    /// Indexes of the diagnosis rules that hold (for since-tracking; not in the JSON).
    #[serde(skip)]
    pub diag_fired: Vec<usize>,
    /// Indexes of the rules that hold right now (not in the JSON).
    #[serde(skip)]
    pub diag_holding: Vec<usize>,
}
