//! Runs a [`Prepared`] action in its own task: Redis commands on a connection of its own,
//! external commands in their own process group (killed with their children on timeout, on
//! cancel or on quit), HTTP checks with reqwest. Output streams back as escaped lines.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};

use crate::msg::{ActionEvent, Msg, Outcome};
use crate::runbook::prepare::{Prepared, Step};
use crate::target::Target;

/// Sends action events for one run, and hears its cancel.
#[derive(Clone)]
pub struct Sink {
    pub run: u64,
    pub tx: mpsc::Sender<Msg>,
    /// Notified (once) when the user cancels the run.
    pub cancel: Arc<Notify>,
}

impl Sink {
    pub fn new(run: u64, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            run,
            tx,
            cancel: Arc::new(Notify::new()),
        }
    }

    /// Resolves once the run is cancelled (a cancel before the wait is kept).
    pub async fn cancelled(&self) {
        self.cancel.notified().await;
    }

    pub async fn line(&self, text: impl Into<String>) {
        let _ = self
            .tx
            .send(Msg::Action {
                run: self.run,
                at: Instant::now(),
                event: ActionEvent::Output(text.into()),
            })
            .await;
    }

    /// Evidence kept before the action erases it: every line goes to the incident log.
    pub async fn saved(&self, what: impl Into<String>, lines: Vec<String>) {
        let _ = self
            .tx
            .send(Msg::Action {
                run: self.run,
                at: Instant::now(),
                event: ActionEvent::Saved {
                    what: what.into(),
                    lines,
                },
            })
            .await;
    }

    async fn done(&self, outcome: Outcome) {
        let _ = self
            .tx
            .send(Msg::Action {
                run: self.run,
                at: Instant::now(),
                event: ActionEvent::Done(outcome),
            })
            .await;
    }
}

impl crate::docker::ops::Lines for Sink {
    async fn line(&self, text: String) {
        Sink::line(self, text).await;
    }
}

/// Runs the action to the end (or its timeout) and reports `Done`.
pub async fn run(p: Prepared, target: Target, conn_timeout: Duration, sink: Sink) -> Outcome {
    let started = Instant::now();
    let work = async {
        match &p.step {
            Step::Redis {
                op,
                args,
                config_command,
            } => {
                super::redis_ops::run(
                    *op,
                    args,
                    config_command,
                    &target,
                    conn_timeout.max(Duration::from_secs(1)),
                    p.timeout,
                    &sink,
                )
                .await
            }
            Step::External { commands, stdin } => {
                super::external::run_all(commands, stdin.as_deref(), p.timeout, &sink).await
            }
            Step::Http { url } => http_check(url, p.timeout, &sink).await,
            Step::Docker {
                op,
                container,
                command,
                stdin,
            } => match op {
                crate::docker::ops::DockerOp::Restart => {
                    crate::docker::ops::restart(container, p.timeout, &sink).await
                }
                crate::docker::ops::DockerOp::Exec => {
                    let stdin = stdin.as_deref();
                    crate::docker::ops::exec(container, command, stdin, p.timeout, &sink).await
                }
            },
        }
    };
    // External commands stop their process group themselves (TERM, then KILL); the rest is
    // dropped where it is, which cannot take back what already reached the other side.
    let result = if matches!(p.step, Step::External { .. }) {
        work.await
    } else {
        tokio::select! {
            r = work => r,
            () = sink.cancelled() => Err(cancelled_note(&p.step).to_string()),
        }
    };
    let (ok, exit_code, summary) = match result {
        Ok((code, summary)) => (code.is_none_or(|c| c == 0), code, summary),
        Err(e) => (false, None, e),
    };
    let outcome = Outcome {
        ok,
        exit_code,
        // Already escaped where it holds outside text (replies, program names, output).
        summary,
        duration: started.elapsed(),
    };
    sink.done(outcome.clone()).await;
    outcome
}

/// What a cancel leaves behind, by kind of step.
fn cancelled_note(step: &Step) -> &'static str {
    match step {
        Step::Redis { .. } => {
            "cancelled by the user: a command already sent may still be carried out by Redis"
        }
        Step::Docker {
            op: crate::docker::ops::DockerOp::Restart,
            ..
        } => "cancelled by the user: the engine may still finish the restart",
        Step::Docker { .. } => "cancelled by the user: the command may still run in the container",
        Step::External { .. } | Step::Http { .. } => "cancelled by the user",
    }
}

/// `GET url`: status and latency.
async fn http_check(
    url: &str,
    limit: Duration,
    sink: &Sink,
) -> Result<(Option<i32>, String), String> {
    let client = reqwest::Client::builder()
        .timeout(limit)
        .build()
        .map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let took = t0.elapsed();
    let status = resp.status();
    let line = format!(
        "GET {url} → {status} in {:.1} ms",
        took.as_secs_f64() * 1000.0
    );
    sink.line(crate::escape::plain_str(&line)).await;
    let code = if status.is_success() {
        0
    } else {
        i32::from(status.as_u16())
    };
    Ok((Some(code), line))
}
