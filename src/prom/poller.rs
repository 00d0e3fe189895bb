//! The Prometheus poller: one task, its own HTTP client, a timeout on every request,
//! `MissedTickBehavior::Skip`, one request in flight. Each tick: the instant queries for the
//! instance, its alerts, the fleet's queries while the fleet view is open; once per selector,
//! the 1 h backfill of the sparklines. A transport failure (unreachable, timeout, HTTP error,
//! bad JSON) ends the tick early, so a hung Prometheus costs one timeout per tick.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::client::{Alert, PromClient, PromError, Series};
use super::queries::{self, FLEET_SELECTOR, INSTANT};
use super::settings::{BACKFILL_RANGE, PromSettings};
use super::types::{Backfill, Figures, FiguresSet, PromEvent, PromMsg};
use crate::outbox::Outbox;

/// A failed backfill is tried again after this long.
const BACKFILL_RETRY: Duration = Duration::from_secs(30);

/// What the app wants polled; changed through a `watch` channel (attach, fleet view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromControl {
    /// Selector of the attached instance; `None` when no instance is attached (fleet only).
    pub selector: Option<String>,
    /// The fleet view is open: poll every instance too.
    pub fleet: bool,
    /// Backfill the sparklines (the TUI does; `snapshot` does not).
    pub backfill: bool,
    /// The attached server's run id (`INFO server`): with a guessed selector, the instance is
    /// looked up by it first (`redis_instance_info{run_id=…}`).
    pub run_id: Option<String>,
}

/// One Prometheus poller.
pub struct PromPoller {
    client: PromClient,
    settings: PromSettings,
    tx: Outbox<PromMsg>,
    control: watch::Receiver<PromControl>,
    /// Selector the backfill succeeded for, or was last tried for and when.
    backfill_done: Option<String>,
    backfill_tried: Option<(String, Instant)>,
    /// The last instance found by run id: (run id, its selector). Kept while a new run id
    /// (a restart) is not scraped yet.
    by_run_id: Option<(String, String)>,
}

impl PromPoller {
    /// A poller; fails only on a bad CA file (already checked in the config).
    pub fn new(
        settings: PromSettings,
        tx: impl Into<Outbox<PromMsg>>,
        control: watch::Receiver<PromControl>,
    ) -> Result<Self, String> {
        Ok(Self {
            client: PromClient::new(&settings)?,
            settings,
            tx: tx.into(),
            control,
            backfill_done: None,
            backfill_tried: None,
            by_run_id: None,
        })
    }

