//! The TUI event loop: pollers, keyboard and a 1 s clock feed one channel; `update` changes the
//! state; the screen is redrawn only when something changed.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use std::path::PathBuf;

use crate::actions::log_writer::LogWriter;
use crate::actions::runner::{self, Sink};
use crate::collect::poller::Poller;
use crate::model::actions::ActionsState;
use crate::model::log_event::LogEvent;
use crate::model::state::{Effect, State, update};
use crate::msg::Msg;
use crate::runbook::spec::{ActionSpec, Runbook};
use crate::target::{PollSettings, Target, Thresholds};
use crate::ui::{self, theme::Theme};

/// Messages buffered between the sources and the loop.
pub(crate) const CHANNEL: usize = 1024;

/// Restores the terminal when dropped (normal exit, `?` error, unwinding panic).
pub(crate) struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Installs a panic hook that runs the registered cleanup (demo/drill temp dir), restores the
/// terminal, prints the panic and exits, so a panic in any task never leaves a raw terminal
/// behind.
pub(crate) fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // First: restoring a hung-up terminal can panic again (eprintln on EIO) and abort.
        crate::demo::cleanup_on_exit();
        ratatui::restore();
        previous(info);
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

pub(crate) fn spawn_input(tx: mpsc::Sender<Msg>) {
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
pub(crate) fn spawn_signals(tx: mpsc::Sender<Msg>) {
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

/// What the dashboard needs besides the targets.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub poll: PollSettings,
    pub thresholds: Thresholds,
    pub color: bool,
    pub runbook: Runbook,
    pub read_only: bool,
    pub log_path: Option<PathBuf>,
    /// Prometheus, when `--prometheus` is given (`fleet_only`: start on the fleet table).
    pub prom: Option<crate::prom::runtime::PromLaunch>,
    /// The communication templates (shipped, or overridden; loaded before raw mode).
    pub templates: crate::model::comms::Templates,
    /// `--record FILE`: every sample, link event and clock tick goes there ([`crate::record`]).
    pub record: Option<PathBuf>,
    /// The Docker source, when a container can be looked for.
    pub docker: Option<crate::docker::types::DockerSettings>,
}

impl TuiOptions {
    /// Defaults around `poll` and `thresholds` (shipped runbook, no log).
    pub fn new(poll: PollSettings, thresholds: Thresholds, color: bool) -> Self {
        Self {
            poll,
            thresholds,
            color,
            runbook: Runbook::default_runbook(),
            read_only: false,
            log_path: None,
            prom: None,
            templates: crate::model::comms::Templates::default(),
            record: None,
            docker: None,
        }
    }
}

/// The state the loop starts with.
fn initial_state(targets: &[Target], opts: &TuiOptions) -> State {
    let mut state = State::new(targets, opts.thresholds.clone(), Instant::now());
    state.actions = ActionsState::new(opts.runbook.clone(), opts.read_only);
    state.config_command.clone_from(&opts.poll.config_command);
    state.actions.log_path = opts.log_path.as_ref().map(|p| p.display().to_string());
    state.machine_ram = crate::actions::size::machine_ram();
    state.docker = opts
        .docker
        .as_ref()
        .map(|_| crate::model::docker::DockerState::default());
    state.comms.templates = opts.templates.clone();
    state.user = crate::actions::log::user();
    state
}

/// Carries out the effects `update` asked for; returns true to quit.
fn run_effects(effects: Vec<Effect>, ctx: &EffectCtx, dirty: &mut bool) -> bool {
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => quit = true,
            Effect::Redraw => *dirty = true,
            Effect::RunAction { run, prepared } => {
                let sink = Sink::new(run, ctx.tx.clone());
                ctx.remember_cancel(run, &sink);
                let target = prepared
                    .target
                    .clone()
                    .unwrap_or_else(|| ctx.target.clone());
                let timeout = ctx.timeout;
                tokio::spawn(async move { runner::run(*prepared, target, timeout, sink).await });
            }
            Effect::Probe { run, target } => {
                let spec = ctx.probe.clone();
                let sink = Sink::new(run, ctx.tx.clone());
                let target = target.unwrap_or_else(|| ctx.target.clone());
                let timeout = ctx.timeout;
                if let Ok(p) = crate::runbook::prepare::prepare(
                    &spec,
                    &crate::runbook::prepare::Context::default(),
                    None,
                ) {
                    tokio::spawn(async move { runner::run(p, target, timeout, sink).await });
                }
            }
            Effect::Log(ev) => write_log(ctx, *ev),
            Effect::Clipboard(text) => crate::comms_io::copy(&text),
            Effect::SaveText { name, text } => {
                crate::comms_io::save(ctx.log_path.clone(), name, text, ctx.tx.clone());
            }
            Effect::Report => crate::comms_io::report(ctx.log_path.clone(), ctx.tx.clone()),
            Effect::CancelAction { run } => ctx.cancel(run),
        }
    }
    quit
}

