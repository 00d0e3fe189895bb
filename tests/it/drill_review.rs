//! A drill recorded and reviewed afterwards (issue 5): `drill oom --record F --incident-log L`
//! run on a terminal like an engineer would — see the cause, raise maxmemory through the
//! runbook action, watch it recover — then `redtriage report L` has every section filled, and
//! `redtriage replay F` ends on the panes the live run ended on.
//!
//! Both run on a PTY (`common::pty`): the live run's last frame is read from its output stream
//! after it quit, so a sample that lands between a screen capture and the `q` cannot make the
//! two differ (a tmux capture before the `q` could miss that last frame).

use std::process::Command;
use std::time::Duration;

use crate::common::pty::Pty;
use crate::common::{bin, poll};

/// The diagnosis line and the panes: the header rows above them hold clocks (the watch's
/// seconds can differ by one between the live run's last frame and the recording's end).
/// Trailing blanks are cut: the emulator keeps those a frame wrote, not those it skipped.
fn body(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip_while(|l| !l.starts_with("diagnosis:"))
        .map(str::trim_end)
        .collect()
}

/// The `redis://127.0.0.1:PORT` the drill's header shows.
fn drill_url(screen: &str) -> String {
    let start = screen.find("redis://").expect("url in the header");
    screen[start..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_string()
}

fn section<'a>(md: &'a str, title: &str) -> &'a str {
    let start = md
        .find(&format!("## {title}\n"))
        .unwrap_or_else(|| panic!("no {title}:\n{md}"));
    let rest = &md[start + title.len() + 4..];
    rest.find("\n## ").map_or(rest, |end| &rest[..end])
}

#[test]
fn a_recorded_oom_drill_gives_a_full_report_and_replays_the_same_panes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("drill.jsonl");
    let log = dir.path().join("incident.jsonl");
    let (r, l) = (rec.display().to_string(), log.display().to_string());
    // A loaded test machine must not turn PING p50 into a latency WARN that keeps the incident
    // open: only memory decides here.
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[thresholds]\nlatency_warn_ms = 1000.0\nlatency_crit_ms = 2000.0\n",
    )
    .expect("config");
    let c = cfg.display().to_string();
    let mut tui = Pty::start(
        &[
            "drill",
            "oom",
            "--record",
            &r,
            "--incident-log",
            &l,
            "--config",
            &c,
        ],
        100,
        30,
    );
    let screen = tui.wait_for("B Out of memory LIKELY", Duration::from_secs(30));
    // Every command goes to the slowlog, so its section has something to say.
    let url = drill_url(&screen);
    let cli = |args: &[&str]| {
        let port = url.rsplit(':').next().expect("port").to_string();
        Command::new("redis-cli")
            .args(["-p", &port])
            .args(args)
            .output()
            .expect("redis-cli")
    };
    cli(&["config", "set", "slowlog-log-slower-than", "0"]);
    // Not a wait: two seconds of the incident with every command slow-logged, recorded for
    // the report's slow commands.
    std::thread::sleep(Duration::from_secs(2));
    // The runbook's option 2, through the palette: raise maxmemory.
    tui.keys("a");
    tui.keys("maxmemory");
    // The palette open with the filter typed, before Enter picks the first match.
    tui.wait_for("> maxmemory", Duration::from_secs(5));
    tui.keys("\r");
    tui.wait_for("maxmemory", Duration::from_secs(5));
    tui.keys("256mb");
    tui.keys("\r");
    tui.wait_for("y", Duration::from_secs(5));
    tui.keys("y");
    tui.wait_for(
        "CONFIG SET maxmemory 268435456 → OK",
        Duration::from_secs(10),
    );
    // The CONFIG REWRITE offer (default No), then watch it recover.
    tui.wait_for("y = run", Duration::from_secs(5));
    tui.esc();
    tui.esc();
    let recovered = poll(Duration::from_secs(30), Duration::from_millis(200), || {
        !tui.screen().contains("B Out of memory LIKELY")
    });
    assert!(recovered, "B stayed likely:\n{}", tui.screen());
    // Not a wait: a few seconds after the recovery, for the report's "after" figures.
    std::thread::sleep(Duration::from_secs(3));
    tui.keys("q");
    let live = tui.last_frame(Duration::from_secs(10));

    let md_path = dir.path().join("postmortem.md");
    let out = bin::redtriage()
        .args(["report", &l, "-o", &md_path.display().to_string()])
        .output()
        .expect("report runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&md_path).expect("report written");
    check_report(&md);

    let mut replay = Pty::start(&["replay", &r, "--speed", "max"], 100, 30);
    replay.wait_for("REPLAY END", Duration::from_secs(30));
    replay.keys("q");
    let end = replay.last_frame(Duration::from_secs(10));
    assert!(body(&live).len() > 20, "{live}");
    assert_eq!(body(&live), body(&end), "live:\n{live}\nreplay:\n{end}");
}

/// Every section of the postmortem says something, with the figures during and after.
fn check_report(md: &str) {
    assert!(md.contains("| Root cause | Out of memory"), "{md}");
    for title in [
        "Summary",
        "Timeline",
        "Figures before, during and after",
        "Diagnosis",
        "Actions and outcomes",
        "Top slow commands",
        "Commandstats changes",
        "Action items",
    ] {
        let s = section(md, title);
        assert!(s.trim().len() > 20, "{title} is empty:\n{md}");
        for empty in [
            "not recorded.",
            "No events recorded",
            "No action was run",
            "No slow commands recorded",
            "No command was called",
            "diagnosis not recorded",
        ] {
            assert!(!s.contains(empty), "{title} says {empty:?}:\n{md}");
        }
    }
    assert!(
        section(md, "Actions and outcomes").contains("maxmemory"),
        "{md}"
    );
    let figures = section(md, "Figures before, during and after");
    assert!(
        !figures.contains("worst of 0 sample"),
        "nothing during:\n{md}"
    );
    let memory = figures
        .lines()
        .find(|l| l.starts_with("| memory used (% of maxmemory)"))
        .unwrap_or_default();
    // The drill injects before the dashboard opens: no "before", but "during" and "after".
    let cells: Vec<&str> = memory.split('|').map(str::trim).collect();
    assert!(
        cells.len() >= 5 && cells[3] != "not recorded" && cells[4] != "not recorded",
        "{memory}\n{md}"
    );
}
