//! Each rule of the shipped runbook, driven by scripted samples through the real `update`.

use std::time::{Duration, Instant, SystemTime};

use test_case::test_case;

use super::{CauseView, Likelihood};
use crate::collect::serverlog::{LogFinding, LogKind};
use crate::collect::types::{
    ClientInfo, ClientListResult, CollectError, ConfigValues, Info, LatencyEvent, Sample,
    SlowlogEntry,
};
use crate::model::state::{State, update};
use crate::model::view::Verdict;
use crate::msg::{LinkEvent, Msg};
use crate::target::{Target, Thresholds};

/// Scripted samples through the real `update` (also the offer tests').
pub(crate) struct Script {
    pub(crate) state: State,
    t0: Instant,
    pub(crate) now: Instant,
}

pub(crate) fn healthy() -> Info {
    Info {
        redis_version: Some("7.0.15".into()),
        run_id: Some("run-1".into()),
        uptime_in_seconds: Some(10_000),
        connected_clients: Some(10),
        maxclients: Some(10_000),
        used_memory: Some(10 * 1024 * 1024),
        used_memory_rss: Some(12 * 1024 * 1024),
        mem_fragmentation_ratio: Some(1.2),
        maxmemory: Some(100 * 1024 * 1024),
        maxmemory_policy: Some("allkeys-lru".into()),
        total_commands_processed: Some(1000),
        keyspace_hits: Some(900),
        keyspace_misses: Some(100),
        evicted_keys: Some(0),
        rejected_connections: Some(0),
        total_error_replies: Some(0),
        blocked_clients: Some(0),
        loading: Some(false),
        rdb_last_bgsave_status: Some("ok".into()),
        aof_enabled: Some(false),
        aof_last_write_status: Some("ok".into()),
        aof_last_bgrewrite_status: Some("ok".into()),
        aof_delayed_fsync: Some(0),
        latest_fork_usec: Some(300),
        role: Some("master".into()),
        ..Info::default()
    }
}

impl Script {
    pub(crate) fn new() -> Self {
        let t0 = Instant::now();
        let state = State::new(&[Target::local_default()], Thresholds::default(), t0);
        Self { state, t0, now: t0 }
    }

    pub(crate) fn sample(&mut self, info: Info, f: impl FnOnce(&mut Sample)) {
        self.now += Duration::from_secs(1);
        let wall = SystemTime::UNIX_EPOCH
            + Duration::from_secs(1_800_000_000)
            + self.now.duration_since(self.t0);
        let mut s = Sample::of_info(self.now, wall, Duration::from_micros(200), info);
        f(&mut s);
        update(
            &mut self.state,
            Msg::Sample {
                target: 0,
                sample: Box::new(s),
            },
        );
    }

    /// `n` samples, each made from the previous by `step`.
    fn run(&mut self, n: u64, mut info: Info, step: impl Fn(&mut Info, u64)) {
        for i in 0..n {
            step(&mut info, i);
            self.sample(info.clone(), |_| {});
        }
    }

    pub(crate) fn link(&mut self, event: LinkEvent) {
        self.now += Duration::from_secs(1);
        update(
            &mut self.state,
            Msg::Link {
                target: 0,
                at: self.now,
                event,
            },
        );
    }

    pub(crate) fn diag(&self) -> Vec<CauseView> {
        self.state.view(0).map(|s| s.diagnosis).unwrap_or_default()
    }

    fn verdict(&self, cause: &str) -> Likelihood {
        self.diag()
            .iter()
            .find(|c| c.cause == cause)
            .map(|c| c.verdict)
            .unwrap()
    }

    fn top(&self) -> CauseView {
        self.diag().first().cloned().unwrap()
    }

    fn likely(&self) -> Vec<String> {
        self.diag()
            .into_iter()
            .filter(|c| c.verdict == Likelihood::Likely)
            .map(|c| c.cause)
            .collect()
    }
}

