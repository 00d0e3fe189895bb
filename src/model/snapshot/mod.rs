//! Builds the [`Snapshot`] (every figure the panes show) from an [`Instance`] at `now`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::health;
use super::instance::{Instance, LATENCY_WINDOW, Link};
use super::view::{
    ConnState, DiskView, ErrorsPane, Header, Health, HitRatePane, MemoryPane, PaneStatus,
    SCHEMA_VERSION, Snapshot, Verdict,
};
use crate::collect::types::{CollectError, Info};
use crate::target::Thresholds;

/// What a server at `maxclients` answers a new connection with.
pub const MAXCLIENTS: &str = "max number of clients";

mod panes;

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
            Link::Down { reason } if reason.contains(MAXCLIENTS) => ConnState::Full {
                message: reason.clone(),
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
        let mut health = self.health(panes, opts.thresholds, now);
        // As settled over the last samples (no flapping at a threshold); no data at once.
        for i in &mut health.items {
            if let Some(s) = self.settled.get(i.name)
                && i.verdict != Verdict::Unknown
            {
                i.verdict = s.shown;
            }
        }
        // Refused for maxclients: the one figure known now is that the server is full.
        if self.full()
            && let Some(c) = health.items.iter_mut().find(|i| i.name == "clients")
        {
            c.verdict = Verdict::Crit;
            c.value = "full: new connections refused (maxclients)".into();
        }
        if health.overall != Verdict::Unknown || self.full() {
            health.overall =
                health::worst(&health.items.iter().map(|i| i.verdict).collect::<Vec<_>>());
        }
        let mut persistence = self.persistence_pane(now, disk);
        // One verdict per figure, the same in the pane, the header and `check`.
        let (mut memory, mut clients, mut hit_rate, mut errors) =
            (memory, clients, hit_rate, errors);
        let item = |name: &str| {
            (health.items.iter())
                .find(|i| i.name == name)
                .map_or(Verdict::Unknown, |i| i.verdict)
        };
        memory.verdict = item("memory");
        clients.verdict = item("clients");
        hit_rate.verdict = item("hit_rate");
        errors.latency_verdict = item("latency");
        errors.verdict = health::worst(&[item("latency"), item("errors")]);
        persistence.verdict = health::worst(&[item("persistence"), item("disk")]);
        let mut header = self.header(now, opts, health, errors.ping_p50_us);
        header.writes_refused = persistence.writes_blocked_misconf;
        let since = self
            .last_sample_at
            .filter(|_| self.fresh())
            .map(|a| secs(now.saturating_duration_since(a)));
        let topology = super::group::view::own(self.info.as_ref(), since);
        header.topology.clone_from(&topology.summary);
        Snapshot {
            topology,
            schema: SCHEMA_VERSION,
            header,
            slowlog: self.slowlog_pane(now),
            persistence,
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
            server_name: info.and_then(Info::server).map(|(n, _)| n.to_string()),
            version: info.and_then(Info::server).map(|(_, v)| v.to_string()),
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
            writes_refused: false,
            topology: None,
        }
    }

    fn notices(&self, now: Instant) -> Vec<String> {
        let mut out: Vec<String> = self
            .notices
            .iter()
            .rev()
            .map(|(t, text)| {
                let ago = secs(now.saturating_duration_since(*t));
                format!("{text}, {} ago", crate::format::age(ago))
            })
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

    /// The health table as the figures say it now, before [`Instance::settle`] holds it.
    pub(crate) fn raw_health(&self, now: Instant, th: &Thresholds) -> Health {
        let opts = ViewOptions {
            thresholds: th,
            spark_len: 0,
            paused: false,
        };
        let memory = self.memory_pane(now, opts);
        let clients = self.clients_pane(now, opts);
        let hit_rate = self.hit_rate_pane(now, opts);
        let errors = self.errors_pane(now, opts);
        let disk = self.disk_view(th);
        let panes = (&memory, &clients, &hit_rate, &errors, disk.as_ref());
        self.health(panes, th, now)
    }

    /// Refused for maxclients: up, and full.
    pub fn full(&self) -> bool {
        matches!(&self.link, Link::Down { reason } if reason.contains(MAXCLIENTS))
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
                self.hits_span(now, Duration::from_secs(60)),
                th,
            ),
            health::latency(pick(errors.ping_p50_us), th),
            health::clients(pick(clients.connected), clients.max, th),
            health::persistence(self.persistence_facts().filter(|_| fresh)),
            health::errors(
                if fresh { errors.errors_per_sec } else { None },
                &(errors.by_kind.iter())
                    .map(|k| (k.kind.as_str(), k.per_sec))
                    .collect::<Vec<_>>(),
            ),
            health::uptime(reachable, pick(uptime), th),
        ];
        items.extend(disk.map(|d| super::disk_view::health_item(d, th)));
        let overall = if reachable {
            health::worst(&items.iter().map(|i| i.verdict).collect::<Vec<_>>())
        } else {
            Verdict::Unknown
        };
        Health { overall, items }
    }

    /// What INFO persistence says of the last saves, for the health item.
    fn persistence_facts(&self) -> Option<health::PersistenceFacts> {
        let i = self.info.as_ref()?;
        let bgsave_failed = i.rdb_last_bgsave_status.as_deref() == Some("err");
        // As the Persistence pane reads it: writes stop with a save point and
        // `stop-writes-on-bgsave-error yes` (the defaults).
        let stops = self.config.value.as_ref().is_none_or(|c| {
            c.get("save").is_none_or(|s| !s.trim().is_empty())
                && c.get("stop-writes-on-bgsave-error") != Some("no")
        });
        Some(health::PersistenceFacts {
            bgsave_failed,
            writes_refused: bgsave_failed && stops,
            aof_failed: i.aof_last_write_status.as_deref() == Some("err")
                || i.aof_last_bgrewrite_status.as_deref() == Some("err"),
            delayed_fsyncs: i.aof_delayed_fsync.unwrap_or(0),
        })
    }
}

/// Unix seconds of a `SystemTime` (0 before the epoch).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
