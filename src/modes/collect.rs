//! `redtriage collect --for 30s` (hidden): the TUI's pollers and model, no screen. The pollers
//! are spawned exactly as the TUI spawns them ([`crate::app::spawn_pollers`]) and every message
//! goes through the same `update`; a view is built once a second as the TUI would draw it.
//! At the end it prints one JSON line: samples received and redtriage's own cost
//! ([`crate::collect::governor::SelfCost`]). scripts/bench-overhead uses it to measure the
//! collector's cost on Redis without a terminal in the loop. With `--record FILE` it records
//! what the model consumed; `--print-view` adds the final view, so tests can check that a
//! replay of the recording ends on the same view.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::model::state::{State, update};
use crate::msg::Msg;
use crate::target::{PollSettings, Target, Thresholds};

/// What `collect` was asked besides the target.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    pub run_for: Duration,
    /// Add the final view (`snapshot --json`'s shape, 200 spark points) as `"view"`.
    pub print_view: bool,
    /// `--record FILE`.
    pub record: Option<std::path::PathBuf>,
}

/// Runs for `run_for`, then prints `{"samples": n, "views": n, "cost": {…}}` (plus `"view"`).
pub async fn run(
    target: Target,
    poll: PollSettings,
    thresholds: Thresholds,
    opts: CollectOptions,
) -> color_eyre::Result<ExitCode> {
    let (tx, mut rx) = mpsc::channel(1024);
    let mut state = State::new(std::slice::from_ref(&target), thresholds, Instant::now());
    let mut recorder = match crate::record::start(opts.record.as_deref(), &state) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("redtriage: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    crate::app::spawn_pollers(&[target], &poll, &tx);
    drop(tx);
    let deadline = tokio::time::Instant::now() + opts.run_for;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let (mut samples, mut views) = (0u64, 0u64);
    loop {
        let msg = tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            _ = clock.tick() => Msg::Tick(Instant::now()),
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                samples += u64::from(matches!(msg, Msg::Sample { .. }));
                msg
            }
        };
        let tick = matches!(msg, Msg::Tick(_));
        if let Some(r) = recorder.as_mut() {
            r.observe(&msg);
        }
        update(&mut state, msg);
        if tick && state.view(200).is_some() {
            views += 1;
        }
    }
    let cost = state.instances.first().and_then(|i| i.cost.clone());
    let mut out = serde_json::json!({ "samples": samples, "views": views, "cost": cost });
    if opts.print_view {
        out["view"] = serde_json::to_value(state.view(200))?;
    }
    if let Some(e) = recorder.as_mut().and_then(crate::record::Recorder::finish) {
        eprintln!("redtriage: recording stopped: {e}");
    }
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