#[test]
fn healthy_server_has_no_likely_cause() {
    let mut s = Script::new();
    s.run(5, healthy(), |i, _| {
        *i.total_commands_processed.as_mut().unwrap() += 100;
    });
    assert!(s.likely().is_empty(), "{:#?}", s.diag());
    assert_eq!(s.verdict("B"), Likelihood::RuledOut);
    let b = s.diag().into_iter().find(|c| c.cause == "B").unwrap();
    assert!(
        b.evidence.iter().any(|e| e.text.contains("of maxmemory")),
        "{b:?}"
    );
}

#[test]
fn nothing_known_before_the_first_contact() {
    let s = Script::new();
    assert!(s.diag().iter().all(|c| c.verdict == Likelihood::Unknown));
}

#[test]
fn memory_near_maxmemory_is_b_with_figures_and_since() {
    let mut s = Script::new();
    let mut info = healthy();
    info.used_memory = Some(95 * 1024 * 1024);
    s.run(4, info, |_, _| {});
    let top = s.top();
    assert_eq!((top.cause.as_str(), top.verdict), ("B", Likelihood::Likely));
    let e = &top.evidence[0];
    assert!(
        e.text.contains("95.0%") && e.text.contains("(≥ 90)"),
        "{e:?}"
    );
    assert_eq!(e.since_secs, Some(3), "held since the first sample");
    assert_eq!(top.actions[0], "maxmemory");
}

#[test]
fn maxmemory_zero_has_no_percentage_but_evictions_still_count() {
    let mut s = Script::new();
    let mut info = healthy();
    info.maxmemory = Some(0);
    info.used_memory = Some(900 * 1024 * 1024);
    s.run(3, info.clone(), |_, _| {});
    assert_eq!(s.verdict("B"), Likelihood::RuledOut, "{:#?}", s.diag());
    s.run(3, info, |i, n| i.evicted_keys = Some(n * 50));
    assert_eq!(s.verdict("B"), Likelihood::Likely);
}

#[test]
fn oom_error_replies_under_noeviction() {
    let mut s = Script::new();
    let mut info = healthy();
    info.maxmemory_policy = Some("noeviction".into());
    s.run(4, info, |i, n| {
        i.errorstats.insert("OOM".into(), n * 20);
        i.total_error_replies = Some(n * 20);
    });
    let top = s.top();
    assert_eq!(top.cause, "B");
    assert!(
        top.evidence
            .iter()
            .any(|e| e.text.contains("OOM error replies 20/s")),
        "{top:?}"
    );
    assert!(
        top.evidence
            .iter()
            .any(|e| e.text.contains("policy noeviction")),
        "{top:?}"
    );
}

#[test]
fn restart_is_a_and_reset_counters_are_no_evidence() {
    let mut s = Script::new();
    let mut info = healthy();
    info.evicted_keys = Some(5000);
    info.rejected_connections = Some(300);
    s.run(3, info, |_, _| {});
    // Restarted: new run id, uptime and every counter back to zero.
    let mut after = healthy();
    after.run_id = Some("run-2".into());
    after.uptime_in_seconds = Some(2);
    after.total_commands_processed = Some(1);
    after.keyspace_hits = Some(0);
    after.keyspace_misses = Some(0);
    s.run(2, after, |i, _| *i.uptime_in_seconds.as_mut().unwrap() += 1);
    assert_eq!(s.top().cause, "A");
    assert!(
        s.top()
            .evidence
            .iter()
            .any(|e| e.text.contains("restart seen")),
        "{:?}",
        s.top()
    );
    assert_eq!(s.likely(), vec!["A".to_string()], "{:#?}", s.diag());
}

/// The timeline entries (newest last) that mention a restart.
fn restart_lines(s: &Script) -> Vec<String> {
    (s.state.actions.timeline.iter())
        .filter(|e| e.text.contains("RESTARTED"))
        .map(|e| e.text.clone())
        .collect()
}

