//! The runbook's health table as verdicts, thresholds from [`Thresholds`].
//!
//! | Metric | Target | Warning | Critical |
//! |---|---|---|---|
//! | Memory (of maxmemory) | < 70 % | 80 % | 90 % — no maxmemory at all is a warning |
//! | Hit rate | > 80 % | < 70 % | < 50 % |
//! | Latency (PING p50) | < 1 ms | > 5 ms | > 10 ms |
//! | Clients (of maxclients) | < 80 % | 90 % | 100 % |
//! | Uptime | no restart | restarted recently | unreachable |

use super::view::{HealthItem, Verdict};
use crate::target::Thresholds;

/// The memory value when no limit is set: a configuration warning, not a live figure (the
/// stability watch does not wait for it to change).
pub const NO_MAXMEMORY: &str = "no maxmemory set";

/// Memory verdict from used bytes and maxmemory (0 = no limit).
pub fn memory(used: Option<u64>, max: Option<u64>, th: &Thresholds) -> HealthItem {
    let target = format!(
        "warn ≥{:.0}%, crit ≥{:.0}% of maxmemory",
        th.memory_warn_percent, th.memory_crit_percent
    );
    let (verdict, value) = match (used, max) {
        (Some(_), Some(0)) => (Verdict::Warn, NO_MAXMEMORY.to_string()),
        (Some(u), Some(m)) => {
            let pct = u as f64 * 100.0 / m as f64;
            (
                at_or_above(pct, th.memory_warn_percent, th.memory_crit_percent),
                format!("{pct:.1}% of maxmemory"),
            )
        }
        _ => (Verdict::Unknown, "no data".to_string()),
    };
    HealthItem {
        name: "memory",
        verdict,
        value,
        target,
    }
}

fn at_or_above(v: f64, warn: f64, crit: f64) -> Verdict {
    if v >= crit {
        Verdict::Crit
    } else if v >= warn {
        Verdict::Warn
    } else {
        Verdict::Ok
    }
}

/// Hit rate verdict; `lookups` tells an idle server (OK, nothing to judge) from no data.
/// `over` is the time the figures were measured over (a minute at most; `check` measures one
/// interval, or its `--window`); None is a full minute.
pub fn hit_rate(
    percent: Option<f64>,
    lookups: Option<f64>,
    over: Option<std::time::Duration>,
    th: &Thresholds,
) -> HealthItem {
    let target = format!(
        "warn <{:.0}%, crit <{:.0}%",
        th.hit_rate_warn_percent, th.hit_rate_crit_percent
    );
    let (verdict, value) = match (percent, lookups) {
        (Some(p), _) => {
            let v = if p < th.hit_rate_crit_percent {
                Verdict::Crit
            } else if p < th.hit_rate_warn_percent {
                Verdict::Warn
            } else {
                Verdict::Ok
            };
            (v, format!("{p:.1}% over {}", over_words(over)))
        }
        (None, Some(_)) => (Verdict::Ok, format!("no lookups over {}", over_words(over))),
        (None, None) => (Verdict::Unknown, "no data yet".to_string()),
    };
    HealthItem {
        name: "hit_rate",
        verdict,
        value,
        target,
    }
}

/// `1m`, or the shorter time measured: `5s`, `200ms`.
fn over_words(over: Option<std::time::Duration>) -> String {
    match over {
        Some(d) if d < std::time::Duration::from_secs(59) => crate::format::format_duration(
            std::time::Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        ),
        _ => "1m".into(),
    }
}

/// Latency verdict from the PING p50, µs.
pub fn latency(p50_us: Option<u64>, th: &Thresholds) -> HealthItem {
    let target = format!(
        "warn >{}ms, crit >{}ms (PING p50)",
        th.latency_warn_ms, th.latency_crit_ms
    );
    let (verdict, value) = match p50_us {
        Some(us) => {
            let ms = us as f64 / 1000.0;
            let v = if ms > th.latency_crit_ms {
                Verdict::Crit
            } else if ms > th.latency_warn_ms {
                Verdict::Warn
            } else {
                Verdict::Ok
            };
            (v, format!("{ms:.2}ms"))
        }
        None => (Verdict::Unknown, "no data".to_string()),
    };
    HealthItem {
        name: "latency",
        verdict,
        value,
        target,
    }
}