    /// Runs until the receiver is gone; a control change starts a tick at once.
    pub async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.settings.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                changed = self.control.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
            if self.tx.is_closed() {
                return;
            }
            self.tick().await;
        }
    }

    async fn send(&self, selector: &str, event: PromEvent) {
        let msg = PromMsg {
            at: Instant::now(),
            wall: SystemTime::now(),
            selector: selector.to_string(),
            event,
        };
        let _ = self.tx.send(msg).await;
    }

    /// One round of queries.
    pub async fn tick(&mut self) {
        let ctl = self.control.borrow_and_update().clone();
        let mut selector = ctl.selector.clone();
        if let (Some(sel), Some(rid)) = (&ctl.selector, &ctl.run_id)
            && self.settings.selector_guessed
            && *sel == self.settings.selector
        {
            selector = Some(self.find_by_run_id(sel, rid).await);
        }
        if let Some(sel) = &selector
            && !self.instance_round(sel, ctl.backfill).await
        {
            return;
        }
        if ctl.fleet {
            let r = self.figures(FLEET_SELECTOR).await;
            self.send(FLEET_SELECTOR, PromEvent::Fleet(r)).await;
        }
    }

    /// Figures, backfill (once), alerts; false when Prometheus failed at the transport level.
    async fn instance_round(&mut self, sel: &str, backfill: bool) -> bool {
        let figures = self.figures(sel).await;
        let failed = figures.is_err();
        self.send(sel, PromEvent::Figures(figures)).await;
        if failed {
            return false;
        }
        if backfill && self.backfill_due(sel) {
            self.backfill_tried = Some((sel.to_string(), Instant::now()));
            let r = self.backfill(sel).await;
            if r.is_ok() {
                self.backfill_done = Some(sel.to_string());
            }
            self.send(sel, PromEvent::Backfill(r)).await;
        }
        let alerts = self.alerts(sel).await;
        let failed = alerts.is_err();
        self.send(sel, PromEvent::Alerts(alerts)).await;
        !failed
    }

    /// The selector of the instance whose `redis_instance_info` has the run id `rid`, over the
    /// last hour (`last_over_time`: still found while the exporter is down, so that is what
    /// the pane says); the one found for an earlier run id while the new one is not scraped
    /// yet (a restart); else the guess. A newly found one is told to the model first.
    async fn find_by_run_id(&mut self, guessed: &str, rid: &str) -> String {
        if let Some((r, sel)) = &self.by_run_id
            && r == rid
        {
            return sel.clone();
        }
        let quoted = queries::quote_label(rid);
        let expr = format!(
            "max by (instance) (last_over_time(redis_instance_info{{run_id=\"{quoted}\"}}[1h]))"
        );
        let found = match self.client.query(&expr).await {
            Ok(series) => series
                .iter()
                .find_map(|s| s.labels.get("instance").cloned()),
            Err(_) => None,
        };
        let Some(instance) = found else {
            return self
                .by_run_id
                .as_ref()
                .map_or_else(|| guessed.to_string(), |(_, s)| s.clone());
        };
        let sel = format!("instance=\"{}\"", queries::quote_label(&instance));
        self.by_run_id = Some((rid.to_string(), sel.clone()));
        let event = PromEvent::Selector {
            selector: sel.clone(),
            found_by: "run_id",
        };
        self.send(guessed, event).await;
        sel
    }

    fn backfill_due(&self, sel: &str) -> bool {
        if self.backfill_done.as_deref() == Some(sel) {
            return false;
        }
        match &self.backfill_tried {
            Some((s, at)) if s == sel => at.elapsed() >= BACKFILL_RETRY,
            _ => true,
        }
    }

    /// Every instant query for `sel`, grouped by instance. A query Prometheus refuses is
    /// recorded and the others still run; a transport failure ends the round.
    async fn figures(&self, sel: &str) -> Result<FiguresSet, PromError> {
        let mut set = FiguresSet::default();
        let mut rows: BTreeMap<String, Figures> = BTreeMap::new();
        for name in INSTANT {
            let expr = self.settings.queries.render(name, sel);
            match self.client.query(&expr).await {
                Ok(series) => {
                    for s in series {
                        let inst = s.labels.get("instance").cloned().unwrap_or_default();
                        let row = rows.entry(inst.clone()).or_insert_with(|| Figures {
                            instance: inst,
                            ..Figures::default()
                        });
                        row.set(name, &s);
                    }
                }
                Err(e @ PromError::Query { .. }) => set.query_errors.push((name, e.to_string())),
                Err(e) => return Err(e),
            }
        }
        set.rows = rows.into_values().collect();
        Ok(set)
    }

    /// The last hour of memory, clients and hit rate, for the sparklines.
    async fn backfill(&self, sel: &str) -> Result<Backfill, PromError> {
        let end = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let range = BACKFILL_RANGE.as_secs();
        let step = queries::backfill_step(range, 1);
        let mut out = Backfill {
            step_secs: step,
            end_unix: end,
            ..Backfill::default()
        };
        for (name, dest) in [
            ("backfill_memory", &mut out.memory),
            ("backfill_clients", &mut out.clients),
            ("backfill_hit_rate", &mut out.hit_rate),
        ] {
            let expr = self.settings.queries.render(name, sel);
            let series = self
                .client
                .query_range(&expr, end.saturating_sub(range), end, step)
                .await?;
            if let Some(s) = series.into_iter().next() {
                *dest = s.points;
            }
        }
        Ok(out)
    }

    /// Firing and pending alerts of this instance: those whose label set matches a series of
    /// `ALERTS{sel}`, so Prometheus itself applies the selector.
    async fn alerts(&self, sel: &str) -> Result<Vec<Alert>, PromError> {
        let ours = self.client.query(&format!("ALERTS{{{sel}}}")).await?;
        let keys: Vec<BTreeMap<String, String>> = ours.iter().map(alert_key).collect();
        let all = self.client.alerts().await?;
        Ok(all
            .into_iter()
            .filter(|a| keys.contains(&a.labels))
            .collect())
    }
}

/// The labels of an `ALERTS` series as the alert itself carries them.
fn alert_key(s: &Series) -> BTreeMap<String, String> {
    let mut l = s.labels.clone();
    l.remove("__name__");
    l.remove("alertstate");
    l
}
