//! The cluster's verdicts: each node's mini health, the `cluster` row of the health table
//! (what `check` exits with), the skew between masters and the nodes whose view of the cluster
//! differs from most nodes'.

use std::collections::BTreeMap;

use super::cluster::ClusterState;
use super::cluster_view::{ClusterNodeView, ClusterView};
use crate::model::view::{HealthItem, Verdict};
use crate::target::Thresholds;

/// Worst first: CRIT, WARN, UNKNOWN, OK.
pub fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Crit => 0,
        Verdict::Warn => 1,
        Verdict::Unknown => 2,
        Verdict::Ok => 3,
    }
}

/// A node's mini health: unreachable or `fail` CRIT; `fail?` WARN; memory, clients and PING
/// latency against the thresholds.
pub fn node_verdict(n: &ClusterNodeView, th: &Thresholds) -> (Verdict, Vec<String>) {
    let mut worst = Verdict::Ok;
    let mut why = Vec::new();
    let mut raise = |v: Verdict, w: String| {
        if rank(v) < rank(worst) {
            worst = v;
        }
        why.push(w);
    };
    if n.state == "FAIL" {
        raise(Verdict::Crit, "marked fail".into());
    } else if n.state.starts_with("unreachable") {
        raise(Verdict::Crit, "unreachable".into());
    } else if n.state == "fail?" {
        raise(Verdict::Warn, "suspected down (fail?)".into());
    }
    if n.link == "disconnected" && n.state == "up" {
        raise(Verdict::Warn, "cluster bus link down".into());
    }
    let mut against = |what: &str, v: Option<f64>, warn: f64, crit: f64| {
        let Some(v) = v else { return };
        if v >= crit {
            raise(Verdict::Crit, format!("{what} {v:.0}%"));
        } else if v >= warn {
            raise(Verdict::Warn, format!("{what} {v:.0}%"));
        }
    };
    against(
        "memory",
        n.memory_percent,
        th.memory_warn_percent,
        th.memory_crit_percent,
    );
    against(
        "clients",
        n.clients_percent,
        th.clients_warn_percent,
        th.clients_crit_percent,
    );
    // One PING per round: WARN past the crit threshold, never CRIT on one sample.
    if let Some(ms) = n.ping_ms.filter(|ms| *ms >= th.latency_crit_ms) {
        raise(Verdict::Warn, format!("ping {ms:.1} ms"));
    }
    if n.state == "not asked yet" && why.is_empty() {
        return (Verdict::Unknown, vec!["not asked yet".into()]);
    }
    (worst, why)
}

/// How to read one figure of a node.
type Figure = fn(&ClusterNodeView) -> Option<f64>;

/// One master far above the others (memory or ops, at least 3× the median of the other
/// masters and above a floor): a hot slot or a big key.
pub fn skew(nodes: &[ClusterNodeView]) -> Option<String> {
    let masters: Vec<&ClusterNodeView> = nodes
        .iter()
        .filter(|n| n.role == "master" && n.reachable)
        .collect();
    if masters.len() < 2 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let pick: [(&str, Figure, f64); 2] = [
        (
            "memory",
            |n| n.used_memory.map(|u| u as f64),
            64.0 * 1024.0 * 1024.0,
        ),
        ("ops/s", |n| n.ops_per_sec.map(|u| u as f64), 1000.0),
    ];
    for (what, get, floor) in pick {
        let mut vals: Vec<(f64, &str)> = masters
            .iter()
            .filter_map(|n| Some((get(n)?, n.addr.as_str())))
            .collect();
        if vals.len() < 2 {
            continue;
        }
        vals.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (top, who) = vals[0];
        let rest: Vec<f64> = vals[1..].iter().map(|(v, _)| *v).collect();
        let median = rest[rest.len() / 2].max(1.0);
        if top >= floor && top >= 3.0 * median {
            let shown = if what == "memory" {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let b = crate::format::bytes(top as u64);
                b
            } else {
                crate::format::num(top)
            };
            return Some(format!(
                "master {who} has {:.1}× the {what} of the other masters' median ({shown}): a hot slot or a big key",
                top / median
            ));
        }
    }
    None
}

