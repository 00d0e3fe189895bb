//! `snapshot` and `check`: the same poller and model as the TUI, two samples one interval
//! apart (so rates exist), then one view printed.

use std::process::ExitCode;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::collect::poller::Poller;
use crate::docker::types::DockerSettings;
use crate::model::state::{State, update};
use crate::model::view::{ConnState, Snapshot, Verdict};
use crate::msg::Msg;
use crate::runbook::Runbook;
use crate::target::{PollSettings, Target, Thresholds};

/// Sparkline points included in `--json`.
const JSON_SPARK: usize = 60;

fn drain(rx: &mut mpsc::Receiver<Msg>, state: &mut State) {
    while let Ok(m) = rx.try_recv() {
        update(state, m);
    }
}

/// What a headless view is collected with: the settings the TUI would use, for one target.
#[derive(Debug, Clone, Copy)]
pub struct Headless<'a> {
    pub target: &'a Target,
    pub poll: &'a PollSettings,
    pub thresholds: &'a Thresholds,
    /// The runbook the diagnosis uses (`--runbook`, or the shipped one).
    pub runbook: &'a Runbook,
    /// The Docker source (`--container`, …), when a container can be looked for.
    pub docker: Option<&'a DockerSettings>,
    /// The replication group around the target (its replicas, master, Sentinels).
    pub group: Option<&'a crate::app::GroupLaunch>,
    /// How long to sample (`--window`; at least one interval).
    pub window: std::time::Duration,
}

/// Two Docker rounds one interval apart (CPU needs two readings), in their own task.
fn docker_rounds(
    state: &mut State,
    tx: &mpsc::Sender<Msg>,
    h: Headless<'_>,
) -> Option<tokio::task::JoinHandle<()>> {
    let settings = h.docker?.clone();
    let interval = h.poll.interval;
    state.docker = Some(crate::model::docker::DockerState::default());
    let mut poller = crate::docker::poller::DockerPoller::new(settings, tx.clone());
    Some(tokio::spawn(async move {
        poller.tick().await;
        tokio::time::sleep(interval).await;
        poller.tick().await;
        poller.stop();
    }))
}

/// A fresh state for one target, diagnosing with `h.runbook`.
pub(crate) fn fresh_state(h: Headless<'_>) -> State {
    // Judged on the last sample: a few samples give no time to hold a verdict.
    let thresholds = crate::target::Thresholds {
        hold_samples: 1,
        ..h.thresholds.clone()
    };
    let mut state = State::new(std::slice::from_ref(h.target), thresholds, Instant::now());
    state.actions.runbook = h.runbook.clone();
    state.group = h.group.map(|g| Box::new(g.state.clone()));
    let _ = state.replan();
    state
}

/// Takes samples `poll.interval` apart over the window (two by default) and returns the view.
pub async fn collect(h: Headless<'_>) -> Snapshot {
    let (tx, rx) = mpsc::channel(64);
    let state = fresh_state(h);
    // Boxed: the state is large, and this future is held by every headless mode's.
    Box::pin(collect_into(state, (tx, rx), h, None)).await
}

