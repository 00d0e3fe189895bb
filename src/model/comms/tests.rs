//! Tests of the communication model: the shipped templates against the runbook's, `fill()` per
//! template, facts from a real model state, the overlay keys.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::collect::types::CollectError;
use crate::model::actions::Running;
use crate::model::comms::facts::facts;
use crate::model::fastforward::feed;
use crate::model::state::{Effect, State, update};
use crate::msg::Written;
use crate::msg::{LinkEvent, Msg};
use crate::target::{Target, Thresholds};

const RUNBOOK: &str = include_str!("../../../tests/fixtures/runbook-templates.md");

/// The three fenced blocks of the runbook's "Communication Template" section, in order.
fn runbook_blocks() -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for line in RUNBOOK.lines() {
        if line.starts_with("```") {
            match cur.take() {
                Some(b) => blocks.push(b),
                None => cur = Some(Vec::new()),
            }
        } else if let Some(b) = cur.as_mut() {
            b.push(line.to_string());
        }
    }
    assert_eq!(blocks.len(), 3, "three templates in the runbook");
    blocks
}

/// `pattern` with every `{placeholder}` as a wildcard (one or more characters) matches `line`.
fn wild(pattern: &str, line: &str) -> bool {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c).unwrap();
        parts.push(&rest[..open]);
        rest = &rest[close + 1..];
    }
    parts.push(rest);
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || !line.ends_with(last) || line.len() < first.len() + last.len() {
        return false;
    }
    let mut hay = &line[first.len()..line.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        // Each wildcard takes at least one character.
        let Some(at) = hay.get(1..).and_then(|h| h.find(mid)) else {
            return false;
        };
        hay = &hay[at + 1 + mid.len()..];
    }
    !hay.is_empty()
}

#[test]
fn wildcard_matching() {
    assert!(wild("Status: {status}", "Status: [A/B]"));
    assert!(wild(
        "ETA: {eta} to resolution",
        "ETA: 30 minutes to resolution"
    ));
    assert!(!wild("ETA: {eta} to resolution", "ETA:  to resolution x"));
    assert!(!wild("Status: {status}", "Status: "));
    assert!(wild("a {x} b {y} c", "a 1 b 2 c"));
    assert!(!wild("a {x} b {y} c", "a 1 b  c"));
    assert!(wild("plain", "plain"));
}

#[test]
fn shipped_templates_match_the_runbook_line_for_line() {
    let t = Templates::default();
    for (kind, block) in Kind::ALL.iter().zip(runbook_blocks()) {
        let lines: Vec<&str> = t.get(*kind).lines().collect();
        assert_eq!(lines.len(), block.len(), "{kind:?}");
        for (tl, rl) in lines.iter().zip(&block) {
            assert!(wild(tl, rl), "{kind:?}: template {tl:?} vs runbook {rl:?}");
        }
        for p in placeholders(t.get(*kind)) {
            assert!(PLACEHOLDERS.iter().any(|(k, _)| *k == p), "{p}");
        }
    }
}

fn target_with_password() -> Target {
    crate::target::parse_url("redis://app:s3cr3t-pw@127.0.0.1:6390/0").unwrap()
}

/// A state fed real samples, then the server went down: a fault, an action, a watch.
fn incident_state() -> State {
    let t0 = Instant::now();
    let mut s = State::new(&[target_with_password()], Thresholds::default(), t0);
    let last = feed(&mut s, t0, Duration::from_secs(1), 30);
    let at = last + Duration::from_secs(1);
    update(
        &mut s,
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::Down(CollectError::Refused),
        },
    );
    s.actions
        .push_timeline(at, "▶ restart-plain: redis-server …".into());
    s.actions
        .push_timeline(at, "✓ restart-plain: exit 0 in 1.2s".into());
    s.actions.push_timeline(at, "✗ bgsave: ERR busy".into());
    s.now = at + Duration::from_secs(13 * 60);
    s
}

fn no_control(s: &str) {
    assert!(
        !s.chars().any(|c| c.is_control() && c != '\n'),
        "control character in {s:?}"
    );
}

#[test]
fn fill_fills_every_placeholder_of_every_template() {
    let s = incident_state();
    let f = facts(&s);
    let t = Templates::default();
    for (kind, block) in Kind::ALL.iter().zip(runbook_blocks()) {
        let text = fill(t.get(*kind), &f);
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        no_control(&text);
        assert!(!text.contains("s3cr3t"), "password in {text}");
        let lines: Vec<&str> = text.lines().collect();
        let tl: Vec<&str> = t.get(*kind).lines().collect();
        assert_eq!(lines.len(), block.len());
        for ((l, tpl), rb) in lines.iter().zip(&tl).zip(&block) {
            assert!(wild(tpl, l), "{l:?} does not fit {tpl:?}");
            // The label before the value is the runbook's.
            let label = rb.split_once(": ").map_or(rb.as_str(), |(a, _)| a);
            assert!(l.starts_with(label), "{l:?} vs runbook {rb:?}");
        }
    }
}

