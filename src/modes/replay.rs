//! `redtriage replay FILE [--speed N]`: the dashboard fed from a recording instead of pollers.
//! The recorded messages go through the same `update` with their instants rebuilt around one
//! base, so the panes are the ones the live run showed. Nothing is polled, no action runs
//! (every action is disabled with the reason "replay"), nothing goes to the incident log.
//!
//! Keys besides the dashboard's: `+` doubles the speed, `-` halves it, space pauses the feed
//! (`p` still freezes the screen). The header shows `REPLAY 4× 00:12:31/00:30:00`; at the end
//! the last frame stays until `q`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEventKind};
use tokio::sync::mpsc;

use crate::app::terminal::Terminal;
use crate::model::state::{Effect, State, update};
use crate::msg::Msg;
use crate::record::feed::{Feed, Speed};
use crate::record::reader::Recording;
use crate::target::Target;
use crate::ui::theme::Theme;

/// Messages fed per loop turn at `--speed max`, so keys and redraws still get their turn.
const MAX_CHUNK: usize = 500;

/// The state a replay starts from: one instance per recorded target, named as recorded, the
/// recording's thresholds, every action disabled.
pub fn initial_state(rec: &Recording) -> State {
    // The recorded addresses (a group replayed follows its failovers from them).
    let targets: Vec<Target> = (rec.header.targets.iter())
        .map(|t| crate::target::parse_url(t).unwrap_or_else(|_| Target::local_default()))
        .collect();
    let thresholds = rec.header.thresholds.clone().unwrap_or_default();
    let mut state = State::new(&targets, thresholds, rec.base);
    for (inst, name) in state.instances.iter_mut().zip(&rec.header.targets) {
        inst.display = crate::escape::plain_str(name);
    }
    state.actions.disabled = Some("replay".into());
    state.group = (rec.header.group.as_ref()).map(|g| Box::new(g.state()));
    state
}

/// Feeds every message of `rec` to a fresh state (what the replay shows at its end).
pub fn replay_all(rec: &Recording) -> State {
    let mut state = initial_state(rec);
    for (_, msg) in &rec.msgs {
        update(&mut state, msg.clone());
    }
    state
}

/// Runs the replay TUI until `q`.
pub async fn run(path: &Path, speed: Speed, color: bool) -> color_eyre::Result<ExitCode> {
    use std::io::IsTerminal as _;
    let rec = match crate::record::reader::load(path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("redtriage: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(w) = &rec.warning {
        eprintln!("redtriage: {w}");
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("redtriage: replay needs a terminal");
        return Ok(ExitCode::from(2));
    }
    let mut state = initial_state(&rec);
    let theme = if color {
        Theme::from_env()
    } else {
        Theme::new(false)
    };
    let (tx, mut rx) = mpsc::channel(crate::app::CHANNEL);
    let mut terminal = Terminal::start(&tx);
    drop(tx);
    let mut feed = Feed::new(&rec, speed, tokio::time::Instant::now());
    let mut dirty = true;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    loop {
        if dirty {
            let mark = feed.mark(tokio::time::Instant::now());
            terminal.draw(&state, theme, Some((&mark, false)))?;
            dirty = false;
        }
        let wake = feed.next_wake(tokio::time::Instant::now());
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                if on_input(&mut state, &mut feed, msg, &mut dirty) {
                    break;
                }
            }
            () = sleep_until(wake) => {
                let now = tokio::time::Instant::now();
                for i in feed.due(now, MAX_CHUNK) {
                    update(&mut state, rec.msgs[i].1.clone());
                }
                dirty = true;
            }
            _ = clock.tick() => dirty = true,
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn sleep_until(wake: Option<tokio::time::Instant>) {
    match wake {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// A key (or resize) in the replay: the feed's own keys, else the dashboard's. True to quit.
fn on_input(state: &mut State, feed: &mut Feed, msg: Msg, dirty: &mut bool) -> bool {
    let overlay = state.actions.dialog.is_some() || state.actions.palette.is_some();
    if let Msg::Key(k) = &msg
        && k.kind == KeyEventKind::Press
        && !overlay
        && !state.ui.help
    {
        let now = tokio::time::Instant::now();
        match k.code {
            KeyCode::Char('+') => feed.faster(now),
            KeyCode::Char('-') => feed.slower(now),
            KeyCode::Char(' ') => feed.toggle_pause(now),
            // The stability watch probes the live server: nothing to probe in a replay.
            KeyCode::Char('w') => {}
            _ => return apply(state, msg, dirty),
        }
        *dirty = true;
        return false;
    }
    apply(state, msg, dirty)
}

/// `update`, keeping only the effects a replay has: quit and redraw.
fn apply(state: &mut State, msg: Msg, dirty: &mut bool) -> bool {
    let mut quit = false;
    for effect in update(state, msg) {
        match effect {
            Effect::Quit => quit = true,
            Effect::Redraw => *dirty = true,
            Effect::Clipboard(text) => crate::app::comms_io::copy(&text),
            Effect::RunAction { .. }
            | Effect::Probe { .. }
            | Effect::Log(_)
            | Effect::SaveText { .. }
            | Effect::CancelAction { .. }
            | Effect::Attach { .. }
            | Effect::PromPoll { .. }
            | Effect::PromRunId(_)
            | Effect::GroupPlan(_)
            | Effect::Report => {}
        }
    }
    quit
}
