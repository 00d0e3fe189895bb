//! The questions asked of one Sentinel each round, and their replies parsed. Sentinel replies
//! are lists of field/value pairs; every string is escaped before it is kept for display.

use std::collections::HashMap;
use std::time::Duration;

use redis::Value;
use redis::aio::MultiplexedConnection;

use super::types::{NodeAddr, SentinelMaster, SentinelPeer, SentinelRound};
use crate::collect::connect::query;
use crate::collect::types::CollectError;
use crate::escape::plain;

/// `SENTINEL MASTERS`, then for `name`: `REPLICAS`, `SENTINELS` (unless `peers` are known from
/// a recent round: the set of Sentinels rarely changes), `CKQUORUM`; each with the timeout. A
/// failed `CKQUORUM` is an answer (`NOQUORUM …`), not a failed round.
pub async fn round(
    conn: &mut MultiplexedConnection,
    name: Option<&str>,
    peers: Option<&[SentinelPeer]>,
    limit: Duration,
) -> Result<SentinelRound, CollectError> {
    let masters = query(conn, redis::cmd("SENTINEL").arg("MASTERS"), limit).await?;
    let mut round = SentinelRound {
        masters: records(&masters).iter().map(master).collect(),
        ..SentinelRound::default()
    };
    let Some(name) = name else {
        return Ok(round);
    };
    if round.master(name).is_none() {
        return Ok(round);
    }
    let replicas = query(
        conn,
        redis::cmd("SENTINEL").arg("REPLICAS").arg(name),
        limit,
    )
    .await?;
    round.replicas = records(&replicas).iter().map(peer).collect();
    round.sentinels = if let Some(known) = peers {
        known.to_vec()
    } else {
        let cmd = redis::cmd("SENTINEL").arg("SENTINELS").arg(name).clone();
        let v = query(conn, &cmd, limit).await?;
        records(&v).iter().map(peer).collect()
    };
    round.ckquorum = match query(
        conn,
        redis::cmd("SENTINEL").arg("CKQUORUM").arg(name),
        limit,
    )
    .await
    {
        Ok(v) => Some(Ok(text(&v))),
        Err(CollectError::Server(m)) => Some(Err(m)),
        Err(e) => return Err(e),
    };
    Ok(round)
}

/// `SENTINEL GET-MASTER-ADDR-BY-NAME name`: the address, or None when the name is unknown.
pub async fn master_addr(
    conn: &mut MultiplexedConnection,
    name: &str,
    limit: Duration,
) -> Result<Option<NodeAddr>, CollectError> {
    let v = query(
        conn,
        redis::cmd("SENTINEL")
            .arg("GET-MASTER-ADDR-BY-NAME")
            .arg(name),
        limit,
    )
    .await?;
    Ok(match v {
        Value::Array(items) if items.len() == 2 => addr_of(&lossy(&items[0]), &lossy(&items[1])),
        _ => None,
    })
}

/// A field map of one record: `[k, v, k, v…]` (RESP2) or a map (RESP3), values as received.
type Record = HashMap<String, String>;

fn records(v: &Value) -> Vec<Record> {
    match v {
        Value::Array(items) => items.iter().map(record).collect(),
        _ => Vec::new(),
    }
}

fn record(v: &Value) -> Record {
    match v {
        Value::Array(kv) => kv
            .chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| (lossy(&p[0]), lossy(&p[1])))
            .collect(),
        Value::Map(kv) => kv.iter().map(|(k, v)| (lossy(k), lossy(v))).collect(),
        _ => Record::new(),
    }
}

