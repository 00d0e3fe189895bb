//! `redtriage demo`: a throwaway `redis-server` in a temp dir on a free loopback port, synthetic
//! traffic from inside the process (hits and misses, slow scripts, errors, named clients), and
//! the TUI on it. The server dies with redtriage (parent-death signal) and the temp dir is
//! removed on exit, on panic and on ctrl+c.

use std::process::ExitCode;

use crate::modes::throwaway::ThrowawayRedis;

/// Runs the demo: server, traffic, TUI.
pub async fn run(mut opts: crate::app::TuiOptions) -> color_eyre::Result<ExitCode> {
    // A throwaway server: nothing of it is worth remembering.
    opts.poll.state_dir = None;
    let server = ThrowawayRedis::start(&[
        "--maxmemory",
        "64mb",
        "--maxmemory-policy",
        "allkeys-lru",
        "--slowlog-log-slower-than",
        "2000",
        "--latency-monitor-threshold",
        "5",
    ])
    .await?;
    let traffic = tokio::spawn(crate::modes::demo_traffic::drive(server.target()));
    let result = crate::app::run_tui(vec![server.target()], opts).await;
    traffic.abort();
    server.stop().await;
    result
}
