//! `--record FILE` and `redtriage replay FILE`: every message the model consumed from the
//! pollers and the clock, written as JSONL ([`format`]) off the UI path ([`writer`]), and played
//! back through the same `update` at any speed ([`reader`], [`feed`], [`replay`]), so an
//! incident can be reviewed or taught after the fact with the panes the live run showed.

pub mod feed;
pub mod format;
pub mod group;
pub mod reader;
pub mod writer;

pub use feed::Speed;
pub use writer::Recorder;

/// Opens the recorder for `--record`, if given, timed from the state's start. On error the
/// message (quoting the path) is for stderr, before the terminal changes mode.
pub fn start(
    path: Option<&std::path::Path>,
    state: &crate::model::state::State,
) -> Result<Option<Recorder>, String> {
    path.map(|p| {
        let group = state.group.as_deref();
        Recorder::create(p, state.now, &state.targets, &state.thresholds, group)
    })
    .transpose()
}

/// The header badge for a recording that stopped.
pub fn stopped_badge(recorder: Option<&Recorder>) -> Option<String> {
    recorder
        .and_then(Recorder::error)
        .map(|e| format!("RECORDING STOPPED: {e}"))
}
