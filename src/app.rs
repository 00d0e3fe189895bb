//! The TUI event loop: pollers, keyboard and a 1 s clock feed one channel; `update` changes the
//! state; the screen is redrawn only when something changed.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::collect::poller::Poller;
use crate::model::state::{Effect, State, update};
use crate::msg::Msg;
use crate::target::{PollSettings, Target, Thresholds};
use crate::ui::{self, theme::Theme};

/// Messages buffered between the sources and the loop.
const CHANNEL: usize = 1024;

/// Restores the terminal when dropped (normal exit, `?` error, unwinding panic).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Installs a panic hook that restores the terminal, prints the panic, runs the registered
/// cleanup (demo server) and exits, so a panic in any task never leaves a raw terminal behind.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        previous(info);
        crate::demo::cleanup_on_exit();
        std::process::exit(101);
    }));
}

/// Starts one poller per target; the handles stop them (attaching elsewhere from the fleet).
pub fn spawn_pollers(
    targets: &[Target],
    poll: &PollSettings,
    tx: &mpsc::Sender<Msg>,
) -> Vec<tokio::task::JoinHandle<()>> {
    targets
        .iter()
        .enumerate()
        .map(|(id, t)| {
            let poller = Poller::new(id, t.clone(), poll.clone(), tx.clone());
            tokio::spawn(poller.run())
        })
        .collect()
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

fn spawn_clock(tx: mpsc::Sender<Msg>) {
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

/// Runs the dashboard until the user quits.
pub async fn run_tui(
    targets: Vec<Target>,
    poll: PollSettings,
    thresholds: Thresholds,
    color: bool,
) -> color_eyre::Result<ExitCode> {
    run_tui_with(targets, poll, thresholds, color, None).await
}

/// Runs the dashboard, with Prometheus when `prom` is given (`fleet_only`: no target, the
/// fleet table first).
pub async fn run_tui_with(
    targets: Vec<Target>,
    poll: PollSettings,
    thresholds: Thresholds,
    color: bool,
    prom: Option<crate::prom::runtime::PromLaunch>,
) -> color_eyre::Result<ExitCode> {
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "redtriage: the dashboard needs a terminal; for scripts use `redtriage snapshot --json` or `redtriage check`"
        );
        return Ok(ExitCode::from(2));
    }
    let (tx, mut rx) = mpsc::channel(CHANNEL);
    let displays = targets.iter().map(Target::display).collect();
    let mut state = State::new(displays, thresholds, Instant::now());
    let theme = if color {
        Theme::from_env()
    } else {
        Theme::new(false)
    };
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    install_panic_hook();
    let tasks = spawn_pollers(&targets, &poll, &tx);
    let mut prom_rt = match &prom {
        Some(launch) => {
            let rt = crate::prom::runtime::PromRuntime::start(
                launch,
                poll.clone(),
                tasks,
                &tx,
                &mut state,
            );
            Some(rt.map_err(|e| color_eyre::eyre::eyre!("--prometheus: {e}"))?)
        }
        None => None,
    };
    spawn_input(tx.clone());
    spawn_clock(tx.clone());
    spawn_signals(tx.clone());
    drop(tx);
    let mut dirty = true;
    loop {
        if dirty {
            let width = terminal.size().map_or(200, |s| s.width as usize);
            if let Some(snap) = state.view(width) {
                terminal.draw(|f| ui::draw(f, &snap, &state.ui, &theme))?;
            } else if let Some(pv) = state.prom_view(None) {
                terminal.draw(|f| ui::fleet::draw_alone(f, &pv, &state.ui, &theme))?;
            }
            dirty = false;
        }
        let Some(msg) = rx.recv().await else {
            break;
        };
        let mut quit = false;
        // Apply everything already queued before drawing once.
        let mut next = Some(msg);
        while let Some(m) = next {
            for effect in update(&mut state, m) {
                match effect {
                    Effect::Quit => quit = true,
                    Effect::Redraw => dirty = true,
                }
            }
            next = rx.try_recv().ok();
        }
        if let Some(rt) = prom_rt.as_mut() {
            rt.sync(&mut state);
        }
        if quit {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
