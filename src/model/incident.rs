//! What the incident log records beyond actions and state changes, for the postmortem:
//! the figures every minute (and at every connection change) and each change of the likely
//! causes. Everything here comes from the view, so it is already escaped.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::actions::log_event;
use super::diagnosis::{Likelihood, slow_commands};
use super::instance::Instance;
use super::state::{Effect, State};
use super::view::Snapshot;

/// Figures are logged this often while a target is watched.
pub const FIGURES_EVERY: Duration = Duration::from_secs(60);
/// Commands kept in a `figures` event's commandstats (by time spent).
const COMMANDSTATS_KEEP: usize = 20;

/// The `data` of a `figures` event.
pub fn figures(snap: &Snapshot, inst: &Instance) -> Value {
    let m = &snap.memory;
    let c = &snap.clients;
    let mut stats: Vec<(&String, &crate::collect::types::CommandStat)> =
        inst.commandstats.value.iter().flatten().collect();
    stats.sort_by_key(|(_, v)| std::cmp::Reverse(v.usec));
    let commandstats: serde_json::Map<String, Value> = stats
        .into_iter()
        .take(COMMANDSTATS_KEEP)
        .map(|(k, v)| {
            (
                crate::escape::plain_str(k),
                json!({"calls": v.calls, "usec": v.usec}),
            )
        })
        .collect();
    json!({
        "connection": snap.header.connection_label,
        "health": snap.header.health.overall.word(),
        "used_memory": m.used_bytes,
        "maxmemory": m.max_bytes,
        "used_percent": m.used_percent,
        "clients": c.connected,
        "maxclients": c.max,
        "hit_rate_percent": snap.hit_rate.now_percent,
        "ops_per_sec": snap.header.ops_per_sec,
        "ping_p50_us": snap.errors.ping_p50_us,
        "evictions_per_sec": m.evictions_per_sec,
        "errors_per_sec": snap.errors.errors_per_sec,
        "slowlog_top": slow_commands(&inst.slowlog).into_iter().take(5).collect::<Vec<_>>(),
        "commandstats": commandstats,
    })
}

/// `likely: B Out of memory; possible: hit_rate Hit-rate collapse`, or `no likely cause`.
pub fn diagnosis_words(snap: &Snapshot) -> String {
    let list = |v: Likelihood| {
        snap.diagnosis
            .iter()
            .filter(|c| c.verdict == v)
            .map(|c| format!("{} {}", c.cause, c.title))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (likely, possible) = (list(Likelihood::Likely), list(Likelihood::Possible));
    let mut out = if likely.is_empty() {
        "no likely cause".to_string()
    } else {
        format!("likely: {likely}")
    };
    if !possible.is_empty() {
        out.push_str("; possible: ");
        out.push_str(&possible);
    }
    out
}

impl State {
    /// A `figures` event of the selected target now (written at quit).
    pub fn final_figures(&self) -> Option<crate::model::log_event::LogEvent> {
        let snap = self.view(0)?;
        let inst = self.instances.get(self.selected)?;
        let mut ev = log_event(
            &snap.header.target,
            "figures",
            snap.header.connection_label.clone(),
        );
        ev.data = Some(figures(&snap, inst));
        Some(ev)
    }

    /// Log effects for a change of the likely causes, and for the figures: every minute, and
    /// beside every change (`changed`: connection state or health; or the likely causes).
    pub fn log_incident(&mut self, at: Instant, snap: &Snapshot, changed: bool) -> Vec<Effect> {
        let mut out = Vec::new();
        let likely: Vec<&str> = snap
            .diagnosis
            .iter()
            .filter(|c| c.verdict == Likelihood::Likely)
            .map(|c| c.cause.as_str())
            .collect();
        let key = likely.join(",");
        let diag_changed = self.actions.last_likely.as_deref() != Some(key.as_str());
        if diag_changed {
            let first = self.actions.last_likely.replace(key).is_none();
            if !(first && likely.is_empty()) {
                let text = diagnosis_words(snap);
                self.actions.push_timeline(at, format!("diagnosis: {text}"));
                let mut ev = log_event(&snap.header.target, "diagnosis", text);
                let shown: Vec<_> = snap
                    .diagnosis
                    .iter()
                    .filter(|c| matches!(c.verdict, Likelihood::Likely | Likelihood::Possible))
                    .collect();
                ev.data = serde_json::to_value(shown).ok();
                out.push(Effect::Log(Box::new(ev)));
            }
        }
        let due = self
            .actions
            .last_figures
            .is_none_or(|t| at.saturating_duration_since(t) >= FIGURES_EVERY);
        // Figures beside every change, so the postmortem has "during" even for a short fault.
        if (due || changed || diag_changed)
            && let Some(inst) = self.instances.get(self.selected)
        {
            self.actions.last_figures = Some(at);
            let mut ev = log_event(
                &snap.header.target,
                "figures",
                snap.header.connection_label.clone(),
            );
            ev.data = Some(figures(snap, inst));
            out.insert(0, Effect::Log(Box::new(ev)));
        }
        out
    }
}
