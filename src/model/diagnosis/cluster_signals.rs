//! The Redis Cluster signals, from the cluster part of the Topology view (so the evidence is
//! what the Topology pane shows): uncovered slots, a failed master with no replica, nodes
//! flagged `fail?`/`fail` and who flags them, redirect errors, skew, views that differ.

use super::signals::{Facts, flag, put};
use crate::model::view::Snapshot;

/// The cluster's facts; on a server that is not a cluster node, each is 0 (ruled out).
#[allow(clippy::cast_precision_loss)]
pub(super) fn facts(f: &mut Facts, snap: &Snapshot) {
    let Some(cv) = snap.topology.cluster.as_ref().filter(|c| c.nodes_total > 0) else {
        // Known not to be a cluster node only once the server has answered.
        if snap.topology.kind != "cluster" && snap.header.version.is_some() {
            for name in NAMES {
                put(f, name, 0.0, "not a Redis Cluster node".into());
            }
        }
        return;
    };
    let by = if cv.uncovered_by.is_empty() {
        "no master serves them".to_string()
    } else {
        format!("served by failed {}", cv.uncovered_by.join(", "))
    };
    let text = if cv.uncovered_count > 0 {
        format!(
            "{} slots uncovered ({}), {by}: cluster_state {}",
            cv.uncovered_count,
            cv.uncovered.join(","),
            cv.state
        )
    } else {
        "every slot is served".into()
    };
    put(
        f,
        "cluster_slots_uncovered",
        f64::from(cv.uncovered_count),
        text,
    );
    put(
        f,
        "cluster_state_fail",
        flag(cv.state == "fail"),
        format!(
            "cluster_state:{} (map from {})",
            cv.state,
            cv.map_from.as_deref().unwrap_or("?")
        ),
    );
    let n = cv.failed_without_replica.len();
    put(
        f,
        "cluster_master_no_replica",
        n as f64,
        if n == 0 {
            "no master failed without a replica".into()
        } else {
            format!(
                "master {} failed with no replica to promote: no automatic failover",
                cv.failed_without_replica.join(", ")
            )
        },
    );
    let failing: Vec<String> = (cv.nodes.iter())
        .filter(|x| x.state == "FAIL" || x.state == "fail?" || x.state.starts_with("unreachable"))
        .map(|x| {
            let by = if x.reported_failing_by.is_empty() {
                String::new()
            } else {
                format!(", flagged by {}", x.reported_failing_by.join(", "))
            };
            format!("{} {} {}{by}", x.role, x.addr, x.state)
        })
        .collect();
    put(
        f,
        "cluster_nodes_failing",
        failing.len() as f64,
        if failing.is_empty() {
            format!("all {} nodes up", cv.nodes_total)
        } else {
            failing.join("; ")
        },
    );
    redirect_facts(f, cv);
    put(
        f,
        "cluster_skew",
        flag(cv.skew.is_some()),
        cv.skew
            .clone()
            .unwrap_or_else(|| "masters evenly loaded".into()),
    );
    let differ: Vec<String> = (cv.nodes.iter())
        .filter_map(|x| Some(format!("{}: {}", x.addr, x.view_differs.as_ref()?)))
        .collect();
    put(
        f,
        "cluster_view_differs",
        differ.len() as f64,
        if differ.is_empty() {
            "every answering node sees the same cluster".into()
        } else {
            differ.join("; ")
        },
    );
}

/// `MOVED`+`ASK` (stale slot maps) and `CLUSTERDOWN` (uncovered slots) per second, summed
/// over the nodes, naming the worst.
fn redirect_facts(f: &mut Facts, cv: &crate::model::group::cluster_view::ClusterView) {
    for (name, kinds, what) in [
        (
            "cluster_moved_per_sec",
            &["MOVED", "ASK"][..],
            "clients with a stale slot map",
        ),
        (
            "cluster_down_errors_per_sec",
            &["CLUSTERDOWN"][..],
            "writes to uncovered slots",
        ),
    ] {
        let per: Vec<(f64, &str)> = (cv.nodes.iter())
            .map(|x| {
                let r: f64 = kinds
                    .iter()
                    .filter_map(|k| x.redirects_per_sec.get(*k))
                    .sum();
                (r, x.addr.as_str())
            })
            .filter(|(r, _)| *r > 0.0)
            .collect();
        let total: f64 = per.iter().map(|(r, _)| r).sum();
        let text = match per.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
            Some((r, who)) => format!(
                "{} {} replies/s ({what}; most from {who}: {r:.1}/s)",
                crate::format::num(total),
                kinds.join("/")
            ),
            None => format!("no {} replies lately", kinds.join("/")),
        };
        put(f, name, total, text);
    }
}

/// Every signal this module gives.
pub const NAMES: [&str; 8] = [
    "cluster_slots_uncovered",
    "cluster_state_fail",
    "cluster_master_no_replica",
    "cluster_nodes_failing",
    "cluster_moved_per_sec",
    "cluster_down_errors_per_sec",
    "cluster_skew",
    "cluster_view_differs",
];
