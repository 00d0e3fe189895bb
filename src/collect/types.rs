//! Owned, parsed samples that the pollers send to the model. Every string in here that came
//! from the server has already been escaped with [`crate::escape`].

use std::collections::BTreeMap;

use crate::target::TargetId;
use std::time::{Duration, Instant, SystemTime};

/// Why a command or a connection attempt failed. Errors are data: a pane shows them in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum CollectError {
    /// No reply within the configured `--timeout`.
    #[error("timeout")]
    Timeout,
    /// TCP/unix connect refused: nothing listens.
    #[error("connection refused")]
    Refused,
    /// Any other connect/IO failure (reset, unreachable, TLS handshake…); escaped text.
    #[error("{0}")]
    Connect(String),
    /// AUTH rejected (`WRONGPASS`, `NOAUTH`, `invalid password`); escaped server text.
    #[error("auth failed: {0}")]
    Auth(String),
    /// The ACL user may not run this command (`NOPERM`).
    #[error("NOPERM")]
    NoPerm,
    /// The command does not exist (disabled by `rename-command` or too old a server).
    #[error("unknown command")]
    UnknownCommand,
    /// The server is loading its dataset (`LOADING`).
    #[error("loading")]
    Loading,
    /// Any other error reply, escaped.
    #[error("{0}")]
    Server(String),
    /// A reply that could not be parsed; escaped detail.
    #[error("protocol: {0}")]
    Protocol(String),
}

impl CollectError {
    /// Why a command cannot be used at all, when this error says so: renamed away (managed
    /// services disable CONFIG, SLOWLOG, CLIENT… with `rename-command`) or refused by the ACL.
    pub fn refusal(&self) -> Option<&'static str> {
        match self {
            CollectError::UnknownCommand => Some("command disabled (rename-command)"),
            CollectError::NoPerm => Some("NOPERM (not allowed for this ACL user)"),
            _ => None,
        }
    }

    /// [`Self::refusal`] in a few words, after a command's name (`BGSAVE disabled
    /// (rename-command)`): for the action palette, where room is short.
    pub fn refusal_short(&self) -> Option<&'static str> {
        match self {
            CollectError::UnknownCommand => Some("disabled (rename-command)"),
            CollectError::NoPerm => Some("refused by the ACL (NOPERM)"),
            _ => None,
        }
    }
}