/// Stamps and appends a log event off the UI path; a failure comes back as `Msg::Log`.
fn write_log(ctx: &EffectCtx, mut ev: LogEvent) {
    let Some(log) = &ctx.log else {
        return;
    };
    ev.time = crate::format::rfc3339(std::time::SystemTime::now());
    log.send(ev);
}

/// The incident log's writer thread; failed appends and the recovery come back as `Msg::Log`.
fn log_writer(path: Option<&PathBuf>, tx: &mpsc::Sender<Msg>) -> Option<LogWriter> {
    let tx = tx.clone();
    path.map(|p| {
        LogWriter::start(p.clone(), move |status| {
            // Never blocks the writer: at quit nobody reads the channel any more.
            let _ = tx.try_send(Msg::Log(status));
        })
    })
}

/// What the effect runner needs.
struct EffectCtx {
    tx: mpsc::Sender<Msg>,
    target: Target,
    timeout: Duration,
    log_path: Option<PathBuf>,
    /// Appends the incident log in order, off the UI path.
    log: Option<LogWriter>,
    probe: ActionSpec,
    /// The cancel of each action run still going (its runner holds the other end).
    cancels: std::cell::RefCell<Vec<(u64, std::sync::Arc<tokio::sync::Notify>)>>,
}

impl EffectCtx {
    /// Keeps `sink`'s cancel for `x`; forgets those whose run has ended (their runner and
    /// output pumps dropped their sinks).
    fn remember_cancel(&self, run: u64, sink: &Sink) {
        let mut c = self.cancels.borrow_mut();
        c.retain(|(_, n)| std::sync::Arc::strong_count(n) > 1);
        c.push((run, sink.cancel.clone()));
    }

    fn cancel(&self, run: u64) {
        if let Some((_, n)) = self.cancels.borrow().iter().find(|(r, _)| *r == run) {
            n.notify_one();
        }
    }
}

/// Runs the dashboard until the user quits.
pub async fn run_tui(targets: Vec<Target>, opts: TuiOptions) -> color_eyre::Result<ExitCode> {
    use std::io::IsTerminal as _;
    let prom = opts.prom.clone();
    let poll = opts.poll.clone();
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "redtriage: the dashboard needs a terminal; for scripts use `redtriage snapshot --json` or `redtriage check`"
        );
        return Ok(ExitCode::from(2));
    }
    let (tx, mut rx) = mpsc::channel(CHANNEL);
    let mut state = initial_state(&targets, &opts);
    let theme = if opts.color {
        Theme::from_env()
    } else {
        Theme::new(false)
    };
    let mut ctx = EffectCtx {
        tx: tx.clone(),
        target: targets
            .first()
            .cloned()
            .unwrap_or_else(Target::local_default),
        timeout: opts.poll.timeout,
        log_path: opts.log_path.clone(),
        log: log_writer(opts.log_path.as_ref(), &tx),
        probe: probe_spec(),
        cancels: std::cell::RefCell::default(),
    };
    let mut recorder = match crate::record::start(opts.record.as_deref(), &state) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("redtriage: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut terminal = ratatui::init();
    let guard = TerminalGuard;
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
    crate::docker::poller::spawn(opts.docker.as_ref(), &tx.clone().into());
    spawn_input(tx.clone());
    spawn_clock(tx.clone());
    spawn_signals(tx.clone());
    drop(tx);
    let shown = targets.first().map_or_else(String::new, Target::display);
    write_log(&ctx, session_event(&shown, "attached to"));
    let mut dirty = true;
    loop {
        if dirty {
            let badge = crate::record::stopped_badge(recorder.as_ref());
            draw(
                &mut terminal,
                &state,
                theme,
                badge.as_deref().map(|b| (b, true)),
            )?;
            dirty = false;
        }
        let Some(msg) = rx.recv().await else {
            break;
        };
        let mut quit = false;
        // Apply everything already queued before drawing once.
        let mut next = Some(msg);
        while let Some(m) = next {
            if let Some(r) = recorder.as_mut() {
                r.observe(&m);
            }
            let effects = update(&mut state, m);
            if let Some(r) = recorder.as_mut() {
                record_starts(r, &effects);
            }
            quit |= run_effects(effects, &ctx, &mut dirty);
            next = rx.try_recv().ok();
        }
        if let Some(rt) = prom_rt.as_mut() {
            rt.sync(&mut state);
        }
        if quit {
            break;
        }
    }
    crate::actions::external::kill_all();
    let left = log_detach(&mut ctx, &state, &shown);
    leave(recorder, guard, left.as_deref());
    Ok(ExitCode::SUCCESS)
}

