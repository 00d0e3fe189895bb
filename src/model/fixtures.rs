//! Fixed snapshots with realistic figures, for UI tests and benches. Not used by the program.

use crate::collect::types::LatencyEvent;
use crate::model::view::{
    ClientGroup, ClientsPane, ConnState, ErrorRate, ErrorsPane, Header, Health, HealthItem,
    HitRatePane, MemoryPane, PaneStatus, PersistencePane, SCHEMA_VERSION, SlowlogPane, SlowlogRow,
    Snapshot, Verdict,
};

const MB: u64 = 1024 * 1024;

/// A sound-but-busy master: memory at 83 % (WARN), everything else OK.
pub fn snapshot_ok() -> Snapshot {
    Snapshot {
        schema: SCHEMA_VERSION,
        header: header_ok(),
        memory: memory(),
        clients: clients(),
        slowlog: slowlog(),
        persistence: persistence(),
        hit_rate: hit_rate(),
        errors: errors(),
        marks_ago: Vec::new(),
        prometheus: None,
        cost: None,
        container: None,
        topology: crate::model::group::view::TopologyView::default(),
        diagnosis: Vec::new(),
        diag_fired: Vec::new(),
        diag_holding: Vec::new(),
    }
}

/// The server stopped answering 12 s ago: last good figures, every pane `stale 12s`.
pub fn snapshot_stale() -> Snapshot {
    let mut s = snapshot_ok();
    s.header.connection = ConnState::Unresponsive { no_reply_secs: 12 };
    s.header.connection_label = s.header.connection.label();
    s.header.since_secs = 12;
    s.header.stale_secs = Some(12);
    s.header.last_error = Some("timeout after 2s (PING)".into());
    set_status(&mut s, &PaneStatus::Stale { age_secs: 12 });
    s
}

/// Connection refused for 40 s after a restart was noticed; figures 45 s old.
pub fn snapshot_down() -> Snapshot {
    let mut s = snapshot_ok();
    s.header.connection = ConnState::Down {
        reason: "refused".into(),
    };
    s.header.connection_label = s.header.connection.label();
    s.header.since_secs = 40;
    s.header.stale_secs = Some(45);
    s.header.last_error = Some("Connection refused (os error 111)".into());
    s.header.ops_per_sec = None;
    s.header.latency_p50_us = None;
    s.header.health = Health {
        overall: Verdict::Unknown,
        items: vec![item("uptime", Verdict::Unknown, "server unreachable", "up")],
    };
    set_status(&mut s, &PaneStatus::Stale { age_secs: 45 });
    s
}

/// Just started: CONNECTING, nothing received, every pane pending.
pub fn snapshot_empty() -> Snapshot {
    let connection = ConnState::Connecting;
    Snapshot {
        schema: SCHEMA_VERSION,
        header: Header {
            target: "redis://app:****@10.0.0.5:6379/0".into(),
            connection_label: connection.label(),
            connection,
            since_secs: 1,
            last_error: None,
            role: None,
            server_name: None,
            version: None,
            uptime_secs: None,
            restarts_seen: 0,
            last_restart_ago_secs: None,
            last_restart_why: None,
            ops_per_sec: None,
            latency_p50_us: None,
            stale_secs: None,
            paused: false,
            health: Health::default(),
            notices: Vec::new(),
            watch: None,
            log_error: None,
            running_action: None,
            writes_refused: false,
            topology: None,
        },
        memory: MemoryPane::default(),
        clients: ClientsPane::default(),
        slowlog: SlowlogPane::default(),
        persistence: PersistencePane::default(),
        hit_rate: HitRatePane {
            target_percent: 80.0,
            ..HitRatePane::default()
        },
        errors: ErrorsPane::default(),
        marks_ago: Vec::new(),
        prometheus: None,
        cost: None,
        container: None,
        topology: crate::model::group::view::TopologyView::default(),
        diagnosis: Vec::new(),
        diag_fired: Vec::new(),
        diag_holding: Vec::new(),
    }
}

