//! Communication and the postmortem, end to end: the real TUI in tmux (its own tmux server,
//! `set-clipboard on`) on a real redis-server filled up to OOM; an action through the palette;
//! `c` fills the messages, `y` copies them with OSC 52 into tmux's buffer, `s` saves one,
//! ctrl+r writes the report; then `redtriage report` on the same log has every section filled.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::tmux::{Launch, Tmux};
use crate::common::{Redis, bin, poll};

/// Starts the dashboard on a tmux server with `set-clipboard on` (the copy lands in its
/// buffer), 120×40, as user `oncall`.
fn start(args: &[&str], dir: &std::path::Path) -> Tmux {
    let conf = dir.join("tmux.conf");
    std::fs::write(&conf, "set -s set-clipboard on\nset -g history-limit 100\n").unwrap();
    let how = Launch {
        conf: Some(&conf),
        env: &[("USER", "oncall")],
        ..Launch::default()
    };
    Tmux::launch(&how, args, 120, 40)
}

/// Sends `keys` in one `send-keys` (typed quickly), then gives the UI a moment.
fn keys(tui: &Tmux, keys: &[&str]) {
    let mut args = vec!["send-keys", "-t", tui.session.as_str()];
    args.extend(keys);
    tui.tmux(&args);
    // Not a wait: the typing pace. An ESC at the end of `keys` needs the gap before the next
    // call (ESC and a key in one read are alt+key), and these keys leave no one sign on
    // screen to wait for.
    std::thread::sleep(Duration::from_millis(150));
}

/// Fills the server until writes fail with OOM, then makes a few more fail and miss.
fn fill_to_oom(redis: &Redis) {
    let auth = |args: &[&str]| redis.cli_auth(Some("s3cr3t"), args);
    let value = "x".repeat(100_000);
    for i in 0..200 {
        if auth(&["SET", &format!("k{i}"), &value]).contains("OOM") {
            break;
        }
    }
    for i in 0..20 {
        auth(&["SET", &format!("more{i}"), "v"]);
        auth(&["GET", &format!("missing{i}")]);
    }
}

/// A short hang: figures are logged at every connection change, so one lands after the
/// recovery (the periodic ones come only every minute).
fn hang_briefly(redis: &Redis, tui: &Tmux) {
    redis.signal(libc::SIGSTOP);
    tui.wait_for("UNRESPONSIVE", Duration::from_secs(10));
    redis.signal(libc::SIGCONT);
    let responsive = poll(Duration::from_secs(10), Duration::from_millis(100), || {
        !tui.capture().contains("UNRESPONSIVE")
    });
    assert!(responsive, "still UNRESPONSIVE");
    // Not a wait: two seconds UP after the hang, logged, before the report is written.
    std::thread::sleep(Duration::from_secs(2));
}

/// Every section of the report is filled, and no password.
fn check_report(md: &str) {
    assert!(!md.contains("s3cr3t"), "password in the report");
    for needle in [
        "| First fault | 20",
        "| Recovered | 20",
        "(first fault to recovery)",
        "| Root cause | Out of memory",
        "| memory used (% of maxmemory) | ",
        "  - B Out of memory (likely",
        "| ping | oncall | ",
        "## Top slow commands\n\n| Command",
        "## Commandstats changes\n\nFirst vs last sample",
        "Set up Redis memory alerts (warning at 80%, critical at 90%)  \n  Observed: memory peak",
    ] {
        assert!(md.contains(needle), "{needle:?} not in the report:\n{md}");
    }
    assert!(
        !md.contains("| not recorded | not recorded | not recorded |"),
        "{md}"
    );
}

