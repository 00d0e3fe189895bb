//! What the report says, worked out from the events: the incident window (first fault to
//! recovery), the figures before/during/after, the root cause, slow commands and
//! commandstats changes.

use serde_json::Value;

use super::parse::{Event, text};

/// Good (`Some(true)`), bad (`Some(false)`) or no news (`None`) for the connection and the
/// health, from one event.
fn signals(e: &Event) -> (Option<bool>, Option<bool>) {
    let after = |s: &str| s.rsplit_once("→ ").map(|(_, b)| b.trim().to_string());
    match e.kind.as_str() {
        "state" => {
            let to = after(&e.detail).unwrap_or_default();
            let conn = if to.starts_with("UP") {
                Some(true)
            } else if to.starts_with("CONNECTING") {
                None
            } else {
                Some(false)
            };
            (conn, None)
        }
        "health" => {
            let (head, items) = e.detail.split_once(" (").unwrap_or((&e.detail, ""));
            let to = after(head).unwrap_or_default();
            let only_benign =
                !items.is_empty() && items.trim_end_matches(')').split(", ").all(benign);
            (None, health_word(&to).map(|ok| ok || only_benign))
        }
        // The health word of a figures event cannot tell a restart's uptime warning from a
        // real problem: the window follows the `health` events (with their items).
        "figures" => {
            let conn = e
                .data
                .as_ref()
                .and_then(|d| d.get("connection"))
                .and_then(Value::as_str)
                .map(|c| c.starts_with("UP"));
            (conn, None)
        }
        _ => (None, None),
    }
}

/// A health item that is not a fault, as the stability watch sees it: a recent restart (the
/// mitigation, usually), a figure without data yet, no maxmemory (configuration).
fn benign(item: &str) -> bool {
    item.starts_with("uptime ")
        || item.ends_with(" no data yet")
        || item.ends_with(crate::model::health::NO_MAXMEMORY)
}

fn health_word(w: &str) -> Option<bool> {
    match w {
        "OK" => Some(true),
        "WARN" | "CRIT" => Some(false),
        _ => None,
    }
}

/// The incident window as event indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// First event that showed a fault.
    pub start: Option<usize>,
    /// The event after which everything stayed good (None: no fault, or not recovered).
    pub recovered: Option<usize>,
}

/// First fault, and the last return to good when the log ends good.
pub fn window(events: &[Event]) -> Window {
    let (mut conn, mut health) = (true, true);
    let mut w = Window::default();
    let mut last_good_turn = None;
    for (i, e) in events.iter().enumerate() {
        let was_bad = !(conn && health);
        let (c, h) = signals(e);
        conn = c.unwrap_or(conn);
        health = h.unwrap_or(health);
        let bad = !(conn && health);
        if bad && w.start.is_none() {
            w.start = Some(i);
        }
        if was_bad && !bad {
            last_good_turn = Some(i);
        }
    }
    if w.start.is_some() && conn && health {
        w.recovered = last_good_turn;
    }
    w
}

/// Indices of the `figures` events.
pub fn figures(events: &[Event]) -> Vec<usize> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == "figures" && e.data.is_some())
        .map(|(i, _)| i)
        .collect()
}

/// A number from a figures event.
pub fn num(e: &Event, key: &str) -> Option<f64> {
    e.data.as_ref()?.get(key)?.as_f64()
}

/// A string from a figures event.
pub fn word(e: &Event, key: &str) -> Option<String> {
    e.data.as_ref()?.get(key).filter(|v| !v.is_null()).map(text)
}

/// How a figure gets worse: up (memory, latency) or down (hit rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worse {
    Higher,
    Lower,
}

