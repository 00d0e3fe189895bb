//! The guided runbook (`r`): the runbook's phases — immediate actions, investigation,
//! resolution, validation, post-incident — with each step's state: done by redtriage from
//! what it reads, done by an action of this session, running, waiting for the engineer, or
//! not needed; and the incident clock against the runbook's SLA.

use std::time::Duration;

use super::diagnosis::{CauseView, Likelihood};
use super::state::State;
use super::view::{ConnState, Snapshot};
use crate::format::{age, micros, pct};

/// The runbook's SLA when the runbook file does not set `settings.sla`.
pub const DEFAULT_SLA: Duration = Duration::from_secs(30 * 60);

/// State of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// redtriage read it for you.
    Auto,
    /// An action of this session did it.
    Action,
    /// Going on now (an action, the stability watch).
    Running,
    /// The engineer's move.
    Waiting,
    /// Nothing points to it.
    NotNeeded,
}

impl StepState {
    pub fn word(self) -> &'static str {
        match self {
            StepState::Auto => "done (auto)",
            StepState::Action => "done (action)",
            StepState::Running => "running",
            StepState::Waiting => "waiting for you",
            StepState::NotNeeded => "not needed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: String,
    pub state: StepState,
    /// The figure or the outcome, escaped.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub title: &'static str,
    pub steps: Vec<Step>,
}

/// The Runbook pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideView {
    /// `no incident`, `INVESTIGATING`, `MITIGATING`, `MONITORING`, `RESOLVED`.
    pub status: &'static str,
    /// Incident time so far (to the resolution once resolved), seconds.
    pub elapsed_secs: Option<u64>,
    pub sla_secs: u64,
    pub phases: Vec<Phase>,
}

fn step(title: &str, state: StepState, detail: impl Into<String>) -> Step {
    Step {
        title: title.into(),
        state,
        detail: detail.into(),
    }
}

impl State {
    /// The guided runbook for the selected target, from `snap` (its current view).
    pub fn guide(&self, snap: &Snapshot) -> GuideView {
        let inc = self.actions.incident;
        let end = inc.resolved.unwrap_or(self.now);
        let status = if inc.since.is_none() {
            "no incident"
        } else if inc.resolved.is_some() {
            "RESOLVED"
        } else if self.actions.watch.is_some() && !self.unaddressed_likely(snap) {
            // Watching the fix, and no likely cause was left without one.
            "MONITORING"
        } else if self.actions.running.is_some() {
            "MITIGATING"
        } else {
            "INVESTIGATING"
        };
        let sla = self
            .actions
            .runbook
            .settings
            .sla
            .as_deref()
            .and_then(crate::format::parse_duration)
            .unwrap_or(DEFAULT_SLA);
        GuideView {
            status,
            elapsed_secs: inc
                .since
                .map(|s| end.saturating_duration_since(s).as_secs()),
            sla_secs: sla.as_secs(),
            phases: vec![
                self.immediate(snap),
                self.investigation(snap),
                self.resolution(snap),
                self.validation(snap),
                self.post_incident(snap),
            ],
        }
    }

    /// A likely cause that none of this incident's actions was for (the watch after an
    /// unrelated fix is not the end of the investigation).
    fn unaddressed_likely(&self, snap: &Snapshot) -> bool {
        let runbook = &self.actions.runbook;
        let since = self.actions.incident.since;
        (snap.diagnosis.iter())
            .filter(|c| c.verdict == Likelihood::Likely)
            .any(|c| {
                !(self.actions.done.iter())
                    .filter(|r| since.is_none_or(|s| r.at >= s))
                    .any(|r| {
                        runbook
                            .causes
                            .iter()
                            .any(|rc| rc.id == c.cause && rc.actions.contains(&r.name))
                    })
            })
    }

    /// The latest finished run of any of `names`: (ok, `✓ name: summary`).
    fn ran(&self, names: &[&str]) -> Option<(bool, String)> {
        self.actions
            .done
            .iter()
            .rev()
            .find(|r| names.contains(&r.name.as_str()))
            .map(|r| {
                let mark = if r.ok { "✓" } else { "✗" };
                (r.ok, format!("{mark} {}: {}", r.name, r.summary))
            })
    }

