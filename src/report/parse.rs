//! Reading the incident log leniently: one JSON object per line; unknown kinds and fields are
//! ignored, a line that is not a JSON object of the known shape is skipped and counted.
//! Every string is cleaned again (control and bidi characters escaped) in case the file was
//! written by something else.

use std::fmt::Write as _;

use serde::Deserialize;

/// Kinds the report knows; others are ignored.
pub const KINDS: [&str; 9] = [
    "session",
    "server",
    "state",
    "health",
    "figures",
    "diagnosis",
    "action_start",
    "action_end",
    "watch",
];

/// One event of the log (the fields the report uses).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Event {
    /// RFC 3339 time as written.
    pub time: String,
    /// Masked target.
    pub target: String,
    pub kind: String,
    pub user: Option<String>,
    pub action: Option<String>,
    pub detail: String,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<u64>,
    pub output: Vec<String>,
    pub data: Option<serde_json::Value>,
    /// `time` as seconds since the epoch, when it parses.
    #[serde(skip)]
    pub secs: Option<i64>,
}

/// The events read, and how many lines were skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Log {
    pub events: Vec<Event>,
    /// Lines that were not a readable event.
    pub bad_lines: usize,
    /// 1-based number of the first of them.
    pub first_bad_line: Option<usize>,
}

/// Parses the whole log (events of unknown kinds dropped, blank lines ignored).
pub fn parse(text: &str) -> Log {
    let mut log = Log::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Event>(line) {
            Ok(ev) if KINDS.contains(&ev.kind.as_str()) => log.events.push(cleaned(ev)),
            Ok(_) => {}
            Err(_) => {
                log.bad_lines += 1;
                log.first_bad_line.get_or_insert(i + 1);
            }
        }
    }
    log
}

fn cleaned(mut ev: Event) -> Event {
    for s in [&mut ev.time, &mut ev.target, &mut ev.detail, &mut ev.kind] {
        *s = clean(s);
    }
    for s in ev.user.iter_mut().chain(ev.action.iter_mut()) {
        *s = clean(s);
    }
    for s in &mut ev.output {
        *s = clean(s);
    }
    ev.secs = parse_time(&ev.time);
    ev
}

/// Control and bidi/format characters written as `\u{…}`; everything else kept.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if crate::model::comms::allowed(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    out
}

/// A JSON value as cleaned text (strings unquoted), for figures and evidence.
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// `2026-11-25T20:06:18Z`, with optional fraction and `±HH:MM` offset → seconds since the
/// epoch (UTC).
#[allow(clippy::many_single_char_names)]
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = frac.get(n..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (num(20..22)? * 3600 + num(23..25)? * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The events of the report: those at or after `since` (seconds), else those of the last
/// session (from the last `session` event saying `redtriage … attached …`), else all.
pub fn scope(events: &[Event], since: Option<i64>) -> Vec<Event> {
    if let Some(t) = since {
        return events
            .iter()
            .filter(|e| e.secs.is_some_and(|s| s >= t))
            .cloned()
            .collect();
    }
    let start = events
        .iter()
        .rposition(|e| {
            e.kind == "session"
                && e.detail.starts_with("redtriage")
                && e.detail.contains(" attached")
        })
        .unwrap_or(0);
    events[start..].to_vec()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-11-25T20:06:18Z"), Some(1_795_637_178));
        assert_eq!(parse_time("2026-11-25T20:06:18.123Z"), Some(1_795_637_178));
        assert_eq!(parse_time("2026-11-25T21:06:18+01:00"), Some(1_795_637_178));
        assert_eq!(parse_time("2026-11-25"), None);
        assert_eq!(parse_time("2026-13-25T20:06:18Z"), None);
        assert_eq!(parse_time("2026-11-25T20:06:18"), None);
    }

    #[test]
    fn lenient_lines() {
        let text = concat!(
            "{\"time\":\"2026-01-01T00:00:00Z\",\"target\":\"t\",\"kind\":\"state\",\"detail\":\"START → UP\",\"extra\":1}\n",
            "not json\n",
            "\n",
            "{\"time\":\"2026-01-01T00:00:01Z\",\"kind\":\"future_kind\",\"detail\":\"x\"}\n",
            "{\"kind\":\"health\",\"detail\":\"a\\u001b]0;x\\u0007\"}\n",
            "[1,2]\n",
        );
        let log = parse(text);
        assert_eq!(log.events.len(), 2);
        assert_eq!(log.bad_lines, 2);
        assert_eq!(log.first_bad_line, Some(2));
        assert_eq!(log.events[0].secs, Some(1_767_225_600));
        assert_eq!(log.events[1].detail, "a\\u{1b}]0;x\\u{7}");
    }

    #[test]
    fn scopes_last_session_or_since() {
        let ev = |kind: &str, detail: &str, t: &str| Event {
            kind: kind.into(),
            detail: detail.into(),
            secs: parse_time(t),
            time: t.into(),
            ..Event::default()
        };
        let events = vec![
            ev(
                "session",
                "redtriage 0.1.0 attached to a",
                "2026-01-01T00:00:00Z",
            ),
            ev("state", "START → UP", "2026-01-01T00:00:01Z"),
            ev("session", "redtriage detached", "2026-01-01T00:00:02Z"),
            ev(
                "session",
                "redtriage 0.1.0 attached to b",
                "2026-01-01T00:01:00Z",
            ),
            ev("state", "START → UP", "2026-01-01T00:01:01Z"),
        ];
        assert_eq!(scope(&events, None).len(), 2);
        assert_eq!(scope(&events, parse_time("2026-01-01T00:00:01Z")).len(), 4);
        assert_eq!(scope(&events[1..3], None).len(), 2);
    }
}
