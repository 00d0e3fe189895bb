//! The "Actions and outcomes" section: each `action_start` paired with its `action_end`
//! (exit code, duration, summary, first output lines), and the stability watch results.

use std::fmt::Write as _;

use super::markdown::md;
use super::parse::Event;

/// One action run: its start and, when it ended, its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Run<'a> {
    pub start: Option<&'a Event>,
    pub end: Option<&'a Event>,
}

impl Run<'_> {
    /// The action's name.
    pub fn name(&self) -> &str {
        self.start
            .or(self.end)
            .and_then(|e| e.action.as_deref())
            .unwrap_or("?")
    }

    /// Ended with exit code 0 (or no exit code and a non-failure summary)?
    pub fn ok(&self) -> Option<bool> {
        let end = self.end?;
        Some(match end.exit_code {
            Some(c) => c == 0,
            None => !end.detail.to_lowercase().contains("fail") && !end.detail.contains("ERR"),
        })
    }
}

/// The runs of the scope, in start order; an end without a start is a run of its own.
pub fn runs(events: &[Event]) -> Vec<Run<'_>> {
    let mut out: Vec<Run<'_>> = Vec::new();
    for e in events {
        match e.kind.as_str() {
            "action_start" => out.push(Run {
                start: Some(e),
                end: None,
            }),
            "action_end" => {
                let open = out.iter_mut().rev().find(|r| {
                    r.end.is_none() && r.start.and_then(|s| s.action.as_ref()) == e.action.as_ref()
                });
                match open {
                    Some(r) => r.end = Some(e),
                    None => out.push(Run {
                        start: None,
                        end: Some(e),
                    }),
                }
            }
            _ => {}
        }
    }
    out
}

/// Writes the section.
pub fn section(out: &mut String, events: &[Event]) {
    let _ = writeln!(out, "## Actions and outcomes\n");
    let runs = runs(events);
    if runs.is_empty() {
        let _ = writeln!(
            out,
            "No action was run through redtriage in this session.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "| Started (UTC) | Action | By | Commands | Exit | Duration | Outcome |\n|---|---|---|---|---|---|---|"
        );
        for r in &runs {
            let time = r.start.or(r.end).map_or("", |e| e.time.as_str());
            let user = r.start.and_then(|e| e.user.as_deref()).unwrap_or("");
            let commands = r
                .start
                .map_or_else(|| "not recorded".into(), |e| md(&e.detail));
            let exit = r
                .end
                .and_then(|e| e.exit_code)
                .map_or_else(|| "-".into(), |c| c.to_string());
            let duration = r
                .end
                .and_then(|e| e.duration_ms)
                .map_or_else(|| "-".into(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
            let outcome = match (r.end, r.ok()) {
                (Some(e), Some(true)) => format!("ok: {}", md(&e.detail)),
                (Some(e), _) => format!("FAILED: {}", md(&e.detail)),
                (None, _) => "no end recorded (still running at quit?)".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {commands} | {exit} | {duration} | {outcome} |",
                md(time),
                md(r.name()),
                md(user)
            );
        }
        out.push('\n');
        for r in runs
            .iter()
            .filter(|r| r.end.is_some_and(|e| !e.output.is_empty()))
        {
            let _ = writeln!(out, "First output lines of {}:\n", md(r.name()));
            for line in r.end.map(|e| e.output.iter().take(5)).into_iter().flatten() {
                let _ = writeln!(out, "    {}", line.replace('\n', " "));
            }
            out.push('\n');
        }
    }
    let watch: Vec<&Event> = events.iter().filter(|e| e.kind == "watch").collect();
    for e in &watch {
        let _ = writeln!(out, "- Stability watch, {}: {}", md(&e.time), md(&e.detail));
    }
    if !watch.is_empty() {
        out.push('\n');
    }
}