/// Everything on fire: memory 97 % with no evictions policy, MISCONF, hit rate 41 %, clients
/// list refused (NOPERM), slowlog command failed, latency monitor off.
pub fn snapshot_crit() -> Snapshot {
    let mut s = snapshot_ok();
    s.header.health = Health {
        overall: Verdict::Crit,
        items: vec![
            item(
                "memory",
                Verdict::Crit,
                "97.0% of 100.0 MB",
                "warn ≥80%, crit ≥90%",
            ),
            item("hit_rate", Verdict::Crit, "41.0%", "warn <80%, crit <50%"),
            item(
                "latency",
                Verdict::Warn,
                "p99 12.4ms",
                "warn ≥10ms, crit ≥50ms",
            ),
        ],
    };
    s.header.notices = vec!["CONFIG unavailable (NOPERM): thresholds unknown".into()];
    s.memory.used_bytes = Some(97 * MB);
    s.memory.used_percent = Some(97.0);
    s.memory.verdict = Verdict::Crit;
    s.memory.policy = Some("noeviction".into());
    s.clients.list_status = PaneStatus::Error {
        message: "NOPERM this user has no permissions to run the 'client|list' command".into(),
    };
    s.clients.groups.clear();
    s.slowlog.status = PaneStatus::Error {
        message: "unknown command 'SLOWLOG'".into(),
    };
    s.slowlog.entries.clear();
    s.persistence.writes_blocked_misconf = true;
    s.persistence.rdb_last_bgsave_status = Some("err".into());
    s.persistence.verdict = Verdict::Crit;
    s.hit_rate.now_percent = Some(41.0);
    s.hit_rate.m1_percent = Some(44.2);
    s.hit_rate.verdict = Verdict::Crit;
    s.errors.latency_monitor_threshold_ms = Some(0);
    s.errors.latency_events.clear();
    s.errors.ping_p99_us = Some(12_400);
    s.errors.latency_verdict = Verdict::Warn;
    s.errors.verdict = Verdict::Warn;
    s
}

fn set_status(s: &mut Snapshot, status: &PaneStatus) {
    s.memory.status = status.clone();
    s.clients.status = status.clone();
    s.clients.list_status = status.clone();
    s.slowlog.status = status.clone();
    s.persistence.status = status.clone();
    s.hit_rate.status = status.clone();
    s.errors.status = status.clone();
    s.errors.latency_status = status.clone();
}

fn item(name: &'static str, verdict: Verdict, value: &str, target: &str) -> HealthItem {
    HealthItem {
        name,
        verdict,
        value: value.into(),
        target: target.into(),
    }
}

fn header_ok() -> Header {
    Header {
        target: "redis://app:****@10.0.0.5:6379/0".into(),
        connection: ConnState::Up,
        connection_label: ConnState::Up.label(),
        since_secs: 7_512,
        last_error: None,
        role: Some("master".into()),
        server_name: Some("redis".into()),
        version: Some("7.2.4".into()),
        uptime_secs: Some(3 * 86_400 + 4 * 3600 + 12 * 60 + 9),
        restarts_seen: 0,
        last_restart_ago_secs: None,
        last_restart_why: None,
        ops_per_sec: Some(12_480.0),
        latency_p50_us: Some(212),
        stale_secs: None,
        paused: false,
        health: Health {
            overall: Verdict::Warn,
            items: vec![
                item(
                    "memory",
                    Verdict::Warn,
                    "83.0% of 100.0 MB",
                    "warn ≥80%, crit ≥90%",
                ),
                item("hit_rate", Verdict::Ok, "94.1%", "warn <80%, crit <50%"),
                item(
                    "latency",
                    Verdict::Ok,
                    "p99 1.4ms",
                    "warn ≥10ms, crit ≥50ms",
                ),
                item(
                    "clients",
                    Verdict::Ok,
                    "4.1% of 10000",
                    "warn ≥80%, crit ≥90%",
                ),
                item("uptime", Verdict::Ok, "3d 04:12:09", "warn <10min"),
            ],
        },
        notices: Vec::new(),
        watch: None,
        log_error: None,
        running_action: None,
        writes_refused: false,
        topology: None,
    }
}

/// A slow ramp of `n` points from `from` to `to` with a little wobble.
fn ramp(n: u64, from: u64, to: u64) -> Vec<u64> {
    (0..n)
        .map(|i| from + (to - from) * i / n.max(1) + (i * 7919 % 13) * (to - from) / 200)
        .collect()
}

fn memory() -> MemoryPane {
    MemoryPane {
        status: PaneStatus::Ok,
        used_bytes: Some(83 * MB),
        max_bytes: Some(100 * MB),
        used_percent: Some(83.0),
        rss_bytes: Some(96 * MB),
        peak_bytes: Some(88 * MB),
        fragmentation_ratio: Some(1.16),
        evictions_per_sec: Some(0.0),
        policy: Some("allkeys-lru".into()),
        verdict: Verdict::Warn,
        spark: ramp(120, 70 * MB, 83 * MB),
        spark_backfilled: 0,
    }
}

fn group(by: &'static str, key: &str, count: u64, omem_kb: u64, idle: u64) -> ClientGroup {
    ClientGroup {
        by,
        key: key.into(),
        count,
        omem_bytes: omem_kb * 1024,
        tot_mem_bytes: count * 22 * 1024 + omem_kb * 1024,
        max_idle_secs: idle,
    }
}

