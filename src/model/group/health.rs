//! The group's two rows of the health table (`replication`, `sentinel`), and the topology
//! part of the view: `State::topology` fills it in and adds the rows.

use super::view::TopologyView;
use crate::collect::types::Info;
use crate::model::view::{HealthItem, Verdict};
use crate::target::Thresholds;

/// The `replication` row of the health table: a replica's link down is CRIT; a master with
/// fewer replicas than `min_replicas` WARN; lag over the thresholds.
pub fn replication_item(
    v: &TopologyView,
    info: Option<&Info>,
    th: &Thresholds,
) -> Option<HealthItem> {
    if v.kind == "standalone" && th.min_replicas == 0 || v.kind == "cluster" {
        return None;
    }
    if v.kind == "sentinel"
        && v.master.is_none()
        && v.masters.len() != 1
        && info.is_some_and(|i| i.redis_mode.as_deref() == Some("sentinel"))
    {
        return None;
    }
    let target = format!(
        "crit when a link is down; lag warn ≥{}s, crit ≥{}s{}",
        th.replica_lag_warn_secs,
        th.replica_lag_crit_secs,
        if th.min_replicas > 0 {
            format!("; warn below {} replicas", th.min_replicas)
        } else {
            String::new()
        }
    );
    let item = |verdict, value: String| {
        Some(HealthItem {
            name: "replication",
            verdict,
            value,
            target: target.clone(),
        })
    };
    if v.target_is_replica {
        let master = v.master.as_ref().map_or("?", |m| m.addr.as_str());
        if let Some(secs) = v.target_link_down_secs {
            return item(
                Verdict::Crit,
                format!(
                    "replication link to master {master} DOWN for {secs}s (this server is a replica: writes fail with READONLY)"
                ),
            );
        }
        return item(
            Verdict::Warn,
            format!("this server is a replica of {master} (writes fail with READONLY)"),
        );
    }
    if let Some(r) = v.replicas.iter().find(|r| {
        r.state.starts_with("unreachable")
            || r.link.as_deref().is_some_and(|l| l != "up" && l != "ok")
    }) {
        let why = if r.state.starts_with("unreachable") {
            r.state.clone()
        } else {
            format!("link {}", r.link.as_deref().unwrap_or("down"))
        };
        return item(
            Verdict::Crit,
            format!("replica {} replication broken ({why})", r.addr),
        );
    }
    let worst = v
        .replicas
        .iter()
        .filter_map(|r| r.lag_secs.map(|l| (l, r)))
        .max_by_key(|(l, _)| *l);
    if let Some((lag, r)) = worst
        && lag >= th.replica_lag_warn_secs
    {
        let verdict = if lag >= th.replica_lag_crit_secs {
            Verdict::Crit
        } else {
            Verdict::Warn
        };
        return item(
            verdict,
            format!("replica {} lags {}", r.addr, crate::format::age(lag)),
        );
    }
    let n = v.replicas.len() as u64;
    if n < th.min_replicas {
        return item(
            Verdict::Warn,
            format!("only {n} replicas (want at least {})", th.min_replicas),
        );
    }
    item(
        Verdict::Ok,
        format!("{n} replica{} in sync", if n == 1 { "" } else { "s" }),
    )
}

/// The `sentinel` row: CRIT when the Sentinels cannot reach a quorum (too few reachable, or
/// `CKQUORUM` fails) or agree the master is down.
pub fn sentinel_item(v: &TopologyView) -> Option<HealthItem> {
    if v.sentinels.is_empty() || v.master_name.is_none() {
        return None;
    }
    if v.sentinels.iter().any(|s| !s.asked) {
        return None;
    }
    let reachable = v.sentinels.iter().filter(|s| s.reachable).count();
    let total = v.sentinels.len();
    let quorum = v.quorum.map_or_else(|| "?".into(), |q| q.to_string());
    let ck = v
        .sentinels
        .iter()
        .find(|s| s.ckquorum_ok == Some(false))
        .and_then(|s| s.ckquorum.clone());
    let (verdict, value) = if v.quorum_ok == Some(false) {
        let why = ck.map_or_else(String::new, |c| format!(": {c}"));
        (
            Verdict::Crit,
            format!(
                "quorum NOT reachable: {reachable} of {total} Sentinels reachable, quorum {quorum}{why} (no automatic failover possible)"
            ),
        )
    } else if v.sentinels.iter().any(|s| s.odown) {
        (
            Verdict::Crit,
            "master objectively down (o_down): failover expected".into(),
        )
    } else if reachable < total {
        (
            Verdict::Warn,
            format!("reachable: {reachable} of {total} Sentinels, quorum {quorum}"),
        )
    } else if v.quorum.is_none() {
        (
            Verdict::Unknown,
            format!("{reachable} of {total} Sentinels reachable, master not known to them"),
        )
    } else {
        (
            Verdict::Ok,
            format!("{reachable} of {total} Sentinels reachable, quorum {quorum} OK"),
        )
    };
    Some(HealthItem {
        name: "sentinel",
        verdict,
        value,
        target: "crit when the quorum cannot be reached".into(),
    })
}

impl crate::model::state::State {
    /// The topology part of the view, its two health rows and the header's words.
    pub(crate) fn topology(
        &self,
        inst: &crate::model::instance::Instance,
        snap: &mut crate::model::view::Snapshot,
    ) {
        let info = inst.info.as_ref();
        if let Some(g) = self.group.as_ref().filter(|g| g.cluster.is_some()) {
            let main = self.target_addr();
            g.fill_cluster(
                &mut snap.topology,
                main.as_ref(),
                self.now,
                &self.thresholds,
            );
        } else if let Some(g) = &self.group {
            g.fill(
                &mut snap.topology,
                self.targets.get(self.selected),
                info,
                self.now,
            );
        }
        snap.header.topology.clone_from(&snap.topology.summary);
        let items = [
            replication_item(&snap.topology, info, &self.thresholds),
            sentinel_item(&snap.topology),
            snap.topology
                .cluster
                .as_ref()
                .map(super::cluster_health::cluster_item),
        ];
        let health = &mut snap.header.health;
        health.items.extend(items.into_iter().flatten());
        if inst.link == crate::model::instance::Link::Up {
            health.overall = health
                .items
                .iter()
                .map(|i| i.verdict)
                .filter(|v| *v != Verdict::Unknown)
                .max()
                .unwrap_or(Verdict::Unknown);
        }
    }
}