#[test]
fn a_restart_quicker_than_a_poll_is_logged_as_one() {
    let mut s = Script::new();
    s.run(3, healthy(), |_, _| {});
    assert!(restart_lines(&s).is_empty());
    let mut after = healthy();
    after.run_id = Some("run-2".into());
    after.uptime_in_seconds = Some(1);
    s.run(3, after, |i, _| *i.uptime_in_seconds.as_mut().unwrap() += 1);
    assert_eq!(
        restart_lines(&s),
        vec!["UP → RESTARTED → UP (run id changed; down for less than a poll)".to_string()]
    );
}

#[test]
fn a_restart_seen_down_is_not_logged_twice() {
    let mut s = Script::new();
    s.run(3, healthy(), |_, _| {});
    s.link(LinkEvent::Down(CollectError::Refused));
    s.link(LinkEvent::Connected);
    let mut after = healthy();
    after.run_id = Some("run-2".into());
    after.uptime_in_seconds = Some(1);
    s.run(3, after, |i, _| *i.uptime_in_seconds.as_mut().unwrap() += 1);
    assert_eq!(s.state.view(0).unwrap().header.restarts_seen, 1);
    let timeline: Vec<&str> = (s.state.actions.timeline.iter())
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        timeline.iter().any(|t| t.starts_with("UP → DOWN")),
        "{timeline:?}"
    );
    assert!(restart_lines(&s).is_empty(), "{timeline:?}");
}

#[test]
fn connection_refused_is_a_and_not_d() {
    let mut s = Script::new();
    s.run(2, healthy(), |_, _| {});
    s.link(LinkEvent::Down(CollectError::Refused));
    assert_eq!(s.top().cause, "A");
    assert_eq!(s.verdict("D"), Likelihood::RuledOut);
}

#[test]
fn a_hung_server_is_d_not_a() {
    let mut s = Script::new();
    s.run(2, healthy(), |_, _| {});
    s.link(LinkEvent::NoReply {
        last_reply: Some(s.now),
    });
    s.link(LinkEvent::NoReply {
        last_reply: Some(s.t0),
    });
    assert_eq!(s.likely(), vec!["D".to_string()], "{:#?}", s.diag());
}

#[test]
fn max_clients_refusal_of_our_own_connection_is_c() {
    let mut s = Script::new();
    let err = CollectError::Server("ERR max number of clients reached".into());
    s.link(LinkEvent::Down(err));
    assert_eq!(s.likely(), vec!["C".to_string()], "{:#?}", s.diag());
}

#[test]
fn clients_near_maxclients_and_rejections_are_c() {
    let mut s = Script::new();
    let mut info = healthy();
    info.maxclients = Some(100);
    info.connected_clients = Some(99);
    s.run(3, info, |i, n| i.rejected_connections = Some(n * 4));
    let top = s.top();
    assert_eq!((top.cause.as_str(), top.score), ("C", 6), "{top:?}");
}

/// One address holding every connection, all idle, is how a pooled app looks: shown with C
/// as context, not a verdict (it made C POSSIBLE on every single-host app, the demo too).
#[test]
fn one_address_holding_an_idle_pool_is_context_not_c() {
    let mut s = Script::new();
    let clients: Vec<ClientInfo> = (0..20)
        .map(|id| ClientInfo {
            id,
            addr: format!("10.0.0.5:{}", 40_000 + id),
            idle_secs: 900,
            ..ClientInfo::default()
        })
        .collect();
    let mut info = healthy();
    info.connected_clients = Some(20);
    s.sample(info.clone(), |_| {});
    s.sample(info, |x| {
        x.clients = Some(Ok(ClientListResult::Listed { clients }));
    });
    let c = s.diag().into_iter().find(|c| c.cause == "C").unwrap();
    assert_eq!(c.verdict, Likelihood::RuledOut, "{c:?}");
    assert!(
        c.evidence[0].text.contains("10.0.0.5 holds 20 of 20"),
        "{c:?}"
    );
    assert!(
        c.evidence[1].text.contains("20 of 20 clients idle ≥ 300s"),
        "{c:?}"
    );
}

