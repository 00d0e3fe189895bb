//! The container behind the Redis, as the Docker source reports it: its last inspection, log
//! tail and events, and the view (`Snapshot.container`) with the cross-checks that only this
//! view allows (maxmemory against the container's limit, restart loop, unhealthy while up).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::state::{Effect, State};
use super::view::{ConnState, Snapshot};
use crate::docker::types::{ContainerEvent, ContainerInfo, DockerEvent, DockerMsg, RunState};
use crate::format::bytes;

/// Events kept for the pane and the JSON.
/// The same event again within this window is the same event (the engine repeats `oom`).
const REPEAT_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);
const EVENTS_KEEP: usize = 20;
/// The window of the restart-loop check.
pub const RESTART_WINDOW: Duration = Duration::from_secs(300);

/// Where the search for the container stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ContainerStatus {
    /// No answer from the Docker source yet.
    #[default]
    Pending,
    /// The Docker Engine cannot be used (no socket, permission denied, engine down).
    Unavailable { reason: String },
    /// The Engine answers but no container matches.
    NotFound { reason: String },
    /// The container is followed.
    Found,
}

/// What the Docker source has told so far.
#[derive(Debug, Clone, Default)]
pub struct DockerState {
    pub status: ContainerStatus,
    pub info: Option<ContainerInfo>,
    /// When `info` arrived.
    pub info_at: Option<Instant>,
    pub logs: Vec<String>,
    pub events: VecDeque<(Instant, ContainerEvent)>,
    /// (Re)starts seen: `start` events and `RestartCount` increases.
    pub starts: VecDeque<Instant>,
    /// Lines scrolled up from the end of the log tail in the Container pane.
    pub log_scroll: usize,
}

/// An event in the view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView {
    pub ago_secs: u64,
    pub text: String,
}

/// One cross-check that holds: the diagnosis signal, its value, and the warning in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossCheck {
    pub signal: &'static str,
    #[serde(skip)]
    pub value: f64,
    pub text: String,
}

/// The container in the view (`snapshot --json` key `container`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerView {
    #[serde(flatten)]
    pub status: ContainerStatus,
    /// The latest inspection (also after the container exited).
    pub info: Option<ContainerInfo>,
    /// Seconds since the inspection.
    pub age_secs: Option<u64>,
    /// Redis's own uptime, beside the container's `started_at`.
    pub redis_uptime_secs: Option<u64>,
    /// (Re)starts seen in the last 5 minutes.
    pub restarts_last_5m: u32,
    /// The cross-checks that hold (warnings in the pane, signals of the diagnosis).
    pub checks: Vec<CrossCheck>,
    /// The signals known with their values, also those that do not hold (for the diagnosis).
    #[serde(skip)]
    pub signals: Vec<CrossCheck>,
    /// Last lines of the container's log, escaped, oldest first.
    pub log_tail: Vec<String>,
    /// Newest first.
    pub events: Vec<EventView>,
    #[serde(skip)]
    pub log_scroll: usize,
}

impl ContainerView {
    /// The container's name, when found.
    pub fn name(&self) -> Option<&str> {
        self.info.as_ref().map(|i| i.name.as_str())
    }
}

impl DockerState {
    /// Takes one message; returns the timeline lines and log events it causes.
    pub fn on_msg(&mut self, m: &DockerMsg) -> Vec<(&'static str, String)> {
        let mut said = Vec::new();
        match &m.event {
            DockerEvent::Unavailable(reason) => {
                let st = ContainerStatus::Unavailable {
                    reason: reason.clone(),
                };
                if self.status != st {
                    said.push(("container", format!("Docker unavailable: {reason}")));
                }
                self.status = st;
            }
            DockerEvent::NotFound(reason) => {
                let st = ContainerStatus::NotFound {
                    reason: reason.clone(),
                };
                if self.status != st {
                    said.push(("container", format!("container not found: {reason}")));
                }
                self.status = st;
            }
            DockerEvent::Inspected(info) => said.extend(self.inspected(m.at, info)),
            DockerEvent::Logs(lines) => self.logs.clone_from(lines),
            DockerEvent::Event(e) => {
                // The engine sends `oom` a dozen times in a burst: one line says it.
                let repeat = self.events.front().is_some_and(|(t, last)| {
                    last.text == e.text && m.at.saturating_duration_since(*t) < REPEAT_WINDOW
                });
                if repeat {
                    return said;
                }
                if e.action == "start" {
                    self.starts.push_back(m.at);
                }
                self.events.push_front((m.at, e.clone()));
                self.events.truncate(EVENTS_KEEP);
                let name = self.info.as_ref().map_or("?", |i| i.name.as_str());
                said.push(("container", format!("container {name}: {}", e.text)));
            }
        }
        said
    }

    fn inspected(&mut self, at: Instant, info: &ContainerInfo) -> Vec<(&'static str, String)> {
        let mut said = Vec::new();
        match &self.info {
            None => said.push((
                "container",
                format!("container {} found: {}", info.name, state_words(info)),
            )),
            Some(prev) => {
                if prev.state != info.state || prev.oom_killed != info.oom_killed {
                    let was = prev.state.word();
                    said.push((
                        "container",
                        format!("container {}: {was} → {}", info.name, state_words(info)),
                    ));
                }
                let more = info.restart_count.saturating_sub(prev.restart_count);
                let starts_seen = self
                    .starts
                    .iter()
                    .filter(|t| at.duration_since(**t) < Duration::from_secs(4))
                    .count();
                for _ in starts_seen..usize::try_from(more).unwrap_or(0) {
                    self.starts.push_back(at);
                }
            }
        }
        self.status = ContainerStatus::Found;
        self.info = Some(info.clone());
        self.info_at = Some(at);
        while self
            .starts
            .front()
            .is_some_and(|t| at.duration_since(*t) > RESTART_WINDOW)
        {
            self.starts.pop_front();
        }
        said
    }

