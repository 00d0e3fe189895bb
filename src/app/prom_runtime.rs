//! The app side of Prometheus: starts the poller and carries out the effects `update` asks
//! for it: what to poll (`Effect::PromPoll`: the fleet while its view is open, the attached
//! instance's selector). Attaching to an instance from the fleet is `Effect::Attach`, which
//! the pollers carry out (`app::pollers`). The state itself changes only in `update`
//! (`model::prom::attach`).
//!
//! Attaching reuses the credentials and TLS settings redtriage was started with; an instance
//! that refuses them asks for a password once.

use tokio::sync::{mpsc, watch};

use crate::model::prom::PromState;
use crate::model::state::Effect;
use crate::msg::Msg;
use crate::prom::poller::{PromControl, PromPoller};
use crate::prom::settings::PromSettings;
use crate::target::Target;

/// How the dashboard starts with Prometheus.
#[derive(Debug, Clone)]
pub struct PromLaunch {
    pub settings: PromSettings,
    /// `redtriage fleet`: start on the fleet table, no instance attached.
    pub fleet_only: bool,
    /// Credentials and TLS to attach with (the target of the command line).
    pub base: Target,
}

impl PromLaunch {
    /// The Prometheus part of the state the loop starts with.
    pub fn initial_state(&self) -> PromState {
        let mut p = PromState::new(&self.settings);
        p.ui.fleet_open = self.fleet_only;
        p.ui.fleet_only = self.fleet_only;
        p.base = self.base.clone();
        p
    }
}

/// The running Prometheus poller.
pub struct PromRuntime {
    control: watch::Sender<PromControl>,
}

impl PromRuntime {
    /// Starts the Prometheus poller.
    pub fn start(launch: &PromLaunch, tx: &mpsc::Sender<Msg>) -> Result<Self, String> {
        let (control, rx) = watch::channel(PromControl {
            selector: (!launch.fleet_only).then(|| launch.settings.selector.clone()),
            fleet: launch.fleet_only,
            backfill: true,
            run_id: None,
        });
        let poller = PromPoller::new(launch.settings.clone(), tx.clone(), rx)?;
        tokio::spawn(poller.run());
        Ok(Self { control })
    }

    /// Carries out the effects that are the runtime's (the others are ignored).
    pub fn carry(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::PromPoll { fleet, selector } => self.follow(*fleet, selector.as_ref()),
                Effect::PromRunId(rid) => {
                    self.control.send_if_modified(|c| {
                        let changed = c.run_id.as_ref() != Some(rid);
                        c.run_id = Some(rid.clone());
                        changed
                    });
                }
                _ => {}
            }
        }
    }

    /// The fleet while its view is open; a new selector is polled (and backfilled) at once.
    fn follow(&self, fleet: bool, selector: Option<&String>) {
        self.control.send_if_modified(|c| {
            let mut changed = c.fleet != fleet;
            c.fleet = fleet;
            if let Some(s) = selector {
                c.selector = Some(s.clone());
                c.backfill = true;
                changed = true;
            }
            changed
        });
    }
}
