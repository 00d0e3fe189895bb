//! The Docker poller: one task, its own Engine client, a timeout around every call,
//! `MissedTickBehavior::Skip`, one request in flight. Each tick: find the container (once; then
//! it is followed by id, also after it exits), inspect it, one-shot stats while it runs; every
//! 5 s the last 50 log lines. A second task follows the container's events. An Engine that
//! cannot be reached is reported with the reason and tried again every [`RETRY`].

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use bollard::Docker;
use bollard::query_parameters::{EventsOptions, LogsOptions, StatsOptions};
use futures::StreamExt as _;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::error;
use super::find::{self, CpuReading};
use super::types::{ContainerEvent, DockerEvent, DockerMsg, DockerSettings};
use crate::outbox::Outbox;

/// An unreachable Engine is tried again after this long.
pub const RETRY: Duration = Duration::from_secs(10);
/// Time between log tails.
pub const LOGS_EVERY: Duration = Duration::from_secs(5);
/// Lines of log kept.
pub const LOG_LINES: usize = 50;
/// Event actions that are passed on (`health_status` comes as `health_status: unhealthy`).
const ACTIONS: &[&str] = &[
    "die",
    "oom",
    "kill",
    "restart",
    "start",
    "stop",
    "health_status",
];

/// One Docker poller.
pub struct DockerPoller {
    settings: DockerSettings,
    tx: Outbox<DockerMsg>,
    host: String,
    client: Option<Docker>,
    /// Id of the container followed once found.
    followed: Option<String>,
    prev_cpu: Option<CpuReading>,
    logs_at: Option<Instant>,
    retry_at: Option<Instant>,
    events: Option<JoinHandle<()>>,
}

/// The result of one call: the value, or why the Engine failed.
type Call<T> = Result<T, bollard::errors::Error>;

impl DockerPoller {
    pub fn new(settings: DockerSettings, tx: impl Into<Outbox<DockerMsg>>) -> Self {
        Self {
            settings,
            tx: tx.into(),
            host: error::host(),
            client: None,
            followed: None,
            prev_cpu: None,
            logs_at: None,
            retry_at: None,
            events: None,
        }
    }