/// A connection per request (no pooling) is what points at C before maxclients is reached.
#[test]
fn connections_made_per_request_make_c_possible() {
    let mut s = Script::new();
    s.run(3, healthy(), |i, n| {
        i.total_connections_received = Some(1_000 + n * 200);
    });
    let c = s.diag().into_iter().find(|c| c.cause == "C").unwrap();
    assert_eq!(c.verdict, Likelihood::Possible, "{c:?}");
    assert!(
        c.evidence
            .iter()
            .any(|e| e.text.contains("new connections 200/s")),
        "{c:?}"
    );
}

#[test]
fn failed_bgsave_and_misconf_are_e_without_config() {
    let mut s = Script::new();
    let mut info = healthy();
    info.rdb_last_bgsave_status = Some("err".into());
    s.run(3, info, |i, n| {
        i.errorstats.insert("MISCONF".into(), n * 7);
        i.total_error_replies = Some(n * 7);
    });
    // CONFIG was never fetched (renamed away): INFO is enough.
    assert!(s.state.instances[0].config.value.is_none());
    let top = s.top();
    assert_eq!((top.cause.as_str(), top.score), ("E", 6), "{top:?}");
    assert_eq!(s.likely(), vec!["E".to_string()]);
}

#[test]
fn a_damaged_aof_in_the_log_is_e_and_only_possibly_a() {
    let mut s = Script::new();
    s.run(2, healthy(), |_, _| {});
    s.link(LinkEvent::Down(CollectError::Refused));
    s.link(LinkEvent::ServerLog(vec![LogFinding {
        kind: LogKind::Aof,
        line: "# Bad file format reading the append only file".into(),
    }]));
    assert_eq!(s.likely(), vec!["E".to_string()], "{:#?}", s.diag());
    assert_eq!(s.verdict("A"), Likelihood::Possible);
    let a = s.diag().into_iter().find(|c| c.cause == "A").unwrap();
    assert!(a.evidence.last().unwrap().against, "{a:?}");
}

fn slow(id: u64) -> SlowlogEntry {
    SlowlogEntry {
        id,
        timestamp: 1_800_000_000,
        duration_us: 25_000,
        args: vec!["\"sort\"".into(), "\"biglist\"".into()],
        client_addr: String::new(),
        client_name: String::new(),
    }
}

#[test]
fn a_growing_slowlog_is_slow_with_the_top_command() {
    let mut s = Script::new();
    for n in 0..4u64 {
        let entries: Vec<SlowlogEntry> = (0..=n * 3).rev().map(slow).collect();
        s.sample(healthy(), |x| x.slowlog = Some(Ok(entries)));
    }
    let top = s.top();
    assert_eq!(top.cause, "slow", "{:#?}", s.diag());
    assert!(top.evidence[0].text.contains("top: SORT ×10"), "{top:?}");
}

#[test]
fn a_recent_latency_spike() {
    let mut s = Script::new();
    let ev = LatencyEvent {
        event: "command".into(),
        timestamp: 1_800_000_002,
        latest_ms: 250,
        max_ms: 900,
    };
    s.sample(healthy(), |_| {});
    s.sample(healthy(), |x| x.latency_latest = Some(Ok(vec![ev])));
    assert_eq!(s.likely(), vec!["latency".to_string()], "{:#?}", s.diag());
}

#[test]
fn hit_rate_collapse_needs_lookups() {
    let mut s = Script::new();
    // No lookups at all: nothing to say.
    s.run(3, healthy(), |_, _| {});
    assert_eq!(s.verdict("hit_rate"), Likelihood::Unknown);
    // Misses only, 100 a second, from the start: low, but no collapse (nothing it fell
    // from), so possible, not likely.
    s.run(4, healthy(), |i, n| {
        i.keyspace_hits = Some(0);
        i.keyspace_misses = Some(100 + (n + 1) * 100);
    });
    assert_eq!(
        s.verdict("hit_rate"),
        Likelihood::Possible,
        "{:#?}",
        s.diag()
    );
}

