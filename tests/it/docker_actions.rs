//! The runbook's container actions against the real engine (issue 8): restart through the
//! Engine API and through `docker-compose restart` seen by a running dashboard (its incident
//! log: DOWN then UP, or one RESTARTED line when it was quicker than a poll), the container's death logged, and a corrupted AOF checked and repaired
//! by `docker exec`-style actions, then the container starting again.

use std::process::Output;
use std::time::Duration;

use crate::common::docker::{
    ComposeOpts, ComposeRedis, Container, DockerRedis, RunOpts, corrupt_middle, docker_or_skip,
    fill, text,
};
use crate::common::tmux::Tmux;
use crate::common::{self, bin, poll};

const INCR: &str = "appendonlydir/appendonly.aof.1.incr.aof";

/// `redtriage action NAME URL --yes ARGS…` with `env`.
fn action(name: &str, url: &str, extra: &[&str], env: &[(String, String)]) -> Output {
    bin::redtriage()
        .args(["action", name, url, "--yes"])
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("redtriage runs")
}

/// Waits until the incident log's `state` lines show the server going away and coming back
/// after it was up: `UP → DOWN` (or `UP → UNRESPONSIVE`: Docker's proxy keeps accepting on the
/// published port while the container restarts, and nothing answers) then `→ UP`, or, when the
/// restart was quicker than a poll (the dashboard reconnects within its tick), the one
/// `UP → RESTARTED → UP` line.
fn wait_restart(log: &std::path::Path, limit: Duration) -> String {
    let mut text = String::new();
    let seen = poll(limit, Duration::from_millis(200), || {
        text = std::fs::read_to_string(log).unwrap_or_default();
        let states: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("\"kind\":\"state\""))
            .collect();
        let mut it = states.iter();
        let gone = |l: &&&str| l.contains("UP → DOWN") || l.contains("UP → UNRESPONSIVE");
        let seen_down = it.any(|l| l.contains("→ UP"))
            && it.any(|l| gone(&l))
            && it.any(|l| l.contains("→ UP"));
        seen_down || states.iter().any(|l| l.contains("UP → RESTARTED → UP"))
    });
    assert!(seen, "no restart in the state lines:\n{text}");
    text
}

fn dashboard(url: &str, log: &std::path::Path) -> Tmux {
    let log = log.display().to_string();
    let tui = Tmux::start(
        &[url, "--interval", "300ms", "--incident-log", &log],
        100,
        30,
    );
    tui.wait_for("UP for", Duration::from_secs(10));
    tui
}

#[test]
fn restart_through_the_api_is_logged_and_so_is_the_kill() {
    if !docker_or_skip("restart_through_the_api") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().label("rt-api").no_bind_data());
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("incident.jsonl");
    let tui = dashboard(&r.url(), &log);
    tui.wait_for("container ", Duration::from_secs(10));
    let out = action("container-restart", &r.url(), &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("restarted"), "{}", text(&out));
    wait_restart(&log, Duration::from_secs(20));
    // The engine's events reach the timeline and the incident log.
    r.kill();
    let mut text = String::new();
    let seen = poll(Duration::from_secs(15), Duration::from_millis(200), || {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        let container: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("\"kind\":\"container\""))
            .collect();
        container.iter().any(|l| l.contains("137"))
    });
    assert!(seen, "no container event with the exit code:\n{text}");
    tui.keys("C");
    let pane = tui.wait_for("exited", Duration::from_secs(5));
    assert!(pane.contains("137"), "{pane}");
}

#[test]
fn compose_restart_is_logged() {
    if !docker_or_skip("compose_restart") {
        return;
    }
    let c = ComposeRedis::up(&ComposeOpts::default().label("rtc"));
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("incident.jsonl");
    let _tui = dashboard(&c.url(), &log);
    // The runbook's users run it in the project: the project and file come from the
    // environment, as `docker-compose` reads them.
    let mut env = c.env().to_vec();
    env.push(("COMPOSE_PROJECT_NAME".into(), c.project().to_string()));
    env.push((
        "COMPOSE_FILE".into(),
        common::docker::compose_file().display().to_string(),
    ));
    let out = action("restart-compose", &c.url(), &[], &env);
    assert!(out.status.success(), "{}", text(&out));
    wait_restart(&log, Duration::from_secs(30));
}

#[test]
fn a_corrupted_aof_is_shown_by_the_check_repaired_by_the_fix_and_redis_starts_again() {
    if !docker_or_skip("corrupted_aof_actions") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-aof")
            .redis_args(&["--appendonly", "yes"]),
    );
    fill(&r, 50);
    // Damaged on disk while Redis runs (found before the next restart).
    corrupt_middle(&r.data_dir().join(INCR), b"GARBAGE!\r\n");
    let out = action("container-check-aof", &r.url(), &[], &[]);
    assert!(!out.status.success(), "the check fails on a damaged AOF");
    assert!(text(&out).contains("is not valid"), "{}", text(&out));
    let out = action("container-fix-aof", &r.url(), &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Successfully truncated AOF"),
        "{}",
        text(&out)
    );
    let out = action("container-check-aof", &r.url(), &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    r.restart();
    r.wait_ping(Duration::from_secs(15));
    let n: usize = r.cli_str(&["dbsize"]).parse().expect("dbsize");
    assert!(n > 0, "the keys before the damage are back");
}