/// The figures rows of the report: key, label, which way is worse.
pub const FIGURES: [(&str, &str, Worse); 9] = [
    (
        "used_percent",
        "memory used (% of maxmemory)",
        Worse::Higher,
    ),
    ("used_memory", "memory used (bytes)", Worse::Higher),
    ("clients", "connected clients", Worse::Higher),
    ("hit_rate_percent", "hit rate (%)", Worse::Lower),
    ("ops_per_sec", "ops/s", Worse::Lower),
    ("ping_p50_us", "PING p50 (µs)", Worse::Higher),
    ("evictions_per_sec", "evictions/s", Worse::Higher),
    ("errors_per_sec", "errors/s", Worse::Higher),
    ("maxclients", "maxclients", Worse::Higher),
];

/// The worst value of `key` among `events[idx]`, with its event index.
pub fn worst(events: &[Event], idx: &[usize], key: &str, way: Worse) -> Option<(f64, usize)> {
    idx.iter()
        .filter_map(|i| num(&events[*i], key).map(|v| (v, *i)))
        .reduce(|a, b| {
            let b_worse = match way {
                Worse::Higher => b.0 > a.0,
                Worse::Lower => b.0 < a.0,
            };
            if b_worse { b } else { a }
        })
}

/// The figures events before, during and after the incident: the last one before the first
/// fault, those of the window, the last one after recovery.
pub fn phases(events: &[Event], w: Window) -> (Option<usize>, Vec<usize>, Option<usize>) {
    let all = figures(events);
    let start = w.start.unwrap_or(events.len());
    let end = w.recovered.unwrap_or(events.len());
    let before = all.iter().copied().rfind(|i| *i < start);
    let during = all
        .iter()
        .copied()
        .filter(|i| *i >= start && *i < end)
        .collect();
    let after = w
        .recovered
        .and_then(|r| all.iter().copied().rfind(|i| *i >= r));
    (before, during, after)
}

/// The likely entries of a `diagnosis` event.
fn likely(e: &Event) -> Vec<&Value> {
    e.data
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|c| c.get("verdict").and_then(Value::as_str) == Some("likely"))
                .collect()
        })
        .unwrap_or_default()
}

/// The root cause: of the causes the `diagnosis` events called likely during the incident
/// window (first fault to recovery, or to the end), the one likely for the longest time (the
/// earliest on a tie). The runbook's causes A–E go before the symptoms (slow commands,
/// latency, hit rate), which only name the root cause when none of A–E was likely.
/// Returns (title, evidence texts) of its first likely entry.
pub fn root_cause(events: &[Event], w: Window) -> Option<(String, Vec<String>)> {
    let last = events.len().checked_sub(1)?;
    let start = w.start.unwrap_or(0).min(last);
    let end = w.recovered.unwrap_or(last).min(last);
    let start_secs = events[start].secs;
    // The diagnosis in force at the first fault counts from there.
    let first = events[..start]
        .iter()
        .rposition(|e| e.kind == "diagnosis")
        .unwrap_or(start);
    let diag: Vec<usize> = (first..=end)
        .filter(|i| events[*i].kind == "diagnosis")
        .collect();
    // (cause id, seconds likely, its first likely entry)
    let mut held: Vec<(String, i64, &Value)> = Vec::new();
    for (n, &i) in diag.iter().enumerate() {
        let from = events[i].secs.max(start_secs);
        let to = diag
            .get(n + 1)
            .and_then(|j| events[*j].secs)
            .or(events[end].secs);
        let secs = match (from, to) {
            (Some(a), Some(b)) => (b - a).max(0),
            _ => 0,
        };
        for c in likely(&events[i]) {
            let id = c.get("cause").map_or_else(String::new, text);
            match held.iter_mut().find(|(k, _, _)| *k == id) {
                Some(h) => h.1 += secs,
                None => held.push((id, secs, c)),
            }
        }
    }
    let runbook = |id: &str| id.len() == 1 && id.bytes().all(|b| b.is_ascii_uppercase());
    let mut best: Option<&(String, i64, &Value)> = None;
    for h in &held {
        if best.is_none_or(|b| (runbook(&h.0), h.1) > (runbook(&b.0), b.1)) {
            best = Some(h);
        }
    }
    let entry = best?.2;
    Some((
        entry.get("title").map_or_else(String::new, text),
        evidence(entry),
    ))
}

