//! `redtriage action NAME [URL] --yes`: one runbook action without the TUI, through the same
//! state, preparation, runner and incident log as the dashboard.

use std::process::ExitCode;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::actions::runner::{self, Sink};
use crate::app::TuiOptions;
use crate::collect::poller::Poller;
use crate::model::actions::ActionsState;
use crate::model::state::{Effect, State, update};
use crate::modes::ActionRequest;
use crate::msg::{ActionEvent, Msg};
use crate::runbook::prepare::{self, ClientRef};
use crate::target::Target;

fn list(opts: &TuiOptions) {
    for a in &opts.runbook.actions {
        let key = a.key.map(|k| format!("[{k}]")).unwrap_or_default();
        let flags = [
            (a.destructive, "destructive"),
            (a.mitigation, "mitigation"),
            (a.mutating(), "mutating"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(",");
        println!("{:<18} {:<4} {:<28} {}", a.name, key, flags, a.title);
    }
}

/// One poll so the preparation sees the server as it is (paths from CONFIG, forks, role).
async fn observe(target: &Target, opts: &TuiOptions) -> State {
    let (tx, mut rx) = mpsc::channel(64);
    let mut state = State::new(
        std::slice::from_ref(target),
        opts.thresholds.clone(),
        Instant::now(),
    );
    if let Some(d) = &opts.docker {
        // One Docker round, so `{container}` and the container preconditions are known.
        state.docker = Some(crate::model::docker::DockerState::default());
        let mut dp = crate::docker::poller::DockerPoller::new(d.clone(), tx.clone());
        dp.tick().await;
        dp.stop();
    }
    let mut poller = Poller::new(0, target.clone(), opts.poll.clone(), tx);
    // What is known of the server without asking it, for an action while it is down.
    poller.learn_known().await;
    poller.tick().await;
    drop(poller);
    while let Ok(m) = rx.try_recv() {
        update(&mut state, m);
    }
    // The group's actions need a Sentinel that answers and the list of replicas.
    if let Some(g) = &opts.group {
        state.group = Some(Box::new(g.state.clone()));
        let _ = state.replan();
        let _ = Box::pin(super::group::rounds(&mut state, &g.settings, None)).await;
    }
    state.actions = ActionsState::new(opts.runbook.clone(), opts.read_only);
    state.config_command.clone_from(&opts.poll.config_command);
    state.machine_ram = crate::actions::size::machine_ram();
    state.user = crate::actions::log::user();
    state
}

fn write_logs(effects: &[Effect], opts: &TuiOptions) {
    for e in effects {
        if let (Effect::Log(ev), Some(path)) = (e, &opts.log_path) {
            let mut ev = (**ev).clone();
            ev.time = crate::format::rfc3339(std::time::SystemTime::now());
            if let Err(err) = crate::actions::log::append(path, &ev) {
                eprintln!("redtriage: incident log not written: {err}");
            }
        }
    }
}

/// Runs the action; exit 0 on success, 1 on failure, 2 when it cannot or may not run.
pub async fn run(
    target: &Target,
    opts: &TuiOptions,
    req: &ActionRequest,
) -> color_eyre::Result<ExitCode> {
    if req.list {
        list(opts);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(spec) = opts.runbook.find(&req.name).cloned() else {
        eprintln!(
            "redtriage: no action {:?} in the runbook; the actions are:",
            req.name
        );
        list(opts);
        return Ok(ExitCode::from(2));
    };
    let mut state = observe(target, opts).await;
    let mut ctx = state.action_context();
    if !req.client_ids.is_empty() {
        ctx.clients = req
            .client_ids
            .iter()
            .map(|id| ClientRef {
                id: *id,
                addr: "?".into(),
                name: String::new(),
            })
            .collect();
    }
    let prepared = match prepare::prepare(&spec, &ctx, req.arg.as_deref()) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("redtriage: cannot run {}: {why}", spec.name);
            return Ok(ExitCode::from(2));
        }
    };
    let on = prepared.target.as_ref().unwrap_or(target).display();
    println!("{} on {on} ({})", prepared.title, spec.name);
    for line in prepared.display.iter().chain(&prepared.changes) {
        println!("  {line}");
    }
    for v in &prepared.values {
        println!("  value: {v}");
    }
    for b in &prepared.blockers {
        println!("  note: {b}");
    }
    if !req.yes {
        println!("not run: add --yes to run it");
        return Ok(ExitCode::from(2));
    }
    let effects = state.start_run(prepared.clone());
    write_logs(&effects, opts);
    let run = state.actions.running.as_ref().map_or(0, |r| r.run);
    let (tx, mut rx) = mpsc::channel(256);
    // The server it was prepared for: a Sentinel, the replica picked, else the target.
    let to = prepared.target.clone().unwrap_or_else(|| target.clone());
    let task = tokio::spawn(runner::run(
        prepared,
        to,
        opts.poll.timeout,
        Sink::new(run, tx),
    ));
    let mut ok = false;
    while let Some(msg) = rx.recv().await {
        if let Msg::Action { event, .. } = &msg {
            match event {
                ActionEvent::Output(line) => println!("{line}"),
                ActionEvent::Saved { what, .. } => println!("{what}"),
                ActionEvent::Done(o) => {
                    ok = o.ok;
                    println!("{}: {}", if o.ok { "ok" } else { "FAILED" }, o.summary);
                }
            }
        }
        let effects = update(&mut state, msg);
        write_logs(&effects, opts);
    }
    let _ = task.await;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
