//! The one `State` and the one pure `update(&mut State, Msg) -> Vec<Effect>`.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::actions::ActionsState;
use super::instance::Instance;
use super::snapshot::ViewOptions;
use super::ui_state::{PaneId, UiState};
use super::view::Snapshot;
use crate::msg::{Msg, TargetId};
use crate::runbook::spec::Runbook;
use crate::target::{Target, Thresholds};

/// What the user asked for (a key maps to one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    ToggleHelp,
    FocusNext,
    FocusPrev,
    FocusLeft,
    FocusRight,
    FocusUp,
    FocusDown,
    ToggleZoom,
    TogglePause,
    Jump(PaneId),
    Close,
    /// `a`: the action palette.
    Palette,
    /// `w`: start (or restart) the stability watch.
    Watch,
    /// `o`: show/hide the action output panel.
    ToggleOutput,
    /// `t`: show/hide the timeline panel.
    ToggleTimeline,
    /// `g`: in the zoomed clients pane, list single clients instead of groups.
    ToggleClientRows,
    /// `c`: the communication overlay (the runbook's incident messages, filled).
    Comms,
    /// `ctrl+r`: write the postmortem report of this session.
    Report,
    /// `PageUp` / `PageDown`: scroll the output panel.
    ScrollOutput(i32),
    /// `d`: show/hide the Diagnosis pane.
    Diagnosis,
    /// `r`: show/hide the Runbook pane.
    Runbook,
    /// `C`: show/hide the Container pane.
    Container,
    /// `T`: show/hide the Topology pane.
    Topology,
    /// `x`: cancel the running action (asks first).
    CancelAction,
    /// A runbook action's direct key.
    Action(char),
}

/// What `update` asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// The screen must be redrawn.
    Redraw,
    /// Run a confirmed action in its own task.
    RunAction {
        run: u64,
        prepared: Box<crate::runbook::prepare::Prepared>,
    },
    /// Run the validation probe for the stability watch (result as `Msg::Action`).
    Probe {
        run: u64,
        /// The target being watched.
        target: Option<Target>,
    },
    /// Append to the incident log (the app stamps the time).
    Log(Box<crate::model::log_event::LogEvent>),
    /// Copy to the terminal's clipboard with OSC 52.
    Clipboard(String),
    /// Save a message to `<incident dir>/comms/<UTC time>-<name>.txt` (answer: `Msg::Written`).
    SaveText {
        name: &'static str,
        text: String,
    },
    /// Write the postmortem report of this session off the UI thread (`Msg::Written`).
    Report,
    /// Cancel run `run` (its `Done` comes back as usual, saying it was cancelled).
    CancelAction {
        run: u64,
    },
    /// Stop the Redis pollers and start one on `target`, as target `id` (attached from the
    /// fleet view; the state already selects it).
    Attach {
        id: TargetId,
        target: Box<Target>,
    },
    /// Tell the group source what to poll (the Sentinels, the replicas, the old master).
    GroupPlan(Box<crate::collect::group::supervisor::GroupPlan>),
    /// Tell the Prometheus poller what to poll: the fleet while its view is open; with a
    /// `selector`, the attached instance's series from now on (backfilled again).
    PromPoll {
        fleet: bool,
        selector: Option<String>,
    },
    /// Tell the Prometheus poller the attached server's run id: with a guessed selector it
    /// looks the instance up by it.
    PromRunId(String),
}

/// Everything the app knows.
#[derive(Debug, Clone)]
pub struct State {
    pub instances: Vec<Instance>,
    pub selected: TargetId,
    pub ui: UiState,
    pub thresholds: Thresholds,
    /// Latest clock reading received (from a Tick or a message).
    pub now: Instant,
    /// The view frozen by `p`.
    pub frozen: Option<Box<Snapshot>>,
    /// The targets (for actions: placeholders and the connection).
    pub targets: Vec<Target>,
    pub actions: ActionsState,
    /// This machine's RAM (maxmemory above it is refused).
    pub machine_ram: Option<u64>,
    /// The CONFIG command's name (`--config-command`), for the actions that send it.
    pub config_command: String,
    /// Who runs the actions (`$USER`), for the incident log.
    pub user: Option<String>,
    /// Prometheus figures, alerts and fleet, when `--prometheus` is given.
    pub prom: Option<super::prom::PromState>,
    /// The container behind the Redis, when the Docker source runs.
    pub docker: Option<super::docker::DockerState>,
    /// The communication templates, the first fault seen, the overlay.
    pub comms: super::comms::Comms,
    /// The replication group and its Sentinels, when the group source runs.
    pub group: Option<Box<super::group::GroupState>>,
}

