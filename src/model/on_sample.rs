//! What each sample (or link change) brings beyond the panes: connection, restart and health
//! changes on the timeline and in the incident log, the incident's bounds and root cause, the
//! stability watch and its probes.

use std::time::Instant;

use super::actions::log_event;
use super::state::{Effect, State};
use super::view::{ConnState, Snapshot, Verdict};
use super::watch;

impl State {
    /// After each sample: log state and health changes, feed the watch, ask for probes.
    pub fn after_sample(&mut self, at: Instant) -> Vec<Effect> {
        let Some(snap) = self.view(0) else {
            return Vec::new();
        };
        if self.frozen.is_none() {
            self.track_diagnosis(self.selected, &snap, at);
        }
        let before = (
            self.actions.last_state.clone(),
            self.actions.last_health.clone(),
        );
        let mut effects: Vec<Effect> = [
            self.log_quick_restart(at, &snap),
            self.log_state(at, &snap),
            self.log_server(at, &snap),
            self.log_health(at, &snap),
        ]
        .into_iter()
        .flatten()
        .collect();
        let changed =
            (&self.actions.last_state, &self.actions.last_health) != (&before.0, &before.1);
        effects.extend(self.log_incident(at, &snap, changed));
        let up = snap.header.connection == ConnState::Up;
        let problem = watch::problem(up, &snap.header.health);
        let likely =
            (snap.diagnosis.iter()).any(|c| c.verdict == super::diagnosis::Likelihood::Likely);
        if (problem.is_some() || likely) && snap.header.connection != ConnState::Connecting {
            let before = self.actions.incident.since;
            self.actions.incident.problem(at);
            if self.actions.incident.since != before {
                self.actions.root_cause = None;
                self.actions.incident_likely.clear();
            }
        }
        for c in
            (snap.diagnosis.iter()).filter(|c| c.verdict == super::diagnosis::Likelihood::Likely)
        {
            self.actions.incident_likely.insert(c.cause.clone());
        }
        // The incident's root cause stays named after the fix made it unlikely.
        if let Some(text) = super::comms::facts::likely(&snap) {
            self.actions.root_cause = Some(text);
        }
        effects.extend(self.feed_watch(at, &snap, up, problem));
        effects.extend(self.tell_prom_run_id());
        effects
    }

    /// The attached server's run id, told to the Prometheus poller when it is new and the
    /// selector was guessed: it finds the exporter's series by it (a single-target exporter
    /// labels them with its own address, not Redis's).
    fn tell_prom_run_id(&mut self) -> Option<Effect> {
        let rid = (self.instances.get(self.selected))
            .and_then(|i| i.info.as_ref())
            .and_then(|i| i.run_id.clone())?;
        let p = self.prom.as_mut().filter(|p| p.selector_guessed)?;
        if p.run_id_told.as_ref() == Some(&rid) {
            return None;
        }
        p.run_id_told = Some(rid.clone());
        Some(Effect::PromRunId(rid))
    }

    /// The stability watch sees the sample: its completion logged, a probe asked when due.
    fn feed_watch(
        &mut self,
        at: Instant,
        snap: &Snapshot,
        up: bool,
        problem: Option<String>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let every = self.actions.probe_every;
        let Some(w) = self.actions.watch.as_mut() else {
            return effects;
        };
        let completed = w.observe(at, problem).then_some(w.window.as_secs());
        let probe = up && w.probe_due(at, every);
        if probe {
            w.last_probe = Some(at);
        }
        if let Some(secs) = completed {
            if self.actions.incident.since.is_some() {
                self.actions.incident.resolved = Some(at);
            }
            let text = format!(
                "STABLE for {}: watch window completed",
                crate::format::age(secs)
            );
            effects.push(self.logged(at, snap, "watch", text));
        }
        if probe {
            let run = self.actions.next_run;
            self.actions.next_run += 1;
            effects.push(Effect::Probe {
                run,
                target: self.targets.get(self.selected).cloned(),
            });
        }
        effects
    }