/// The recording flushed (its error, if any, was in the header), the terminal given back,
/// then what the incident log could not take, where it stays readable.
fn leave<R>(recorder: Option<R>, guard: TerminalGuard, log_left: Option<&str>) {
    drop(recorder);
    drop(guard);
    if let Some(left) = log_left {
        eprintln!("redtriage: incident log: {left}");
    }
}

/// Records the start of every action `effects` runs, so a replay shows it (its output and
/// end come through the channel and are recorded as they arrive).
fn record_starts(r: &mut crate::record::Recorder, effects: &[Effect]) {
    for e in effects {
        if let Effect::RunAction { run, prepared } = e {
            r.observe(&Msg::ActionStarted {
                run: *run,
                at: Instant::now(),
                name: prepared.name.clone(),
                mitigation: prepared.mitigation,
            });
        }
    }
}

/// At quit: the last figures (so the postmortem has an "after" even when nothing changed in
/// the last minute), then the session's end. Written here, not in a task: the process ends
/// right after. Returns what could not be written, for stderr once the terminal is back.
fn log_detach(ctx: &mut EffectCtx, state: &State, shown: &str) -> Option<String> {
    // What is queued first, so the last lines stay last.
    let left = ctx.log.as_mut().and_then(LogWriter::finish);
    let path = ctx.log_path.as_ref()?;
    let now = crate::format::rfc3339(std::time::SystemTime::now());
    if let Some(mut ev) = state.final_figures() {
        ev.time.clone_from(&now);
        let _ = crate::actions::log::append(path, &ev);
    }
    let mut ev = session_event(shown, "detached from");
    ev.time = now;
    let _ = crate::actions::log::append(path, &ev);
    left
}

/// `redtriage 0.1.0 attached to redis://…` (the postmortem report cuts sessions on these).
fn session_event(target: &str, what: &str) -> LogEvent {
    let detail = format!("redtriage {} {what} {target}", env!("CARGO_PKG_VERSION"));
    crate::model::actions::log_event(target, "session", detail)
}

/// Draws one frame; `badge` (text, alarm) goes at the top right of the header (the replay's
/// position, a recording that stopped).
pub(crate) fn draw(
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
            crate::record::replay::draw_badge(f, text, alarm, theme);
        }
    };
    if let Some(snap) = state.view(width) {
        terminal.draw(|f| {
            ui::draw(f, &snap, &state.ui, &actions, &theme);
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

/// The probe action used by the stability watch.
pub fn probe_spec() -> ActionSpec {
    ActionSpec {
        name: "probe".into(),
        key: None,
        title: "watch probe".into(),
        kind: crate::runbook::spec::ActionKind::Redis {
            op: crate::collect::ops::RedisOp::Probe,
        },
        destructive: false,
        mitigation: false,
        confirm_twice: false,
        preconditions: Vec::new(),
        timeout: None,
        section: None,
    }
}
