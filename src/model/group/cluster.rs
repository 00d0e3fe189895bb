//! A Redis Cluster around the target: every node's last round (its `INFO`, its `CLUSTER INFO`
//! and its `CLUSTER NODES` view of the others), the map as one node reports it, and what changed
//! in that map (a node marked `fail?`/`fail`, a replica promoted, slots moved, nodes added or
//! removed, `cluster_state` flipping), which goes to the timeline and the incident log. Decides
//! what the group source polls for the cluster (`ClusterJob`s).

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use super::Seen;
use crate::collect::group::cluster_types::{ClusterNode, NodeRound, SlotRange};
use crate::collect::group::supervisor::ClusterJob;
use crate::collect::group::types::NodeAddr;
use crate::collect::types::CollectError;

/// Nodes polled per slow tick besides the map's node; a larger cluster takes turns.
pub const NODE_BUDGET: usize = 12;
/// Cluster events kept for the Topology pane.
const EVENTS_KEEP: usize = 32;
/// The error replies that say a client's slot map is stale or its slots are uncovered.
pub const REDIRECTS: [&str; 3] = ["MOVED", "ASK", "CLUSTERDOWN"];

/// One node: its last round, where it answered, and its redirect errors per second.
#[derive(Debug, Clone, Default)]
pub struct ClusterNodeSeen {
    pub seen: Seen<NodeRound>,
    /// The address it answered at last (or was last tried at).
    pub addr: Option<NodeAddr>,
    /// The redirect error counts of the round before, and when.
    prev: Option<(Instant, BTreeMap<String, u64>)>,
    /// `MOVED`/`ASK`/`CLUSTERDOWN` replies per second between its last two rounds.
    pub redirects: BTreeMap<String, f64>,
}

/// What the map said last time, to tell what changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapDigest {
    pub state: String,
    pub nodes: BTreeMap<String, NodeDigest>,
}

/// One node in a [`MapDigest`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeDigest {
    pub addr: Option<NodeAddr>,
    pub master: bool,
    pub master_id: Option<String>,
    pub fail: bool,
    pub pfail: bool,
    pub slots: Vec<SlotRange>,
}

impl NodeDigest {
    fn of(n: &ClusterNode) -> Self {
        Self {
            addr: n.addr.clone(),
            master: n.is_master(),
            master_id: n.master_id.clone(),
            fail: n.has("fail"),
            pfail: n.has("fail?"),
            slots: n.slots.clone(),
        }
    }
}

/// Everything known about the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterState {
    /// `-c`/`--cluster` was given: a node not in cluster mode is an error, said.
    pub forced: bool,
    /// The entry node's address (the target given).
    pub entry: Option<NodeAddr>,
    /// The entry's last failure before its id was known.
    pub entry_error: Option<String>,
    /// Every node by id.
    pub nodes: BTreeMap<String, ClusterNodeSeen>,
    /// What changed in the map, newest last (at, text).
    pub events: VecDeque<(Instant, String)>,
    pub last_map: Option<MapDigest>,
    /// The picked row in the Topology pane's node list.
    pub pick: usize,
    /// The node the panes are attached to by `enter` (None: the entry).
    pub focus: Option<String>,
    /// `--cluster` and the node says it is not in cluster mode: why.
    pub not_cluster: Option<String>,
}

impl ClusterState {
    /// The node at `addr`, by where it answered.
    pub fn id_at(&self, addr: &NodeAddr) -> Option<&str> {
        self.nodes
            .iter()
            .find(|(_, n)| n.addr.as_ref() == Some(addr) && n.seen.value.is_some())
            .map(|(id, _)| id.as_str())
    }

    /// The node whose map is shown: the attached node when it answers, else the first that
    /// answers (by id).
    pub fn reporter(&self, main: Option<&NodeAddr>) -> Option<&str> {
        let answering = |id: &&String| self.nodes.get(*id).is_some_and(|n| n.seen.reachable());
        if let Some(id) = main.and_then(|a| self.id_at(a))
            && self.nodes.get(id).is_some_and(|n| n.seen.reachable())
        {
            return Some(id);
        }
        self.nodes.keys().find(answering).map(String::as_str)
    }

    /// The map: the reporter's last round.
    pub fn map(&self, main: Option<&NodeAddr>) -> Option<(&str, &NodeRound)> {
        let id = self.reporter(main)?;
        Some((id, self.nodes.get(id)?.seen.value.as_ref()?))
    }

    /// The replicas the map lists that answer (for the cluster failover actions' choice).
    pub fn replica_addrs(&self) -> Vec<NodeAddr> {
        let Some((_, round)) = self.map(None) else {
            return Vec::new();
        };
        (round.nodes.iter())
            .filter(|n| !n.is_master())
            .filter_map(|n| {
                let seen = self.nodes.get(&n.id)?;
                seen.seen.reachable().then(|| seen.addr.clone())?
            })
            .collect()
    }

    /// The nodes whose own view flags `id` `fail?` or `fail`.
    pub fn reported_failing(&self, id: &str) -> Vec<String> {
        self.failure_reports().remove(id).unwrap_or_default()
    }

