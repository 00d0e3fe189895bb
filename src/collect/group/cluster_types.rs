//! What a Redis Cluster node tells about the cluster: its `CLUSTER INFO`, its `CLUSTER NODES`
//! view of every node, and (7.0+) `CLUSTER SHARDS`. Every string that came from a server is kept
//! escaped; node ids are 40 hex characters on a sane server and escaped like the rest.

use super::types::NodeAddr;
use crate::collect::types::Info;

/// An inclusive range of hash slots (`0-5460`; one slot is `(n, n)`).
pub type SlotRange = (u16, u16);

/// The number of hash slots.
pub const SLOTS: u32 = 16_384;

/// `CLUSTER INFO`, as one node sees the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterInfo {
    /// `ok` or `fail` (escaped).
    pub state: String,
    pub slots_assigned: u32,
    pub slots_ok: u32,
    pub slots_pfail: u32,
    pub slots_fail: u32,
    pub known_nodes: u32,
    /// Masters serving at least one slot.
    pub size: u32,
    pub current_epoch: u64,
    pub my_epoch: u64,
}

/// One line of `CLUSTER NODES`: a node as the node asked sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterNode {
    /// The node id (escaped).
    pub id: String,
    /// `ip:port` it is reached at; None for `:0` (`noaddr`) or an unparsable address.
    pub addr: Option<NodeAddr>,
    pub bus_port: Option<u16>,
    /// The announced hostname (7.0+, after the first comma), escaped; None when empty.
    pub hostname: Option<String>,
    /// `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr`, `nofailover`,
    /// `noflags` (escaped).
    pub flags: Vec<String>,
    /// The master's id for a replica; None for `-`.
    pub master_id: Option<String>,
    /// Unix ms of the last PING sent not yet answered (0: none pending).
    pub ping_sent_ms: u64,
    /// Unix ms of the last PONG received.
    pub pong_recv_ms: u64,
    pub config_epoch: u64,
    /// `link-state` is `connected`.
    pub connected: bool,
    /// The slots it serves, merged into ranges in the order listed.
    pub slots: Vec<SlotRange>,
    /// `[slot->-id]` / `[slot-<-id]` entries as received (escaped): slots being moved.
    pub migrating: Vec<String>,
}

impl ClusterNode {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    pub fn is_master(&self) -> bool {
        self.has("master")
    }

    pub fn myself(&self) -> bool {
        self.has("myself")
    }

    /// Flagged `fail` (the cluster agreed) or `fail?` (this node's own suspicion).
    pub fn failing(&self) -> bool {
        self.has("fail") || self.has("fail?")
    }

    /// The number of slots in `slots`.
    pub fn slot_count(&self) -> u32 {
        slot_count(&self.slots)
    }
}

/// The slots in `ranges`.
pub fn slot_count(ranges: &[SlotRange]) -> u32 {
    ranges
        .iter()
        .map(|(a, b)| u32::from(*b).saturating_sub(u32::from(*a)) + 1)
        .sum()
}

/// One node of a `CLUSTER SHARDS` shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShardNode {
    pub id: String,
    /// `ip` (or `endpoint` when there is no `ip`) and `port` (or `tls-port`).
    pub addr: Option<NodeAddr>,
    pub hostname: Option<String>,
    /// `master` or `replica` (escaped).
    pub role: String,
    pub replication_offset: u64,
    /// `online`, `failed`, `loading` (escaped).
    pub health: String,
}

/// One shard of `CLUSTER SHARDS`: its slots and its nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub slots: Vec<SlotRange>,
    pub nodes: Vec<ShardNode>,
}

/// One round of one cluster node: `PING` timed on its own, then `INFO`, and in a full round
/// `CLUSTER INFO`, `CLUSTER NODES` (and `CLUSTER SHARDS` when it is the node asked for the map,
/// 7.0+).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeRound {
    /// The PING's round trip, µs.
    pub ping_us: u64,
    /// `INFO`: its default sections, or on 7.0+ once the version is known only those the
    /// cluster view reads (`cluster::SECTIONS`).
    pub info: Info,
    pub cluster: ClusterInfo,
    pub nodes: Vec<ClusterNode>,
    /// Asked only of the node the plan names for the map, and only on 7.0+.
    pub shards: Option<Vec<Shard>>,
    /// Only `PING` and `INFO` were asked (a round between two full ones): `cluster` and
    /// `nodes` are empty here, and the model keeps the node's last full round's.
    #[serde(default)]
    pub partial: bool,
}

impl NodeRound {
    /// This node's own line (`myself`).
    pub fn me(&self) -> Option<&ClusterNode> {
        self.nodes.iter().find(|n| n.myself())
    }
}
