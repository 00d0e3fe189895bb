//! The Redis pollers and the group source, and the effects that are theirs: `Effect::Attach`
//! (stop the pollers, start one on the new target: attached from the fleet, or the new master
//! after a failover) and `Effect::GroupPlan` (what the group source polls). The state changes
//! only in `update`.

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::collect::group::supervisor::{self, GroupPlan, GroupSettings};
use crate::collect::poller::Poller;
use crate::model::state::Effect;
use crate::msg::Msg;
use crate::target::{PollSettings, Target};

/// The running Redis pollers (one per target) and, when it runs, the group source.
pub struct Pollers {
    tasks: Vec<JoinHandle<()>>,
    poll: PollSettings,
    tx: mpsc::Sender<Msg>,
    group: Option<(watch::Sender<GroupPlan>, JoinHandle<()>)>,
}

impl Pollers {
    /// One poller per target.
    pub fn start(targets: &[Target], poll: &PollSettings, tx: &mpsc::Sender<Msg>) -> Self {
        Self {
            tasks: super::spawn_pollers(targets, poll, tx),
            poll: poll.clone(),
            tx: tx.clone(),
            group: None,
        }
    }

    /// Starts the group source; it polls nothing until the first plan.
    pub fn start_group(&mut self, settings: GroupSettings) {
        let (plan, rx) = watch::channel(GroupPlan::default());
        let task = tokio::spawn(supervisor::run(settings, rx, self.tx.clone().into()));
        self.group = Some((plan, task));
    }

    /// Carries out the effects that are the pollers' (the others are ignored).
    pub fn carry(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::Attach { id, target } => {
                    for t in self.tasks.drain(..) {
                        t.abort();
                    }
                    let poller =
                        Poller::new(*id, (**target).clone(), self.poll.clone(), self.tx.clone());
                    self.tasks.push(tokio::spawn(poller.run()));
                }
                Effect::GroupPlan(p) => {
                    if let Some((plan, _)) = &self.group {
                        plan.send_replace((**p).clone());
                    }
                }
                _ => {}
            }
        }
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
        if let Some((_, t)) = self.group.take() {
            t.abort();
        }
    }
}
