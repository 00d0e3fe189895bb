//! The report from hand-made incident logs in the contract's shape.

#![allow(clippy::unwrap_used)]

use super::markdown::md;
use super::report_text;

const OOM: &str = include_str!("../../tests/fixtures/incident-oom.jsonl");
const CRASH: &str = include_str!("../../tests/fixtures/incident-crash.jsonl");

/// The body of section `title` (up to the next `## `).
fn section<'a>(report: &'a str, title: &str) -> &'a str {
    let start = report
        .find(&format!("## {title}\n"))
        .unwrap_or_else(|| panic!("no section {title}:\n{report}"));
    let body = &report[start + title.len() + 4..];
    body.find("\n## ").map_or(body, |end| &body[..end])
}

#[test]
fn oom_report_has_every_section_filled() {
    let (r, log, events) = report_text(OOM, None, "incident.jsonl");
    assert_eq!(log.bad_lines, 1);
    // The last session only: from its `attached` event to `detached`.
    assert_eq!(events, 15);
    assert!(
        r.contains("> Note: 1 line(s) of the log could not be read"),
        "{r}"
    );
    assert!(!r.contains("redis://old"));
    assert!(!r.contains("brand_new_kind"));
    let summary = section(&r, "Summary");
    assert!(
        summary.contains("| First fault | 2026-11-25T20:01:00Z |"),
        "{summary}"
    );
    assert!(
        summary.contains("| Duration | 1m05s (first fault to recovery) |"),
        "{summary}"
    );
    assert!(summary.contains("| Severity | MEDIUM (runbook) |"));
    assert!(
        summary.contains("Out of memory (used 97.0% of maxmemory 2.0 MB (≥ 90%))"),
        "{summary}"
    );
    let timeline = section(&r, "Timeline");
    assert_eq!(timeline.matches("\n| ").count(), 1 + 15, "{timeline}");
    let figures = section(&r, "Figures before, during and after");
    assert!(
        figures.contains("| memory used (% of maxmemory) | 47.7 | 97.0 | 48.5 |"),
        "{figures}"
    );
    assert!(
        figures.contains("| hit rate (%) | 95.0 | 61.5 | 93.0 |"),
        "{figures}"
    );
    assert!(figures.contains("| health | OK | CRIT | OK |"), "{figures}");
    let diag = section(&r, "Diagnosis");
    assert!(
        diag.contains("  - B Out of memory (likely, score 6)"),
        "{diag}"
    );
    assert!(diag.contains("    - OOM errors 12.5/s"));
    let actions = section(&r, "Actions and outcomes");
    assert!(actions.contains("| maxmemory | oncall |"), "{actions}");
    assert!(actions.contains("| 0 | 0.0s | ok: OK |"), "{actions}");
    assert!(
        actions.contains("| 1 | 0.0s | FAILED: ERR The server"),
        "{actions}"
    );
    assert!(actions.contains("    ERR The server is running without a config file"));
    assert!(
        actions.contains("Stability watch, 2026-11-25T20:07:05Z: STABLE for 300s"),
        "{actions}"
    );
    let slow = section(&r, "Top slow commands");
    let first_row = slow.lines().find(|l| l.starts_with("| KEYS")).unwrap();
    assert_eq!(first_row, "| KEYS \\* | 1 | 30000 |");
    // The hostile command name stays text: no backtick, pipe, heading or HTML gets through.
    assert!(
        slow.contains("| SORT big\\`\\|# \\<b\\>x\\</b\\> | 3 | 12000 |"),
        "{slow}"
    );
    let stats = section(&r, "Commandstats changes");
    assert!(stats.contains("| set | 150 | 5300 | 35.3 |"), "{stats}");
    assert!(stats.contains("| get | 800 | 1700 | 2.1 |"), "{stats}");
    assert!(!stats.contains("flushall"));
    let items = section(&r, "Action items");
    assert_eq!(items.matches("- [ ] ").count(), 7);
    assert!(items.contains("memory peak 97.0% of maxmemory"), "{items}");
    assert!(items.contains("above the 90% critical line"));
    assert!(items.contains("AOF/RDB status not recorded in the log"));
    assert!(items.contains("redtriage ran without --prometheus"));
    assert!(items.contains("hit rate between 61.5% and 95.0%"));
    assert!(
        items.contains("slowest command KEYS \\* (30000 µs)"),
        "{items}"
    );
}

#[test]
fn since_overrides_the_session_scope() {
    let since = super::parse::parse_time("2026-11-25T19:00:00Z");
    let (r, _, events) = report_text(OOM, since, "x");
    assert_eq!(events, 18);
    assert!(r.contains("redis://old:6379"));
}

#[test]
fn crash_report_without_figures_says_not_recorded() {
    let (r, log, events) = report_text(CRASH, None, "x");
    assert_eq!((log.bad_lines, events), (0, 8));
    let summary = section(&r, "Summary");
    assert!(
        summary.contains("| Duration | 1m10s (first fault to recovery) |"),
        "{summary}"
    );
    assert!(summary.contains("unknown: no likely cause"));
    assert!(section(&r, "Figures before, during and after").contains("figures not recorded"));
    assert!(section(&r, "Diagnosis").contains("diagnosis not recorded"));
    let actions = section(&r, "Actions and outcomes");
    assert!(
        actions.contains("| restart-compose | oncall |"),
        "{actions}"
    );
    assert!(actions.contains("    Restarting redis ... done"));
    let items = section(&r, "Action items");
    assert!(
        items.contains("the connection was lost 1 time(s)"),
        "{items}"
    );
    assert!(items.contains("a replica could have served reads"));
    assert!(items.contains("unknown: the log does not say whether --prometheus was used"));
}

#[test]
fn empty_log_still_has_every_heading() {
    let (r, _, events) = report_text("", None, "x");
    assert_eq!(events, 0);
    for h in [
        "Summary",
        "Timeline",
        "Figures before, during and after",
        "Diagnosis",
        "Actions and outcomes",
        "Top slow commands",
        "Commandstats changes",
        "Action items",
    ] {
        assert!(r.contains(&format!("## {h}\n")), "{h}");
    }
}

#[test]
fn markdown_escaping() {
    assert_eq!(md("# title"), "\\# title");
    assert_eq!(md("a|b`c`"), "a\\|b\\`c\\`");
    assert_eq!(md("<script>&amp;"), "\\<script\\>\\&amp;");
    assert_eq!(md("- item"), "\\- item");
    assert_eq!(md("12. x"), "12\\. x");
    assert_eq!(md("12.5"), "12.5");
    assert_eq!(md("[x](javascript:y)"), "\\[x\\](javascript:y)");
    assert_eq!(md("a\nb"), "a b");
    assert_eq!(md("used 97.0% ≥ 90%"), "used 97.0% ≥ 90%");
}

#[test]
fn default_output_is_next_to_the_log() {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_637_178);
    let p = super::default_output(std::path::Path::new("/var/x/incident-log.jsonl"), at);
    assert_eq!(
        p,
        std::path::Path::new("/var/x/incident-log-report-20261125T200618Z.md")
    );
}
