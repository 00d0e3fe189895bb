//! The one `State` and the one pure `update(&mut State, Msg) -> Vec<Effect>`.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::derive::ViewOptions;
use super::instance::Instance;
use super::ui_state::{PaneId, UiState};
use super::view::Snapshot;
use crate::msg::{Msg, TargetId};
use crate::target::Thresholds;

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
}

/// What `update` asks the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// The screen must be redrawn.
    Redraw,
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
    /// Prometheus figures, alerts and fleet, when `--prometheus` is given.
    pub prom: Option<super::prom::PromState>,
}

/// Maps a key press to a command. Only `Press` events count.
pub fn command_for(key: KeyEvent) -> Option<Command> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Command::Quit,
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
        KeyCode::Esc => Command::Close,
        KeyCode::Char(c @ '1'..='6') => {
            let i = (c as usize) - ('1' as usize);
            Command::Jump(PaneId::ALL[i])
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
    pub fn new(displays: Vec<String>, thresholds: Thresholds, now: Instant) -> Self {
        Self {
            instances: displays
                .into_iter()
                .map(|d| Instance::new(d, now))
                .collect(),
            selected: 0,
            ui: UiState::default(),
            thresholds,
            now,
            frozen: None,
            prom: None,
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
        snap.prometheus = self.prom_view(Some(&snap.header));
        Some(snap)
    }

    /// The Prometheus part of the view, beside the direct header when there is one.
    pub fn prom_view(
        &self,
        header: Option<&super::view::Header>,
    ) -> Option<super::prom_view::PromView> {
        let p = self.prom.as_ref()?;
        Some(p.view(self.now, header, &self.thresholds))
    }

    fn apply(&mut self, cmd: Command) -> Vec<Effect> {
        let ui = &mut self.ui;
        if ui.help && !matches!(cmd, Command::Quit) {
            // The help overlay swallows keys; any key closes it.
            ui.help = false;
            return vec![Effect::Redraw];
        }
        let (row, col) = grid(ui.focus);
        match cmd {
            Command::Quit => return vec![Effect::Quit],
            Command::ToggleHelp => ui.help = true,
            Command::FocusNext => ui.focus = ui.focus.next(),
            Command::FocusPrev => ui.focus = ui.focus.prev(),
            Command::FocusLeft => ui.focus = at_grid(row, col.saturating_sub(1)),
            Command::FocusRight => ui.focus = at_grid(row, col + 1),
            Command::FocusUp => ui.focus = at_grid(row.saturating_sub(1), col),
            Command::FocusDown => ui.focus = at_grid(row + 1, col),
            Command::ToggleZoom => ui.zoomed = !ui.zoomed,
            Command::Close => ui.zoomed = false,
            Command::Jump(p) => ui.focus = p,
            Command::TogglePause => {
                ui.paused = !ui.paused;
                self.frozen = if self.ui.paused {
                    self.view(crate::model::ring::HOUR_AT_1S).map(Box::new)
                } else {
                    None
                };
            }
        }
        vec![Effect::Redraw]
    }
}

/// The one update function: no I/O, no clock reads.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if let Some(effects) = super::prom::on_key(state, key) => effects,
        Msg::Key(key) => match command_for(key) {
            Some(cmd) => state.apply(cmd),
            None => Vec::new(),
        },
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
            vec![Effect::Redraw]
        }
        Msg::Prom(m) => super::prom::on_msg(state, *m),
        Msg::Sample { target, sample } => {
            state.now = state.now.max(sample.at);
            if let Some(inst) = state.instances.get_mut(target) {
                inst.on_sample(*sample);
            }
            vec![Effect::Redraw]
        }
    }
}