    fn running(&self, names: &[&str]) -> Option<String> {
        let r = self.actions.running.as_ref()?;
        names.contains(&r.name.as_str()).then(|| {
            let secs = self.now.saturating_duration_since(r.started).as_secs();
            format!("{} for {}", r.name, crate::format::age(secs))
        })
    }

    /// A step done by one of `names`, running, or else `otherwise`.
    fn by_action(&self, title: &str, names: &[&str], otherwise: (StepState, String)) -> Step {
        if let Some(r) = self.running(names) {
            return step(title, StepState::Running, r);
        }
        match self.ran(names) {
            Some((_, text)) => step(title, StepState::Action, text),
            None => step(title, otherwise.0, otherwise.1),
        }
    }

    fn immediate(&self, snap: &Snapshot) -> Phase {
        let h = &snap.header;
        let status = match (&h.connection, h.latency_p50_us) {
            (ConnState::Connecting, _) => {
                step("Verify Redis status", StepState::Waiting, "connecting…")
            }
            (c, Some(p50)) if *c == ConnState::Up => step(
                "Verify Redis status",
                StepState::Auto,
                format!("UP, PING p50 {}", micros(p50)),
            ),
            _ => step(
                "Verify Redis status",
                StepState::Auto,
                h.connection_label.clone(),
            ),
        };
        let hr = &snap.hit_rate;
        let degradation = match (hr.now_percent, hr.lookups_per_sec) {
            (Some(p), Some(l)) if l > 0.0 => {
                format!("hit rate {} (target > {}%)", pct(p), hr.target_percent)
            }
            _ => "no cache lookups to judge the hit rate by".into(),
        };
        let degradation = self.by_action(
            "Check service degradation",
            &["app-health"],
            (StepState::Auto, degradation),
        );
        let restarts = ["restart-plain", "restart-compose", "restart-systemd"];
        let down = !matches!(h.connection, ConnState::Up | ConnState::Loading { .. });
        let otherwise = if down {
            (
                StepState::Waiting,
                "Redis does not answer: a → restart".to_string(),
            )
        } else {
            (StepState::NotNeeded, "Redis answers".to_string())
        };
        Phase {
            title: "Immediate actions (0-5 min)",
            steps: vec![
                status,
                degradation,
                self.by_action("Quick mitigation: restart Redis", &restarts, otherwise),
            ],
        }
    }

    fn resolution(&self, snap: &Snapshot) -> Phase {
        let options: [(&str, &str, &[&str]); 4] = [
            (
                "Option 1: restart Redis",
                "A",
                &["restart-plain", "restart-compose", "restart-systemd"],
            ),
            (
                "Option 2: increase the memory limit",
                "B",
                &["maxmemory", "maxmemory-policy"],
            ),
            ("Option 3: fix the connection pool", "C", &["client-kill"]),
            (
                "Option 4: persistence recovery",
                "E",
                &["check-aof", "fix-aof", "check-rdb"],
            ),
        ];
        let ctx = self.action_context();
        let steps = options
            .iter()
            .map(|(title, cause, names)| {
                let c = snap.diagnosis.iter().find(|c| c.cause == *cause);
                let blocked = self
                    .actions
                    .runbook
                    .find(names[0])
                    .and_then(|spec| ctx.unavailable(spec));
                let otherwise = match c {
                    // The runbook's remedy cannot run here (CONFIG renamed away on a managed
                    // service): say so, the change goes through the provider instead.
                    Some(c) if c.verdict == Likelihood::Likely && blocked.is_some() => (
                        StepState::Waiting,
                        format!(
                            "cause {cause} is likely; {} cannot run here ({}): use the \
                             provider's console",
                            names[0],
                            blocked.unwrap_or_default()
                        ),
                    ),
                    Some(c) if c.verdict == Likelihood::Likely => (
                        StepState::Waiting,
                        format!("cause {cause} is likely: d, enter opens {}", names[0]),
                    ),
                    Some(c) => (
                        StepState::NotNeeded,
                        format!("cause {cause} {}", c.verdict.word()),
                    ),
                    None => (
                        StepState::NotNeeded,
                        format!("cause {cause} not in the runbook"),
                    ),
                };
                if let Some(r) = self.running(names) {
                    return step(title, StepState::Running, r);
                }
                // Done for the cause it resolves: while that cause is still likely the fix
                // is being watched; a cause nothing points to was not what it fixed.
                let seen = self.actions.incident_likely.contains(*cause);
                match (self.ran(names), c.map(|c| c.verdict)) {
                    (Some((true, text)), Some(Likelihood::Likely)) => step(
                        title,
                        StepState::Running,
                        format!("{text}; cause {cause} still likely: watching"),
                    ),
                    (Some((_, text)), Some(Likelihood::RuledOut | Likelihood::Unknown) | None)
                        if !seen =>
                    {
                        step(
                            title,
                            StepState::NotNeeded,
                            format!("{text} (cause {cause} not indicated)"),
                        )
                    }
                    (Some((_, text)), _) => step(title, StepState::Action, text),
                    (None, _) => step(title, otherwise.0, otherwise.1),
                }
            })
            .collect();
        let mut steps: Vec<Step> = steps;
        steps.extend(self.log_sequence());
        Phase {
            title: "Resolution",
            steps,
        }
    }