/// A string reply as received (lossy UTF-8); numbers as their digits.
fn lossy(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Int(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A reply as text for the screen, escaped.
fn text(v: &Value) -> String {
    match v {
        Value::Okay => "OK".into(),
        other => plain(lossy(other).as_bytes()),
    }
}

fn addr_of(ip: &str, port: &str) -> Option<NodeAddr> {
    let port = port.parse().ok()?;
    (!ip.is_empty()).then(|| NodeAddr::received(ip, port))
}

fn num(r: &Record, k: &str) -> Option<u64> {
    r.get(k).and_then(|v| v.parse().ok())
}

fn shown(r: &Record, k: &str) -> String {
    r.get(k).map(|v| plain(v.as_bytes())).unwrap_or_default()
}

fn master(r: &Record) -> SentinelMaster {
    let raw_name = r.get("name").cloned().unwrap_or_default();
    SentinelMaster {
        name: plain(raw_name.as_bytes()),
        raw_name,
        addr: addr_of(
            r.get("ip").map_or("", String::as_str),
            r.get("port").map_or("", String::as_str),
        ),
        flags: shown(r, "flags"),
        num_slaves: num(r, "num-slaves").unwrap_or(0),
        num_other_sentinels: num(r, "num-other-sentinels").unwrap_or(0),
        quorum: num(r, "quorum").unwrap_or(0),
        config_epoch: num(r, "config-epoch").unwrap_or(0),
        down_after_ms: num(r, "down-after-milliseconds").unwrap_or(0),
    }
}

fn peer(r: &Record) -> SentinelPeer {
    SentinelPeer {
        addr: addr_of(
            r.get("ip").map_or("", String::as_str),
            r.get("port").map_or("", String::as_str),
        ),
        flags: shown(r, "flags"),
        master_link_status: r.get("master-link-status").map(|v| plain(v.as_bytes())),
        master_link_down_ms: num(r, "master-link-down-time"),
        priority: num(r, "slave-priority").or_else(|| num(r, "replica-priority")),
        repl_offset: num(r, "slave-repl-offset"),
    }
}

/// `+switch-master NAME OLDIP OLDPORT NEWIP NEWPORT`.
pub fn parse_switch(payload: &str) -> Option<super::types::SwitchMaster> {
    let p: Vec<&str> = payload.split(' ').collect();
    let [name, oip, oport, nip, nport] = p.as_slice() else {
        return None;
    };
    Some(super::types::SwitchMaster {
        name: (*name).to_string(),
        old: addr_of(oip, oport)?,
        new: addr_of(nip, nport)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_master_record_is_read_and_its_strings_escaped() {
        let v = Value::Array(vec![Value::Array(
            [
                ("name", "my\x1b[2Jmaster"),
                ("ip", "127.0.0.1"),
                ("port", "6380"),
                ("flags", "s_down,master"),
                ("num-slaves", "2"),
                ("num-other-sentinels", "2"),
                ("quorum", "2"),
                ("config-epoch", "3"),
            ]
            .iter()
            .flat_map(|(k, v)| [bulk(k), bulk(v)])
            .collect(),
        )]);
        let m: Vec<SentinelMaster> = records(&v).iter().map(master).collect();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].name, "my\\x1b[2Jmaster");
        assert_eq!(m[0].raw_name, "my\x1b[2Jmaster");
        assert_eq!(m[0].addr, Some(NodeAddr::new("127.0.0.1", 6380)));
        assert!(m[0].has_flag("s_down"));
        assert_eq!((m[0].quorum, m[0].config_epoch, m[0].num_slaves), (2, 3, 2));
    }

    #[test]
    fn switch_master_payloads_parse() {
        let s = parse_switch("mymaster 127.0.0.1 6379 127.0.0.1 6380").unwrap();
        assert_eq!(s.name, "mymaster");
        assert_eq!(s.old, NodeAddr::new("127.0.0.1", 6379));
        assert_eq!(s.new, NodeAddr::new("127.0.0.1", 6380));
        assert!(parse_switch("mymaster 127.0.0.1 x 127.0.0.1 6380").is_none());
        assert!(parse_switch("short").is_none());
    }

    #[test]
    fn a_hostile_address_is_escaped_when_shown() {
        let a = NodeAddr::received("10.0.0.1\x1b]0;pwn\x07", 6379);
        assert!(!a.shown().contains('\x1b'));
        assert_eq!(NodeAddr::new("::1", 6379).shown(), "[::1]:6379");
    }
}
