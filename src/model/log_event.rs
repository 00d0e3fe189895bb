//! One line of the incident log, as the model makes it (the action runners' log writer appends
//! it to the file; the postmortem report reads it back).

use std::time::SystemTime;

use serde::Serialize;

use crate::format::rfc3339;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEvent {
    /// RFC 3339 UTC time.
    pub time: String,
    /// Masked target URL.
    pub target: String,
    /// `session`, `state`, `health`, `figures`, `diagnosis`, `action_start`, `action_end`,
    /// `watch`, `action_cancel` (who asked), `log` (the writer's own note after the log could
    /// not be written for a while).
    pub kind: &'static str,
    /// Who ran it (`$USER`), for actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Action name, for actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// What happened, in words (`UP → DOWN (refused)`, the command lines…).
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// First lines of the output (escaped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
    /// Figures (`figures`) or the ranked causes (`diagnosis`), for the postmortem report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl LogEvent {
    pub fn new(at: SystemTime, target: &str, kind: &'static str, detail: String) -> Self {
        Self {
            time: rfc3339(at),
            target: target.to_string(),
            kind,
            user: None,
            action: None,
            detail,
            exit_code: None,
            duration_ms: None,
            output: Vec::new(),
            data: None,
        }
    }
}
