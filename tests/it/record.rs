//! `--record` and `replay` against a real redis-server: a replay ends on the view the live run
//! ended on (JSON and screen), a bad file fails before raw mode naming the line, and no
//! password ever reaches a recording.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::bin::at_home as redtriage;
use crate::common::tmux::Tmux;
use crate::common::{Redis, poll, wait_until};

/// Some traffic (reads, misses, a slow command) while a recording runs.
fn traffic(port: u16, for_: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + for_;
        let p = port.to_string();
        let cli = |args: &[&str]| {
            let _ = std::process::Command::new("redis-cli")
                .args(["-p", &p])
                .args(args)
                .output();
        };
        cli(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        cli(&["CONFIG", "SET", "latency-monitor-threshold", "5"]);
        let mut i = 0;
        while Instant::now() < deadline {
            cli(&["SET", &format!("k{i}"), "v"]);
            cli(&["GET", &format!("k{}", i / 2)]);
            i += 1;
            // Not a wait: the traffic's pace.
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

/// Runs `collect --for 5s --record F --print-view`; returns (live view JSON, F).
fn collect_recording(redis: &Redis, dir: &Path) -> (serde_json::Value, std::path::PathBuf) {
    let file = dir.join("rec.jsonl");
    let t = traffic(redis.port, Duration::from_secs(5));
    let out = redtriage(dir)
        .args([
            "collect",
            &redis.url(),
            "--for",
            "5s",
            "--interval",
            "500ms",
        ])
        .arg("--record")
        .arg(&file)
        .arg("--print-view")
        .output()
        .expect("collect");
    t.join().expect("traffic");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json line");
    (line["view"].clone(), file)
}

#[test]
fn replay_ends_on_the_view_the_live_run_ended_on() {
    let redis = Redis::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (live, file) = collect_recording(&redis, dir.path());
    assert!(live["memory"]["used_bytes"].as_u64().is_some(), "{live}");
    assert!(
        live["slowlog"]["entries"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{live}"
    );
    let rec = redtriage::record::reader::load(&file).expect("loads");
    assert!(rec.warning.is_none());
    let state = redtriage::modes::replay::replay_all(&rec);
    let replayed = serde_json::to_value(state.view(200)).expect("json");
    // Every figure, since-timer and sparkline the same: instants come back to the nanosecond.
    // What each cause offers is of the present (nothing runs in a replay), not recorded.
    let mut live = live;
    for c in live["diagnosis"].as_array_mut().expect("diagnosis") {
        let c = c.as_object_mut().expect("cause");
        for k in ["suggested", "also", "none_runs"] {
            c.remove(k);
        }
    }
    assert_eq!(replayed, live);
}

#[test]
fn no_password_in_a_recording() {
    let redis = Redis::start(&["--requirepass", "sekret-pw-123"]);
    let dir = tempfile::tempdir().expect("tempdir");
    for (pw, file) in [("sekret-pw-123", "ok.jsonl"), ("wrong-pw-456", "bad.jsonl")] {
        let url = format!("redis://:{pw}@127.0.0.1:{}", redis.port);
        let path = dir.path().join(file);
        let out = redtriage(dir.path())
            .args([
                "collect",
                &url,
                "--for",
                "2s",
                "--no-auth-warning",
                "--record",
            ])
            .arg(&path)
            .output()
            .expect("collect");
        assert!(out.status.success());
        let text = std::fs::read_to_string(&path).expect("recording");
        assert!(!text.contains(pw), "{pw} in {text}");
        assert!(text.contains(":****@127.0.0.1"), "{text}");
        let want = if file == "ok.jsonl" {
            "\"sample\""
        } else {
            "auth_failed"
        };
        assert!(text.contains(want), "{want} not in {text}");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).expect("stat").permissions(),
        );
        assert_eq!(
            mode & 0o777,
            0o600,
            "a recording is readable by its owner only"
        );
    }
}

#[test]
fn a_bad_recording_fails_before_raw_mode_naming_the_line() {
    let redis = Redis::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, file) = collect_recording(&redis, dir.path());
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{\"t_ms\": \"soon\"}";
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let out = redtriage(dir.path())
        .arg("replay")
        .arg(&bad)
        .output()
        .expect("replay");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "the terminal was touched");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(err.contains("line 3"), "{err}");
    let missing = redtriage(dir.path())
        .args(["replay", "/nonexistent/r.jsonl"])
        .output()
        .expect("replay");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/r.jsonl"));
    let speed = redtriage(dir.path())
        .arg("replay")
        .arg(&file)
        .args(["--speed", "-2"])
        .output()
        .expect("replay");
    assert_eq!(speed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&speed.stderr).contains("--speed \"-2\""));
}

#[test]
fn record_is_refused_where_nothing_is_sampled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = redtriage(dir.path())
        .args(["check", "--record", "x.jsonl"])
        .output()
        .expect("check");
    // `check` that cannot run is UNKNOWN to a monitoring system.
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--record works with"));
}