/// Issue 22 item 7: a collapse is a drop from a baseline; a cache steady at a low rate is not
/// one, a cache whose hits stop is.
#[test]
fn a_hit_rate_collapse_is_a_drop_not_a_low_rate() {
    let mut s = Script::new();
    // Steady at 40 %: 40 hits and 60 misses a second.
    s.run(6, healthy(), |i, n| {
        i.keyspace_hits = Some(4_000 + n * 40);
        i.keyspace_misses = Some(6_000 + n * 60);
    });
    assert_eq!(
        s.verdict("hit_rate"),
        Likelihood::Possible,
        "{:#?}",
        s.diag()
    );
    // A warm cache (95 % since the start) whose hits stop: likely.
    let mut s = Script::new();
    s.run(6, healthy(), |i, n| {
        i.keyspace_hits = Some(9_500);
        i.keyspace_misses = Some(500 + n * 200);
    });
    assert_eq!(s.likely(), vec!["hit_rate".to_string()], "{:#?}", s.diag());
}

#[test_case("slave", "down", &["replication"]; "replica with its master link down")]
#[test_case("slave", "up", &[]; "healthy replica")]
fn a_replica_is_judged_on_its_link_and_its_own_figures(role: &str, link: &str, want: &[&str]) {
    let mut s = Script::new();
    let mut info = healthy();
    info.role = Some(role.into());
    info.master_link_status = Some(link.into());
    info.repl.master_host = Some("10.0.0.5".into());
    info.repl.master_port = Some(6379);
    info.maxmemory = Some(0);
    s.run(3, info, |_, _| {});
    assert_eq!(s.likely(), want, "{:#?}", s.diag());
}

#[test]
fn config_values_do_not_change_the_verdicts() {
    let mut s = Script::new();
    let mut cfg = ConfigValues::default();
    cfg.values.insert("maxmemory".into(), "0".into());
    s.sample(healthy(), |x| x.config = Some(Ok(cfg)));
    s.sample(healthy(), |_| {});
    assert!(s.likely().is_empty());
}

#[test]
fn the_order_is_likely_possible_unknown_ruled_out() {
    let mut s = Script::new();
    let mut info = healthy();
    info.used_memory = Some(99 * 1024 * 1024);
    info.uptime_in_seconds = Some(5);
    s.run(3, info, |i, _| *i.uptime_in_seconds.as_mut().unwrap() += 1);
    let d = s.diag();
    let order: Vec<Likelihood> = d.iter().map(|c| c.verdict).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!((d[0].cause.as_str(), d[1].cause.as_str()), ("B", "A"));
    assert_eq!(d[1].verdict, Likelihood::Possible);
}

#[test]
fn diagnosis_changes_are_logged_with_their_data() {
    let mut s = Script::new();
    s.run(2, healthy(), |_, _| {});
    let mut info = healthy();
    info.used_memory = Some(95 * 1024 * 1024);
    s.now += Duration::from_secs(1);
    let sample = Sample::of_info(s.now, SystemTime::now(), Duration::from_micros(100), info);
    let effects = update(
        &mut s.state,
        Msg::Sample {
            target: 0,
            sample: Box::new(sample),
        },
    );
    let logged: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            crate::model::state::Effect::Log(ev) if ev.kind == "diagnosis" => Some(ev),
            _ => None,
        })
        .collect();
    assert_eq!(logged.len(), 1, "{effects:?}");
    assert!(
        logged[0].detail.starts_with("likely: B Out of memory"),
        "{}",
        logged[0].detail
    );
    let data = logged[0].data.as_ref().unwrap();
    assert_eq!(data[0]["cause"], "B");
}

