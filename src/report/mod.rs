//! `redtriage report <incident.jsonl>`: a Markdown postmortem from the incident log (also
//! written by ctrl+r in the TUI for the current session).
//!
//! Scope: the last session (from the last `session` event saying `redtriage … attached`),
//! or everything since `--since`. Output: `-o FILE`, else next to the log as
//! `<log stem>-report-<UTC time>.md`.

pub mod actions;
pub mod analysis;
pub mod checklist;
pub mod markdown;
pub mod parse;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

/// `redtriage report` as asked on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub log: PathBuf,
    pub output: Option<PathBuf>,
    /// `--since`, seconds since the epoch.
    pub since: Option<i64>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// Events in the report.
    pub events: usize,
    /// Lines of the log skipped as unreadable.
    pub bad_lines: usize,
    pub first_bad_line: Option<usize>,
}

/// `20261125T200618Z`: a UTC time for file names.
pub fn file_stamp(at: SystemTime) -> String {
    crate::format::rfc3339(at).replace(['-', ':'], "")
}

/// `<dir of log>/<log stem>-report-<UTC time>.md`.
pub fn default_output(log: &Path, at: SystemTime) -> PathBuf {
    let stem = log.file_stem().map_or_else(
        || "incident-log".into(),
        |s| s.to_string_lossy().into_owned(),
    );
    let dir = log.parent().unwrap_or_else(|| Path::new(""));
    dir.join(format!("{stem}-report-{}.md", file_stamp(at)))
}

fn shown(p: &Path) -> String {
    crate::escape::quoted(p.as_os_str().as_encoded_bytes())
}

/// The report text for the log's text (pure).
pub fn report_text(text: &str, since: Option<i64>, source: &str) -> (String, parse::Log, usize) {
    let log = parse::parse(text);
    let events = parse::scope(&log.events, since);
    let md = markdown::render(&events, &log, source);
    (md, log, events.len())
}

/// Reads the log, writes the report; errors quote the path.
pub fn write(
    log_path: &Path,
    output: Option<&Path>,
    since: Option<i64>,
    at: SystemTime,
) -> Result<Written, String> {
    let bytes = std::fs::read(log_path)
        .map_err(|e| format!("cannot read incident log {}: {e}", shown(log_path)))?;
    let text = String::from_utf8_lossy(&bytes);
    let source = crate::escape::plain(log_path.as_os_str().as_encoded_bytes());
    let (md, log, events) = report_text(&text, since, &source);
    let path = output.map_or_else(|| default_output(log_path, at), Path::to_path_buf);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", shown(dir)))?;
    }
    std::fs::write(&path, md).map_err(|e| format!("cannot write {}: {e}", shown(&path)))?;
    Ok(Written {
        path,
        events,
        bad_lines: log.bad_lines,
        first_bad_line: log.first_bad_line,
    })
}

/// The CLI: writes the report, prints its path (stdout) and a note on skipped lines (stderr).
pub fn run(req: &Request) -> ExitCode {
    match write(
        &req.log,
        req.output.as_deref(),
        req.since,
        SystemTime::now(),
    ) {
        Ok(w) => {
            if w.bad_lines > 0 {
                eprintln!(
                    "redtriage: note: {} unreadable line(s) of {} skipped (first: line {})",
                    w.bad_lines,
                    shown(&req.log),
                    w.first_bad_line.unwrap_or(0)
                );
            }
            if w.events == 0 {
                eprintln!("redtriage: note: no events in scope; the report is mostly empty");
            }
            println!(
                "{}",
                crate::escape::plain(w.path.as_os_str().as_encoded_bytes())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("redtriage: {e}");
            ExitCode::from(2)
        }
    }
}

/// ctrl+r in the TUI: the report of the current session next to the log (blocking: the app
/// runs it with `spawn_blocking`). Returns the path written, escaped.
pub fn write_session(log_path: Option<&Path>) -> Result<String, String> {
    let log = log_path.ok_or("no incident log path (set --incident-log)")?;
    write(log, None, None, SystemTime::now())
        .map(|w| crate::escape::plain(w.path.as_os_str().as_encoded_bytes()))
}
