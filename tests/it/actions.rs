//! Runbook actions against a real redis-server, through `redtriage action` (the same
//! preparation, runner and log as the TUI).

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::bin::logging_to as redtriage;
use crate::common::{self, Redis, info_u64, wait_until};

/// `redtriage action NAME --yes --runbook RB` against a URL where nothing listens: for the
/// actions of a test runbook that do not need Redis.
fn custom_action(log: &Path, rb: &Path, name: &str) -> Command {
    let mut c = redtriage(log);
    let url = format!("redis://127.0.0.1:{}", common::free_port());
    c.args(["action", name, &url, "--yes", "--runbook"]).arg(rb);
    c
}

fn runbook(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("runbook.toml");
    std::fs::write(&p, text).expect("write runbook");
    p
}

#[test]
fn bgsave_moves_the_last_save_time_and_is_logged() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redis.cli(&["SET", "a", "1"]);
    let before = info_u64(&redis, "persistence", "rdb_last_save_time");
    // The save time is in whole seconds: a later save shows only once the clock has passed
    // `before`.
    let unix_secs = || {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.expect("clock").as_secs()
    };
    wait_until(
        "the clock past the last save",
        Duration::from_secs(5),
        || unix_secs() > before,
    );
    // Without --yes: the plan, exit 2, nothing run.
    redtriage(&log)
        .args(["action", "bgsave", &redis.url()])
        .assert()
        .code(2)
        .stdout(predicates::str::contains("BGSAVE"))
        .stdout(predicates::str::contains("add --yes"));
    assert_eq!(
        info_u64(&redis, "persistence", "rdb_last_save_time"),
        before
    );
    redtriage(&log)
        .args(["action", "bgsave", &redis.url(), "--yes"])
        .assert()
        .success();
    wait_until("bgsave done", Duration::from_secs(10), || {
        info_u64(&redis, "persistence", "rdb_last_save_time") > before
    });
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.contains("\"kind\":\"action_start\"") && text.contains("\"kind\":\"action_end\""),
        "{text}"
    );
    assert!(text.contains("\"action\":\"bgsave\""));
}