/// Typed view of one `INFO` reply. Fields missing on a given server version are `None`;
/// every `key:value` line is also kept in `raw` (escaped) so unknown fields are not lost.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Info {
    // server
    pub redis_version: Option<String>,
    /// `valkey` on Valkey (which also reports a compatibility `redis_version:7.2.4`); absent
    /// on Redis before 7.2 (`redis` after).
    pub server_name: Option<String>,
    /// Valkey's own version (`valkey_version:8.1.1`).
    pub valkey_version: Option<String>,
    pub redis_mode: Option<String>,
    pub os: Option<String>,
    pub process_id: Option<u64>,
    pub run_id: Option<String>,
    pub tcp_port: Option<u64>,
    pub uptime_in_seconds: Option<u64>,
    pub executable: Option<String>,
    pub config_file: Option<String>,
    // clients
    pub connected_clients: Option<u64>,
    pub blocked_clients: Option<u64>,
    pub tracking_clients: Option<u64>,
    /// Redis 7.0+: `maxclients` is in INFO clients, so it is known even without CONFIG.
    pub maxclients: Option<u64>,
    pub client_recent_max_input_buffer: Option<u64>,
    pub client_recent_max_output_buffer: Option<u64>,
    // memory (bytes)
    pub used_memory: Option<u64>,
    pub used_memory_rss: Option<u64>,
    pub used_memory_peak: Option<u64>,
    pub used_memory_lua: Option<u64>,
    pub total_system_memory: Option<u64>,
    /// `maxmemory` as INFO memory reports it (0 = no limit).
    pub maxmemory: Option<u64>,
    pub maxmemory_policy: Option<String>,
    pub mem_fragmentation_ratio: Option<f64>,
    pub mem_fragmentation_bytes: Option<i64>,
    // persistence
    pub loading: Option<bool>,
    /// 0..=100, only while loading (7.0+: `loading_loaded_perc`).
    pub loading_loaded_perc: Option<f64>,
    pub loading_eta_seconds: Option<u64>,
    pub rdb_changes_since_last_save: Option<u64>,
    pub rdb_bgsave_in_progress: Option<bool>,
    /// Unix time (s) of the last successful save.
    pub rdb_last_save_time: Option<u64>,
    /// `ok` or `err`.
    pub rdb_last_bgsave_status: Option<String>,
    pub rdb_last_bgsave_time_sec: Option<i64>,
    pub rdb_last_cow_size: Option<u64>,
    pub aof_enabled: Option<bool>,
    pub aof_rewrite_in_progress: Option<bool>,
    pub aof_rewrite_scheduled: Option<bool>,
    pub aof_last_bgrewrite_status: Option<String>,
    pub aof_last_write_status: Option<String>,
    pub aof_last_cow_size: Option<u64>,
    pub aof_delayed_fsync: Option<u64>,
    // stats
    pub total_connections_received: Option<u64>,
    pub total_commands_processed: Option<u64>,
    pub instantaneous_ops_per_sec: Option<u64>,
    pub total_net_input_bytes: Option<u64>,
    pub total_net_output_bytes: Option<u64>,
    pub rejected_connections: Option<u64>,
    pub expired_keys: Option<u64>,
    pub evicted_keys: Option<u64>,
    pub keyspace_hits: Option<u64>,
    pub keyspace_misses: Option<u64>,
    pub latest_fork_usec: Option<u64>,
    /// 7.0+: total error replies; errorstats gives the split.
    pub total_error_replies: Option<u64>,
    // replication
    pub role: Option<String>,
    pub connected_slaves: Option<u64>,
    pub master_link_status: Option<String>,
    /// The rest of `INFO replication`: a replica's master and link, a master's replicas.
    #[serde(default)]
    pub repl: Replication,
    // keyspace: db index → keys
    pub keyspace: BTreeMap<u32, KeyspaceDb>,
    /// `errorstat_<PREFIX>:count=N` lines: escaped prefix → count.
    pub errorstats: BTreeMap<String, u64>,
    /// `cmdstat_<name>:calls=…,usec=…` lines (only when `INFO commandstats` was asked).
    pub commandstats: BTreeMap<String, CommandStat>,
    /// The reply as received; [`Info::raw`] gives every `key:value` line of it (escaped), so
    /// unknown fields are not lost. Kept as bytes because building the map on every tick
    /// would cost more than the rest of the parse.
    #[serde(skip)]
    pub raw_text: Vec<u8>,
}

impl Info {
    /// The server's own name and version: `valkey` and `valkey_version` on Valkey (not its
    /// compatibility `redis_version`), else `redis` and `redis_version` (None: not known yet).
    pub fn server(&self) -> Option<(&str, &str)> {
        match self.server_name.as_deref() {
            Some(name) if name != "redis" => {
                let own = (name == "valkey").then_some(self.valkey_version.as_deref());
                let version = own.flatten().or(self.redis_version.as_deref())?;
                Some((name, version))
            }
            _ => Some(("redis", self.redis_version.as_deref()?)),
        }
    }

    /// Every `key:value` line of the reply, key and value escaped; later lines win.
    pub fn raw(&self) -> BTreeMap<String, String> {
        super::parse::info_raw_fields(&self.raw_text)
    }
}