#[test]
fn messages_copied_saved_and_report_written_from_a_real_incident() {
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("incident-log.jsonl");
    let mut redis = Redis::start(&[
        "--maxmemory",
        "3mb",
        "--maxmemory-policy",
        "noeviction",
        "--requirepass",
        "s3cr3t",
        "--slowlog-log-slower-than",
        "0",
    ]);
    let url = format!("redis://:s3cr3t@127.0.0.1:{}", redis.port);
    let log_s = log.to_str().unwrap().to_string();
    let tui = start(
        &[&url, "--interval", "200ms", "--incident-log", &log_s],
        work.path(),
    );
    tui.wait_for("UP", Duration::from_secs(10));
    fill_to_oom(&redis);
    tui.wait_for("CRIT", Duration::from_secs(10));
    // Not a wait: two seconds at CRIT, the figures during the incident.
    std::thread::sleep(Duration::from_secs(2));
    // An action through the palette: PING, confirmed.
    keys(&tui, &["a"]);
    keys(&tui, &["p", "i", "n", "g"]);
    keys(&tui, &["Enter"]);
    tui.wait_for("PING", Duration::from_secs(5));
    keys(&tui, &["y"]);
    tui.wait_for("PONG", Duration::from_secs(10));
    // The messages, filled.
    keys(&tui, &["c"]);
    let screen = tui.wait_for("communication", Duration::from_secs(5));
    assert!(screen.contains("Severity: MEDIUM"), "{screen}");
    assert!(screen.contains("Status: INVESTIGATING"), "{screen}");
    assert!(!screen.contains("s3cr3t"));
    keys(&tui, &["2"]);
    let screen = tui.wait_for("REDIS INCIDENT UPDATE", Duration::from_secs(5));
    assert!(screen.contains("Root Cause: Out of memory"), "{screen}");
    assert!(screen.contains("Actions: ping (ok)"), "{screen}");
    // Edit, copy with OSC 52 into tmux's buffer, save.
    keys(&tui, &["e", "End", "!", "Escape"]);
    keys(&tui, &["y"]);
    tui.wait_for("copied", Duration::from_secs(5));
    let mut buffer = String::new();
    poll(Duration::from_secs(5), Duration::from_millis(100), || {
        buffer = tui.tmux(&["show-buffer"]);
        buffer.contains("REDIS INCIDENT UPDATE")
    });
    assert!(
        buffer.contains("REDIS INCIDENT UPDATE!\nStatus: INVESTIGATING\nRoot Cause: Out of memory"),
        "{buffer:?}"
    );
    assert!(!buffer.contains("s3cr3t"));
    keys(&tui, &["s"]);
    tui.wait_for("message saved to", Duration::from_secs(5));
    let saved: Vec<_> = std::fs::read_dir(work.path().join("comms"))
        .unwrap()
        .collect();
    assert_eq!(saved.len(), 1);
    let path = saved[0].as_ref().unwrap().path();
    assert!(path.to_str().unwrap().ends_with("Z-update.txt"), "{path:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("📊 REDIS INCIDENT UPDATE!\nStatus: "),
        "{text}"
    );
    keys(&tui, &["Escape"]);
    // Recovery: a restart (empty, so memory is fine again), then the report key.
    // A quick restart between two ticks is reconnected within the tick (no DOWN): the run id
    // tells it was a restart.
    redis.restart();
    tui.wait_for("restarts 1", Duration::from_secs(15));
    tui.wait_for("UP", Duration::from_secs(15));
    // Not a wait: two seconds UP after the restart, before the hang.
    std::thread::sleep(Duration::from_secs(2));
    hang_briefly(&redis, &tui);
    keys(&tui, &["C-r"]);
    tui.wait_for("report written to", Duration::from_secs(10));
    keys(&tui, &["q"]);
    poll(Duration::from_secs(5), Duration::from_millis(50), || {
        !tui.alive()
    });
    let reports: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("incident-log-report-")
        })
        .collect();
    assert_eq!(reports.len(), 1, "ctrl+r wrote one report");
    // The CLI on the whole session (now with `detached`).
    let out = work.path().join("pm.md");
    bin::redtriage()
        .args(["report", &log_s, "-o", out.to_str().unwrap()])
        .assert()
        .success();
    check_report(&std::fs::read_to_string(&out).unwrap());
}
