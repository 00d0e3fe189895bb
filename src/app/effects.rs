//! Carrying out what `update` asked for: actions and probes in their own tasks, the incident
//! log off the UI path, the clipboard and files, cancels; and the log's last lines at quit.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::actions::log_writer::LogWriter;
use crate::actions::runner::{self, Sink};
use crate::model::log_event::LogEvent;
use crate::model::state::{Effect, State};
use crate::msg::Msg;
use crate::runbook::spec::ActionSpec;
use crate::target::Target;

/// Carries out the effects `update` asked for; returns true to quit.
pub(super) fn run_effects(effects: Vec<Effect>, ctx: &EffectCtx, dirty: &mut bool) -> bool {
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
                    .unwrap_or_else(|| ctx.target.borrow().clone());
                let timeout = ctx.timeout;
                tokio::spawn(async move { runner::run(*prepared, target, timeout, sink).await });
            }
            Effect::Probe { run, target } => {
                let spec = ctx.probe.clone();
                let sink = Sink::new(run, ctx.tx.clone());
                let target = target.unwrap_or_else(|| ctx.target.borrow().clone());
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
            Effect::Clipboard(text) => crate::app::comms_io::copy(&text),
            Effect::SaveText { name, text } => {
                crate::app::comms_io::save(ctx.log_path.clone(), name, text, ctx.tx.clone());
            }
            Effect::Report => crate::app::comms_io::report(ctx.log_path.clone(), ctx.tx.clone()),
            Effect::CancelAction { run } => ctx.cancel(run),
            // The actions follow the attached target (the new master after a failover); the
            // pollers and the Prometheus runtime carry out the rest (`Pollers::carry`).
            Effect::Attach { target, .. } => *ctx.target.borrow_mut() = *target,
            Effect::PromPoll { .. } | Effect::PromRunId(_) | Effect::GroupPlan(_) => {}
        }
    }
    quit
}

/// Stamps and appends a log event off the UI path; a failure comes back as `Msg::Log`.
pub(super) fn write_log(ctx: &EffectCtx, mut ev: LogEvent) {
    let Some(log) = &ctx.log else {
        return;
    };
    ev.time = crate::format::rfc3339(std::time::SystemTime::now());
    log.send(ev);
}

/// The incident log's writer thread; failed appends and the recovery come back as `Msg::Log`.
pub(super) fn log_writer(path: Option<&PathBuf>, tx: &mpsc::Sender<Msg>) -> Option<LogWriter> {
    let tx = tx.clone();
    path.map(|p| {
        LogWriter::start(p.clone(), move |status| {
            // Never blocks the writer: at quit nobody reads the channel any more.
            let _ = tx.try_send(Msg::Log(status));
        })
    })
}

/// What the effect runner needs.
pub(super) struct EffectCtx {
    pub(super) tx: mpsc::Sender<Msg>,
    /// The actions' target: the attached one (it changes after a failover).
    pub(super) target: std::cell::RefCell<Target>,
    pub(super) timeout: Duration,
    pub(super) log_path: Option<PathBuf>,
    /// Appends the incident log in order, off the UI path.
    pub(super) log: Option<LogWriter>,
    pub(super) probe: ActionSpec,
    /// The cancel of each action run still going (its runner holds the other end).
    pub(super) cancels: std::cell::RefCell<Vec<(u64, std::sync::Arc<tokio::sync::Notify>)>>,
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

/// Records the start of every action `effects` runs, so a replay shows it (its output and
/// end come through the channel and are recorded as they arrive).
pub(super) fn record_starts(r: &mut crate::record::Recorder, effects: &[Effect]) {
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
pub(super) fn log_detach(ctx: &mut EffectCtx, state: &State, shown: &str) -> Option<String> {
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
pub(super) fn session_event(target: &str, what: &str) -> LogEvent {
    let detail = format!("redtriage {} {what} {target}", env!("CARGO_PKG_VERSION"));
    crate::model::actions::log_event(target, "session", detail)
}

/// The probe action used by the stability watch.
pub(super) fn probe_spec() -> ActionSpec {
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
        read_only: false,
    }
}