#[test]
fn bgrewriteaof_with_aof_on() {
    let redis = Redis::start(&["--appendonly", "yes"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redis.cli(&["SET", "a", "1"]);
    let before = info_u64(&redis, "persistence", "aof_rewrites");
    redtriage(&log)
        .args(["action", "bgrewriteaof", &redis.url(), "--yes"])
        .assert()
        .success();
    wait_until("rewrite done", Duration::from_secs(10), || {
        info_u64(&redis, "persistence", "aof_rewrites") > before
            && info_u64(&redis, "persistence", "aof_rewrite_in_progress") == 0
    });
    // With AOF off the precondition greys it out: exit 2 and the reason.
    let off = Redis::start(&[]);
    redtriage(&log)
        .args(["action", "bgrewriteaof", &off.url(), "--yes"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("AOF is off"));
}

#[test]
fn maxmemory_set_and_rewritten_to_the_config_file() {
    let redis = Redis::start_with_conf("maxmemory 32mb\n", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redtriage(&log)
        .args([
            "action",
            "maxmemory",
            &redis.url(),
            "--arg",
            "64mb",
            "--yes",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "maxmemory: 32.0 MB (33554432) → 64.0 MB (67108864)",
        ));
    assert!(
        redis
            .cli(&["CONFIG", "GET", "maxmemory"])
            .contains("67108864")
    );
    redtriage(&log)
        .args(["action", "config-rewrite", &redis.url(), "--yes"])
        .assert()
        .success();
    let conf = std::fs::read_to_string(redis.conf.as_ref().expect("conf")).expect("read conf");
    assert!(conf.contains("maxmemory 64mb"), "{conf}");
    // A value above the machine's RAM is refused before anything runs.
    redtriage(&log)
        .args([
            "action",
            "maxmemory",
            &redis.url(),
            "--arg",
            "100000gb",
            "--yes",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("RAM"));
    redtriage(&log)
        .args([
            "action",
            "maxmemory",
            &redis.url(),
            "--arg",
            "lots",
            "--yes",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("\"lots\""));
}

#[test]
fn client_kill_of_one_client() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let _conn = common::named_conn(redis.port, "victim");
    let list = redis.cli(&["CLIENT", "LIST"]);
    let id = list
        .lines()
        .find(|l| l.contains(" name=victim "))
        .and_then(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
        .expect("victim id")
        .to_string();
    redtriage(&log)
        .args([
            "action",
            "client-kill",
            &redis.url(),
            "--client-id",
            &id,
            "--yes",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("killed 1 of 1"));
    assert!(!redis.cli(&["CLIENT", "LIST"]).contains("name=victim"));
}

#[test]
fn slowlog_reset_and_probe() {
    let redis = Redis::start(&["--slowlog-log-slower-than", "0"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    for _ in 0..5 {
        redis.cli(&["PING"]);
    }
    redis.cli(&["SET", "evidence\x1b[31m", "1"]);
    let kept: u64 = redis.cli(&["SLOWLOG", "LEN"]).trim().parse().expect("len");
    redtriage(&log)
        .args(["action", "slowlog-reset", &redis.url(), "--yes"])
        .assert()
        .success()
        .stdout(predicates::str::contains("slowlog saved: "));
    let len: u64 = redis.cli(&["SLOWLOG", "LEN"]).trim().parse().expect("len");
    assert!(len <= 2, "slowlog not reset: {len}");
    // Every entry was written to the incident log before the reset, escaped.
    let text = std::fs::read_to_string(&log).expect("log");
    let saved: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["kind"] == "evidence")
        .unwrap_or_else(|| panic!("no evidence event: {text}"));
    assert_eq!(saved["action"], "slowlog-reset", "{saved:#}");
    let lines = saved["output"].as_array().expect("output");
    assert!(
        lines.len() as u64 >= kept,
        "{kept} entries, saved {lines:?}"
    );
    assert_eq!(
        saved["detail"].as_str(),
        Some(format!("slowlog saved: {} entries", lines.len()).as_str())
    );
    assert!(
        lines
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains("\"PING\""))),
        "{lines:?}"
    );
    let set = lines
        .iter()
        .filter_map(serde_json::Value::as_str)
        .find(|l| l.contains("\"SET\" \"evidence"))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(!set.contains('\x1b') && set.contains("\\x1b"), "{set}");
    redtriage(&log)
        .args(["action", "probe", &redis.url(), "--yes"])
        .assert()
        .success()
        .stdout(predicates::str::contains("value matches"))
        .stdout(predicates::str::contains("probe ok"));
    assert!(
        !redis.cli(&["KEYS", "redtriage:probe:*"]).contains("probe"),
        "probe key left behind"
    );
}

#[test]
fn read_only_refuses_mutating_actions_but_allows_the_probe() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redtriage(&log)
        .args(["action", "bgsave", &redis.url(), "--yes", "--read-only"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("read only"));
    redtriage(&log)
        .args(["action", "probe", &redis.url(), "--yes", "--read-only"])
        .assert()
        .success();
}

#[test]
fn external_command_hang_is_killed_with_its_children() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let marker = common::unique_sleep();
    let rb = runbook(
        tmp.path(),
        &format!(
            "[[action]]\nname = \"hang\"\ntitle = \"hang\"\nkind = \"external\"\ntimeout = \"1s\"\n\
             commands = [[\"sh\", \"-c\", \"trap '' TERM; sleep {marker} & sleep {marker}\"]]\n"
        ),
    );
    custom_action(&log, &rb, "hang")
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("timed out"));
    let left = common::pgrep(&format!("sleep {marker}"));
    assert!(left.is_empty(), "children left: {left}");
}

#[test]
fn output_escape_bytes_are_shown_escaped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let rb = runbook(
        tmp.path(),
        "[[action]]\nname = \"evil\"\ntitle = \"evil\"\nkind = \"external\"\n\
         commands = [[\"printf\", \"\\\\033]0;PWNED\\\\007\\\\033[2J\\\\n\"]]\n",
    );
    let out = custom_action(&log, &rb, "evil").output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "raw control bytes: {stdout}"
    );
    assert!(stdout.contains(r"\x1b]0;PWNED\a\x1b[2J"), "{stdout}");
    let logged = std::fs::read(&log).expect("log");
    assert!(!logged.contains(&0x1b), "raw ESC in the incident log");
}

#[test]
fn placeholder_values_stay_one_argument_and_run_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let pwned = tmp.path().join("pwned");
    let evil = format!(
        "$(touch {0}); touch {0}; `touch {0}` 'q' \"d\" a b",
        pwned.display()
    );
    let rb = runbook(
        tmp.path(),
        &format!(
            "[settings.vars]\nevil = {}\n\n[[action]]\nname = \"show\"\ntitle = \"show\"\nkind = \"external\"\n\
             commands = [[\"printf\", \"<%s>\\\\n\", \"{{evil}}\"]]\n",
            toml_string(&evil)
        ),
    );
    let out = custom_action(&log, &rb, "show").output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // printf printed exactly one <…>: the value arrived as one argument.
    let shown: Vec<&str> = stdout.lines().filter(|l| l.starts_with('<')).collect();
    assert_eq!(shown.len(), 1, "{stdout}");
    assert!(
        shown[0].contains("$(touch") && shown[0].contains("a b>"),
        "{stdout}"
    );
    assert!(!pwned.exists(), "a shell ran the value");
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn bad_runbook_fails_before_anything_quoting_the_problem() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let rb = runbook(
        tmp.path(),
        "[[action]]\nname = \"x\"\ntitle = \"x\"\nkind = \"redis\"\nop = \"ping\"\ncolour = 1\n",
    );
    redtriage(&log)
        .args(["action", "x", "--yes", "--runbook"])
        .arg(&rb)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("colour"));
}