    /// The steps the server's log asks for (a damaged AOF: check, repair, restart), the
    /// next one waiting for `enter`.
    fn log_sequence(&self) -> Vec<Step> {
        let Some(seq) = self.log_steps() else {
            return Vec::new();
        };
        let what = match seq.kind {
            crate::collect::serverlog::LogKind::Aof => "the log says the AOF is damaged",
            crate::collect::serverlog::LogKind::Rdb => "the log says the RDB does not load",
            _ => "the log says the disk is full or failing",
        };
        (seq.steps.iter().enumerate())
            .map(|(i, name)| {
                let title = format!("Option 4.{}: {name}", i + 1);
                let otherwise = match i.cmp(&seq.next) {
                    std::cmp::Ordering::Equal => (
                        StepState::Waiting,
                        format!("next ({what}): d, enter opens {name}"),
                    ),
                    std::cmp::Ordering::Less => (StepState::NotNeeded, "skipped".to_string()),
                    std::cmp::Ordering::Greater => {
                        (StepState::Waiting, format!("after {}", seq.steps[i - 1]))
                    }
                };
                // A step done earlier in the sequence shows its outcome; the next one its
                // invitation even when an earlier run of it failed.
                if i == seq.next && self.running(&[name]).is_none() {
                    return step(&title, otherwise.0, otherwise.1);
                }
                self.by_action(&title, &[name], otherwise)
            })
            .collect()
    }

    fn validation(&self, snap: &Snapshot) -> Phase {
        let h = &snap.header;
        let probe_key = self.actions.runbook.find("probe").and_then(|s| s.key);
        let hint = probe_key.map_or("a → probe".to_string(), |k| {
            format!("{k} runs the SET/GET/DEL probe")
        });
        let test = self.by_action(
            "Test Redis operations (SET/GET/DEL)",
            &["probe"],
            (StepState::Waiting, hint),
        );
        let metrics = format!(
            "uptime {}, hit rate {}, {}",
            h.uptime_secs.map_or("—".into(), age),
            snap.hit_rate.now_percent.map_or("—".into(), pct),
            snap.clients.connected.map_or("— clients".into(), |n| {
                crate::format::plural(n, "client")
            })
        );
        let inc = self.actions.incident;
        let stability = match (&self.actions.watch, inc.resolved, inc.since) {
            (_, Some(_), _) => step(
                "Monitor for stability",
                StepState::Auto,
                "the watch window completed: stable",
            ),
            (Some(w), None, _) => step(
                "Monitor for stability",
                StepState::Running,
                w.view(self.now).text,
            ),
            (None, None, Some(_)) => step(
                "Monitor for stability",
                StepState::Waiting,
                "w starts the stability watch",
            ),
            (None, None, None) => {
                step("Monitor for stability", StepState::NotNeeded, "no incident")
            }
        };
        Phase {
            title: "Validation",
            steps: vec![
                test,
                step("Check metrics", StepState::Auto, metrics),
                stability,
            ],
        }
    }

