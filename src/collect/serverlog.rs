//! The Redis server's own log file, read when the server does not answer: a server that refuses
//! to start (damaged AOF, unreadable RDB, out of memory) only says why there. The runbook's
//! "check logs for crash" step, done for the engineer. Only the tail of the file is read (at
//! most [`TAIL_BYTES`]), and only the lines of the latest start attempt count.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Bytes read from the end of the log.
pub const TAIL_BYTES: u64 = 64 * 1024;
/// Findings kept (the newest).
const KEEP: usize = 6;
/// Longest line kept, in bytes before escaping.
const LINE_MAX: usize = 300;

/// What a log line says, by the runbook cause it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// The AOF could not be read or opened (cause E).
    Aof,
    /// The RDB could not be loaded or saved (cause E).
    Rdb,
    /// Disk full or a write error (cause E).
    Disk,
    /// Out of memory (cause B).
    Oom,
    /// A crash report or a fatal signal (cause A).
    Crash,
}

/// One line of the log that explains something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFinding {
    pub kind: LogKind,
    /// The line, escaped, cut to [`LINE_MAX`] bytes.
    pub line: String,
}

/// Lines that mark the start of a new server process.
const START_MARKERS: &[&str] = &["oO0OoO0OoO0Oo Redis is starting", "Redis version="];

/// Substrings (lower case) and the kind they mean; the first match wins.
const PATTERNS: &[(&str, LogKind)] = &[
    ("reading the append only file", LogKind::Aof),
    ("append only file", LogKind::Aof),
    ("append-only file", LogKind::Aof),
    ("append log file", LogKind::Aof),
    ("aof manifest", LogKind::Aof),
    ("loading the db", LogKind::Rdb),
    ("trying to load db", LogKind::Rdb),
    ("short read", LogKind::Rdb),
    ("background saving error", LogKind::Rdb),
    ("background saving terminated by signal", LogKind::Rdb),
    ("failed opening the temp rdb", LogKind::Disk),
    ("write error saving db", LogKind::Disk),
    ("no space left on device", LogKind::Disk),
    ("out of memory", LogKind::Oom),
    ("can't allocate", LogKind::Oom),
    ("redis bug report", LogKind::Crash),
    ("crashed by signal", LogKind::Crash),
    ("segmentation fault", LogKind::Crash),
    ("assertion failed", LogKind::Crash),
];

/// Lines that look alarming but are not (a clean start or shutdown).
const BENIGN: &[&str] = &["done loading", "ready to accept", "db loaded from"];

/// Findings in `text` (the tail of a log): only lines after the last start marker. Lines are
/// bytes to the end: an invalid UTF-8 byte is escaped as itself (`\xff`), not as U+FFFD.
pub fn scan(text: &[u8]) -> Vec<LogFinding> {
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let start = lines
        .iter()
        .rposition(|l| START_MARKERS.iter().any(|m| has(l, m.as_bytes())))
        .unwrap_or(0);
    let mut out: Vec<LogFinding> = lines[start..].iter().filter_map(|l| classify(l)).collect();
    if out.len() > KEEP {
        out.drain(..out.len() - KEEP);
    }
    out
}

/// [`scan`] of lines already escaped (a container's log, as the Docker source keeps it).
pub fn scan_escaped(lines: &[String]) -> Vec<LogFinding> {
    let start = lines
        .iter()
        .rposition(|l| START_MARKERS.iter().any(|m| l.contains(m)))
        .unwrap_or(0);
    let mut out: Vec<LogFinding> = (lines[start..].iter())
        .filter_map(|l| {
            let lower = l.to_ascii_lowercase();
            if BENIGN.iter().any(|b| lower.contains(b)) {
                return None;
            }
            let kind = PATTERNS
                .iter()
                .find(|(p, _)| lower.contains(p))
                .map(|(_, k)| *k)?;
            let mut line = l.trim().to_string();
            if line.len() > LINE_MAX {
                let mut cut = LINE_MAX;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
            }
            Some(LogFinding { kind, line })
        })
        .collect();
    if out.len() > KEEP {
        out.drain(..out.len() - KEEP);
    }
    out
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn classify(line: &[u8]) -> Option<LogFinding> {
    let lower = line.to_ascii_lowercase();
    if BENIGN.iter().any(|b| has(&lower, b.as_bytes())) {
        return None;
    }
    let kind = PATTERNS
        .iter()
        .find(|(p, _)| has(&lower, p.as_bytes()))
        .map(|(_, k)| *k)?;
    let cut = &line[..line.len().min(LINE_MAX)];
    Some(LogFinding {
        kind,
        line: crate::escape::plain(cut.trim_ascii()),
    })
}

/// Reads the tail of `path` and scans it (blocking; run it off the async threads).
pub fn read_tail(path: &Path) -> std::io::Result<Vec<LogFinding>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES)))?;
    let mut buf = Vec::with_capacity(usize::try_from(TAIL_BYTES).unwrap_or(65_536));
    f.take(TAIL_BYTES).read_to_end(&mut buf)?;
    Ok(scan(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
1:C 25 Nov 2026 10:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
1:M 25 Nov 2026 10:00:00.100 # Short read or OOM loading DB. Unrecoverable error, aborting now.
1:C 25 Nov 2026 10:01:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
1:M 25 Nov 2026 10:01:00.100 * DB loaded from append only file: 0.000 seconds
1:M 25 Nov 2026 10:01:00.200 # Bad file format reading the append only file appendonly.aof.1.incr.aof, make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>
";

    #[test]
    fn only_the_latest_start_counts() {
        let f = scan(LOG.as_bytes());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, LogKind::Aof);
        assert!(f[0].line.contains("Bad file format"));
    }

    #[test]
    fn hostile_bytes_are_escaped() {
        let f = scan(b"x # Out of memory \x1b]0;pwn\x07 allocating\n");
        assert_eq!(f[0].kind, LogKind::Oom);
        assert!(f[0].line.bytes().all(|b| (0x20..=0x7e).contains(&b)));
        assert!(f[0].line.contains("\\x1b"));
    }

    #[test]
    fn invalid_utf8_is_escaped_as_the_bytes_it_is() {
        let f = scan(b"x # Out of memory \xff\xfe\xc3( \xe2\x80\xae\r\n");
        assert_eq!(f[0].line, r"x # Out of memory \xff\xfe\xc3( \xe2\x80\xae");
    }

    #[test]
    fn crash_report_and_clean_log() {
        let f = scan(b"a\n=== REDIS BUG REPORT START: Cut & paste ===\n");
        assert_eq!(f[0].kind, LogKind::Crash);
        assert!(scan(b"* Ready to accept connections tcp\n").is_empty());
    }

    #[test]
    fn reads_only_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("redis.log");
        let mut text = "# Background saving error\n".to_string();
        text.push_str(&"* filler line\n".repeat(10_000));
        text.push_str("# Can't open the append-only file: Permission denied\n");
        std::fs::write(&p, text).unwrap();
        let f = read_tail(&p).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, LogKind::Aof);
    }
}