    /// Runs until the receiver is gone.
    pub async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.settings.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            if self.tx.is_closed() {
                self.stop();
                return;
            }
            self.tick().await;
        }
    }

    /// Stops the events task (the headless views, after their rounds).
    pub fn stop(&mut self) {
        if let Some(e) = self.events.take() {
            e.abort();
        }
    }

    async fn send(&self, event: DockerEvent) {
        let _ = self.tx.send(docker_msg(event)).await;
    }

    /// A call under the timeout; a timeout is an error like any other.
    async fn timed<T>(&self, fut: impl std::future::Future<Output = Call<T>>) -> Call<T> {
        match tokio::time::timeout(self.settings.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(bollard::errors::Error::RequestTimeoutError),
        }
    }

    async fn unavailable(&mut self, reason: String) {
        self.client = None;
        self.retry_at = Some(Instant::now() + RETRY);
        self.send(DockerEvent::Unavailable(reason)).await;
    }

    async fn connect(&mut self) -> Option<Docker> {
        if let Some(c) = &self.client {
            return Some(c.clone());
        }
        if self.retry_at.is_some_and(|t| Instant::now() < t) {
            return None;
        }
        if let Err(reason) = error::precheck(&self.host).await {
            self.unavailable(reason).await;
            return None;
        }
        match Docker::connect_with_defaults() {
            Ok(c) => {
                self.client = Some(c.clone());
                Some(c)
            }
            Err(e) => {
                let reason = error::reason(&e, &self.host);
                self.unavailable(reason).await;
                None
            }
        }
    }

    /// One round: find, inspect, stats, logs.
    pub async fn tick(&mut self) {
        let Some(docker) = self.connect().await else {
            return;
        };
        let id = match &self.followed {
            Some(id) => id.clone(),
            None => match self.find(&docker).await {
                Some(id) => id,
                None => return,
            },
        };
        if self.events.as_ref().is_none_or(JoinHandle::is_finished) {
            self.events = Some(tokio::spawn(follow_events(
                docker.clone(),
                id.clone(),
                self.tx.clone(),
            )));
        }
        if self.inspect(&docker, &id).await && self.logs_due() {
            self.logs_at = Some(Instant::now());
            self.logs(&docker, &id).await;
        }
    }

    fn logs_due(&self) -> bool {
        self.logs_at.is_none_or(|t| t.elapsed() >= LOGS_EVERY)
    }

    /// The container to follow, or a message saying why there is none.
    async fn find(&mut self, docker: &Docker) -> Option<String> {
        if let Some(name) = self.settings.container.clone() {
            return match self.timed(docker.inspect_container(&name, None)).await {
                Ok(c) => c.id.inspect(|id| self.followed = Some(id.clone())),
                Err(e) => {
                    self.failed(&e, &format!("no container named {name}")).await;
                    None
                }
            };
        }
        let opts = find::list_options(&self.settings);
        match self.timed(docker.list_containers(Some(opts))).await {
            Ok(list) => match find::pick(&list, &self.settings) {
                Ok(id) => {
                    self.followed = Some(id.clone());
                    Some(id)
                }
                Err(why) => {
                    let exited = self.exited_by_port(docker, &list).await;
                    if exited.is_none() {
                        self.send(DockerEvent::NotFound(why)).await;
                    }
                    self.followed.clone_from(&exited);
                    exited
                }
            },
            Err(e) => {
                self.failed(&e, "").await;
                None
            }
        }
    }

    /// A stopped container publishes no port in the list: look in the port bindings of the
    /// stopped ones (at most 20 inspections), newest first.
    async fn exited_by_port(
        &self,
        docker: &Docker,
        list: &[bollard::models::ContainerSummary],
    ) -> Option<String> {
        let port = self
            .settings
            .port
            .filter(|_| self.settings.compose_service.is_none())?;
        let mut stopped: Vec<_> = list
            .iter()
            .filter(|c| c.state.as_ref().is_some_and(|s| s.to_string() != "running"))
            .collect();
        stopped.sort_by_key(|c| std::cmp::Reverse(c.created));
        for c in stopped.into_iter().take(20) {
            let Some(id) = &c.id else { continue };
            if let Ok(i) = self.timed(docker.inspect_container(id, None)).await
                && find::binds_port(&i, port)
            {
                return Some(id.clone());
            }
        }
        None
    }

    /// A 404 means the container is not (or no longer) there; anything else is the Engine.
    async fn failed(&mut self, e: &bollard::errors::Error, not_found: &str) {
        if let bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } = e
        {
            let why = if not_found.is_empty() {
                "the container was removed".to_string()
            } else {
                crate::escape::plain_str(not_found)
            };
            self.followed = None;
            self.send(DockerEvent::NotFound(why)).await;
        } else {
            let reason = error::reason(e, &self.host);
            self.unavailable(reason).await;
        }
    }

    /// Inspect plus stats; false when the inspection failed.
    async fn inspect(&mut self, docker: &Docker, id: &str) -> bool {
        let mut info = match self.timed(docker.inspect_container(id, None)).await {
            Ok(c) => find::info(&c),
            Err(e) => {
                self.failed(&e, "").await;
                return false;
            }
        };
        if info.state == super::types::RunState::Running {
            let opts = StatsOptions {
                stream: false,
                one_shot: true,
            };
            let first = self.timed(async {
                match docker.stats(id, Some(opts)).next().await {
                    Some(r) => r,
                    None => Err(bollard::errors::Error::RequestTimeoutError),
                }
            });
            if let Ok(s) = first.await {
                let (mem, cpu) = find::usage(&s);
                info.mem_usage = mem;
                if let (Some(prev), Some(now)) = (self.prev_cpu, cpu) {
                    info.cpu_percent = find::cpu_percent(prev, now);
                }
                self.prev_cpu = cpu;
            }
        } else {
            self.prev_cpu = None;
        }
        self.send(DockerEvent::Inspected(Box::new(info))).await;
        true
    }

    async fn logs(&mut self, docker: &Docker, id: &str) {
        let opts = LogsOptions {
            stdout: true,
            stderr: true,
            tail: LOG_LINES.to_string(),
            ..LogsOptions::default()
        };
        let collected = self.timed(async {
            let mut out = Vec::new();
            let mut stream = docker.logs(id, Some(opts));
            while let Some(chunk) = stream.next().await {
                out.extend_from_slice(&chunk?.into_bytes());
            }
            Ok(out)
        });
        if let Ok(bytes) = collected.await {
            self.send(DockerEvent::Logs(log_lines(&bytes))).await;
        }
    }
}

