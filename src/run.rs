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
            prometheus,
            ..
        } = settings;
        let launch = |fleet_only| {
            prometheus
                .clone()
                .map(|settings| crate::prom::runtime::PromLaunch {
                    settings,
                    fleet_only,
                    base: target.clone(),
                })
        };
        match mode {
            Mode::Tui => {
                let prom = launch(false);
                crate::app::run_tui_with(vec![target], poll, thresholds, color, prom).await
            }
            Mode::Fleet => {
                let prom = launch(true);
                crate::app::run_tui_with(Vec::new(), poll, thresholds, color, prom).await
            }
            Mode::Snapshot { json } if prometheus.is_some() => {
                let prom = prometheus.as_ref();
                crate::prom::headless::snapshot(&target, &poll, &thresholds, prom, json).await
            }
            Mode::Snapshot { json } => {
                crate::headless::snapshot(&target, &poll, &thresholds, json).await
            }
            Mode::Check => crate::headless::check(&target, &poll, &thresholds).await,
            Mode::Demo => crate::demo::run(poll, thresholds, color).await,
        }
    })
}
