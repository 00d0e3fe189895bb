//! The [`Facts`] the communication templates are filled with, from the state at `now`:
//! status from the running action and the stability watch, impact from the connection and
//! the hit rate, duration since the first fault seen, root cause from the diagnosis, actions
//! from this session's timeline. Everything is already escaped (it comes from the view).

use std::time::Duration;

use crate::model::comms::Facts;
use crate::model::state::State;
use crate::model::view::{ConnState, Snapshot, Verdict};

/// The runbook's severity. The runbook gives one severity for the whole incident class and no
/// rule to raise it, so redtriage does not invent one.
pub const SEVERITY: &str = "MEDIUM";
/// The runbook's SLA: 30 minutes to resolution.
pub const SLA: Duration = Duration::from_secs(30 * 60);

/// `RESTARTING` while a restart action runs, `MONITORING` while the stability watch runs,
/// `RESOLVED` once it says stable, else `INVESTIGATING`.
pub fn status(state: &State) -> &'static str {
    let a = &state.actions;
    if a.running
        .as_ref()
        .is_some_and(|r| r.name.starts_with("restart"))
    {
        "RESTARTING"
    } else if let Some(w) = &a.watch {
        if w.reached { "RESOLVED" } else { "MONITORING" }
    } else {
        "INVESTIGATING"
    }
}

/// `12 minutes`, `1 minute`, `less than a minute`.
pub fn minutes(d: Duration) -> String {
    match d.as_secs() / 60 {
        0 => "less than a minute".into(),
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "unknown".into(), |p| format!("{p:.1}%"))
}

fn latency(us: Option<u64>) -> String {
    us.map_or_else(
        || "unknown".into(),
        |us| format!("{:.2} ms", us as f64 / 1000.0),
    )
}

fn impact(snap: &Snapshot) -> String {
    let h = &snap.header;
    let hr = snap.hit_rate.now_percent.or(snap.hit_rate.m1_percent);
    if h.connection != ConnState::Up {
        return format!(
            "Cache unavailable (Redis {}), performance degraded",
            h.connection_label
        );
    }
    let target = snap.hit_rate.target_percent;
    let mut text = match snap.hit_rate.verdict {
        Verdict::Warn | Verdict::Crit => format!(
            "Cache degraded: hit rate {} (target > {target:.0}%)",
            percent(hr)
        ),
        _ => format!("Cache available, hit rate {}", percent(hr)),
    };
    let bad: Vec<String> = h
        .health
        .items
        .iter()
        .filter(|i| matches!(i.verdict, Verdict::Warn | Verdict::Crit) && i.name != "hit_rate")
        .map(|i| format!("{} {}", i.name, i.value))
        .collect();
    if !bad.is_empty() {
        text = format!("{text}; {}", bad.join(", "));
    }
    text
}

/// The first likely cause: its title and top evidence; once fixed, the one last seen likely
/// in this incident; `unknown yet` when none.
fn root_cause(snap: &Snapshot, seen: Option<&String>) -> String {
    likely(snap)
        .or_else(|| seen.cloned())
        .unwrap_or_else(|| "unknown yet".into())
}

/// Title and top evidence (the first one for the cause) of the first `likely` entry, in
/// plain words: `Slow commands — slowlog +160/min, top: EVAL ×26 (max 8.1ms)`, without the
/// rule's threshold (`(≥ 6.0)`), which means nothing to the people reading the message.
pub fn likely(snap: &Snapshot) -> Option<String> {
    let c = first_likely(snap)?;
    // Evidence that holds now; a cause held up only by lingering rules is not named here
    // (the one remembered from when it held is).
    let e = c
        .evidence
        .iter()
        .find(|e| !e.against && !e.text.starts_with("no longer: "))?;
    Some(format!("{} — {}", c.title, without_threshold(&e.text)))
}

fn first_likely(snap: &Snapshot) -> Option<&crate::model::diagnosis::CauseView> {
    (snap.diagnosis.iter()).find(|c| c.verdict == crate::model::diagnosis::Likelihood::Likely)
}

/// An evidence text without the rule's threshold at its end: `… (≥ 6.0)` → `…`.
pub fn without_threshold(text: &str) -> &str {
    match text.rfind(" (") {
        Some(at) if text.ends_with(')') && text[at + 2..].starts_with(['≥', '≤', '<', '>']) => {
            &text[..at]
        }
        _ => text,
    }
}