/// Maps a key press to a command. Only `Press` events count.
pub fn command_for(key: KeyEvent) -> Option<Command> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Command::Quit,
        KeyCode::Char('r') if ctrl => Command::Report,
        KeyCode::Char('q') => Command::Quit,
        KeyCode::Char('?') => Command::ToggleHelp,
        KeyCode::Tab => Command::FocusNext,
        KeyCode::BackTab => Command::FocusPrev,
        KeyCode::Left | KeyCode::Char('h') => Command::FocusLeft,
        KeyCode::Right | KeyCode::Char('l') => Command::FocusRight,
        KeyCode::Up | KeyCode::Char('k') => Command::FocusUp,
        KeyCode::Down | KeyCode::Char('j') => Command::FocusDown,
        KeyCode::Enter => Command::ToggleZoom,
        KeyCode::Char('p') => Command::TogglePause,
        KeyCode::Char('a') => Command::Palette,
        KeyCode::Char('w') => Command::Watch,
        KeyCode::Char('o') => Command::ToggleOutput,
        KeyCode::Char('t') => Command::ToggleTimeline,
        KeyCode::Char('g') => Command::ToggleClientRows,
        KeyCode::Char('c') => Command::Comms,
        KeyCode::Char('d') => Command::Diagnosis,
        KeyCode::Char('r') => Command::Runbook,
        KeyCode::Char('C') => Command::Container,
        KeyCode::Char('T') => Command::Topology,
        KeyCode::Char('x') => Command::CancelAction,
        KeyCode::PageUp => Command::ScrollOutput(10),
        KeyCode::PageDown => Command::ScrollOutput(-10),
        KeyCode::Esc => Command::Close,
        KeyCode::Char(c @ '1'..='6') => {
            let i = (c as usize) - ('1' as usize);
            Command::Jump(PaneId::ALL[i])
        }
        KeyCode::Char(c) if !ctrl && !crate::runbook::RESERVED_KEYS.contains(&c) => {
            Command::Action(c)
        }
        _ => return None,
    })
}

/// Grid position (row, col) of a pane in the 3×2 layout.
fn grid(p: PaneId) -> (usize, usize) {
    let i = p.index();
    (i / 2, i % 2)
}

fn at_grid(row: usize, col: usize) -> PaneId {
    PaneId::ALL[(row.min(2) * 2 + col.min(1)).min(5)]
}

impl State {
    pub fn new(targets: &[Target], thresholds: Thresholds, now: Instant) -> Self {
        Self {
            instances: targets
                .iter()
                .map(|t| Instance::new(t.display(), now))
                .collect(),
            targets: targets.to_vec(),
            actions: ActionsState::new(Runbook::default_runbook(), false),
            machine_ram: None,
            config_command: "CONFIG".into(),
            user: None,
            selected: 0,
            ui: UiState::default(),
            thresholds,
            now,
            frozen: None,
            prom: None,
            docker: None,
            comms: super::comms::Comms::default(),
            group: None,
        }
    }

    /// The view of the selected target (the frozen one while paused).
    pub fn view(&self, spark_len: usize) -> Option<Snapshot> {
        if let Some(f) = &self.frozen {
            return Some((**f).clone());
        }
        let inst = self.instances.get(self.selected)?;
        let mut snap = inst.snapshot(
            self.now,
            ViewOptions {
                thresholds: &self.thresholds,
                spark_len,
                paused: self.ui.paused,
            },
        );
        self.decorate(inst, &mut snap);
        snap.prometheus = self.prom_view(Some(&snap.header));
        snap.container = self.docker.as_ref().map(|d| d.view(self.now, &snap));
        self.topology(inst, &mut snap);
        self.diagnose(inst, &mut snap);
        Some(snap)
    }

    /// The Prometheus part of the view, beside the direct header when there is one.
    pub fn prom_view(
        &self,
        header: Option<&super::view::Header>,
    ) -> Option<super::prom::view::PromView> {
        let p = self.prom.as_ref()?;
        Some(p.view(self.now, header, &self.thresholds))
    }

