//! Actions in the model: the palette, the dialogs (input, choice, confirmation), the running
//! action's output, the timeline and the stability watch. Pure: the runner and the log file
//! are effects.

pub mod cancel;
pub mod lifecycle;
pub mod view;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::model::log_event::LogEvent;
use crate::model::watch::Watch;
use crate::runbook::prepare::Prepared;
use crate::runbook::spec::Runbook;

/// Output lines kept for the output panel.
pub const OUTPUT_KEEP: usize = 2000;
/// Timeline entries kept.
pub const TIMELINE_KEEP: usize = 500;

/// The action palette (`a`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub filter: String,
    /// Index into the filtered list.
    pub cursor: usize,
}

/// A modal dialog; it swallows every key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Free text (the maxmemory value).
    Input {
        action: String,
        prompt: String,
        text: String,
        error: Option<String>,
    },
    /// Pick one (the eviction policy).
    Choose {
        action: String,
        options: Vec<String>,
        cursor: usize,
    },
    /// The confirmation; `stage` 2 is the second confirmation of `confirm_twice` actions.
    Confirm {
        prepared: Box<Prepared>,
        input: Option<String>,
        typed: String,
        stage: u8,
        target: String,
        role: String,
    },
    /// Something could not be prepared.
    Message { title: String, text: String },
    /// The password for an instance attached from the fleet (AUTH failed); never shown.
    Password { instance: String, text: String },
    /// Cancel the running action `run`? Only `y` does.
    Cancel { run: u64, name: String },
}

/// The action running now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub run: u64,
    pub name: String,
    pub started: Instant,
    pub mitigation: bool,
}

/// Which bottom panel is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    None,
    Output,
    Timeline,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: Instant,
    pub text: String,
}

/// Everything action-related in the state.
#[derive(Debug, Clone)]
pub struct ActionsState {
    pub runbook: Runbook,
    pub read_only: bool,
    /// Every action is disabled, and why (`replay`).
    pub disabled: Option<String>,
    pub palette: Option<Palette>,
    pub dialog: Option<Dialog>,
    pub running: Option<Running>,
    pub output: VecDeque<String>,
    /// Lines scrolled up from the bottom of the output.
    pub output_scroll: usize,
    /// Lines of the open dialog's body scrolled past (a kill of 90 clients, `PgDn`/↓).
    pub dialog_scroll: usize,
    /// Timeline entries scrolled up from the newest.
    pub timeline_scroll: usize,
    pub panel: Panel,
    pub next_run: u64,
    pub timeline: VecDeque<TimelineEntry>,
    /// When actions ran (sparkline markers).
    /// (target, sample count of that target when the action started).
    pub marks: Vec<(usize, u64)>,
    pub watch: Option<Watch>,
    pub watch_window: Duration,
    pub probe_every: Duration,
    /// The incident log could not be written: shown in the header.
    pub log_error: Option<String>,
    /// Last connection label and health word seen, to log changes.
    pub last_state: Option<String>,
    pub last_health: Option<String>,
    /// The server (`redis 7.0.15`, `valkey 8.1.1`) last written to the incident log.
    pub last_server: Option<String>,
    /// (target, samples, restarts seen) at the last change check, and whether a state other
    /// than UP was logged since the last sample: to log a restart too quick to be seen DOWN.
    pub last_seen: Option<(String, u64, u32)>,
    pub outage_logged: bool,
    /// The likely causes last logged (`A,B`), to log diagnosis changes.
    pub last_likely: Option<String>,
    /// When figures were last logged.
    pub last_figures: Option<std::time::Instant>,
    /// Path of the incident log (shown in help).
    pub log_path: Option<String>,
    /// Actions that finished in this session, oldest first.
    pub done: Vec<RunRecord>,
    /// The causes seen likely in this incident (the Runbook pane tells a fix that resolved
    /// its cause from one whose cause was never indicated).
    pub incident_likely: std::collections::BTreeSet<String>,
    /// When the current incident began (first problem seen) and when the watch said stable.
    pub incident: Incident,
    /// The incident's root cause as last seen likely (`title (top evidence)`), kept after the
    /// fix made it unlikely; cleared when a new incident starts.
    pub root_cause: Option<String>,
}

/// One finished action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub name: String,
    pub at: Instant,
    pub ok: bool,
    /// An external command's exit code (`redis-check-aof` says 1 for a damaged file).
    pub exit_code: Option<i32>,
    /// Escaped one-line outcome.
    pub summary: String,
    /// The target it ran for, as shown.
    pub target: String,
}

/// The incident clock for the 30-minute SLA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Incident {
    /// First problem seen (not reachable, or a health target WARN/CRIT).
    pub since: Option<Instant>,
    /// The stability watch completed after that.
    pub resolved: Option<Instant>,
}

impl Incident {
    /// A problem seen at `at`: starts the clock (again, after a resolution).
    pub fn problem(&mut self, at: Instant) {
        if self.since.is_none() || self.resolved.is_some() {
            self.since = Some(at);
            self.resolved = None;
        }
    }
}

