//! Managed Redis, as AWS, Azure and Aiven ship it: CONFIG, BGSAVE, BGREWRITEAOF,
//! DEBUG, SLOWLOG, CLIENT and LATENCY renamed away with `rename-command X ""` on a real
//! redis-server. Every pane keeps what INFO offers and says what is missing and why; redtriage
//! sends none of the missing commands (the server's error count does not move); the actions
//! that need one are greyed with the reason and refused by `redtriage action`; the others run.
//! With CONFIG renamed to a secret name, `--config-command NAME` brings the CONFIG figures and
//! the CONFIG SET actions back.

use std::path::Path;
use std::time::Duration;

use redtriage::model::view::PaneStatus;
use serde_json::Value;

use crate::common::bin::{self, logging_to as redtriage};
use crate::common::diagnose::{cause, evidence};
use crate::common::tmux::Tmux;
use crate::common::{Driver, Redis, fast_poll, info_field};

/// The commands managed services take away.
const DISABLED: [&str; 7] = [
    "CONFIG",
    "BGSAVE",
    "BGREWRITEAOF",
    "DEBUG",
    "SLOWLOG",
    "CLIENT",
    "LATENCY",
];

/// What the panes say for each disabled command redtriage would otherwise send.
const SLOWLOG_MSG: &str = "SLOWLOG unavailable: command disabled (rename-command)";
const LATENCY_MSG: &str = "LATENCY unavailable: command disabled (rename-command)";
const CLIENT_MSG: &str = "CLIENT LIST unavailable: command disabled (rename-command)";
const CONFIG_NOTICE: &str = "CONFIG unavailable: command disabled (rename-command)";

