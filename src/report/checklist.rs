//! The runbook's post-incident "Action Items" checklist, each item with what redtriage
//! observed for it (or that the log does not say).

use std::fmt::Write as _;

use serde_json::Value;

use super::analysis::{self as an, Window, Worse};
use super::markdown::{md, span};
use super::parse::Event;

/// The runbook's seven action items, verbatim.
pub const ITEMS: [&str; 7] = [
    "Set up Redis memory alerts (warning at 80%, critical at 90%)",
    "Configure Redis persistence (AOF + RDB)",
    "Implement connection retry logic",
    "Add Redis exporter for detailed metrics",
    "Set up automated Redis backups",
    "Review cache key patterns for optimization",
    "Test failover to read replica",
];

/// Writes the section.
pub fn section(out: &mut String, events: &[Event], w: Window) {
    let _ = writeln!(out, "## Action items\n");
    let observed = [
        memory(events),
        persistence(events),
        retry(events, w),
        exporter(events),
        backups(events),
        key_patterns(events),
        failover(events),
    ];
    for (item, seen) in ITEMS.iter().zip(observed) {
        let _ = writeln!(out, "- [ ] {item}  \n  Observed: {seen}");
    }
    out.push('\n');
}

fn all_figures(events: &[Event]) -> Vec<usize> {
    an::figures(events)
}

fn memory(events: &[Event]) -> String {
    let idx = all_figures(events);
    let max0 = idx
        .iter()
        .any(|i| an::num(&events[*i], "maxmemory") == Some(0.0));
    match an::worst(events, &idx, "used_percent", Worse::Higher) {
        Some((p, i)) => {
            let level = if p >= 90.0 {
                "above the 90% critical line: a critical alert would have fired"
            } else if p >= 80.0 {
                "above the 80% warning line: a warning would have fired"
            } else {
                "below the 80% warning line"
            };
            format!(
                "memory peak {p:.1}% of maxmemory at {}, {level}.",
                md(&events[i].time)
            )
        }
        None if max0 => "maxmemory is 0 (no limit): percent alerts need a maxmemory set.".into(),
        None => "memory use not recorded in the log.".into(),
    }
}

/// Diagnosis entries of `cause` that were likely or possible: their evidence.
fn cause_evidence(events: &[Event], cause: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().filter(|e| e.kind == "diagnosis") {
        let entries = e.data.as_ref().and_then(Value::as_array);
        for c in entries.into_iter().flatten() {
            if c.get("cause").and_then(Value::as_str) != Some(cause) {
                continue;
            }
            for ev in an::evidence(c) {
                if !out.contains(&ev) {
                    out.push(ev);
                }
            }
        }
    }
    out
}

fn last_word(events: &[Event], keys: &[&str]) -> Vec<String> {
    let Some(e) = events
        .iter()
        .rev()
        .find(|e| e.kind == "figures" && keys.iter().any(|k| an::word(e, k).is_some()))
    else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|k| an::word(e, k).map(|v| format!("{k} {}", md(&v))))
        .collect()
}

fn persistence(events: &[Event]) -> String {
    let mut parts = last_word(
        events,
        &[
            "aof_enabled",
            "aof_last_write_status",
            "rdb_last_bgsave_status",
        ],
    );
    if parts.is_empty() {
        parts.push("AOF/RDB status not recorded in the log".into());
    }
    let e = cause_evidence(events, "E");
    if e.is_empty() {
        parts.push("no disk/persistence problem (cause E) in the diagnosis".into());
    } else {
        parts.push(format!("cause E evidence: {}", md(&e.join("; "))));
    }
    format!("{}.", parts.join("; "))
}

