//! The group's side of `update`: a Sentinel's round, a node's INFO, Sentinel's events; the
//! master followed (`State::follow`) on `+switch-master` or when the Sentinels' newest
//! configuration names another one; and the plan of what the group source polls.

use std::time::Instant;

use super::{EventLine, Failover, Seen, addr_of};
use crate::collect::group::supervisor::GroupPlan;
use crate::collect::group::tasks::retarget;
use crate::collect::group::types::{GroupEvent, NodeAddr};
use crate::model::state::{Effect, State};
use crate::target::Target;

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
            GroupEvent::Cluster {
                id,
                addr,
                at,
                result,
            } => {
                self.now = self.now.max(at);
                // A round of figures only from a node that answered before changes no view
                // of the cluster: no new plan, and the clock's next tick draws it (30 nodes
                // bring a round every 0.4 s).
                let quiet = result.as_ref().is_ok_and(|r| r.partial)
                    && (g.cluster.as_ref())
                        .and_then(|c| c.nodes.get(id.as_deref()?))
                        .is_some_and(|n| n.seen.reachable());
                let fx = self.on_cluster(id, addr, at, result.map(|b| *b));
                if quiet && fx.is_empty() {
                    return fx;
                }
                effects.extend(fx);
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
        while g.events.len() > super::EVENTS_KEEP {
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
        self.ensure_cluster();
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
        let cluster = g.cluster.as_ref().map(|c| c.jobs(main.as_ref()));
        let plan = GroupPlan {
            master_name: name,
            sentinels,
            // A cluster's nodes are polled as cluster nodes, not as replicas.
            nodes: if cluster.is_some() { Vec::new() } else { nodes },
            cluster: cluster.unwrap_or_default(),
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