#[test]
fn lowering_maxmemory_is_destructive_raising_is_not() {
    let redis = Redis::start(&["--maxmemory", "64mb"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redtriage(&log)
        .args(["action", "maxmemory", &redis.url(), "--arg", "32mb"])
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "(lower: keys may be evicted or writes refused)",
        ));
    redtriage(&log)
        .args(["action", "maxmemory", &redis.url(), "--arg", "128mb"])
        .assert()
        .code(2)
        .stdout(
            predicates::str::contains("64.0 MB (67108864) → 128 MB (134217728)")
                .and(predicates::str::contains("(lower:").not()),
        );
}

/// A real HTTP server (python3's http.server) as the application.
pub struct HttpServer(std::process::Child, pub u16);

impl HttpServer {
    pub fn start(dir: &Path) -> Self {
        let port = common::free_port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3");
        wait_until("http server", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Self(child, port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn app_health_check_reports_status_and_latency() {
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    std::fs::write(tmp.path().join("ready"), "ok").expect("write");
    let http = HttpServer::start(tmp.path());
    let rb_for = |url: &str| {
        runbook(
            tmp.path(),
            &format!(
                "[settings.vars]\napp_health_url = \"{url}\"\n\n[[action]]\nname = \"app-health\"\ntitle = \"app\"\nkind = \"http\"\nurl = \"{{app_health_url}}\"\ntimeout = \"5s\"\n"
            ),
        )
    };
    let rb = rb_for(&format!("http://127.0.0.1:{}/ready", http.1));
    redtriage(&log)
        .args(["action", "app-health", "--yes", "--runbook"])
        .arg(&rb)
        .assert()
        .success()
        .stdout(predicates::str::contains("200 OK in"));
    let rb = rb_for(&format!("http://127.0.0.1:{}/missing", http.1));
    redtriage(&log)
        .args(["action", "app-health", "--yes", "--runbook"])
        .arg(&rb)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("404"));
}

#[test]
fn eviction_policy_is_picked_from_the_list() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redtriage(&log)
        .args([
            "action",
            "maxmemory-policy",
            &redis.url(),
            "--arg",
            "allkeys-lru",
            "--yes",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "maxmemory-policy: noeviction → allkeys-lru",
        ));
    assert!(
        redis
            .cli(&["CONFIG", "GET", "maxmemory-policy"])
            .contains("allkeys-lru")
    );
    redtriage(&log)
        .args([
            "action",
            "maxmemory-policy",
            &redis.url(),
            "--arg",
            "random-ish",
            "--yes",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "\"random-ish\" is not a maxmemory policy",
        ));
}

/// A CONFIG path that is UTF-8 (`données`, with quotes) reaches the command as the server's
/// real path (`test -d` passes), while what is shown stays escaped as redis-cli prints it.
#[test]
fn a_utf8_config_dir_fills_the_placeholder_with_the_real_path() {
    let redis = Redis::start(&["--enable-protected-configs", "yes"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let dir = redis.dir.path().join("données \"q\"");
    std::fs::create_dir(&dir).expect("mkdir");
    let set = redis.cli(&["CONFIG", "SET", "dir", dir.to_str().expect("utf-8")]);
    assert!(set.starts_with("OK"), "{set}");
    let rb = runbook(
        tmp.path(),
        "[[action]]\nname = \"where\"\ntitle = \"where\"\nkind = \"external\"\n\
         commands = [[\"test\", \"-d\", \"{dir}\"], [\"printf\", \"<%s>\\\\n\", \"{dir}\"]]\n",
    );
    let out = redtriage(&log)
        .args(["action", "where", &redis.url(), "--yes", "--runbook"])
        .arg(&rb)
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains(r#"donn\xc3\xa9es \"q\">"#), "{text}");
}

/// The runbook's "check disk usage" for a server on this machine: `df -h` of its dir.
#[test]
fn disk_usage_shows_the_filesystem_of_the_servers_dir() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let out = redtriage(&log)
        .args(["action", "disk-usage", &redis.url(), "--yes"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    let dir = redis.dir.path().display().to_string();
    assert!(text.contains(&format!("df -h {dir}")), "{text}");
    assert!(
        text.contains("Filesystem") && text.contains("Use%"),
        "{text}"
    );
}
