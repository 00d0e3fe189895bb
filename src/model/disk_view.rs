//! The disk of the server's `dir` (cause E's "check disk usage"), as the persistence pane and
//! the health table show it.

use super::instance::Instance;
use super::view::{DiskView, HealthItem, Verdict};
use crate::target::Thresholds;

impl Instance {
    /// The last disk reading, judged; `None` when redtriage cannot see the server's disk (a
    /// remote server, or CONFIG did not say where its dir is).
    pub(super) fn disk_view(&self, th: &Thresholds) -> Option<DiskView> {
        let (_, read) = self.disk.as_ref()?;
        Some(match read {
            Ok(f) => DiskView {
                used_percent: Some(f.used_percent),
                free_bytes: Some(f.usage.free_bytes),
                total_bytes: Some(f.usage.total_bytes),
                error: None,
                verdict: judge(f.used_percent, th),
            },
            Err(e) => DiskView {
                used_percent: None,
                free_bytes: None,
                total_bytes: None,
                error: Some(e.clone()),
                verdict: Verdict::Unknown,
            },
        })
    }
}

fn judge(used: f64, th: &Thresholds) -> Verdict {
    if used >= th.disk_crit_percent {
        Verdict::Crit
    } else if used >= th.disk_warn_percent {
        Verdict::Warn
    } else {
        Verdict::Ok
    }
}

/// The health table's `disk` row.
pub fn health_item(d: &DiskView, th: &Thresholds) -> HealthItem {
    HealthItem {
        name: "disk",
        verdict: d.verdict,
        value: match (d.used_percent, &d.error) {
            (Some(p), _) => format!("{p:.1}% used"),
            (None, Some(e)) => format!("unreadable ({e})"),
            (None, None) => "no data".into(),
        },
        target: format!(
            "warn ≥{:.0}%, crit ≥{:.0}% used (the filesystem of the server's dir)",
            th.disk_warn_percent, th.disk_crit_percent
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judged_against_the_thresholds() {
        let th = Thresholds::default();
        assert_eq!(judge(89.9, &th), Verdict::Ok);
        assert_eq!(judge(90.0, &th), Verdict::Warn);
        assert_eq!(judge(95.0, &th), Verdict::Crit);
    }
}