/// The evidence texts of one diagnosis entry (findings against the cause left out).
pub fn evidence(entry: &Value) -> Vec<String> {
    evidence_all(entry)
        .into_iter()
        .filter(|(_, against)| !against)
        .map(|(t, _)| t)
        .collect()
}

/// Every evidence text of one diagnosis entry, with whether it argues against the cause.
pub fn evidence_all(entry: &Value) -> Vec<(String, bool)> {
    entry
        .get("evidence")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|ev| {
                    let against = ev.get("against").and_then(Value::as_bool) == Some(true);
                    ev.get("text").map(|t| (text(t), against))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One slow command over the scope: the largest count and duration seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Slow {
    pub command: String,
    pub count: u64,
    pub max_us: u64,
}

/// `slowlog_top` merged over every figures event, slowest first, at most 10.
pub fn slow_commands(events: &[Event]) -> Vec<Slow> {
    let mut out: Vec<Slow> = Vec::new();
    for e in events.iter().filter(|e| e.kind == "figures") {
        let Some(top) = e
            .data
            .as_ref()
            .and_then(|d| d.get("slowlog_top"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for s in top {
            let command = s.get("command").map_or_else(String::new, text);
            let count = s.get("count").and_then(Value::as_u64).unwrap_or(0);
            let max_us = s.get("max_us").and_then(Value::as_u64).unwrap_or(0);
            match out.iter_mut().find(|o| o.command == command) {
                Some(o) => {
                    o.count = o.count.max(count);
                    o.max_us = o.max_us.max(max_us);
                }
                None => out.push(Slow {
                    command,
                    count,
                    max_us,
                }),
            }
        }
    }
    out.sort_by(|a, b| b.max_us.cmp(&a.max_us).then(b.count.cmp(&a.count)));
    out.truncate(10);
    out
}

/// One command's change between the first and the last commandstats.
#[derive(Debug, Clone, PartialEq)]
pub struct StatChange {
    pub command: String,
    pub calls: u64,
    pub usec: u64,
    /// The counters went back (restart or CONFIG RESETSTAT): the last values are shown.
    pub reset: bool,
}

/// Commandstats changes, first vs last figures that carry them: (changes by usec, top 10;
/// number of samples). None when fewer than two samples have commandstats.
pub fn commandstats(events: &[Event]) -> Option<Vec<StatChange>> {
    let stats: Vec<&serde_json::Map<String, Value>> = events
        .iter()
        .filter(|e| e.kind == "figures")
        .filter_map(|e| e.data.as_ref()?.get("commandstats")?.as_object())
        .collect();
    let (first, last) = (stats.first()?, stats.last()?);
    if stats.len() < 2 {
        return None;
    }
    let field = |m: &serde_json::Map<String, Value>, cmd: &str, f: &str| {
        m.get(cmd)
            .and_then(|v| v.get(f))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let mut out: Vec<StatChange> = last
        .keys()
        .map(|cmd| {
            let (c0, c1) = (field(first, cmd, "calls"), field(last, cmd, "calls"));
            let (u0, u1) = (field(first, cmd, "usec"), field(last, cmd, "usec"));
            let reset = c1 < c0 || u1 < u0;
            StatChange {
                command: super::parse::clean(cmd),
                calls: if reset { c1 } else { c1 - c0 },
                usec: if reset { u1 } else { u1 - u0 },
                reset,
            }
        })
        .filter(|s| s.calls > 0 || s.usec > 0)
        .collect();
    out.sort_by(|a, b| b.usec.cmp(&a.usec).then(b.calls.cmp(&a.calls)));
    out.truncate(10);
    Some(out)
}