fn retry(events: &[Event], w: Window) -> String {
    let drops: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == "state"
                && e.detail
                    .rsplit_once("→ ")
                    .is_some_and(|(_, to)| !to.starts_with("UP") && !to.starts_with("CONNECTING"))
        })
        .collect();
    let mut text = match drops.len() {
        0 => "redtriage never lost its connection".to_string(),
        n => format!(
            "the connection was lost {n} time(s), first at {} ({})",
            md(&drops[0].time),
            md(&drops[0].detail)
        ),
    };
    if let (Some(a), Some(b)) = (
        w.start.and_then(|i| events[i].secs),
        w.recovered.and_then(|i| events[i].secs),
    ) {
        let _ = write!(text, "; clients had to ride out {} of faults", span(b - a));
    }
    let c = cause_evidence(events, "C");
    if !c.is_empty() {
        let _ = write!(
            text,
            "; connection-pool evidence (C): {}",
            md(&c.join("; "))
        );
    }
    format!("{text}.")
}

fn exporter(events: &[Event]) -> String {
    let flag = events
        .iter()
        .filter(|e| e.kind == "session")
        .find_map(|e| e.data.as_ref()?.get("prometheus").filter(|v| !v.is_null()));
    match flag {
        Some(Value::Bool(true)) => {
            "redtriage ran with --prometheus: an exporter was scraped.".into()
        }
        Some(Value::Bool(false)) => {
            "redtriage ran without --prometheus: no exporter figures were used.".into()
        }
        Some(v) => format!("Prometheus: {}.", md(&super::parse::text(v))),
        None => "unknown: the log does not say whether --prometheus was used.".into(),
    }
}

fn backups(events: &[Event]) -> String {
    let runs = super::actions::runs(events);
    let saves: Vec<String> = runs
        .iter()
        .filter(|r| matches!(r.name(), "bgsave" | "bgrewriteaof"))
        .map(|r| {
            let word = match r.ok() {
                Some(true) => "ok",
                Some(false) => "failed",
                None => "no result",
            };
            format!("{} {word}", md(r.name()))
        })
        .collect();
    let mut parts = last_word(events, &["rdb_last_bgsave_status"]);
    if saves.is_empty() {
        parts.push("no BGSAVE/BGREWRITEAOF run through redtriage".into());
    } else {
        parts.push(format!("run through redtriage: {}", saves.join(", ")));
    }
    format!("{}.", parts.join("; "))
}

fn key_patterns(events: &[Event]) -> String {
    let idx = all_figures(events);
    let mut parts = Vec::new();
    match (
        an::worst(events, &idx, "hit_rate_percent", Worse::Lower),
        an::worst(events, &idx, "hit_rate_percent", Worse::Higher),
    ) {
        (Some((lo, _)), Some((hi, _))) => parts.push(format!(
            "hit rate between {lo:.1}% and {hi:.1}% (target > 80%)"
        )),
        _ => parts.push("hit rate not recorded".into()),
    }
    if let Some((ev, _)) = an::worst(events, &idx, "evictions_per_sec", Worse::Higher)
        && ev > 0.0
    {
        parts.push(format!("evictions up to {ev:.1}/s"));
    }
    if let Some(s) = an::slow_commands(events).first() {
        parts.push(format!(
            "slowest command {} ({} µs)",
            md(&s.command),
            s.max_us
        ));
    }
    if let Some(c) = an::commandstats(events).and_then(|c| c.into_iter().next()) {
        parts.push(format!("most time spent in {}", md(&c.command)));
    }
    format!("{}.", parts.join("; "))
}

fn failover(events: &[Event]) -> String {
    let mut parts = last_word(events, &["role", "connected_slaves"]);
    if parts.is_empty() {
        parts.push("role and replicas not recorded in the log".into());
    }
    let down = events.iter().any(|e| {
        e.kind == "state"
            && e.detail
                .rsplit_once("→ ")
                .is_some_and(|(_, to)| to.starts_with("DOWN") || to.starts_with("UNRESPONSIVE"))
    });
    parts.push(if down {
        "the instance stopped answering: a replica could have served reads".into()
    } else {
        "the instance kept answering".into()
    });
    format!("{}.", parts.join("; "))
}
