//! Messages into the one event loop: something that happened.

use std::time::Instant;

use crate::collect::types::{PollEvent, Sample};

pub use crate::collect::types::LinkEvent;
pub use crate::target::TargetId;

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub ok: bool,
    pub exit_code: Option<i32>,
    /// Escaped one-line summary.
    pub summary: String,
    #[serde(serialize_with = "ser_ms", deserialize_with = "de_ms")]
    pub duration: std::time::Duration,
}

fn de_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
    <u64 as serde::Deserialize>::deserialize(d).map(std::time::Duration::from_millis)
}

fn ser_ms<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Progress of a running action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionEvent {
    /// One escaped line of output.
    Output(String),
    /// Evidence the action kept before it erased it (the slowlog's entries before `SLOWLOG
    /// RESET`): `what` in the output panel, every line in the incident log (escaped).
    Saved {
        what: String,
        lines: Vec<String>,
    },
    Done(Outcome),
}

/// Something that happened, with the time it happened (the model never reads the clock).
#[derive(Debug, Clone)]
pub enum Msg {
    Link {
        target: TargetId,
        at: Instant,
        event: LinkEvent,
    },
    Sample {
        target: TargetId,
        sample: Box<Sample>,
    },
    Key(crossterm::event::KeyEvent),
    Resize,
    /// The 1 s clock, so since-timers move without data.
    Tick(Instant),
    /// A running action printed a line or finished.
    Action {
        run: u64,
        at: Instant,
        event: ActionEvent,
    },
    /// Writing the incident log failed (disk full, unwritable dir: shown in the header) or
    /// works again (the header clears, the timeline says what was written late).
    Log(crate::msg::LogStatus),
    /// The app wrote a file for the model (a saved message, the report): its path or why not.
    Written {
        what: Written,
        result: Result<String, String>,
    },
    /// A confirmed action started (recorded at its start, fed back only by a replay, where
    /// no action runs: the panes then show its marker, output and watch as they did live).
    ActionStarted {
        run: u64,
        at: Instant,
        name: String,
        mitigation: bool,
    },
    /// Something the Prometheus poller learned.
    Prom(Box<crate::prom::types::PromMsg>),
    /// Something the Docker source learned about the container.
    Docker(Box<crate::docker::types::DockerMsg>),
    /// Something the group source learned: a Sentinel's round, a node's replication, an event.
    Group(Box<crate::collect::group::types::GroupEvent>),
}

/// What the incident log writer tells the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    /// An append failed: why, how many events wait in memory, how many were dropped.
    Failing {
        error: String,
        held: usize,
        dropped: u64,
    },
    /// Appends work again: the held events are written (late, with their own times).
    Recovered { written_late: usize, dropped: u64 },
}

impl LogStatus {
    /// The header's words, after `INCIDENT LOG NOT WRITTEN: `.
    pub fn failing_text(error: &str, held: usize, dropped: u64) -> String {
        let lost = if dropped > 0 {
            format!(", {dropped} dropped")
        } else {
            String::new()
        };
        format!("{error} ({held} events held, retrying{lost})")
    }
}

/// Which file the app wrote (or failed to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A message from the overlay.
    Message,
    /// The postmortem report (ctrl+r).
    Report,
}

impl From<PollEvent> for Msg {
    fn from(event: PollEvent) -> Self {
        match event {
            PollEvent::Link { target, at, event } => Msg::Link { target, at, event },
            PollEvent::Sample { target, sample } => Msg::Sample { target, sample },
        }
    }
}

impl From<crate::prom::types::PromMsg> for Msg {
    fn from(m: crate::prom::types::PromMsg) -> Self {
        Msg::Prom(Box::new(m))
    }
}

impl From<crate::collect::group::types::GroupEvent> for Msg {
    fn from(e: crate::collect::group::types::GroupEvent) -> Self {
        Msg::Group(Box::new(e))
    }
}

impl From<crate::docker::types::DockerMsg> for Msg {
    fn from(m: crate::docker::types::DockerMsg) -> Self {
        Msg::Docker(Box::new(m))
    }
}
