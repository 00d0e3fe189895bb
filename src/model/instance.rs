//! Everything known about one target: the link, the latest values, rates, history rings.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use super::counters::{Counters, Rates};
use super::ring::{DAY_AT_1S, HOUR_AT_1S, Ring};
use crate::collect::types::{
    ClientListResult, CollectError, CommandCheck, CommandStat, ConfigValues, Info, LatencyEvent,
    Sample, SlowlogEntry,
};
use crate::model::view::Verdict;
use crate::msg::LinkEvent;

/// Slowlog entries kept (Redis's default `slowlog-max-len` is 128).
pub const SLOWLOG_KEEP: usize = 128;
/// Notices kept for the header.
const NOTICES_KEEP: usize = 8;
/// PING samples in the latency window.
pub const LATENCY_WINDOW: usize = 60;

/// The connection as the model knows it (`Loading` is derived from INFO).
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    Connecting,
    Up,
    Down { reason: String },
    NoReply { last_reply: Option<Instant> },
    AuthFailed { message: String },
}

/// One point of the hit/miss counters, for windowed hit rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitPoint {
    pub at: Instant,
    pub hits: u64,
    pub misses: u64,
}

/// A value that may have failed to arrive; keeps the last good one with the error beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot<T> {
    pub value: Option<T>,
    pub at: Option<Instant>,
    pub error: Option<CollectError>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            value: None,
            at: None,
            error: None,
        }
    }
}

impl<T> Slot<T> {
    fn apply(&mut self, at: Instant, r: Option<Result<T, CollectError>>) {
        match r {
            None => {}
            Some(Ok(v)) => {
                self.value = Some(v);
                self.at = Some(at);
                self.error = None;
            }
            Some(Err(e)) => self.error = Some(e),
        }
    }
}

/// State of one target.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Target URL with the password masked.
    pub display: String,
    pub link: Link,
    pub link_since: Instant,
    /// Escaped text of the last link/poll error.
    pub last_error: Option<String>,
    pub last_sample_at: Option<Instant>,
    pub last_sample_wall: Option<SystemTime>,
    pub info: Option<Info>,
    pub config: Slot<ConfigValues>,
    pub clients: Slot<ClientListResult>,
    pub commandstats: Slot<BTreeMap<String, CommandStat>>,
    pub latency: Slot<Vec<LatencyEvent>>,
    /// What `COMMAND INFO` said about the commands redtriage sends (once per connection).
    pub commands: Slot<CommandCheck>,
    pub slowlog_len: Slot<u64>,
    /// Newest first.
    pub slowlog: Vec<SlowlogEntry>,
    pub slowlog_error: Option<CollectError>,
    /// (time, newest slowlog id, redtriage's own entries so far) per sample, last minute or
    /// so: the new entries per minute not counting redtriage's own.
    pub slowlog_ids: VecDeque<(Instant, u64, u64)>,
    /// redtriage's own slowlog entries seen (its client name), since the start.
    pub slowlog_own: u64,
    pub prev: Option<Counters>,
    pub rates: Rates,
    pub hits: Ring<HitPoint>,
    /// (time, keys in every db) per sample, the last [`KEYS_WINDOW`]: a `FLUSHALL` shows as
    /// a fall from the peak.
    pub keys_seen: VecDeque<(Instant, u64)>,
    /// `used_memory`, KiB (u32: up to 4 TiB; a sparkline needs no finer step). 24 h at 1 s.
    pub mem_hist: Ring<u32>,
    /// `connected_clients`. 24 h at 1 s.
    pub clients_hist: Ring<u32>,
    /// Hit rate per tick, percent × 100.
    pub hit_hist: Ring<u16>,
    /// PING round trip, µs.
    pub ping_hist: Ring<u32>,
    /// Samples received so far (action markers are placed by sample count, no ring needed).
    pub samples_total: u64,
    pub restarts: u32,
    pub last_restart: Option<Instant>,
    pub last_restart_why: Option<&'static str>,
    /// (when, text) newest last.
    pub notices: VecDeque<(Instant, String)>,
    /// redtriage's own cost on this server and the governor's back-off state.
    pub cost: Option<crate::collect::governor::SelfCost>,
    /// The last disk reading of the server's `dir` (local servers only) and when.
    pub disk: Option<(Instant, Result<crate::collect::disk::DiskFigures, String>)>,
    /// What the server's log said while it was down (cleared when it answers again).
    pub server_log: Vec<crate::collect::serverlog::LogFinding>,
    /// What is known of the server's configuration without asking it (remembered, its
    /// config file, its log), for the actions while it does not answer.
    pub known: crate::collect::known::Known,
    /// Each health item's verdict as shown, held against flapping (see [`Self::settle`]).
    pub settled: BTreeMap<&'static str, Settled>,
    /// What the followed container's log says while the server does not answer (its
    /// server log when Redis logs to stdout, as in a container).
    pub container_log: Vec<crate::collect::serverlog::LogFinding>,
    /// Since when each diagnosis rule has counted and when it last held.
    pub diag: crate::model::diagnosis::RuleMemory,
}

