//! What the Prometheus poller sends: owned, parsed, escaped figures.

use std::time::{Instant, SystemTime};

use super::client::{Alert, PromError, Series};

/// The exporter's figures for one instance (one `instance` label value).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Figures {
    /// The `instance` label, escaped.
    pub instance: String,
    /// `redis_up`: 1 when the exporter reached Redis at its last scrape.
    pub redis_up: Option<f64>,
    /// `up`: 1 when Prometheus scraped the exporter.
    pub scrape_up: Option<f64>,
    /// Seconds since the last scrape of `redis_up`, as Prometheus counts them.
    pub scrape_age_secs: Option<f64>,
    /// Keyspace hit rate over 5 m, percent.
    pub hit_rate_percent: Option<f64>,
    pub memory_used_bytes: Option<f64>,
    /// 0 = no maxmemory.
    pub memory_max_bytes: Option<f64>,
    /// Only when maxmemory > 0.
    pub memory_percent: Option<f64>,
    pub clients: Option<f64>,
    pub clients_percent: Option<f64>,
    pub evictions_per_sec: Option<f64>,
    pub commands_per_sec: Option<f64>,
    /// Error replies per second by `err` label, over 5 m, highest first.
    pub errors_by_err: Vec<(String, f64)>,
}

impl Figures {
    /// Stores the value of query `name` (NaN and infinities are "no value").
    pub fn set(&mut self, name: &str, s: &Series) {
        let v = Some(s.value).filter(|v| v.is_finite());
        let slot = match name {
            "up" => &mut self.redis_up,
            "scrape_up" => &mut self.scrape_up,
            "scrape_age" => &mut self.scrape_age_secs,
            "hit_rate" => &mut self.hit_rate_percent,
            "memory_used" => &mut self.memory_used_bytes,
            "memory_max" => &mut self.memory_max_bytes,
            "memory_percent" => &mut self.memory_percent,
            "clients" => &mut self.clients,
            "clients_percent" => &mut self.clients_percent,
            "evictions" => &mut self.evictions_per_sec,
            "commands" => &mut self.commands_per_sec,
            "errors_by_err" => {
                let err = s.labels.get("err").cloned().unwrap_or_default();
                if let Some(v) = v {
                    self.errors_by_err.push((err, v));
                    self.errors_by_err.sort_by(|a, b| b.1.total_cmp(&a.1));
                }
                return;
            }
            _ => return,
        };
        *slot = v;
    }

    /// Sum of the error rates, errors per second.
    pub fn errors_per_sec(&self) -> Option<f64> {
        if self.errors_by_err.is_empty() {
            (self.redis_up == Some(1.0)).then_some(0.0)
        } else {
            Some(self.errors_by_err.iter().map(|e| e.1).sum())
        }
    }
}

/// The result of one round of instant queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FiguresSet {
    /// One row per `instance` that any query returned.
    pub rows: Vec<Figures>,
    /// Queries Prometheus refused: (name, message).
    pub query_errors: Vec<(&'static str, String)>,
}

/// The last hour from `query_range`: `(unix seconds, value)` oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Backfill {
    pub step_secs: u64,
    pub end_unix: u64,
    pub memory: Vec<(f64, f64)>,
    pub clients: Vec<(f64, f64)>,
    /// Percent.
    pub hit_rate: Vec<(f64, f64)>,
}

/// One thing the Prometheus poller learned.
#[derive(Debug, Clone, PartialEq)]
pub enum PromEvent {
    Figures(Result<FiguresSet, PromError>),
    Backfill(Result<Backfill, PromError>),
    Alerts(Result<Vec<Alert>, PromError>),
    Fleet(Result<FiguresSet, PromError>),
    /// The guessed selector (the message's) gave way to `selector`, the instance whose
    /// `redis_instance_info` carries the server's run id (`found_by`: `run_id`).
    Selector {
        selector: String,
        found_by: &'static str,
    },
}

/// A Prometheus event with the time it happened and the selector it was for (results for a
/// selector no longer in use are dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct PromMsg {
    pub at: Instant,
    pub wall: SystemTime,
    pub selector: String,
    pub event: PromEvent,
}