#[test]
fn a_rate_that_dips_for_a_tick_does_not_flip_the_verdict() {
    let mut s = Script::new();
    let mut info = healthy();
    info.maxmemory_policy = Some("allkeys-lru".into());
    s.run(3, info.clone(), |i, n| i.evicted_keys = Some(n * 10));
    assert_eq!(s.verdict("B"), Likelihood::Likely);
    // One tick without new evictions: still likely, and the evidence says so.
    info.evicted_keys = Some(20);
    s.sample(info.clone(), |_| {});
    assert_eq!(s.verdict("B"), Likelihood::Likely);
    let b = s.top();
    assert!(
        b.evidence[0].text.starts_with("no longer: ")
            && b.evidence[0].text.ends_with("held until 1s ago"),
        "{b:?}"
    );
    // Quiet for longer than LINGER: ruled out again.
    s.run(12, info, |_, _| {});
    assert_eq!(s.verdict("B"), Likelihood::RuledOut, "{:#?}", s.diag());
}

#[test]
fn the_diagnosis_page_lists_every_signal_and_cause() {
    let readme = include_str!("../../../docs/diagnosis.md");
    for (name, _) in crate::runbook::SIGNALS {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "docs/diagnosis.md lacks signal {name}"
        );
    }
    let rb = crate::runbook::spec::Runbook::default_runbook();
    for c in &rb.causes {
        assert!(
            readme.contains(&format!("| `{}` | {} |", c.id, c.title)),
            "docs/diagnosis.md lacks cause {}",
            c.id
        );
    }
    for r in &rb.rules {
        assert!(crate::runbook::SIGNALS.iter().any(|(s, _)| *s == r.signal));
    }
}

const ONE_ACTION: &str =
    "[[action]]\nname = \"ping\"\ntitle = \"PING\"\nkind = \"redis\"\nop = \"ping\"\n";

#[test_case("[[cause]]\nid = \"X\"\ntitle = \"t\"\n[[rule]]\ncause = \"X\"\nsignal = \"nope\"\nop = \">\"\nvalue = 1\n", "unknown signal \"nope\""; "unknown signal")]
#[test_case("[[cause]]\nid = \"X\"\ntitle = \"t\"\n[[rule]]\ncause = \"Y\"\nsignal = \"down\"\nop = \">\"\nvalue = 0\n", "names cause \"Y\", which is not declared"; "unknown cause")]
#[test_case("[[cause]]\nid = \"X\"\ntitle = \"t\"\nactions = [\"reboot\"]\n", "names action \"reboot\""; "unknown action")]
#[test_case("[[cause]]\nid = \"X\"\ntitle = \"t\"\n[[rule]]\ncause = \"X\"\nsignal = \"down\"\nop = \"!=\"\nvalue = 0\n", "line 12: unknown variant `!=`"; "bad op")]
fn a_bad_rule_is_refused_with_its_reason(rules: &str, want: &str) {
    let text = format!("{ONE_ACTION}{rules}");
    let err = crate::runbook::spec::Runbook::parse(&text, "mine.toml").unwrap_err();
    assert!(err.contains(want), "{err}");
    assert!(err.starts_with("runbook mine.toml"), "{err}");
}

#[test]
fn a_runbook_without_rules_gets_the_shipped_ones_for_its_actions() {
    let rb = crate::runbook::spec::Runbook::parse(ONE_ACTION, "mine.toml").unwrap();
    assert_eq!(rb.causes.len(), 20);
    let d = rb.causes.iter().find(|c| c.id == "D").unwrap();
    assert_eq!(
        d.actions,
        vec!["ping".to_string()],
        "only the actions this runbook has"
    );
}