/// How far back the key count's peak is looked for.
pub const KEYS_WINDOW: Duration = Duration::from_secs(300);

impl Instance {
    /// The key count now, and its peak over [`KEYS_WINDOW`] with how long ago it was, when
    /// the count is known.
    pub fn keys_peak(&self, now: Instant) -> Option<(u64, u64, Duration)> {
        let (_, keys) = *self.keys_seen.back()?;
        // The last sample at the peak (max_by_key keeps the last of equals).
        let (at, peak) = (self.keys_seen.iter()).max_by_key(|(_, k)| *k).copied()?;
        Some((keys, peak, now.saturating_duration_since(at)))
    }
    pub fn new(display: String, now: Instant) -> Self {
        Self {
            display,
            link: Link::Connecting,
            link_since: now,
            last_error: None,
            last_sample_at: None,
            last_sample_wall: None,
            info: None,
            config: Slot::default(),
            clients: Slot::default(),
            commandstats: Slot::default(),
            latency: Slot::default(),
            commands: Slot::default(),
            slowlog_len: Slot::default(),
            slowlog: Vec::new(),
            slowlog_error: None,
            slowlog_ids: VecDeque::new(),
            slowlog_own: 0,
            prev: None,
            rates: Rates::default(),
            // Only the ≤ 5 min hit-rate windows read these: an hour is plenty at any interval.
            hits: Ring::new(HOUR_AT_1S),
            keys_seen: VecDeque::new(),
            mem_hist: Ring::new(DAY_AT_1S),
            clients_hist: Ring::new(DAY_AT_1S),
            hit_hist: Ring::new(DAY_AT_1S),
            ping_hist: Ring::new(DAY_AT_1S),
            samples_total: 0,
            server_log: Vec::new(),
            known: crate::collect::known::Known::default(),
            container_log: Vec::new(),
            settled: BTreeMap::new(),
            diag: crate::model::diagnosis::RuleMemory::default(),
            restarts: 0,
            last_restart: None,
            last_restart_why: None,
            notices: VecDeque::new(),
            cost: None,
            disk: None,
        }
    }

    /// The instance of the server the dashboard moves to after a failover: the history rings
    /// (memory, clients, hit rate, PING) and the sample count (the action markers) carry on,
    /// so the panes read across the switch; what belongs to one server (its INFO, counters,
    /// slowlog, CLIENT LIST, CONFIG) starts empty.
    #[must_use]
    pub fn successor(&self, display: String, at: Instant) -> Self {
        let mut next = Self::new(display, at);
        next.mem_hist = self.mem_hist.clone();
        next.clients_hist = self.clients_hist.clone();
        next.hit_hist = self.hit_hist.clone();
        next.ping_hist = self.ping_hist.clone();
        next.samples_total = self.samples_total;
        next.notice(
            at,
            format!("now following this master (was {})", self.display),
        );
        next
    }

    fn set_link(&mut self, link: Link, at: Instant) {
        let same_kind = std::mem::discriminant(&link) == std::mem::discriminant(&self.link);
        if !same_kind {
            self.link_since = at;
        }
        self.link = link;
    }

    pub fn notice(&mut self, at: Instant, text: String) {
        if self.notices.back().is_some_and(|(_, t)| *t == text) {
            return;
        }
        self.notices.push_back((at, text));
        while self.notices.len() > NOTICES_KEEP {
            self.notices.pop_front();
        }
    }

    /// A link event from the poller.
    pub fn on_link(&mut self, at: Instant, event: LinkEvent) {
        match event {
            LinkEvent::Connected => {
                self.set_link(Link::Up, at);
                self.last_error = None;
                self.server_log.clear();
                self.container_log.clear();
            }
            LinkEvent::Down(e) => {
                let reason = match e {
                    CollectError::Refused => "refused".to_string(),
                    other => other.to_string(),
                };
                self.last_error = Some(reason.clone());
                self.set_link(Link::Down { reason }, at);
            }
            LinkEvent::NoReply { last_reply } => {
                self.last_error = Some("timeout".into());
                self.set_link(Link::NoReply { last_reply }, at);
            }
            LinkEvent::AuthFailed(message) => {
                self.last_error = Some(format!("auth failed: {message}"));
                self.set_link(Link::AuthFailed { message }, at);
            }
            LinkEvent::Failed(e) => self.last_error = Some(e.to_string()),
            LinkEvent::ServerLog(found) => {
                self.known.note_log(&found);
                self.server_log = found;
            }
            LinkEvent::Known(k) => {
                self.known = k;
                self.known.note_log(&self.server_log);
                self.known.note_log(&self.container_log);
            }
        }
    }