    fn post_incident(&self, snap: &Snapshot) -> Phase {
        let top = self
            .instances
            .get(self.selected)
            .map(|i| super::diagnosis::slow_commands(&i.slowlog))
            .unwrap_or_default();
        let slow = top.first().map_or("slowlog empty".to_string(), |t| {
            format!(
                "top: {} ×{} (max {}), {}",
                t.command,
                t.count,
                micros(t.max_us),
                crate::format::plural(top.len() as u64, "command")
            )
        });
        let logged = self.actions.log_path.is_some();
        let (stats_state, stats) = if logged {
            (
                StepState::Auto,
                "commandstats go to the incident log every minute",
            )
        } else {
            (
                StepState::Waiting,
                "no incident log: INFO commandstats by hand",
            )
        };
        let _ = snap;
        Phase {
            title: "Post-incident",
            steps: vec![
                step("Analyze the slowlog", StepState::Auto, slow),
                step("Review command stats", stats_state, stats),
                step(
                    "Write the postmortem",
                    StepState::Waiting,
                    "redtriage report <incident log>",
                ),
                step(
                    "Send the resolution message",
                    StepState::Waiting,
                    "c opens the templates",
                ),
            ],
        }
    }
}

impl State {
    /// One step per cause, in the runbook's order, with its verdict and first evidence.
    fn investigation(&self, snap: &Snapshot) -> Phase {
        let order = &self.actions.runbook.causes;
        let up = snap.header.connection == ConnState::Up;
        let mut causes: Vec<&CauseView> = snap.diagnosis.iter().collect();
        causes.sort_by_key(|c| order.iter().position(|o| o.id == c.cause));
        // Likely and possible causes one line each; the rest grouped, so it fits 80×24.
        let mut steps: Vec<Step> = causes
            .iter()
            .filter(|c| matches!(c.verdict, Likelihood::Likely | Likelihood::Possible))
            .map(|c| {
                let first = c.evidence.first().map_or("no data", |e| e.text.as_str());
                let detail = format!("{}: {first}", c.verdict.word());
                step(&format!("{} {}", c.cause, c.title), StepState::Auto, detail)
            })
            .collect();
        let ids = |v: Likelihood| {
            causes
                .iter()
                .filter(|c| c.verdict == v)
                .map(|c| c.cause.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ruled_out = ids(Likelihood::RuledOut);
        if !ruled_out.is_empty() {
            let detail = "their figures are within target (d lists them)";
            steps.push(step(
                &format!("ruled out: {ruled_out}"),
                StepState::Auto,
                detail,
            ));
        }
        let unknown = ids(Likelihood::Unknown);
        if !unknown.is_empty() {
            // Why, when the server cannot tell (a command renamed away): not "yet".
            let why = causes
                .iter()
                .filter(|c| c.verdict == Likelihood::Unknown)
                .find_map(|c| c.evidence.first())
                .map(|e| e.text.as_str());
            let (state, detail) = match (up, why) {
                (true, Some(why)) => (StepState::NotNeeded, why),
                (true, None) => (StepState::NotNeeded, "nothing to judge them by yet"),
                (false, _) => (StepState::Waiting, "no data from Redis"),
            };
            steps.push(step(&format!("unknown: {unknown}"), state, detail));
        }
        Phase {
            title: "Investigation (5-30 min)",
            steps,
        }
    }
}

/// Elapsed against the SLA in words: `12m05s of 30m SLA, 17m55s left` / `SLA exceeded by 3m`.
pub fn sla_words(g: &GuideView) -> String {
    match g.elapsed_secs {
        None => format!("no incident (SLA {})", age(g.sla_secs)),
        Some(e) if e <= g.sla_secs => {
            format!(
                "{} of {} SLA, {} left",
                age(e),
                age(g.sla_secs),
                age(g.sla_secs - e)
            )
        }
        Some(e) => format!(
            "{} of {} SLA: exceeded by {}",
            age(e),
            age(g.sla_secs),
            age(e - g.sla_secs)
        ),
    }
}

#[cfg(test)]
mod tests;
