//! Cross-checks and diagnosis from scripted container views.

use std::time::{Duration, Instant, SystemTime};

use super::DockerState;
use crate::docker::types::{ContainerEvent, ContainerInfo, DockerEvent, DockerMsg, RunState};
use crate::model::fixtures::{snapshot_down, snapshot_ok};
use crate::model::view::Snapshot;

fn info(state: RunState) -> ContainerInfo {
    ContainerInfo {
        id: "abc".into(),
        name: "redis-1".into(),
        state,
        mem_limit: Some(32 << 20),
        mem_usage: Some(12 << 20),
        ..ContainerInfo::default()
    }
}

fn msg(at: Instant, event: DockerEvent) -> DockerMsg {
    DockerMsg {
        at,
        wall: SystemTime::UNIX_EPOCH,
        event,
    }
}

fn checks(d: &DockerState, now: Instant, snap: &Snapshot) -> Vec<(&'static str, String)> {
    d.view(now, snap)
        .checks
        .into_iter()
        .map(|c| (c.signal, c.text))
        .collect()
}

fn with_maxmemory(max: u64) -> Snapshot {
    let mut s = snapshot_ok();
    s.memory.max_bytes = Some(max);
    s
}

#[test]
fn exited_with_oom_names_both_figures() {
    let t = Instant::now();
    let mut d = DockerState::default();
    let mut i = info(RunState::Exited);
    i.exit_code = Some(137);
    i.oom_killed = true;
    d.on_msg(&msg(t, DockerEvent::Inspected(Box::new(i))));
    let c = checks(&d, t, &snapshot_down());
    assert!(c.contains(&(
        "container_exited",
        "container redis-1 exited with exit code 137".into()
    )));
    assert!(c.contains(&(
        "container_oom_killed",
        "OOMKilled: true, limit 32.0 MB".into()
    )));
}

#[test]
fn maxmemory_above_the_limit_and_none_at_all() {
    let t = Instant::now();
    let mut d = DockerState::default();
    d.on_msg(&msg(
        t,
        DockerEvent::Inspected(Box::new(info(RunState::Running))),
    ));
    let over = checks(&d, t, &with_maxmemory(64 << 20));
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(over[0].0, "maxmemory_over_limit");
    assert!(
        over[0]
            .1
            .starts_with("maxmemory 64.0 MB is above the container's limit 32.0 MB")
    );
    let none = checks(&d, t, &with_maxmemory(0));
    assert_eq!(none[0].0, "no_maxmemory_limited");
    assert!(checks(&d, t, &with_maxmemory(16 << 20)).is_empty());
}

#[test]
fn three_starts_in_five_minutes_is_a_loop() {
    let t = Instant::now();
    let mut d = DockerState::default();
    d.on_msg(&msg(
        t,
        DockerEvent::Inspected(Box::new(info(RunState::Running))),
    ));
    for s in 0..3 {
        let e = ContainerEvent {
            action: "start".into(),
            text: "start".into(),
        };
        d.on_msg(&msg(t + Duration::from_secs(s * 10), DockerEvent::Event(e)));
    }
    let now = t + Duration::from_secs(30);
    let c = checks(&d, now, &snapshot_ok());
    assert!(
        c.iter().any(|(s, _)| *s == "container_restart_loop"),
        "{c:?}"
    );
    let later = t + Duration::from_secs(400);
    assert!(
        checks(&d, later, &snapshot_ok())
            .iter()
            .all(|(s, _)| *s != "container_restart_loop")
    );
}

#[test]
fn unhealthy_only_counts_while_redis_answers() {
    let t = Instant::now();
    let mut d = DockerState::default();
    let mut i = info(RunState::Running);
    i.health = Some("unhealthy".into());
    i.failing_streak = Some(3);
    d.on_msg(&msg(t, DockerEvent::Inspected(Box::new(i))));
    let up = checks(&d, t, &with_maxmemory(16 << 20));
    assert_eq!(
        up,
        vec![(
            "container_unhealthy",
            "container unhealthy (failing streak 3) while Redis answers".to_string()
        )]
    );
    assert!(
        checks(&d, t, &snapshot_down())
            .iter()
            .all(|(s, _)| *s != "container_unhealthy")
    );
}

#[test]
fn events_and_state_changes_are_said_once() {
    let t = Instant::now();
    let mut d = DockerState::default();
    let said = d.on_msg(&msg(
        t,
        DockerEvent::Unavailable("no Docker socket at /x".into()),
    ));
    assert_eq!(said.len(), 1);
    assert!(
        d.on_msg(&msg(
            t,
            DockerEvent::Unavailable("no Docker socket at /x".into())
        ))
        .is_empty()
    );
    d.on_msg(&msg(
        t,
        DockerEvent::Inspected(Box::new(info(RunState::Running))),
    ));
    let mut ex = info(RunState::Exited);
    ex.exit_code = Some(137);
    let said = d.on_msg(&msg(t, DockerEvent::Inspected(Box::new(ex))));
    assert_eq!(said[0].1, "container redis-1: running → exited (code 137)");
}

#[test]
fn the_shipped_rules_name_cause_b_for_an_oom_kill() {
    use crate::model::state::State;
    let t = Instant::now();
    let target = crate::target::parse_url("redis://127.0.0.1:6379").expect("url");
    let mut state = State::new(&[target], crate::target::Thresholds::default(), t);
    let mut i = info(RunState::Exited);
    i.exit_code = Some(137);
    i.oom_killed = true;
    state.on_docker(&msg(t, DockerEvent::Inspected(Box::new(i))));
    let snap = state.view(0).expect("view");
    let b = snap.diagnosis.iter().find(|c| c.cause == "B").expect("B");
    assert!(b.score >= 4, "{b:?}");
    assert!(
        b.evidence
            .iter()
            .any(|e| e.text.contains("OOMKilled: true, limit 32.0 MB")),
        "{b:?}"
    );
    let a = snap.diagnosis.iter().find(|c| c.cause == "A").expect("A");
    assert!(
        a.evidence
            .iter()
            .any(|e| e.against && e.text.contains("explained by memory")),
        "{a:?}"
    );
}

#[test]
fn a_burst_of_the_same_event_is_said_once() {
    let t = Instant::now();
    let mut d = DockerState::default();
    let oom = || ContainerEvent {
        action: "oom".into(),
        text: "oom".into(),
    };
    let mut said = 0;
    for i in 0..12u64 {
        let at = t + Duration::from_millis(i * 20);
        said += d.on_msg(&msg(at, DockerEvent::Event(oom()))).len();
    }
    assert_eq!(said, 1, "twelve oom events in 240 ms are one");
    let later = t + Duration::from_secs(10);
    assert_eq!(d.on_msg(&msg(later, DockerEvent::Event(oom()))).len(), 1);
}
