//! Builds the [`Snapshot`] (every figure the panes show) from an [`Instance`] at `now`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::health;
use super::instance::{Instance, LATENCY_WINDOW, Link};
use super::view::{
    ConnState, DiskView, ErrorRate, ErrorsPane, Header, Health, HitRatePane, MemoryPane,
    PaneStatus, PersistencePane, SCHEMA_VERSION, SlowCommand, SlowlogPane, SlowlogRow, Snapshot,
    Verdict,
};
use crate::collect::types::CollectError;
use crate::target::Thresholds;

/// Inputs that are not part of the instance.
#[derive(Debug, Clone, Copy)]
pub struct ViewOptions<'a> {
    pub thresholds: &'a Thresholds,
    /// Sparkline points to include (the widest a pane can draw).
    pub spark_len: usize,
    pub paused: bool,
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

impl Instance {
    /// Is the last good data current (link up and a sample in)?
    fn fresh(&self) -> bool {
        self.link == Link::Up && self.info.is_some()
    }

    /// Freshness for panes fed by INFO.
    fn info_status(&self, now: Instant) -> PaneStatus {
        match (self.fresh(), self.last_sample_at) {
            (_, None) => PaneStatus::Pending,
            (true, Some(_)) => PaneStatus::Ok,
            (false, Some(at)) => PaneStatus::Stale {
                age_secs: secs(now.saturating_duration_since(at)),
            },
        }
    }

    /// The status of a pane fed by `command` (`SLOWLOG`): unavailable when the server lacks
    /// or refuses it, an error when it failed otherwise.
    pub(super) fn slot_status(
        &self,
        now: Instant,
        command: &str,
        error: Option<&CollectError>,
    ) -> PaneStatus {
        match error {
            Some(e) => match e.refusal() {
                Some(why) => PaneStatus::Unavailable {
                    message: format!("{command} unavailable: {why}"),
                },
                None => PaneStatus::Error {
                    message: e.to_string(),
                },
            },
            None => self.info_status(now),
        }
    }

    /// Wall-clock now, from the last sample's wall time (the model never reads the clock).
    fn wall_now(&self, now: Instant) -> Option<u64> {
        let wall = self.last_sample_wall?;
        let at = self.last_sample_at?;
        let w = wall + now.saturating_duration_since(at);
        w.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
    }

    fn conn_state(&self, now: Instant) -> ConnState {
        match &self.link {
            Link::Connecting => ConnState::Connecting,
            Link::Up => match &self.info {
                Some(i) if i.loading == Some(true) => ConnState::Loading {
                    percent: i.loading_loaded_perc,
                },
                _ => ConnState::Up,
            },
            Link::Down { reason } => ConnState::Down {
                reason: reason.clone(),
            },
            Link::NoReply { last_reply } => ConnState::Unresponsive {
                no_reply_secs: secs(
                    now.saturating_duration_since(last_reply.unwrap_or(self.link_since)),
                ),
            },
            Link::AuthFailed { message } => ConnState::AuthFailed {
                message: message.clone(),
            },
        }
    }

    /// maxmemory from CONFIG when known, else from INFO memory.
    /// INFO's figure first: it comes every tick, CONFIG only every 30 s or so, and a
    /// `CONFIG SET maxmemory` must show at once.
    fn maxmemory(&self) -> Option<u64> {
        self.info.as_ref().and_then(|i| i.maxmemory).or_else(|| {
            self.config
                .value
                .as_ref()
                .and_then(|c| c.get_u64("maxmemory"))
        })
    }

    pub(super) fn maxclients(&self) -> Option<u64> {
        self.info.as_ref().and_then(|i| i.maxclients).or_else(|| {
            self.config
                .value
                .as_ref()
                .and_then(|c| c.get_u64("maxclients"))
        })
    }

    /// PING p50/p99/max over the latency window, µs.
    fn ping_stats(&self) -> Option<(u64, u64, u64)> {
        let mut w = self.ping_hist.tail_u64(LATENCY_WINDOW);
        if w.is_empty() {
            return None;
        }
        w.sort_unstable();
        let pick = |q: f64| w[((w.len() - 1) as f64 * q).round() as usize];
        Some((pick(0.5), pick(0.99), w[w.len() - 1]))
    }

    /// The whole view.
    pub fn snapshot(&self, now: Instant, opts: ViewOptions<'_>) -> Snapshot {
        let memory = self.memory_pane(now, opts);
        let clients = self.clients_pane(now, opts);
        let hit_rate = self.hit_rate_pane(now, opts);
        let errors = self.errors_pane(now, opts);
        let disk = self.disk_view(opts.thresholds);
        let panes = (&memory, &clients, &hit_rate, &errors, disk.as_ref());
        let health = self.health(panes, opts.thresholds, now);
        Snapshot {
            schema: SCHEMA_VERSION,
            header: self.header(now, opts, health, errors.ping_p50_us),
            slowlog: self.slowlog_pane(now),
            persistence: self.persistence_pane(now, disk),
            memory,
            clients,
            hit_rate,
            errors,
            marks_ago: Vec::new(),
            prometheus: None,
            cost: self.cost.clone(),
            container: None,
            diagnosis: Vec::new(),
            diag_fired: Vec::new(),
            diag_holding: Vec::new(),
        }
    }