    /// Every node flagged `fail?` or `fail` in another answering node's view, with those
    /// nodes (by address), in one pass over the views: what [`Self::reported_failing`] says
    /// of each (a frame of a 30-node cluster asks it of every node).
    pub fn failure_reports(&self) -> BTreeMap<&str, Vec<String>> {
        let mut out: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (other, n) in self.nodes.iter().filter(|(_, n)| n.seen.reachable()) {
            let by = n
                .addr
                .as_ref()
                .map_or_else(|| short(other), NodeAddr::shown);
            let lines = n.seen.value.iter().flat_map(|r| &r.nodes);
            for x in lines.filter(|x| x.id != *other && x.failing()) {
                out.entry(x.id.as_str()).or_default().push(by.clone());
            }
        }
        out
    }

    /// A round of node `id` (None: the entry, whose id its own line gives).
    pub fn apply(
        &mut self,
        id: Option<String>,
        addr: NodeAddr,
        at: Instant,
        result: Result<NodeRound, CollectError>,
    ) {
        let id = match (id, &result) {
            (Some(id), _) => id,
            (None, Ok(r)) => match r.me() {
                Some(me) => me.id.clone(),
                None => return,
            },
            (None, Err(e)) => {
                if self.forced && e.to_string().contains("cluster support disabled") {
                    self.not_cluster = Some(e.to_string());
                }
                self.entry_error = Some(e.to_string());
                return;
            }
        };
        self.entry_error = None;
        let n = self.nodes.entry(id).or_default();
        n.addr = Some(addr);
        if let Ok(r) = &result {
            let now: BTreeMap<String, u64> = (r.info.errorstats.iter())
                .filter(|(k, _)| REDIRECTS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            if let Some((then, before)) = &n.prev {
                let dt = at.saturating_duration_since(*then).as_secs_f64();
                n.redirects = REDIRECTS
                    .iter()
                    .filter(|_| dt > 0.0)
                    .map(|k| {
                        let d = now.get(*k).copied().unwrap_or(0);
                        let b = before.get(*k).copied().unwrap_or(0);
                        #[allow(clippy::cast_precision_loss)]
                        let rate = d.saturating_sub(b) as f64 / dt;
                        ((*k).to_string(), rate)
                    })
                    .filter(|(_, r)| *r > 0.0)
                    .collect();
            }
            n.prev = Some((at, now));
        }
        // A round between two full ones has the node's figures only: its view of the cluster
        // is still the last full round's.
        let result = result.map(|mut r| {
            if let Some(prev) = r.partial.then_some(()).and(n.seen.value.as_ref()) {
                r.cluster.clone_from(&prev.cluster);
                r.nodes.clone_from(&prev.nodes);
            }
            r
        });
        n.seen.apply(at, result);
    }

    /// Nodes no answering node lists any more are gone (removed with `CLUSTER FORGET`).
    pub fn forget_removed(&mut self) -> Vec<String> {
        let listed: std::collections::BTreeSet<&str> = (self.nodes.values())
            .filter(|n| n.seen.reachable())
            .flat_map(|n| n.seen.value.iter().flat_map(|r| &r.nodes))
            .map(|x| x.id.as_str())
            .collect();
        if listed.is_empty() {
            return Vec::new();
        }
        let gone: Vec<String> = (self.nodes.keys())
            .filter(|id| !listed.contains(&id.as_str()))
            .cloned()
            .collect();
        for id in &gone {
            self.nodes.remove(id);
        }
        gone
    }

    /// What changed since the last map, in words (and the new map kept).
    pub fn changes(&mut self, main: Option<&NodeAddr>, at: Instant) -> Vec<String> {
        let Some((_, round)) = self.map(main) else {
            return Vec::new();
        };
        let digest = MapDigest {
            state: round.cluster.state.clone(),
            nodes: (round.nodes.iter())
                .map(|n| (n.id.clone(), NodeDigest::of(n)))
                .collect(),
        };
        let Some(old) = self.last_map.replace(digest.clone()) else {
            return Vec::new();
        };
        let name = |id: &str, d: &NodeDigest| match &d.addr {
            Some(a) => format!("{a} ({})", short(id)),
            None => short(id),
        };
        let mut out = Vec::new();
        if old.state != digest.state {
            out.push(format!(
                "cluster_state {} → {}",
                old.state,
                digest.state.to_uppercase()
            ));
        }
        for (id, d) in &digest.nodes {
            let Some(was) = old.nodes.get(id) else {
                out.push(format!("node {} joined the cluster", name(id, d)));
                continue;
            };
            if d.fail && !was.fail {
                let by = self.reported_failing(id);
                out.push(format!(
                    "node {} marked FAIL (reported by {})",
                    name(id, d),
                    if by.is_empty() {
                        "the map's node".into()
                    } else {
                        by.join(", ")
                    }
                ));
            } else if d.pfail && !was.pfail && !was.fail {
                out.push(format!("node {} suspected down (fail?)", name(id, d)));
            } else if !d.fail && !d.pfail && (was.fail || was.pfail) {
                out.push(format!(
                    "node {} reachable again (flag cleared)",
                    name(id, d)
                ));
            }
            if d.master && !was.master {
                let of = was
                    .master_id
                    .as_ref()
                    .and_then(|m| old.nodes.get(m).map(|x| name(m, x)));
                out.push(format!(
                    "FAILOVER: {} promoted to master{}{}",
                    name(id, d),
                    of.map_or_else(String::new, |o| format!(" in place of {o}")),
                    slots_words(&d.slots)
                ));
            } else if d.master && was.master && d.slots != was.slots && !d.slots.is_empty() {
                out.push(format!(
                    "slots moved: {} now serves{} (was{})",
                    name(id, d),
                    slots_words(&d.slots),
                    slots_words(&was.slots)
                ));
            }
        }
        for (id, was) in &old.nodes {
            if !digest.nodes.contains_key(id) {
                out.push(format!("node {} left the cluster", name(id, was)));
            }
        }
        for t in &out {
            self.events.push_back((at, t.clone()));
        }
        while self.events.len() > EVENTS_KEEP {
            self.events.pop_front();
        }
        out
    }

    /// The jobs for the group source: the entry until its id is known, then every node listed
    /// (the addresses it answered at first, then those the others report), the map asked of
    /// the reporter, the rest in turns of [`NODE_BUDGET`] per slow tick.
    pub fn jobs(&self, main: Option<&NodeAddr>) -> Vec<ClusterJob> {
        if self.not_cluster.is_some() {
            return Vec::new();
        }
        if self.nodes.is_empty() {
            let Some(a) = main.or(self.entry.as_ref()) else {
                return Vec::new();
            };
            return vec![ClusterJob {
                id: None,
                addrs: vec![a.clone()],
                map: true,
                period: 1,
                phase: 0,
            }];
        }
        // Each node's addresses as the answering nodes report them, most reported first
        // (borrowed: a 30-node cluster has 900 lines, and this runs on every round that
        // brings a view).
        let mut addrs: BTreeMap<&str, Vec<(&NodeAddr, usize)>> = BTreeMap::new();
        for n in self.nodes.values().filter(|n| n.seen.reachable()) {
            for x in n.seen.value.iter().flat_map(|r| &r.nodes) {
                let Some(a) = &x.addr else { continue };
                let list = addrs.entry(x.id.as_str()).or_default();
                match list.iter_mut().find(|(b, _)| *b == a) {
                    Some((_, c)) => *c += 1,
                    None => list.push((a, 1)),
                }
            }
        }
        for id in self.nodes.keys() {
            addrs.entry(id.as_str()).or_default();
        }
        let reporter = self.reporter(main).map(str::to_string);
        let others = addrs.len().saturating_sub(1);
        let period = u32::try_from(others.div_ceil(NODE_BUDGET).max(1)).unwrap_or(1);
        let mut jobs = Vec::new();
        let mut turn = 0u32;
        for (id, mut reported) in addrs {
            reported.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.cmp(b)));
            let mut list: Vec<NodeAddr> = Vec::new();
            let answered = self.nodes.get(id).and_then(|n| n.addr.as_ref());
            for a in answered
                .into_iter()
                .chain(reported.into_iter().map(|(a, _)| a))
            {
                if !list.contains(a) {
                    list.push(a.clone());
                }
            }
            if list.is_empty() {
                continue;
            }
            let map = reporter.as_deref() == Some(id);
            let (p, phase) = if map {
                (1, 0)
            } else {
                turn += 1;
                (period, turn % period)
            };
            jobs.push(ClusterJob {
                id: Some(id.to_string()),
                addrs: list,
                map,
                period: p,
                phase,
            });
        }
        jobs
    }
}

/// The first 8 characters of a node id.
pub fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// ` slots 0-5460,5461` (empty for none).
fn slots_words(slots: &[SlotRange]) -> String {
    if slots.is_empty() {
        return String::new();
    }
    format!(" slots {}", ranges(slots))
}

/// `0-5460,10923-16383`.
pub fn ranges(slots: &[SlotRange]) -> String {
    slots
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The slots no master serves, from a map's nodes.
pub fn uncovered(nodes: &[ClusterNode]) -> Vec<SlotRange> {
    let mut covered = vec![false; 16_384];
    for n in nodes.iter().filter(|n| n.is_master() && !n.has("fail")) {
        for (a, b) in &n.slots {
            for s in *a..=*b {
                if let Some(c) = covered.get_mut(usize::from(s)) {
                    *c = true;
                }
            }
        }
    }
    let mut out: Vec<SlotRange> = Vec::new();
    for (i, c) in covered.iter().enumerate() {
        if *c {
            continue;
        }
        let Ok(s) = u16::try_from(i) else { continue };
        match out.last_mut() {
            Some((_, b)) if *b + 1 == s => *b = s,
            _ => out.push((s, s)),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "cluster_tests.rs"]
mod tests;