/// Clients verdict from connected and maxclients.
pub fn clients(connected: Option<u64>, max: Option<u64>, th: &Thresholds) -> HealthItem {
    let target = format!(
        "warn ≥{:.0}%, crit ≥{:.0}% of maxclients",
        th.clients_warn_percent, th.clients_crit_percent
    );
    let (verdict, value) = match (connected, max) {
        (Some(c), Some(m)) if m > 0 => {
            let pct = c as f64 * 100.0 / m as f64;
            (
                at_or_above(pct, th.clients_warn_percent, th.clients_crit_percent),
                format!("{c} of {m} ({pct:.1}%)"),
            )
        }
        (Some(c), _) => (Verdict::Ok, format!("{c} (maxclients unknown)")),
        _ => (Verdict::Unknown, "no data".to_string()),
    };
    HealthItem {
        name: "clients",
        verdict,
        value,
        target,
    }
}

/// Uptime verdict: a recent restart is a warning; unreachable is unknown (nothing to judge
/// by, as the dashboard's overall says; `check` exits 3 for it).
pub fn uptime(reachable: bool, uptime_secs: Option<u64>, th: &Thresholds) -> HealthItem {
    let target = format!(
        "warn when started <{} ago",
        crate::format::age(th.uptime_warn_secs)
    );
    let (verdict, value) = match (reachable, uptime_secs) {
        (false, _) => (Verdict::Unknown, "unreachable".to_string()),
        (true, Some(u)) if u < th.uptime_warn_secs => {
            // True of a first start as of a restart (which one, redtriage cannot tell).
            (
                Verdict::Warn,
                format!("started {} ago", crate::format::age(u)),
            )
        }
        (true, Some(u)) => (Verdict::Ok, format!("up {}", crate::format::age(u))),
        (true, None) => (Verdict::Unknown, "no data".to_string()),
    };
    HealthItem {
        name: "uptime",
        verdict,
        value,
        target,
    }
}

/// What the last persistence attempts say (from `INFO persistence`), for [`persistence`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PersistenceFacts {
    pub bgsave_failed: bool,
    /// Redis refuses writes because of it (`stop-writes-on-bgsave-error`, a save point).
    pub writes_refused: bool,
    pub aof_failed: bool,
    pub delayed_fsyncs: u64,
}

/// Persistence verdict: a failed BGSAVE or AOF write is critical, a delayed fsync a warning.
pub fn persistence(facts: Option<PersistenceFacts>) -> HealthItem {
    let target = "crit when a BGSAVE or an AOF write failed, warn on delayed fsyncs".to_string();
    let (verdict, value) = match facts {
        None => (Verdict::Unknown, "no data yet".to_string()),
        Some(p) if p.bgsave_failed && p.writes_refused => (
            Verdict::Crit,
            "last BGSAVE failed: writes refused (MISCONF)".to_string(),
        ),
        Some(p) if p.bgsave_failed => (Verdict::Crit, "last BGSAVE failed".to_string()),
        Some(p) if p.aof_failed => (Verdict::Crit, "AOF write or rewrite failed".to_string()),
        Some(p) if p.delayed_fsyncs > 0 => (
            Verdict::Warn,
            format!("{} delayed AOF fsyncs", p.delayed_fsyncs),
        ),
        Some(_) => (Verdict::Ok, "last saves ok".to_string()),
    };
    HealthItem {
        name: "persistence",
        verdict,
        value,
        target,
    }
}

/// Error replies that mean the server refuses writes (or all commands).
pub const REFUSING: [&str; 6] = [
    "MISCONF",
    "OOM",
    "READONLY",
    "NOREPLICAS",
    "CLUSTERDOWN",
    "MASTERDOWN",
];

/// Errors verdict: writes refused (`MISCONF`, `OOM`, `READONLY`…) is critical. Other error
/// replies are shown, not judged: many apps make some by design (`NOSCRIPT` before an
/// `EVAL`, `WRONGTYPE` probes). `by_kind` is (kind, per second).
pub fn errors(per_sec: Option<f64>, by_kind: &[(&str, Option<f64>)]) -> HealthItem {
    let target = "crit when writes are refused (MISCONF, OOM, READONLY…)".to_string();
    let refusing: Vec<String> = (by_kind.iter())
        .filter(|(k, r)| REFUSING.contains(k) && r.is_some_and(|r| r > 0.0))
        .map(|(k, r)| format!("{k} {}", crate::format::rate(r.unwrap_or(0.0))))
        .collect();
    let (verdict, value) = match per_sec {
        None => (Verdict::Unknown, "no data yet".to_string()),
        Some(_) if !refusing.is_empty() => (
            Verdict::Crit,
            format!("writes refused: {}", refusing.join(", ")),
        ),
        Some(r) => (
            Verdict::Ok,
            format!("{} error replies", crate::format::rate(r)),
        ),
    };
    HealthItem {
        name: "errors",
        verdict,
        value,
        target,
    }
}

