//! `snapshot --json` and `check` run as a user would, against a real redis-server.

use crate::common::bin::redtriage;
use crate::common::{self, Redis};

fn config_file(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, body).expect("write config");
    p
}

#[test]
fn snapshot_json_has_every_pane_and_rates() {
    let redis = Redis::start(&["--maxmemory", "64mb"]);
    redis.cli(&["SET", "a", "1"]);
    let out = redtriage()
        .args(["snapshot", &redis.url(), "--json", "--interval", "300ms"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["header"]["connection"]["state"], "UP");
    assert_eq!(v["header"]["connection_label"], "UP");
    for pane in [
        "memory",
        "clients",
        "slowlog",
        "persistence",
        "hit_rate",
        "errors",
    ] {
        assert!(v[pane].is_object(), "{pane} missing");
    }
    assert_eq!(v["memory"]["max_bytes"], 64 * 1024 * 1024);
    assert!(
        v["header"]["ops_per_sec"].is_number(),
        "two samples give a rate: {v}"
    );
    // The five of the runbook's table, persistence and errors (the panes' own verdicts), and
    // the disk of this local server's dir.
    let items: Vec<&str> = (v["header"]["health"]["items"].as_array())
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(
        items,
        [
            "memory",
            "hit_rate",
            "latency",
            "clients",
            "persistence",
            "errors",
            "uptime",
            "disk"
        ]
    );
}

#[test]
fn snapshot_of_a_down_server_exits_zero_and_says_down() {
    let port = common::free_port();
    let out = redtriage()
        .args([
            "snapshot",
            &format!("redis://127.0.0.1:{port}"),
            "--json",
            "--interval",
            "200ms",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["header"]["connection_label"], "DOWN (refused)");
    assert_eq!(v["header"]["health"]["overall"], "UNKNOWN");
}

#[test]
fn check_exit_codes_follow_nagios() {
    let dir = tempfile::tempdir().expect("tmp");
    // Unreachable → UNKNOWN (3).
    let port = common::free_port();
    redtriage()
        .args([
            "check",
            &format!("redis://127.0.0.1:{port}"),
            "--interval",
            "200ms",
        ])
        .assert()
        .code(3)
        .stdout(predicates::str::contains("REDTRIAGE UNKNOWN"));
    // No maxmemory and a fresh start → WARN (1), one line per target.
    let redis = Redis::start(&[]);
    let out = redtriage()
        .args(["check", &redis.url(), "--interval", "200ms"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf8");
    for name in ["memory", "hit_rate", "latency", "clients", "uptime"] {
        assert!(
            text.lines().any(|l| l.contains(&format!(" {name}: "))),
            "{name} line missing:\n{text}"
        );
    }
    assert!(text.contains("no maxmemory set"));
    // With maxmemory and the uptime rule off → OK (0).
    let ok = Redis::start(&["--maxmemory", "100mb"]);
    let cfg = config_file(dir.path(), "[thresholds]\nuptime_warn_secs = 0\n");
    redtriage()
        .args(["check", &ok.url(), "--interval", "200ms", "--config"])
        .arg(&cfg)
        .assert()
        .code(0);
    // Memory above the critical threshold → CRIT (2).
    let full = Redis::start(&["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"]);
    let big = "x".repeat(100_000);
    for i in 0..30 {
        full.cli(&["SET", &format!("big{i}"), &big]);
    }
    redtriage()
        .args(["check", &full.url(), "--interval", "200ms", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stdout(predicates::str::contains("CRIT    memory"));
}

#[test]
fn snapshot_json_escapes_hostile_keys_like_redis_cli() {
    let redis = Redis::start(&["--slowlog-log-slower-than", "0"]);
    redis.cli(&["SET", "k\x1b]0;PWNED\x07\x1b[2J", "v"]);
    let out = redtriage()
        .args(["snapshot", &redis.url(), "--json", "--interval", "200ms"])
        .output()
        .expect("run");
    assert!(
        !out.stdout.iter().any(|b| *b == 0x1b || *b == 0x07),
        "raw control bytes"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let entries = v["slowlog"]["entries"].as_array().expect("entries");
    let args: Vec<&str> = entries.iter().filter_map(|e| e["args"].as_str()).collect();
    assert!(
        args.contains(&r#""SET" "k\x1b]0;PWNED\a\x1b[2J" "v""#),
        "{args:?}"
    );
}

/// `check` says what it measured over: one interval, or its `--window` (issue 22 item 4: it
/// printed `over 1m` and `no lookups in the last minute` for one interval).
#[test]
fn check_labels_the_window_it_measured() {
    let redis = Redis::start(&[]);
    let out = redtriage()
        .args([
            "check",
            &redis.url(),
            "--interval",
            "200ms",
            "--window",
            "1s",
        ])
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("hit_rate:"))
        .unwrap_or_default();
    assert!(line.contains("no lookups over 1"), "{text}");
    assert!(
        !text.contains("minute") && !text.contains("over 1m"),
        "{text}"
    );
}

/// Issue 22 item 7: a server started with `--save ''` has written no RDB (its last save time is
/// its start): the pane says so instead of `rdb 24s ago`, until a BGSAVE; a fresh server is
/// `started Ns ago`, not `restarted`.
#[test]
fn a_server_that_never_saved_says_so() {
    let redis = Redis::start(&[]);
    let snap = |r: &Redis| {
        common::bin::snapshot_json(redtriage().args([
            "snapshot",
            &r.url(),
            "--json",
            "--interval",
            "200ms",
        ]))
    };
    let v = snap(&redis);
    assert_eq!(
        v["persistence"]["rdb_never_saved"], true,
        "{}",
        v["persistence"]
    );
    let uptime = (v["header"]["health"]["items"].as_array())
        .expect("items")
        .iter()
        .find(|i| i["name"] == "uptime")
        .cloned()
        .expect("uptime");
    assert!(
        uptime["value"]
            .as_str()
            .is_some_and(|s| s.starts_with("started ")),
        "{uptime}"
    );
    redis.cli(&["BGSAVE"]);
    common::wait_until("the BGSAVE", std::time::Duration::from_secs(10), || {
        redis
            .cli(&["INFO", "persistence"])
            .contains("rdb_bgsave_in_progress:0")
            && !redis
                .cli(&["INFO", "persistence"])
                .contains("rdb_last_bgsave_time_sec:-1")
    });
    let v = snap(&redis);
    assert_eq!(
        v["persistence"]["rdb_never_saved"], false,
        "{}",
        v["persistence"]
    );
}
