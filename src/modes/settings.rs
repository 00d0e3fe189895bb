//! The settings every mode runs with: plain values, validated by the config layer (flags, the
//! config file, the environment) before the terminal changes mode. Nothing here reads clap.

use std::path::PathBuf;
use std::time::Duration;

use crate::target::{PollSettings, Target, Thresholds};

/// What the program was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The dashboard.
    Tui,
    /// Print this text and exit 0 (completions, the man page, the shipped runbook or config,
    /// which files are in use): made by the config layer, which owns the clap definitions.
    Print(String),
    /// One sample, printed, then exit.
    Snapshot {
        /// JSON instead of text.
        json: bool,
    },
    /// The collector and model without a screen for `run_for`, then the own cost as JSON.
    Collect { run_for: Duration, print_view: bool },
    /// A `--record` file played back in the TUI; `speed` as given, checked by
    /// [`crate::record::Speed::parse`].
    Replay { file: PathBuf, speed: String },
    /// Health targets → exit code.
    Check,
    /// Throwaway redis-server with synthetic traffic.
    Demo,
    /// `drill list`, or a throwaway redis-server with one cause injected.
    Drill {
        /// The list or the scenario.
        choice: crate::modes::drill::DrillChoice,
        /// No TUI: a JSON line, then wait for a signal or stdin to close.
        headless: bool,
    },
    /// The fleet table from Prometheus (needs `--prometheus`).
    Fleet,
    /// One runbook action, headless.
    Action(ActionRequest),
    /// Markdown postmortem from an incident log.
    Report(crate::report::Request),
    /// The `ACL SETUSER` lines of the two users.
    Acl {
        monitor_user: String,
        operator_user: String,
    },
}

/// `redtriage action NAME [URL] [--yes] [--arg V] [--client-id N]…`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionRequest {
    /// Empty with `list`.
    pub name: String,
    pub yes: bool,
    pub arg: Option<String>,
    pub client_ids: Vec<u64>,
    pub list: bool,
}

/// Everything `run` needs, validated. `Debug` never shows the password.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)]
pub struct Settings {
    /// What to do.
    pub mode: Mode,
    /// `snapshot`/`check` `--window`: how long to sample for the rates (None: one interval).
    pub window: Option<std::time::Duration>,
    /// The Redis to watch (ignored by `demo`).
    pub target: Target,
    /// Poller cadence and limits.
    pub poll: PollSettings,
    /// Health thresholds (file only; validated).
    pub thresholds: Thresholds,
    /// False with `--no-color`, `NO_COLOR` or `no_color = true`.
    pub color: bool,
    /// `--read-only`: never run an action.
    pub read_only: bool,
    /// `--askpass`: `main` prompts for the password (see `config::ask_password`).
    pub askpass: bool,
    /// Printed to stderr by `main` before anything else (password warning, clamped values).
    pub warnings: Vec<String>,
    /// The runbook (validated).
    pub runbook: crate::runbook::spec::Runbook,
    /// Where the incident log goes; None when no home/data dir is known.
    pub log_path: Option<PathBuf>,
    /// `--prometheus` and friends, or the config's `[prometheus]`.
    pub prometheus: Option<crate::prom::settings::PromSettings>,
    /// Communication templates (`--templates DIR`, the config dir's, or the shipped ones).
    pub templates: crate::model::comms::Templates,
    /// `--record FILE` (dashboard, demo, collect).
    pub record: Option<PathBuf>,
    /// The Docker source (`--container`, `--compose-service`, or by port for a local target).
    pub docker: Option<crate::docker::types::DockerSettings>,
    /// `--sentinel` and friends, the config's `[sentinel]`, or a `redis+sentinel://` URL.
    pub sentinel: Option<SentinelSettings>,
    /// `-c`/`--cluster`: the target must be a Redis Cluster node.
    pub cluster: bool,
}

/// Where the Sentinels are and how to talk to them.
#[derive(Debug, Clone, PartialEq)]
pub struct SentinelSettings {
    pub addrs: Vec<crate::collect::group::types::NodeAddr>,
    /// The master name (None: the only one a Sentinel monitors, or picked from its list).
    pub master_name: Option<String>,
    /// Sentinel's credentials and TLS (the address is each Sentinel's).
    pub auth: crate::target::Target,
    /// `--sentinel-askpass`: `main` prompts for the password.
    pub askpass: bool,
}
