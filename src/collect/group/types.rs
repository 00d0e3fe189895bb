//! What the group source learns about the servers around the target: Sentinel's rounds, each
//! node's replication, Sentinel's events. Every string that came from a server is kept escaped
//! (addresses too: a host that needs escaping cannot be reached anyway), except a master's
//! name (`raw_name`), which redtriage sends back in `SENTINEL … NAME` and never shows.

use std::time::{Instant, SystemTime};

use crate::collect::types::{CollectError, Info};
use crate::escape::plain_str;

/// `host:port` of a node: typed by the user, or as a server reported it (`replica-announce-ip`,
/// a Sentinel reply), escaped ([`NodeAddr::received`]).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct NodeAddr {
    /// Printable: typed, or escaped when received (connected to as is).
    pub host: String,
    pub port: u16,
}

impl NodeAddr {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }

    /// An address a server sent: the host escaped (it may hold any bytes).
    pub fn received(host: &str, port: u16) -> Self {
        Self::new(plain_str(host), port)
    }

    /// `10.0.0.5:6379`, `[::1]:6379` (the host is printable already).
    pub fn shown(&self) -> String {
        let host = &self.host;
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl std::fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

/// One master as a Sentinel sees it (`SENTINEL MASTERS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SentinelMaster {
    /// The master name, escaped.
    pub name: String,
    /// The name as received (for `SENTINEL … NAME` commands; kept in recordings, which are
    /// files, never shown as is).
    pub raw_name: String,
    pub addr: Option<NodeAddr>,
    /// `master`, `s_down`, `o_down`, `failover_in_progress`… (escaped, comma-separated).
    pub flags: String,
    pub num_slaves: u64,
    pub num_other_sentinels: u64,
    pub quorum: u64,
    pub config_epoch: u64,
    pub down_after_ms: u64,
}

impl SentinelMaster {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.split(',').any(|f| f == flag)
    }
}

/// A replica or another Sentinel as a Sentinel lists it (`SENTINEL REPLICAS|SENTINELS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SentinelPeer {
    pub addr: Option<NodeAddr>,
    /// Escaped flags (`slave`, `s_down`, `disconnected`…).
    pub flags: String,
    /// Replicas only: `ok` or `err` (escaped).
    pub master_link_status: Option<String>,
    /// Replicas only: ms the link has been down.
    pub master_link_down_ms: Option<u64>,
    pub priority: Option<u64>,
    pub repl_offset: Option<u64>,
}

/// One round of questions to one Sentinel.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SentinelRound {
    /// Every master it monitors.
    pub masters: Vec<SentinelMaster>,
    /// For the followed name: its replicas and the other Sentinels, as this Sentinel knows them.
    pub replicas: Vec<SentinelPeer>,
    pub sentinels: Vec<SentinelPeer>,
    /// `SENTINEL CKQUORUM NAME`: the reply (`OK 3 usable Sentinels…`) or the error
    /// (`NOQUORUM 1 usable Sentinels…`), escaped.
    pub ckquorum: Option<Result<String, String>>,
}

impl SentinelRound {
    pub fn master(&self, name: &str) -> Option<&SentinelMaster> {
        self.masters.iter().find(|m| m.raw_name == name)
    }
}

/// `+switch-master NAME OLDIP OLDPORT NEWIP NEWPORT`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchMaster {
    /// As received.
    pub name: String,
    pub old: NodeAddr,
    pub new: NodeAddr,
}

/// What the group source tells the app.
#[derive(Debug, Clone)]
pub enum GroupEvent {
    /// A Sentinel's round, or why it failed (each Sentinel its own task and timeout).
    Sentinel {
        addr: NodeAddr,
        at: Instant,
        result: Result<Box<SentinelRound>, CollectError>,
    },
    /// A data node's `INFO server` and `INFO replication` (a replica, the old master).
    Node {
        addr: NodeAddr,
        at: Instant,
        result: Result<Box<Info>, CollectError>,
    },
    /// A message on one of Sentinel's event channels.
    Event {
        from: NodeAddr,
        at: Instant,
        wall: SystemTime,
        /// The channel (`+switch-master`, `+sdown`, …), escaped.
        channel: String,
        /// The payload, escaped.
        payload: String,
        /// Set for `+switch-master`.
        switch: Option<SwitchMaster>,
    },
    /// A cluster node's round (`id` None for the entry node before the map is known; `addr`
    /// the address that answered, or the first tried).
    Cluster {
        id: Option<String>,
        addr: NodeAddr,
        at: Instant,
        result: Result<Box<super::cluster_types::NodeRound>, CollectError>,
    },
    /// The event subscription to a Sentinel is up (`Ok`) or was lost.
    Subscription {
        addr: NodeAddr,
        at: Instant,
        result: Result<(), CollectError>,
    },
}
