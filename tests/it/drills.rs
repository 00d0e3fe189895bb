//! `redtriage drill <scenario> --headless` for every scenario: the JSON line, then
//! `snapshot --json --server-log` names the scenario's cause as the top likely one within 10 s
//! of the injection and no other cause as likely; SIGTERM (or stdin closing) removes the
//! server and the temp dir. `drill list` lists all nine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::diagnose::{expect_top, serial};
use crate::common::{bin, poll};

/// A headless drill child, killed if a test fails half-way.
struct Drill {
    child: Child,
    ready: Value,
    injected: Instant,
}

impl Drill {
    fn start(scenario: &str) -> Self {
        let mut child = Command::new(bin::path())
            .args(["drill", scenario, "--headless"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn redtriage drill");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the JSON line within 60 s");
        let injected = Instant::now();
        let ready: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
        assert_eq!(ready["scenario"], scenario);
        assert_eq!(ready["injected"], true);
        Self {
            child,
            ready,
            injected,
        }
    }

    fn url(&self) -> &str {
        self.ready["url"].as_str().expect("url")
    }

    fn log(&self) -> PathBuf {
        PathBuf::from(self.ready["server_log"].as_str().expect("server_log"))
    }

    fn dir(&self) -> PathBuf {
        self.log().parent().expect("log dir").to_path_buf()
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid")
    }

    /// SIGTERM, then the exit within 15 s.
    fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) on our own child.
        unsafe {
            libc::kill(self.pid(), libc::SIGTERM);
        }
        self.wait_exit()
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let mut status = None;
        poll(Duration::from_secs(15), Duration::from_millis(50), || {
            status = self.child.try_wait().expect("try_wait");
            status.is_some()
        });
        status.expect("the drill did not exit")
    }
}

impl Drop for Drill {
    /// A failed test still lets the drill clean up (SIGTERM), then makes sure it is gone.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe {
                libc::kill(self.pid(), libc::SIGTERM);
            }
            poll(Duration::from_secs(10), Duration::from_millis(50), || {
                !matches!(self.child.try_wait(), Ok(None))
            });
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// No process left whose command line names `dir` (the redis-server runs on `dir/redis.conf`).
fn no_process_in(dir: &Path) -> bool {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .all(|cmd| !String::from_utf8_lossy(&cmd).contains(&needle))
}

fn assert_cleaned_up(dir: &Path, url: &str) {
    assert!(!dir.exists(), "{} still exists", dir.display());
    assert!(
        no_process_in(dir),
        "a process still runs in {}",
        dir.display()
    );
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something still listens on {port}"
    );
}

/// Runs `scenario`, expects `cause` as the top likely one, then SIGTERM and the cleanup.
fn drill_gives(scenario: &str, cause: &str) {
    let _one = serial();
    let drill = Drill::start(scenario);
    let (url, log, dir) = (drill.url().to_owned(), drill.log(), drill.dir());
    assert!(
        dir.is_dir(),
        "{} missing while the drill runs",
        dir.display()
    );
    expect_top(&url, Some(&log), cause, drill.injected);
    let status = drill.terminate();
    assert!(status.success(), "exit {status:?}");
    assert_cleaned_up(&dir, &url);
}

#[test]
fn crash_is_a() {
    drill_gives("crash", "A");
}

#[test]
fn oom_is_b() {
    drill_gives("oom", "B");
}

#[test]
fn evictions_is_b() {
    drill_gives("evictions", "B");
}

#[test]
fn client_flood_is_c() {
    drill_gives("client-flood", "C");
}

#[test]
fn slow_commands_is_slow() {
    drill_gives("slow-commands", "slow");
}

#[test]
fn bgsave_fail_is_e() {
    drill_gives("bgsave-fail", "E");
}

#[test]
fn aof_corrupt_is_e() {
    drill_gives("aof-corrupt", "E");
}

#[test]
fn hung_is_d() {
    drill_gives("hung", "D");
}

#[test]
fn hit_rate_collapse_is_hit_rate() {
    drill_gives("hit-rate-collapse", "hit_rate");
}

#[test]
fn closing_stdin_ends_the_drill_and_cleans_up() {
    let _one = serial();
    let mut drill = Drill::start("hung");
    let (url, dir) = (drill.url().to_owned(), drill.dir());
    drop(drill.child.stdin.take());
    let status = drill.wait_exit();
    assert!(status.success(), "exit {status:?}");
    assert_cleaned_up(&dir, &url);
}

#[test]
fn list_names_all_thirteen_with_their_cause() {
    let out = Command::new(bin::path())
        .args(["drill", "list"])
        .output()
        .expect("drill list");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, cause) in [
        ("crash", "cause A"),
        ("oom", "cause B"),
        ("evictions", "cause B"),
        ("client-flood", "cause C"),
        ("slow-commands", "cause slow"),
        ("bgsave-fail", "cause E"),
        ("aof-corrupt", "cause E"),
        ("hung", "cause D"),
        ("hit-rate-collapse", "cause hit_rate"),
        ("failover", "cause failover"),
        ("replica-broken", "cause replication"),
        ("cluster-failover", "cause cluster_node"),
        ("cluster-down", "cause cluster_down"),
    ] {
        let at = text
            .lines()
            .position(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not listed:\n{text}"));
        let next = text.lines().nth(at + 1).unwrap_or_default();
        assert!(next.contains(cause), "{name}: {next:?}");
    }
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    let out = Command::new(bin::path())
        .args(["drill", "meteor"])
        .output()
        .expect("drill meteor");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hit-rate-collapse"));
}

#[test]
fn cluster_failover_is_a_cluster_node_down() {
    drill_gives("cluster-failover", "cluster_node");
}

#[test]
fn cluster_down_is_uncovered_slots() {
    drill_gives("cluster-down", "cluster_down");
}

#[test]
fn replica_broken_is_replication() {
    drill_gives("replica-broken", "replication");
}

#[test]
fn failover_promotes_a_replica_that_the_sentinels_then_name() {
    let _one = serial();
    let drill = Drill::start("failover");
    let (url, dir) = (drill.url().to_owned(), drill.dir());
    let sentinels = drill.ready["sentinels"]
        .as_str()
        .expect("sentinels")
        .to_owned();
    let name = drill.ready["master_name"]
        .as_str()
        .expect("master_name")
        .to_owned();
    // The master is dead; the Sentinels promote a replica, and check follows them to it.
    let mut first = String::new();
    let moved = poll(Duration::from_secs(60), Duration::from_millis(200), || {
        let out = Command::new(bin::path())
            .args(["check", "--sentinel", &sentinels, "--master-name", &name])
            .output()
            .expect("check");
        first = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .into();
        first.contains("redis://127.0.0.1:") && !first.contains(&url) && first.contains(" UP")
    });
    assert!(moved, "still on the killed master: {first}");
    let status = drill.terminate();
    assert!(status.success(), "exit {status:?}");
    assert!(!dir.exists(), "{} still exists", dir.display());
    assert!(no_process_in(&dir));
}