/// The initial alert's headline: the runbook's `Redis Connection Issues` when Redis cannot
/// be reached (or nothing is known yet), else what the diagnosis found (`Redis: Slow
/// commands`), so a slow-commands incident is not announced as a connection failure.
pub(super) fn headline(snap: &Snapshot) -> String {
    const RUNBOOK: &str = "Redis Connection Issues";
    match first_likely(snap) {
        Some(c) if !matches!(c.cause.as_str(), "A" | "D") => format!("Redis: {}", c.title),
        _ => RUNBOOK.into(),
    }
}

/// The runbook's `API operating in cache-bypass mode` only while the cache cannot be used
/// (down, hung, full, writes refused); otherwise what is being done.
pub(super) fn mitigation(state: &State, snap: &Snapshot) -> String {
    let h = &snap.header;
    if let Some(r) = &state.actions.running {
        return format!("{} running", r.name);
    }
    if h.connection != ConnState::Up || h.writes_refused {
        return "API operating in cache-bypass mode".into();
    }
    "none needed yet: Redis is serving".into()
}

/// This session's actions from the timeline (`✓ name: summary`, `✗ name: summary`), plus the
/// one running now: `(name, Some(ok) | None for running)`.
fn actions(state: &State) -> Vec<(String, Option<bool>)> {
    let mut out: Vec<(String, Option<bool>)> = state
        .actions
        .timeline
        .iter()
        .filter_map(|e| {
            let (ok, rest) = if let Some(r) = e.text.strip_prefix("✓ ") {
                (true, r)
            } else {
                (false, e.text.strip_prefix("✗ ")?)
            };
            let name = rest.split_once(':').map_or(rest, |(n, _)| n);
            Some((name.to_string(), Some(ok)))
        })
        .collect();
    if let Some(r) = &state.actions.running {
        out.push((r.name.clone(), None));
    }
    out
}

fn validation(state: &State, snap: &Snapshot) -> String {
    let hr = percent(snap.hit_rate.now_percent.or(snap.hit_rate.m1_percent));
    let probe = state
        .actions
        .timeline
        .iter()
        .rev()
        .find_map(|e| e.text.strip_prefix("probe "))
        .map(|p| {
            let word = p.split_once(':').map_or(p, |(w, _)| w);
            format!("last probe (SET/GET/DEL) {word}, ")
        })
        .unwrap_or_default();
    let watch = match &state.actions.watch {
        Some(w) if w.reached => format!(
            "health targets held for {} (stability watch)",
            minutes(w.window)
        ),
        Some(w) => format!("stability watch running: {}", w.view(state.now).text),
        None => "no stability watch run yet".into(),
    };
    format!("{probe}{watch}, hit rate {hr}")
}

/// Everything the templates can say, from `state` at `state.now`.
pub fn facts(state: &State) -> Facts {
    let Some(snap) = state.view(0) else {
        return Facts::default();
    };
    let elapsed = state
        .comms
        .first_bad
        .map(|t| state.now.saturating_duration_since(t));
    let eta = match elapsed {
        None => minutes(SLA),
        Some(e) if e < SLA => format!("{} minutes", SLA.saturating_sub(e).as_secs().div_ceil(60)),
        Some(e) => format!(
            "overdue by {} (30-minute SLA)",
            minutes(e.saturating_sub(SLA))
        ),
    };
    let acts = actions(state);
    let word = |ok: Option<bool>| match ok {
        Some(true) => "ok",
        Some(false) => "failed",
        None => "running",
    };
    let listed: Vec<String> = acts
        .iter()
        .map(|(n, ok)| format!("{n} ({})", word(*ok)))
        .collect();
    let fixed: Vec<String> = acts
        .iter()
        .filter(|(_, ok)| *ok == Some(true))
        .map(|(n, _)| n.clone())
        .collect();
    let h = &snap.header;
    Facts {
        severity: SEVERITY.into(),
        status: status(state).into(),
        impact: impact(&snap),
        eta,
        duration: elapsed.map_or_else(|| "no fault seen in this session".into(), minutes),
        root_cause: root_cause(&snap, state.actions.root_cause.as_ref()),
        headline: headline(&snap),
        mitigation: mitigation(state, &snap),
        actions: if listed.is_empty() {
            "none yet".into()
        } else {
            listed.join("; ")
        },
        fix: if fixed.is_empty() {
            "no action run by redtriage".into()
        } else {
            fixed.join("; ")
        },
        validation: validation(state, &snap),
        performance: format!(
            "Redis PING p50 {} (target < 1 ms), {} ops/s",
            latency(h.latency_p50_us),
            h.ops_per_sec
                .map_or_else(|| "unknown".into(), |o| format!("{o:.0}"))
        ),
        hit_rate: percent(snap.hit_rate.now_percent.or(snap.hit_rate.m1_percent)),
        latency: latency(h.latency_p50_us),
        target: h.target.clone(),
    }
}