/// `INFO replication` beyond role and link status. Strings escaped, the addresses too
/// (redtriage connects to them as they are: a host that needs escaping cannot be reached).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replication {
    /// A replica's master, as the replica was told (`replicaof`).
    pub master_host: Option<String>,
    pub master_port: Option<u16>,
    /// Seconds the link has been down (only while it is).
    pub master_link_down_since_seconds: Option<u64>,
    /// Seconds since the master last talked to this replica.
    pub master_last_io_seconds_ago: Option<i64>,
    pub master_sync_in_progress: Option<bool>,
    /// The replica's own replication offset.
    pub slave_repl_offset: Option<u64>,
    /// The replication stream's offset on this server (a master's is what replicas chase).
    pub master_repl_offset: Option<u64>,
    /// `replica-priority` (0 = never promoted by Sentinel).
    pub slave_priority: Option<u64>,
    /// `replica-read-only`.
    pub slave_read_only: Option<bool>,
    /// 6.2+: `no-failover`, `waiting-for-sync`, `failover-in-progress`.
    pub master_failover_state: Option<String>,
    /// A master's `slaveN:` lines, in order.
    pub replicas: Vec<ReplicaLine>,
}

/// One `slaveN:ip=…,port=…,state=online,offset=…,lag=…` line of a master's INFO.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplicaLine {
    /// Escaped; what the replica announced (`replica-announce-ip`) or its peer address.
    pub ip: String,
    pub port: u16,
    /// `online`, `wait_bgsave`, `send_bulk`…
    pub state: String,
    pub offset: u64,
    /// Seconds since the replica's last ack.
    pub lag: Option<u64>,
}

/// One `dbN:keys=…,expires=…,avg_ttl=…` line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyspaceDb {
    pub keys: u64,
    pub expires: u64,
    pub avg_ttl_ms: u64,
}

/// One `cmdstat_` line.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommandStat {
    pub calls: u64,
    /// Total server time spent in the command, µs.
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// One row of `CLIENT LIST`; strings escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientInfo {
    pub id: u64,
    /// `ip:port` (or a unix socket path).
    pub addr: String,
    pub name: String,
    pub user: String,
    /// Last command run (`cmd=`), lowercased as Redis reports it.
    pub cmd: String,
    pub age_secs: u64,
    pub idle_secs: u64,
    pub db: u32,
    pub flags: String,
    /// `omem`: output buffer memory, bytes.
    pub omem: u64,
    /// `qbuf`: query buffer, bytes.
    pub qbuf: u64,
    /// 7.0+ `tot-mem`; 0 when absent.
    pub tot_mem: u64,
}

/// One `SLOWLOG GET` entry; args escaped as redis-cli prints them (quoted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlowlogEntry {
    pub id: u64,
    /// Unix time (s) when the command ran.
    pub timestamp: u64,
    pub duration_us: u64,
    /// Each argument quoted and escaped (`"SET"`, `"k\x1b]"`); Redis truncates long lists.
    pub args: Vec<String>,
    /// 4.0+: `ip:port` of the client, escaped; empty when absent.
    pub client_addr: String,
    /// 4.0+: client name, escaped; empty when absent.
    pub client_name: String,
}

/// One `LATENCY LATEST` row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LatencyEvent {
    /// Escaped event name (`command`, `fork`, `aof-fsync-always`…).
    pub event: String,
    /// Unix time (s) of the latest spike.
    pub timestamp: u64,
    pub latest_ms: u64,
    pub max_ms: u64,
}

/// Values from `CONFIG GET` of the named keys only (never `CONFIG GET *`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigValues {
    /// Escaped name → escaped value.
    pub values: BTreeMap<String, String>,
}

impl ConfigValues {
    /// The config keys redtriage asks for, one `CONFIG GET` each slow tick.
    pub const KEYS: [&'static str; 13] = [
        "maxmemory",
        "maxmemory-policy",
        "maxclients",
        "appendonly",
        "save",
        "stop-writes-on-bgsave-error",
        "dir",
        "dbfilename",
        "appenddirname",
        "appendfilename",
        "slowlog-log-slower-than",
        "latency-monitor-threshold",
        "logfile",
    ];

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

/// What the slow-cadence `CLIENT LIST` produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ClientListResult {
    /// The full list.
    Listed { clients: Vec<ClientInfo> },
    /// Not fetched on purpose (too many clients); `connected` is what INFO said.
    Skipped { connected: u64, limit: u64 },
}

