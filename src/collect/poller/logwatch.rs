//! Which Redis log file to read while the server does not answer, and when; and the data
//! directory whose disk the persistence pane shows. Both only for a server on this machine.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::collect::serverlog::{self, LogFinding};
use crate::collect::types::ConfigValues;
use crate::target::Target;

/// A log is read at most this often while the server is down.
const EVERY: Duration = Duration::from_secs(2);

/// The log path (from `--server-log`, else learned from `CONFIG GET logfile dir` of a local
/// server) and the last read.
#[derive(Debug, Default)]
pub struct LogWatch {
    /// Set by `--server-log`: never replaced by what CONFIG says.
    given: Option<PathBuf>,
    learned: Option<PathBuf>,
    /// From what is known without asking the server (remembered, its config file), used
    /// until CONFIG says.
    known: Option<PathBuf>,
    last_read: Option<Instant>,
    /// The server's `dir`, as the server spells it (printable UTF-8 only).
    data_dir: Option<PathBuf>,
}

impl LogWatch {
    pub fn new(given: Option<PathBuf>) -> Self {
        Self {
            given,
            ..Self::default()
        }
    }

    /// Learns the log path from CONFIG, for a server on this machine only (a remote server's
    /// path means nothing here).
    pub fn learn(&mut self, target: &Target, cfg: &ConfigValues) {
        if !target.is_local() {
            return;
        }
        // CONFIG values are kept escaped: the server's own text, when it is printable.
        let real = |key: &str| {
            (cfg.get(key).filter(|v| !v.is_empty())).and_then(crate::escape::original_text)
        };
        self.data_dir = real("dir").map(PathBuf::from);
        let Some(file) = real("logfile") else {
            self.learned = None;
            return;
        };
        let mut p = PathBuf::from(file);
        if p.is_relative()
            && let Some(dir) = &self.data_dir
        {
            p = dir.join(p);
        }
        self.learned = Some(p);
    }

    /// The log path from what is known of a server on this machine that has not answered
    /// (`logfile`, relative to `dir`).
    pub fn know(&mut self, target: &Target, known: &crate::collect::known::Known) {
        if !target.is_local() {
            return;
        }
        self.known = known
            .get("logfile")
            .filter(|f| !f.is_empty())
            .and_then(|f| {
                let p = PathBuf::from(f);
                if p.is_absolute() {
                    return Some(p);
                }
                known.get("dir").map(|d| PathBuf::from(d).join(p))
            });
    }

    /// The server's data directory, when it is on this machine and CONFIG said where.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// Reads the log when one is known and the last read is old enough.
    pub async fn due_read(&mut self, now: Instant) -> Option<Vec<LogFinding>> {
        let path = (self.given.clone())
            .or_else(|| self.learned.clone())
            .or_else(|| self.known.clone())?;
        if self
            .last_read
            .is_some_and(|t| now.saturating_duration_since(t) < EVERY)
        {
            return None;
        }
        self.last_read = Some(now);
        let read = tokio::task::spawn_blocking(move || serverlog::read_tail(&path));
        match tokio::time::timeout(Duration::from_secs(1), read).await {
            Ok(Ok(Ok(found))) => Some(found),
            _ => None,
        }
    }
}
