//! The replication and Sentinel signals, from the Topology view (so the evidence is what the
//! Topology pane shows) and the READONLY errors the target replied.

use super::signals::{Facts, flag, put};
use crate::model::group::view::TopologyView;
use crate::model::instance::Instance;
use crate::model::view::Snapshot;

/// Replication and Sentinel, from the Topology view (and the READONLY errors the target sent).
pub(super) fn facts(f: &mut Facts, snap: &Snapshot, inst: &Instance) {
    let t = &snap.topology;
    let Some(info) = inst.info.as_ref() else {
        return;
    };
    if t.kind == "sentinel" && info.redis_mode.as_deref() == Some("sentinel") {
        return;
    }
    replica_facts(f, t);
    let readonly = info.errorstats.get("READONLY").copied().unwrap_or(0);
    put(
        f,
        "readonly_errors",
        readonly as f64,
        format!("{readonly} READONLY errors replied since the start"),
    );
    failover_facts(f, t);
    sentinel_facts(f, t);
    let claimed = if t.claimants.is_empty() {
        usize::from(t.master.is_some())
    } else {
        t.claimants.len()
    };
    let text = if t.claimants.len() > 1 {
        format!(
            "{} nodes say they are the master: {}",
            claimed,
            t.claimants.join(", ")
        )
    } else {
        format!("{claimed} master")
    };
    put(f, "masters_claimed", claimed as f64, text);
}

/// The target's own link (a replica), or the master's replicas.
fn replica_facts(f: &mut Facts, t: &TopologyView) {
    let master = t.master.as_ref().map_or("?", |m| m.addr.as_str());
    if t.target_is_replica {
        put(
            f,
            "target_is_replica",
            1.0,
            format!("this server is a replica of {master}"),
        );
        match t.target_link_down_secs {
            Some(s) => put(
                f,
                "repl_link_down_secs",
                (s as f64).max(1.0),
                format!(
                    "replication link to master {master} DOWN for {}",
                    crate::format::age(s)
                ),
            ),
            None => put(f, "repl_link_down_secs", 0.0, "replication link up".into()),
        }
    } else {
        put(
            f,
            "target_is_replica",
            0.0,
            "this server is a master".into(),
        );
        let broken: Vec<String> = t
            .replicas
            .iter()
            .filter(|r| {
                r.state.starts_with("unreachable")
                    || r.state == "not connected to the master"
                    || r.link.as_deref().is_some_and(|l| l != "up" && l != "ok")
            })
            .map(|r| format!("{} ({})", r.addr, r.state))
            .collect();
        let text = if broken.is_empty() {
            format!(
                "{}, none broken",
                crate::format::plural(t.replicas.len() as u64, "replica")
            )
        } else {
            format!("replication broken: {}", broken.join(", "))
        };
        put(f, "replicas_broken", broken.len() as f64, text);
        if let Some((lag, addr)) = t
            .replicas
            .iter()
            .filter_map(|r| r.lag_secs.map(|l| (l, r.addr.as_str())))
            .max_by_key(|(l, _)| *l)
        {
            put(
                f,
                "replica_lag_secs",
                lag as f64,
                format!("replica {addr} lags {}", crate::format::age(lag)),
            );
        } else {
            put(f, "replica_lag_secs", 0.0, "no replica lags".into());
        }
    }
}

/// A failover under way, or how long ago the last one switched.
fn failover_facts(f: &mut Facts, t: &TopologyView) {
    match &t.last_failover {
        Some(fo) if !fo.done => put(
            f,
            "failover_in_progress",
            1.0,
            format!("failover under way: {}", fo.text),
        ),
        Some(fo) => {
            put(
                f,
                "failover_in_progress",
                0.0,
                "no failover under way".into(),
            );
            put(
                f,
                "failover_ago_secs",
                fo.ago_secs as f64,
                format!(
                    "failover {}s ago, {} → {} ({})",
                    fo.ago_secs,
                    fo.from.as_deref().unwrap_or("?"),
                    fo.to.as_deref().unwrap_or("?"),
                    fo.text
                ),
            );
        }
        None => put(f, "failover_in_progress", 0.0, "no failover seen".into()),
    }
}

/// The Sentinels that answer, and whether a failover could be authorized.
fn sentinel_facts(f: &mut Facts, t: &TopologyView) {
    if t.sentinels.is_empty() {
        let text = "no Sentinel watches this server".to_string();
        put(f, "quorum_unreachable", 0.0, text);
        return;
    }
    if !t.sentinels.is_empty() && t.sentinels.iter().all(|s| s.asked) {
        let down: Vec<&str> = t
            .sentinels
            .iter()
            .filter(|s| !s.reachable)
            .map(|s| s.addr.as_str())
            .collect();
        let total = t.sentinels.len();
        put(
            f,
            "sentinels_unreachable",
            down.len() as f64,
            if down.is_empty() {
                format!("all {total} Sentinels answer")
            } else {
                format!(
                    "{} of {total} Sentinels do not answer: {}",
                    down.len(),
                    down.join(" ")
                )
            },
        );
        if let Some(ok) = t.quorum_ok {
            let q = t.quorum.map_or_else(|| "?".into(), |q| q.to_string());
            let ck = t
                .sentinels
                .iter()
                .find(|s| s.ckquorum_ok == Some(false))
                .and_then(|s| s.ckquorum.clone())
                .map_or_else(String::new, |c| format!("; CKQUORUM: {c}"));
            let text = format!(
                "{} of {total} Sentinels reachable, quorum {q}{ck}",
                total - down.len()
            );
            put(f, "quorum_unreachable", flag(!ok), text);
        }
    }
}