    fn header(
        &self,
        now: Instant,
        opts: ViewOptions<'_>,
        health: Health,
        p50: Option<u64>,
    ) -> Header {
        let connection = self.conn_state(now);
        let info = self.info.as_ref();
        let stale_secs = match self.info_status(now) {
            PaneStatus::Stale { age_secs } => Some(age_secs),
            _ => None,
        };
        let uptime_secs = info.and_then(|i| i.uptime_in_seconds).map(|u| {
            // Advance the uptime between samples while the link is up.
            let since = self
                .last_sample_at
                .map_or(0, |a| secs(now.saturating_duration_since(a)));
            if self.fresh() { u + since } else { u }
        });
        Header {
            target: self.display.clone(),
            connection_label: connection.label(),
            connection,
            since_secs: secs(now.saturating_duration_since(self.link_since)),
            last_error: self.last_error.clone(),
            role: info.and_then(|i| i.role.clone()),
            version: info.and_then(|i| i.redis_version.clone()),
            uptime_secs,
            restarts_seen: self.restarts,
            last_restart_ago_secs: self
                .last_restart
                .map(|t| secs(now.saturating_duration_since(t))),
            last_restart_why: self.last_restart_why,
            ops_per_sec: self.rates.ops,
            latency_p50_us: p50,
            stale_secs,
            paused: opts.paused,
            health,
            notices: self.notices(now),
            watch: None,
            log_error: None,
            running_action: None,
        }
    }

    fn notices(&self, now: Instant) -> Vec<String> {
        let mut out: Vec<String> = self
            .notices
            .iter()
            .rev()
            .map(|(t, text)| format!("{text}, {}s ago", secs(now.saturating_duration_since(*t))))
            .collect();
        if let Some(c) = &self.cost
            && let Some(why) = &c.backoff
        {
            out.push(format!(
                "redtriage backing off: slow checks every {}s ({why})",
                c.slow_interval_secs
            ));
        }
        if let Some(e) = &self.config.error {
            out.push(match e.refusal() {
                Some(why) => format!(
                    "CONFIG unavailable: {why}; limits from INFO (--config-command NAME \
                     if renamed)"
                ),
                None => format!("CONFIG GET failed ({e}): limits and policy from INFO"),
            });
        }
        out
    }

    /// The runbook's health table (the disk row only when the server's disk is seen).
    fn health(
        &self,
        (memory, clients, hit, errors, disk): (
            &MemoryPane,
            &super::view::ClientsPane,
            &HitRatePane,
            &ErrorsPane,
            Option<&DiskView>,
        ),
        th: &Thresholds,
        now: Instant,
    ) -> Health {
        let reachable = matches!(self.link, Link::Up);
        let fresh = self.fresh();
        let pick = |v: Option<u64>| if fresh { v } else { None };
        let uptime = self.info.as_ref().and_then(|i| i.uptime_in_seconds);
        let lookups = hit.lookups_per_sec.or_else(|| {
            self.hit_rate_over(now, Duration::from_secs(60))
                .map(|r| r.1)
        });
        let mut items = vec![
            health::memory(pick(memory.used_bytes), memory.max_bytes, th),
            health::hit_rate(
                if fresh { hit.m1_percent } else { None },
                if fresh && self.hits.len() >= 2 {
                    Some(lookups.unwrap_or(0.0))
                } else {
                    None
                },
                th,
            ),
            health::latency(pick(errors.ping_p50_us), th),
            health::clients(pick(clients.connected), clients.max, th),
            health::uptime(reachable, pick(uptime), th),
        ];
        items.extend(disk.map(|d| super::disk_view::health_item(d, th)));
        let overall = if reachable {
            items
                .iter()
                .map(|i| i.verdict)
                .filter(|v| *v != Verdict::Unknown)
                .max()
                .unwrap_or(Verdict::Unknown)
        } else {
            Verdict::Unknown
        };
        Health { overall, items }
    }

    fn memory_pane(&self, now: Instant, opts: ViewOptions<'_>) -> MemoryPane {
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

    fn hit_rate_pane(&self, now: Instant, opts: ViewOptions<'_>) -> HitRatePane {
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
            verdict: health::hit_rate(m1.map(|r| r.0), Some(0.0), th).verdict,
            spark: self.hit_hist.tail_u64(opts.spark_len),
            spark_backfilled: self.hit_hist.backfilled_in_tail(opts.spark_len),
        }
    }

    fn errors_pane(&self, now: Instant, opts: ViewOptions<'_>) -> ErrorsPane {
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
            spark: self.ping_hist.tail_u64(opts.spark_len),
            latency_events: self.latency.value.clone().unwrap_or_default(),
            latency_status: self.slot_status(now, "LATENCY", self.latency.error.as_ref()),
            latency_monitor_threshold_ms: threshold,
        }
    }

    fn slowlog_pane(&self, now: Instant) -> SlowlogPane {
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
    fn slowest_commands(&self) -> Vec<SlowCommand> {
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

    fn persistence_pane(&self, now: Instant, disk: Option<DiskView>) -> PersistencePane {
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

/// Unix seconds of a `SystemTime` (0 before the epoch).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
