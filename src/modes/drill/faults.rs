//! Process- and file-level pieces of the faults: INFO fields, the BGSAVE child's pid, the AOF
//! damaged in the middle.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use color_eyre::eyre::{WrapErr, eyre};
use redis::aio::MultiplexedConnection;

/// `field` from `INFO section`, if the server answers and has it.
pub async fn info_field(
    conn: &mut MultiplexedConnection,
    section: &str,
    field: &str,
) -> Option<String> {
    let text: String = redis::cmd("INFO")
        .arg(section)
        .query_async(conn)
        .await
        .ok()?;
    text.lines()
        .filter_map(|l| l.trim_end().split_once(':'))
        .find(|(k, _)| *k == field)
        .map(|(_, v)| v.to_owned())
}

/// Polls `INFO section` every 50 ms until `field` satisfies `ok`, `limit` at most.
pub async fn wait_info(
    conn: &mut MultiplexedConnection,
    (section, field): (&str, &str),
    ok: impl Fn(&str) -> bool,
    limit: Duration,
) -> color_eyre::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if info_field(conn, section, field)
            .await
            .is_some_and(|v| ok(&v))
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(eyre!("INFO {section} {field} did not change as expected"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The pids whose parent is `parent` (a scan of /proc, Linux only).
pub fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect()
}

/// The ppid from `/proc/PID/stat` (after the `(comm)` field, which may hold spaces).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Sends SIGKILL to `pid`.
pub fn kill9(pid: i32) {
    // SAFETY: plain kill(2); the pid is a child of our own redis-server.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// The `*.incr.aof` file(s) of a stopped server with AOF on (Redis 7's `appendonlydir`), or
/// the single `appendonly.aof` of older versions; the largest one.
pub fn aof_file(dir: &Path) -> color_eyre::Result<PathBuf> {
    let aofdir = dir.join("appendonlydir");
    let candidates: Vec<PathBuf> = match std::fs::read_dir(&aofdir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".incr.aof"))
            .collect(),
        Err(_) => vec![dir.join("appendonly.aof")],
    };
    candidates
        .into_iter()
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .ok_or_else(|| eyre!("no AOF file in {}", dir.display()))
}

/// Damages the AOF in the middle: the `*` that starts a command after the half-way point
/// becomes `!`, which Redis rejects on load ("Bad file format reading the append only file")
/// whatever `aof-load-truncated` says (that only forgives a cut-off tail).
pub fn corrupt_middle(path: &Path) -> color_eyre::Result<()> {
    let mut data = std::fs::read(path).wrap_err("reading the AOF")?;
    let at = damage_point(&data).ok_or_else(|| {
        eyre!(
            "AOF {} has no command after its middle to damage",
            path.display()
        )
    })?;
    data[at] = b'!';
    std::fs::write(path, &data).wrap_err("writing the damaged AOF")
}

/// Index of the first `*` starting a line after the middle of `data`, with more data after it.
fn damage_point(data: &[u8]) -> Option<usize> {
    let mid = data.len() / 2;
    let off = data.get(mid..)?.windows(3).position(|w| w == b"\r\n*")?;
    let at = mid + off + 2;
    (at + 1 < data.len()).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_point_is_a_command_start_after_the_middle() {
        let aof = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\nd\r\n";
        let at = damage_point(aof).expect("a point");
        assert!(at >= aof.len() / 2);
        assert_eq!(aof[at], b'*');
        assert_eq!(&aof[at - 2..at], b"\r\n");
        assert_eq!(damage_point(b"*1\r\n$4\r\nPING\r\n"), None);
    }

    #[test]
    fn parent_of_self_is_our_parent() {
        let me = i32::try_from(std::process::id()).expect("pid");
        // SAFETY: getppid has no preconditions.
        let ppid = unsafe { libc::getppid() };
        assert_eq!(parent_of(me), Some(ppid));
    }
}
