//! The signals the diagnosis rules read: figures from the view (so the evidence is what the
//! panes show) plus what only the instance knows (PING baseline, the server's log). A signal
//! that cannot be known now (no data, no CONFIG, no lookups) is absent, never a guess.

use std::collections::BTreeMap;

use crate::collect::serverlog::LogKind;
use crate::format::{bytes, micros, num, pct, rate};
use crate::model::instance::Instance;
use crate::model::view::{ConnState, Snapshot};

/// A signal's value and the same figure in words, for the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub value: f64,
    pub text: String,
}

pub type Facts = BTreeMap<&'static str, Fact>;

/// Samples kept out of the PING baseline (the "recent" window).
const RECENT: usize = 10;
/// Samples the baseline needs.
const BASELINE_MIN: usize = 30;
/// Hit rates below this many lookups per second say nothing.
const MIN_LOOKUPS: f64 = 10.0;

pub(super) fn put(f: &mut Facts, name: &'static str, value: f64, text: String) {
    f.insert(name, Fact { value, text });
}

pub(super) fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// All signals known now for one instance.
/// The signals this server cannot give, and why: those fed by a command it lacks or refuses
/// (the pane says `SLOWLOG unavailable: …`). The diagnosis says so instead of guessing.
pub fn unknowable(snap: &Snapshot) -> BTreeMap<&'static str, String> {
    use crate::model::view::PaneStatus;
    let mut out = BTreeMap::new();
    let panes: [(&PaneStatus, &[&'static str]); 3] = [
        (&snap.slowlog.status, &["slowlog_per_min"]),
        (&snap.errors.latency_status, &["latency_event_ms"]),
        (
            &snap.clients.list_status,
            &["top_group_percent", "idle_percent"],
        ),
    ];
    for (status, signals) in panes {
        if let PaneStatus::Unavailable { message } = status {
            for s in signals {
                out.insert(*s, message.clone());
            }
        }
    }
    // No spike is no evidence while the monitor that would record one is off.
    if snap.errors.latency_monitor_threshold_ms == Some(0) {
        out.entry("latency_event_ms")
            .or_insert_with(|| "latency monitor off (latency-monitor-threshold 0)".into());
    }
    out
}

pub fn facts(snap: &Snapshot, inst: &Instance) -> Facts {
    let mut f = Facts::new();
    link_facts(&mut f, snap, inst);
    memory_facts(&mut f, snap);
    client_facts(&mut f, snap);
    idle_facts(&mut f, inst);
    persistence_facts(&mut f, snap, inst);
    // Rates and spikes only from a server that answers now: the last samples of one that
    // hangs or died say nothing of now (a kill left `slow` and `hit_rate` LIKELY).
    if snap.header.connection == ConnState::Up {
        latency_facts(&mut f, snap, inst);
        traffic_facts(&mut f, snap, inst);
        keys_facts(&mut f, inst);
        flush_facts(&mut f, inst);
    }
    super::group_signals::facts(&mut f, snap, inst);
    super::cluster_signals::facts(&mut f, snap);
    let container = snap.container.as_ref().and_then(|c| c.info.as_ref());
    put(
        &mut f,
        "container_found",
        flag(container.is_some()),
        container.map_or_else(
            || "no container found".into(),
            |c| format!("the container {}", c.name),
        ),
    );
    for c in snap.container.iter().flat_map(|c| &c.signals) {
        put(&mut f, c.signal, c.value, c.text.clone());
    }
    f
}

fn link_facts(f: &mut Facts, snap: &Snapshot, inst: &Instance) {
    let h = &snap.header;
    if h.connection == ConnState::Connecting {
        return;
    }
    let err = h.last_error.as_deref().unwrap_or("");
    let maxclients = matches!(h.connection, ConnState::Full { .. })
        || err.contains(crate::model::snapshot::MAXCLIENTS);
    let cut = matches!(&h.connection,
        ConnState::Down { reason } if reason == crate::collect::connect::CUT_MID_REPLY);
    let down = matches!(h.connection, ConnState::Down { .. }) && !maxclients && !cut;
    let label = format!(
        "{} for {}",
        h.connection_label,
        crate::format::age(h.since_secs)
    );
    put(f, "down", flag(down), label.clone());
    put(f, "cut", flag(cut), label.clone());
    let hung = matches!(h.connection, ConnState::Unresponsive { .. });
    put(
        f,
        "unresponsive",
        flag(hung),
        if hung {
            format!("{label}: the connection is accepted (no refusal) but nothing answers")
        } else {
            label.clone()
        },
    );
    let text = if maxclients {
        format!("redtriage's own connection refused: {err}")
    } else {
        "redtriage's own connection not refused for max clients".into()
    };
    put(f, "maxclients_refused", flag(maxclients), text);
    let unusable = down || cut || hung || maxclients;
    put(f, "unusable", flag(unusable), label.clone());
    let unit = inst.known.get("systemd_unit");
    put(
        f,
        "systemd_unit",
        flag(unit.is_some()),
        unit.map_or_else(
            || "no systemd unit serves it".into(),
            |u| format!("served by the systemd unit {u}"),
        ),
    );
    if let Some(ago) = h.last_restart_ago_secs {
        let seen = h.restarts_seen;
        put(
            f,
            "restart_ago_secs",
            ago as f64,
            format!(
                "restart seen {} ago ({seen} since start)",
                crate::format::age(ago)
            ),
        );
    } else if inst.samples_total >= 2 {
        put(
            f,
            "restart_ago_secs",
            f64::INFINITY,
            "no restart seen".into(),
        );
    }
    if let Some(up) = h.uptime_secs {
        put(
            f,
            "uptime_secs",
            up as f64,
            format!("uptime {}", crate::format::age(up)),
        );
    }
    if inst.info.is_some() {
        let p = &snap.persistence;
        let text = match p.loading_percent {
            Some(pc) => format!("loading the dataset, {}", pct(pc)),
            None => "loading the dataset".into(),
        };
        put(f, "loading", flag(p.loading), text);
    }
    for (kind, name) in [
        (LogKind::Aof, "log_aof"),
        (LogKind::Rdb, "log_rdb"),
        (LogKind::Disk, "log_disk"),
        (LogKind::Oom, "log_oom"),
        (LogKind::Crash, "log_crash"),
    ] {
        let lines: Vec<&str> = (inst.log_findings().iter())
            .filter(|l| l.kind == kind)
            .map(|l| l.line.as_str())
            .collect();
        if let Some(last) = lines.last() {
            put(f, name, lines.len() as f64, format!("server log: {last}"));
        }
    }
}

fn memory_facts(f: &mut Facts, snap: &Snapshot) {
    let m = &snap.memory;
    if let (Some(p), Some(used), Some(max)) = (m.used_percent, m.used_bytes, m.max_bytes) {
        put(
            f,
            "used_percent",
            p,
            format!(
                "used {} of maxmemory {} ({})",
                bytes(used),
                bytes(max),
                pct(p)
            ),
        );
    }
    let policy = m.policy.as_deref().unwrap_or("?");
    if let Some(e) = m.evictions_per_sec {
        put(
            f,
            "evictions_per_sec",
            e,
            format!("evicting {} keys (policy {policy})", rate(e)),
        );
    }
    let oom = snap.errors.by_kind.iter().find(|k| k.kind == "OOM");
    if let Some(all) = snap.errors.errors_per_sec {
        let (r, total) = oom.map_or((0.0, 0), |k| (k.per_sec.unwrap_or(0.0), k.total));
        let _ = all;
        put(
            f,
            "oom_errors_per_sec",
            r,
            format!("OOM error replies {} ({total} since start)", rate(r)),
        );
        if m.policy.is_some() {
            let hit = policy == "noeviction" && total > 0;
            put(
                f,
                "noeviction_oom",
                flag(hit),
                format!("policy {policy}, {total} writes refused with OOM"),
            );
        }
    }
    if let (Some(ratio), Some(used), Some(rss)) = (m.fragmentation_ratio, m.used_bytes, m.rss_bytes)
        && used >= 64 * 1024 * 1024
    {
        put(
            f,
            "fragmentation",
            ratio,
            format!("RSS {} is {ratio:.2}× used {}", bytes(rss), bytes(used)),
        );
    }
}

fn client_facts(f: &mut Facts, snap: &Snapshot) {
    let c = &snap.clients;
    if let (Some(p), Some(n), Some(max)) = (c.used_percent, c.connected, c.max) {
        put(
            f,
            "clients_percent",
            p,
            format!("{n} of {max} clients ({})", pct(p)),
        );
    }
    if let Some(r) = c.rejected_per_sec {
        put(
            f,
            "rejected_per_sec",
            r,
            format!("rejected connections {}", rate(r)),
        );
    }
    if let Some(r) = c.connections_per_sec {
        put(
            f,
            "connections_per_sec",
            r,
            format!("new connections {}", rate(r)),
        );
    }
    if let Some(b) = c.blocked {
        put(
            f,
            "blocked_clients",
            b as f64,
            format!("{b} blocked clients"),
        );
    }
    let top = c
        .groups
        .iter()
        .filter(|g| g.by == "addr")
        .max_by_key(|g| g.count);
    if let (Some(g), Some(n)) = (top, c.connected)
        && n >= 10
    {
        let share = g.count as f64 * 100.0 / n as f64;
        put(
            f,
            "top_group_percent",
            share,
            format!(
                "{} holds {} of {n} connections ({}), idle up to {}",
                g.key,
                g.count,
                pct(share),
                crate::format::age(g.max_idle_secs)
            ),
        );
    }
}

/// Connections held open and unused: a pool that grabs connections and never gives them back.
fn idle_facts(f: &mut Facts, inst: &Instance) {
    const IDLE_SECS: u64 = 300;
    let Some(crate::collect::types::ClientListResult::Listed { clients }) = &inst.clients.value
    else {
        return;
    };
    if clients.len() < 10 {
        return;
    }
    let idle = clients.iter().filter(|c| c.idle_secs >= IDLE_SECS).count();
    let share = idle as f64 * 100.0 / clients.len() as f64;
    put(
        f,
        "idle_percent",
        share,
        format!(
            "{idle} of {} clients idle ≥ {IDLE_SECS}s ({})",
            clients.len(),
            pct(share)
        ),
    );
}

fn latency_facts(f: &mut Facts, snap: &Snapshot, inst: &Instance) {
    if let Some(p50) = snap.errors.ping_p50_us {
        put(
            f,
            "ping_p50_ms",
            p50 as f64 / 1000.0,
            format!("PING p50 {}", micros(p50)),
        );
    }
    let hist = inst.ping_hist.tail_u64(300);
    if hist.len() >= BASELINE_MIN + RECENT {
        let (old, recent) = hist.split_at(hist.len() - RECENT);
        let (base, now) = (median(old), median(recent));
        if base > 0 {
            let ratio = now as f64 / base as f64;
            put(
                f,
                "ping_ratio",
                ratio,
                format!(
                    "PING p50 {} is {ratio:.1}× its baseline {}",
                    micros(now),
                    micros(base)
                ),
            );
        }
    }
    if let Some(p) = &snap.prometheus {
        let direct_up = snap.header.connection == ConnState::Up;
        let direct_down = matches!(
            snap.header.connection,
            ConnState::Down { .. } | ConnState::Unresponsive { .. } | ConnState::Full { .. }
        );
        let known = p.exporter != "UNKNOWN";
        if known {
            let disagree =
                (direct_up && p.exporter == "DOWN") || (direct_down && p.exporter == "UP");
            put(f, "views_disagree", flag(disagree), p.two_views.clone());
        }
    }
    let wall = inst
        .last_sample_wall
        .and_then(|w| w.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    if snap.errors.latency_status == crate::model::view::PaneStatus::Ok
        && let Some(wall) = wall
    {
        let recent = snap
            .errors
            .latency_events
            .iter()
            .filter(|e| wall.saturating_sub(e.timestamp) <= 60)
            .max_by_key(|e| e.latest_ms);
        // With the monitor off, no spike is recorded: nothing to say (`unknowable` says why).
        let off = snap.errors.latency_monitor_threshold_ms == Some(0);
        if recent.is_none() && off {
            return;
        }
        let (ms, text) = recent.map_or((0.0, "no latency spike in the last minute".into()), |e| {
            (
                e.latest_ms as f64,
                format!(
                    "LATENCY LATEST {}: {} ms (max {} ms)",
                    e.event, e.latest_ms, e.max_ms
                ),
            )
        });
        put(f, "latency_event_ms", ms, text);
    }
}

/// A peak of fewer keys says nothing (a test server, a cache warming up).
const KEYS_PEAK_MIN: u64 = 100;

/// The key count's fall from its recent peak, with the FLUSHALL/FLUSHDB calls the server
/// counted (commandstats, since its start).
fn keys_facts(f: &mut Facts, inst: &Instance) {
    let Some((keys, peak, ago)) = (inst.last_sample_at).and_then(|at| inst.keys_peak(at)) else {
        return;
    };
    if peak < KEYS_PEAK_MIN {
        return;
    }
    let drop = (peak - keys) as f64 * 100.0 / peak as f64;
    let flushes = flush_calls(inst);
    let text = if keys < peak {
        let mut t = format!(
            "keys fell from {peak} to {keys} (−{}) in the last {}",
            pct(drop),
            crate::format::age(ago.as_secs())
        );
        for fl in &flushes {
            t.push_str("; ");
            t.push_str(fl);
        }
        t
    } else {
        format!("keys {keys}, at their 5-minute peak")
    };
    put(f, "keys_drop_percent", drop, text);
}

/// `FLUSHALL called 1× since the server started`, per flush command the server counted
/// (commandstats, slow cadence).
fn flush_calls(inst: &Instance) -> Vec<String> {
    (inst.commandstats.value.iter())
        .flat_map(|m| m.iter())
        .filter(|(name, st)| matches!(name.as_str(), "flushall" | "flushdb") && st.calls > 0)
        .map(|(name, st)| {
            format!(
                "{} called {}× since the server started",
                name.to_uppercase(),
                st.calls
            )
        })
        .collect()
}

/// The flushes the server counted: evidence of an emptied cache even when redtriage started
/// after it (no peak of keys seen).
fn flush_facts(f: &mut Facts, inst: &Instance) {
    let Some(stats) = &inst.commandstats.value else {
        return;
    };
    let n: u64 = (stats.iter())
        .filter(|(name, _)| matches!(name.as_str(), "flushall" | "flushdb"))
        .map(|(_, st)| st.calls)
        .sum();
    let calls = flush_calls(inst);
    let text = if calls.is_empty() {
        "no FLUSHALL or FLUSHDB since the server started".into()
    } else {
        calls.join(", ")
    };
    put(f, "flushes", n as f64, text);
}

fn persistence_facts(f: &mut Facts, snap: &Snapshot, inst: &Instance) {
    let p = &snap.persistence;
    let status = |name: &'static str, s: &Option<String>, what: &str, f: &mut Facts| {
        if let Some(s) = s {
            put(f, name, flag(s == "err"), format!("{what}: {s}"));
        }
    };
    status(
        "bgsave_err",
        &p.rdb_last_bgsave_status,
        "rdb_last_bgsave_status",
        f,
    );
    status(
        "aof_write_err",
        &p.aof_last_write_status,
        "aof_last_write_status",
        f,
    );
    status(
        "aof_rewrite_err",
        &p.aof_last_rewrite_status,
        "aof_last_bgrewrite_status",
        f,
    );
    if let Some(on) = p.aof_enabled {
        let text = if on {
            "AOF on"
        } else {
            "AOF off (appendonly no)"
        };
        put(f, "aof_enabled", flag(on), text.into());
    }
    if snap.errors.errors_per_sec.is_some() {
        let m = snap.errors.by_kind.iter().find(|k| k.kind == "MISCONF");
        let (r, total) = m.map_or((0.0, 0), |k| (k.per_sec.unwrap_or(0.0), k.total));
        put(
            f,
            "misconf_per_sec",
            r,
            format!(
                "MISCONF error replies {} ({total} since start): writes refused",
                rate(r)
            ),
        );
    }
    if let Some(r) = inst.rates.delayed_fsync {
        let total = p.aof_delayed_fsync.unwrap_or(0);
        put(
            f,
            "delayed_fsync_per_sec",
            r,
            format!("aof_delayed_fsync +{} ({total} in all)", rate(r)),
        );
    }
    if let Some(us) = p.latest_fork_usec {
        put(
            f,
            "fork_ms",
            us as f64 / 1000.0,
            format!("latest fork took {}", micros(us)),
        );
    }
    if let Some(d) = &p.disk
        && let (Some(used), Some(free)) = (d.used_percent, d.free_bytes)
    {
        put(
            f,
            "disk_used_percent",
            used,
            format!(
                "the disk of the server's dir is {used:.1}% used, {} free",
                bytes(free)
            ),
        );
    }
}

fn traffic_facts(f: &mut Facts, snap: &Snapshot, inst: &Instance) {
    // No id movement to measure, but the slowlog answered: nothing new.
    let quiet =
        snap.slowlog.status == crate::model::view::PaneStatus::Ok && snap.slowlog.length.is_some();
    if let Some(n) = snap.slowlog.new_per_min.or(quiet.then_some(0.0)) {
        put(
            f,
            "slowlog_per_min",
            n,
            format!("slowlog +{}/min{}", num(n), slow_top(inst)),
        );
    }
    let h = &snap.hit_rate;
    if let (Some(now), Some(l)) = (h.now_percent, h.lookups_per_sec)
        && l >= MIN_LOOKUPS
    {
        put(
            f,
            "hit_rate_now",
            now,
            format!("hit rate {} at {} lookups", pct(now), rate(l)),
        );
        if let Some(m5) = h.m5_percent {
            put(
                f,
                "hit_rate_drop",
                m5 - now,
                format!("hit rate fell from {} (5 min) to {}", pct(m5), pct(now)),
            );
        }
        // Since the start, from INFO's cumulative counters: the baseline a one-interval
        // snapshot has too.
        let info = inst.info.as_ref();
        let (hits, misses) = (
            info.and_then(|i| i.keyspace_hits).unwrap_or(0),
            info.and_then(|i| i.keyspace_misses).unwrap_or(0),
        );
        if hits + misses >= 100 {
            let since_start = hits as f64 * 100.0 / (hits + misses) as f64;
            put(
                f,
                "hit_rate_fall",
                since_start - now,
                format!(
                    "hit rate {} now against {} since the server started",
                    pct(now),
                    pct(since_start)
                ),
            );
        }
    }
}

/// `, top: SORT ×12 (max 120ms)` from the retained slowlog.
fn slow_top(inst: &Instance) -> String {
    let top = crate::model::diagnosis::slow_commands(&inst.slowlog);
    top.first().map_or(String::new(), |t| {
        format!(
            ", top: {} ×{} (max {})",
            t.command,
            t.count,
            micros(t.max_us)
        )
    })
}

fn median(v: &[u64]) -> u64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}
