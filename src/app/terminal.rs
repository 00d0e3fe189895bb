//! The terminal, shared by the dashboard and the replay: raw mode with a guard that restores
//! it (normal exit, `?` error, unwinding panic), the panic hook, keys and resizes, outside
//! signals, the 1 s clock, and one frame drawn from the state.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::model::state::State;
use crate::msg::Msg;
use crate::ui::{self, theme::Theme};

/// The terminal in raw mode; dropping it gives the terminal back.
pub struct Terminal {
    inner: ratatui::DefaultTerminal,
    _guard: TerminalGuard,
}

impl Terminal {
    /// Raw mode and the alternate screen, the panic hook, and the tasks that send keys,
    /// resizes and outside signals (as ctrl+c) to `tx`.
    pub fn start(tx: &mpsc::Sender<Msg>) -> Self {
        let inner = ratatui::init();
        let guard = TerminalGuard;
        install_panic_hook();
        spawn_input(tx.clone());
        spawn_signals(tx.clone());
        Self {
            inner,
            _guard: guard,
        }
    }

    /// Draws one frame; `badge` (text, alarm) goes at the top right of the header (the
    /// replay's position, a recording that stopped).
    pub fn draw(
        &mut self,
        state: &State,
        theme: Theme,
        badge: Option<(&str, bool)>,
    ) -> std::io::Result<()> {
        draw(&mut self.inner, state, theme, badge)
    }
}

/// A temp dir the panic hook removes (the demo's or a drill's throwaway server).
static REMOVE_ON_PANIC: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Registers (or with `None` forgets) the dir the panic hook removes.
pub fn remove_on_panic(dir: Option<PathBuf>) {
    if let Ok(mut g) = REMOVE_ON_PANIC.lock() {
        *g = dir;
    }
}

/// Removes the registered dir, if any.
pub fn remove_registered_dir() {
    if let Ok(mut g) = REMOVE_ON_PANIC.lock()
        && let Some(dir) = g.take()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Restores the terminal when dropped (normal exit, `?` error, unwinding panic).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Installs a panic hook that runs the registered cleanup (demo/drill temp dir), restores the
/// terminal, prints the panic and exits, so a panic in any task never leaves a raw terminal
/// behind.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // First: restoring a hung-up terminal can panic again (eprintln on EIO) and abort.
        remove_registered_dir();
        ratatui::restore();
        previous(info);
        std::process::exit(101);
    }));
}

fn spawn_input(tx: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            let msg = match ev {
                Event::Key(k) => Msg::Key(k),
                Event::Resize(..) => Msg::Resize,
                _ => continue,
            };
            if tx.send(msg).await.is_err() {
                return;
            }
        }
    });
}

/// SIGINT/SIGTERM/SIGHUP from outside (the terminal's ctrl+c is a key in raw mode) quit
/// cleanly, so the terminal is restored and the demo server and its dir are removed.
fn spawn_signals(tx: mpsc::Sender<Msg>) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let quit = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let _ = tx.send(Msg::Key(quit)).await;
    });
}

pub fn spawn_clock(tx: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let mut t = tokio::time::interval(Duration::from_secs(1));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            t.tick().await;
            if tx.send(Msg::Tick(Instant::now())).await.is_err() {
                return;
            }
        }
    });
}

/// Draws one frame; `badge` (text, alarm) goes at the top right of the header (the replay's
/// position, a recording that stopped).
fn draw(
    terminal: &mut ratatui::DefaultTerminal,
    state: &State,
    theme: Theme,
    badge: Option<(&str, bool)>,
) -> std::io::Result<()> {
    let width = terminal.size().map_or(200, |s| s.width as usize);
    let rows = terminal.size().map_or(10, |s| usize::from(s.height / 3));
    let actions = state.actions_view(state.now, rows);
    let paint = |f: &mut ratatui::Frame| {
        if let Some((text, alarm)) = badge {
            ui::badge(f, text, alarm, theme);
        }
    };
    // The badge's columns (its text, a space each side, one apart from the line).
    let reserve = badge.map_or(0, |(t, _)| t.chars().count() + 3);
    let ui_state = crate::model::ui_state::UiState {
        header_reserve: u16::try_from(reserve).unwrap_or(u16::MAX),
        ..state.ui.clone()
    };
    if let Some(snap) = state.view(width) {
        terminal.draw(|f| {
            ui::draw(f, &snap, &ui_state, &actions, &theme);
            ui::comms::render(f, state.comms.overlay.as_ref(), theme);
            paint(f);
        })?;
    } else if let Some(pv) = state.prom_view(None) {
        terminal.draw(|f| {
            ui::fleet::draw_alone(f, &pv, &state.ui, &theme);
            paint(f);
        })?;
    }
    Ok(())
}
