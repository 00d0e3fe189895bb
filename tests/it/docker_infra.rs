//! The Docker test infrastructure of issue 8, proved against the real engine with the docker,
//! docker-compose and redis-cli CLIs only (not redtriage's Docker code): the locally built
//! image runs, and every acceptance scenario (found by port and by compose labels, kill → 137,
//! OOM kill, maxmemory above the limit, restarts, a corrupted AOF in the volume repaired with
//! the image's own redis-check-aof, no Docker socket) can be produced here.

use std::os::unix::process::CommandExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::common;
use crate::common::docker::{
    ABSENT_DOCKER_HOST, ComposeOpts, ComposeRedis, Container, DockerRedis, RunOpts, corrupt_middle,
    docker, docker_ok, docker_or_skip, edit_in_container, fill, image, text,
};

const MANIFEST: &str = "/data/appendonlydir/appendonly.aof.manifest";
const INCR: &str = "appendonlydir/appendonly.aof.1.incr.aof";

#[test]
fn image_runs_the_debian_binaries_with_a_healthcheck() {
    if !docker_or_skip("image_runs_the_debian_binaries_with_a_healthcheck") {
        return;
    }
    let img = image();
    assert!(img.starts_with("redtriage-test-redis:"), "{img}");
    let cfg: serde_json::Value =
        serde_json::from_str(&docker_ok(&["image", "inspect", img])).expect("json");
    let cfg = &cfg[0]["Config"];
    assert_eq!(cfg["Entrypoint"][0], "/usr/bin/redis-server");
    assert_eq!(cfg["Healthcheck"]["Test"][1], "/usr/bin/redis-cli");

    let r = DockerRedis::run(&RunOpts::default().no_bind_data());
    // Same server as the host's package.
    let host = String::from_utf8_lossy(
        &std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .expect("redis-server")
            .stdout,
    )
    .to_string();
    let info = r.cli_str(&["info", "server"]);
    let ver = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .expect("redis_version")
        .trim()
        .to_string();
    assert!(host.contains(&format!("v={ver} ")), "{host} vs {ver}");
    // The tools are there under their own names.
    let ping = r.exec(&["redis-cli", "ping"]);
    assert_eq!(String::from_utf8_lossy(&ping.stdout).trim(), "PONG");
    let usage = text(&r.exec(&["redis-check-aof"]));
    assert!(usage.contains("Usage: redis-check-aof"), "{usage}");
    let usage = text(&r.exec(&["redis-check-rdb"]));
    assert!(usage.contains("Usage: redis-check-rdb"), "{usage}");
    // The health check turns healthy; the log is the server's.
    let s = r.wait_state(Duration::from_secs(15), "healthy", |s| {
        s.health.as_deref() == Some("healthy")
    });
    assert!(s.running && s.status == "running", "{s:#?}");
    assert!(r.logs().contains("Ready to accept connections"));
}

#[test]
fn found_by_published_port() {
    if !docker_or_skip("found_by_published_port") {
        return;
    }
    let a = DockerRedis::run(&RunOpts::default().label("a").no_bind_data());
    let b = DockerRedis::run(&RunOpts::default().label("b").no_bind_data());
    let id = a.container_id();
    let found = docker_ok(&[
        "ps",
        "--no-trunc",
        "-q",
        "--filter",
        &format!("publish={}", a.port()),
    ]);
    assert_eq!(found, id);
    // The filter is on the host port, not on the container's 6379.
    let by_inner = docker_ok(&["ps", "--no-trunc", "-q", "--filter", "publish=6379"]);
    assert!(!by_inner.contains(&id), "publish=6379 matched {by_inner}");
    // And the binding is in inspect, for a client that lists and matches itself.
    let v = a.inspect();
    let binding = &v["NetworkSettings"]["Ports"]["6379/tcp"][0];
    assert_eq!(binding["HostIp"], "127.0.0.1");
    assert_eq!(binding["HostPort"], a.port().to_string());
    assert_ne!(a.port(), b.port());
    assert_ne!(b.container_id(), id);
}

