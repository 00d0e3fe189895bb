//! The cluster part of the Topology pane and of `snapshot --json`'s `topology`: the map's
//! `CLUSTER INFO`, one row per shard (master, replicas, slots), every node with its mini
//! health, worst first; the uncovered slots and who caused them; the header's words.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::cluster::{ClusterState, ranges, short, uncovered};
use super::cluster_health::{node_verdict, rank, skew, view_differs};
use super::view::TopologyView;
use crate::collect::group::cluster_types::{ClusterNode, NodeRound, SlotRange, slot_count};
use crate::collect::group::types::NodeAddr;
use crate::model::view::Verdict;
use crate::target::Thresholds;

/// One node of the cluster with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ClusterNodeView {
    pub id: String,
    pub addr: String,
    #[serde(skip)]
    pub node_addr: Option<NodeAddr>,
    /// `master` or `replica`, as the map says.
    pub role: String,
    pub master_id: Option<String>,
    /// The map's flags for it (`master,fail?`).
    pub flags: String,
    /// The map's node's link to it: `connected` / `disconnected`.
    pub link: String,
    /// Since the PING the map's node sent it and is still waiting on (None: none pending).
    pub ping_age_ms: Option<u64>,
    /// Since the map's node last heard a PONG from it.
    pub pong_age_ms: Option<u64>,
    /// `up`, `FAIL`, `fail?`, `unreachable: …`, `not asked yet`.
    pub state: String,
    pub reachable: bool,
    pub used_memory: Option<u64>,
    pub memory_percent: Option<f64>,
    pub clients: Option<u64>,
    pub clients_percent: Option<f64>,
    pub ops_per_sec: Option<u64>,
    pub ping_ms: Option<f64>,
    pub keys: Option<u64>,
    pub verdict: Verdict,
    /// Why the verdict is what it is (`memory 91%`, `unreachable`).
    pub why: Vec<String>,
    /// The other nodes that flag it `fail?`/`fail`.
    pub reported_failing_by: Vec<String>,
    /// `MOVED`/`ASK`/`CLUSTERDOWN` replies per second it sent lately.
    pub redirects_per_sec: BTreeMap<String, f64>,
    /// Its own `cluster_state` and epoch.
    pub cluster_state: Option<String>,
    pub current_epoch: Option<u64>,
    /// How its view of the cluster differs from most nodes' (None: it agrees).
    pub view_differs: Option<String>,
    /// The panes are attached to it.
    pub attached: bool,
}

/// One shard: a master, its replicas, its slots.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ShardView {
    pub master: String,
    pub master_id: String,
    pub replicas: Vec<String>,
    pub replica_ids: Vec<String>,
    pub slots: Vec<String>,
    pub slot_count: u32,
    /// The worst of its nodes.
    pub verdict: Verdict,
}

/// The cluster as the Topology pane shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ClusterView {
    /// `ok` or `fail` as the map's node says; `unknown` before any node answered.
    pub state: String,
    pub slots_assigned: u32,
    pub slots_ok: u32,
    pub slots_pfail: u32,
    pub slots_fail: u32,
    pub known_nodes: u32,
    pub size: u32,
    pub current_epoch: u64,
    /// The node whose map this is.
    pub map_from: Option<String>,
    pub nodes_up: usize,
    pub nodes_total: usize,
    pub ops_per_sec: u64,
    /// `127.0.0.1:7003 CRIT (unreachable)`.
    pub worst: Option<String>,
    pub worst_verdict: Verdict,
    /// Slots no healthy master serves (`10923-16383`), their number, and the failed masters
    /// that served them.
    pub uncovered: Vec<String>,
    pub uncovered_count: u32,
    pub uncovered_by: Vec<String>,
    /// Masters marked `fail` whose shard has no replica to promote.
    pub failed_without_replica: Vec<String>,
    /// One master's memory or ops far above the others'.
    pub skew: Option<String>,
    pub shards: Vec<ShardView>,
    /// Every node, in the pane's order (shard by shard, worst shard first).
    pub nodes: Vec<ClusterNodeView>,
    /// The picked row of `nodes`.
    pub node_pick: usize,
    /// The panes are attached to this node (by `enter`), not to the node given.
    pub focus: Option<String>,
    /// What changed in the map lately, newest last (`12s ago node … marked FAIL`).
    pub map_events: Vec<String>,
    /// No node answers (why the entry failed).
    pub cluster_error: Option<String>,
}

