//! `q` ends the process at once in every state a source or an action can be stuck in: Redis
//! hung (SIGSTOP, with a dataset), Prometheus hung, the Docker Engine hung, an action running,
//! the incident log's disk full. Each case waits for the state to be on screen, presses `q` and
//! waits for the process to be gone. The bound here is loose on purpose (a loaded machine must
//! not fail it): it catches quit waiting on a source, a join or a flush (that took 1.5 s); the
//! 200 ms goal is measured by `scripts/bench-quit`.
#![allow(clippy::unwrap_used)] // no clippy.toml `allow-unwrap-in-tests` yet

use std::time::{Duration, Instant};

use crate::common::Redis;
use crate::common::prom::{Stub, StubMode};
use crate::common::pty::Pty;

/// Far above the ~20 ms a quit takes, far below the seconds a wait on a stuck source takes.
const QUIT_BOUND: Duration = Duration::from_secs(1);
const SETUP: Duration = Duration::from_secs(20);

/// Presses `q` and returns how long the process took to exit.
fn quit(tui: &mut Pty) -> Duration {
    let t0 = Instant::now();
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    t0.elapsed()
}

fn assert_quick(what: &str, took: Duration) {
    assert!(
        took < QUIT_BOUND,
        "{what}: q took {} ms to exit",
        took.as_millis()
    );
}

/// A server with a dataset (the report: 2,000 SETs made quit slow while it was hung).
fn loaded_redis() -> Redis {
    let redis = Redis::start(&[]);
    let sets: Vec<String> = (0..2000).map(|i| format!("SET k{i} v{i}")).collect();
    redis.pipe(&(sets.join("\n") + "\n"));
    redis
}

#[test]
fn quit_is_prompt_while_redis_is_hung() {
    let redis = loaded_redis();
    let url = redis.url();
    let mut tui = Pty::start(&[&url, "--interval", "200ms"], 120, 40);
    tui.wait_for("UP for", SETUP);
    redis.signal(libc::SIGSTOP);
    tui.wait_for("UNRESPONSIVE", SETUP);
    let took = quit(&mut tui);
    redis.signal(libc::SIGCONT);
    assert_quick("Redis hung", took);
}

#[test]
fn quit_is_prompt_while_prometheus_hangs() {
    let redis = Redis::start(&[]);
    let stub = Stub::start(StubMode::Hang);
    let url = redis.url();
    let prom = stub.url();
    let mut tui = Pty::start(
        &[&url, "--interval", "200ms", "--prometheus", &prom],
        120,
        40,
    );
    tui.wait_for("UP for", SETUP);
    assert_quick("Prometheus hung", quit(&mut tui));
}

#[test]
fn quit_is_prompt_while_the_docker_engine_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("docker.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    // Accepts and never answers: every Engine call waits until its own timeout.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let host = format!("unix://{}", sock.display());
    let redis = Redis::start(&[]);
    let url = redis.url();
    let mut tui = Pty::start_env(
        &[&url, "--interval", "200ms", "--container", "redis-1"],
        &[("DOCKER_HOST", &host)],
        120,
        40,
    );
    tui.wait_for("UP for", SETUP);
    assert_quick("Docker Engine hung", quit(&mut tui));
}

#[test]
fn quit_is_prompt_while_an_action_runs_and_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("runbook.toml");
    let marker = crate::common::unique_sleep();
    std::fs::write(
        &rb,
        format!(
            "[[action]]\nname = \"nap\"\ntitle = \"nap\"\nkey = \"Z\"\nkind = \"external\"\n\
             timeout = \"60s\"\ncommands = [[\"sleep\", \"{marker}\"]]\n"
        ),
    )
    .unwrap();
    let redis = Redis::start(&[]);
    let url = redis.url();
    let rb = rb.to_str().unwrap().to_string();
    let mut tui = Pty::start(&[&url, "--interval", "200ms", "--runbook", &rb], 120, 40);
    tui.wait_for("UP for", SETUP);
    tui.keys("Z");
    tui.wait_for("y = run", SETUP);
    tui.keys("y");
    tui.wait_for("running nap", SETUP);
    assert_quick("an action running", quit(&mut tui));
    let left = crate::common::pgrep(&format!("sleep {marker}"));
    assert!(
        left.is_empty(),
        "the action's process outlived redtriage: {left}"
    );
}

#[test]
fn quit_is_prompt_while_the_incident_log_cannot_be_written() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    // Every append fails with ENOSPC, as on a full disk.
    let mut tui = Pty::start(
        &[&url, "--interval", "200ms", "--incident-log", "/dev/full"],
        120,
        40,
    );
    tui.wait_for("INCIDENT LOG NOT WRITTEN", SETUP);
    assert_quick("incident log disk full", quit(&mut tui));
}