/// The worst of `verdicts` that is known; Unknown when none is.
pub fn worst(verdicts: &[Verdict]) -> Verdict {
    (verdicts.iter().copied())
        .filter(|v| *v != Verdict::Unknown)
        .max()
        .unwrap_or(Verdict::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test_case(Some(50), Some(100), Verdict::Ok; "half")]
    #[test_case(Some(80), Some(100), Verdict::Warn; "eighty")]
    #[test_case(Some(90), Some(100), Verdict::Crit; "ninety")]
    #[test_case(Some(10), Some(0), Verdict::Warn; "no maxmemory")]
    #[test_case(None, None, Verdict::Unknown; "no data")]
    fn memory_levels(used: Option<u64>, max: Option<u64>, want: Verdict) {
        assert_eq!(memory(used, max, &Thresholds::default()).verdict, want);
    }

    #[test_case(Some(85.0), Verdict::Ok)]
    #[test_case(Some(69.0), Verdict::Warn)]
    #[test_case(Some(49.0), Verdict::Crit)]
    fn hit_rate_levels(p: Option<f64>, want: Verdict) {
        assert_eq!(
            hit_rate(p, Some(1.0), None, &Thresholds::default()).verdict,
            want
        );
    }

    #[test_case(500, Verdict::Ok)]
    #[test_case(6000, Verdict::Warn)]
    #[test_case(11000, Verdict::Crit)]
    fn latency_levels(us: u64, want: Verdict) {
        assert_eq!(latency(Some(us), &Thresholds::default()).verdict, want);
    }

    #[test_case(70, Verdict::Ok)]
    #[test_case(90, Verdict::Warn)]
    #[test_case(100, Verdict::Crit)]
    fn clients_levels(c: u64, want: Verdict) {
        assert_eq!(
            clients(Some(c), Some(100), &Thresholds::default()).verdict,
            want
        );
    }

    #[test]
    fn the_hit_rate_says_what_it_measured_over() {
        let th = Thresholds::default();
        let one_tick = Some(std::time::Duration::from_millis(1002));
        assert_eq!(
            hit_rate(Some(93.1), Some(230.0), one_tick, &th).value,
            "93.1% over 1.002s"
        );
        let a_window = Some(std::time::Duration::from_secs(5));
        assert_eq!(
            hit_rate(None, Some(0.0), a_window, &th).value,
            "no lookups over 5s"
        );
        assert_eq!(
            hit_rate(Some(93.1), Some(1.0), None, &th).value,
            "93.1% over 1m"
        );
    }

    #[test]
    fn uptime_levels() {
        let th = Thresholds::default();
        // Unreachable is unknown, as the dashboard's overall says (check exits 3).
        assert_eq!(uptime(false, Some(1000), &th).verdict, Verdict::Unknown);
        assert_eq!(uptime(true, Some(10), &th).verdict, Verdict::Warn);
        assert_eq!(uptime(true, Some(1000), &th).verdict, Verdict::Ok);
    }

    #[test]
    fn persistence_and_errors_levels() {
        assert_eq!(persistence(None).verdict, Verdict::Unknown);
        let failed = PersistenceFacts {
            bgsave_failed: true,
            writes_refused: true,
            ..PersistenceFacts::default()
        };
        let item = persistence(Some(failed));
        assert_eq!(item.verdict, Verdict::Crit);
        assert!(item.value.contains("MISCONF"), "{item:?}");
        let slow = PersistenceFacts {
            delayed_fsyncs: 3,
            ..PersistenceFacts::default()
        };
        assert_eq!(persistence(Some(slow)).verdict, Verdict::Warn);
        assert_eq!(
            persistence(Some(PersistenceFacts::default())).verdict,
            Verdict::Ok
        );
        let misconf = errors(Some(10.0), &[("MISCONF", Some(10.0)), ("ERR", Some(0.5))]);
        assert_eq!(misconf.verdict, Verdict::Crit);
        assert!(misconf.value.contains("MISCONF 10/s"), "{misconf:?}");
        // Other errors are shown, not judged; an old MISCONF count with no rate now is not.
        assert_eq!(
            errors(
                Some(5.0),
                &[("NOSCRIPT", Some(5.0)), ("MISCONF", Some(0.0))]
            )
            .verdict,
            Verdict::Ok
        );
        assert_eq!(errors(None, &[]).verdict, Verdict::Unknown);
        assert_eq!(
            worst(&[Verdict::Ok, Verdict::Unknown, Verdict::Warn]),
            Verdict::Warn
        );
        assert_eq!(worst(&[Verdict::Unknown]), Verdict::Unknown);
    }
}