/// A server with the seven commands renamed away; CONFIG renamed to `config_as` instead when
/// it is not empty. `extra` is appended (`--rename-command COMMAND ""`).
fn managed(config_as: &str, extra: &[&str]) -> Redis {
    let mut args: Vec<&str> = Vec::new();
    for c in DISABLED {
        args.extend([
            "--rename-command",
            c,
            if c == "CONFIG" { config_as } else { "" },
        ]);
    }
    args.extend(["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
    args.extend(extra);
    let redis = Redis::start(&args);
    if extra.is_empty() {
        // Gone: COMMAND INFO has no entry for it (and asking adds no error reply).
        assert_eq!(redis.cli(&["COMMAND", "INFO", "BGSAVE"]).trim(), "");
    }
    redis
}

/// Error replies the server has sent since it started (`total_error_replies`, 7.0+).
fn error_replies(redis: &Redis) -> u64 {
    info_field(redis, "stats", "total_error_replies")
        .and_then(|v| v.parse().ok())
        .expect("total_error_replies")
}

/// Calls of one command (`command|info`) per `INFO commandstats`.
fn calls(redis: &Redis, cmd: &str) -> u64 {
    info_field(redis, "commandstats", &format!("cmdstat_{cmd}"))
        .and_then(|v| {
            v.split(',')
                .find_map(|kv| kv.strip_prefix("calls="))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn snapshot(redis: &Redis, log: &Path, extra: &[&str]) -> Value {
    bin::snapshot_json(
        redtriage(log)
            .args(["snapshot", &redis.url(), "--json", "--interval", "300ms"])
            .args(extra),
    )
}

fn unavailable(status: &Value) -> &str {
    assert_eq!(status["status"], "unavailable", "{status}");
    status["message"].as_str().expect("message")
}

#[test]
fn snapshot_json_keeps_what_info_offers_and_says_what_is_missing() {
    let redis = managed("", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    redis.cli(&["SET", "s", "x"]);
    redis.cli(&["LPUSH", "s", "y"]); // a WRONGTYPE error, for the errors pane
    let errors_before = error_replies(&redis);
    assert_eq!(errors_before, 1);
    let v = snapshot(&redis, &log, &[]);

    assert_eq!(v["header"]["connection"]["state"], "UP");
    let notices = v["header"]["notices"].to_string();
    assert!(notices.contains(CONFIG_NOTICE), "{notices}");
    assert!(notices.contains("limits from INFO"), "{notices}");
    // Memory: every figure from INFO memory, limit and policy included.
    let mem = &v["memory"];
    assert_eq!(mem["status"]["status"], "ok");
    assert!(mem["used_bytes"].as_u64().is_some_and(|u| u > 0), "{mem}");
    assert_eq!(mem["max_bytes"], 64 * 1024 * 1024);
    assert_eq!(mem["policy"], "allkeys-lru");
    assert!(mem["used_percent"].is_number());
    // Clients: the counts from INFO clients; the list says why it is missing.
    let cl = &v["clients"];
    assert_eq!(cl["status"]["status"], "ok");
    assert!(cl["connected"].as_u64().is_some_and(|n| n >= 1), "{cl}");
    let maxclients: u64 = info_field(&redis, "clients", "maxclients")
        .and_then(|s| s.parse().ok())
        .expect("maxclients");
    assert_eq!(cl["max"], maxclients);
    assert_eq!(unavailable(&cl["list_status"]), CLIENT_MSG);
    // Slowlog: unavailable, with the slowest commands per call from INFO commandstats instead.
    let slow_pane = &v["slowlog"];
    assert_eq!(unavailable(&slow_pane["status"]), SLOWLOG_MSG);
    let by_stats = slow_pane["by_commandstats"].to_string();
    assert!(
        by_stats.contains("\"lpush\"") && by_stats.contains("\"set\""),
        "{by_stats}"
    );
    // Persistence from INFO persistence; the save schedule (CONFIG) says why it is unknown.
    let pers = &v["persistence"];
    assert_eq!(pers["status"]["status"], "ok");
    assert_eq!(pers["rdb_last_bgsave_status"], "ok");
    assert_eq!(pers["aof_enabled"], false);
    assert!(pers["save_config"].is_null());
    assert_eq!(pers["save_unknown"], "CONFIG unavailable");
    // Hit rate from INFO stats.
    assert_eq!(v["hit_rate"]["status"]["status"], "ok");
    // Errors from INFO errorstats; latency from PING, LATENCY saying why it is missing.
    let errs = &v["errors"];
    let kinds = errs["by_kind"].to_string();
    assert!(kinds.contains("WRONGTYPE"), "{kinds}");
    assert!(errs["ping_p50_us"].is_u64(), "{errs}");
    assert_eq!(unavailable(&errs["latency_status"]), LATENCY_MSG);
    // The diagnosis does not claim what it cannot know: the causes read from SLOWLOG and
    // LATENCY are unknown, and say why; the client-group figures (CLIENT LIST) are not cited.
    let slow = cause(&v, "slow");
    assert_eq!(slow["verdict"], "unknown");
    assert_eq!(evidence(slow), [SLOWLOG_MSG]);
    let latency = cause(&v, "latency");
    assert_eq!(latency["verdict"], "unknown");
    assert_eq!(evidence(latency), [LATENCY_MSG]);
    let pool = evidence(cause(&v, "C")).join(" | ");
    assert!(
        !pool.contains("idle") && !pool.contains("one client address"),
        "{pool}"
    );
    // redtriage sent none of the missing commands: not one error reply more.
    assert_eq!(error_replies(&redis), errors_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_asks_once_and_never_sends_what_the_server_lacks() {
    let redis = managed("", &[]);
    let errors_before = error_replies(&redis);
    let checks_before = calls(&redis, "command|info");
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "slowlog unavailable", |s| {
        matches!(&s.slowlog.status, PaneStatus::Unavailable { message } if message == SLOWLOG_MSG)
    })
    .await;
    // Lookups while the poller runs: the hit rate comes from INFO stats.
    for i in 0..30 {
        redis.cli(&["SET", &format!("k{i}"), "v"]);
        redis.cli(&["GET", &format!("k{i}")]);
        if i % 3 == 0 {
            redis.cli(&["GET", "missing"]);
        }
    }
    // 200 ms ticks and slow ticks: ~25 of each, CONFIG GET due every 6th slow tick.
    d.samples(25).await;
    let snap = d.view();
    let hit = snap.hit_rate.m1_percent.expect("hit rate from INFO");
    assert!((60.0..=80.0).contains(&hit), "30 hits, 10 misses: {hit}");
    assert!(
        matches!(&snap.errors.latency_status, PaneStatus::Unavailable { message } if message == LATENCY_MSG)
    );
    assert!(
        matches!(&snap.clients.list_status, PaneStatus::Unavailable { message } if message == CLIENT_MSG)
    );
    assert!(
        snap.header
            .notices
            .iter()
            .any(|n| n.contains(CONFIG_NOTICE))
    );
    assert_eq!(
        error_replies(&redis),
        errors_before,
        "redtriage sent a command the server does not have"
    );
    assert_eq!(
        calls(&redis, "command|info") - checks_before,
        1,
        "COMMAND INFO once per connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_command_info_each_missing_command_is_tried_once() {
    // Some services take COMMAND away too: then redtriage learns from the first refusal of
    // each command and does not send it again on that connection.
    let redis = managed("", &["--rename-command", "COMMAND", ""]);
    let errors_before = error_replies(&redis);
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "all four refusals seen", |s| {
        matches!(s.slowlog.status, PaneStatus::Unavailable { .. })
            && matches!(s.errors.latency_status, PaneStatus::Unavailable { .. })
            && matches!(s.clients.list_status, PaneStatus::Unavailable { .. })
            && s.header.notices.iter().any(|n| n.contains(CONFIG_NOTICE))
    })
    .await;
    let after_first = error_replies(&redis);
    // COMMAND INFO, SLOWLOG GET, LATENCY LATEST, CONFIG GET, CLIENT LIST: one each at most.
    assert!(
        after_first - errors_before <= 5,
        "{} errors",
        after_first - errors_before
    );
    d.samples(25).await;
    assert_eq!(
        error_replies(&redis),
        after_first,
        "a refused command was sent again"
    );
    let snap = d.view();
    assert!(
        matches!(&snap.slowlog.status, PaneStatus::Unavailable { message } if message == SLOWLOG_MSG)
    );
}

/// `redtriage action NAME URL --yes` (with `extra`); returns (exit code, stdout, stderr).
fn action(redis: &Redis, log: &Path, name: &str, extra: &[&str]) -> (i32, String, String) {
    let out = redtriage(log)
        .args(["action", name, &redis.url(), "--yes"])
        .args(extra)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn actions_needing_a_disabled_command_refuse_the_others_run() {
    let redis = managed("", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    for (name, extra, why) in [
        ("bgsave", &[][..], "BGSAVE disabled (rename-command)"),
        (
            "bgrewriteaof",
            &[],
            "BGREWRITEAOF disabled (rename-command)",
        ),
        (
            "maxmemory",
            &["--arg", "128mb"],
            "CONFIG disabled (rename-command)",
        ),
        (
            "maxmemory-policy",
            &["--arg", "allkeys-lfu"],
            "CONFIG disabled (rename-command)",
        ),
        ("config-rewrite", &[], "CONFIG disabled (rename-command)"),
        (
            "client-kill",
            &["--client-id", "1"],
            "CLIENT disabled (rename-command)",
        ),
        ("slowlog-reset", &[], "SLOWLOG disabled (rename-command)"),
        ("latency-reset", &[], "LATENCY disabled (rename-command)"),
    ] {
        let (code, _, err) = action(&redis, &log, name, extra);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains(&format!("cannot run {name}: {why}")),
            "{name}: {err}"
        );
    }
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!logged.contains("action_start"), "{logged}");
    assert_eq!(
        info_field(&redis, "memory", "maxmemory").as_deref(),
        Some("67108864")
    );
    // What needs only the commands the server has still runs.
    for (name, says) in [
        ("ping", "PONG"),
        ("probe", "probe ok"),
        ("memory-purge", "MEMORY PURGE"),
    ] {
        let (code, out, err) = action(&redis, &log, name, &[]);
        assert_eq!(code, 0, "{name}: {out}{err}");
        assert!(out.contains(says), "{name}: {out}");
    }
}

#[test]
fn config_command_brings_the_config_figures_and_actions_back() {
    let secret = "cfg-7f3a9";
    let redis = managed(secret, &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let errors_before = error_replies(&redis);
    // Without the flag: CONFIG is unavailable, as when it was removed.
    let v = snapshot(&redis, &log, &[]);
    assert!(v["header"]["notices"].to_string().contains(CONFIG_NOTICE));
    assert!(v["persistence"]["save_config"].is_null());
    // With it: the CONFIG figures are back (the test server runs with `save ""`).
    let v = snapshot(&redis, &log, &["--config-command", secret]);
    let notices = v["header"]["notices"].to_string();
    assert!(!notices.contains("CONFIG"), "{notices}");
    assert_eq!(v["persistence"]["save_config"], "off");
    assert!(v["persistence"]["save_unknown"].is_null());
    assert_eq!(v["slowlog"]["threshold_us"], 10_000);
    assert_eq!(v["errors"]["latency_monitor_threshold_ms"], 0);
    assert_eq!(v["memory"]["max_bytes"], 64 * 1024 * 1024);
    // SLOWLOG is still gone, and still said.
    assert_eq!(unavailable(&v["slowlog"]["status"]), SLOWLOG_MSG);
    assert_eq!(error_replies(&redis), errors_before);

    let (code, _, err) = action(&redis, &log, "maxmemory", &["--arg", "128mb"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("CONFIG disabled (rename-command)"), "{err}");
    let (code, out, err) = action(
        &redis,
        &log,
        "maxmemory",
        &["--arg", "128mb", "--config-command", secret],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{secret} SET maxmemory 134217728")),
        "{out}"
    );
    assert_eq!(
        info_field(&redis, "memory", "maxmemory").as_deref(),
        Some("134217728")
    );
    let (code, out, err) = action(
        &redis,
        &log,
        "maxmemory-policy",
        &["--arg", "allkeys-lfu", "--config-command", secret],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        info_field(&redis, "memory", "maxmemory_policy").as_deref(),
        Some("allkeys-lfu")
    );
}

/// Sends one key and lets the TUI take it (ESC alone then a pause: ESC+key reads as alt+key).
fn key(tui: &Tmux, k: &str) {
    tui.keys(k);
    // Not a wait: the typing pace; no one sign on screen follows every key.
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn tui_says_what_is_missing_and_greys_the_actions_at_80x24_and_wider() {
    let redis = managed("", &[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let log_s = log.display().to_string();
    let url = redis.url();
    let errors_before = error_replies(&redis);
    let args = [
        url.as_str(),
        "--interval",
        "300ms",
        "--incident-log",
        &log_s,
    ];
    let limit = Duration::from_secs(15);

    let tui = Tmux::start(&args, 80, 24);
    tui.wait_for("SLOWLOG unavailable: command disabled", limit);
    let screen = tui.wait_for("LATENCY unavailable: command disabled", limit);
    for want in [
        CONFIG_NOTICE,
        "CLIENT LIST unavailable: command",
        "slowest per call (INFO commandstats)",
        "policy allkeys-lru",
        "64.0 MB",
        "save ? (CONFIG unavailable)",
        "bgsave ok",
    ] {
        assert!(screen.contains(want), "{want:?} not on screen:\n{screen}");
    }
    assert!(!screen.contains("error "), "{screen}");
    // The palette greys what cannot run, with the reason.
    key(&tui, "a");
    let screen = tui.wait_for("BGSAVE disabled (rename-command)", limit);
    assert!(
        screen.contains("CONFIG disabled (rename-command)"),
        "{screen}"
    );
    key(&tui, "Escape");
    // Its direct key only says why; no confirmation can follow.
    key(&tui, "S");
    let screen = tui.wait_for("any key closes", limit);
    assert!(
        screen.contains("BGSAVE disabled (rename-command)"),
        "{screen}"
    );
    key(&tui, "y");
    // An action that needs only PING runs.
    key(&tui, "P");
    tui.wait_for("y = run", limit);
    key(&tui, "y");
    tui.wait_for("PONG", limit);
    let logged = std::fs::read_to_string(&log).expect("incident log");
    assert!(logged.contains("\"action\":\"ping\""), "{logged}");
    assert!(!logged.contains("bgsave"), "{logged}");
    drop(tui);

    let tui = Tmux::start(&args, 140, 45);
    let screen = tui.wait_for(LATENCY_MSG, limit);
    for want in [
        "; latency from",
        "CONFIG unavailable: command disabled (rename-command); limits from INFO (--config-command NAME if renamed)",
        CLIENT_MSG,
        SLOWLOG_MSG,
    ] {
        assert!(screen.contains(want), "{want:?} not on screen:\n{screen}");
    }
    key(&tui, "a");
    let screen = tui.wait_for("BGREWRITEAOF disabled (rename-command)", limit);
    assert!(
        screen.contains("LATENCY disabled (rename-command)"),
        "{screen}"
    );
    key(&tui, "Escape");
    // The Diagnosis pane says why two causes cannot be judged.
    key(&tui, "d");
    let screen = tui.wait_for("Diagnosis", limit);
    assert!(
        screen.contains(SLOWLOG_MSG) && screen.contains(LATENCY_MSG),
        "{screen}"
    );
    drop(tui);
    assert_eq!(
        error_replies(&redis),
        errors_before,
        "the TUI sent a command the server does not have"
    );
}
