//! The questions asked of one cluster node each round, and their replies parsed: `CLUSTER INFO`
//! (`key:value` lines), `CLUSTER NODES` (one line per node) and `CLUSTER SHARDS` (7.0+, nested
//! key/value lists in RESP2, maps in RESP3). Every string that came from the server is escaped
//! before it is kept; a line or an entry that cannot be read is skipped, never a panic.

use std::time::{Duration, Instant};

use redis::Value;
use redis::aio::MultiplexedConnection;

use super::cluster_types::{
    ClusterInfo, ClusterNode, NodeRound, SLOTS, Shard, ShardNode, SlotRange,
};
use super::types::NodeAddr;
use crate::collect::connect::query;
use crate::collect::parse::parse_info;
use crate::collect::poller::bulk_bytes;
use crate::collect::types::CollectError;
use crate::escape::plain;

/// What one round asks of a node (see [`round`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ask {
    /// `CLUSTER INFO` and `CLUSTER NODES` too: the node's own view of the cluster. Without
    /// them the round is `PING` and `INFO` only, the node's figures (`NodeRound::partial`).
    pub views: bool,
    /// `CLUSTER SHARDS` too (with `views`, and only on 7.0+).
    pub shards: bool,
    /// The server is 7.0+ (known from an earlier round on the same connection): `INFO` names
    /// the sections the cluster view reads ([`SECTIONS`]) instead of taking the default ones.
    pub sections: bool,
}

/// The `INFO` sections a cluster node's row and the redirect rates read: memory (used, max),
/// clients (connected, max), stats (ops/s), errorstats (`MOVED`/`ASK`/`CLUSTERDOWN`) and
/// keyspace. Not `server`, `persistence`, `replication`, `cpu`, `modules`, `cluster`: a node's
/// role and links come from `CLUSTER NODES`.
pub const SECTIONS: [&str; 5] = ["clients", "memory", "stats", "errorstats", "keyspace"];