#[test]
fn facts_of_an_incident() {
    let s = incident_state();
    let f = facts(&s);
    assert_eq!(f.severity, "MEDIUM");
    assert_eq!(f.status, "INVESTIGATING");
    assert!(
        f.impact.starts_with("Cache unavailable (Redis DOWN"),
        "{}",
        f.impact
    );
    assert_eq!(f.duration, "13 minutes");
    assert_eq!(f.eta, "17 minutes");
    assert_eq!(
        f.root_cause,
        "Crashed or restarted — DOWN (refused) for 13m00s: nothing accepts connections"
    );
    assert_eq!(f.actions, "restart-plain (ok); bgsave (failed)");
    assert_eq!(f.fix, "restart-plain");
    assert_eq!(f.target, "redis://app:****@127.0.0.1:6390");
    for name in PLACEHOLDERS.map(|(p, _)| p) {
        let v = f.get(name).unwrap();
        assert!(!v.is_empty() && !v.contains("s3cr3t"), "{name}: {v:?}");
    }
}

#[test]
fn status_follows_restart_watch_and_stability() {
    let mut s = incident_state();
    s.actions.running = Some(Running {
        run: 9,
        name: "restart-plain".into(),
        started: s.now,
        mitigation: true,
    });
    assert_eq!(facts(&s).status, "RESTARTING");
    assert!(facts(&s).actions.ends_with("restart-plain (running)"));
    s.actions.running = None;
    s.start_watch(s.now);
    assert_eq!(facts(&s).status, "MONITORING");
    s.actions.watch.as_mut().unwrap().reached = true;
    assert_eq!(facts(&s).status, "RESOLVED");
    assert!(
        facts(&s)
            .validation
            .starts_with("health targets held for 5 minutes")
    );
}

#[test]
fn no_fault_and_overdue() {
    let t0 = Instant::now();
    let mut s = State::new(&[Target::local_default()], Thresholds::default(), t0);
    feed(&mut s, t0, Duration::from_secs(1), 20);
    let f = facts(&s);
    assert_eq!(f.root_cause, "unknown yet");
    assert_eq!(f.duration, "no fault seen in this session");
    assert_eq!(f.eta, "30 minutes");
    assert!(
        f.impact.starts_with("Cache available, hit rate 90.0%"),
        "{}",
        f.impact
    );
    let mut s = incident_state();
    s.now += Duration::from_secs(20 * 60);
    assert_eq!(facts(&s).eta, "overdue by 3 minutes (30-minute SLA)");
}

#[test]
fn fill_strips_control_bytes_from_facts_and_templates() {
    let f = Facts {
        status: "A\u{1b}]52;c;eA==\u{7}\u{202e}B\r\nC".into(),
        ..Facts::default()
    };
    let text = fill("S: {status} {unknown}\u{1b}[2J\n", &f);
    assert_eq!(text, "S: A]52;c;eA==B C {unknown}[2J\n");
}

fn press(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(s: &mut State, c: char) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

#[test]
fn overlay_keys() {
    let mut s = incident_state();
    press(&mut s, KeyCode::Char('c'));
    assert_eq!(s.comms.overlay.as_ref().unwrap().kind, Kind::Initial);
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Char('3'));
    press(&mut s, KeyCode::Left);
    assert_eq!(s.comms.overlay.as_ref().unwrap().kind, Kind::Update);
    // Typing while not editing does not change the text; `q` closes only outside editing.
    press(&mut s, KeyCode::Char('e'));
    for c in "Note: y s q 1".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Esc);
    assert!(s.comms.overlay.is_some());
    let effects = press(&mut s, KeyCode::Char('y'));
    let Some(Effect::Clipboard(text)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(
        text.starts_with("📊 REDIS INCIDENT UPDATENote: y s q 1\n\nStatus: INVESTIGATING\n"),
        "{text}"
    );
    let effects = ctrl(&mut s, 's');
    assert!(matches!(
        effects.first(),
        Some(Effect::SaveText { name: "update", .. })
    ));
    update(
        &mut s,
        Msg::Written {
            what: Written::Message,
            result: Ok("/x/comms/a-update.txt".into()),
        },
    );
    let status = s.comms.overlay.as_ref().unwrap().status.clone().unwrap();
    assert_eq!(status, "message saved to /x/comms/a-update.txt");
    // `f` fills the shown message again (edits dropped).
    press(&mut s, KeyCode::Char('f'));
    assert!(!s.comms_text().unwrap().1.contains("Note:"));
    press(&mut s, KeyCode::Esc);
    assert!(s.comms.overlay.is_none());
}

#[test]
fn report_key_and_client_rows_key() {
    let mut s = incident_state();
    assert!(ctrl(&mut s, 'r').contains(&Effect::Report));
    update(
        &mut s,
        Msg::Written {
            what: Written::Report,
            result: Err("no incident log path".into()),
        },
    );
    assert_eq!(s.actions.panel, crate::model::actions::Panel::Timeline);
    let last = s.actions.timeline.back().unwrap();
    assert_eq!(last.text, "report not written: no incident log path");
    assert!(!s.ui.client_rows);
    press(&mut s, KeyCode::Char('g'));
    assert!(s.ui.client_rows);
    assert!(crate::runbook::RESERVED_KEYS.contains(&'g'));
}