fn clients() -> ClientsPane {
    ClientsPane {
        status: PaneStatus::Ok,
        connected: Some(412),
        max: Some(10_000),
        used_percent: Some(4.12),
        blocked: Some(3),
        rejected_per_sec: Some(0.0),
        connections_per_sec: Some(0.0),
        verdict: Verdict::Ok,
        list_status: PaneStatus::Ok,
        list_note: None,
        list_age_secs: Some(4),
        groups: vec![
            group("addr", "10.0.3.17", 240, 0, 12),
            group("addr", "10.0.3.18", 150, 512, 3),
            group("name", "sidekiq-worker", 18, 0, 340),
            group("cmd", "blpop", 3, 0, 58),
        ],
        selected: None,
        rows: None,
        spark: ramp(120, 380, 412),
        spark_backfilled: 0,
    }
}

fn slow(id: u64, age_secs: u64, duration_us: u64, args: &str, client: &str) -> SlowlogRow {
    SlowlogRow {
        id,
        age_secs,
        duration_us,
        args: args.into(),
        client: client.into(),
    }
}

fn slowlog() -> SlowlogPane {
    SlowlogPane {
        status: PaneStatus::Ok,
        entries: vec![
            slow(
                1042,
                4,
                48_210,
                r#""KEYS" "session:*""#,
                "10.0.3.17:51234 web",
            ),
            slow(
                1041,
                37,
                12_804,
                r#""HGETALL" "cart:9981723""#,
                "10.0.3.18:40022 api",
            ),
            slow(
                1040,
                95,
                10_950,
                r#""GET" "k\x1b]0;PWNED\a\x1b[2J""#,
                r#"10.0.9.66:6000 "\x1b[31mevil""#,
            ),
            slow(
                1039,
                410,
                231_000,
                r#""ZUNIONSTORE" "leaderboard:weekly" "3" "lb:mon" "lb:tue" "lb:wed""#,
                "10.0.3.17:51240 cron",
            ),
            slow(
                1038,
                1_820,
                1_204_000,
                r#""DEL" "bigset:events""#,
                "10.0.4.2:33011",
            ),
        ],
        length: Some(128),
        new_per_min: Some(2.0),
        threshold_us: Some(10_000),
        by_commandstats: Vec::new(),
    }
}

fn persistence() -> PersistencePane {
    PersistencePane {
        status: PaneStatus::Ok,
        rdb_last_save_age_secs: Some(250),
        rdb_never_saved: false,
        rdb_changes_since_save: Some(18_344),
        rdb_bgsave_in_progress: Some(false),
        rdb_last_bgsave_status: Some("ok".into()),
        save_config: Some("3600 1 300 100 60 10000".into()),
        save_unknown: None,
        aof_enabled: Some(true),
        aof_rewrite_in_progress: Some(false),
        aof_last_rewrite_status: Some("ok".into()),
        aof_last_write_status: Some("ok".into()),
        aof_delayed_fsync: Some(0),
        latest_fork_usec: Some(1_840),
        loading: false,
        loading_percent: None,
        loading_eta_secs: None,
        writes_blocked_misconf: false,
        disk: None,
        verdict: Verdict::Ok,
    }
}

fn hit_rate() -> HitRatePane {
    HitRatePane {
        status: PaneStatus::Ok,
        now_percent: Some(94.1),
        m1_percent: Some(93.6),
        m5_percent: Some(92.8),
        lookups_per_sec: Some(8_210.0),
        target_percent: 80.0,
        verdict: Verdict::Ok,
        spark: ramp(120, 9_000, 9_500),
        spark_backfilled: 0,
        keys: Some(48_210),
        keys_peak: None,
    }
}

fn errors() -> ErrorsPane {
    ErrorsPane {
        status: PaneStatus::Ok,
        errors_per_sec: Some(1.4),
        by_kind: vec![
            ErrorRate {
                kind: "ERR".into(),
                total: 1_212,
                per_sec: Some(1.2),
            },
            ErrorRate {
                kind: "WRONGTYPE".into(),
                total: 87,
                per_sec: Some(0.2),
            },
        ],
        ping_p50_us: Some(212),
        ping_p99_us: Some(1_410),
        ping_max_us: Some(3_870),
        ping_last_us: Some(245),
        latency_verdict: Verdict::Ok,
        verdict: Verdict::Ok,
        spark: ramp(120, 180, 400),
        latency_events: vec![LatencyEvent {
            event: "command".into(),
            timestamp: 1_718_000_000,
            latest_ms: 48,
            max_ms: 1_204,
        }],
        latency_status: PaneStatus::Ok,
        latency_monitor_threshold_ms: Some(100),
    }
}
