//! Prometheus in the model: what the Prometheus poller reported, the fleet view's cursor, and
//! the keys that belong to the Prometheus views (`F` fleet, `A` alerts). Pure, like `update`:
//! time arrives in the messages.

pub mod view;

use std::time::{Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::state::{Effect, State};
use crate::prom::client::Alert;
use crate::prom::settings::PromSettings;
use crate::prom::types::{Backfill, FiguresSet, PromEvent, PromMsg};
use crate::target::{Secret, Target};

/// A value from Prometheus with when it arrived, or the error that replaced it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fed<T> {
    pub value: Option<T>,
    pub at: Option<Instant>,
    /// Escaped message of the last failure; cleared by the next success.
    pub error: Option<String>,
}

impl<T> Fed<T> {
    fn apply<E: ToString>(&mut self, at: Instant, r: Result<T, E>) {
        match r {
            Ok(v) => {
                self.value = Some(v);
                self.at = Some(at);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

/// The backfill: not yet, done (how many points, at what step), or failed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum BackfillState {
    #[default]
    Pending,
    Done {
        points: usize,
        step_secs: u64,
    },
    Failed(String),
}

/// Screen state of the Prometheus views.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromUi {
    /// The fleet table is shown.
    pub fleet_open: bool,
    /// `redtriage fleet`: no dashboard behind the fleet table yet.
    pub fleet_only: bool,
    /// The row under the cursor, by instance label (rows reorder under it).
    pub cursor: Option<String>,
    /// The Alerts pane is shown full-screen.
    pub alerts_zoomed: bool,
}

/// Everything known from Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct PromState {
    /// URL, password masked.
    pub url: String,
    pub selector: String,
    pub selector_guessed: bool,
    /// How the poller found the instance in place of the guess (`run_id`).
    pub found_by: Option<&'static str>,
    /// The run id last told to the poller.
    pub run_id_told: Option<String>,
    pub figures: Fed<FiguresSet>,
    pub alerts: Fed<Vec<Alert>>,
    pub fleet: Fed<FiguresSet>,
    pub backfill: BackfillState,
    /// Wall clock of the last message, with its instant (for alert ages).
    pub wall: Option<(Instant, SystemTime)>,
    /// Wall clock of the first message for this instance: about when live samples began, so
    /// the backfill keeps only the points before it.
    pub first_wall: Option<SystemTime>,
    pub ui: PromUi,
    /// Credentials and TLS to attach to a fleet instance with (the command line's target).
    pub base: Target,
    /// The instance attached from the fleet, and whether its password was already asked for.
    pub attached: Option<(String, bool)>,
}

impl PromState {
    /// Fresh state for these settings.
    pub fn new(s: &PromSettings) -> Self {
        Self {
            url: s.display_url(),
            selector: s.selector.clone(),
            selector_guessed: s.selector_guessed,
            found_by: None,
            run_id_told: None,
            figures: Fed::default(),
            alerts: Fed::default(),
            fleet: Fed::default(),
            backfill: BackfillState::Pending,
            wall: None,
            first_wall: None,
            ui: PromUi::default(),
            base: Target::local_default(),
            attached: None,
        }
    }

    /// Forgets the instance's figures (attached elsewhere).
    pub fn reset_instance(&mut self, selector: String) {
        self.selector = selector;
        self.selector_guessed = false;
        self.found_by = None;
        self.figures = Fed::default();
        self.alerts = Fed::default();
        self.backfill = BackfillState::Pending;
        self.first_wall = None;
    }

    /// Fleet rows in screen order (worst first).
    pub fn fleet_order(&self, th: &crate::target::Thresholds) -> Vec<String> {
        super::prom::view::fleet_rows(self, th)
            .into_iter()
            .map(|r| r.instance)
            .collect()
    }
}

/// A message from the Prometheus poller.
pub fn on_msg(state: &mut State, m: PromMsg) -> Vec<Effect> {
    state.now = state.now.max(m.at);
    let selected = state.selected;
    let Some(p) = state.prom.as_mut() else {
        return Vec::new();
    };
    p.wall = Some((m.at, m.wall));
    let first_wall = *p.first_wall.get_or_insert(m.wall);
    let ours = m.selector == p.selector;
    match m.event {
        PromEvent::Fleet(r) => p.fleet.apply(m.at, r),
        _ if !ours => {}
        PromEvent::Selector { selector, found_by } => {
            p.selector = selector;
            p.found_by = Some(found_by);
            p.figures = Fed::default();
            p.alerts = Fed::default();
        }
        PromEvent::Figures(r) => p.figures.apply(m.at, r),
        PromEvent::Alerts(r) => p.alerts.apply(m.at, r),
        PromEvent::Backfill(Err(e)) => p.backfill = BackfillState::Failed(e.to_string()),
        PromEvent::Backfill(Ok(b)) => {
            if let Some(inst) = state.instances.get_mut(selected) {
                let cut = first_wall
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                p.backfill = apply_backfill(inst, &b, cut);
            }
        }
    }
    vec![Effect::Redraw]
}

/// Puts the backfill before the live samples in the sparkline rings.
/// Only points older than `cut` (unix seconds, when live samples began) are kept.
fn apply_backfill(inst: &mut super::instance::Instance, b: &Backfill, cut: f64) -> BackfillState {
    // The rings are compact: memory in KiB (u32), clients (u32), hit rate in percent × 100 (u16).
    let scaled = |pts: &[(f64, f64)], scale: f64, max: f64| -> Vec<f64> {
        pts.iter()
            .filter(|p| p.0 < cut && p.1.is_finite() && p.1 >= 0.0)
            .map(|p| (p.1 * scale).round().min(max))
            .collect()
    };
    let mem: Vec<u32> = scaled(&b.memory, 1.0 / 1024.0, f64::from(u32::MAX))
        .into_iter()
        .map(|v| v as u32)
        .collect();
    let clients: Vec<u32> = scaled(&b.clients, 1.0, f64::from(u32::MAX))
        .into_iter()
        .map(|v| v as u32)
        .collect();
    let hit: Vec<u16> = scaled(&b.hit_rate, 100.0, 10_000.0)
        .into_iter()
        .map(|v| v as u16)
        .collect();
    inst.mem_hist.prepend(&mem);
    inst.clients_hist.prepend(&clients);
    inst.hit_hist.prepend(&hit);
    BackfillState::Done {
        points: mem.len().max(clients.len()).max(hit.len()),
        step_secs: b.step_secs,
    }
}

/// Keys of the Prometheus views; `None` lets the key through to the dashboard's keys. The
/// poller follows the fleet view (`Effect::PromPoll` whenever it opens or closes).
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    if key.kind != KeyEventKind::Press || state.ui.help {
        return None;
    }
    let thresholds = state.thresholds.clone();
    let p = state.prom.as_mut()?;
    let was_open = p.ui.fleet_open;
    let mut effects = if p.ui.fleet_open {
        let (effects, chosen) = fleet_key(p, key.code, &thresholds)?;
        match chosen {
            Some(instance) => attach(state, &instance, None),
            None => effects,
        }
    } else {
        match key.code {
            KeyCode::Char('F') => {
                p.ui.fleet_open = true;
                p.ui.alerts_zoomed = false;
            }
            KeyCode::Char('A') => p.ui.alerts_zoomed = !p.ui.alerts_zoomed,
            KeyCode::Esc if p.ui.alerts_zoomed => p.ui.alerts_zoomed = false,
            _ => return None,
        }
        vec![Effect::Redraw]
    };
    if let Some(p) = state.prom.as_ref()
        && p.ui.fleet_open != was_open
        && !effects.iter().any(|e| matches!(e, Effect::PromPoll { .. }))
    {
        effects.push(Effect::PromPoll {
            fleet: p.ui.fleet_open,
            selector: None,
        });
    }
    Some(effects)
}