/// The nodes whose view (their `cluster_state`, how many nodes they know, which they flag
/// `fail`) differs from what most answering nodes say, with the difference in words.
pub fn view_differs(c: &ClusterState) -> BTreeMap<String, String> {
    type View = (String, u32, Vec<String>);
    let views: Vec<(&String, View)> = c
        .nodes
        .iter()
        .filter(|(_, n)| n.seen.reachable())
        .filter_map(|(id, n)| {
            let r = n.seen.value.as_ref()?;
            let mut failed: Vec<String> = (r.nodes.iter())
                .filter(|x| x.has("fail"))
                .map(|x| super::cluster::short(&x.id))
                .collect();
            failed.sort();
            Some((id, (r.cluster.state.clone(), r.cluster.known_nodes, failed)))
        })
        .collect();
    let mut votes: Vec<(&View, usize)> = Vec::new();
    for (_, v) in &views {
        match votes.iter_mut().find(|(w, _)| *w == v) {
            Some((_, n)) => *n += 1,
            None => votes.push((v, 1)),
        }
    }
    let Some((major, count)) = votes.iter().max_by_key(|(_, n)| *n).copied() else {
        return BTreeMap::new();
    };
    if count * 2 <= views.len() {
        return BTreeMap::new();
    }
    let mut out = BTreeMap::new();
    for (id, v) in &views {
        if v == major {
            continue;
        }
        let mut words = Vec::new();
        if v.0 != major.0 {
            words.push(format!("cluster_state {} (most say {})", v.0, major.0));
        }
        if v.1 != major.1 {
            words.push(format!("knows {} nodes (most know {})", v.1, major.1));
        }
        if v.2 != major.2 {
            let shown = |f: &Vec<String>| {
                if f.is_empty() {
                    "none".into()
                } else {
                    f.join(",")
                }
            };
            words.push(format!(
                "flags fail: {} (most: {})",
                shown(&v.2),
                shown(&major.2)
            ));
        }
        out.insert((*id).clone(), words.join("; "));
    }
    out
}

/// The `cluster` row: `cluster_state:fail` CRIT (with the uncovered slots); a node down
/// whose slots another serves, a suspected node or one that disagrees, WARN.
pub fn cluster_item(cv: &ClusterView) -> HealthItem {
    let target = "crit when cluster_state is fail; warn when a node is down or suspected".into();
    let item = |verdict, value: String| HealthItem {
        name: "cluster",
        verdict,
        value,
        target,
    };
    if cv.nodes_total == 0 {
        let why = cv
            .cluster_error
            .clone()
            .unwrap_or_else(|| "map not known yet".into());
        return item(Verdict::Unknown, why);
    }
    if cv.state != "ok" {
        let by = if cv.uncovered_by.is_empty() {
            String::new()
        } else {
            format!(" (served by failed {})", cv.uncovered_by.join(", "))
        };
        let slots = if cv.uncovered.is_empty() {
            String::new()
        } else {
            format!(
                ": {} slots uncovered {}{by}",
                cv.uncovered_count,
                cv.uncovered.join(",")
            )
        };
        return item(
            Verdict::Crit,
            format!(
                "cluster_state {}{slots}; writes to them fail with CLUSTERDOWN",
                cv.state.to_uppercase()
            ),
        );
    }
    let bad: Vec<String> = (cv.nodes.iter())
        .filter(|n| n.state != "up")
        .map(|n| format!("{} {}", n.addr, n.state))
        .collect();
    if !bad.is_empty() {
        return item(
            Verdict::Warn,
            format!(
                "cluster ok, {}/{} nodes up; {} (slots still covered)",
                cv.nodes_up,
                cv.nodes_total,
                bad.join("; ")
            ),
        );
    }
    if let Some(n) = cv.nodes.iter().find(|n| n.view_differs.is_some()) {
        let why = n.view_differs.clone().unwrap_or_default();
        return item(
            Verdict::Warn,
            format!("node {} sees the cluster differently: {why}", n.addr),
        );
    }
    item(
        Verdict::Ok,
        format!(
            "cluster ok, {} nodes up, {} masters, all {} slots served",
            cv.nodes_total, cv.size, cv.slots_ok
        ),
    )
}