    /// Ranks the runbook's causes on the evidence of `snap` (and the instance's history).
    fn diagnose(&self, inst: &Instance, snap: &mut Snapshot) {
        let rb = &self.actions.runbook;
        let facts = super::diagnosis::signals::facts(snap, inst);
        let mut d = super::diagnosis::diagnose(&rb.causes, &rb.rules, &facts, &inst.diag, self.now);
        super::diagnosis::explain_unknown(
            &mut d.causes,
            &rb.rules,
            &super::diagnosis::signals::unknowable(snap),
        );
        // Nothing can run in a replay: no offers (what runs is of the present, not recorded).
        if self.actions.disabled.is_none() {
            let up = snap.header.connection == super::view::ConnState::Up;
            self.offer(&mut d.causes, &facts, up);
        }
        snap.diagnosis = d.causes;
        snap.diag_fired = d.fired;
        snap.diag_holding = d.holding;
    }

    /// Keeps since when each rule holds, from the view just built for `target`.
    pub fn track_diagnosis(&mut self, target: TargetId, snap: &Snapshot, at: Instant) {
        let Some(inst) = self.instances.get_mut(target) else {
            return;
        };
        inst.diag.track(&snap.diag_fired, &snap.diag_holding, at);
    }

    /// Adds what the model knows beyond the instance: watch, log error, running action,
    /// action markers, the clients-pane selection.
    fn decorate(&self, inst: &Instance, snap: &mut Snapshot) {
        let a = &self.actions;
        snap.header.watch = a.watch.as_ref().map(|w| w.view(self.now));
        snap.header.log_error.clone_from(&a.log_error);
        snap.header.running_action = a.running.as_ref().map(|r| {
            (
                r.name.clone(),
                self.now.saturating_duration_since(r.started).as_secs(),
            )
        });
        snap.marks_ago = a
            .marks
            .iter()
            .rev()
            .filter(|(t, _)| *t == self.selected)
            .map(|(_, at)| {
                usize::try_from(inst.samples_total.saturating_sub(*at)).unwrap_or(usize::MAX)
            })
            .collect();
        snap.clients.selected = self.ui.client_sel.as_ref().map(|s| match s {
            super::select::ClientSel::Group { by, key } => format!("group:{by}:{key}"),
            super::select::ClientSel::Client { id } => format!("client:{id}"),
        });
        if self.ui.client_rows
            && let Some(crate::collect::types::ClientListResult::Listed { clients }) =
                &inst.clients.value
        {
            let mut rows = clients.clone();
            rows.sort_unstable_by_key(|c| c.id);
            snap.clients.rows = Some(rows);
        }
    }

    fn apply(&mut self, cmd: Command) -> Vec<Effect> {
        let ui = &mut self.ui;
        if ui.help && !matches!(cmd, Command::Quit) {
            // The help overlay swallows keys; any key closes it.
            ui.help = false;
            return vec![Effect::Redraw];
        }
        let selecting = ui.zoomed && ui.focus == PaneId::Clients;
        let (row, col) = grid(ui.focus);
        match cmd {
            Command::Quit => return vec![Effect::Quit],
            Command::ToggleHelp => ui.help = true,
            Command::FocusNext => ui.focus = ui.focus.next(),
            Command::FocusPrev => ui.focus = ui.focus.prev(),
            Command::FocusUp if selecting => self.move_client_sel(-1),
            Command::FocusDown if selecting => self.move_client_sel(1),
            Command::FocusLeft => ui.focus = at_grid(row, col.saturating_sub(1)),
            Command::FocusRight => ui.focus = at_grid(row, col + 1),
            Command::FocusUp => ui.focus = at_grid(row.saturating_sub(1), col),
            Command::FocusDown => ui.focus = at_grid(row + 1, col),
            Command::ToggleZoom => ui.zoomed = !ui.zoomed,
            Command::Close if ui.body != super::ui_state::Body::Grid => {
                ui.body = super::ui_state::Body::Grid;
            }
            Command::Close => {
                if self.actions.panel == super::actions::Panel::None {
                    ui.zoomed = false;
                } else {
                    self.actions.panel = super::actions::Panel::None;
                }
            }
            Command::Jump(p) => ui.focus = p,
            Command::TogglePause => {
                ui.paused = !ui.paused;
                self.frozen = if self.ui.paused {
                    self.view(crate::model::ring::HOUR_AT_1S).map(Box::new)
                } else {
                    None
                };
            }
            other => return self.apply_action_command(other),
        }
        vec![Effect::Redraw]
    }

