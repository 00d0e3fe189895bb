//! Screen snapshots of the Container pane (`C`) and the container line, at 80×24.

use std::time::{Instant, SystemTime};

use super::tests_actions::screen;
use crate::docker::types::{ContainerEvent, ContainerInfo, DockerEvent, DockerMsg, RunState};
use crate::model::state::State;
use crate::model::ui_state::Body;
use crate::target::{Target, Thresholds};

fn state_with(events: Vec<DockerEvent>) -> State {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    for event in events {
        st.on_docker(&DockerMsg {
            at: t0,
            wall: SystemTime::UNIX_EPOCH,
            event,
        });
    }
    st
}

fn info(state: RunState) -> ContainerInfo {
    ContainerInfo {
        id: "0123abcd".into(),
        name: "redis-1".into(),
        image: "redis:7".into(),
        state,
        restart_count: 0,
        started_at: Some("2026-03-02T10:00:00Z".into()),
        health: Some("healthy".into()),
        failing_streak: Some(0),
        mem_limit: Some(32 << 20),
        mem_usage: Some(12 << 20),
        cpu_percent: Some(1.0),
        compose_service: Some("redis".into()),
        compose_project: Some("app".into()),
        ..ContainerInfo::default()
    }
}

fn draw(st: &State) -> String {
    let snap = st.view(80).expect("view");
    let view = st.actions_view(st.now, 5);
    screen(&snap, &st.ui, &view, 80, 24)
}

fn logs() -> DockerEvent {
    DockerEvent::Logs(vec![
        "1:M * Ready to accept connections".into(),
        "evil \\x1b]0;x\\x07 line".into(),
    ])
}

#[test]
fn container_line_and_pane_ok_80x24() {
    let mut st = state_with(vec![
        DockerEvent::Inspected(Box::new(info(RunState::Running))),
        logs(),
    ]);
    let grid = draw(&st);
    assert!(
        grid.contains("container redis-1 running healthy · restarts 0 · mem 12.0 MB /"),
        "{grid}"
    );
    st.ui.body = Body::Container;
    insta::assert_snapshot!(draw(&st));
}

#[test]
fn container_pane_exited_oom_80x24() {
    let mut i = info(RunState::Exited);
    i.exit_code = Some(137);
    i.oom_killed = true;
    i.health = None;
    i.mem_usage = None;
    i.finished_at = Some("2026-03-02T10:05:00Z".into());
    let die = ContainerEvent {
        action: "die".into(),
        text: "die (exit code 137)".into(),
    };
    let mut st = state_with(vec![
        DockerEvent::Inspected(Box::new(i)),
        DockerEvent::Event(die),
        logs(),
    ]);
    st.ui.body = Body::Container;
    let s = draw(&st);
    assert!(s.contains("OOMKilled: true"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn container_pane_unavailable_80x24() {
    let mut st = state_with(vec![DockerEvent::Unavailable(
        "permission denied on /var/run/docker.sock".into(),
    )]);
    let grid = draw(&st);
    assert!(
        !grid.contains("container "),
        "no container line without a container: {grid}"
    );
    st.ui.body = Body::Container;
    let s = draw(&st);
    assert!(
        s.contains("Docker unavailable: permission denied on /var/run/docker.sock"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}