/// One round of one cluster node, each command with the timeout `limit`: `PING` on its own
/// (timed), `INFO`, and as `ask` says `CLUSTER INFO`, `CLUSTER NODES`, and `CLUSTER SHARDS`
/// when the server is 7.0+ (an error reply to it gives `shards: None`, not a failed round).
///
/// `INFO` is sent with no argument until the version is known (`ask.sections` false): its
/// default sections hold `server`, `clients`, `memory`, `stats`, `replication`, `errorstats`
/// (6.2+) and `keyspace` on 6.2 and 7.x alike, while `INFO` with several sections is 7.0+ only
/// (6.2 answers a syntax error, which would also count in the server's errorstats).
///
/// A node without cluster support answers `CLUSTER INFO` with
/// `ERR This instance has cluster support disabled`: that is the round's
/// `Err(CollectError::Server(..))` (escaped).
pub async fn round(
    conn: &mut MultiplexedConnection,
    ask: Ask,
    limit: Duration,
) -> Result<NodeRound, CollectError> {
    let at = Instant::now();
    query(conn, &redis::cmd("PING"), limit).await?;
    let ping_us = u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX);
    let mut info_cmd = redis::cmd("INFO");
    if ask.sections {
        info_cmd.arg(&SECTIONS[..]);
    }
    let info = parse_info(&bulk_bytes(&query(conn, &info_cmd, limit).await?)?);
    if !ask.views {
        return Ok(NodeRound {
            ping_us,
            info,
            partial: true,
            ..NodeRound::default()
        });
    }
    let v = query(conn, redis::cmd("CLUSTER").arg("INFO"), limit).await?;
    let cluster = parse_cluster_info(&bulk_bytes(&v)?);
    let v = query(conn, redis::cmd("CLUSTER").arg("NODES"), limit).await?;
    let nodes = parse_cluster_nodes(&bulk_bytes(&v)?);
    let seven = ask.sections || major(info.redis_version.as_deref()) >= 7;
    let shards = if ask.shards && seven {
        match query(conn, redis::cmd("CLUSTER").arg("SHARDS"), limit).await {
            Ok(v) => Some(parse_cluster_shards(&v)),
            Err(CollectError::Server(_) | CollectError::NoPerm | CollectError::UnknownCommand) => {
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    Ok(NodeRound {
        ping_us,
        info,
        cluster,
        nodes,
        shards,
        partial: false,
    })
}

/// The server is 7.0+ by this round's `INFO server` (false when the round did not ask it).
pub fn is_seven(r: &NodeRound) -> bool {
    major(r.info.redis_version.as_deref()) >= 7
}

/// The major version of `redis_version` (`7.0.15` → 7; 0 when absent or unreadable).
fn major(version: Option<&str>) -> u32 {
    version
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The lines of a reply, without their `\r`, empty ones left out.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

/// A number in ASCII digits, or None.
fn number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Parses `CLUSTER INFO`: `key:value` lines; unknown keys are ignored, a bad number reads 0.
pub fn parse_cluster_info(text: &[u8]) -> ClusterInfo {
    let mut info = ClusterInfo::default();
    for line in lines(text) {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        let n32 = || number::<u32>(value).unwrap_or(0);
        let n64 = || number::<u64>(value).unwrap_or(0);
        match key {
            b"cluster_state" => info.state = plain(value),
            b"cluster_slots_assigned" => info.slots_assigned = n32(),
            b"cluster_slots_ok" => info.slots_ok = n32(),
            b"cluster_slots_pfail" => info.slots_pfail = n32(),
            b"cluster_slots_fail" => info.slots_fail = n32(),
            b"cluster_known_nodes" => info.known_nodes = n32(),
            b"cluster_size" => info.size = n32(),
            b"cluster_current_epoch" => info.current_epoch = n64(),
            b"cluster_my_epoch" => info.my_epoch = n64(),
            _ => {}
        }
    }
    info
}

/// Parses `CLUSTER NODES`: one node a line, `<id> <ip:port@cport[,hostname]> <flags> <master>
/// <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>…`. A line with fewer than eight
/// fields or unreadable numbers is skipped; an unreadable slot entry is left out.
pub fn parse_cluster_nodes(text: &[u8]) -> Vec<ClusterNode> {
    lines(text).filter_map(node_line).collect()
}

fn node_line(line: &[u8]) -> Option<ClusterNode> {
    let fields: Vec<&[u8]> = line
        .split(|b| *b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    let [
        id,
        address,
        flags,
        master,
        ping_sent,
        pong_recv,
        epoch,
        link_state,
        slots @ ..,
    ] = fields.as_slice()
    else {
        return None;
    };
    let (addr, bus_port, hostname) = node_address(address);
    let mut node = ClusterNode {
        id: plain(id),
        addr,
        bus_port,
        hostname,
        flags: flags
            .split(|b| *b == b',')
            .filter(|f| !f.is_empty())
            .map(plain)
            .collect(),
        master_id: (*master != b"-").then(|| plain(master)),
        ping_sent_ms: number(ping_sent)?,
        pong_recv_ms: number(pong_recv)?,
        config_epoch: number(epoch)?,
        connected: *link_state == b"connected",
        ..ClusterNode::default()
    };
    for slot in slots {
        if slot.starts_with(b"[") {
            node.migrating.push(plain(slot));
        } else if let Some(range) = slot_range(slot) {
            push_range(&mut node.slots, range);
        }
    }
    Some(node)
}

/// `ip:port@cport[,hostname]` (the port after the last colon: IPv6 hosts hold colons; no
/// `@cport` before 4.0). The address is None when the host is empty (`noaddr`), the port 0 or
/// unreadable; the host is escaped as [`NodeAddr::received`] does.
fn node_address(field: &[u8]) -> (Option<NodeAddr>, Option<u16>, Option<String>) {
    let (address, hostname) = match field.iter().position(|b| *b == b',') {
        Some(i) => (&field[..i], Some(&field[i + 1..])),
        None => (field, None),
    };
    let hostname = hostname.filter(|h| !h.is_empty()).map(plain);
    let (hostport, bus) = match address.iter().position(|b| *b == b'@') {
        Some(i) => (&address[..i], Some(&address[i + 1..])),
        None => (address, None),
    };
    let bus_port = bus.and_then(number::<u16>).filter(|p| *p != 0);
    let addr = hostport.iter().rposition(|b| *b == b':').and_then(|i| {
        let host = &hostport[..i];
        let host = host
            .strip_prefix(b"[")
            .and_then(|h| h.strip_suffix(b"]"))
            .unwrap_or(host);
        let port = number::<u16>(&hostport[i + 1..])?;
        (!host.is_empty() && port != 0).then(|| NodeAddr::new(plain(host), port))
    });
    (addr, bus_port, hostname)
}

/// `N` or `A-B`, both below [`SLOTS`] and in order.
fn slot_range(entry: &[u8]) -> Option<SlotRange> {
    let (a, b) = if let Some(i) = entry.iter().position(|b| *b == b'-') {
        (number::<u16>(&entry[..i])?, number::<u16>(&entry[i + 1..])?)
    } else {
        let n = number::<u16>(entry)?;
        (n, n)
    };
    (a <= b && u32::from(b) < SLOTS).then_some((a, b))
}

/// Appends `range`, merged into the last one when they touch or overlap.
fn push_range(ranges: &mut Vec<SlotRange>, (a, b): SlotRange) {
    if let Some(last) = ranges.last_mut()
        && a >= last.0
        && u32::from(a) <= u32::from(last.1) + 1
    {
        last.1 = last.1.max(b);
        return;
    }
    ranges.push((a, b));
}

/// Parses `CLUSTER SHARDS` (7.0+): shards as key/value lists (RESP2) or maps (RESP3), each with
/// `slots` (start/end pairs) and `nodes`. Anything not shaped so is left out.
pub fn parse_cluster_shards(v: &Value) -> Vec<Shard> {
    let Value::Array(shards) = v else {
        return Vec::new();
    };
    shards.iter().map(shard).collect()
}

fn shard(v: &Value) -> Shard {
    let mut shard = Shard::default();
    for (key, value) in pairs(v) {
        match (key.as_slice(), value) {
            (b"slots", Value::Array(ends)) => {
                for pair in ends.chunks_exact(2) {
                    let (Some(a), Some(b)) = (int(&pair[0]), int(&pair[1])) else {
                        continue;
                    };
                    let range = u16::try_from(a).ok().zip(u16::try_from(b).ok());
                    if let Some((a, b)) = range.filter(|(a, b)| a <= b && u32::from(*b) < SLOTS) {
                        push_range(&mut shard.slots, (a, b));
                    }
                }
            }
            (b"nodes", Value::Array(nodes)) => shard.nodes = nodes.iter().map(shard_node).collect(),
            _ => {}
        }
    }
    shard
}

fn shard_node(v: &Value) -> ShardNode {
    let mut node = ShardNode::default();
    let (mut ip, mut endpoint, mut port, mut tls_port) = (None, None, 0, 0);
    for (key, value) in pairs(v) {
        match key.as_slice() {
            b"id" => node.id = text(value),
            b"ip" => ip = bytes(value),
            b"endpoint" => endpoint = bytes(value),
            b"port" => port = int(value).and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
            b"tls-port" => tls_port = int(value).and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
            b"hostname" => node.hostname = Some(text(value)).filter(|h| !h.is_empty()),
            b"role" => node.role = text(value),
            b"replication-offset" => {
                node.replication_offset =
                    int(value).and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
            }
            b"health" => node.health = text(value),
            _ => {}
        }
    }
    let known = |h: &Vec<u8>| !h.is_empty() && h.as_slice() != b"?";
    let host = ip.filter(known).or_else(|| endpoint.filter(known));
    let port = if port == 0 { tls_port } else { port };
    node.addr = host
        .filter(|_| port != 0)
        .map(|h| NodeAddr::new(plain(&h), port));
    node
}

/// The key/value pairs of a flat list (RESP2) or a map (RESP3); keys as bytes.
fn pairs(v: &Value) -> Vec<(Vec<u8>, &Value)> {
    match v {
        Value::Array(kv) => kv
            .chunks_exact(2)
            .filter_map(|p| Some((bytes(&p[0])?, &p[1])))
            .collect(),
        Value::Map(kv) => kv
            .iter()
            .filter_map(|(k, v)| Some((bytes(k)?, v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// A string or integer reply as its bytes (numbers as their digits).
fn bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.as_bytes().to_vec()),
        Value::VerbatimString { text, .. } => Some(text.as_bytes().to_vec()),
        Value::Int(n) => Some(n.to_string().into_bytes()),
        _ => None,
    }
}

/// A reply as text to keep, escaped (empty when it is not a string).
fn text(v: &Value) -> String {
    bytes(v).map(|b| plain(&b)).unwrap_or_default()
}

/// An integer reply, or a string holding one.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        other => number(&bytes(other)?),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "cluster_tests.rs"]
mod tests;
