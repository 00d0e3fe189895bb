//! The TUI event loop: pollers, keyboard and a 1 s clock feed one channel; `update` changes the
//! state; the screen is redrawn only when something changed. The terminal is `terminal`'s,
//! carrying out the effects `effects`', following Prometheus' fleet view `prom_runtime`'s.

pub mod comms_io;
mod effects;
pub mod pollers;
pub mod prom_runtime;
pub mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::collect::poller::Poller;
use crate::model::actions::ActionsState;
use crate::model::state::{State, update};
use crate::msg::Msg;
use crate::runbook::spec::Runbook;
use crate::target::{PollSettings, Target, Thresholds};
use crate::ui::theme::Theme;
use effects::{
    EffectCtx, log_detach, log_writer, probe_spec, record_starts, run_effects, session_event,
    write_log,
};
use terminal::Terminal;

/// Messages buffered between the sources and the loop.
pub const CHANNEL: usize = 1024;

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
    pub prom: Option<prom_runtime::PromLaunch>,
    /// The communication templates (shipped, or overridden; loaded before raw mode).
    pub templates: crate::model::comms::Templates,
    /// `--record FILE`: every sample, link event and clock tick goes there ([`crate::record`]).
    pub record: Option<PathBuf>,
    /// The Docker source, when a container can be looked for.
    pub docker: Option<crate::docker::types::DockerSettings>,
    /// The group source (`--sentinel`, or the target is a Sentinel).
    pub group: Option<GroupLaunch>,
    /// Start on the Topology pane (`fleet` on a Redis Cluster without Prometheus).
    pub topology: bool,
}

/// How the dashboard starts on a replication group.
#[derive(Debug, Clone)]
pub struct GroupLaunch {
    pub settings: crate::collect::group::supervisor::GroupSettings,
    /// The model's side: the Sentinels given, the master name.
    pub state: crate::model::group::GroupState,
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
            group: None,
            topology: false,
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
    state.group = opts.group.as_ref().map(|g| Box::new(g.state.clone()));
    if opts.topology {
        state.ui.body = crate::model::ui_state::Body::Topology;
    }
    state.user = crate::actions::log::user();
    state.prom = opts
        .prom
        .as_ref()
        .map(prom_runtime::PromLaunch::initial_state);
    state
}

/// Runs the dashboard until the user quits.
pub async fn run_tui(targets: Vec<Target>, opts: TuiOptions) -> color_eyre::Result<ExitCode> {
    use std::io::IsTerminal as _;
    let prom = opts.prom.clone();
    // A spare connection per target for the actions: a server at maxclients still takes
    // the kill on a connection it already holds.
    let poll = PollSettings {
        reserve_for_actions: true,
        ..opts.poll.clone()
    };
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
        target: std::cell::RefCell::new(
            targets
                .first()
                .cloned()
                .unwrap_or_else(Target::local_default),
        ),
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
    let mut terminal = Terminal::start(&tx);
    let mut pollers = pollers::Pollers::start(&targets, &poll, &tx);
    if let Some(g) = &opts.group {
        pollers.start_group(g.settings.clone());
        pollers.carry(&state.replan());
    }
    let mut prom_rt = match &prom {
        Some(launch) => {
            let rt = prom_runtime::PromRuntime::start(launch, &tx);
            Some(rt.map_err(|e| color_eyre::eyre::eyre!("--prometheus: {e}"))?)
        }
        None => None,
    };
    crate::docker::poller::spawn(opts.docker.as_ref(), &tx.clone().into());
    terminal::spawn_clock(tx.clone());
    drop(tx);
    let shown = targets.first().map_or_else(String::new, Target::display);
    write_log(&ctx, session_event(&shown, "attached to"));
    let mut dirty = true;
    loop {
        if dirty {
            let badge = crate::record::stopped_badge(recorder.as_ref());
            terminal.draw(&state, theme, badge.as_deref().map(|b| (b, true)))?;
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
            if let Some(rt) = prom_rt.as_mut() {
                rt.carry(&effects);
            }
            pollers.carry(&effects);
            quit |= run_effects(effects, &ctx, &mut dirty);
            next = rx.try_recv().ok();
        }
        if quit {
            break;
        }
    }
    crate::actions::external::kill_all();
    let left = log_detach(&mut ctx, &state, &shown);
    leave(recorder, terminal, left.as_deref());
    Ok(ExitCode::SUCCESS)
}

/// The recording flushed (its error, if any, was in the header), the terminal given back,
/// then what the incident log could not take, where it stays readable.
fn leave<R>(recorder: Option<R>, terminal: Terminal, log_left: Option<&str>) {
    drop(recorder);
    drop(terminal);
    if let Some(left) = log_left {
        eprintln!("redtriage: incident log: {left}");
    }
}