fn age_ms(now_ms: u64, then: u64) -> Option<u64> {
    (then > 0).then(|| now_ms.saturating_sub(then))
}

/// The map's wall clock: the newest PONG time it lists (the map's node's clock).
fn map_now_ms(round: &NodeRound) -> u64 {
    let newest = |n: &ClusterNode| n.pong_recv_ms.max(n.ping_sent_ms);
    round.nodes.iter().map(newest).max().unwrap_or(0)
}

impl ClusterState {
    /// Every node's view row (the map's line for it and its own round).
    fn node_view(
        &self,
        line: &ClusterNode,
        (now_ms, reports): (u64, &BTreeMap<&str, Vec<String>>),
        main: Option<&NodeAddr>,
        th: &Thresholds,
    ) -> ClusterNodeView {
        let seen = self.nodes.get(&line.id);
        let round = seen.and_then(|s| s.seen.value.as_ref());
        let addr = seen
            .and_then(|s| s.addr.clone())
            .or_else(|| line.addr.clone());
        let mut v = ClusterNodeView {
            id: line.id.clone(),
            addr: addr
                .as_ref()
                .map_or_else(|| "noaddr".into(), NodeAddr::shown),
            node_addr: addr.clone(),
            role: if line.is_master() {
                "master"
            } else {
                "replica"
            }
            .into(),
            master_id: line.master_id.clone(),
            flags: line.flags.join(","),
            link: if line.connected {
                "connected"
            } else {
                "disconnected"
            }
            .into(),
            ping_age_ms: age_ms(now_ms, line.ping_sent_ms),
            pong_age_ms: age_ms(now_ms, line.pong_recv_ms),
            reachable: seen.is_some_and(|s| s.seen.reachable()),
            reported_failing_by: reports.get(line.id.as_str()).cloned().unwrap_or_default(),
            redirects_per_sec: seen.map(|s| s.redirects.clone()).unwrap_or_default(),
            attached: addr.is_some() && addr.as_ref() == main,
            ..ClusterNodeView::default()
        };
        v.state = if line.has("fail") {
            "FAIL".into()
        } else if let Some(e) = seen.and_then(|s| s.seen.error.clone()) {
            format!("unreachable: {e}")
        } else if line.has("fail?") {
            "fail?".into()
        } else if round.is_some() {
            "up".into()
        } else {
            "not asked yet".into()
        };
        if let Some(r) = round.filter(|_| v.reachable) {
            let i = &r.info;
            v.used_memory = i.used_memory;
            v.memory_percent = match (i.used_memory, i.maxmemory) {
                #[allow(clippy::cast_precision_loss)]
                (Some(u), Some(m)) if m > 0 => Some(u as f64 * 100.0 / m as f64),
                _ => None,
            };
            v.clients = i.connected_clients;
            v.clients_percent = match (i.connected_clients, i.maxclients) {
                #[allow(clippy::cast_precision_loss)]
                (Some(c), Some(m)) if m > 0 => Some(c as f64 * 100.0 / m as f64),
                _ => None,
            };
            v.ops_per_sec = i.instantaneous_ops_per_sec;
            #[allow(clippy::cast_precision_loss)]
            let ms = r.ping_us as f64 / 1000.0;
            v.ping_ms = Some(ms);
            v.keys = Some(i.keyspace.values().map(|d| d.keys).sum());
            v.cluster_state = Some(r.cluster.state.clone());
            v.current_epoch = Some(r.cluster.current_epoch);
        }
        (v.verdict, v.why) = node_verdict(&v, th);
        v
    }

