//! The app side of Prometheus: starts the poller, tells it what to poll (the attached
//! instance's selector, the fleet while its view is open), and attaches the dashboard to the
//! instance chosen in the fleet view (a new Redis poller, a new target id, the old one stopped).
//!
//! Attaching reuses the credentials and TLS settings redtriage was started with; an instance
//! that needs others shows `AUTH FAILED` (simplification: no credentials prompt).

use std::time::Instant;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::collect::poller::Poller;
use crate::model::instance::Instance;
use crate::model::prom::PromState;
use crate::model::state::State;
use crate::msg::Msg;
use crate::prom::poller::{PromControl, PromPoller};
use crate::prom::settings::PromSettings;
use crate::target::{PollSettings, Target};

/// How the dashboard starts with Prometheus.
#[derive(Debug, Clone)]
pub struct PromLaunch {
    pub settings: PromSettings,
    /// `redtriage fleet`: start on the fleet table, no instance attached.
    pub fleet_only: bool,
    /// Credentials and TLS to attach with (the target of the command line).
    pub base: Target,
}

/// The running Prometheus poller and the Redis poller it may replace.
pub struct PromRuntime {
    control: watch::Sender<PromControl>,
    tx: mpsc::Sender<Msg>,
    poll: PollSettings,
    /// Credentials and TLS for attached instances.
    base: Target,
    redis_tasks: Vec<JoinHandle<()>>,
}

impl PromRuntime {
    /// Starts the Prometheus poller and puts its state into `state`.
    pub fn start(
        launch: &PromLaunch,
        poll: PollSettings,
        redis_tasks: Vec<JoinHandle<()>>,
        tx: &mpsc::Sender<Msg>,
        state: &mut State,
    ) -> Result<Self, String> {
        let mut p = PromState::new(&launch.settings);
        p.ui.fleet_open = launch.fleet_only;
        p.ui.fleet_only = launch.fleet_only;
        state.prom = Some(p);
        let (control, rx) = watch::channel(PromControl {
            selector: (!launch.fleet_only).then(|| launch.settings.selector.clone()),
            fleet: launch.fleet_only,
            backfill: true,
        });
        let poller = PromPoller::new(launch.settings.clone(), tx.clone(), rx)?;
        tokio::spawn(poller.run());
        Ok(Self {
            control,
            tx: tx.clone(),
            poll,
            base: launch.base.clone(),
            redis_tasks,
        })
    }

    /// After `update`: follow the fleet view and attach when asked.
    pub fn sync(&mut self, state: &mut State) {
        let Some(p) = state.prom.as_mut() else {
            return;
        };
        let fleet = p.ui.fleet_open;
        self.control.send_if_modified(|c| {
            let changed = c.fleet != fleet;
            c.fleet = fleet;
            changed
        });
        if let Some(instance) = p.attach.take() {
            self.attach(state, &instance);
        }
    }

    fn attach(&mut self, state: &mut State, instance: &str) {
        let url = if instance.contains("://") {
            instance.to_string()
        } else {
            format!("redis://{instance}")
        };
        let mut target = match crate::target::parse_url(&url) {
            Ok(t) => t,
            Err(e) => {
                if let Some(p) = state.prom.as_mut() {
                    p.ui.fleet_open = true;
                    p.fleet.error = Some(format!(
                        "cannot attach to instance \"{instance}\": {e} (the instance label must be the Redis address)"
                    ));
                }
                return;
            }
        };
        target.user.clone_from(&self.base.user);
        target.password.clone_from(&self.base.password);
        target.tls.clone_from(&self.base.tls);
        if let Some(p) = state.prom.as_mut() {
            if let Some(typed) = p.attach_password.take() {
                target.password = Some(typed);
                p.attached = Some((instance.to_string(), true));
            } else {
                p.attached = Some((instance.to_string(), false));
            }
        }
        for t in self.redis_tasks.drain(..) {
            t.abort();
        }
        let id = state.instances.len();
        state
            .instances
            .push(Instance::new(target.display(), Instant::now()));
        // Actions act on `targets[selected]`: keep it in step with the attached instance.
        state.targets.truncate(id);
        while state.targets.len() < id {
            state.targets.push(target.clone());
        }
        state.targets.push(target.clone());
        state.selected = id;
        state.frozen = None;
        let poller = Poller::new(id, target, self.poll.clone(), self.tx.clone());
        self.redis_tasks.push(tokio::spawn(poller.run()));
        let selector = format!(
            "instance=\"{}\"",
            instance.replace('\\', "\\\\").replace('"', "\\\"")
        );
        if let Some(p) = state.prom.as_mut() {
            p.reset_instance(selector.clone());
        }
        self.control.send_modify(|c| {
            c.selector = Some(selector);
            c.backfill = true;
        });
    }
}
