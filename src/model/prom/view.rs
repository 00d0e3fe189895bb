//! The Prometheus part of the view (`snapshot --json` key `prometheus`): the exporter's view
//! of the instance beside the direct one, its figures, the backfill, the alerts, the fleet.

use std::time::{Duration, Instant, UNIX_EPOCH};

use serde::Serialize;

use crate::model::health;
use crate::model::prom::{BackfillState, PromState};
use crate::model::view::{ConnState, Header, PaneStatus, Verdict};
use crate::prom::types::Figures;
use crate::target::Thresholds;

/// Errors per second above which an instance is unhealthy (the runbook's
/// `rate(redis_errors_total[5m]) > 1`).
pub const ERROR_RATE_WARN: f64 = 1.0;

/// What Prometheus says about the instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromView {
    /// URL, password masked.
    pub url: String,
    /// The label selector in use, and whether it was guessed from the address.
    pub selector: String,
    pub selector_guessed: bool,
    /// How the instance was found in place of the guess: `run_id` (its
    /// `redis_instance_info{run_id}` is the attached server's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_by: Option<&'static str>,
    /// `pending`, `ok`, or `error` with the message (unreachable, timeout, HTTP 500…).
    pub status: PaneStatus,
    /// `UP`, `DOWN` or `UNKNOWN`, as the exporter sees Redis.
    pub exporter: &'static str,
    /// Why, in words: `redis_up 0`, `scrape failed (exporter unreachable)`…
    pub exporter_reason: Option<String>,
    /// `direct UP / exporter DOWN`.
    pub two_views: String,
    /// What the pair points at (runbook cause), when they disagree or both are down.
    pub hint: Option<String>,
    /// Age of the exporter's data: Prometheus's last scrape plus our last query, seconds.
    pub data_age_secs: Option<u64>,
    /// The instance's figures (the first series the selector matched).
    pub figures: Option<Figures>,
    /// Every `instance` the selector matched (more than one is worth a warning).
    pub matched: Vec<String>,
    /// Queries Prometheus refused: `name: message`.
    pub query_errors: Vec<String>,
    /// `pending`, `done` or `failed: …`, with points and step.
    pub backfill: String,
    pub alerts_status: PaneStatus,
    pub alerts: Vec<AlertRow>,
    /// Present while the fleet view is open (and always in `fleet`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetView>,
    /// The Alerts pane is zoomed (`a`); screen state, not in the JSON.
    #[serde(skip)]
    pub alerts_zoomed: bool,
}

/// One alert of this instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    pub name: String,
    /// `firing` or `pending`.
    pub state: String,
    /// Seconds since `activeAt`.
    pub age_secs: Option<u64>,
    /// `summary` (else `description`) annotation, escaped.
    pub summary: String,
    /// Labels other than `alertname`, `k=v` joined by spaces, escaped.
    pub labels: String,
}

/// The fleet: one row per instance, worst first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetView {
    pub status: PaneStatus,
    pub rows: Vec<FleetRow>,
    /// The row under the cursor.
    pub cursor: Option<String>,
}

/// One instance of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetRow {
    pub instance: String,
    pub health: Verdict,
    /// `UP`, `DOWN` or `NO SCRAPE`.
    pub up: &'static str,
    pub memory_percent: Option<f64>,
    pub clients_percent: Option<f64>,
    pub hit_rate_percent: Option<f64>,
    pub errors_per_sec: Option<f64>,
    pub evictions_per_sec: Option<f64>,
    /// What is not OK, short.
    pub problems: String,
}

fn age(now: Instant, at: Option<Instant>) -> u64 {
    at.map_or(0, |a| now.saturating_duration_since(a).as_secs())
}

/// Status of a Prometheus-fed value: error wins, then pending, else ok.
fn status<T>(f: &crate::model::prom::Fed<T>) -> PaneStatus {
    match (&f.error, &f.value) {
        (Some(e), _) => PaneStatus::Error { message: e.clone() },
        (None, None) => PaneStatus::Pending,
        (None, Some(_)) => PaneStatus::Ok,
    }
}

/// The exporter's verdict on Redis from its figures.
fn exporter_state(f: Option<&Figures>) -> (&'static str, Option<String>) {
    match f {
        None => ("UNKNOWN", Some("no series match the selector".into())),
        Some(f) if f.scrape_up == Some(0.0) => {
            ("DOWN", Some("scrape failed: exporter unreachable".into()))
        }
        Some(f) if f.redis_up == Some(0.0) => (
            "DOWN",
            Some("redis_up 0: the exporter cannot reach Redis".into()),
        ),
        Some(f) if f.redis_up == Some(1.0) => ("UP", None),
        Some(_) => ("UNKNOWN", Some("no redis_up for the selector".into())),
    }
}

fn hint(direct_up: bool, exporter: &str) -> Option<String> {
    Some(match (direct_up, exporter) {
        (true, "DOWN") => "points at the exporter or the network (runbook cause D)".into(),
        (false, "DOWN") => "points at Redis itself (runbook causes A, B, E)".into(),
        (false, "UP") => "points at the network or credentials between redtriage and Redis".into(),
        _ => return None,
    })
}

