//! Faults on redtriage's own side, through the real binary in tmux (issue 6): the incident
//! log's disk full or its directory gone (a clear warning, the dashboard goes on, nothing
//! already written is lost, what could not be written lands late), and an action whose child
//! ignores SIGTERM (killed after the grace, said so, no process of its group left), at its
//! timeout or when cancelled with `x`. The keys answer during each fault.

use std::path::Path;
use std::time::Duration;

use crate::common::tmux::Tmux;
use crate::common::{Redis, Respawn, wait_until};

const LIMIT: Duration = Duration::from_secs(30);

/// Every line of the incident log is a whole JSON event; the kinds in order.
fn parsed_kinds(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).expect("incident log");
    assert!(text.ends_with('\n'), "torn last line:\n{text}");
    let parsed = redtriage::report::parse::parse(&text);
    assert_eq!(parsed.bad_lines, 0, "unreadable lines in:\n{text}");
    parsed.events.into_iter().map(|e| e.kind).collect()
}

fn dashboard(prefix: &str, redis: &Redis, log: &Path) -> Tmux {
    let (url, log) = (redis.url(), log.display().to_string());
    let tui = Tmux::start_with(
        prefix,
        &[&url, "--interval", "200ms", "--incident-log", &log],
        120,
        40,
    );
    wait_header(&tui, "UP for");
    tui
}

/// Waits until the header's first line holds `what` (the connection state).
fn wait_header(tui: &Tmux, what: &str) -> String {
    let mut screen = String::new();
    wait_until(what, LIMIT, || {
        screen = tui.capture();
        screen.lines().next().is_some_and(|l| l.contains(what))
    });
    screen
}

/// The header's warning about the log (its first lines, above the panes), if any.
fn log_warning(tui: &Tmux) -> Option<String> {
    let screen = tui.capture();
    screen
        .lines()
        .take_while(|l| !l.contains('┌'))
        .find(|l| l.contains("INCIDENT LOG NOT WRITTEN"))
        .map(str::to_string)
}

/// Down and up again: a connection change or two, each logged with its figures.
fn bounce(redis: &mut Redis, tui: &Tmux) {
    redis.kill();
    wait_header(tui, "DOWN");
    redis.start_again();
    wait_header(tui, "UP for");
}

#[test]
fn a_full_disk_warns_in_the_header_and_keeps_every_whole_line() {
    let mut redis = Redis::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("incident.jsonl");
    // Tests run as root, for whom no permission bit makes a file unwritable: a 4 KiB file size
    // limit (EFBIG, with SIGXFSZ ignored) is a disk that fills up after the first events.
    let tui = dashboard("trap '' XFSZ; ulimit -f 4;", &redis, &log);
    let mut bounces = 0;
    while log_warning(&tui).is_none() {
        assert!(bounces < 10, "4 KiB and the log never filled up");
        bounce(&mut redis, &tui);
        bounces += 1;
    }
    let warning = log_warning(&tui).expect("the warning");
    assert!(warning.contains("File too large"), "{warning}");
    tui.help_opens_and_closes();
    bounce(&mut redis, &tui);
    tui.wait_new_sample(LIMIT);
    assert!(log_warning(&tui).is_some(), "{}", tui.capture());
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    // What went in before the disk filled is intact: no half event at the end.
    let kinds = parsed_kinds(&log);
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("session"),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "state"), "{kinds:?}");
    assert!(std::fs::metadata(&log).expect("log").len() <= 4096);
}

/// The directory gone, then back: the events of the outage were held in memory and land
/// late, in order, and the header's warning goes away.
#[test]
fn the_log_directory_gone_warns_and_the_log_resumes_after_it_is_back() {
    let mut redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("incidents");
    let log = dir.join("incident.jsonl");
    let tui = dashboard("", &redis, &log);
    wait_until("the first events", LIMIT, || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("\"kind\":\"state\""))
    });
    // The directory moved away and a file in its place: root cannot write through that
    // (ENOTDIR/EEXIST), where a chmod would not stop root.
    let moved = tmp.path().join("incidents.moved");
    std::fs::rename(&dir, &moved).expect("move the dir");
    std::fs::write(&dir, "not a directory").expect("file in its place");
    let before = parsed_kinds(&moved.join("incident.jsonl"));
    redis.kill();
    wait_header(&tui, "DOWN");
    let mut warning = None;
    wait_until("the warning in the header", LIMIT, || {
        warning = log_warning(&tui);
        warning.is_some()
    });
    let warning = warning.unwrap_or_default();
    // The path that failed, and why; nothing is lost yet.
    assert!(warning.contains("incidents: File exists"), "{warning}");
    assert!(warning.contains("events held, retrying"), "{warning}");
    tui.help_opens_and_closes();
    redis.start_again();
    wait_header(&tui, "UP for");
    tui.wait_new_sample(LIMIT);
    // Back in place: the held events are written by the retry (no new event needed), after
    // the old ones, and the warning goes.
    std::fs::remove_file(&dir).expect("remove the file");
    std::fs::rename(&moved, &dir).expect("move the dir back");
    wait_until("the log to resume", LIMIT, || {
        parsed_kinds(&log).len() > before.len()
    });
    wait_until("the warning to clear", LIMIT, || {
        log_warning(&tui).is_none()
    });
    tui.keys("t");
    tui.wait_for("incident log written again", LIMIT);
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    let after = parsed_kinds(&log);
    assert_eq!(after[..before.len()], before[..], "{after:?}");
    // The outage's own events are there, in time order, and a note says they came late.
    let text = std::fs::read_to_string(&log).expect("log");
    let resumed: Vec<&str> = text.lines().skip(before.len()).collect();
    assert!(
        resumed
            .iter()
            .any(|l| l.contains("\"kind\":\"state\"") && l.contains("UP → DOWN")),
        "{text}"
    );
    assert!(
        resumed
            .iter()
            .any(|l| l.contains("\"kind\":\"log\"") && l.contains("written late, 0 dropped")),
        "{text}"
    );
    let times: Vec<String> = redtriage::report::parse::parse(&text)
        .events
        .into_iter()
        .map(|e| e.time)
        .collect();
    assert!(times.is_sorted(), "{times:?}");
}