    /// The cluster view, from the map's node's round and every node's own.
    pub fn view(&self, main: Option<&NodeAddr>, now: Instant, th: &Thresholds) -> ClusterView {
        let mut v = ClusterView {
            state: "unknown".into(),
            focus: self.focus.as_deref().map(|id| {
                (self.nodes.get(id).and_then(|n| n.addr.as_ref()))
                    .map_or_else(|| short(id), NodeAddr::shown)
            }),
            cluster_error: self
                .entry_error
                .clone()
                .or_else(|| self.not_cluster.clone()),
            map_events: (self.events.iter().rev().take(8).rev())
                .map(|(at, t)| {
                    let ago = now.saturating_duration_since(*at).as_secs();
                    format!("{} ago {t}", crate::format::age(ago))
                })
                .collect(),
            ..ClusterView::default()
        };
        let Some((map_id, round)) = self.map(main) else {
            return v;
        };
        let c = &round.cluster;
        v.state.clone_from(&c.state);
        (v.slots_assigned, v.slots_ok, v.slots_pfail, v.slots_fail) =
            (c.slots_assigned, c.slots_ok, c.slots_pfail, c.slots_fail);
        (v.known_nodes, v.size, v.current_epoch) = (c.known_nodes, c.size, c.current_epoch);
        v.map_from = self
            .nodes
            .get(map_id)
            .and_then(|n| n.addr.as_ref())
            .map(NodeAddr::shown);
        let now_ms = map_now_ms(round);
        let reports = self.failure_reports();
        let views: BTreeMap<&str, ClusterNodeView> = (round.nodes.iter())
            .map(|l| {
                (
                    l.id.as_str(),
                    self.node_view(l, (now_ms, &reports), main, th),
                )
            })
            .collect();
        for (master, replicas, slots) in &groups(round) {
            let Some(m) = views.get(master.as_str()) else {
                continue;
            };
            let covered = replicas.iter().any(|r| {
                views
                    .get(r.as_str())
                    .is_some_and(|x| !x.state.starts_with("FAIL"))
            });
            if m.state == "FAIL" && !covered && !slots.is_empty() {
                v.failed_without_replica.push(m.addr.clone());
            }
        }
        let hole = uncovered(&round.nodes);
        v.uncovered_count = slot_count(&hole);
        v.uncovered = hole.iter().map(|r| ranges(&[*r])).collect();
        v.uncovered_by = (round.nodes.iter())
            .filter(|n| n.is_master() && n.has("fail") && overlaps(&n.slots, &hole))
            .map(|n| {
                views
                    .get(n.id.as_str())
                    .map_or_else(|| short(&n.id), |x| x.addr.clone())
            })
            .collect();
        self.fill_shards(&mut v, round, &views);
        v.nodes_total = v.nodes.len();
        v.nodes_up = v
            .nodes
            .iter()
            .filter(|n| n.reachable && n.state == "up")
            .count();
        v.ops_per_sec = v.nodes.iter().filter_map(|n| n.ops_per_sec).sum();
        if let Some(w) = v.nodes.iter().min_by_key(|n| rank(n.verdict)) {
            v.worst_verdict = w.verdict;
            if w.verdict != Verdict::Ok {
                v.worst = Some(format!(
                    "{} {} ({})",
                    w.addr,
                    w.verdict.word(),
                    w.why.join(", ")
                ));
            }
        }
        v.skew = skew(&v.nodes);
        v.node_pick = self.pick.min(v.nodes.len().saturating_sub(1));
        v
    }
    /// The shards, worst first, and every node in the pane's order (shard by shard).
    fn fill_shards(
        &self,
        v: &mut ClusterView,
        round: &NodeRound,
        views: &BTreeMap<&str, ClusterNodeView>,
    ) {
        let mut shards = groups(round);
        let differs = view_differs(self);
        let shard_verdict = |(m, rs, _): &(String, Vec<String>, Vec<SlotRange>)| {
            std::iter::once(m)
                .chain(rs)
                .filter_map(|id| views.get(id.as_str()))
                .map(|x| x.verdict)
                .min_by_key(|x| rank(*x))
                .unwrap_or(Verdict::Unknown)
        };
        shards.sort_by_key(|s| (rank(shard_verdict(s)), s.2.first().copied()));
        for s in &shards {
            let (m, rs, slots) = s;
            if !views.contains_key(m.as_str()) {
                continue;
            }
            let rs: Vec<String> = (rs.iter())
                .filter(|id| views.contains_key(id.as_str()))
                .cloned()
                .collect();
            let name = |id: &String| {
                views
                    .get(id.as_str())
                    .map_or_else(|| short(id), |x| x.addr.clone())
            };
            v.shards.push(ShardView {
                master: name(m),
                master_id: m.clone(),
                replicas: rs.iter().map(name).collect(),
                replica_ids: rs.clone(),
                slots: slots.iter().map(|r| ranges(&[*r])).collect(),
                slot_count: slot_count(slots),
                verdict: shard_verdict(s),
            });
            for id in std::iter::once(m).chain(&rs) {
                if let Some(x) = views.get(id.as_str()) {
                    let mut x = x.clone();
                    x.view_differs = differs.get(id.as_str()).cloned();
                    v.nodes.push(x);
                }
            }
        }
    }
}