    /// On the timeline and, as the returned effect, in the incident log.
    fn logged(&mut self, at: Instant, snap: &Snapshot, kind: &'static str, text: String) -> Effect {
        self.actions.push_timeline(at, text.clone());
        Effect::Log(Box::new(log_event(&snap.header.target, kind, text)))
    }

    /// A restart quicker than a poll shows no DOWN: the log still has to say the server went
    /// away (the run id changed under an open link, or the link was re-made at once).
    fn log_quick_restart(&mut self, at: Instant, snap: &Snapshot) -> Option<Effect> {
        let up = snap.header.connection == ConnState::Up;
        let samples = (self.instances.get(self.selected)).map_or(0, |i| i.samples_total);
        let now = (
            snap.header.target.clone(),
            samples,
            snap.header.restarts_seen,
        );
        let (restarted, new_sample) = match &self.actions.last_seen {
            Some((t, n, r)) if *t == now.0 => (now.2 > *r, now.1 > *n),
            _ => (false, false),
        };
        self.actions.last_seen = Some(now);
        self.actions.outage_logged |= !up;
        let quick = restarted && up && !self.actions.outage_logged;
        if new_sample && up {
            self.actions.outage_logged = false;
        }
        quick.then(|| {
            let why = snap.header.last_restart_why.unwrap_or("restart seen");
            let text = format!("UP → RESTARTED → UP ({why}; down for less than a poll)");
            self.logged(at, snap, "state", text)
        })
    }

    /// `UP → DOWN (refused)`.
    fn log_state(&mut self, at: Instant, snap: &Snapshot) -> Option<Effect> {
        let state = state_word(&snap.header.connection);
        if self.actions.last_state.as_deref() == Some(state.as_str()) {
            return None;
        }
        let before = (self.actions.last_state.replace(state)).unwrap_or_else(|| "START".into());
        let text = format!("{before} → {}", snap.header.connection_label);
        Some(self.logged(at, snap, "state", text))
    }

    /// `server valkey 8.1.1`: the server's own name and version, when first known and when it
    /// changes (an upgrade across a restart), for the incident log and the report.
    fn log_server(&mut self, at: Instant, snap: &Snapshot) -> Option<Effect> {
        let h = &snap.header;
        let now = format!("{} {}", h.server_name.as_deref()?, h.version.as_deref()?);
        if self.actions.last_server.as_deref() == Some(now.as_str()) {
            return None;
        }
        self.actions.last_server = Some(now.clone());
        Some(self.logged(at, snap, "server", format!("server {now}")))
    }

    /// `health OK → WARN (memory 83.1%)`; the first word seen is not a change.
    fn log_health(&mut self, at: Instant, snap: &Snapshot) -> Option<Effect> {
        let health = snap.header.health.overall.word().to_string();
        if self.actions.last_health.as_deref() == Some(health.as_str()) {
            return None;
        }
        let before = self.actions.last_health.replace(health.clone())?;
        // As the header says it: an unreachable server has no figures to list.
        let bad = if snap.header.health.overall == Verdict::Unknown {
            "no fresh data".to_string()
        } else {
            (snap.header.health.items.iter())
                .filter(|i| i.verdict != Verdict::Ok)
                .map(|i| format!("{} {}", i.name, i.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let bad = if bad.is_empty() {
            String::new()
        } else {
            format!(" ({bad})")
        };
        let text = format!("health {before} → {health}{bad}");
        Some(self.logged(at, snap, "health", text))
    }
}

/// The connection state without its timers (`UNRESPONSIVE`, `DOWN (refused)`).
fn state_word(c: &ConnState) -> String {
    match c {
        ConnState::Unresponsive { .. } => "UNRESPONSIVE".into(),
        ConnState::Loading { .. } => "LOADING".into(),
        ConnState::Full { .. } => "FULL".into(),
        other => other.label(),
    }
}
