//! redtriage's Docker source against the real engine (issue 8): the container found by port
//! and by compose service, `docker kill` and the OOM kill shown in `snapshot --json` with the
//! diagnosis they lead to, maxmemory above the container's limit, and no Docker socket.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::common::bin;
use crate::common::diagnose::{cause, evidence_line as evidence};
use crate::common::docker::{
    ABSENT_DOCKER_HOST, ComposeOpts, ComposeRedis, Container, DockerRedis, RunOpts, docker_or_skip,
};

/// `redtriage snapshot URL --json` with extra args, parsed.
fn snapshot(url: &str, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut cmd = bin::redtriage();
    cmd.args(["snapshot", url, "--json", "--interval", "500ms"])
        .args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    bin::snapshot_json(&mut cmd)
}

#[test]
fn found_by_port_then_killed_shows_exit_code_and_cause_a() {
    if !docker_or_skip("found_by_port_then_killed") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-port")
            .mem_limit("64m")
            .no_bind_data(),
    );
    let snap = snapshot(&r.url(), &[], &[]);
    let c = &snap["container"];
    assert_eq!(c["status"], "found", "{c:#}");
    assert_eq!(c["info"]["name"], r.name());
    assert_eq!(c["info"]["state"], "running");
    assert_eq!(c["info"]["mem_limit"], 64 << 20);
    assert!(c["redis_uptime_secs"].is_u64());
    r.kill();
    let snap = snapshot(&r.url(), &[], &[]);
    let c = &snap["container"];
    assert_eq!(c["info"]["state"], "exited", "{c:#}");
    assert_eq!(c["info"]["exit_code"], 137);
    let a = cause(&snap, "A");
    assert_eq!(a["verdict"], "likely", "{a:#}");
    assert!(evidence(a).contains("exit code 137"), "{a:#}");
}

#[test]
fn found_by_compose_service() {
    if !docker_or_skip("found_by_compose_service") {
        return;
    }
    let c = ComposeRedis::up(&ComposeOpts::default().label("rt-svc"));
    // Any URL: the container comes from the label, not from the port.
    let snap = snapshot(&c.url(), &["--compose-service", "redis"], &[]);
    let v = &snap["container"];
    assert_eq!(v["status"], "found", "{v:#}");
    assert_eq!(v["info"]["compose_service"], "redis");
    assert_eq!(
        v["info"]["health"].as_str().map(|h| h != "unhealthy"),
        Some(true)
    );
}

#[test]
fn oom_killed_container_names_cause_b() {
    if !docker_or_skip("oom_killed_container_names_cause_b") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-oom")
            .mem_limit("32m")
            .no_bind_data()
            .redis_args(&["--enable-debug-command", "yes", "--save", ""]),
    );
    let snap = snapshot(&r.url(), &[], &[]);
    let checks = snap["container"]["checks"].to_string();
    assert!(checks.contains("no_maxmemory_limited"), "{checks}");
    let mut steps = 0;
    while r.inspect_state().running {
        assert!(steps < 40, "still running after {steps} steps");
        let _ = r.cli(&["debug", "populate", "50000", &format!("p{steps}:"), "128"]);
        steps += 1;
    }
    r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    let snap = snapshot(&r.url(), &[], &[]);
    let c = &snap["container"];
    assert_eq!(c["info"]["oom_killed"], true, "{c:#}");
    let b = cause(&snap, "B");
    assert_eq!(b["verdict"], "likely", "{b:#}");
    assert!(
        evidence(b).contains("OOMKilled: true, limit 32.0 MB"),
        "{b:#}"
    );
    let a = cause(&snap, "A");
    assert!(
        a["evidence"].to_string().contains("explained by memory"),
        "{a:#}"
    );
}

#[test]
fn maxmemory_above_the_limit_warns_with_both_figures() {
    if !docker_or_skip("maxmemory_above_the_limit_warns") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("rt-maxmem")
            .mem_limit("32m")
            .no_bind_data()
            .redis_args(&["--maxmemory", "100mb"]),
    );
    let snap = snapshot(&r.url(), &[], &[]);
    let checks = snap["container"]["checks"].to_string();
    assert!(
        checks.contains("maxmemory 100 MB is above the container's limit 32.0 MB"),
        "{checks}"
    );
    let b = cause(&snap, "B");
    assert!(evidence(b).contains("above the container's limit"), "{b:#}");
}

#[test]
fn missing_docker_socket_leaves_the_rest_working() {
    if !docker_or_skip("missing_docker_socket") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().label("rt-nosock").no_bind_data());
    let snap = snapshot(&r.url(), &[], &[("DOCKER_HOST", ABSENT_DOCKER_HOST)]);
    assert_eq!(snap["header"]["connection"]["state"], "UP");
    let c = &snap["container"];
    assert_eq!(c["status"], "unavailable");
    assert_eq!(
        c["reason"],
        format!(
            "no Docker socket at {}",
            ABSENT_DOCKER_HOST.trim_start_matches("unix://")
        )
    );
}

#[test]
fn unreadable_docker_socket_leaves_the_rest_working() {
    use std::os::unix::process::CommandExt as _;
    if !docker_or_skip("unreadable_docker_socket") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().label("rt-perm").no_bind_data());
    // The socket is root:docker 0660: as nobody it cannot be opened. Tests run as root here
    // (CI too); as another user, the socket must already be unreadable to that user.
    let mut cmd = Command::new(bin::path());
    cmd.args(["snapshot", &r.url(), "--json", "--interval", "500ms"])
        .env("HOME", "/tmp")
        .env_remove("XDG_CONFIG_HOME");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().expect("redtriage runs");
    let snap: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(snap["header"]["connection"]["state"], "UP", "{snap:#}");
    let c = &snap["container"];
    assert_eq!(c["status"], "unavailable", "{c:#}");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("permission denied on"), "{reason}");
}
