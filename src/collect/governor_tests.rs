use super::*;

fn gov() -> Governor {
    Governor::new(Duration::from_secs(5), 1000, Duration::from_millis(5))
}

fn stat(calls: u64, usec: u64) -> CommandStat {
    CommandStat {
        calls,
        usec,
        ..CommandStat::default()
    }
}

#[test]
fn stat_names_follow_commandstats() {
    assert_eq!(stat_name(&redis::cmd("PING")), "ping");
    assert_eq!(stat_name(redis::cmd("INFO").arg("clients")), "info");
    assert_eq!(
        stat_name(redis::cmd("SLOWLOG").arg("GET").arg(1)),
        "slowlog|get"
    );
    assert_eq!(stat_name(redis::cmd("CLIENT").arg("LIST")), "client|list");
}

#[test]
fn cost_is_own_calls_times_mean_usec() {
    let mut g = gov();
    let t0 = Instant::now();
    let s0 = BTreeMap::from([("info".to_string(), stat(10, 200))]);
    g.on_commandstats(t0, &s0);
    for i in 0..5 {
        g.note_refresh(t0 + Duration::from_secs(i), Duration::from_micros(100));
        g.note_call(&["ping".into()], 7);
        g.note_call(&["info".into()], 3000);
    }
    // Another client ran 5 INFO too: 10 calls, 300 µs in the window → 30 µs per call.
    let s1 = BTreeMap::from([
        ("info".to_string(), stat(20, 500)),
        ("ping".to_string(), stat(5, 5)),
    ]);
    g.on_commandstats(t0 + Duration::from_secs(5), &s1);
    let c = &g.cost;
    assert_eq!(c.refreshes, 5);
    let us = c.server_usec_per_refresh.unwrap();
    assert!((us - 31.0).abs() < 1e-9, "{us}");
    assert!((c.round_trips_per_refresh - 2.0).abs() < 1e-9);
    assert!((c.reply_bytes_per_refresh - 3007.0).abs() < 1e-9);
}

#[test]
fn no_cost_before_two_commandstats() {
    let mut g = gov();
    g.note_call(&["info".into()], 10);
    g.on_commandstats(Instant::now(), &BTreeMap::new());
    assert_eq!(g.cost.server_usec_per_refresh, None);
}

#[test]
fn backs_off_when_ping_is_slow() {
    let mut g = gov();
    let t = Instant::now();
    assert_eq!(g.slow_interval(), (Duration::from_secs(5), None));
    for _ in 0..5 {
        g.note_refresh(t, Duration::from_millis(7));
    }
    let (d, why) = g.slow_interval();
    assert_eq!(d, Duration::from_secs(20));
    assert_eq!(why.as_deref(), Some("PING 7ms > target 5ms"));
    for _ in 0..5 {
        g.note_refresh(t, Duration::from_millis(30));
    }
    assert_eq!(g.slow_interval().0, Duration::from_secs(60));
    assert!(matches!(
        g.client_list_mode(500),
        ClientListMode::InfoOnly { .. }
    ));
}

#[test]
fn backs_off_on_large_replies() {
    let mut g = gov();
    g.note_slow_tick_bytes(REPLY_BUDGET_BYTES + 1);
    let (d, why) = g.slow_interval();
    assert_eq!(d, Duration::from_secs(20));
    assert!(why.unwrap().contains("KiB"));
}

#[test]
fn client_list_mode_by_count() {
    let g = gov();
    assert_eq!(g.client_list_mode(1000), ClientListMode::Full);
    assert_eq!(
        g.client_list_mode(2500),
        ClientListMode::Sampled {
            every_secs: 150,
            reason: "2500 clients > 1000".into()
        }
    );
    assert_eq!(
        g.client_list_mode(5001),
        ClientListMode::InfoOnly {
            reason: "5001 clients > 5×1000".into()
        }
    );
    let mut g = gov();
    let t = Instant::now();
    assert!(g.sampled_list_due(t, 15));
    g.note_client_list(t, 2500);
    assert!(!g.sampled_list_due(t + Duration::from_secs(14), 15));
    assert!(g.sampled_list_due(t + Duration::from_secs(15), 15));
}
