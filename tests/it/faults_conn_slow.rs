//! Connection faults that take time, as the user sees them in the real binary: the server
//! stopped (SIGSTOP) for 30 s and no mismatched reply after SIGCONT, `DEBUG SLEEP` during a
//! poll, and a full `maxclients` refusing redtriage's own connection. Each also checks that
//! the UI keeps answering keys during the fault. (The quick ones: `tests/it/faults_conn.rs`.)

use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redtriage::model::view::ConnState;

use crate::common::tmux::Tmux;
use crate::common::{self, Driver, Redis, fast_poll, hold, poll, secs, wait_until};

/// How long it may take to be UP with a first sample in.
const UP_WITHIN: Duration = Duration::from_secs(30);

/// The ids of the connections named `redtriage`, from CLIENT LIST.
fn redtriage_ids(redis: &Redis) -> BTreeSet<u64> {
    redis
        .cli(&["CLIENT", "LIST"])
        .lines()
        .filter(|l| l.contains(" name=redtriage "))
        .filter_map(|l| l.strip_prefix("id=")?.split(' ').next()?.parse().ok())
        .collect()
}

const MAXMEMORY: u64 = 123_456_789;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstop_30s_then_sigcont_leaves_no_mismatched_reply() {
    // Every figure has a value of its own: a reply read for the wrong command shows.
    let redis = Redis::start(&[
        "--maxmemory",
        &MAXMEMORY.to_string(),
        "--maxmemory-policy",
        "allkeys-lfu",
        "--slowlog-log-slower-than",
        "0",
        "--latency-monitor-threshold",
        "77",
    ]);
    assert!(
        redis
            .cli(&["CONFIG", "SET", "save", "3600 7"])
            .contains("OK")
    );
    let t = Tmux::start(
        &[&redis.url(), "--interval", "200ms", "--timeout", "500ms"],
        120,
        32,
    );
    // The model beside it: the real poller on its own long-lived connection.
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(secs(20), "up", |s| s.header.connection == ConnState::Up)
        .await;
    t.wait_up(UP_WITHIN);
    wait_until("both connections named", secs(10), || {
        redtriage_ids(&redis).len() == 2
    });
    let before = redtriage_ids(&redis);

    redis.signal(libc::SIGSTOP);
    let stopped = Instant::now();
    t.wait_for_all(&["UNRESPONSIVE (no reply for", "error: timeout"], secs(15));
    t.help_opens_and_closes();
    // Still hung, still saying so, until the 30 s are up.
    while stopped.elapsed() < secs(28) {
        let screen = t.capture();
        assert!(screen.contains("UNRESPONSIVE"), "{screen}");
        // Not a wait: the pace of the watch that it stays UNRESPONSIVE.
        std::thread::sleep(Duration::from_millis(500));
    }
    t.help_opens_and_closes();
    // Not a wait: the stop lasts its full 30 s.
    std::thread::sleep(secs(30).saturating_sub(stopped.elapsed()));
    redis.signal(libc::SIGCONT);

    let screen = t.wait_up(UP_WITHIN);
    assert!(!screen.contains("UNRESPONSIVE"), "{screen}");
    d.wait_for(secs(30), "up again", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    // Several samples after the resume, each with every figure the right one.
    let version = redis
        .cli(&["INFO", "server"])
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map(|v| v.trim().to_string());
    for round in 0..8 {
        d.sample_after(Instant::now()).await;
        let s = d.view();
        let at = format!("sample {round} after SIGCONT: {s:#?}");
        assert_eq!(s.header.connection, ConnState::Up, "{at}");
        assert_eq!(s.header.version, version, "{at}");
        assert_eq!(s.memory.max_bytes, Some(MAXMEMORY), "{at}");
        assert_eq!(s.memory.policy.as_deref(), Some("allkeys-lfu"), "{at}");
        assert_eq!(s.persistence.save_config.as_deref(), Some("3600 7"), "{at}");
        assert_eq!(s.errors.latency_monitor_threshold_ms, Some(77), "{at}");
        assert_eq!(s.slowlog.threshold_us, Some(0), "{at}");
        assert!(
            s.clients.connected.is_some_and(|c| (2..=20).contains(&c)),
            "{at}"
        );
        assert!(!s.slowlog.entries.is_empty(), "{at}");
        assert!(s.slowlog.entries.iter().all(|e| !e.args.is_empty()), "{at}");
        assert!(s.header.last_error.is_none(), "{at}");
    }
    // Both redtriage connections are new ones, and the old ones are gone.
    wait_until("two redtriage connections again", secs(20), || {
        redtriage_ids(&redis).len() == 2
    });
    let after = redtriage_ids(&redis);
    assert!(
        before.is_disjoint(&after),
        "a connection that timed out was kept: before {before:?} after {after:?}"
    );
    // And the screen shows the server's own figures again.
    t.wait_for("/ 118 MB", secs(10));
}

/// `redis-cli ARGS` in the background.
fn cli_spawn(redis: &Redis, args: &[&str]) -> std::process::Child {
    Command::new("redis-cli")
        .args(["-p", &redis.port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-cli")
}

/// `spike command latest 1503ms`: the server's own latency monitor, in the errors pane.
fn latest_command_spike_ms(screen: &str) -> Option<u64> {
    let rest = screen.split("spike command latest ").nth(1)?;
    rest.split_whitespace()
        .next()?
        .strip_suffix("ms")?
        .parse()
        .ok()
}

/// `max 1.52s`: a PING that took whole seconds, in the errors pane.
fn max_in_seconds(screen: &str) -> Option<f64> {
    screen.split("max ").skip(1).find_map(|rest| {
        let word = rest.split_whitespace().next()?;
        let n = word.strip_suffix('s')?;
        if n.ends_with('m') || n.ends_with('µ') {
            return None;
        }
        n.parse().ok()
    })
}

#[test]
fn debug_sleep_is_a_latency_spike_then_unresponsive_then_recovers() {
    let redis = Redis::start(&[
        "--enable-debug-command",
        "yes",
        "--latency-monitor-threshold",
        "100",
    ]);
    let t = Tmux::start(
        &[&redis.url(), "--interval", "250ms", "--timeout", "3s"],
        120,
        32,
    );
    t.wait_up(UP_WITHIN);
    // Shorter than the timeout: the PING waits it out, and the spike is shown. (A sleep that
    // starts mid-tick delays INFO instead, and the next PING is on time: up to three tries.)
    let mut max = None;
    for _ in 0..3 {
        let mut sleeper = cli_spawn(&redis, &["DEBUG", "SLEEP", "1.5"]);
        poll(secs(6), Duration::from_millis(50), || {
            let screen = t.capture();
            assert!(
                !screen.contains("UNRESPONSIVE"),
                "within --timeout: {screen}"
            );
            max = max_in_seconds(&screen);
            max.is_some()
        });
        sleeper.wait().expect("redis-cli");
        if max.is_some() {
            break;
        }
    }
    let max = max.unwrap_or_else(|| panic!("no PING spike shown:\n{}", t.capture()));
    assert!((1.0..3.0).contains(&max), "max {max}s");
    // The server's own latency monitor has it too: at least the 1.5 s slept (more on a loaded
    // machine, where the sleep itself can overrun).
    let mut latest = None;
    poll(secs(10), Duration::from_millis(100), || {
        latest = latest_command_spike_ms(&t.capture());
        latest.is_some()
    });
    let latest = latest.unwrap_or_else(|| panic!("no command spike shown:\n{}", t.capture()));
    assert!(
        latest >= 1500,
        "spike command latest {latest} ms:\n{}",
        t.capture()
    );
    // Longer than the timeout (shorter than two): hung while it sleeps, keys answer, then
    // back on a new connection (the one that timed out is never used again).
    let before = redtriage_ids(&redis);
    assert_eq!(before.len(), 1, "{before:?}");
    let mut sleeper = cli_spawn(&redis, &["DEBUG", "SLEEP", "5"]);
    t.wait_for_all(&["UNRESPONSIVE (no reply for", "error: timeout"], secs(10));
    t.help_opens_and_closes();
    sleeper.wait().expect("redis-cli");
    let screen = t.wait_up(UP_WITHIN);
    assert!(max_in_seconds(&screen).is_some(), "spike gone:\n{screen}");
    wait_until("one redtriage connection", secs(10), || {
        redtriage_ids(&redis).len() == 1
    });
    let after = redtriage_ids(&redis);
    assert!(
        before.is_disjoint(&after),
        "kept after a timeout: {before:?} {after:?}"
    );
}

/// Where the body of a complete RESP bulk reply (`$LEN`, CRLF, LEN bytes, CRLF) lies in
/// `reply`; None while part of it is still to come.
fn bulk_body(reply: &[u8]) -> Option<std::ops::Range<usize>> {
    let eol = reply.windows(2).position(|w| w == b"\r\n")?;
    let header = String::from_utf8_lossy(&reply[..eol]);
    let len: usize = (header.strip_prefix('$'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a bulk reply: {header}"));
    let start = eol + 2;
    (reply.len() >= start + len + 2).then_some(start..start + len)
}

/// An `INFO stats` field read over a held connection (no slot to spare for redis-cli). The
/// whole reply is read, as its length says, so the next INFO starts clean.
fn stat_over(conn: &mut TcpStream, field: &str) -> u64 {
    conn.write_all(b"INFO stats\r\n").expect("write");
    let mut reply = Vec::new();
    let mut buf = [0u8; 8192];
    let body = loop {
        if let Some(body) = bulk_body(&reply) {
            break body;
        }
        let n = common::read_some(conn, &mut buf).expect("read INFO");
        assert!(n > 0, "closed");
        reply.extend_from_slice(&buf[..n]);
    };
    let text = String::from_utf8_lossy(&reply[body]);
    common::info_value(&text, field)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field} missing: {text}"))
}

#[test]
fn full_maxclients_is_said_retried_gently_and_connects_when_a_slot_frees() {
    let redis = Redis::start(&["--maxclients", "12"]);
    let mut monitor = hold(redis.port, secs(2)).expect("monitor connection");
    let mut held = Vec::new();
    while let Some(s) = hold(redis.port, secs(2)) {
        held.push(s);
        assert!(held.len() < 100, "maxclients never refused");
    }
    let t = Tmux::start(
        &[&redis.url(), "--interval", "250ms", "--timeout", "1s"],
        120,
        32,
    );
    t.wait_for("max number of clients reached", secs(15));
    t.help_opens_and_closes();
    // Retried gently: the server's count of refused connections over 10 s (not a wait: the
    // window the refusals are counted in).
    let r0 = stat_over(&mut monitor, "rejected_connections");
    std::thread::sleep(secs(10));
    let r1 = stat_over(&mut monitor, "rejected_connections");
    assert!(r1 > r0, "never retried ({r0} → {r1})");
    assert!(r1 - r0 <= 15, "{} refused connections in 10 s", r1 - r0);
    let screen = t.capture();
    assert!(screen.contains("max number of clients reached"), "{screen}");
    // A slot frees: redtriage takes it.
    held.pop();
    let screen = t.wait_up(UP_WITHIN);
    assert!(!screen.contains("max number of clients"), "{screen}");
}
