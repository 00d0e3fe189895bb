//! The real TUI in tmux, as a user sees it: 80×24, keys answered while Redis is hung, the
//! action palette. Hostile bytes on screen and in the raw stream: tests/it/hostile.rs (a PTY).

use std::time::Duration;

use crate::common::tmux::Tmux;
use crate::common::{Redis, poll, wait_until};

#[test]
fn keys_answer_while_redis_is_hung() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    let tui = Tmux::start(&[&url, "--interval", "200ms", "--timeout", "500ms"], 80, 24);
    tui.wait_for("UP", Duration::from_secs(10));
    redis.signal(libc::SIGSTOP);
    tui.wait_for("UNRESPONSIVE", Duration::from_secs(10));
    // While hung, help opens and closes and focus moves: the UI never waits on Redis.
    tui.keys("?");
    tui.wait_for("help (this overlay)", Duration::from_secs(2));
    tui.keys("Escape");
    // ESC and 3 in one read are alt+3 to the terminal: let the ESC arrive alone (the help
    // closes).
    wait_until("the help to close", Duration::from_secs(2), || {
        !tui.capture().contains("help (this overlay)")
    });
    tui.keys("3");
    tui.keys("Enter");
    tui.wait_for("Slowlog", Duration::from_secs(2));
    tui.keys("q");
    poll(Duration::from_secs(3), Duration::from_millis(50), || {
        !tui.alive()
    });
    assert!(!tui.alive(), "q did not quit while Redis was hung");
    redis.signal(libc::SIGCONT);
}

#[test]
fn actions_palette_confirm_default_no_then_run_with_output() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    let log_s = log.display().to_string();
    let tui = Tmux::start(
        &[&url, "--interval", "200ms", "--incident-log", &log_s],
        80,
        24,
    );
    tui.wait_for("UP", Duration::from_secs(10));
    tui.keys("a");
    tui.wait_for("enter choose", Duration::from_secs(2));
    tui.keys("bgs");
    tui.keys("Enter");
    tui.wait_for("y = run", Duration::from_secs(2));
    tui.keys("Enter"); // the default is No
    // Not a wait: the time a wrongly run BGSAVE would take to show its reply, before the
    // screen is checked.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!tui.capture().contains("y = run"), "Enter did not cancel");
    assert!(
        !tui.capture().contains("Background saving"),
        "Enter ran the action"
    );
    tui.keys("S");
    tui.wait_for("y = run", Duration::from_secs(2));
    tui.keys("y");
    tui.wait_for("Background saving started", Duration::from_secs(10));
    // The dashboard keeps refreshing under the panel; the log has the run.
    let logged = poll(Duration::from_secs(5), Duration::from_millis(50), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("action_end"))
    });
    assert!(logged, "action_end not logged");
    // A destructive action asks for the target: typing a wrong one and Enter runs nothing.
    tui.keys("Escape");
    // ESC and a in one read are alt+a: let the ESC arrive alone (the output panel closes).
    wait_until("the output panel to close", Duration::from_secs(2), || {
        !tui.capture().contains("esc close")
    });
    tui.keys("a");
    tui.keys("slowlog-reset");
    tui.keys("Enter");
    tui.wait_for("type the target", Duration::from_secs(2));
    tui.keys("nope");
    tui.keys("Enter");
    // Not a wait: the time a wrongly run slowlog-reset would take to reach the log.
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("slowlog-reset"),
        "a wrong target ran it: {text}"
    );
}
