//! What the Docker source sends: owned, escaped figures about one container.

use std::time::{Duration, Instant, SystemTime};

/// How the container is chosen (flags `--container`, `--compose-service`, or the target's port).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DockerSettings {
    /// `--container NAME`: this container (name or id).
    pub container: Option<String>,
    /// `--compose-service SVC`: the container labelled `com.docker.compose.service=SVC`.
    pub compose_service: Option<String>,
    /// The target's TCP port, when the target is on this host (loopback): the container
    /// publishing it.
    pub port: Option<u16>,
    /// Time between inspections (2 s).
    pub interval: Duration,
    /// Timeout around every Engine API call.
    pub timeout: Duration,
}

impl DockerSettings {
    /// Is there any way to find a container?
    pub fn enabled(&self) -> bool {
        self.container.is_some() || self.compose_service.is_some() || self.port.is_some()
    }
}

/// The container's state as the Engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Created,
    Running,
    Restarting,
    Exited,
    Paused,
    Dead,
    Removing,
    #[default]
    Unknown,
}

impl RunState {
    pub fn word(self) -> &'static str {
        match self {
            RunState::Created => "created",
            RunState::Running => "running",
            RunState::Restarting => "restarting",
            RunState::Exited => "exited",
            RunState::Paused => "paused",
            RunState::Dead => "dead",
            RunState::Removing => "removing",
            RunState::Unknown => "unknown",
        }
    }

    /// From the Engine's status word.
    pub fn parse(s: &str) -> Self {
        match s {
            "created" => RunState::Created,
            "running" => RunState::Running,
            "restarting" => RunState::Restarting,
            "exited" => RunState::Exited,
            "paused" => RunState::Paused,
            "dead" => RunState::Dead,
            "removing" => RunState::Removing,
            _ => RunState::Unknown,
        }
    }
}

/// One inspection (plus one-shot stats) of the followed container. Strings are escaped.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    pub state: RunState,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// Restarts done by the restart policy (`RestartCount`).
    pub restart_count: i64,
    /// RFC 3339, as the Engine gives it.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// `healthy`, `unhealthy`, `starting`; None without a health check.
    pub health: Option<String>,
    pub failing_streak: Option<i64>,
    /// `HostConfig.Memory`, bytes; None = no limit.
    pub mem_limit: Option<u64>,
    /// Memory in use (stats, page cache excluded), bytes; None when not running.
    pub mem_usage: Option<u64>,
    /// CPU over the last interval, percent of one CPU.
    pub cpu_percent: Option<f64>,
    /// `com.docker.compose.service` / `com.docker.compose.project` labels.
    pub compose_service: Option<String>,
    pub compose_project: Option<String>,
    /// The server's command line (`Config.Entrypoint` then `Config.Cmd`), unescaped: only
    /// arguments that are printable UTF-8 are kept, each as it is (they may name paths the
    /// actions are given); an argument that is not is left out with all after it. Never
    /// serialized: it may hold `--requirepass`.
    #[serde(skip)]
    pub command: Vec<String>,
    /// `Config.WorkingDir` (Redis's `dir` when neither its arguments nor its config file say
    /// otherwise), when printable.
    #[serde(skip)]
    pub working_dir: Option<String>,
}

/// One Docker event for the followed container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContainerEvent {
    /// `die`, `oom`, `kill`, `restart`, `start`, `stop`, `health_status: unhealthy`…
    pub action: String,
    /// The event in words (`die (exit code 137)`), escaped.
    pub text: String,
}

/// What the Docker source learned.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerEvent {
    /// The Engine cannot be reached: why, in words.
    Unavailable(String),
    /// The Engine answers but no container matches: why.
    NotFound(String),
    /// The followed container, inspected now.
    Inspected(Box<ContainerInfo>),
    /// The last lines of its log, escaped, oldest first.
    Logs(Vec<String>),
    /// Something happened to it.
    Event(ContainerEvent),
}

/// A Docker event with the time it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerMsg {
    pub at: Instant,
    pub wall: SystemTime,
    pub event: DockerEvent,
}
