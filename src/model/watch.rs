//! The stability watch: after a mitigation (or on `w`), how long the health targets have held.
//! `STABLE 3m12s / 5m` or `UNSTABLE: hit_rate 62.0% over 1m`. Pure: time comes from samples.

use std::time::{Duration, Instant};

use super::view::{Health, Verdict};

/// A running watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    pub started: Instant,
    pub window: Duration,
    /// Start of the current healthy stretch; None while unhealthy.
    pub healthy_since: Option<Instant>,
    /// Why it is unstable now.
    pub problem: Option<String>,
    /// Last time the probe was asked for.
    pub last_probe: Option<Instant>,
    /// Set once the window was completed (reported once).
    pub reached: bool,
}

/// What the header shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WatchView {
    pub stable: bool,
    /// Healthy for this long (seconds).
    pub stable_secs: u64,
    pub window_secs: u64,
    /// `STABLE 3m12s / 5m`, `STABLE for 5m ✓`, `UNSTABLE: …`.
    pub text: String,
}

fn fmt(d: u64) -> String {
    crate::format::age(d)
}

/// The first health problem that breaks stability. Uptime is left out (a restart is usually
/// the mitigation being watched), and so is "no maxmemory set" (configuration, not a figure
/// that recovers).
pub fn problem(connected: bool, health: &Health) -> Option<String> {
    if !connected {
        return Some("Redis not reachable".into());
    }
    health
        .items
        .iter()
        .filter(|i| i.name != "uptime" && i.value != super::health::NO_MAXMEMORY)
        .find(|i| matches!(i.verdict, Verdict::Warn | Verdict::Crit))
        .map(|i| format!("{} {} ({})", i.name, i.value, i.target))
}

impl Watch {
    pub fn new(at: Instant, window: Duration) -> Self {
        Self {
            started: at,
            window,
            healthy_since: None,
            problem: None,
            last_probe: None,
            reached: false,
        }
    }

    /// Feeds one evaluation at `at`. Returns true when the window was just completed.
    pub fn observe(&mut self, at: Instant, problem: Option<String>) -> bool {
        if let Some(p) = problem {
            self.healthy_since = None;
            self.problem = Some(p);
            self.reached = false;
            false
        } else {
            self.problem = None;
            let since = *self.healthy_since.get_or_insert(at);
            let done = at.saturating_duration_since(since) >= self.window;
            let just = done && !self.reached;
            self.reached |= done;
            just
        }
    }

    /// Should the probe run now (every `every` during the watch)?
    pub fn probe_due(&self, now: Instant, every: Duration) -> bool {
        self.last_probe
            .is_none_or(|t| now.saturating_duration_since(t) >= every)
    }

    pub fn view(&self, now: Instant) -> WatchView {
        let window_secs = self.window.as_secs();
        match (&self.problem, self.healthy_since) {
            (Some(p), _) => WatchView {
                stable: false,
                stable_secs: 0,
                window_secs,
                text: format!("UNSTABLE: {p}"),
            },
            (None, Some(since)) => {
                let secs = now.saturating_duration_since(since).as_secs();
                let text = if secs >= window_secs {
                    format!("STABLE for {} ✓", fmt(window_secs))
                } else {
                    format!("STABLE {} / {}", fmt(secs), fmt(window_secs))
                };
                WatchView {
                    stable: true,
                    stable_secs: secs,
                    window_secs,
                    text,
                }
            }
            (None, None) => WatchView {
                stable: false,
                stable_secs: 0,
                window_secs,
                text: "WATCHING: waiting for a sample".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::view::HealthItem;

    fn health(hit: Verdict) -> Health {
        Health {
            overall: hit,
            items: vec![
                HealthItem {
                    name: "hit_rate",
                    verdict: hit,
                    value: "62.0% over 1m".into(),
                    target: "warn <70%".into(),
                },
                HealthItem {
                    name: "uptime",
                    verdict: Verdict::Warn,
                    value: "restarted 3s ago".into(),
                    target: String::new(),
                },
            ],
        }
    }

    #[test]
    fn goes_stable_after_the_window_and_back_to_unstable() {
        let t0 = Instant::now();
        let window = Duration::from_secs(300);
        let mut w = Watch::new(t0, window);
        let mut completed = 0;
        for s in 0..=300u64 {
            let at = t0 + Duration::from_secs(s);
            if w.observe(at, problem(true, &health(Verdict::Ok))) {
                completed += 1;
            }
            if s == 192 {
                assert_eq!(w.view(at).text, "STABLE 3m12s / 5m00s");
            }
        }
        assert_eq!(completed, 1);
        let end = t0 + Duration::from_secs(300);
        assert!(w.view(end).stable);
        assert_eq!(w.view(end).text, "STABLE for 5m00s ✓");
        let at = end + Duration::from_secs(1);
        w.observe(at, problem(true, &health(Verdict::Warn)));
        let v = w.view(at);
        assert!(!v.stable);
        assert!(v.text.starts_with("UNSTABLE: hit_rate 62.0%"), "{}", v.text);
        w.observe(
            at + Duration::from_secs(1),
            problem(false, &health(Verdict::Ok)),
        );
        assert_eq!(w.view(at).text, "UNSTABLE: Redis not reachable");
    }

    #[test]
    fn uptime_warning_alone_does_not_break_stability() {
        assert_eq!(problem(true, &health(Verdict::Ok)), None);
    }

    #[test]
    fn probe_cadence() {
        let t0 = Instant::now();
        let mut w = Watch::new(t0, Duration::from_secs(60));
        assert!(w.probe_due(t0, Duration::from_secs(10)));
        w.last_probe = Some(t0);
        assert!(!w.probe_due(t0 + Duration::from_secs(5), Duration::from_secs(10)));
        assert!(w.probe_due(t0 + Duration::from_secs(10), Duration::from_secs(10)));
    }
}
