//! Synthetic samples for the memory test and the `update` bench: a busy server's INFO figures
//! moving a little every tick. Not used by the program.

use std::time::{Duration, Instant, SystemTime};

use crate::collect::types::{Info, Sample};
use crate::model::state::{State, update};
use crate::msg::Msg;

/// The `i`-th sample of a steady stream one `step` apart from `t0`.
pub fn sample(t0: Instant, wall0: SystemTime, step: Duration, i: u64) -> Sample {
    let at = t0 + step * u32::try_from(i).unwrap_or(u32::MAX);
    let info = Info {
        redis_version: Some("7.0.15".into()),
        run_id: Some("0123456789abcdef".into()),
        uptime_in_seconds: Some(1000 + i),
        connected_clients: Some(50 + i % 7),
        maxclients: Some(10_000),
        used_memory: Some(512 * 1024 * 1024 + (i % 1000) * 4096),
        maxmemory: Some(1024 * 1024 * 1024),
        total_commands_processed: Some(i * 1000),
        keyspace_hits: Some(i * 900),
        keyspace_misses: Some(i * 100),
        total_connections_received: Some(100 + i / 10),
        rejected_connections: Some(0),
        evicted_keys: Some(0),
        total_error_replies: Some(i / 100),
        role: Some("master".into()),
        ..Info::default()
    };
    Sample::of_info(
        at,
        wall0 + step * u32::try_from(i).unwrap_or(u32::MAX),
        Duration::from_micros(150 + i % 50),
        info,
    )
}

/// Feeds `n` samples one `step` apart into target 0 of `state` through `update`; returns the
/// time of the last one.
pub fn feed(state: &mut State, t0: Instant, step: Duration, n: u64) -> Instant {
    let wall0 = SystemTime::now();
    let mut last = t0;
    for i in 0..n {
        let s = sample(t0, wall0, step, i);
        last = s.at;
        update(
            state,
            Msg::Sample {
                target: 0,
                sample: Box::new(s),
            },
        );
    }
    last
}