/// Accepted, then cut mid-reply (a proxy in front of a dead server, or the network): A and D
/// are both possible, neither likely, and nothing claims that nothing accepts connections.
#[test]
fn a_connection_cut_mid_reply_is_a_or_d_possible_not_refused() {
    let mut s = Script::new();
    s.run(2, healthy(), |_, _| {});
    let cut = CollectError::Connect(crate::collect::connect::CUT_MID_REPLY.into());
    s.link(LinkEvent::Down(cut));
    assert_eq!(s.verdict("A"), Likelihood::Possible, "{:#?}", s.diag());
    assert_eq!(s.verdict("D"), Likelihood::Possible, "{:#?}", s.diag());
    let text: Vec<String> = (s.diag().iter())
        .flat_map(|c| c.evidence.iter().map(|e| e.text.clone()))
        .collect();
    assert!(
        text.iter().all(|t| !t.contains("nothing accepts")),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|t| t.contains("cut mid-reply")),
        "{text:#?}"
    );
    // Then refused: nothing accepts, A is likely.
    s.link(LinkEvent::Down(CollectError::Refused));
    assert_eq!(s.likely(), vec!["A".to_string()], "{:#?}", s.diag());
}

/// The runbook's "check disk usage": a nearly full disk under the server's dir is E.
#[test]
fn a_nearly_full_disk_is_e() {
    use crate::collect::disk::{DiskFigures, DiskUsage};
    let mut s = Script::new();
    let figures = |used: f64| DiskFigures {
        usage: DiskUsage {
            total_bytes: 100 << 30,
            free_bytes: (100 << 30) / 100 * (100 - used as u64),
        },
        used_percent: used,
    };
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(50.0))));
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(50.0))));
    assert_eq!(s.verdict("E"), Likelihood::RuledOut, "{:#?}", s.diag());
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(92.0))));
    assert_eq!(s.verdict("E"), Likelihood::Possible, "{:#?}", s.diag());
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(97.0))));
    assert_eq!(s.likely(), vec!["E".to_string()], "{:#?}", s.diag());
    assert!(
        s.top().evidence[0].text.contains("97.0% used, 3.0 GB free"),
        "{:?}",
        s.top()
    );
    // The verdict is held for `hold_samples` (3) samples in a row before it changes.
    let snap = s.state.view(0).unwrap();
    assert_eq!(snap.persistence.verdict, crate::model::view::Verdict::Ok);
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(97.0))));
    s.sample(healthy(), |x| x.disk = Some(Ok(figures(97.0))));
    let snap = s.state.view(0).unwrap();
    assert_eq!(snap.persistence.verdict, crate::model::view::Verdict::Crit);
}

/// Issue 22 item 3: a figure hovering at a threshold does not flap the verdict (nor the
/// timeline and the incident log); a change that holds for three samples is shown and logged
/// once.
#[test]
fn a_verdict_at_a_threshold_holds_until_three_samples_agree() {
    let mut s = Script::new();
    let mut info = healthy();
    info.maxmemory = Some(100 << 20);
    // 79 %, 81 %, 79 %, 81 %…: memory warns at 80 %.
    let at = |p: u64| {
        let mut i = info.clone();
        i.used_memory = Some((100 << 20) / 100 * p);
        i
    };
    s.sample(at(79), |_| {});
    for n in 0..8 {
        s.sample(at(if n % 2 == 0 { 81 } else { 79 }), |_| {});
        let v = s.state.view(0).unwrap();
        assert_eq!(
            v.memory.verdict,
            Verdict::Ok,
            "sample {n}: {:?}",
            v.header.health
        );
    }
    let health_lines = |s: &Script| {
        (s.state.actions.timeline.iter())
            .filter(|e| e.text.starts_with("health "))
            .count()
    };
    assert_eq!(health_lines(&s), 0, "{:?}", s.state.actions.timeline);
    for _ in 0..3 {
        s.sample(at(85), |_| {});
    }
    let v = s.state.view(0).unwrap();
    assert_eq!(v.memory.verdict, Verdict::Warn);
    assert_eq!(v.header.health.overall, Verdict::Warn);
    assert_eq!(health_lines(&s), 1, "{:?}", s.state.actions.timeline);
}