/// The screens match below the first line; on it, the state, the target and the uptime agree
/// (the replay's badge takes the right of the line: at 80 columns the role and version make
/// room for it, then the state's timer).
fn same_panes(live: &str, replay: &str) -> bool {
    let (mut l, mut r) = (live.lines(), replay.lines());
    let (lf, rf) = (l.next().unwrap_or_default(), r.next().unwrap_or_default());
    let before_badge = rf.split(" REPLAY").next().unwrap_or_default();
    let (live_parts, replay_parts) = (first_line_parts(lf), first_line_parts(before_badge));
    live_parts.1.is_some() && live_parts.2.is_some() && live_parts == replay_parts && l.eq(r)
}

/// The header's first line as (state word, target, uptime): `UP for 5s  redis://…  master
/// 7.0.15  up 00:00:09` gives (`UP`, `redis://…`, `00:00:09`).
fn first_line_parts(line: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let target = words.iter().find(|w| w.starts_with("redis://")).copied();
    let uptime = (words.iter().rposition(|w| *w == "up")).and_then(|i| words.get(i + 1).copied());
    (words.first().copied(), target, uptime)
}

/// The live TUI with `--record` for a few seconds, captured just after a redraw, then quit.
fn live_screen(redis: &Redis, dir: &Path) -> (String, std::path::PathBuf) {
    let file = dir.join("live.jsonl");
    let log = dir.join("incident.jsonl");
    let (f, l) = (file.display().to_string(), log.display().to_string());
    let tui = Tmux::start(
        &[&redis.url(), "--record", &f, "--incident-log", &l],
        80,
        24,
    );
    tui.wait_for("1 Memory", Duration::from_secs(10));
    // Not a wait: four seconds of recording (samples, sparklines) before the screen is taken.
    std::thread::sleep(Duration::from_secs(4));
    // Capture right after a redraw (a sample or a tick), while the next one is far away.
    let before = tui.capture();
    poll(Duration::from_secs(3), Duration::from_millis(10), || {
        tui.capture() != before
    });
    // The redraw seen may still be coming in: the screen once two looks in a row agree.
    let mut screen = String::new();
    poll(Duration::from_secs(3), Duration::from_millis(50), || {
        let again = tui.capture();
        let settled = again == screen;
        screen = again;
        settled
    });
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(5));
    (screen, file)
}

#[test]
fn a_write_error_stops_the_recording_and_the_dashboard_goes_on() {
    let redis = Redis::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("r.jsonl").display().to_string();
    // 4 KiB of file: the header fits, the first samples do not (EFBIG, not a SIGXFSZ kill).
    let tui = Tmux::start_with(
        "trap '' XFSZ; ulimit -f 4;",
        &[&redis.url(), "--record", &f, "--incident-log", "/dev/null"],
        100,
        30,
    );
    let screen = tui.wait_for("RECORDING STOPPED", Duration::from_secs(10));
    assert!(screen.contains("File too large"), "{screen}");
    redis.cli(&["SET", "after", "1"]);
    tui.wait_for("1 Memory", Duration::from_secs(5));
    let before = tui.capture();
    // Up to 2 s for the dashboard to draw something new.
    poll(Duration::from_secs(2), Duration::from_millis(50), || {
        tui.capture() != before
    });
    assert!(tui.alive());
    assert_ne!(tui.capture(), before, "the dashboard stopped updating");
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(5));
    let text = std::fs::read_to_string(&f).expect("recording");
    assert!(text.starts_with("{\"redtriage_recording\":1"), "{text}");
}

#[test]
fn replay_in_tmux_shows_the_panes_of_the_live_run() {
    let redis = Redis::start(&[]);
    let t = traffic(redis.port, Duration::from_secs(30));
    let mut last = String::new();
    // A message arriving between the capture and the `q` makes the live screen one message
    // older than the recording; that race is rare, and one retry covers it.
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("tempdir");
        let (live, file) = live_screen(&redis, dir.path());
        let f = file.display().to_string();
        let replay = Tmux::start(&["replay", &f, "--speed", "max"], 80, 24);
        let screen = replay.wait_for("REPLAY END", Duration::from_secs(10));
        assert!(screen.contains("max 00:00:0"), "{screen}");
        // Every action is disabled, with the reason.
        replay.keys("a");
        replay.wait_for("replay", Duration::from_secs(5));
        replay.keys("Escape");
        // ESC and q in one read are alt+q to the terminal: let the ESC arrive alone (the
        // palette closes).
        wait_until("the palette to close", Duration::from_secs(5), || {
            !replay.capture().contains("enter choose")
        });
        replay.keys("q");
        replay.wait_gone(Duration::from_secs(5));
        if same_panes(&live, &screen) {
            drop(t);
            return;
        }
        last = format!("live:\n{live}\nreplay:\n{screen}");
    }
    panic!("replay differs from the live run:\n{last}");
}
