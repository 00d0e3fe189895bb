//! The group around the target: its master and replicas, the Sentinels that watch it, the
//! failovers seen. Fed by the group source (`Msg::Group`) and the target's own INFO; decides
//! what the group source polls (`Effect::GroupPlan`) and when the dashboard follows a new
//! master (`Effect::Attach` on a new target id: the old master's instance stays, with its
//! history, as the previous master).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Instant, SystemTime};

use crate::collect::group::supervisor::GroupPlan;
use crate::collect::group::tasks::retarget;
use crate::collect::group::types::{NodeAddr, SentinelRound};
use crate::collect::types::{CollectError, Info};
use crate::msg::TargetId;
use crate::target::{Address, Target};

pub mod cluster;
mod cluster_follow;
pub mod cluster_health;
pub mod cluster_view;
mod follow;
pub mod health;
pub mod view;

/// Sentinel events kept for the Topology pane.
pub(super) const EVENTS_KEEP: usize = 32;

/// The last answer of one node or Sentinel, and its last error.
#[derive(Debug, Clone)]
pub struct Seen<T> {
    pub value: Option<T>,
    /// When the last answer came.
    pub at: Option<Instant>,
    pub error: Option<String>,
    /// Since when it fails (None while it answers).
    pub failing_since: Option<Instant>,
}

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Self {
            value: None,
            at: None,
            error: None,
            failing_since: None,
        }
    }
}

impl<T> Seen<T> {
    fn apply(&mut self, at: Instant, r: Result<T, CollectError>) {
        match r {
            Ok(v) => {
                self.value = Some(v);
                self.at = Some(at);
                self.error = None;
                self.failing_since = None;
            }
            Err(e) => {
                self.error = Some(e.to_string());
                self.failing_since.get_or_insert(at);
            }
        }
    }

    /// Answered last time.
    pub fn reachable(&self) -> bool {
        self.value.is_some() && self.error.is_none()
    }
}

/// One stage of a failover as a Sentinel announced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// `sdown`, `odown`, `try-failover`, `elected-leader`, `switch-master`, `failover-end`.
    pub kind: &'static str,
    pub at: Instant,
    pub wall: SystemTime,
}

/// A failover of the followed master, from its first sign to the switch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Failover {
    pub stages: Vec<Stage>,
    pub old: Option<NodeAddr>,
    pub new: Option<NodeAddr>,
    /// The switch happened (`+switch-master`).
    pub done: bool,
}

impl Failover {
    fn note(&mut self, kind: &'static str, at: Instant, wall: SystemTime) {
        if !self.stages.iter().any(|s| s.kind == kind) {
            self.stages.push(Stage { kind, at, wall });
        }
    }

    fn first(&self) -> Option<&Stage> {
        self.stages.first()
    }

    /// `sdown at 12:00:01.200, odown at …, switch-master at …, 4.2 s from first sdown`.
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = self
            .stages
            .iter()
            .map(|s| format!("{} at {}", s.kind, clock(s.wall)))
            .collect();
        if let (Some(first), Some(switch)) = (
            self.first().filter(|f| f.kind != "switch-master"),
            self.stages.iter().find(|s| s.kind == "switch-master"),
        ) {
            let secs = switch.at.saturating_duration_since(first.at).as_secs_f64();
            parts.push(format!("{secs:.1} s from first {}", first.kind));
        }
        parts.join(", ")
    }
}

/// `12:00:01.200` (UTC).
pub fn clock(t: SystemTime) -> String {
    let full = crate::format::rfc3339(t);
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_millis());
    format!("{}.{ms:03}", full.get(11..19).unwrap_or(""))
}

/// One Sentinel event as the pane lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLine {
    pub at: Instant,
    pub wall: SystemTime,
    pub from: NodeAddr,
    /// Escaped.
    pub channel: String,
    pub payload: String,
}

/// Everything known about the group.
#[derive(Debug, Clone, Default)]
pub struct GroupState {
    /// The Sentinels given (`--sentinel`), or the target itself when it is one.
    pub configured: Vec<NodeAddr>,
    /// The master name followed, as typed or as a Sentinel gave it.
    pub master_name: Option<String>,
    /// Started on a Sentinel's own address (no master known yet).
    pub entry_sentinel: bool,
    pub sentinels: BTreeMap<NodeAddr, Seen<SentinelRound>>,
    pub nodes: BTreeMap<NodeAddr, Seen<Info>>,
    /// The event subscription: to whom, and whether it works.
    pub subscription: Option<(NodeAddr, Result<(), String>)>,
    pub events: VecDeque<EventLine>,
    /// The failover under way, or the last one.
    pub failover: Option<Failover>,
    /// Previous masters: their address, their instance, when the dashboard left them.
    pub previous: Vec<(NodeAddr, TargetId, Instant)>,
    /// The plan last sent to the group source.
    pub plan: GroupPlan,
    /// The master picked in the Topology pane's list (a Sentinel with several).
    pub pick: usize,
    /// Sentinel's credentials and TLS (the Sentinel actions connect with these).
    pub sentinel_auth: Option<Target>,
    /// Every replica the master has listed: one that disconnects stays polled and shown (its
    /// own INFO says why), it does not vanish from the pane.
    pub known_replicas: Vec<NodeAddr>,
    /// The Redis Cluster the target is a node of.
    pub cluster: Option<Box<cluster::ClusterState>>,
}