/// Issue 22 item 1: the persistence and errors verdicts reach the header, one rule for all.
#[test]
fn a_failed_bgsave_refusing_writes_is_crit_in_the_panes_and_the_header() {
    let mut s = Script::new();
    let mut info = healthy();
    info.rdb_last_bgsave_status = Some("err".into());
    s.run(3, info, |i, n| {
        i.errorstats.insert("MISCONF".into(), n * 10);
        i.total_error_replies = Some(n * 10);
    });
    let v = s.state.view(0).expect("view");
    let item = |name: &str| {
        v.header
            .health
            .items
            .iter()
            .find(|i| i.name == name)
            .cloned()
    };
    assert_eq!(v.persistence.verdict, Verdict::Crit);
    assert_eq!(v.errors.verdict, Verdict::Crit, "{:?}", item("errors"));
    assert_eq!(item("persistence").map(|i| i.verdict), Some(Verdict::Crit));
    assert_eq!(
        v.header.health.overall,
        Verdict::Crit,
        "{:?}",
        v.header.health
    );
    // Each pane's verdict is its health item's.
    assert_eq!(Some(v.memory.verdict), item("memory").map(|i| i.verdict));
    assert_eq!(Some(v.clients.verdict), item("clients").map(|i| i.verdict));
    assert_eq!(
        Some(v.hit_rate.verdict),
        item("hit_rate").map(|i| i.verdict)
    );
    assert_eq!(
        Some(v.errors.latency_verdict),
        item("latency").map(|i| i.verdict)
    );
}

/// Issue 22 items 1 and 2: a dead server is UNKNOWN everywhere, and the rates of its last
/// samples raise no cause.
#[test]
fn a_killed_server_is_unknown_and_its_old_rates_raise_nothing() {
    let mut s = Script::new();
    for n in 0..4u64 {
        let entries: Vec<SlowlogEntry> = (0..=n * 3).rev().map(slow).collect();
        s.sample(healthy(), |x| x.slowlog = Some(Ok(entries)));
    }
    assert_eq!(s.verdict("slow"), Likelihood::Likely);
    s.link(LinkEvent::Down(CollectError::Refused));
    let v = s.state.view(0).expect("view");
    assert_eq!(v.header.health.overall, Verdict::Unknown);
    let uptime = v
        .header
        .health
        .items
        .iter()
        .find(|i| i.name == "uptime")
        .cloned();
    assert_eq!(uptime.map(|i| i.verdict), Some(Verdict::Unknown));
    // No pane judges stale figures either.
    for (pane, verdict) in [
        ("memory", v.memory.verdict),
        ("clients", v.clients.verdict),
        ("hit_rate", v.hit_rate.verdict),
        ("errors", v.errors.verdict),
    ] {
        assert_eq!(verdict, Verdict::Unknown, "{pane}");
    }
    assert_ne!(s.verdict("slow"), Likelihood::Likely, "{:#?}", s.diag());
    assert_ne!(s.verdict("hit_rate"), Likelihood::Likely);
}

/// Issue 22 item 2: with the latency monitor off, "no spike" is no evidence.
#[test]
fn latency_is_unknown_while_the_monitor_is_off() {
    let mut s = Script::new();
    let mut cfg = ConfigValues::default();
    cfg.values
        .insert("latency-monitor-threshold".into(), "0".into());
    for _ in 0..3 {
        let c = cfg.clone();
        s.sample(healthy(), |x| {
            x.config = Some(Ok(c));
            x.latency_latest = Some(Ok(Vec::new()));
        });
    }
    assert_eq!(s.verdict("latency"), Likelihood::Unknown, "{:#?}", s.diag());
    let latency = s
        .diag()
        .into_iter()
        .find(|c| c.cause == "latency")
        .expect("latency");
    assert!(
        format!("{latency:?}").contains("latency monitor off"),
        "{latency:?}"
    );
    // Turned on, the same empty answer rules it out.
    cfg.values
        .insert("latency-monitor-threshold".into(), "100".into());
    s.sample(healthy(), |x| {
        x.config = Some(Ok(cfg));
        x.latency_latest = Some(Ok(Vec::new()));
    });
    assert_eq!(
        s.verdict("latency"),
        Likelihood::RuledOut,
        "{:#?}",
        s.diag()
    );
}
