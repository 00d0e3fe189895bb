//! The real TUI in tmux, as a user sees it: 80×24, keys answered while Redis is hung, the
//! action palette. Hostile bytes on screen and in the raw stream: tests/hostile.rs (a PTY).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Redis;

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(args: &[&str], width: u16, height: u16) -> Self {
        let session = format!("rt-test-{}-{}", std::process::id(), common::free_port());
        let bin = assert_cmd::cargo::cargo_bin("redtriage");
        let mut cmd = vec![bin.display().to_string()];
        cmd.extend(args.iter().map(|s| (*s).to_string()));
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(cmd.join(" "))
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux");
        assert!(status.success());
        Self { session }
    }

    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        Command::new("tmux")
            .args(["send-keys", "-t", &self.session, keys])
            .status()
            .expect("send-keys");
    }

    fn wait_for(&self, what: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.capture();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{what:?} not on screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.session])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

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
    // ESC and 3 in one read are alt+3 to the terminal: let the ESC arrive alone.
    std::thread::sleep(Duration::from_millis(300));
    tui.keys("3");
    tui.keys("Enter");
    tui.wait_for("Slowlog", Duration::from_secs(2));
    tui.keys("q");
    let deadline = Instant::now() + Duration::from_secs(3);
    while tui.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
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
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("action_end")) {
        assert!(Instant::now() < deadline, "action_end not logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A destructive action asks for the target: typing a wrong one and Enter runs nothing.
    tui.keys("Escape");
    std::thread::sleep(Duration::from_millis(100));
    tui.keys("a");
    tui.keys("slowlog-reset");
    tui.keys("Enter");
    tui.wait_for("type the target", Duration::from_secs(2));
    tui.keys("nope");
    tui.keys("Enter");
    std::thread::sleep(Duration::from_millis(300));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        !text.contains("slowlog-reset"),
        "a wrong target ran it: {text}"
    );
}