/// A key in the fleet view: its effects, and the instance chosen with `enter`.
fn fleet_key(
    p: &mut PromState,
    code: KeyCode,
    th: &crate::target::Thresholds,
) -> Option<(Vec<Effect>, Option<String>)> {
    let order = p.fleet_order(th);
    let pos =
        p.ui.cursor
            .as_ref()
            .and_then(|c| order.iter().position(|o| o == c));
    let pick = |i: usize| order.get(i.min(order.len().saturating_sub(1))).cloned();
    let mut chosen = None;
    match code {
        KeyCode::Char('q') => return None,
        KeyCode::Down | KeyCode::Char('j') => {
            // No cursor yet means the first row is shown as selected.
            p.ui.cursor = pick(pos.map_or(1, |i| i + 1));
        }
        KeyCode::Up | KeyCode::Char('k') => {
            p.ui.cursor = pick(pos.map_or(0, |i| i.saturating_sub(1)));
        }
        KeyCode::Enter => {
            if let Some(inst) = pos.and_then(|i| order.get(i)).or(order.first()) {
                chosen = Some(inst.clone());
                p.ui.fleet_open = false;
                p.ui.fleet_only = false;
            }
        }
        KeyCode::Esc | KeyCode::Char('F') if !p.ui.fleet_only => p.ui.fleet_open = false,
        _ => {}
    }
    Some((vec![Effect::Redraw], chosen))
}

/// Attaches the dashboard to a fleet instance (`enter` in the fleet view, or the password
/// typed after its AUTH failed): a new target with the command line's credentials and TLS
/// (the typed password instead, when given), selected, with a poller of its own (the app
/// stops the others: `Effect::Attach`); the Prometheus figures follow its `instance` label.
/// An instance label that is not a Redis address reopens the fleet view with the reason.
pub fn attach(state: &mut State, instance: &str, password: Option<Secret>) -> Vec<Effect> {
    let Some(p) = state.prom.as_mut() else {
        return Vec::new();
    };
    let url = if instance.contains("://") {
        instance.to_string()
    } else {
        format!("redis://{instance}")
    };
    let mut target = match crate::target::parse_url(&url) {
        Ok(t) => t,
        Err(e) => {
            p.ui.fleet_open = true;
            p.fleet.error = Some(format!(
                "cannot attach to instance \"{instance}\": {e} (the instance label must be the Redis address)"
            ));
            return vec![
                Effect::PromPoll {
                    fleet: true,
                    selector: None,
                },
                Effect::Redraw,
            ];
        }
    };
    target.user.clone_from(&p.base.user);
    target.password.clone_from(&p.base.password);
    target.tls.clone_from(&p.base.tls);
    let typed = password.is_some();
    if let Some(pw) = password {
        target.password = Some(pw);
    }
    p.attached = Some((instance.to_string(), typed));
    let selector = format!(
        "instance=\"{}\"",
        crate::prom::queries::quote_label(instance)
    );
    p.reset_instance(selector.clone());
    let fleet = p.ui.fleet_open;
    let id = state.instances.len();
    state
        .instances
        .push(super::instance::Instance::new(target.display(), state.now));
    // Actions act on `targets[selected]`: keep it in step with the attached instance.
    state.targets.truncate(id);
    while state.targets.len() < id {
        state.targets.push(target.clone());
    }
    state.targets.push(target.clone());
    state.selected = id;
    state.frozen = None;
    vec![
        Effect::Attach {
            id,
            target: Box::new(target),
        },
        Effect::PromPoll {
            fleet,
            selector: Some(selector),
        },
        Effect::Redraw,
    ]
}
