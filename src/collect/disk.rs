//! The runbook's "check disk usage" (cause E): the filesystem holding the server's `dir`
//! (CONFIG GET), for a server on this machine only, read with statvfs(2) off the async
//! threads and with a time limit (a hung network filesystem must not hold the poller).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Space on the filesystem of the server's `dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskUsage {
    pub total_bytes: u64,
    /// What an unprivileged process may still write (`f_bavail`): Redis runs as its own user.
    pub free_bytes: u64,
}

impl DiskUsage {
    /// Used, as `df` counts it: (total − free for everyone) / (used + free for users).
    pub fn used_percent(&self, free_all: u64) -> f64 {
        let used = self.total_bytes.saturating_sub(free_all);
        let base = used + self.free_bytes;
        if base == 0 {
            0.0
        } else {
            used as f64 * 100.0 / base as f64
        }
    }
}

/// What [`usage`] read, with `df`'s used percentage already worked out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiskFigures {
    pub usage: DiskUsage,
    pub used_percent: f64,
}

/// statvfs(2) of `path`.
pub fn statvfs(path: &Path) -> std::io::Result<DiskFigures> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    // SAFETY: an all-zero statvfs is a valid value of this plain C struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid out-pointer for the call.
    if unsafe { libc::statvfs(c.as_ptr(), &raw mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // 64-bit Linux: the block counts and the fragment size are all u64.
    let frsize = st.f_frsize.max(1);
    let usage = DiskUsage {
        total_bytes: st.f_blocks.saturating_mul(frsize),
        free_bytes: st.f_bavail.saturating_mul(frsize),
    };
    let free_all = st.f_bfree.saturating_mul(frsize);
    Ok(DiskFigures {
        usage,
        used_percent: usage.used_percent(free_all),
    })
}

/// Reads the usage of `dir` on a blocking thread; `Err` with the reason when it fails or
/// takes longer than `limit`; `None` when there is no such directory here: the server runs
/// in a container (a published port looks local) or another mount namespace.
pub async fn usage(dir: PathBuf, limit: Duration) -> Option<Result<DiskFigures, String>> {
    let shown = crate::escape::plain_str(&dir.display().to_string());
    let read = tokio::task::spawn_blocking(move || statvfs(&dir));
    Some(match tokio::time::timeout(limit, read).await {
        Ok(Ok(Ok(f))) => Ok(f),
        Ok(Ok(Err(e))) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Ok(Ok(Err(e))) => Err(format!("{shown}: {e}")),
        Ok(Err(e)) => Err(format!("{shown}: {e}")),
        Err(_) => Err(format!("{shown}: no answer in {limit:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_percent_counts_like_df() {
        // 100 blocks, 30 free for all, 20 of them for users: df says 70 / (70 + 20).
        let u = DiskUsage {
            total_bytes: 100,
            free_bytes: 20,
        };
        assert!((u.used_percent(30) - 77.777).abs() < 0.01);
        let empty = DiskUsage {
            total_bytes: 0,
            free_bytes: 0,
        };
        assert!(empty.used_percent(0).abs() < f64::EPSILON);
    }

    #[tokio::test]
    async fn a_dir_that_is_not_here_is_no_reading_and_one_that_is_has_figures() {
        let gone = PathBuf::from("/nonexistent/redtriage");
        assert_eq!(usage(gone, Duration::from_secs(5)).await, None);
        let here = usage(std::env::temp_dir(), Duration::from_secs(5)).await;
        let f = here.expect("a reading").expect("figures");
        assert!(f.usage.total_bytes > 0 && (0.0..=100.0).contains(&f.used_percent));
    }
}
