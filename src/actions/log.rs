//! The incident log: append-only JSONL, one event per line, in the data dir
//! (`$XDG_DATA_HOME/redtriage/incident-log.jsonl`, else `~/.local/share/redtriage/…`).
//! Strings in it are already escaped; passwords never reach it (targets are masked).

use crate::model::log_event::LogEvent;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

/// Default log path.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_DATA_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("redtriage").join("incident-log.jsonl"))
}

/// Mode of a new incident log or recording: they name keys, clients and hosts, so only the
/// user who ran redtriage reads them (an existing file keeps its mode).
pub const PRIVATE: u32 = 0o600;

/// Who runs redtriage, for the log's `user`: `$USER`, else `$LOGNAME` (escaped), else the
/// uid (a container's root often has neither variable).
pub fn user() -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let named = ["USER", "LOGNAME"]
        .into_iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
    named.map(|u| crate::escape::plain_str(&u)).or_else(|| {
        std::fs::metadata("/proc/self")
            .ok()
            .map(|m| format!("uid {}", m.uid()))
    })
}

/// Appends one event (creating the directory); errors are returned for the header to show.
pub fn append(path: &Path, ev: &LogEvent) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut line = serde_json::to_string(ev).map_err(|e| e.to_string())?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(PRIVATE)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let start = f.metadata().map(|m| m.len()).ok();
    f.write_all(line.as_bytes()).map_err(|e| {
        cut_torn_line(&f, start, line.len());
        format!("{}: {e}", path.display())
    })
}

/// After a short write (disk full, file size limit) the file ends in half a line that the
/// next append would glue to its event, losing both: cut it back to where it was, unless it
/// grew by a whole line or more (another writer appended meanwhile; leave theirs alone).
fn cut_torn_line(f: &std::fs::File, start: Option<u64>, len: usize) {
    let (Some(start), Ok(now)) = (start, f.metadata().map(|m| m.len())) else {
        return;
    };
    let written = now.saturating_sub(start);
    if written > 0 && written < len as u64 {
        let _ = f.set_len(start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn appends_lines() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a/b/log.jsonl");
        let ev = LogEvent::new(
            UNIX_EPOCH,
            "redis://x:****@h:1",
            "state",
            "UP → DOWN".into(),
        );
        append(&p, &ev).expect("append");
        append(&p, &ev).expect("append");
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("\"kind\":\"state\""));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&p).expect("stat").permissions(),
        );
        assert_eq!(
            mode & 0o777,
            PRIVATE,
            "a new log is readable by its owner only"
        );
    }

    #[test]
    fn a_torn_line_is_cut_and_a_whole_foreign_line_is_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("log.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":").expect("write");
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .expect("open");
        cut_torn_line(&f, Some(8), 10);
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "{\"a\":1}\n");
        std::fs::write(&p, "{\"a\":1}\n{\"other\":2}\n").expect("write");
        cut_torn_line(&f, Some(8), 10);
        assert_eq!(
            std::fs::read_to_string(&p).expect("read").lines().count(),
            2
        );
    }
}
