//! Dispatch from parsed settings to the mode.

use std::process::ExitCode;

use crate::app::TuiOptions;
use crate::config::{Mode, Settings};

/// Runs the selected mode on a fresh tokio runtime.
pub fn run(settings: Settings) -> color_eyre::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let Settings {
            mode,
            target,
            poll,
            thresholds,
            color,
            read_only,
            runbook,
            log_path,
            ..
        } = settings;
        let opts = TuiOptions {
            poll: poll.clone(),
            thresholds: thresholds.clone(),
            color,
            runbook,
            read_only,
            log_path,
        };
        match mode {
            Mode::Tui => crate::app::run_tui(vec![target], opts).await,
            Mode::Snapshot { json } => {
                crate::headless::snapshot(&target, &poll, &thresholds, json).await
            }
            Mode::Check => crate::headless::check(&target, &poll, &thresholds).await,
            Mode::Demo => crate::demo::run(opts).await,
            Mode::Action(req) => crate::headless_action::run(&target, &opts, &req).await,
        }
    })
}
