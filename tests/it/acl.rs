//! `redtriage acl` against a real redis-server: the printed lines applied with redis-cli,
//! then the monitoring user drives every pane with no NOPERM anywhere and is refused every
//! runbook action that changes something (the server refuses it: ACL LOG has it, nothing
//! changed), while the operator user runs them all.

use std::io::{Read, Write};
use std::time::Duration;

use assert_cmd::Command;

use crate::common::{self, Redis, bin, poll};

const ADMIN: &str = "acl-admin-pw";
const MONITOR: &str = "redtriage-monitor";
const OPERATOR: &str = "redtriage-operator";

/// `redtriage --incident-log LOG --user USER` with the password in `REDISCLI_AUTH`.
fn as_user(user: &str, pass: &str, log: &std::path::Path) -> Command {
    let mut c = bin::logging_to(log);
    c.args(["--user", user]).env("REDISCLI_AUTH", pass);
    c
}

fn admin(redis: &Redis, args: &[&str]) -> String {
    redis.cli_auth(Some(ADMIN), args)
}

/// `key` of `INFO section`, asked as the admin; panics when it is missing.
fn admin_info(redis: &Redis, section: &str, key: &str) -> String {
    common::info_value(&admin(redis, &["INFO", section]), key)
        .unwrap_or_else(|| panic!("{key} missing"))
}

fn config(redis: &Redis, key: &str) -> String {
    admin(redis, &["CONFIG", "GET", key])
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

fn wait_no_fork(redis: &Redis) {
    let done = poll(Duration::from_secs(20), Duration::from_millis(50), || {
        let busy = admin_info(redis, "persistence", "rdb_bgsave_in_progress") != "0"
            || admin_info(redis, "persistence", "aof_rewrite_in_progress") != "0"
            || admin_info(redis, "persistence", "aof_rewrite_scheduled") != "0";
        !busy
    });
    assert!(done, "fork still running");
}

/// A client named `victim`, authenticated as the admin, kept open; returns its id.
fn victim(redis: &Redis) -> (std::net::TcpStream, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", redis.port)).expect("connect");
    let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{ADMIN}\r\n", ADMIN.len());
    s.write_all(auth.as_bytes()).expect("write");
    s.write_all(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$6\r\nvictim\r\n")
        .expect("write");
    let mut buf = [0u8; 10];
    s.read_exact(&mut buf).expect("+OK +OK");
    assert_eq!(&buf, b"+OK\r\n+OK\r\n");
    let id = admin(redis, &["CLIENT", "LIST"])
        .lines()
        .find(|l| l.contains(" name=victim "))
        .and_then(|l| l.split(' ').find_map(|f| f.strip_prefix("id=")))
        .expect("victim id")
        .to_string();
    (s, id)
}

/// Every runbook Redis action and the arguments it needs.
fn actions(victim_id: &str) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("probe", vec![]),
        ("bgrewriteaof", vec![]),
        ("bgsave", vec![]),
        ("maxmemory", vec!["--arg".into(), "256mb".into()]),
        (
            "maxmemory-policy",
            vec!["--arg".into(), "allkeys-lru".into()],
        ),
        ("config-rewrite", vec![]),
        (
            "client-kill",
            vec!["--client-id".into(), victim_id.to_string()],
        ),
        ("slowlog-reset", vec![]),
        ("memory-purge", vec![]),
        ("latency-reset", vec![]),
    ]
}

/// Applies `redtriage acl` (placeholders replaced) through redis-cli as the admin.
fn apply_acl(redis: &Redis, monitor_pw: &str, operator_pw: &str) -> String {
    let out = bin::redtriage().arg("acl").output().expect("run acl");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "two lines only on stdout: {text}");
    for (line, pw) in lines.iter().zip([monitor_pw, operator_pw]) {
        assert!(line.contains(">CHANGE-ME"), "{line}");
        let line = line.replace("CHANGE-ME", pw);
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(admin(redis, &words).trim(), "OK", "{line}");
    }
    text
}