/// The two samples into `state`; `side` is another source sending into the same channel (a
/// Prometheus round), awaited before the last drain so its figures are in the view.
pub(crate) async fn collect_into(
    mut state: State,
    (tx, mut rx): (mpsc::Sender<Msg>, mpsc::Receiver<Msg>),
    h: Headless<'_>,
    side: Option<tokio::task::JoinHandle<()>>,
) -> Snapshot {
    let Headless { target, poll, .. } = h;
    let docker = docker_rounds(&mut state, &tx, h);
    let mut poller = Poller::new(0, target.clone(), poll.clone(), tx.clone());
    // What is known of the server without asking it (its config file, remembered values):
    // the actions the diagnosis suggests need it while the server is down.
    poller.learn_known().await;
    poller.tick().await;
    drain(&mut rx, &mut state);
    // The group's first round runs while the interval passes.
    let first = h.group.map(|g| {
        let plan = super::group::plan_of(&state);
        let settings = g.settings.clone();
        tokio::spawn(async move {
            let events = crate::collect::group::tasks::once(&plan, &settings, &[]).await;
            (crate::collect::group::tasks::asked(&plan), events)
        })
    });
    // Samples one interval apart until the window is covered (one interval by default).
    let start = Instant::now();
    loop {
        tokio::time::sleep(poll.interval).await;
        poller.tick().await;
        if start.elapsed() >= h.window {
            break;
        }
        drain(&mut rx, &mut state);
    }
    for side in [side, docker].into_iter().flatten() {
        let _ = side.await;
    }
    drain(&mut rx, &mut state);
    if let (Some(g), Some(first)) = (h.group, first)
        && let Ok(first) = first.await
        && let Some((id, target)) =
            Box::pin(super::group::rounds(&mut state, &g.settings, Some(first))).await
    {
        // A master picked or followed meanwhile gets one sample.
        let mut poller = Poller::new(id, target, poll.clone(), tx.clone());
        poller.tick().await;
        drain(&mut rx, &mut state);
    }
    state.now = state.now.max(Instant::now());
    let thresholds = state.thresholds.clone();
    state
        .view(JSON_SPARK)
        .unwrap_or_else(|| unreachable_view(target, &thresholds))
}

fn unreachable_view(target: &Target, thresholds: &Thresholds) -> Snapshot {
    let state = State::new(
        std::slice::from_ref(target),
        thresholds.clone(),
        Instant::now(),
    );
    state.instances[0].snapshot(
        Instant::now(),
        crate::model::snapshot::ViewOptions {
            thresholds,
            spark_len: 0,
            paused: false,
        },
    )
}

/// `redtriage snapshot --json`: prints the view; exit 0 even when Redis is down.
pub async fn snapshot(h: Headless<'_>, json: bool) -> color_eyre::Result<ExitCode> {
    let snap = collect(h).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&snap)?);
    } else {
        print!("{}{}", check_text(&snap), diagnosis_text(&snap));
    }
    Ok(ExitCode::SUCCESS)
}

/// The likely and possible causes with their evidence, for `snapshot` without `--json`.
pub fn diagnosis_text(snap: &Snapshot) -> String {
    use crate::model::diagnosis::Likelihood;
    use std::fmt::Write as _;
    let mut out = String::new();
    for c in &snap.diagnosis {
        if !matches!(c.verdict, Likelihood::Likely | Likelihood::Possible) {
            continue;
        }
        let _ = writeln!(
            out,
            "{:<8} {} {}: {}",
            c.verdict.word().to_uppercase(),
            c.cause,
            c.title,
            c.actions.join(", ")
        );
        for e in &c.evidence {
            let lead = if e.against { "against" } else { "" };
            let _ = writeln!(out, "  {lead:<7} {}", e.text);
        }
    }
    if out.is_empty() {
        out.push_str("no likely cause\n");
    }
    out
}

/// The `check` report: a summary line, then one line per health target.
pub fn check_text(snap: &Snapshot) -> String {
    use std::fmt::Write as _;
    let h = &snap.header;
    let mut out = format!(
        "REDTRIAGE {} - {} {}\n",
        h.health.overall.word(),
        h.target,
        h.connection_label
    );
    // Why it is not up, as the TUI's header says it (`error: timeout`).
    if h.connection != ConnState::Up
        && let Some(e) = &h.last_error
    {
        let _ = writeln!(out, "error: {e}");
    }
    for item in &h.health.items {
        let _ = writeln!(
            out,
            "{:<7} {}: {} ({})",
            item.verdict.word(),
            item.name,
            item.value,
            item.target
        );
    }
    out
}

/// `redtriage check`: exit 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN (unreachable).
pub async fn check(h: Headless<'_>) -> color_eyre::Result<ExitCode> {
    let snap = collect(h).await;
    print!("{}", check_text(&snap));
    let verdict = snap.header.health.overall;
    let code = u8::try_from(verdict.exit_code()).unwrap_or(3);
    debug_assert!(verdict <= Verdict::Unknown);
    Ok(ExitCode::from(code))
}
