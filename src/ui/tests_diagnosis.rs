//! Screen snapshots of the diagnosis line, the Diagnosis pane and the Runbook pane, from a
//! state driven by scripted samples through the real `update` (an out-of-memory server).

use std::time::{Duration, Instant, SystemTime};

use super::tests_actions::screen;
use crate::collect::types::{Info, Sample};
use crate::model::state::{State, update};
use crate::model::ui_state::Body;
use crate::msg::Msg;
use crate::target::{Target, Thresholds};

fn oom_state() -> State {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    for i in 0..5u64 {
        let mut info = Info {
            redis_version: Some("7.0.15".into()),
            run_id: Some("r".into()),
            uptime_in_seconds: Some(3600 + i),
            used_memory: Some(99 * 1024 * 1024),
            used_memory_rss: Some(110 * 1024 * 1024),
            maxmemory: Some(100 * 1024 * 1024),
            maxmemory_policy: Some("noeviction".into()),
            connected_clients: Some(12),
            maxclients: Some(10_000),
            total_error_replies: Some(i * 40),
            role: Some("master".into()),
            rdb_last_bgsave_status: Some("ok".into()),
            ..Info::default()
        };
        info.errorstats.insert("OOM".into(), i * 40);
        let s = Sample::of_info(
            t0 + Duration::from_secs(i),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + i),
            Duration::from_micros(300),
            info,
        );
        update(
            &mut st,
            Msg::Sample {
                target: 0,
                sample: Box::new(s),
            },
        );
    }
    st
}

fn draw(st: &State, w: u16, h: u16) -> String {
    let snap = st.view(usize::from(w)).unwrap();
    let view = st.actions_view(st.now, 5);
    screen(&snap, &st.ui, &view, w, h)
}

#[test]
fn diagnosis_line_on_the_dashboard_80x24() {
    let st = oom_state();
    let s = draw(&st, 80, 24);
    let third = s.lines().nth(2).unwrap_or_default();
    assert!(
        third.starts_with("diagnosis: B Out of memory LIKELY: used 99.0 MB"),
        "{s}"
    );
    assert!(third.trim_end().ends_with("d details"), "{s}");
}

#[test]
fn diagnosis_pane_80x24() {
    let mut st = oom_state();
    st.ui.body = Body::Diagnosis;
    let s = draw(&st, 80, 24);
    assert!(s.contains("▶ B        Out of memory"), "{s}");
    assert!(s.contains("enter opens maxmemory (or M)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn runbook_pane_80x24() {
    let mut st = oom_state();
    st.ui.body = Body::Runbook;
    let s = draw(&st, 80, 24);
    assert!(s.contains("INVESTIGATING 4s of 30m00s SLA"), "{s}");
    assert!(s.contains("● Option 2: increase the me"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn both_panes_in_the_compact_layout_50x16() {
    let mut st = oom_state();
    for body in [Body::Diagnosis, Body::Runbook] {
        st.ui.body = body;
        let s = draw(&st, 50, 16);
        assert!(
            s.contains(if body == Body::Diagnosis {
                "Diagnosis"
            } else {
                "Runbook"
            }),
            "{s}"
        );
    }
    for (w, h) in [(20, 5), (1, 1), (300, 100)] {
        let _ = draw(&st, w, h);
    }
}

/// Evidence longer than the pane breaks at spaces, never inside a word (seen: `(sinc` /
/// `e 23s)`), and its later lines stand under its text.
#[test]
fn long_evidence_wraps_at_spaces_80x24() {
    use crate::collect::types::CollectError;
    use crate::msg::LinkEvent;
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    let full = || {
        LinkEvent::Down(CollectError::Server(
            "ERR max number of clients reached".into(),
        ))
    };
    for i in 1..=9 {
        let at = t0 + Duration::from_secs(i);
        update(
            &mut st,
            Msg::Link {
                target: 0,
                at,
                event: full(),
            },
        );
    }
    st.ui.body = Body::Diagnosis;
    let s = draw(&st, 80, 24);
    let at = s
        .lines()
        .position(|l| l.contains("• redtriage's own connection refused"))
        .unwrap_or_else(|| panic!("{s}"));
    let next = s.lines().nth(at + 1).unwrap_or_default();
    assert!(next.starts_with("│      (since 8s)  "), "{s}");
    // Why nothing can run is read whole, wrapped the same way.
    assert!(
        s.contains("no action can run here: client-kill: the server is full"),
        "{s}"
    );
    assert!(
        s.contains("│      reached): it refuses redtriage's connection too"),
        "{s}"
    );
}