fn overlaps(a: &[SlotRange], b: &[SlotRange]) -> bool {
    a.iter()
        .any(|(x, y)| b.iter().any(|(p, q)| x <= q && p <= y))
}

/// The shards as (master id, replica ids, slots): from `CLUSTER SHARDS` when the map has it,
/// else from `CLUSTER NODES` (replicas by their master's id).
fn groups(round: &NodeRound) -> Vec<(String, Vec<String>, Vec<SlotRange>)> {
    if let Some(shards) = &round.shards {
        let mut out = Vec::new();
        for s in shards {
            // The healthy master first (a failed old master stays listed in its shard).
            let mut masters: Vec<&str> = (s.nodes.iter())
                .filter(|n| n.role == "master")
                .map(|n| n.id.as_str())
                .collect();
            masters.sort_by_key(|id| s.nodes.iter().any(|n| n.id == *id && n.health != "online"));
            let Some(master) = masters.first() else {
                continue;
            };
            let rest = (s.nodes.iter())
                .filter(|n| n.id != *master)
                .map(|n| n.id.clone());
            out.push(((*master).to_string(), rest.collect(), s.slots.clone()));
        }
        if !out.is_empty() {
            return out;
        }
    }
    let mut out: Vec<(String, Vec<String>, Vec<SlotRange>)> = (round.nodes.iter())
        .filter(|n| n.is_master())
        .map(|n| (n.id.clone(), Vec::new(), n.slots.clone()))
        .collect();
    for n in round.nodes.iter().filter(|n| !n.is_master()) {
        match (n.master_id.as_ref()).and_then(|m| out.iter_mut().find(|(id, _, _)| id == m)) {
            Some((_, rs, _)) => rs.push(n.id.clone()),
            None => out.push((n.id.clone(), Vec::new(), Vec::new())),
        }
    }
    out
}

impl super::GroupState {
    /// The cluster's part of [`super::GroupState::fill`].
    pub fn fill_cluster(
        &self,
        v: &mut TopologyView,
        main: Option<&NodeAddr>,
        now: Instant,
        th: &Thresholds,
    ) {
        let Some(c) = &self.cluster else { return };
        let cv = c.view(main, now, th);
        v.kind = "cluster";
        let attached = cv
            .focus
            .as_ref()
            .map_or_else(String::new, |f| format!(" · panes on {f} (esc: back)"));
        v.summary = Some(if cv.nodes_total == 0 {
            format!("cluster node · map not known yet{attached}")
        } else {
            format!(
                "cluster {} · {}/{} nodes up · {} · {} ops/s{attached}",
                cv.state.to_uppercase(),
                cv.nodes_up,
                cv.nodes_total,
                cv.worst
                    .clone()
                    .map_or_else(|| "all nodes OK".into(), |w| format!("worst {w}")),
                crate::format::count(cv.ops_per_sec)
            )
        });
        v.cluster = Some(cv);
    }
}