/// What `COMMAND INFO` said, once per connection, about the commands redtriage's panes and
/// actions send. A command renamed away (`rename-command X ""`, as managed services do) has no
/// entry, so redtriage never sends it and fills no errorstats with its own errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandCheck {
    /// The names asked (upper case).
    pub asked: Vec<String>,
    /// Those the server does not have (upper case).
    pub absent: std::collections::BTreeSet<String>,
}

/// Outcome of one optional command in a tick: `None` in [`Sample`] means "not asked this tick".
pub type Fetched<T> = Option<Result<T, CollectError>>;

/// Everything one poll of one Redis produced. Only `info` and `ping_rtt` come every tick; the
/// rest follow their own cadence and are `None` when not fetched this time.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Monotonic time the tick started.
    pub at: Instant,
    /// Wall-clock time the tick started (for slowlog ages and reports).
    pub wall: SystemTime,
    /// Round trip of the PING that opened this tick.
    pub ping_rtt: Duration,
    pub info: Info,
    /// `SLOWLOG GET` result, only when the newest id moved; includes the id seen by `SLOWLOG GET 1`.
    pub slowlog: Fetched<Vec<SlowlogEntry>>,
    /// `SLOWLOG LEN` this tick.
    pub slowlog_len: Fetched<u64>,
    pub latency_latest: Fetched<Vec<LatencyEvent>>,
    /// `INFO commandstats` (slow cadence).
    pub commandstats: Fetched<BTreeMap<String, CommandStat>>,
    pub config: Fetched<ConfigValues>,
    pub clients: Fetched<ClientListResult>,
    /// `COMMAND INFO` of the commands redtriage uses (first tick of a connection only).
    pub commands: Fetched<CommandCheck>,
    /// redtriage's own cost and back-off state ([`super::governor`]).
    pub cost: Option<super::governor::SelfCost>,
    /// The filesystem of the server's `dir`, for a server on this machine (slow cadence).
    pub disk: Option<Result<super::disk::DiskFigures, String>>,
}

impl Sample {
    /// A tick that brought INFO and the PING time only (nothing of the slower cadence).
    pub fn of_info(at: Instant, wall: SystemTime, ping_rtt: Duration, info: Info) -> Self {
        Self {
            at,
            wall,
            ping_rtt,
            info,
            slowlog: None,
            slowlog_len: None,
            latency_latest: None,
            commandstats: None,
            config: None,
            clients: None,
            commands: None,
            cost: None,
            disk: None,
        }
    }
}

/// What happened to a poller's connection.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// Connected, authenticated and named.
    Connected,
    /// Nothing accepts the connection (refused, unreachable, connect timeout).
    Down(CollectError),
    /// The socket is open but the server did not answer; `last_reply` is the last time it did.
    NoReply { last_reply: Option<Instant> },
    /// AUTH was rejected; escaped server text.
    AuthFailed(String),
    /// The handshake or a poll failed otherwise (TLS, protocol, INFO refused…).
    Failed(CollectError),
    /// While the server is down: what its log file says (latest start attempt only).
    ServerLog(Vec<super::serverlog::LogFinding>),
    /// What is known of the server's configuration without asking it (remembered, its
    /// config file, its log): sent at start and when it changes.
    Known(super::known::Known),
}

/// What a poller tells the app (which makes a `Msg` of it).
#[derive(Debug, Clone)]
pub enum PollEvent {
    Link {
        target: TargetId,
        at: Instant,
        event: LinkEvent,
    },
    Sample {
        target: TargetId,
        sample: Box<Sample>,
    },
}
