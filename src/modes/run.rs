//! Dispatch from parsed settings to the mode.

use std::process::ExitCode;

use super::snapshot::Headless;
use super::{Mode, Settings};
use crate::app::{TuiOptions, run_tui};

/// Runs the selected mode on a fresh tokio runtime.
pub fn run(settings: Settings) -> color_eyre::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(dispatch(settings))
}

/// The mode, on the runtime.
async fn dispatch(settings: Settings) -> color_eyre::Result<ExitCode> {
    let Settings {
        mode,
        target,
        poll,
        thresholds,
        color,
        read_only,
        runbook,
        log_path,
        prometheus,
        templates,
        record,
        docker,
        sentinel,
        cluster,
        window,
        ..
    } = settings;
    let Some((target, group)) =
        super::group::for_mode(&mode, target, (sentinel.as_ref(), cluster), &poll).await
    else {
        // `check` that cannot run is UNKNOWN to a monitoring system.
        return Ok(ExitCode::from(2 + u8::from(matches!(mode, Mode::Check))));
    };
    let headless = Headless {
        target: &target,
        poll: &poll,
        thresholds: &thresholds,
        runbook: &runbook,
        docker: docker.as_ref(),
        group: group.as_ref(),
        window: window.unwrap_or(poll.interval),
    };
    let launch = |fleet_only| {
        prometheus
            .clone()
            .map(|settings| crate::app::prom_runtime::PromLaunch {
                settings,
                fleet_only,
                base: target.clone(),
            })
    };
    let opts = |fleet_only| TuiOptions {
        poll: poll.clone(),
        thresholds: thresholds.clone(),
        color,
        runbook: runbook.clone(),
        read_only,
        log_path: log_path.clone(),
        prom: launch(fleet_only),
        templates: templates.clone(),
        record: record.clone(),
        docker: docker.clone(),
        group: group.clone(),
        topology: false,
    };
    match mode {
        Mode::Print(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Mode::Tui => run_tui(vec![target.clone()], opts(false)).await,
        Mode::Fleet if prometheus.is_some() => run_tui(Vec::new(), opts(true)).await,
        Mode::Fleet => super::group::cluster_fleet(&target, opts(false)).await,
        Mode::Snapshot { json } if prometheus.is_some() => {
            let prom = prometheus.as_ref();
            super::fleet::snapshot(headless, prom, json).await
        }
        Mode::Snapshot { json } => super::snapshot::snapshot(headless, json).await,
        Mode::Check => super::snapshot::check(headless).await,
        Mode::Demo => crate::modes::demo::run(opts(false)).await,
        Mode::Drill { choice, headless } => {
            Box::pin(crate::modes::drill::run(choice, headless, opts(false))).await
        }
        Mode::Action(req) => crate::modes::action::run(&target, &opts(false), &req).await,
        Mode::Report(req) => Ok(crate::report::run(&req)),
        Mode::Acl {
            monitor_user,
            operator_user,
        } => Ok(crate::modes::acl::print(&monitor_user, &operator_user)),
        Mode::Collect {
            run_for,
            print_view,
        } => {
            let opts = crate::modes::collect::CollectOptions {
                run_for,
                print_view,
                record,
            };
            crate::modes::collect::run(target, poll, thresholds, opts).await
        }
        Mode::Replay { file, speed } => {
            let speed = crate::record::Speed::parse(&speed).unwrap_or(crate::record::Speed::Max);
            crate::modes::replay::run(&file, speed, color).await
        }
    }
}