#[test]
fn compose_service_found_by_labels_and_port() {
    if !docker_or_skip("compose_service_found_by_labels_and_port") {
        return;
    }
    let c = ComposeRedis::up(&ComposeOpts::default());
    let id = c.container_id();
    let by_labels = docker_ok(&[
        "ps",
        "--no-trunc",
        "-q",
        "--filter",
        "label=com.docker.compose.service=redis",
        "--filter",
        &format!("label=com.docker.compose.project={}", c.project()),
    ]);
    assert_eq!(by_labels, id);
    let by_port = docker_ok(&[
        "ps",
        "--no-trunc",
        "-q",
        "--filter",
        &format!("publish={}", c.port()),
    ]);
    assert_eq!(by_port, id);
    let v = c.inspect();
    assert_eq!(v["Config"]["Labels"]["com.docker.compose.service"], "redis");
    // The compose file's limit, volume, AOF and health check are all in effect.
    let s = c.inspect_state();
    assert_eq!(s.memory_limit, 64 << 20);
    assert_eq!(s.memory_swap, 64 << 20);
    assert_eq!(s.health.as_deref(), Some("healthy"));
    let mounts = v["Mounts"].as_array().expect("mounts");
    assert!(
        mounts
            .iter()
            .any(|m| m["Name"] == c.volume().as_str() && m["Destination"] == "/data"),
        "{mounts:?}"
    );
    assert_eq!(c.config_get("appendonly"), "yes");
}

#[test]
fn docker_kill_exits_137() {
    if !docker_or_skip("docker_kill_exits_137") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().no_bind_data());
    let t0 = SystemTime::now();
    r.kill();
    let s = r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    assert_eq!(s.exit_code, 137, "{s:#?}");
    assert!(!s.oom_killed && !s.running, "{s:#?}");
    assert!(!r.ping(), "Redis answers after docker kill");
    r.wait_events(t0, &["kill", "die"], Duration::from_secs(5));
    // A stopped container cannot be exec'd into (the runbook's `docker exec` fails).
    let out = r.exec(&["redis-cli", "ping"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("is not running"), "{}", text(&out));
}

#[test]
fn small_memory_limit_without_maxmemory_is_oom_killed() {
    if !docker_or_skip("small_memory_limit_without_maxmemory_is_oom_killed") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("oom")
            .mem_limit("32m")
            .no_bind_data()
            .redis_args(&["--enable-debug-command", "yes", "--save", ""]),
    );
    assert_eq!(r.config_get("maxmemory"), "0");
    let s = r.inspect_state();
    assert_eq!(s.memory_limit, 32 << 20);
    assert_eq!(s.memory_swap, 32 << 20, "no swap on top of the limit");
    let t0 = SystemTime::now();
    // ~10 MB of keys per step; the kernel kills Redis at 32 MB.
    let mut steps = 0;
    while r.inspect_state().running {
        assert!(steps < 40, "still running after {steps} steps: {s:#?}");
        let _ = r.cli(&["debug", "populate", "50000", &format!("p{steps}:"), "128"]);
        steps += 1;
    }
    let s = r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    assert!(s.oom_killed, "{s:#?}");
    assert_eq!(s.exit_code, 137, "{s:#?}");
    let ev = r.wait_events(t0, &["oom", "die"], Duration::from_secs(5));
    eprintln!("OOM-killed after {steps} populate steps; events {ev:?}");
}

#[test]
fn maxmemory_above_the_container_limit_is_visible() {
    if !docker_or_skip("maxmemory_above_the_container_limit_is_visible") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .mem_limit("32m")
            .no_bind_data()
            .redis_args(&["--maxmemory", "100mb"]),
    );
    let maxmemory: i64 = r.config_get("maxmemory").parse().expect("number");
    let limit = r.inspect_state().memory_limit;
    assert_eq!(maxmemory, 100 << 20);
    assert_eq!(limit, 32 << 20);
    assert!(maxmemory > limit);
    // The same through the compose file's variables.
    let c = ComposeRedis::up(
        &ComposeOpts::default()
            .mem_limit("48m")
            .redis_args(&["--maxmemory", "64mb"]),
    );
    assert_eq!(c.config_get("maxmemory"), (64_i64 << 20).to_string());
    assert_eq!(c.inspect_state().memory_limit, 48 << 20);
}