/// The TCP address of a target.
pub fn addr_of(t: &Target) -> Option<NodeAddr> {
    match &t.address {
        Address::Tcp { host, port } => Some(NodeAddr::new(host.clone(), *port)),
        Address::Unix { .. } => None,
    }
}

impl GroupState {
    /// For `--sentinel A,B --master-name NAME`.
    pub fn with_sentinels(sentinels: Vec<NodeAddr>, master_name: Option<String>) -> Self {
        Self {
            configured: sentinels,
            master_name,
            ..Self::default()
        }
    }

    /// The Sentinels known: the configured ones, then those they report.
    pub fn sentinel_addrs(&self) -> Vec<NodeAddr> {
        let mut out = self.configured.clone();
        for seen in self.sentinels.values() {
            for p in seen.value.iter().flat_map(|r| &r.sentinels) {
                if let Some(a) = &p.addr
                    && !out.contains(a)
                {
                    out.push(a.clone());
                }
            }
        }
        out
    }

    /// The master's address as the reachable Sentinels with the newest configuration say it
    /// (the highest config epoch: a Sentinel that has not heard of the last failover yet
    /// names the old master), most of them if they differ; None without a name or an answer.
    /// A tie keeps `current` when it is one of the tied.
    pub fn majority(&self, current: Option<&NodeAddr>) -> Option<NodeAddr> {
        let name = self.master_name.as_deref()?;
        let views: Vec<(u64, NodeAddr)> = self
            .sentinels
            .values()
            .filter(|s| s.reachable())
            .filter_map(|s| {
                let m = s.value.as_ref()?.master(name)?;
                Some((m.config_epoch, m.addr.clone()?))
            })
            .collect();
        let newest = views.iter().map(|(e, _)| *e).max()?;
        let mut votes: Vec<(NodeAddr, usize)> = Vec::new();
        for (_, a) in views.into_iter().filter(|(e, _)| *e == newest) {
            match votes.iter_mut().find(|(v, _)| *v == a) {
                Some((_, n)) => *n += 1,
                None => votes.push((a, 1)),
            }
        }
        let best = votes.iter().map(|(_, n)| *n).max()?;
        let tied: Vec<NodeAddr> = votes
            .into_iter()
            .filter(|(_, n)| *n == best)
            .map(|(a, _)| a)
            .collect();
        match current {
            Some(c) if tied.contains(c) => Some(c.clone()),
            _ => tied.into_iter().next(),
        }
    }

    /// A Sentinel that answered its last round, with Sentinel's credentials.
    pub fn answering_sentinel(&self) -> Option<Target> {
        let auth = self.sentinel_auth.as_ref()?;
        let a = self
            .plan
            .sentinels
            .iter()
            .find(|a| self.sentinels.get(*a).is_some_and(Seen::reachable))?;
        Some(retarget(auth, a))
    }

    /// The replicas of the group: those the master lists (`info`, when the target is the
    /// master), then those the Sentinels list.
    pub fn replica_addrs(&self, info: Option<&Info>) -> Vec<NodeAddr> {
        let mut out: Vec<NodeAddr> = Vec::new();
        let mut add = |a: NodeAddr| {
            if !out.contains(&a) {
                out.push(a);
            }
        };
        if let Some(i) = info.filter(|i| i.role.as_deref() == Some("master")) {
            for r in &i.repl.replicas {
                add(NodeAddr::new(r.ip.clone(), r.port));
            }
        }
        if self.master_name.is_some() {
            let listed = self.sentinels.values().filter_map(|s| s.value.as_ref());
            for a in listed
                .flat_map(|r| &r.replicas)
                .filter_map(|p| p.addr.clone())
            {
                add(a);
            }
        }
        out
    }

    /// The masters of the first Sentinel that answers (the list when none is picked).
    pub fn listed_masters(&self) -> Vec<crate::collect::group::types::SentinelMaster> {
        self.configured
            .iter()
            .chain(self.sentinels.keys())
            .find_map(|a| self.sentinels.get(a)?.value.as_ref())
            .map(|r| {
                let mut m = r.masters.clone();
                m.sort_by(|a, b| a.raw_name.cmp(&b.raw_name));
                m
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