/// Live (not zombie) processes in process group `pgid`, from /proc.
fn live_in_group(pgid: i32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp …`, comm may hold spaces: split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[2].parse() == Ok(pgid) && f[0] != "Z" {
            out.push(format!("{head})"));
        }
    }
    out
}

/// A dashboard with the one action `stubborn` (the leader and a background child both ignore
/// TERM; `$$` is the group's id) of the given timeout, started; returns the dashboard, the
/// action's process group and the incident log.
fn run_stubborn(redis: &Redis, tmp: &Path, timeout: &str) -> (Tmux, i32, std::path::PathBuf) {
    let rb = tmp.join("runbook.toml");
    std::fs::write(
        &rb,
        format!(
            "[[action]]\nname = \"stubborn\"\ntitle = \"Ignores SIGTERM\"\nkind = \"external\"\n\
             timeout = \"{timeout}\"\n\
             commands = [[\"sh\", \"-c\", \"trap '' TERM; echo pgid=$$; sleep 600 & sleep 600\"]]\n"
        ),
    )
    .expect("runbook");
    let log = tmp.join("incident.jsonl");
    let (url, rb_s, log_s) = (
        redis.url(),
        rb.display().to_string(),
        log.display().to_string(),
    );
    let tui = Tmux::start(
        &[
            &url,
            "--interval",
            "200ms",
            "--runbook",
            &rb_s,
            "--incident-log",
            &log_s,
        ],
        120,
        40,
    );
    tui.wait_for("UP for", LIMIT);
    tui.keys("a");
    tui.wait_for("enter choose", Duration::from_secs(5));
    tui.keys("stubborn");
    tui.keys("Enter");
    tui.wait_for("y = run", Duration::from_secs(5));
    tui.keys("y");
    // The output line `pgid=1234` (the confirmation showed the command's own `pgid=$$`).
    let mut pgid = 0;
    wait_until("the action's output", LIMIT, || {
        let screen = tui.capture();
        let found = screen.split("pgid=").skip(1).find_map(|r| {
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<i32>().ok()
        });
        pgid = found.unwrap_or(0);
        found.is_some()
    });
    assert!(live_in_group(pgid).len() >= 2, "{:?}", live_in_group(pgid));
    (tui, pgid, log)
}

#[test]
fn an_action_child_ignoring_sigterm_is_killed_after_the_grace_and_said_so() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (tui, pgid, log) = run_stubborn(&redis, tmp.path(), "2s");
    // While it runs, and while it shrugs off the SIGTERM: the keys answer.
    tui.help_opens_and_closes();
    let done = tui.wait_for("SIGTERM ignored", LIMIT);
    assert!(done.contains("timed out after 2s"), "{done}");
    assert!(done.contains("process group killed (SIGKILL)"), "{done}");
    wait_until("the whole group gone", Duration::from_secs(5), || {
        live_in_group(pgid).is_empty()
    });
    tui.help_opens_and_closes();
    tui.wait_new_sample(LIMIT);
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("\"kind\":\"action_end\""), "{text}");
    assert!(text.contains("SIGTERM ignored"), "{text}");
}

/// `x` stops a running action long before its timeout: asked first (any key but `y` lets it
/// run), then its whole process group stopped, the end saying so, who asked in the log.
#[test]
fn x_cancels_a_running_action_and_its_whole_process_group() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (tui, pgid, log) = run_stubborn(&redis, tmp.path(), "10m");
    tui.keys("x");
    tui.wait_for("cancel stubborn?", Duration::from_secs(5));
    tui.keys("n");
    wait_until("the question to close", Duration::from_secs(5), || {
        !tui.capture().contains("cancel stubborn?")
    });
    assert!(live_in_group(pgid).len() >= 2, "{:?}", live_in_group(pgid));
    tui.keys("x");
    tui.wait_for("y = cancel it", Duration::from_secs(5));
    tui.keys("y");
    let done = tui.wait_for("SIGTERM ignored", LIMIT);
    assert!(done.contains("cancelled by the user"), "{done}");
    wait_until("the whole group gone", Duration::from_secs(5), || {
        live_in_group(pgid).is_empty()
    });
    tui.help_opens_and_closes();
    tui.keys("x");
    tui.wait_for("no action is running", Duration::from_secs(5));
    tui.keys("Escape");
    // ESC and q in one read are alt+q: let the ESC arrive alone (the message closes).
    wait_until("the message to close", Duration::from_secs(5), || {
        !tui.capture().contains("no action is running")
    });
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    let text = std::fs::read_to_string(&log).expect("log");
    let kinds = parsed_kinds(&log);
    assert!(kinds.iter().any(|k| k == "action_end"), "{kinds:?}");
    assert!(text.contains("\"kind\":\"action_cancel\""), "{text}");
    assert!(
        text.contains("cancelled by the user: SIGTERM ignored"),
        "{text}"
    );
}