    fn apply_action_command(&mut self, cmd: Command) -> Vec<Effect> {
        use super::actions::Panel;
        let a = &mut self.actions;
        match cmd {
            Command::Palette => self.open_palette(),
            Command::Watch => self.start_watch(self.now),
            Command::Comms => return self.open_comms(),
            Command::Report => return self.request_report(),
            Command::ToggleOutput => {
                a.panel = if a.panel == Panel::Output {
                    Panel::None
                } else {
                    Panel::Output
                }
            }
            Command::ToggleTimeline => {
                a.panel = if a.panel == Panel::Timeline {
                    Panel::None
                } else {
                    Panel::Timeline
                };
            }
            Command::Diagnosis => return self.toggle_body(super::ui_state::Body::Diagnosis),
            Command::Runbook => return self.toggle_body(super::ui_state::Body::Runbook),
            Command::Container => return self.toggle_body(super::ui_state::Body::Container),
            Command::Topology => return self.toggle_body(super::ui_state::Body::Topology),
            Command::CancelAction => self.open_cancel(),
            Command::ToggleClientRows => {
                self.ui.client_rows = !self.ui.client_rows;
                self.ui.client_sel = None;
            }
            Command::ScrollOutput(d) => {
                // PgUp/PgDn scroll whichever panel is open.
                let (scroll, max) = if a.panel == Panel::Timeline {
                    (&mut a.timeline_scroll, a.timeline.len().saturating_sub(1))
                } else {
                    (&mut a.output_scroll, a.output.len())
                };
                *scroll = scroll.saturating_add_signed(d as isize).min(max);
            }
            Command::Action(c) => {
                let name = a
                    .runbook
                    .actions
                    .iter()
                    .find(|s| s.key == Some(c))
                    .map(|s| s.name.clone());
                if let Some(name) = name {
                    return self.open_action(&name);
                }
                return Vec::new();
            }
            _ => {}
        }
        vec![Effect::Redraw]
    }
}

/// The one update function: no I/O, no clock reads.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Press => Vec::new(),
        // The overlay is drawn on top: it takes the keys even when a dialog opened under it
        // (the CONFIG REWRITE offer after an action), so `y` copies and never confirms.
        Msg::Key(key) if state.comms.overlay.is_some() => state.comms_key(key),
        Msg::Key(key) if state.actions.dialog.is_some() => state.dialog_key(key),
        Msg::Key(key) if state.actions.palette.is_some() => state.palette_key(key),
        // Help is on top of the panes: any key closes it (`q` still quits), also one that is
        // bound to nothing or that a pane would take.
        Msg::Key(key) if state.ui.help => {
            if let Some(cmd) = command_for(key) {
                state.apply(cmd)
            } else {
                state.ui.help = false;
                vec![Effect::Redraw]
            }
        }
        Msg::Key(key) if let Some(effects) = super::prom::on_key(state, key) => effects,
        Msg::Key(key) if let Some(effects) = state.body_key(key) => effects,
        Msg::Key(key) => match command_for(key) {
            Some(cmd) => state.apply(cmd),
            None => Vec::new(),
        },
        Msg::Action { run, at, event } => {
            state.now = state.now.max(at);
            state.on_action(run, at, event)
        }
        Msg::ActionStarted {
            run,
            at,
            name,
            mitigation,
        } => {
            state.now = state.now.max(at);
            state.replayed_start(run, at, name, mitigation);
            vec![Effect::Redraw]
        }
        Msg::Log(status) => {
            let at = state.now;
            state.actions.on_log_status(at, status);
            vec![Effect::Redraw]
        }
        Msg::Written { what, result } => state.on_written(what, result),
        Msg::Resize => vec![Effect::Redraw],
        Msg::Tick(now) => {
            state.now = state.now.max(now);
            vec![Effect::Redraw]
        }
        Msg::Link { target, at, event } => {
            state.now = state.now.max(at);
            if let Some(inst) = state.instances.get_mut(target) {
                inst.on_link(at, event);
            }
            state.ask_attach_password();
            let mut effects = state.after_sample(at);
            let a = &state.actions;
            (state.comms).observe(at, a.last_state.as_deref(), a.last_health.as_deref());
            effects.push(Effect::Redraw);
            effects
        }
        Msg::Prom(m) => super::prom::on_msg(state, *m),
        Msg::Docker(m) => state.on_docker(&m),
        Msg::Group(e) => state.on_group(*e),
        Msg::Sample { target, sample } => {
            let at = sample.at;
            state.now = state.now.max(at);
            if let Some(inst) = state.instances.get_mut(target) {
                inst.on_sample(*sample);
                inst.settle(at, &state.thresholds);
            }
            let mut effects = state.after_sample(at);
            let a = &state.actions;
            (state.comms).observe(at, a.last_state.as_deref(), a.last_health.as_deref());
            effects.extend(state.replan());
            effects.push(Effect::Redraw);
            effects
        }
    }
}
