//! Cumulative INFO counters and the rates derived from two of them. A counter that went
//! backwards is a restart or `CONFIG RESETSTAT`, never a negative rate.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::collect::types::Info;

/// The cumulative counters of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Counters {
    pub at: Instant,
    pub run_id: Option<String>,
    pub uptime: Option<u64>,
    pub commands: u64,
    pub hits: u64,
    pub misses: u64,
    pub evicted: u64,
    pub rejected: u64,
    /// `total_connections_received`.
    pub connections: u64,
    pub expired: u64,
    /// `total_error_replies`, or the errorstats sum on servers without it.
    pub errors: u64,
    pub errorstats: BTreeMap<String, u64>,
    /// `aof_delayed_fsync` (the disk could not keep up with `appendfsync everysec`).
    pub delayed_fsync: u64,
}

/// Per-second rates between two samples; `None` until two comparable samples exist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rates {
    pub ops: Option<f64>,
    pub evictions: Option<f64>,
    pub rejected: Option<f64>,
    /// New connections per second (a connection per request: no pooling).
    pub connections: Option<f64>,
    pub expired: Option<f64>,
    pub errors: Option<f64>,
    pub errorstats: BTreeMap<String, f64>,
    pub delayed_fsync: Option<f64>,
}

impl Counters {
    pub fn from_info(at: Instant, info: &Info) -> Self {
        let errorstats = info.errorstats.clone();
        let errors = info
            .total_error_replies
            .unwrap_or_else(|| errorstats.values().sum());
        Self {
            at,
            run_id: info.run_id.clone(),
            uptime: info.uptime_in_seconds,
            commands: info.total_commands_processed.unwrap_or(0),
            hits: info.keyspace_hits.unwrap_or(0),
            misses: info.keyspace_misses.unwrap_or(0),
            evicted: info.evicted_keys.unwrap_or(0),
            rejected: info.rejected_connections.unwrap_or(0),
            connections: info.total_connections_received.unwrap_or(0),
            expired: info.expired_keys.unwrap_or(0),
            errors,
            errorstats,
            delayed_fsync: info.aof_delayed_fsync.unwrap_or(0),
        }
    }

    /// Why `self` looks like a different process than `prev`, if it does.
    pub fn restart_reason(&self, prev: &Counters) -> Option<&'static str> {
        match (&self.run_id, &prev.run_id) {
            (Some(a), Some(b)) if a != b => return Some("run id changed"),
            _ => {}
        }
        match (self.uptime, prev.uptime) {
            (Some(a), Some(b)) if a < b => Some("uptime went back"),
            _ => None,
        }
    }

    /// Which counter went backwards with the same process (`CONFIG RESETSTAT`), if any.
    pub fn reset_reason(&self, prev: &Counters) -> Option<&'static str> {
        let pairs = [
            ("total_commands_processed", self.commands, prev.commands),
            ("keyspace_hits", self.hits, prev.hits),
            ("keyspace_misses", self.misses, prev.misses),
            ("evicted_keys", self.evicted, prev.evicted),
            ("rejected_connections", self.rejected, prev.rejected),
            ("error replies", self.errors, prev.errors),
        ];
        pairs
            .iter()
            .find(|(_, now, before)| now < before)
            .map(|(n, _, _)| *n)
    }
}

fn rate(now: u64, before: u64, secs: f64) -> Option<f64> {
    now.checked_sub(before).map(|d| d as f64 / secs)
}

impl Rates {
    /// Rates from `prev` to `now`; `None` for a counter that went back or a zero interval.
    pub fn between(prev: &Counters, now: &Counters) -> Self {
        let secs = now.at.saturating_duration_since(prev.at).as_secs_f64();
        if secs <= 0.0 {
            return Self::default();
        }
        let errorstats = now
            .errorstats
            .iter()
            .filter_map(|(k, v)| {
                let before = prev.errorstats.get(k).copied().unwrap_or(0);
                rate(*v, before, secs).map(|r| (k.clone(), r))
            })
            .collect();
        Self {
            ops: rate(now.commands, prev.commands, secs),
            evictions: rate(now.evicted, prev.evicted, secs),
            rejected: rate(now.rejected, prev.rejected, secs),
            connections: rate(now.connections, prev.connections, secs),
            expired: rate(now.expired, prev.expired, secs),
            errors: rate(now.errors, prev.errors, secs),
            errorstats,
            delayed_fsync: rate(now.delayed_fsync, prev.delayed_fsync, secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn counters(at: Instant, run: &str, uptime: u64, commands: u64) -> Counters {
        let info = Info {
            run_id: Some(run.into()),
            uptime_in_seconds: Some(uptime),
            total_commands_processed: Some(commands),
            ..Info::default()
        };
        Counters::from_info(at, &info)
    }

    #[test]
    fn rate_from_deltas() {
        let t0 = Instant::now();
        let a = counters(t0, "r", 10, 100);
        let b = counters(t0 + Duration::from_secs(2), "r", 12, 300);
        assert_eq!(Rates::between(&a, &b).ops, Some(100.0));
        assert_eq!(b.restart_reason(&a), None);
        assert_eq!(b.reset_reason(&a), None);
    }

    #[test]
    fn backwards_is_reset_not_negative() {
        let t0 = Instant::now();
        let a = counters(t0, "r", 10, 300);
        let b = counters(t0 + Duration::from_secs(1), "r", 11, 5);
        assert_eq!(Rates::between(&a, &b).ops, None);
        assert_eq!(b.reset_reason(&a), Some("total_commands_processed"));
        let c = counters(t0 + Duration::from_secs(1), "other", 1, 5);
        assert_eq!(c.restart_reason(&a), Some("run id changed"));
    }
}