#[test]
fn a_container_that_cannot_start_is_repaired_in_a_throwaway_one() {
    if !docker_or_skip("corrupted_aof_stopped") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-aofx")
            .redis_args(&["--appendonly", "yes"]),
    );
    fill(&r, 50);
    // Seen once while up, so the dashboard knows the container and the AOF's path.
    let out = action("container-ping", &r.url(), &[], &[]);
    assert!(text(&out).contains("PONG"), "{}", text(&out));
    r.stop();
    corrupt_middle(&r.data_dir().join(INCR), b"GARBAGE!\r\n");
    let _ = r.start();
    r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    // Redis is down, so CONFIG cannot say where the AOF is: the runbook's vars do.
    let dir = tempfile::tempdir().expect("tempdir");
    let rb = dir.path().join("runbook.toml");
    let shipped = include_str!("../../assets/runbook.toml").replace(
        "[settings.vars]\n",
        "[settings.vars]\naof_manifest_or_file = \"/data/appendonlydir/appendonly.aof.manifest\"\n",
    );
    std::fs::write(&rb, shipped).expect("runbook");
    let rb = rb.display().to_string();
    let out = action("container-check-aof", &r.url(), &["--runbook", &rb], &[]);
    assert!(
        !out.status.success(),
        "exec needs a running container: {}",
        text(&out)
    );
    let out = action(
        "container-fix-aof-stopped",
        &r.url(),
        &["--runbook", &rb],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Successfully truncated AOF"),
        "{}",
        text(&out)
    );
    assert!(r.start().status.success());
    r.wait_ping(Duration::from_secs(15));
}

/// A container that cannot start (its AOF damaged), seen for the first time by a dashboard
/// started while it is down, with nothing in `[settings.vars]`: the AOF's path comes from the
/// Engine's inspection (its working dir) and its log (the damaged file's name); `enter` on
/// cause E checks it in a throwaway container, repairs it once the check reports the damage,
/// then restarts the container; the report lists the three steps.
#[test]
fn a_container_down_at_start_is_repaired_from_the_dashboard() {
    use crate::down_at_start::{LIMIT, enter_on_e, report, runbook};
    if !docker_or_skip("container_down_at_start") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-aofd")
            .redis_args(&["--appendonly", "yes"]),
    );
    fill(&r, 50);
    r.stop();
    corrupt_middle(&r.data_dir().join(INCR), b"GARBAGE!\r\n");
    let _ = r.start();
    r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    let home = tempfile::tempdir().expect("tempdir");
    let log = home.path().join("incident.jsonl");
    let rb = runbook(home.path());
    let (url, rb_s, log_s) = (r.url(), rb.display().to_string(), log.display().to_string());
    let tui = Tmux::start(
        &[
            &url,
            "--interval",
            "300ms",
            "--runbook",
            &rb_s,
            "--incident-log",
            &log_s,
        ],
        160,
        48,
    );
    tui.wait_for("DOWN", LIMIT);
    let screen = enter_on_e(&tui, "container-check-aof-stopped", "y = run");
    assert!(
        screen.contains("/data/appendonlydir/appendonly.aof.manifest"),
        "{screen}"
    );
    assert!(screen.contains("working dir (docker inspect)"), "{screen}");
    tui.keys("y");
    // A throwaway container starts for each: more time than a local command.
    let docker_run = Duration::from_secs(30);
    tui.wait_for("exited with 1", docker_run);
    tui.keys("Escape");
    enter_on_e(&tui, "container-fix-aof-stopped", "type the target");
    tui.keys(&url);
    tui.keys("Enter");
    tui.wait_for("SECOND CONFIRMATION", LIMIT);
    tui.keys("y");
    tui.wait_for("exited with 0", docker_run);
    tui.keys("Escape");
    enter_on_e(&tui, "container-restart", "type the target");
    tui.keys(&url);
    tui.keys("Enter");
    tui.wait_for("UP for", Duration::from_secs(30));
    r.wait_ping(Duration::from_secs(15));
    tui.wait_for("STABLE", Duration::from_secs(30));
    tui.keys("q");
    tui.wait_gone(LIMIT);
    let md = report(&log);
    for step in [
        "container-check-aof-stopped",
        "container-fix-aof-stopped",
        "container-restart",
    ] {
        assert!(md.contains(step), "{step} not in the report:\n{md}");
    }
}

/// The runbook's "check disk usage" inside the container: `df -h {dir}` through the Engine
/// API's exec, `{dir}` the server's own (CONFIG GET: /data).
#[test]
fn disk_usage_is_read_inside_the_container() {
    if !docker_or_skip("container_disk_usage") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().label("rt-df").no_bind_data());
    let out = action("container-disk-usage", &r.url(), &[], &[]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("df -h /data"), "{t}");
    assert!(t.contains("Filesystem") && t.contains("Use%"), "{t}");
}
