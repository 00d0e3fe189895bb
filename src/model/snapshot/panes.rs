//! The six panes of the [`super::Snapshot`]: memory, hit rate, errors, slowlog (with the
//! slowest commands) and persistence, each from the instance at `now`.

use std::time::{Duration, Instant};

use super::ViewOptions;
use crate::model::health;
use crate::model::instance::Instance;
use crate::model::view::{
    DiskView, ErrorRate, ErrorsPane, HitRatePane, MemoryPane, PaneStatus, PersistencePane,
    SlowCommand, SlowlogPane, SlowlogRow, Verdict,
};

impl Instance {
    pub(super) fn memory_pane(&self, now: Instant, opts: ViewOptions<'_>) -> MemoryPane {
        let info = self.info.as_ref();
        let used = info.and_then(|i| i.used_memory);
        let max = self.maxmemory();
        let used_percent = match (used, max) {
            (Some(u), Some(m)) if m > 0 => Some(u as f64 * 100.0 / m as f64),
            _ => None,
        };
        let policy = self
            .config
            .value
            .as_ref()
            .and_then(|c| c.get("maxmemory-policy").map(str::to_string))
            .or_else(|| info.and_then(|i| i.maxmemory_policy.clone()));
        MemoryPane {
            status: self.info_status(now),
            used_bytes: used,
            max_bytes: max,
            used_percent,
            rss_bytes: info.and_then(|i| i.used_memory_rss),
            peak_bytes: info.and_then(|i| i.used_memory_peak),
            fragmentation_ratio: info.and_then(|i| i.mem_fragmentation_ratio),
            evictions_per_sec: self.rates.evictions,
            policy,
            verdict: health::memory(used, max, opts.thresholds).verdict,
            spark: self
                .mem_hist
                .tail_u64(opts.spark_len)
                .into_iter()
                .map(|kib| kib * 1024)
                .collect(),
            spark_backfilled: self.mem_hist.backfilled_in_tail(opts.spark_len),
        }
    }

    pub(super) fn hit_rate_pane(&self, now: Instant, opts: ViewOptions<'_>) -> HitRatePane {
        let w = |s| self.hit_rate_over(now, Duration::from_secs(s));
        let m1 = w(60);
        let th = opts.thresholds;
        HitRatePane {
            status: self.info_status(now),
            now_percent: w(10).map(|r| r.0),
            m1_percent: m1.map(|r| r.0),
            m5_percent: w(300).map(|r| r.0),
            lookups_per_sec: w(10).map(|r| r.1),
            target_percent: th.hit_rate_target_percent,
            verdict: health::hit_rate(m1.map(|r| r.0), Some(0.0), None, th).verdict,
            spark: self.hit_hist.tail_u64(opts.spark_len),
            spark_backfilled: self.hit_hist.backfilled_in_tail(opts.spark_len),
            keys: self.keys_peak(now).map(|k| k.0),
            keys_peak: self
                .keys_peak(now)
                .filter(|(keys, peak, _)| peak > keys)
                .map(|(_, keys, ago)| crate::model::view::KeysPeak {
                    keys,
                    ago_secs: ago.as_secs(),
                }),
        }
    }

