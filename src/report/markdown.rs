//! The Markdown postmortem: summary, timeline, figures before/during/after, diagnosis,
//! actions, slow commands, commandstats changes and the runbook's action items. Every value
//! from the log goes through [`md`], so a key name cannot inject Markdown or HTML.

use std::fmt::Write as _;

use super::analysis::{self as an, FIGURES, Window};
use super::parse::{Event, Log, text};

/// A value made inert for Markdown: the punctuation Markdown or HTML could act on is
/// backslash-escaped (backticks, pipes for tables, `#` `-` `+` `>` `=` at the start, …) and
/// line breaks become spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        // `1. text` or `1) text` would start an ordered list.
        if let Some(p) = out.find(['.', ')'])
            && out[..p].bytes().all(|b| b.is_ascii_digit())
            && out[p + 1..].chars().next().is_none_or(char::is_whitespace)
        {
            out.insert(p, '\\');
        }
    }
    out
}

/// `HH:MM:SSZ` of an RFC 3339 time (the date is in the summary).
fn hms(time: &str) -> String {
    md(time.get(11..).unwrap_or(time))
}

/// `1h02m03s`, `4m05s`, `12s`.
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}

/// Everything in the report.
pub fn render(events: &[Event], log: &Log, source: &str) -> String {
    let w = an::window(events);
    let mut out = String::new();
    let target = events
        .iter()
        .map(|e| e.target.as_str())
        .find(|t| !t.is_empty())
        .unwrap_or("unknown target");
    let _ = writeln!(
        out,
        "# Postmortem: Redis connection issues on {}\n",
        md(target)
    );
    let _ = writeln!(
        out,
        "Written by redtriage from the incident log `{}`.\n",
        source.replace('`', "'")
    );
    if log.bad_lines > 0 {
        let _ = writeln!(
            out,
            "> Note: {} line(s) of the log could not be read and were skipped (first: line {}).\n",
            log.bad_lines,
            log.first_bad_line.unwrap_or(0)
        );
    }
    summary(&mut out, events, w, target);
    timeline(&mut out, events);
    figures(&mut out, events, w);
    diagnosis(&mut out, events);
    super::actions::section(&mut out, events);
    slow(&mut out, events);
    commandstats(&mut out, events);
    super::checklist::section(&mut out, events, w);
    out
}

fn summary(out: &mut String, events: &[Event], w: Window, target: &str) {
    let _ = writeln!(out, "## Summary\n");
    let first = events.first();
    let last = events.last();
    let time = |e: Option<&Event>| e.map_or_else(|| "not recorded".into(), |e| md(&e.time));
    let secs = |i: Option<usize>| i.and_then(|i| events.get(i)).and_then(|e| e.secs);
    let duration = match (secs(w.start), secs(w.recovered)) {
        (Some(a), Some(b)) => format!("{} (first fault to recovery)", span(b - a)),
        (Some(a), None) => match last.and_then(|e| e.secs) {
            Some(b) => format!("{} so far: not recovered when the log ends", span(b - a)),
            None => "unknown".into(),
        },
        (None, _) => "no fault recorded".into(),
    };
    let cause = an::root_cause(events, w).map_or_else(
        || "unknown: no likely cause in the diagnosis events".into(),
        |(title, ev)| match ev.first() {
            Some(e) => format!("{} ({})", md(&title), md(e)),
            None => md(&title),
        },
    );
    let at = |i: Option<usize>| i.and_then(|i| events.get(i)).map(|e| md(&e.time));
    // The server as it named itself (`server valkey 8.1.1`): the last one logged.
    let server = (events.iter().rev())
        .find(|e| e.kind == "server")
        .and_then(|e| e.detail.strip_prefix("server "))
        .map_or_else(|| "not recorded".into(), md);
    let rows = [
        ("Target", md(target)),
        ("Server", server),
        ("Start of log", time(first)),
        ("End of log", time(last)),
        (
            "First fault",
            at(w.start).unwrap_or_else(|| "none recorded".into()),
        ),
        (
            "Recovered",
            at(w.recovered).unwrap_or_else(|| "not recorded".into()),
        ),
        ("Duration", duration),
        ("Severity", "MEDIUM (runbook)".into()),
        ("Root cause", cause),
    ];
    let _ = writeln!(out, "| | |\n|---|---|");
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');
}

fn timeline(out: &mut String, events: &[Event]) {
    let _ = writeln!(out, "## Timeline\n");
    if events.is_empty() {
        let _ = writeln!(out, "No events recorded.\n");
        return;
    }
    let _ = writeln!(out, "| Time (UTC) | Event | Detail |\n|---|---|---|");
    for e in events {
        let what = match &e.action {
            Some(a) => format!("{} {}", md(&e.kind), md(a)),
            None => md(&e.kind),
        };
        let detail = if e.kind == "figures" {
            figures_line(e)
        } else {
            md(&e.detail)
        };
        let _ = writeln!(out, "| {} | {what} | {detail} |", hms(&e.time));
    }
    out.push('\n');
}

