//! The self-cost governor against a real redis-server: CLIENT LIST limited by client count with
//! the reason on the pane, and the own cost measured from commandstats. Not timed.

use std::net::TcpStream;
use std::time::Duration;

use redtriage::target::PollSettings;

use crate::common::{Driver, Redis, fast_poll, poll_async};

fn idle_clients(port: u16, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect()
}

fn poll_with_limit(limit: u64) -> PollSettings {
    PollSettings {
        client_list_max_clients: limit,
        ..fast_poll()
    }
}

#[tokio::test]
async fn client_list_above_the_limit_is_sampled_then_info_only() {
    let redis = Redis::start(&[]);
    let _idle = idle_clients(redis.port, 30);
    let mut d = Driver::start(redis.target(), poll_with_limit(10));
    let snap = d
        .wait_for(Duration::from_secs(10), "sampled note", |s| {
            s.clients.list_note.is_some()
        })
        .await;
    let note = snap.clients.list_note.expect("note");
    assert!(
        note.starts_with("CLIENT LIST TYPE normal every") && note.contains("clients > 10"),
        "{note}"
    );
    drop(d);
    // The first poller's connection gone (an aborted task stops when the test next awaits), so
    // none of its CLIENT LISTs lands after the reset.
    let gone = poll_async(Duration::from_secs(10), Duration::from_millis(50), || {
        !redis.cli(&["CLIENT", "LIST"]).contains(" name=redtriage ")
    })
    .await;
    assert!(gone, "the first poller's connection is still open");
    redis.cli(&["CONFIG", "RESETSTAT"]);
    let mut d = Driver::start(redis.target(), poll_with_limit(5));
    let snap = d
        .wait_for(Duration::from_secs(10), "info-only note", |s| {
            s.clients.list_note.is_some()
        })
        .await;
    let note = snap.clients.list_note.expect("note");
    assert!(note.starts_with("INFO clients only ("), "{note}");
    assert!(snap.clients.groups.is_empty());
    assert!(
        !redis
            .cli(&["INFO", "commandstats"])
            .contains("cmdstat_client|list"),
        "CLIENT LIST ran above 5× the limit"
    );
}

#[tokio::test]
async fn own_cost_is_measured_from_commandstats() {
    let redis = Redis::start(&[]);
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(15), "own cost", |s| {
            s.cost
                .as_ref()
                .is_some_and(|c| c.server_usec_per_refresh.is_some())
        })
        .await;
    let cost = snap.cost.expect("cost");
    assert!(cost.refreshes > 0);
    // PING + INFO + SLOWLOG GET 1 every tick, a few more on slow ticks.
    assert!(
        (3.0..8.0).contains(&cost.round_trips_per_refresh),
        "{cost:?}"
    );
    assert!(cost.server_usec_per_refresh.unwrap() > 0.0, "{cost:?}");
    assert!(cost.reply_bytes_per_refresh > 1000.0, "{cost:?}");
    assert_eq!(cost.backoff, None);
}