    pub(super) fn errors_pane(&self, now: Instant, opts: ViewOptions<'_>) -> ErrorsPane {
        let stats = self.ping_stats();
        let mut by_kind: Vec<ErrorRate> = self
            .info
            .as_ref()
            .map(|i| {
                i.errorstats
                    .iter()
                    .map(|(k, total)| ErrorRate {
                        kind: k.clone(),
                        total: *total,
                        per_sec: self.rates.errorstats.get(k).copied(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        by_kind.sort_by(|a, b| {
            b.per_sec
                .unwrap_or(0.0)
                .total_cmp(&a.per_sec.unwrap_or(0.0))
                .then(b.total.cmp(&a.total))
        });
        let threshold = self
            .config
            .value
            .as_ref()
            .and_then(|c| c.get_u64("latency-monitor-threshold"));
        ErrorsPane {
            status: self.info_status(now),
            errors_per_sec: self.rates.errors,
            by_kind,
            ping_p50_us: stats.map(|s| s.0),
            ping_p99_us: stats.map(|s| s.1),
            ping_max_us: stats.map(|s| s.2),
            ping_last_us: self.ping_hist.last().map(|&us| u64::from(us)),
            latency_verdict: health::latency(stats.map(|s| s.0), opts.thresholds).verdict,
            verdict: Verdict::Unknown,
            spark: self.ping_hist.tail_u64(opts.spark_len),
            latency_events: self.latency.value.clone().unwrap_or_default(),
            latency_status: self.slot_status(now, "LATENCY", self.latency.error.as_ref()),
            latency_monitor_threshold_ms: threshold,
        }
    }

    pub(super) fn slowlog_pane(&self, now: Instant) -> SlowlogPane {
        let wall = self.wall_now(now);
        let entries = self
            .slowlog
            .iter()
            .map(|e| SlowlogRow {
                id: e.id,
                age_secs: wall.map_or(0, |w| w.saturating_sub(e.timestamp)),
                duration_us: e.duration_us,
                args: e.args.join(" "),
                client: [e.client_addr.as_str(), e.client_name.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
        // Not counting redtriage's own entries (with `slowlog-log-slower-than 0` its polls
        // alone would make a few hundred a minute).
        let new_per_min = match (self.slowlog_ids.front(), self.slowlog_ids.back()) {
            (Some((t0, id0, own0)), Some((t1, id1, own1))) if t1 > t0 => {
                let mins = t1.saturating_duration_since(*t0).as_secs_f64() / 60.0;
                let foreign = id1.saturating_sub(*id0).saturating_sub(own1 - own0);
                Some(foreign as f64 / mins)
            }
            _ => None,
        };
        let status = self.slot_status(now, "SLOWLOG", self.slowlog_error.as_ref());
        let by_commandstats = if matches!(status, PaneStatus::Unavailable { .. }) {
            self.slowest_commands()
        } else {
            Vec::new()
        };
        SlowlogPane {
            status,
            by_commandstats,
            entries,
            length: self.slowlog_len.value,
            new_per_min,
            threshold_us: self
                .config
                .value
                .as_ref()
                .and_then(|c| c.get_i64("slowlog-log-slower-than")),
        }
    }

    /// The commands with the highest mean time per call (`INFO commandstats`), slowest first.
    pub(super) fn slowest_commands(&self) -> Vec<SlowCommand> {
        const SHOWN: usize = 8;
        let Some(stats) = &self.commandstats.value else {
            return Vec::new();
        };
        let mut rows: Vec<SlowCommand> = stats
            .iter()
            .filter(|(_, s)| s.calls > 0)
            .map(|(name, s)| SlowCommand {
                command: name.clone(),
                calls: s.calls,
                usec_per_call: s.usec as f64 / s.calls as f64,
            })
            .collect();
        rows.sort_by(|a, b| b.usec_per_call.total_cmp(&a.usec_per_call));
        rows.truncate(SHOWN);
        rows
    }

    pub(super) fn persistence_pane(&self, now: Instant, disk: Option<DiskView>) -> PersistencePane {
        let Some(i) = self.info.as_ref() else {
            return PersistencePane {
                status: self.info_status(now),
                ..PersistencePane::default()
            };
        };
        let wall = self.wall_now(now);
        let bgsave_err = i.rdb_last_bgsave_status.as_deref() == Some("err");
        // Redis refuses writes after a failed BGSAVE only with a save point and
        // `stop-writes-on-bgsave-error yes` (the defaults): with CONFIG saying otherwise the
        // writes go through, and saying "blocked" would send the user the wrong way.
        let config = self.config.value.as_ref();
        let stops = config.is_none_or(|c| {
            c.get("save").is_none_or(|s| !s.trim().is_empty())
                && c.get("stop-writes-on-bgsave-error") != Some("no")
        });
        let misconf = bgsave_err && stops;
        let aof_err = i.aof_last_write_status.as_deref() == Some("err")
            || i.aof_last_bgrewrite_status.as_deref() == Some("err");
        let verdict = if bgsave_err || aof_err {
            Verdict::Crit
        } else if i.aof_delayed_fsync.unwrap_or(0) > 0 {
            Verdict::Warn
        } else {
            Verdict::Ok
        };
        let verdict = match disk.as_ref().map(|d| d.verdict) {
            Some(v @ (Verdict::Warn | Verdict::Crit)) => verdict.max(v),
            _ => verdict,
        };
        PersistencePane {
            status: self.info_status(now),
            rdb_last_save_age_secs: match (wall, i.rdb_last_save_time) {
                (Some(w), Some(t)) => Some(w.saturating_sub(t)),
                _ => None,
            },
            rdb_never_saved: never_saved(i, self.last_sample_wall.map(super::unix_secs)),
            rdb_changes_since_save: i.rdb_changes_since_last_save,
            rdb_bgsave_in_progress: i.rdb_bgsave_in_progress,
            rdb_last_bgsave_status: i.rdb_last_bgsave_status.clone(),
            save_config: self
                .config
                .value
                .as_ref()
                .and_then(|c| c.get("save"))
                // An empty `save` means RDB snapshots are off; say it in words.
                .map(|s| {
                    if s.is_empty() {
                        "off".to_string()
                    } else {
                        s.to_string()
                    }
                }),
            save_unknown: self
                .config
                .error
                .as_ref()
                .filter(|e| e.refusal().is_some() && self.config.value.is_none())
                .map(|_| "CONFIG unavailable".to_string()),
            aof_enabled: i.aof_enabled,
            aof_rewrite_in_progress: i.aof_rewrite_in_progress,
            aof_last_rewrite_status: i.aof_last_bgrewrite_status.clone(),
            aof_last_write_status: i.aof_last_write_status.clone(),
            aof_delayed_fsync: i.aof_delayed_fsync,
            latest_fork_usec: i.latest_fork_usec,
            loading: i.loading == Some(true),
            loading_percent: i.loading_loaded_perc,
            loading_eta_secs: i.loading_eta_seconds,
            writes_blocked_misconf: misconf,
            disk,
            verdict,
        }
    }
}

/// No RDB written since the server started: no BGSAVE ever ran (`rdb_last_bgsave_time_sec`
/// -1) and the last save time is the start (Redis sets it so at start; `rdb 24s ago` would
/// say a save happened). `sampled` is the sample's wall time, Unix seconds.
fn never_saved(i: &crate::collect::types::Info, sampled: Option<u64>) -> bool {
    let (Some(up), Some(at), Some(saved)) = (i.uptime_in_seconds, sampled, i.rdb_last_save_time)
    else {
        return false;
    };
    // Within a few seconds: the start and the sample are not read at one instant.
    i.rdb_last_bgsave_time_sec == Some(-1) && saved.abs_diff(at.saturating_sub(up)) <= 3
}
