//! Dispatch from parsed settings to the mode.

use std::process::ExitCode;

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
            ..
        } = settings;
        match mode {
            Mode::Tui => crate::app::run_tui(vec![target], poll, thresholds, color).await,
            Mode::Snapshot { json } => {
                crate::headless::snapshot(&target, &poll, &thresholds, json).await
            }
            Mode::Check => crate::headless::check(&target, &poll, &thresholds).await,
            Mode::Demo => crate::demo::run(poll, thresholds, color).await,
            Mode::Collect { run_for } => {
                crate::collect_mode::run(target, poll, thresholds, run_for).await
            }
        }
    })
}
