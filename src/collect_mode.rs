//! `redtriage collect --for 30s` (hidden): the TUI's pollers and model, no screen. The pollers
//! are spawned exactly as the TUI spawns them ([`crate::app::spawn_pollers`]) and every message
//! goes through the same `update`; a view is built once a second as the TUI would draw it.
//! At the end it prints one JSON line: samples received and redtriage's own cost
//! ([`crate::collect::governor::SelfCost`]). scripts/bench-overhead uses it to measure the
//! collector's cost on Redis without a terminal in the loop.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::model::state::{State, update};
use crate::msg::Msg;
use crate::target::{PollSettings, Target, Thresholds};

/// Runs for `run_for`, then prints `{"samples": n, "views": n, "cost": {…}}`.
pub async fn run(
    target: Target,
    poll: PollSettings,
    thresholds: Thresholds,
    run_for: Duration,
) -> color_eyre::Result<ExitCode> {
    let (tx, mut rx) = mpsc::channel(1024);
    let mut state = State::new(std::slice::from_ref(&target), thresholds, Instant::now());
    crate::app::spawn_pollers(&[target], &poll, &tx);
    drop(tx);
    let deadline = tokio::time::Instant::now() + run_for;
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    let (mut samples, mut views) = (0u64, 0u64);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            _ = clock.tick() => {
                update(&mut state, Msg::Tick(Instant::now()));
                if state.view(200).is_some() {
                    views += 1;
                }
            }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                samples += u64::from(matches!(msg, Msg::Sample { .. }));
                update(&mut state, msg);
            }
        }
    }
    let cost = state.instances.first().and_then(|i| i.cost.clone());
    let out = serde_json::json!({ "samples": samples, "views": views, "cost": cost });
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