#[test]
fn overlay_keys_never_reach_a_dialog_under_it() {
    let mut s = incident_state();
    press(&mut s, KeyCode::Char('c'));
    s.actions.dialog = Some(crate::model::actions::Dialog::Message {
        title: "t".into(),
        text: "x".into(),
    });
    let effects = press(&mut s, KeyCode::Char('y'));
    assert!(matches!(effects.first(), Some(Effect::Clipboard(_))));
    assert!(s.actions.dialog.is_some());
    press(&mut s, KeyCode::Esc);
    assert!(s.comms.overlay.is_none() && s.actions.dialog.is_some());
}

#[test]
fn first_fault_is_noted_once() {
    let mut c = Comms::default();
    let t = Instant::now();
    c.observe(t, Some("UP"), Some("OK"));
    c.observe(t, Some("CONNECTING"), Some("UNKNOWN"));
    assert_eq!(c.first_bad, None);
    c.observe(t + Duration::from_secs(1), Some("UP"), Some("WARN"));
    c.observe(t + Duration::from_secs(2), Some("DOWN (refused)"), None);
    assert_eq!(c.first_bad, Some(t + Duration::from_secs(1)));
}

#[test]
fn the_root_cause_stays_named_after_the_fix() {
    let t0 = Instant::now();
    let mut s = State::new(&[Target::local_default()], Thresholds::default(), t0);
    let last = feed(&mut s, t0, Duration::from_secs(1), 5);
    // Down: A likely, named as the root cause.
    let at = last + Duration::from_secs(1);
    update(
        &mut s,
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::Down(CollectError::Refused),
        },
    );
    assert!(
        facts(&s).root_cause.starts_with("Crashed or restarted"),
        "{}",
        facts(&s).root_cause
    );
    // Back up (a restart seen keeps A likely for a while; drop that rule's memory): once no
    // cause is likely any more, the message still names what it was.
    feed(
        &mut s,
        at + Duration::from_secs(1),
        Duration::from_secs(1),
        3,
    );
    s.actions.runbook.rules.retain(|r| r.cause != "A");
    feed(
        &mut s,
        at + Duration::from_secs(20),
        Duration::from_secs(1),
        3,
    );
    let snap = s.view(0).unwrap();
    assert!(
        snap.diagnosis
            .iter()
            .all(|c| c.verdict != crate::model::diagnosis::Likelihood::Likely)
    );
    assert!(
        facts(&s).root_cause.starts_with("Crashed or restarted"),
        "{}",
        facts(&s).root_cause
    );
}

/// Slow commands are not announced as a connection failure with the cache bypassed, and the
/// root cause reads as words, not rule internals (seen: `INCIDENT: Redis Connection Issues …
/// Mitigation: API operating in cache-bypass mode` for slow commands, `(≥ 6.0)`).
#[test]
fn the_messages_fit_the_incident() {
    let mut snap = crate::model::fixtures::snapshot_ok();
    snap.diagnosis = vec![crate::model::diagnosis::CauseView {
        cause: "slow".into(),
        title: "Slow commands".into(),
        verdict: crate::model::diagnosis::Likelihood::Likely,
        score: 3,
        evidence: vec![crate::model::diagnosis::Evidence {
            text: "slowlog +160/min, top: EVAL ×26 (max 8.1ms) (≥ 6.0)".into(),
            since_secs: Some(7),
            against: false,
        }],
        actions: vec!["client-kill".into()],
        pane: Some("slowlog".into()),
        when_up: Vec::new(),
        suggested: None,
        also: Vec::new(),
        none_runs: None,
    }];
    assert_eq!(facts::headline(&snap), "Redis: Slow commands");
    assert_eq!(
        facts::likely(&snap).as_deref(),
        Some("Slow commands — slowlog +160/min, top: EVAL ×26 (max 8.1ms)")
    );
    // Redis serving: no cache bypass claimed.
    let t0 = Instant::now();
    let mut s = State::new(&[Target::local_default()], Thresholds::default(), t0);
    feed(&mut s, t0, Duration::from_secs(1), 5);
    let live = s.view(0).unwrap();
    assert_eq!(
        facts::mitigation(&s, &live),
        "none needed yet: Redis is serving"
    );
    // Down: the runbook's own words, and its headline.
    let s = incident_state();
    let f = facts(&s);
    assert_eq!(f.mitigation, "API operating in cache-bypass mode");
    assert_eq!(f.headline, "Redis Connection Issues");
    let initial = fill(Templates::default().get(Kind::Initial), &f);
    assert!(
        initial.starts_with("⚠️ INCIDENT: Redis Connection Issues\n"),
        "{initial}"
    );
}
