//! Memory with 24 h of history: the ring sizes give the bound, and a fast-forward of 86,400
//! one-second samples through the real `update` measures it (RSS of this test process, which
//! runs alone in its own binary). Not timed.

use std::time::{Duration, Instant};

use redtriage::model::fastforward;
use redtriage::model::ring::DAY_AT_1S;
use redtriage::model::state::State;
use redtriage::target::Thresholds;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Bytes the history rings of one target hold when full.
fn ring_bytes(state: &State) -> usize {
    let i = &state.instances[0];
    i.hits.heap_bytes()
        + i.mem_hist.heap_bytes()
        + i.clients_hist.heap_bytes()
        + i.hit_hist.heap_bytes()
        + i.ping_hist.heap_bytes()
}

#[test]
fn day_of_history_fits_the_budget() {
    let t0 = Instant::now();
    let at_start = rss_kib();
    let mut state = State::new(
        &[redtriage::target::Target::local_default()],
        Thresholds::default(),
        t0,
    );
    let computed = ring_bytes(&state);
    // 24 h at 1 s: 86,400 × (4 + 4 + 2 + 4) B for the series + 3,600 × 32 B of hit counters.
    assert_eq!(computed, DAY_AT_1S * 14 + 3600 * 32);
    let before = rss_kib();
    // The rings touch their pages when made: RSS does not creep up as they fill (a soak can
    // tell a leak from a ring filling).
    assert!(
        (before - at_start) * 1024 >= computed as u64 * 9 / 10,
        "rings not resident at start: +{} KiB for {computed} B",
        before - at_start
    );
    let last = fastforward::feed(
        &mut state,
        t0,
        Duration::from_secs(1),
        DAY_AT_1S as u64 + 10,
    );
    state.now = last;
    let snap = state.view(300).expect("view");
    let after = rss_kib();
    let inst = &state.instances[0];
    assert_eq!(inst.mem_hist.len(), DAY_AT_1S);
    assert_eq!(snap.memory.spark.len(), 300);
    assert!(snap.hit_rate.now_percent.is_some());
    let grown = after.saturating_sub(before);
    println!(
        "rings {computed} B computed; RSS {before} KiB before, {after} KiB after 24 h of samples (+{grown} KiB)"
    );
    // Rings are filled in place: growth is the rings plus allocator slack, far below 20 MB.
    assert!(
        grown * 1024 < computed as u64 * 2 + 4 * 1024 * 1024,
        "{grown} KiB"
    );
}