/// Polls PING every 20 ms in a thread while `act` runs; true when some PING failed.
fn saw_down_during(c: &impl Container, act: impl FnOnce()) -> bool {
    let stop = Arc::new(AtomicBool::new(false));
    let down = Arc::new(AtomicBool::new(false));
    let port = c.port().to_string();
    let poller = {
        let (stop, down) = (stop.clone(), down.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let out = std::process::Command::new("redis-cli")
                    .args(["-h", "127.0.0.1", "-p", &port, "ping"])
                    .output()
                    .expect("redis-cli");
                if String::from_utf8_lossy(&out.stdout).trim() != "PONG" {
                    down.store(true, Ordering::Relaxed);
                }
                // Not a wait: the PINGs' pace, 20 ms apart, to catch the outage.
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    act();
    c.wait_ping(Duration::from_secs(20));
    stop.store(true, Ordering::Relaxed);
    poller.join().expect("poller");
    down.load(Ordering::Relaxed)
}

fn run_id(c: &impl Container) -> String {
    common::info_value(&c.cli_str(&["info", "server"]), "run_id").expect("run_id")
}

#[test]
fn docker_restart_goes_down_then_up() {
    if !docker_or_skip("docker_restart_goes_down_then_up") {
        return;
    }
    let r = DockerRedis::run(&RunOpts::default().no_bind_data());
    let before = (run_id(&r), r.inspect_state().started_at);
    let t0 = SystemTime::now();
    assert!(saw_down_during(&r, || r.restart()), "never saw it down");
    assert_ne!(run_id(&r), before.0);
    let s = r.inspect_state();
    assert_ne!(s.started_at, before.1);
    assert_eq!(s.restart_count, 0, "docker restart is not a policy restart");
    let ev = r.wait_events(t0, &["die", "start", "restart"], Duration::from_secs(5));
    eprintln!("docker restart events: {ev:?}");
}

#[test]
fn compose_restart_goes_down_then_up() {
    if !docker_or_skip("compose_restart_goes_down_then_up") {
        return;
    }
    let c = ComposeRedis::up(&ComposeOpts::default());
    fill(&c, 10);
    let before = run_id(&c);
    assert!(
        saw_down_during(&c, || c.restart_service()),
        "never saw it down"
    );
    assert_ne!(run_id(&c), before);
    // The AOF in the named volume kept the data across the restart.
    assert_eq!(c.cli_str(&["dbsize"]), "10");
}

#[test]
fn corrupted_aof_in_bind_mount_is_checked_and_fixed_with_the_image() {
    if !docker_or_skip("corrupted_aof_in_bind_mount_is_checked_and_fixed_with_the_image") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("aof")
            .redis_args(&["--appendonly", "yes"]),
    );
    fill(&r, 50);
    r.stop();
    corrupt_middle(&r.data_dir().join(INCR), b"GARBAGE!\r\n");

    // It does not start: Redis refuses the AOF and exits 1.
    let _ = r.start();
    let s = r.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    assert_eq!(s.exit_code, 1, "{s:#?}");
    assert!(
        r.logs()
            .contains("Bad file format reading the append only file")
    );
    assert!(!r.ping());
    // `docker exec` (the runbook's way) cannot reach a crashed container …
    let out = r.exec(&["redis-check-aof", MANIFEST]);
    assert!(text(&out).contains("is not running"), "{}", text(&out));
    // … a throwaway container of the same image with its volumes can.
    let out = r.tool("redis-check-aof", &[MANIFEST], b"");
    assert!(!out.status.success());
    assert!(text(&out).contains("is not valid"), "{}", text(&out));
    // --fix without the confirmation leaves it alone; with `y` it truncates.
    let out = r.tool("redis-check-aof", &["--fix", MANIFEST], b"n\n");
    assert!(!out.status.success(), "{}", text(&out));
    let out = r.tool("redis-check-aof", &["--fix", MANIFEST], b"y\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Successfully truncated AOF"),
        "{}",
        text(&out)
    );
    let out = r.tool("redis-check-aof", &[MANIFEST], b"");
    assert!(out.status.success(), "{}", text(&out));

    assert!(r.start().status.success());
    r.wait_ping(Duration::from_secs(10));
    let n: usize = r.cli_str(&["dbsize"]).parse().expect("dbsize");
    assert!(n > 0 && n < 50, "kept the keys before the damage: {n}");
}