    /// The view at `now`, beside the Redis figures of `snap`.
    pub fn view(&self, now: Instant, snap: &Snapshot) -> ContainerView {
        let restarts = self
            .starts
            .iter()
            .filter(|t| now.saturating_duration_since(**t) <= RESTART_WINDOW)
            .count();
        let mut v = ContainerView {
            status: self.status.clone(),
            info: self.info.clone(),
            age_secs: self
                .info_at
                .map(|t| now.saturating_duration_since(t).as_secs()),
            redis_uptime_secs: snap.header.uptime_secs,
            restarts_last_5m: u32::try_from(restarts).unwrap_or(u32::MAX),
            checks: Vec::new(),
            signals: Vec::new(),
            log_tail: self.logs.clone(),
            events: self
                .events
                .iter()
                .map(|(at, e)| EventView {
                    ago_secs: now.saturating_duration_since(*at).as_secs(),
                    text: e.text.clone(),
                })
                .collect(),
            log_scroll: self.log_scroll,
        };
        v.signals = cross_checks(&v, snap);
        v.checks = v.signals.iter().filter(|c| holds(c)).cloned().collect();
        v
    }
}

/// `running healthy`, `exited (code 137, OOMKilled)`.
pub fn state_words(i: &ContainerInfo) -> String {
    let mut s = i.state.word().to_string();
    if matches!(i.state, RunState::Exited | RunState::Dead) {
        let code = i.exit_code.map_or("?".into(), |c| c.to_string());
        let _ = std::fmt::Write::write_fmt(&mut s, format_args!(" (code {code}"));
        if i.oom_killed {
            s.push_str(", OOMKilled");
        }
        s.push(')');
    } else if let Some(h) = &i.health {
        s.push(' ');
        s.push_str(h);
    }
    s
}

/// A cross-check holds when its signal is set (the restart loop: 3 or more).
fn holds(c: &CrossCheck) -> bool {
    match c.signal {
        "container_restart_loop" => c.value >= 3.0,
        "maxmemory_over_limit" => c.value > 1.0,
        _ => c.value > 0.0,
    }
}

fn check(signal: &'static str, value: f64, text: String) -> CrossCheck {
    CrossCheck {
        signal,
        value,
        text,
    }
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The container signals known now (absent when no container was found).
pub fn cross_checks(v: &ContainerView, snap: &Snapshot) -> Vec<CrossCheck> {
    let Some(i) = &v.info else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let exited = matches!(i.state, RunState::Exited | RunState::Dead);
    let code = i.exit_code.map_or("?".into(), |c| c.to_string());
    out.push(check(
        "container_exited",
        flag(exited),
        format!(
            "container {} {} with exit code {code}",
            i.name,
            i.state.word()
        ),
    ));
    out.push(check(
        "container_restarting",
        flag(i.state == RunState::Restarting),
        format!(
            "container {} is restarting (restart count {})",
            i.name, i.restart_count
        ),
    ));
    out.push(check(
        "container_restart_loop",
        f64::from(v.restarts_last_5m),
        format!(
            "container restarted {} times in the last 5 min",
            v.restarts_last_5m
        ),
    ));
    let limit = i.mem_limit.map_or("none".into(), bytes);
    out.push(check(
        "container_oom_killed",
        flag(i.oom_killed),
        format!("OOMKilled: {}, limit {limit}", i.oom_killed),
    ));
    memory_checks(&mut out, i, snap);
    if let Some(h) = &i.health {
        let up = snap.header.connection == ConnState::Up;
        let streak = i.failing_streak.unwrap_or(0);
        out.push(check(
            "container_unhealthy",
            flag(up && h == "unhealthy"),
            format!("container {h} (failing streak {streak}) while Redis answers"),
        ));
    }
    out
}

/// maxmemory against the container's memory limit.
fn memory_checks(out: &mut Vec<CrossCheck>, i: &ContainerInfo, snap: &Snapshot) {
    let (Some(limit), Some(max)) = (i.mem_limit, snap.memory.max_bytes) else {
        return;
    };
    if max > 0 {
        out.push(check(
            "maxmemory_over_limit",
            max as f64 / limit as f64,
            format!(
                "maxmemory {} is above the container's limit {}: the kernel kills Redis before it evicts",
                bytes(max),
                bytes(limit)
            ),
        ));
    }
    out.push(check(
        "no_maxmemory_limited",
        flag(max == 0),
        format!(
            "no maxmemory in a container limited to {}: Redis grows until the kernel kills it",
            bytes(limit)
        ),
    ));
}

impl State {
    /// A message from the Docker source: the state, then the timeline and incident log.
    pub fn on_docker(&mut self, m: &DockerMsg) -> Vec<Effect> {
        self.now = self.now.max(m.at);
        let d = self.docker.get_or_insert_with(DockerState::default);
        let said = d.on_msg(m);
        if let crate::docker::types::DockerEvent::Logs(lines) = &m.event
            && let Some(inst) = self.instances.get_mut(self.selected)
        {
            inst.on_container_log(lines);
        }
        let target = self
            .instances
            .get(self.selected)
            .map_or_else(String::new, |i| i.display.clone());
        let mut effects = Vec::new();
        for (kind, text) in said {
            self.actions.push_timeline(m.at, text.clone());
            let mut ev = crate::model::log_event::LogEvent::new(m.wall, &target, kind, text);
            ev.time = crate::format::rfc3339(m.wall);
            effects.push(Effect::Log(Box::new(ev)));
        }
        effects.extend(self.after_sample(m.at));
        effects.push(Effect::Redraw);
        effects
    }
}

#[cfg(test)]
mod tests;
