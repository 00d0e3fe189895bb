//! Connection faults, as the user sees them in the real binary: Redis killed (and mid-reply,
//! with a stub that hangs up or goes quiet halfway through INFO), the server's idle `timeout`
//! closing redtriage's connection between ticks, and a listener that accepts and never
//! answers. Every test also checks that the UI keeps answering keys during the fault.
//! (SIGSTOP, DEBUG SLEEP and a full `maxclients` are in `tests/it/faults_conn_slow.rs`.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::resp_stub::{Mode, Stub};
use crate::common::tmux::Tmux;
use crate::common::{Redis, Respawn, bin, info_u64, poll, secs};

/// The TUI on `url`, fast: a 200 ms refresh and a 500 ms timeout.
fn tui(url: &str, extra: &[&str]) -> Tmux {
    let mut args = vec![url, "--interval", "200ms", "--timeout", "500ms"];
    args.extend_from_slice(extra);
    Tmux::start(&args, 120, 32)
}

/// How long it may take to be UP with a first sample in.
const UP_WITHIN: Duration = Duration::from_secs(20);

#[test]
fn killed_redis_is_down_refused_then_up_after_a_restart() {
    let mut redis = Redis::start(&[]);
    let t = tui(&redis.url(), &[]);
    t.wait_up(UP_WITHIN);
    // SIGKILL while redtriage polls five times a second.
    redis.kill();
    t.wait_for("DOWN (refused)", secs(15));
    t.help_opens_and_closes();
    assert!(t.capture().contains("DOWN (refused)"), "{}", t.capture());
    redis.start_again();
    let screen = t.wait_for_all(&["UP for", "restarts 1"], secs(30));
    assert!(!screen.contains("error:"), "{screen}");
    assert!(t.alive(), "redtriage exited");
}

/// The stub's fault on screen, keys answering, then a real server on the stub's port and
/// redtriage UP on it.
fn stub_fault_then_recovery(mode: Mode, shown: &str) {
    let stub = Stub::start(mode);
    let port = stub.port;
    let t = tui(&stub.url(), &[]);
    let started = Instant::now();
    let screen = t.wait_for(shown, secs(15));
    assert!(
        !screen.contains("master"),
        "half an INFO was shown: {screen}"
    );
    t.help_opens_and_closes();
    // It was retried, gently: a few reconnects with a growing backoff, not one per tick.
    // (Not a wait: the reconnects are counted over these 4 s.)
    std::thread::sleep(secs(4));
    let tries = stub.accepted();
    let took = started.elapsed();
    assert!(tries >= 2, "never reconnected ({tries})");
    assert!(tries <= 10, "{tries} connections in {took:?}");
    assert!(t.alive(), "redtriage exited (panic?)");
    drop(stub);
    let _redis = Redis::start_on(port, &[]);
    let screen = t.wait_up(UP_WITHIN);
    assert!(!screen.contains("error:"), "{screen}");
    assert!(t.alive(), "redtriage exited");
}

#[test]
fn half_an_info_reply_then_a_hang_up_is_an_error_then_recovers() {
    stub_fault_then_recovery(
        Mode::HalfThenClose,
        "DOWN (closed in the middle of a reply)",
    );
}

#[test]
fn half_an_info_reply_then_silence_is_a_timeout_then_recovers() {
    stub_fault_then_recovery(Mode::HalfThenHang, "UNRESPONSIVE");
}

#[test]
fn idle_timeout_closing_the_connection_is_a_quiet_reconnect() {
    // The server closes connections idle for 1 s; redtriage refreshes every 3 s.
    let redis = Redis::start(&["--timeout", "1"]);
    let t = Tmux::start(
        &[&redis.url(), "--interval", "3s", "--timeout", "1s"],
        120,
        32,
    );
    t.wait_up(UP_WITHIN);
    let before = info_u64(&redis, "stats", "total_connections_received");
    let start = Instant::now();
    let mut keys_checked = false;
    while start.elapsed() < secs(14) {
        let screen = t.capture();
        for bad in ["DOWN", "UNRESPONSIVE", "error:", "stale"] {
            assert!(
                !screen.contains(bad),
                "{bad} after an idle close:\n{screen}"
            );
        }
        if !keys_checked && start.elapsed() > secs(5) {
            t.help_opens_and_closes();
            // Fresh figures after the reconnects: five writes show up.
            for i in 0..5 {
                redis.cli(&["SET", &format!("k{i}"), "v"]);
            }
            keys_checked = true;
        }
        // Not a wait: the pace of the 14 s watch that no fault shows.
        std::thread::sleep(Duration::from_millis(100));
    }
    t.wait_for(" 5 changes", secs(10));
    // The fault really happened: the server hung up on redtriage and it came back, several
    // times (of the new connections, six are this test's redis-cli).
    let after = info_u64(&redis, "stats", "total_connections_received");
    assert!(after - before >= 6 + 3, "{before} → {after}");
}

/// Runs the binary with `args`, killing it after 60 s: (exit code, stdout).
fn run_bounded(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(bin::path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("redtriage");
    let exited = poll(secs(60), Duration::from_millis(50), || {
        child.try_wait().expect("wait").is_some()
    });
    if !exited {
        let _ = child.kill();
        panic!("redtriage {args:?} still running after 60 s");
    }
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), stdout)
}

#[test]
fn a_listener_that_never_answers_times_out_connect_and_auth() {
    for password in [None, Some("s3cret-pw")] {
        let stub = Stub::start(Mode::Silent);
        let url = stub.url();
        let mut args = vec!["--timeout", "1s", "--interval", "200ms"];
        if let Some(p) = password {
            args.extend(["-a", p]);
        }
        let check: Vec<&str> = [&["check", url.as_str()][..], &args].concat();
        let (code, out) = run_bounded(&check);
        assert_eq!(code, Some(3), "check exit code: {out}");
        assert!(
            out.contains("UNRESPONSIVE (no reply for") && out.contains("\nerror: timeout\n"),
            "check said: {out}"
        );
        let snap: Vec<&str> = [&["snapshot", "--json", url.as_str()][..], &args].concat();
        let (code, out) = run_bounded(&snap);
        assert_eq!(code, Some(0), "{out}");
        let json: serde_json::Value = serde_json::from_str(&out).expect("json");
        let header = &json["header"];
        assert_eq!(header["last_error"], "timeout", "{header}");
        assert!(
            header["connection_label"]
                .as_str()
                .is_some_and(|l| l.starts_with("UNRESPONSIVE")),
            "{header}"
        );
        // What timed out: AUTH when there is a password, else the first handshake command.
        let sent = stub.received_text();
        match password {
            Some(p) => {
                assert!(sent.contains("AUTH"), "AUTH never sent: {sent:?}");
                assert!(!out.contains(p), "password in the output");
            }
            // HELLO 2 SETNAME (CLIENT SETNAME before Redis 6).
            None => assert!(sent.contains("SETNAME"), "{sent:?}"),
        }
    }
    // The TUI: the header says so and keys answer.
    let stub = Stub::start(Mode::Silent);
    let t = tui(&stub.url(), &["-a", "s3cret-pw"]);
    t.wait_for_all(&["UNRESPONSIVE (no reply for", "error: timeout"], secs(15));
    t.help_opens_and_closes();
    let screen = t.wait_for("UNRESPONSIVE", secs(5));
    assert!(!screen.contains("s3cret-pw"), "{screen}");
    assert!(stub.received_text().contains("AUTH"));
}