#[test]
fn corrupted_aof_in_compose_volume_is_checked_and_fixed() {
    if !docker_or_skip("corrupted_aof_in_compose_volume_is_checked_and_fixed") {
        return;
    }
    let c = ComposeRedis::up(&ComposeOpts::default().label("aof"));
    fill(&c, 50);
    let out = c.compose(&["stop", "-t", "5", "redis"]);
    assert!(out.status.success(), "{}", text(&out));
    // The volume is not the test's to write: edit through the stopped container.
    edit_in_container(&c, &format!("/data/{INCR}"), |f| {
        corrupt_middle(f, b"GARBAGE!\r\n");
    });
    let _ = c.compose(&["start", "redis"]);
    let s = c.wait_state(Duration::from_secs(10), "exited", |s| s.status == "exited");
    assert_eq!(s.exit_code, 1, "{s:#?}");

    // `docker-compose run` of the service with another entrypoint: the service's volume and
    // image, no port (the crashed container keeps its name and its published port).
    let out = c.run_tool("redis-check-aof", &[MANIFEST], b"");
    assert!(text(&out).contains("is not valid"), "{}", text(&out));
    let out = c.run_tool("redis-check-aof", &["--fix", MANIFEST], b"y\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Successfully truncated AOF"));
    // The plain-docker way works on the compose container too.
    let out = c.tool("redis-check-aof", &[MANIFEST], b"");
    assert!(out.status.success(), "{}", text(&out));

    let out = c.compose(&["start", "redis"]);
    assert!(out.status.success(), "{}", text(&out));
    c.wait_ping(Duration::from_secs(10));
    let n: usize = c.cli_str(&["dbsize"]).parse().expect("dbsize");
    assert!(n > 0 && n < 50, "{n}");
}

#[test]
fn restart_policy_with_a_broken_aof_loops() {
    if !docker_or_skip("restart_policy_with_a_broken_aof_loops") {
        return;
    }
    let r = DockerRedis::run(
        &RunOpts::default()
            .label("loop")
            .restart("on-failure")
            .redis_args(&["--appendonly", "yes"]),
    );
    fill(&r, 20);
    r.stop(); // a manual stop does not trigger the policy
    corrupt_middle(&r.data_dir().join(INCR), b"GARBAGE!\r\n");
    let _ = r.start();
    let s = r.wait_state(Duration::from_secs(30), "3 restarts", |s| {
        s.restart_count >= 3
    });
    assert!(!s.running || s.restarting || s.exit_code == 1, "{s:#?}");
    // While it loops, exec fails too (not running, or restarting).
    let out = r.exec(&["redis-cli", "ping"]);
    let t = text(&out);
    assert!(
        !out.status.success() || !t.contains("PONG"),
        "exec into a crash loop answered: {t}"
    );
}

#[test]
fn docker_socket_absent_or_unreadable() {
    // No engine needed for the absent case.
    let out = std::process::Command::new("docker")
        .args(["ps"])
        .env("DOCKER_HOST", ABSENT_DOCKER_HOST)
        .output();
    let Ok(out) = out else {
        eprintln!("*** docker CLI not installed: socket test skipped");
        return;
    };
    assert!(!out.status.success());
    assert!(
        text(&out).contains("Cannot connect to the Docker daemon"),
        "{}",
        text(&out)
    );
    // Unreadable: the real socket (root:docker 0660) as a user outside the docker group. Root
    // bypasses file modes, so this needs root to drop to nobody.
    if !docker_or_skip("docker_socket_absent_or_unreadable (unreadable part)") {
        return;
    }
    // SAFETY: getuid cannot fail.
    if unsafe { libc::getuid() } != 0 {
        eprintln!("*** not root: the unreadable-socket case is not simulated");
        return;
    }
    let out = std::process::Command::new("docker")
        .args(["ps"])
        .env("HOME", "/tmp")
        .current_dir("/")
        .uid(65534)
        .gid(65534)
        .output()
        .expect("docker");
    assert!(!out.status.success());
    assert!(text(&out).contains("permission denied"), "{}", text(&out));
    // And the engine is fine for everyone else.
    assert!(docker(&["version"]).status.success());
}