    /// After a sample: each health item's shown verdict moves to a new one once
    /// `hold_samples` samples in a row gave it; no data (UNKNOWN) in or out at once.
    pub fn settle(&mut self, now: Instant, th: &crate::target::Thresholds) {
        let raw = self.raw_health(now, th);
        let hold = th.hold_samples.max(1);
        for item in raw.items {
            let v = item.verdict;
            let s = self.settled.entry(item.name).or_insert(Settled {
                shown: v,
                candidate: v,
                count: 0,
            });
            if v == s.shown || v == Verdict::Unknown || s.shown == Verdict::Unknown {
                *s = Settled {
                    shown: v,
                    candidate: v,
                    count: 0,
                };
                continue;
            }
            if v == s.candidate {
                s.count += 1;
            } else {
                s.candidate = v;
                s.count = 1;
            }
            if s.count >= hold {
                *s = Settled {
                    shown: v,
                    candidate: v,
                    count: 0,
                };
            }
        }
    }

    /// What the server's log says (its file), else its container's log.
    pub fn log_findings(&self) -> &[crate::collect::serverlog::LogFinding] {
        if self.server_log.is_empty() {
            &self.container_log
        } else {
            &self.server_log
        }
    }

    /// The container's log lines while the server does not answer: what they say of why.
    pub fn on_container_log(&mut self, lines: &[String]) {
        if self.link == Link::Up {
            return;
        }
        self.container_log = crate::collect::serverlog::scan_escaped(lines);
        self.known.note_log(&self.container_log);
    }

    /// Commands (upper case) this server lacks or refused, and why: from `COMMAND INFO` and
    /// from the errors of the commands the panes send (`config_command` is CONFIG's name).
    pub fn missing_commands(&self, config_command: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(c) = &self.commands.value {
            for name in &c.absent {
                if let Some(why) = CollectError::UnknownCommand.refusal_short() {
                    out.insert(name.clone(), why.to_string());
                }
            }
        }
        let config = config_command.to_ascii_uppercase();
        for (name, err) in [
            ("SLOWLOG", self.slowlog_error.as_ref()),
            ("LATENCY", self.latency.error.as_ref()),
            ("CLIENT", self.clients.error.as_ref()),
            (config.as_str(), self.config.error.as_ref()),
        ] {
            if let Some(why) = err.and_then(CollectError::refusal_short) {
                out.entry(name.to_string())
                    .or_insert_with(|| why.to_string());
            }
        }
        out
    }

    /// A sample from the poller.
    pub fn on_sample(&mut self, s: Sample) {
        let at = s.at;
        self.set_link(Link::Up, at);
        self.last_error = None;
        self.last_sample_at = Some(at);
        self.last_sample_wall = Some(s.wall);
        self.samples_total += 1;
        let counters = Counters::from_info(at, &s.info);
        self.track_counters(counters);
        self.push_history(&s);
        self.keys_seen
            .push_back((at, s.info.keyspace.values().map(|d| d.keys).sum()));
        while (self.keys_seen.front())
            .is_some_and(|(t, _)| at.saturating_duration_since(*t) > KEYS_WINDOW)
        {
            self.keys_seen.pop_front();
        }
        self.merge_slowlog(at, s.slowlog, s.slowlog_len);
        self.latency.apply(at, s.latency_latest);
        self.commands.apply(at, s.commands);
        self.commandstats.apply(at, s.commandstats);
        self.config.apply(at, s.config);
        self.clients.apply(at, s.clients);
        if s.cost.is_some() {
            self.cost = s.cost;
        }
        if let Some(d) = s.disk {
            self.disk = Some((at, d));
        }
        self.info = Some(s.info);
    }