/// Starts the Docker poller task when there are settings.
pub fn spawn(settings: Option<&DockerSettings>, tx: &Outbox<DockerMsg>) {
    if let Some(d) = settings {
        tokio::spawn(DockerPoller::new(d.clone(), tx.clone()).run());
    }
}

/// The last [`LOG_LINES`] lines, escaped.
pub fn log_lines(bytes: &[u8]) -> Vec<String> {
    let lines: Vec<String> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| crate::escape::plain(l.strip_suffix(b"\r").unwrap_or(l)))
        .collect();
    let skip = lines.len().saturating_sub(LOG_LINES);
    lines.into_iter().skip(skip).collect()
}

fn docker_msg(event: DockerEvent) -> DockerMsg {
    DockerMsg {
        at: Instant::now(),
        wall: SystemTime::now(),
        event,
    }
}

/// Follows the Engine's events for one container until the stream ends.
async fn follow_events(docker: Docker, id: String, tx: Outbox<DockerMsg>) {
    let filters: HashMap<String, Vec<String>> = HashMap::from([
        ("container".to_string(), vec![id]),
        ("type".to_string(), vec!["container".to_string()]),
    ]);
    let opts = EventsOptions {
        filters: Some(filters),
        ..EventsOptions::default()
    };
    let mut stream = docker.events(Some(opts));
    while let Some(Ok(ev)) = stream.next().await {
        let action = ev.action.unwrap_or_default();
        let attrs = ev.actor.and_then(|a| a.attributes).unwrap_or_default();
        if let Some(e) = event_of(&action, &attrs)
            && !tx.send(docker_msg(DockerEvent::Event(e))).await
        {
            return;
        }
    }
}

/// The event in words, when it is one we follow.
pub fn event_of<S: std::hash::BuildHasher>(
    action: &str,
    attrs: &HashMap<String, String, S>,
) -> Option<ContainerEvent> {
    use std::fmt::Write as _;
    let base = action.split(':').next().unwrap_or("").trim();
    if !ACTIONS.contains(&base) {
        return None;
    }
    let mut text = action.to_string();
    if let Some(code) = attrs.get("exitCode") {
        let _ = write!(text, " (exit code {code})");
    }
    if let Some(sig) = attrs.get("signal") {
        let _ = write!(text, " (signal {sig})");
    }
    Some(ContainerEvent {
        action: crate::escape::plain_str(base),
        text: crate::escape::plain_str(&text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_in_words() {
        let attrs = HashMap::from([("exitCode".to_string(), "137".to_string())]);
        let e = event_of("die", &attrs).expect("followed");
        assert_eq!(e.text, "die (exit code 137)");
        let h = event_of("health_status: unhealthy", &HashMap::new()).expect("followed");
        assert_eq!(h.action, "health_status");
        assert!(event_of("exec_start: sh", &HashMap::new()).is_none());
    }

    #[test]
    fn log_lines_keep_the_tail_escaped() {
        let mut b = Vec::new();
        for i in 0..60 {
            b.extend_from_slice(format!("line {i}\r\n").as_bytes());
        }
        b.extend_from_slice(b"evil \x1b]0;x\x07\n");
        let l = log_lines(&b);
        assert_eq!(l.len(), LOG_LINES);
        assert_eq!(l[0], "line 11");
        assert!(!l[LOG_LINES - 1].contains('\x1b'));
    }
}
