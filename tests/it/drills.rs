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

/// What `enter` on the first cause gives in each drill: the runbook's next step for it, and
/// one that can run there (issue 22's acceptance table). `Zoom` is a cause whose evidence
/// an action would erase or that no action fixes: its pane first, then the action beside it.
#[derive(Debug, Clone, Copy)]
enum Enter {
    /// `suggested`, and whether running it (`action NAME URL --yes`) changes nothing, so the
    /// test really runs it; else the test takes its plan (without `--yes`).
    Action(&'static str, Run),
    Zoom(&'static str, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Run {
    Really,
    Plan,
}

/// One row per drill: (scenario, cause, what enter gives).
const NEXT_STEP: [(&str, &str, Enter); 7] = [
    // Killed: the runbook's Option 1, a restart from its config file.
    ("crash", "A", Enter::Action("restart-plain", Run::Plan)),
    // Writes refused with OOM: Option 2, raise maxmemory.
    ("oom", "B", Enter::Action("maxmemory", Run::Plan)),
    // So full that a new connection is refused (the snapshot's too): a kill cannot be sent,
    // the quick mitigation can.
    (
        "client-flood",
        "C",
        Enter::Action("restart-plain", Run::Plan),
    ),
    // The slowlog is the evidence; a kill of the offender beside it.
    (
        "slow-commands",
        "slow",
        Enter::Zoom("slowlog", "client-kill"),
    ),
    // A BGSAVE child was killed, the disk is fine, AOF off: save again.
    ("bgsave-fail", "E", Enter::Action("bgsave", Run::Really)),
    // The server does not start, its log names the AOF: Option 4, check it first.
    ("aof-corrupt", "E", Enter::Action("check-aof", Run::Really)),
    // FLUSHALL under the reads: the hit rate and the key count's fall, then the probe.
    (
        "hit-rate-collapse",
        "hit_rate",
        Enter::Zoom("hit_rate", "probe"),
    ),
];

/// `snapshot --json` with what a user passes for a server on this machine that they know:
/// its log and its config file.
fn snapshot_knowing(url: &str, log: &Path, conf: &Path) -> Value {
    let mut cmd = bin::redtriage();
    cmd.args(["snapshot", url, "--json", "--server-log"])
        .arg(log)
        .arg("--redis-conf")
        .arg(conf);
    bin::snapshot_json(&mut cmd)
}

/// The row's action is the first cause's suggestion, and it runs (or, when running it would
/// end the drill, its plan can be made): `action` prepares it the way the dashboard does.
fn check_next_step(scenario: &str, url: &str, log: &Path, dir: &Path) {
    let Some((_, cause, enter)) = NEXT_STEP.iter().find(|(s, _, _)| *s == scenario) else {
        return;
    };
    let conf = dir.join("redis.conf");
    let snap = snapshot_knowing(url, log, &conf);
    let first = &snap["diagnosis"][0];
    assert_eq!(first["cause"], *cause, "{first:#}");
    let name = match *enter {
        Enter::Action(name, _) => {
            assert!(first["pane"].is_null(), "{first:#}");
            name
        }
        Enter::Zoom(pane, name) => {
            assert_eq!(first["pane"], pane, "{first:#}");
            name
        }
    };
    assert_eq!(first["suggested"], name, "{scenario}: {first:#}");
    let mut cmd = bin::redtriage();
    cmd.args(["action", name, url, "--server-log"])
        .arg(log)
        .arg("--redis-conf")
        .arg(&conf);
    if name == "maxmemory" {
        cmd.args(["--arg", "64mb"]);
    }
    if name == "client-kill" {
        cmd.arg("--client-id").arg(slow_client_id(&snap, url));
    }
    if matches!(enter, Enter::Action(_, Run::Really)) {
        cmd.arg("--yes");
    }
    let out = cmd.output().expect("redtriage action");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A plan ends `not run: add --yes` (exit 2); a check that finds the damage exits 1: it
    // ran. Anything else must succeed.
    let ran = match enter {
        Enter::Action(_, Run::Really) => {
            out.status.success() || (name == "check-aof" && text.contains("AOF"))
        }
        _ => text.contains("not run: add --yes"),
    };
    assert!(ran, "{scenario}: action {name}: {:?}\n{text}", out.status);
    assert!(!text.contains("cannot run"), "{scenario}: {name}: {text}");
    // Started as redis-server, which on Debian links to the multi-call redis-check-rdb: the
    // restart must start the server, not the RDB checker.
    if name == "restart-plain" {
        assert!(
            text.contains("redis-server") && !text.contains("redis-check-rdb"),
            "{scenario}: {text}"
        );
    }
}

/// The id of the client that sent the newest slowlog entry (the pane shows its address;
/// `CLIENT LIST` gives its id), as the user picks it in the Clients pane.
fn slow_client_id(snap: &Value, url: &str) -> String {
    let client = snap["slowlog"]["entries"][0]["client"]
        .as_str()
        .unwrap_or_default();
    let addr = client.split(' ').next().unwrap_or_default();
    let port = url.rsplit(':').next().unwrap_or_default();
    let out = Command::new("redis-cli")
        .args(["-p", port, "CLIENT", "LIST"])
        .output()
        .expect("redis-cli CLIENT LIST");
    let list = String::from_utf8_lossy(&out.stdout);
    let field = |line: &str, key: &str| {
        (line.split(' '))
            .find_map(|f| f.strip_prefix(key))
            .map(str::to_string)
    };
    list.lines()
        .find(|l| field(l, "addr=").as_deref() == Some(addr))
        .and_then(|l| field(l, "id="))
        .unwrap_or_else(|| panic!("no client at {addr:?} in {list}"))
}

/// Runs `scenario`, expects `cause` as the top likely one and, for the drills of
/// [`NEXT_STEP`], its suggestion; then SIGTERM and the cleanup.
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
    check_next_step(scenario, &url, &log, &dir);
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