#[test]
fn monitoring_user_sees_every_pane_and_runs_no_action_operator_runs_them_all() {
    let redis = Redis::start_with_conf(
        "",
        &[
            "--requirepass",
            ADMIN,
            "--appendonly",
            "yes",
            "--slowlog-log-slower-than",
            "0",
            "--latency-monitor-threshold",
            "1",
            "--enable-debug-command",
            "local",
        ],
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let text = apply_acl(&redis, "monitor-pw", "operator-pw");
    assert!(text.starts_with(&format!("ACL SETUSER {MONITOR} on ")));
    let _ = admin(&redis, &["ACL", "LOG", "RESET"]);

    monitor_sees_every_pane(&redis, &log);
    let (_victim, victim_id) = victim(&redis);
    let before = monitor_is_refused_every_action(&redis, &log, &victim_id);
    operator_runs_every_action(&redis, &log, &victim_id, &before);
}

/// `snapshot --json` as the monitoring user: every pane ok, no NOPERM anywhere.
fn monitor_sees_every_pane(redis: &Redis, log: &std::path::Path) {
    // The monitoring user: every pane ok, the CLIENT LIST and LATENCY parts too.
    let out = as_user(MONITOR, "monitor-pw", log)
        .args(["snapshot", "--json", &redis.url(), "--interval", "500ms"])
        .output()
        .expect("snapshot");
    assert!(out.status.success());
    let json = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!json.contains("NOPERM"), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["header"]["connection"]["state"], "UP", "{json}");
    for pane in [
        "memory",
        "clients",
        "slowlog",
        "persistence",
        "hit_rate",
        "errors",
    ] {
        assert_eq!(v[pane]["status"]["status"], "ok", "{pane}: {}", v[pane]);
    }
    assert_eq!(
        v["clients"]["list_status"]["status"], "ok",
        "{}",
        v["clients"]
    );
    assert!(
        v["clients"]["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["key"] == MONITOR)),
        "CLIENT LIST read: {}",
        v["clients"]
    );
    assert_eq!(
        v["errors"]["latency_status"]["status"], "ok",
        "{}",
        v["errors"]
    );
    assert_eq!(
        v["errors"]["latency_monitor_threshold_ms"], 1,
        "CONFIG GET read"
    );
    assert!(
        v["slowlog"]["length"].as_u64() > Some(0),
        "{}",
        v["slowlog"]
    );
    // The server refused nothing (CLIENT SETNAME included).
    assert!(
        !admin(redis, &["INFO", "errorstats"]).contains("NOPERM"),
        "{}",
        admin(redis, &["INFO", "errorstats"])
    );
    assert_eq!(admin(redis, &["ACL", "LOG"]).trim(), "");
}

/// Every runbook action that changes something, as the monitor: refused, nothing changed.
/// Returns (`rdb_saves`, `aof_rewrites`) as they were.
fn monitor_is_refused_every_action(
    redis: &Redis,
    log: &std::path::Path,
    victim_id: &str,
) -> (String, String) {
    // Every runbook action that changes something: refused by the server, nothing changed.
    admin(redis, &["DEBUG", "SLEEP", "0.02"]);
    let before = (
        config(redis, "maxmemory"),
        config(redis, "maxmemory-policy"),
        admin_info(redis, "persistence", "rdb_saves"),
        admin_info(redis, "persistence", "aof_rewrites"),
        std::fs::read_to_string(redis.conf.as_ref().expect("conf")).expect("conf"),
    );
    let slowlog_before: u64 = admin(redis, &["SLOWLOG", "LEN"])
        .trim()
        .parse()
        .expect("len");
    assert!(admin(redis, &["LATENCY", "LATEST"]).contains("command"));
    for (name, args) in actions(victim_id) {
        let out = as_user(MONITOR, "monitor-pw", log)
            .args(["action", name, &redis.url(), "--yes"])
            .args(&args)
            .output()
            .expect("action");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{name} ran as the monitor: {stdout}");
        assert!(stdout.contains("NOPERM"), "{name}: {stdout}");
        wait_no_fork(redis);
    }
    let after = (
        config(redis, "maxmemory"),
        config(redis, "maxmemory-policy"),
        admin_info(redis, "persistence", "rdb_saves"),
        admin_info(redis, "persistence", "aof_rewrites"),
        std::fs::read_to_string(redis.conf.as_ref().expect("conf")).expect("conf"),
    );
    assert_eq!(before, after, "the monitor changed something");
    assert!(admin(redis, &["CLIENT", "LIST"]).contains("name=victim"));
    let slowlog_after: u64 = admin(redis, &["SLOWLOG", "LEN"])
        .trim()
        .parse()
        .expect("len");
    assert!(slowlog_after >= slowlog_before, "slowlog was reset");
    assert!(admin(redis, &["LATENCY", "LATEST"]).contains("command"));
    assert_eq!(admin(redis, &["DBSIZE"]).trim(), "0");
    let acl_log = admin(redis, &["ACL", "LOG", "100"]);
    for refused in [
        "set",
        "bgrewriteaof",
        "bgsave",
        "config|set",
        "config|rewrite",
        "client|kill",
        "slowlog|reset",
        "memory|purge",
        "latency|reset",
    ] {
        assert!(
            acl_log.lines().any(|l| l == refused),
            "{refused} not in ACL LOG:\n{acl_log}"
        );
    }
    // PING is the monitor's own (the poller needs it), so the ping action runs.
    as_user(MONITOR, "monitor-pw", log)
        .args(["action", "ping", &redis.url(), "--yes"])
        .assert()
        .success();

    (before.2, before.3)
}

/// Every runbook action as the operator: each succeeds and its effect shows.
fn operator_runs_every_action(
    redis: &Redis,
    log: &std::path::Path,
    victim_id: &str,
    before: &(String, String),
) {
    // The operator user runs every one of them.
    let _ = admin(redis, &["ACL", "LOG", "RESET"]);
    for (name, args) in actions(victim_id) {
        wait_no_fork(redis);
        let out = as_user(OPERATOR, "operator-pw", log)
            .args(["action", name, &redis.url(), "--yes"])
            .args(&args)
            .output()
            .expect("action");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name} as the operator: {stdout}");
        assert!(!stdout.contains("NOPERM"), "{name}: {stdout}");
    }
    wait_no_fork(redis);
    assert_eq!(config(redis, "maxmemory"), "268435456");
    assert_eq!(config(redis, "maxmemory-policy"), "allkeys-lru");
    let conf = std::fs::read_to_string(redis.conf.as_ref().expect("conf")).expect("conf");
    assert!(conf.contains("maxmemory-policy allkeys-lru"), "{conf}");
    assert!(!admin(redis, &["CLIENT", "LIST"]).contains("name=victim"));
    assert_ne!(admin_info(redis, "persistence", "rdb_saves"), before.0);
    assert_ne!(admin_info(redis, "persistence", "aof_rewrites"), before.1);
    assert_eq!(admin(redis, &["ACL", "LOG"]).trim(), "");
}
