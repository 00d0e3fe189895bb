//! `redtriage report` on the command line: the path printed, the file next to the log,
//! unreadable lines counted in a note, a missing log or a bad `--since` quoted in the error;
//! `--templates` checked before anything starts.
#![allow(clippy::unwrap_used)]

use predicates::prelude::*;

use crate::common::bin::at_home as redtriage;

const OOM: &str = include_str!("../fixtures/incident-oom.jsonl");

#[test]
fn missing_log_is_a_clear_error_quoting_the_path() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(["report", "/nonexistent/incident log.jsonl"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "redtriage: cannot read incident log \"/nonexistent/incident log.jsonl\": ",
        ));
}

#[test]
fn writes_next_to_the_log_and_counts_bad_lines() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("incident-log.jsonl");
    std::fs::write(&log, OOM).unwrap();
    let out = redtriage(&home)
        .args(["report", log.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("note: 1 unreadable line(s) of \""))
        .stderr(predicate::str::contains("skipped (first: line 7)"))
        .get_output()
        .stdout
        .clone();
    let path = String::from_utf8(out).unwrap().trim().to_string();
    let name = std::path::Path::new(&path)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        name.starts_with("incident-log-report-") && name.ends_with("Z.md"),
        "{name}"
    );
    assert_eq!(std::path::Path::new(&path).parent(), Some(home.path()));
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(md.starts_with(r"# Postmortem: Redis connection issues on redis://app:\*\*\*\*@"));
    assert!(md.contains("> Note: 1 line(s) of the log could not be read"));
    assert!(md.contains("## Action items"));
}

#[test]
fn output_flag_and_since() {
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("log.jsonl");
    std::fs::write(&log, OOM).unwrap();
    let out = home.path().join("sub/pm.md");
    redtriage(&home)
        .args(["report", log.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--since", "2026-11-25T19:00:00Z"])
        .assert()
        .success()
        .stdout(format!("{}\n", out.display()));
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(
        md.contains("redis://old:6379"),
        "--since reaches the older session"
    );
    redtriage(&home)
        .args(["report", log.to_str().unwrap(), "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid --since \"yesterday\": expected an RFC 3339 time",
        ));
}

#[test]
fn templates_dir_is_checked_before_start() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(["--templates", "/nonexistent-templates", "check"])
        .assert()
        // `check` that cannot run is UNKNOWN (3).
        .code(3)
        .stderr(predicate::str::contains(
            "--templates \"/nonexistent-templates\": not a directory",
        ));
    let dir = home.path().join("t");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("update.txt"), "Status: {stauts}\n").unwrap();
    redtriage(&home)
        .args(["--templates", dir.to_str().unwrap(), "check"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "update.txt\": unknown placeholder {stauts}",
        ));
}
