//! `snapshot` with `--prometheus`: the same two Redis samples as without, plus one round of
//! Prometheus queries (figures and alerts, no backfill) run alongside, so the JSON carries
//! the `prometheus` figures the TUI shows.

use std::process::ExitCode;

use tokio::sync::{mpsc, watch};

use super::snapshot::Headless;
use crate::model::prom::PromState;
use crate::model::view::Snapshot;
use crate::prom::poller::{PromControl, PromPoller};
use crate::prom::settings::PromSettings;

/// Two Redis samples `poll.interval` apart and one Prometheus round, then the view.
pub async fn collect(h: Headless<'_>, prom: &PromSettings) -> color_eyre::Result<Snapshot> {
    let (tx, rx) = mpsc::channel(64);
    let mut state = super::snapshot::fresh_state(h);
    state.prom = Some(PromState::new(prom));
    // A guessed selector gives way to the instance found by the server's run id.
    let run_id = if prom.selector_guessed {
        crate::collect::connect::run_id(h.target, h.poll.timeout).await
    } else {
        None
    };
    let (_control, crx) = watch::channel(PromControl {
        selector: Some(prom.selector.clone()),
        fleet: false,
        backfill: false,
        run_id,
    });
    let mut prom_poller =
        PromPoller::new(prom.clone(), tx.clone(), crx).map_err(color_eyre::eyre::Report::msg)?;
    let prom_task = tokio::spawn(async move { prom_poller.tick().await });
    // Boxed: the state is large, and this future is held by every headless mode's.
    Ok(Box::pin(super::snapshot::collect_into(
        state,
        (tx, rx),
        h,
        Some(prom_task),
    ))
    .await)
}

/// `redtriage snapshot --prometheus URL [--json]`.
pub async fn snapshot(
    h: Headless<'_>,
    prom: Option<&PromSettings>,
    json: bool,
) -> color_eyre::Result<ExitCode> {
    let Some(prom) = prom else {
        return super::snapshot::snapshot(h, json).await;
    };
    let snap = collect(h, prom).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&snap)?);
    } else {
        print!("{}", super::snapshot::check_text(&snap));
        print!("{}", super::snapshot::diagnosis_text(&snap));
        if let Some(p) = &snap.prometheus {
            println!("{}", crate::ui::prom::status_text(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}