impl PromState {
    /// The view at `now`, beside the direct view's header.
    pub fn view(&self, now: Instant, header: Option<&Header>, th: &Thresholds) -> PromView {
        let set = self.figures.value.as_ref();
        let fig = set.and_then(|s| s.rows.first());
        let (mut exporter, mut reason) = exporter_state(fig);
        if self.figures.value.is_none() || self.figures.error.is_some() {
            exporter = "UNKNOWN";
            reason = Some(if self.figures.error.is_some() {
                "Prometheus unavailable".into()
            } else {
                "waiting for Prometheus".into()
            });
        }
        let direct = header.map_or(ConnState::Connecting, |h| h.connection.clone());
        let direct_up = matches!(direct, ConnState::Up | ConnState::Loading { .. });
        let direct_word = match direct {
            ConnState::Up | ConnState::Loading { .. } => "UP",
            ConnState::Connecting => "CONNECTING",
            ConnState::Full { .. } => "FULL",
            _ => "DOWN",
        };
        let data_age_secs = fig
            .and_then(|f| f.scrape_age_secs)
            .map(|a| a.max(0.0).round() as u64 + age(now, self.figures.at));
        PromView {
            url: self.url.clone(),
            selector: self.selector.clone(),
            selector_guessed: self.selector_guessed,
            found_by: self.found_by,
            status: status(&self.figures),
            exporter,
            exporter_reason: reason,
            two_views: format!("direct {direct_word} / exporter {exporter}"),
            hint: hint(direct_up, exporter).filter(|_| header.is_some()),
            data_age_secs,
            figures: fig.cloned(),
            matched: set
                .map(|s| s.rows.iter().map(|r| r.instance.clone()).collect())
                .unwrap_or_default(),
            query_errors: set
                .map(|s| {
                    s.query_errors
                        .iter()
                        .map(|(n, e)| format!("{n}: {e}"))
                        .collect()
                })
                .unwrap_or_default(),
            backfill: match &self.backfill {
                BackfillState::Pending => "pending".into(),
                BackfillState::Done { points, step_secs } => {
                    format!("{points} points of the last hour, step {step_secs}s")
                }
                BackfillState::Failed(e) => format!("failed: {e}"),
            },
            alerts_status: status(&self.alerts),
            alerts: self.alert_rows(now),
            fleet: self.ui.fleet_open.then(|| FleetView {
                status: status(&self.fleet),
                rows: fleet_rows(self, th),
                cursor: self.ui.cursor.clone(),
            }),
            alerts_zoomed: self.ui.alerts_zoomed,
        }
    }

    fn alert_rows(&self, now: Instant) -> Vec<AlertRow> {
        let wall_now = self.wall.map(|(at, wall)| {
            (wall + now.saturating_duration_since(at))
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_secs()
        });
        let mut rows: Vec<AlertRow> = self
            .alerts
            .value
            .iter()
            .flatten()
            .map(|a| AlertRow {
                name: a.name.clone(),
                state: a.state.clone(),
                age_secs: match (wall_now, a.active_at_unix) {
                    (Some(w), Some(t)) => Some(w.saturating_sub(t)),
                    _ => None,
                },
                summary: a
                    .annotations
                    .get("summary")
                    .or_else(|| a.annotations.get("description"))
                    .cloned()
                    .unwrap_or_default(),
                labels: a
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "alertname")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
        rows.sort_by(|a, b| a.state.cmp(&b.state).then(b.age_secs.cmp(&a.age_secs)));
        rows
    }
}

/// Fleet rows, worst first (then by instance).
pub fn fleet_rows(p: &PromState, th: &Thresholds) -> Vec<FleetRow> {
    let mut rows: Vec<FleetRow> = p
        .fleet
        .value
        .iter()
        .flat_map(|s| s.rows.iter())
        .map(|f| fleet_row(f, th))
        .collect();
    rows.sort_by(|a, b| b.health.cmp(&a.health).then(a.instance.cmp(&b.instance)));
    rows
}

fn fleet_row(f: &Figures, th: &Thresholds) -> FleetRow {
    let up = match (f.scrape_up, f.redis_up) {
        (Some(0.0), _) => "NO SCRAPE",
        (_, Some(1.0)) => "UP",
        _ => "DOWN",
    };
    let mut items: Vec<(&str, Verdict, String)> = Vec::new();
    if up != "UP" {
        items.push(("up", Verdict::Crit, up.to_string()));
    }
    let pct = |v: f64| format!("{v:.0}%");
    if let Some(m) = f.memory_percent {
        let v = health::memory(Some((m * 100.0) as u64), Some(10_000), th).verdict;
        items.push(("mem", v, pct(m)));
    }
    if let Some(c) = f.clients_percent {
        let v = health::clients(Some((c * 100.0) as u64), Some(10_000), th).verdict;
        items.push(("clients", v, pct(c)));
    }
    if let Some(h) = f.hit_rate_percent {
        items.push((
            "hit",
            health::hit_rate(Some(h), Some(1.0), None, th).verdict,
            pct(h),
        ));
    }
    if let Some(e) = f.errors_per_sec().filter(|e| *e > ERROR_RATE_WARN) {
        items.push(("errors", Verdict::Warn, format!("{e:.1}/s")));
    }
    if let Some(e) = f.evictions_per_sec.filter(|e| *e > 0.0) {
        items.push(("evictions", Verdict::Warn, format!("{e:.1}/s")));
    }
    let health = items
        .iter()
        .map(|i| i.1)
        .filter(|v| *v != Verdict::Unknown)
        .max()
        .unwrap_or(Verdict::Ok);
    FleetRow {
        instance: f.instance.clone(),
        health,
        up,
        memory_percent: f.memory_percent,
        clients_percent: f.clients_percent,
        hit_rate_percent: f.hit_rate_percent,
        errors_per_sec: f.errors_per_sec(),
        evictions_per_sec: f.evictions_per_sec,
        problems: items
            .iter()
            .filter(|i| i.1 != Verdict::Ok && i.1 != Verdict::Unknown)
            .map(|i| format!("{} {}", i.0, i.2))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
