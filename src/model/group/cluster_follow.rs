//! The cluster's side of `update`: a node's round applied, what changed in the map put on the
//! timeline and in the incident log, and the Topology pane's keys in the cluster view (`enter`
//! attaches every pane to the picked node, `esc` returns to the node given).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use super::cluster::ClusterState;
use crate::collect::group::cluster_types::NodeRound;
use crate::collect::group::tasks::retarget;
use crate::collect::group::types::NodeAddr;
use crate::collect::types::CollectError;
use crate::model::state::{Effect, State};
use crate::target::Target;

impl State {
    /// The target is a cluster node (its INFO says so, or `--cluster`): the cluster's state.
    pub(super) fn ensure_cluster(&mut self) {
        let main = self.target_addr();
        let is_cluster = self
            .instances
            .first()
            .and_then(|i| i.info.as_ref())
            .is_some_and(|i| i.redis_mode.as_deref() == Some("cluster"));
        let Some(g) = self.group.as_mut() else { return };
        if g.cluster.is_none() && is_cluster {
            g.cluster = Some(Box::new(ClusterState {
                entry: main,
                ..ClusterState::default()
            }));
        }
        if let Some(c) = g.cluster.as_mut()
            && c.entry.is_none()
        {
            c.entry = self.targets.first().and_then(super::addr_of);
        }
    }

    /// A cluster node's round.
    pub(super) fn on_cluster(
        &mut self,
        id: Option<String>,
        addr: NodeAddr,
        at: Instant,
        result: Result<NodeRound, CollectError>,
    ) -> Vec<Effect> {
        let main = self.target_addr();
        let Some(c) = self.group.as_mut().and_then(|g| g.cluster.as_mut()) else {
            return Vec::new();
        };
        c.apply(id, addr, at, result);
        let gone = c.forget_removed();
        let mut texts = c.changes(main.as_ref(), at);
        if !gone.is_empty() && texts.is_empty() {
            let ids: Vec<String> = gone.iter().map(|g| super::cluster::short(g)).collect();
            texts.push(format!("node {} no longer listed", ids.join(", ")));
        }
        let shown = self
            .targets
            .get(self.selected)
            .map(Target::display)
            .unwrap_or_default();
        let mut effects = Vec::new();
        for t in texts {
            self.actions.push_timeline(at, t.clone());
            let ev = crate::model::actions::log_event(&shown, "cluster", t);
            effects.push(Effect::Log(Box::new(ev)));
        }
        effects
    }

    /// The nodes in the order the Topology pane lists them (the picked row's node).
    fn cluster_rows(&self) -> Vec<(String, NodeAddr)> {
        let Some(v) = self.view(0) else {
            return Vec::new();
        };
        let Some(cv) = v.topology.cluster else {
            return Vec::new();
        };
        cv.nodes
            .iter()
            .filter_map(|n| Some((n.id.clone(), n.node_addr.clone()?)))
            .collect()
    }

    /// Keys of the Topology pane in the cluster view: ↑/↓ (`k`/`j`) pick a node, `enter`
    /// attaches every pane to it, `esc` returns to the node given.
    pub(crate) fn cluster_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        self.group.as_ref()?.cluster.as_ref()?;
        let rows = self.cluster_rows();
        let c = self.group.as_mut()?.cluster.as_mut()?;
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => c.pick = c.pick.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                c.pick = (c.pick + 1).min(rows.len().saturating_sub(1));
            }
            KeyCode::Enter => {
                let (id, addr) = rows.get(c.pick)?.clone();
                c.focus = Some(id);
                return Some(self.attach_node(&addr));
            }
            KeyCode::Esc if c.focus.is_some() => {
                c.focus = None;
                let entry = c.entry.clone()?;
                return Some(self.attach_node(&entry));
            }
            _ => return None,
        }
        Some(vec![Effect::Redraw])
    }

    /// Every pane on the node at `addr`: its instance (made the first time, kept after, so
    /// coming back shows its history) and a poller on it.
    fn attach_node(&mut self, addr: &NodeAddr) -> Vec<Effect> {
        if self.target_addr().as_ref() == Some(addr) {
            return vec![Effect::Redraw];
        }
        let known = (self.targets.iter()).position(|t| super::addr_of(t).as_ref() == Some(addr));
        let id = if let Some(id) = known {
            id
        } else {
            let Some(base) = self.targets.first().cloned() else {
                return Vec::new();
            };
            let target = retarget(&base, addr);
            let id = self.instances.len();
            let inst = crate::model::instance::Instance::new(target.display(), self.now);
            self.instances.push(inst);
            self.targets.push(target);
            id
        };
        self.selected = id;
        let target = self.targets.get(id).cloned();
        let Some(target) = target else {
            return Vec::new();
        };
        self.actions
            .push_timeline(self.now, format!("panes attached to cluster node {addr}"));
        let mut effects = vec![
            Effect::Attach {
                id,
                target: Box::new(target),
            },
            Effect::Redraw,
        ];
        effects.extend(self.replan());
        effects
    }
}