fn figures_line(e: &Event) -> String {
    let mut parts = Vec::new();
    for k in ["connection", "health"] {
        if let Some(v) = an::word(e, k) {
            parts.push(v);
        }
    }
    if let Some(p) = an::num(e, "used_percent") {
        parts.push(format!("memory {p:.1}%"));
    }
    if let Some(h) = an::num(e, "hit_rate_percent") {
        parts.push(format!("hit rate {h:.1}%"));
    }
    md(&parts.join(", "))
}

fn value(e: Option<&Event>, key: &str) -> String {
    e.and_then(|e| e.data.as_ref()?.get(key))
        .filter(|v| !v.is_null())
        .map_or_else(|| "not recorded".into(), |v| md(&fmt_num(v)))
}

fn fmt_num(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(f) if v.is_f64() => format!("{f:.1}"),
        _ => text(v),
    }
}

fn figures(out: &mut String, events: &[Event], w: Window) {
    let _ = writeln!(out, "## Figures before, during and after\n");
    let (before, during, after) = an::phases(events, w);
    if an::figures(events).is_empty() {
        let _ = writeln!(out, "No `figures` events: figures not recorded.\n");
        return;
    }
    let when = |i: Option<usize>| i.map_or_else(|| "not recorded".into(), |i| hms(&events[i].time));
    let _ = writeln!(
        out,
        "Before: last sample before the first fault ({}). During: worst of {} sample(s) in the \
         incident. After: last sample after recovery ({}).\n",
        when(before),
        during.len(),
        when(after)
    );
    let _ = writeln!(
        out,
        "| Figure | Before | During (worst) | After |\n|---|---|---|---|"
    );
    for key in ["connection", "health"] {
        let worst = during
            .iter()
            .filter_map(|i| an::word(&events[*i], key))
            .find(|v| v != "UP" && v != "OK")
            .or_else(|| during.first().and_then(|i| an::word(&events[*i], key)))
            .map_or_else(|| "not recorded".into(), |v| md(&v));
        let (b, a) = (
            value(before.map(|i| &events[i]), key),
            value(after.map(|i| &events[i]), key),
        );
        let _ = writeln!(out, "| {key} | {b} | {worst} | {a} |");
    }
    for (key, label, way) in FIGURES {
        let worst = an::worst(events, &during, key, way).map_or_else(
            || "not recorded".into(),
            |(_, i)| value(Some(&events[i]), key),
        );
        let (b, a) = (
            value(before.map(|i| &events[i]), key),
            value(after.map(|i| &events[i]), key),
        );
        let _ = writeln!(out, "| {label} | {b} | {worst} | {a} |");
    }
    out.push('\n');
}

fn diagnosis(out: &mut String, events: &[Event]) {
    let _ = writeln!(out, "## Diagnosis\n");
    let diag: Vec<&Event> = events.iter().filter(|e| e.kind == "diagnosis").collect();
    if diag.is_empty() {
        let _ = writeln!(out, "No `diagnosis` events: diagnosis not recorded.\n");
        return;
    }
    for e in diag {
        let _ = writeln!(out, "- {}: {}", hms(&e.time), md(&e.detail));
        let entries = e.data.as_ref().and_then(|d| d.as_array());
        for c in entries.into_iter().flatten() {
            let field = |k: &str| c.get(k).map_or_else(String::new, |v| md(&text(v)));
            let _ = writeln!(
                out,
                "  - {} {} ({}, score {})",
                field("cause"),
                field("title"),
                field("verdict"),
                field("score")
            );
            for (ev, against) in an::evidence_all(c) {
                let against = if against { " (against)" } else { "" };
                let _ = writeln!(out, "    - {}{against}", md(&ev));
            }
        }
    }
    out.push('\n');
}

fn slow(out: &mut String, events: &[Event]) {
    let _ = writeln!(out, "## Top slow commands\n");
    let top = an::slow_commands(events);
    if top.is_empty() {
        let _ = writeln!(
            out,
            "No slow commands recorded (`slowlog_top` in `figures`).\n"
        );
        return;
    }
    let _ = writeln!(out, "| Command | Count | Slowest (µs) |\n|---|---|---|");
    for s in top {
        let _ = writeln!(out, "| {} | {} | {} |", md(&s.command), s.count, s.max_us);
    }
    out.push('\n');
}

fn commandstats(out: &mut String, events: &[Event]) {
    let _ = writeln!(out, "## Commandstats changes\n");
    let Some(changes) = an::commandstats(events) else {
        let _ = writeln!(
            out,
            "Not recorded: fewer than two `figures` events with commandstats.\n"
        );
        return;
    };
    if changes.is_empty() {
        let _ = writeln!(
            out,
            "No command was called between the first and last sample.\n"
        );
        return;
    }
    let _ = writeln!(
        out,
        "First vs last sample, top 10 by time spent.\n\n| Command | Calls | Time (µs) | µs/call |\n|---|---|---|---|"
    );
    for c in changes {
        let per = if c.calls > 0 {
            format!("{:.1}", c.usec as f64 / c.calls as f64)
        } else {
            "-".into()
        };
        let reset = if c.reset { " (counters reset)" } else { "" };
        let _ = writeln!(
            out,
            "| {}{reset} | {} | {} | {per} |",
            md(&c.command),
            c.calls,
            c.usec
        );
    }
    out.push('\n');
}