impl ActionsState {
    pub fn new(runbook: Runbook, read_only: bool) -> Self {
        let dur = |s: Option<&str>, d: u64| {
            s.and_then(crate::format::parse_duration)
                .unwrap_or(Duration::from_secs(d))
        };
        let watch_window = dur(runbook.settings.watch_window.as_deref(), 300);
        let probe_every = dur(runbook.settings.probe_every.as_deref(), 10);
        Self {
            runbook,
            read_only,
            disabled: None,
            palette: None,
            dialog: None,
            running: None,
            output: VecDeque::new(),
            output_scroll: 0,
            dialog_scroll: 0,
            timeline_scroll: 0,
            panel: Panel::None,
            next_run: 1,
            timeline: VecDeque::new(),
            marks: Vec::new(),
            watch: None,
            watch_window,
            probe_every,
            log_error: None,
            last_state: None,
            last_health: None,
            last_server: None,
            last_seen: None,
            outage_logged: false,
            last_likely: None,
            last_figures: None,
            done: Vec::new(),
            incident_likely: std::collections::BTreeSet::new(),
            incident: Incident::default(),
            root_cause: None,
            log_path: None,
        }
    }

    pub fn push_output(&mut self, line: String) {
        self.output.push_back(line);
        while self.output.len() > OUTPUT_KEEP {
            self.output.pop_front();
        }
    }

    /// The incident log's writer failed (the header says so) or works again (the header
    /// clears; the timeline keeps what happened).
    pub fn on_log_status(&mut self, at: Instant, status: crate::msg::LogStatus) {
        use crate::msg::LogStatus;
        match status {
            LogStatus::Failing {
                error,
                held,
                dropped,
            } => {
                if self.log_error.is_none() {
                    self.push_timeline(at, format!("incident log not written: {error}"));
                }
                self.log_error = Some(LogStatus::failing_text(&error, held, dropped));
            }
            LogStatus::Recovered {
                written_late,
                dropped,
            } => {
                self.log_error = None;
                self.push_timeline(
                    at,
                    format!(
                        "incident log written again: {written_late} held events written late, \
                         {dropped} dropped"
                    ),
                );
            }
        }
    }

    pub fn push_timeline(&mut self, at: Instant, text: String) {
        self.timeline.push_back(TimelineEntry { at, text });
        while self.timeline.len() > TIMELINE_KEEP {
            self.timeline.pop_front();
        }
    }

    /// Is any modal thing open (palette or dialog)?
    pub fn modal(&self) -> bool {
        self.palette.is_some() || self.dialog.is_some()
    }

    /// The runbook's actions matching the palette filter (subsequence match, case-insensitive),
    /// the closest first: the name itself, a name that starts with it, a name that holds it,
    /// a title that holds it, then the rest in the runbook's order.
    pub fn filtered(&self) -> Vec<usize> {
        let f = self
            .palette
            .as_ref()
            .map(|p| p.filter.to_lowercase())
            .unwrap_or_default();
        let mut hits: Vec<(u8, usize)> = (self.runbook.actions.iter().enumerate())
            .filter_map(|(i, a)| {
                let name = a.name.to_lowercase();
                let all = format!("{name} {}", a.title.to_lowercase());
                let rank = match () {
                    () if !fuzzy(&f, &all) => return None,
                    () if f.is_empty() => 4,
                    () if name == f => 0,
                    () if name.starts_with(&f) => 1,
                    () if name.contains(&f) => 2,
                    () if all.contains(&f) => 3,
                    () => 4,
                };
                Some((rank, i))
            })
            .collect();
        hits.sort_by_key(|(rank, _)| *rank);
        hits.into_iter().map(|(_, i)| i).collect()
    }
}

/// Every char of `needle` appears in `hay` in order.
pub fn fuzzy(needle: &str, hay: &str) -> bool {
    let mut it = hay.chars();
    needle.chars().all(|c| it.any(|h| h == c))
}

/// A log event for the app to stamp with the time and write.
pub fn log_event(target: &str, kind: &'static str, detail: String) -> LogEvent {
    LogEvent::new(std::time::UNIX_EPOCH, target, kind, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matches_subsequences() {
        assert!(fuzzy("bgs", "bgsave write an rdb"));
        assert!(fuzzy("mxm", "maxmemory"));
        assert!(!fuzzy("zz", "maxmemory"));
        assert!(fuzzy("", "anything"));
    }

    #[test]
    fn the_palette_puts_the_closest_names_first() {
        let rb =
            crate::runbook::spec::Runbook::parse(crate::runbook::spec::DEFAULT_RUNBOOK, "shipped")
                .expect("runbook");
        let mut st = ActionsState::new(rb, false);
        let first = |st: &mut ActionsState, f: &str| {
            st.palette = Some(Palette {
                filter: f.into(),
                ..Palette::default()
            });
            let i = *st.filtered().first().expect("a match");
            st.runbook.actions[i].name.clone()
        };
        assert_eq!(first(&mut st, "bgs"), "bgsave");
        assert_eq!(first(&mut st, "check-aof"), "check-aof");
        assert_eq!(first(&mut st, "fix-a"), "fix-aof");
        st.palette = Some(Palette::default());
        assert_eq!(st.filtered().len(), st.runbook.actions.len());
    }
}
