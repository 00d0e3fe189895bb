//! The group around the target: its master and replicas, the Sentinels that watch it, the
//! failovers seen. Fed by the group source (`Msg::Group`) and the target's own INFO; decides
//! what the group source polls (`Effect::GroupPlan`) and when the dashboard follows a new
//! master (`Effect::Attach` on a new target id: the old master's instance stays, with its
//! history, as the previous master).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Instant, SystemTime};

use crate::collect::group::supervisor::GroupPlan;
use crate::collect::group::tasks::retarget;
use crate::collect::group::types::{GroupEvent, NodeAddr, SentinelRound};
use crate::collect::types::{CollectError, Info};
use crate::model::state::{Effect, State};
use crate::msg::TargetId;
use crate::target::{Address, Target};

pub mod view;

/// Sentinel events kept for the Topology pane.
const EVENTS_KEEP: usize = 32;

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
        if let Some(name) = &self.master_name {
            for s in self.sentinels.values() {
                for p in s.value.iter().flat_map(|r| &r.replicas) {
                    if let Some(a) = &p.addr {
                        add(a.clone());
                    }
                }
                let _ = name;
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

impl State {
    /// The followed target's address, when it is TCP.
    pub fn target_addr(&self) -> Option<NodeAddr> {
        self.targets.get(self.selected).and_then(addr_of)
    }

    /// A message of the group source.
    pub fn on_group(&mut self, ev: GroupEvent) -> Vec<Effect> {
        let Some(g) = self.group.as_mut() else {
            return Vec::new();
        };
        let mut effects = vec![Effect::Redraw];
        match ev {
            GroupEvent::Sentinel { addr, at, result } => {
                self.now = self.now.max(at);
                g.sentinels
                    .entry(addr)
                    .or_default()
                    .apply(at, result.map(|b| *b));
                effects.extend(self.pick_only_master(at));
                effects.extend(self.follow_majority(at));
            }
            GroupEvent::Node { addr, at, result } => {
                self.now = self.now.max(at);
                g.nodes
                    .entry(addr)
                    .or_default()
                    .apply(at, result.map(|b| *b));
            }
            GroupEvent::Subscription { addr, at, result } => {
                self.now = self.now.max(at);
                g.subscription = Some((addr, result.map_err(|e| e.to_string())));
            }
            GroupEvent::Event {
                from,
                at,
                wall,
                channel,
                payload,
                switch,
            } => {
                self.now = self.now.max(at);
                let ev = EventLine {
                    at,
                    wall,
                    from,
                    channel,
                    payload,
                };
                effects.extend(self.on_sentinel_event(ev, switch));
            }
        }
        effects.extend(self.replan());
        effects
    }

    /// A Sentinel's event: the failover's stages, and the switch followed at once.
    fn on_sentinel_event(
        &mut self,
        ev: EventLine,
        switch: Option<crate::collect::group::types::SwitchMaster>,
    ) -> Vec<Effect> {
        let Some(g) = self.group.as_mut() else {
            return Vec::new();
        };
        let (at, wall) = (ev.at, ev.wall);
        let (channel, payload) = (ev.channel.clone(), ev.payload.clone());
        g.events.push_back(ev);
        while g.events.len() > EVENTS_KEEP {
            g.events.pop_front();
        }
        let Some(name) = g.master_name.clone() else {
            return Vec::new();
        };
        let ours = format!("master {} ", crate::escape::plain_str(&name));
        let stage = match channel.as_str() {
            "+sdown" if payload.starts_with(&ours) => Some("sdown"),
            "+odown" if payload.starts_with(&ours) => Some("odown"),
            "+try-failover" if payload.starts_with(&ours) => Some("try-failover"),
            "+elected-leader" if payload.starts_with(&ours) => Some("elected-leader"),
            "+failover-end" if payload.starts_with(&ours) => Some("failover-end"),
            _ => None,
        };
        if let Some(kind) = stage {
            let f = match &mut g.failover {
                Some(f) if !f.done => f,
                slot => slot.insert(Failover::default()),
            };
            f.note(kind, at, wall);
            return Vec::new();
        }
        let Some(sw) = switch.filter(|s| s.name == name) else {
            return Vec::new();
        };
        let f = match &mut g.failover {
            Some(f) if !f.done => f,
            slot => slot.insert(Failover::default()),
        };
        f.note("switch-master", at, wall);
        f.old = Some(sw.old.clone());
        f.new = Some(sw.new.clone());
        f.done = true;
        let text = format!(
            "FAILOVER of {}: {} → {} ({})",
            crate::escape::plain_str(&name),
            sw.old,
            sw.new,
            f.text()
        );
        // Followed already (the Sentinels' rounds named it first): the log still gets the times.
        let mut effects = if self.target_addr().as_ref() == Some(&sw.new) {
            self.note_failover(at, &text)
        } else {
            self.follow(at, &sw.new, &text)
        };
        effects.extend(self.restart_watch(at));
        effects
    }

    /// A Sentinel lists exactly one master and none was named: that is the one followed.
    fn pick_only_master(&mut self, at: Instant) -> Vec<Effect> {
        let Some(g) = self.group.as_ref() else {
            return Vec::new();
        };
        if g.master_name.is_some() {
            return Vec::new();
        }
        let masters = g.listed_masters();
        let [only] = masters.as_slice() else {
            return Vec::new();
        };
        let (name, addr) = (only.raw_name.clone(), only.addr.clone());
        self.pick_master(at, &name, addr)
    }

    /// Follows master `name` at `addr` (picked from a Sentinel's list).
    pub fn pick_master(&mut self, at: Instant, name: &str, addr: Option<NodeAddr>) -> Vec<Effect> {
        let Some(g) = self.group.as_mut() else {
            return Vec::new();
        };
        g.master_name = Some(name.to_string());
        let Some(addr) = addr else {
            return Vec::new();
        };
        let text = format!(
            "following master {} at {addr} (as the Sentinels say)",
            crate::escape::plain_str(name)
        );
        self.follow(at, &addr, &text)
    }

    /// The Sentinels' majority names another master than the one followed (a switch whose
    /// event was missed, or a start on a stale address): follow it.
    fn follow_majority(&mut self, at: Instant) -> Vec<Effect> {
        let Some(g) = self.group.as_ref() else {
            return Vec::new();
        };
        if g.entry_sentinel && g.previous.is_empty() {
            return Vec::new();
        }
        let current = self.target_addr();
        let Some(m) = g.majority(current.as_ref()) else {
            return Vec::new();
        };
        if Some(&m) == current.as_ref() {
            return Vec::new();
        }
        let text = format!(
            "the Sentinels name {m} as the master (was {}): following it",
            current.map_or_else(|| "unknown".into(), |c| c.shown())
        );
        self.follow(at, &m, &text)
    }

    /// Moves the dashboard to the master at `addr`: a new instance that carries the old
    /// one's history rings (the old one stays as the previous master), the actions' target,
    /// the timeline and the incident log.
    pub fn follow(&mut self, at: Instant, addr: &NodeAddr, why: &str) -> Vec<Effect> {
        if self.target_addr().as_ref() == Some(addr) {
            return Vec::new();
        }
        let old_id = self.selected;
        let Some(old_target) = self.targets.get(old_id).cloned() else {
            return Vec::new();
        };
        let target = retarget(&old_target, addr);
        let id = self.instances.len();
        let next = match self.instances.get(old_id) {
            Some(old) => old.successor(target.display(), at),
            None => crate::model::instance::Instance::new(target.display(), at),
        };
        self.instances.push(next);
        self.targets.push(target.clone());
        self.selected = id;
        if let (Some(g), Some(old)) = (self.group.as_mut(), addr_of(&old_target)) {
            g.previous.push((old, old_id, at));
        }
        self.actions.push_timeline(at, why.to_string());
        let ev = crate::model::actions::log_event(&old_target.display(), "failover", why.into());
        vec![
            Effect::Attach {
                id,
                target: Box::new(target),
            },
            Effect::Log(Box::new(ev)),
        ]
    }

    /// On the timeline and in the incident log, as a `failover` line.
    fn note_failover(&mut self, at: Instant, text: &str) -> Vec<Effect> {
        self.actions.push_timeline(at, text.to_string());
        let shown = self
            .targets
            .get(self.selected)
            .map(Target::display)
            .unwrap_or_default();
        let ev = crate::model::actions::log_event(&shown, "failover", text.into());
        vec![Effect::Log(Box::new(ev))]
    }

    /// A running stability watch starts again on the new master.
    fn restart_watch(&mut self, at: Instant) -> Vec<Effect> {
        if self.actions.watch.is_some() {
            self.start_watch(at);
        }
        Vec::new()
    }

    /// What the group source should poll now; an effect when it changed.
    pub fn replan(&mut self) -> Vec<Effect> {
        let main = self.target_addr();
        let info = self
            .instances
            .get(self.selected)
            .and_then(|i| i.info.as_ref());
        let Some(g) = self.group.as_mut() else {
            return Vec::new();
        };
        // Pointed at a Sentinel itself: it is the group's entry.
        if g.configured.is_empty()
            && info.is_some_and(|i| i.redis_mode.as_deref() == Some("sentinel"))
            && let Some(m) = &main
        {
            g.configured.push(m.clone());
            g.entry_sentinel = true;
        }
        let name = g.master_name.clone();
        let mut sentinels = g.sentinel_addrs();
        // A reachable Sentinel first: its events are the ones followed.
        sentinels.sort_by_key(|a| !g.sentinels.get(a).is_none_or(Seen::reachable));
        let mut nodes: Vec<NodeAddr> = Vec::new();
        let mut add = |a: NodeAddr| {
            if Some(&a) != main.as_ref() && !nodes.contains(&a) {
                nodes.push(a);
            }
        };
        if let Some(i) = info.filter(|i| i.role.as_deref() == Some("master")) {
            for r in &i.repl.replicas {
                let a = NodeAddr::new(r.ip.clone(), r.port);
                if !g.known_replicas.contains(&a) {
                    g.known_replicas.push(a);
                }
            }
        }
        for a in &g.known_replicas {
            add(a.clone());
        }
        if let Some(i) = info
            && let (Some(h), Some(p)) = (&i.repl.master_host, i.repl.master_port)
        {
            add(NodeAddr::new(h.clone(), p));
        }
        if let Some(name) = &name {
            for seen in g.sentinels.values() {
                let Some(r) = &seen.value else { continue };
                for p in &r.replicas {
                    if let Some(a) = &p.addr {
                        add(a.clone());
                    }
                }
                if let Some(a) = r.master(name).and_then(|m| m.addr.clone()) {
                    add(a);
                }
            }
        }
        for (a, _, _) in &g.previous {
            add(a.clone());
        }
        let plan = GroupPlan {
            master_name: name,
            sentinels,
            nodes,
        };
        if plan == g.plan {
            return Vec::new();
        }
        // What is no longer polled is no longer shown (the new master was a replica).
        g.nodes.retain(|a, _| plan.nodes.contains(a));
        g.sentinels.retain(|a, _| plan.sentinels.contains(a));
        g.plan = plan.clone();
        vec![Effect::GroupPlan(Box::new(plan))]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