    fn track_counters(&mut self, now: Counters) {
        let at = now.at;
        if let Some(prev) = &self.prev {
            if let Some(why) = now.restart_reason(prev) {
                self.restarts += 1;
                self.last_restart = Some(at);
                self.last_restart_why = Some(why);
                self.hits.clear();
                self.hit_hist.clear();
                self.keys_seen.clear();
                self.slowlog.clear();
                self.slowlog_ids.clear();
                self.rates = Rates::default();
                self.notice(at, format!("Redis restarted ({why})"));
            } else if let Some(which) = now.reset_reason(prev) {
                self.hits.clear();
                self.rates = Rates::default();
                self.notice(
                    at,
                    format!("counters reset ({which} went back: CONFIG RESETSTAT?)"),
                );
            } else {
                self.rates = Rates::between(prev, &now);
            }
        }
        self.hits.push(HitPoint {
            at,
            hits: now.hits,
            misses: now.misses,
        });
        self.prev = Some(now);
    }

    fn push_history(&mut self, s: &Sample) {
        if let Some(used) = s.info.used_memory {
            self.mem_hist
                .push(u32::try_from(used / 1024).unwrap_or(u32::MAX));
        }
        if let Some(c) = s.info.connected_clients {
            self.clients_hist.push(u32::try_from(c).unwrap_or(u32::MAX));
        }
        self.ping_hist
            .push(u32::try_from(s.ping_rtt.as_micros()).unwrap_or(u32::MAX));
        if let Some(rate) = self.hit_rate_over(s.at, Duration::from_secs(10)) {
            self.hit_hist.push((rate.0 * 100.0).round() as u16);
        }
    }

    fn merge_slowlog(
        &mut self,
        at: Instant,
        fetched: Option<Result<Vec<SlowlogEntry>, CollectError>>,
        len: Option<Result<u64, CollectError>>,
    ) {
        self.slowlog_len.apply(at, len);
        match fetched {
            None => {}
            Some(Err(e)) => self.slowlog_error = Some(e),
            Some(Ok(entries)) => {
                self.slowlog_error = None;
                let mut newest_known = self.slowlog.first().map(|e| e.id);
                let newest_fetched = entries.first().map(|e| e.id);
                if newest_fetched < newest_known {
                    self.slowlog.clear(); // ids went back: slowlog of a new process
                    newest_known = None;
                }
                let own = (entries.iter())
                    .filter(|e| Some(e.id) > newest_known && super::diagnosis::is_own(e))
                    .count();
                self.slowlog_own += own as u64;
                self.slowlog.extend(entries);
                self.slowlog.sort_by_key(|e| std::cmp::Reverse(e.id));
                self.slowlog.dedup_by_key(|e| e.id);
                self.slowlog.truncate(SLOWLOG_KEEP);
            }
        }
        if let Some(newest) = self.slowlog.first().map(|e| e.id) {
            self.slowlog_ids.push_back((at, newest, self.slowlog_own));
        }
        while self
            .slowlog_ids
            .front()
            .is_some_and(|(t, ..)| at.saturating_duration_since(*t) > Duration::from_secs(70))
        {
            self.slowlog_ids.pop_front();
        }
    }

    /// The oldest and the newest hit-rate counter points inside `window` ending at `now`.
    fn hits_window(&self, now: Instant, window: Duration) -> Option<(HitPoint, HitPoint)> {
        let newest = *self.hits.last()?;
        // From the newest back, so the cost is the window's length, not the ring's.
        let oldest = *(self.hits.iter_rev())
            .take_while(|p| now.saturating_duration_since(p.at) <= window)
            .last()?;
        Some((oldest, newest))
    }

    /// The time the hit-rate samples within `window` span (what a rate over it measured).
    pub fn hits_span(&self, now: Instant, window: Duration) -> Option<Duration> {
        let (oldest, newest) = self.hits_window(now, window)?;
        Some(newest.at.saturating_duration_since(oldest.at))
    }

    /// Hit rate in percent and lookups per second over `window` ending at `now`, from the
    /// oldest counter point inside the window. None without two points or without lookups.
    pub fn hit_rate_over(&self, now: Instant, window: Duration) -> Option<(f64, f64)> {
        let (oldest, newest) = self.hits_window(now, window)?;
        let dt = newest.at.saturating_duration_since(oldest.at).as_secs_f64();
        let hits = newest.hits.checked_sub(oldest.hits)?;
        let misses = newest.misses.checked_sub(oldest.misses)?;
        let lookups = hits + misses;
        if dt <= 0.0 || lookups == 0 {
            return None;
        }
        Some((hits as f64 * 100.0 / lookups as f64, lookups as f64 / dt))
    }
}

/// One health item's shown verdict, and the different one the last samples gave (how many).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub shown: Verdict,
    pub candidate: Verdict,
    pub count: u32,
}
