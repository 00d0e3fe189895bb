//! Injecting each scenario's fault into the throwaway server. Each function returns once the
//! fault is visible (an OOM reply, an eviction, a refused connection, a slowlog entry, a failed
//! BGSAVE, a refused start…) with the tasks that keep it going.

use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use redis::aio::MultiplexedConnection;
use tokio::task::JoinHandle;

use super::faults::{self, wait_info};
use super::traffic::{fill_clients, flood, reader, slow, writer};
use super::{Scenario, Tasks};
use crate::modes::demo_traffic::named;
use crate::modes::throwaway::ThrowawayRedis;

const LIMIT: Duration = Duration::from_secs(20);

/// Injects `scenario` into `server`.
pub async fn inject(scenario: Scenario, server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    match scenario {
        Scenario::Crash => crash(server).await,
        Scenario::Oom => oom(server).await,
        Scenario::Evictions => evictions(server).await,
        Scenario::ClientFlood => client_flood(server).await,
        Scenario::SlowCommands => slow_commands(server).await,
        Scenario::BgsaveFail => bgsave_fail(server).await,
        Scenario::AofCorrupt => aof_corrupt(server).await,
        Scenario::Hung => Ok(hung(server)),
        Scenario::HitRateCollapse => hit_rate_collapse(server).await,
        // Several servers: `super::group` runs these.
        Scenario::Failover
        | Scenario::ReplicaBroken
        | Scenario::ClusterFailover
        | Scenario::ClusterDown => Ok(Vec::new()),
    }
}

async fn admin(server: &ThrowawayRedis) -> color_eyre::Result<MultiplexedConnection> {
    named(&server.target(), "drill-admin")
        .await
        .ok_or_else(|| eyre!("cannot connect to the drill's redis-server"))
}

fn spawn(f: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(f)
}

/// SETs `prefix:0…count-1` with `size`-byte values, pipelined by 100. Stops at the first
/// OOM reply and returns how many batches of keys went in before it (`Ok(None)`: no OOM).
async fn fill(
    c: &mut MultiplexedConnection,
    prefix: &str,
    count: u64,
    size: usize,
) -> color_eyre::Result<Option<u64>> {
    let value = "x".repeat(size);
    for start in (0..count).step_by(100) {
        let mut pipe = redis::pipe();
        for k in start..(start + 100).min(count) {
            pipe.cmd("SET")
                .arg(format!("{prefix}:{k}"))
                .arg(&value)
                .ignore();
        }
        match pipe.query_async::<()>(c).await {
            Ok(()) => {}
            // A pipeline's error lists the failed replies: `"OOM": command not allowed…`.
            Err(e) if e.to_string().contains("OOM") => return Ok(Some(start)),
            Err(e) => return Err(e).wrap_err("filling the server"),
        }
    }
    Ok(None)
}

/// kill -9, and the process reaped.
async fn crash(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    fill(&mut c, "drill:session", 500, 64).await?;
    drop(c);
    server.signal(libc::SIGKILL);
    server
        .wait_exit(Duration::from_secs(5))
        .await
        .ok_or_else(|| eyre!("redis-server did not die on SIGKILL"))?;
    Ok(Vec::new())
}

/// Fill to maxmemory under noeviction, then writes keep failing with OOM while reads hit.
async fn oom(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    let filled = fill(&mut c, "drill:fill", 20_000, 1024)
        .await?
        .ok_or_else(|| eyre!("20 MB written and maxmemory never refused a write"))?;
    let t = server.target();
    let ms = Duration::from_millis;
    Ok(vec![
        spawn(async move { writer(t, "drill-app-writer", "drill:new", 1024, ms(50)).await }),
        spawn({
            let t = server.target();
            async move { reader(t, "drill-app-reader", "drill:fill", filled, 20, ms(50)).await }
        }),
    ])
}

/// Filled past maxmemory under allkeys-lru, then steady writes evict keys.
async fn evictions(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    fill(&mut c, "drill:fill", 6000, 1024).await?;
    let t = server.target();
    let task = spawn(async move {
        writer(
            t,
            "drill-app-writer",
            "drill:new",
            1024,
            Duration::from_millis(2),
        )
        .await;
    });
    let evicted = |v: &str| v.parse::<u64>().is_ok_and(|n| n > 0);
    if let Err(e) = wait_info(&mut c, ("stats", "evicted_keys"), evicted, LIMIT).await {
        task.abort();
        return Err(e);
    }
    Ok(vec![task])
}

/// Idle pool connections up to maxclients, then one more refused every second.
async fn client_flood(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let held = fill_clients(server.port, 200).await;
    if held.len() >= 200 {
        return Err(eyre!(
            "200 connections held and none refused: is maxclients set?"
        ));
    }
    let port = server.port;
    Ok(vec![spawn(async move {
        flood(port, held, Duration::from_secs(1)).await;
    })])
}

/// A 25 000-element list to SORT (~20 ms), and the slow loop started; returns at its first entry.
async fn slow_commands(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    let mut x: u64 = 0x9e37_79b9;
    for _ in 0..5 {
        let mut cmd = redis::cmd("RPUSH");
        cmd.arg("drill:report:rows");
        for _ in 0..5000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            cmd.arg(x >> 40);
        }
        cmd.query_async::<()>(&mut c)
            .await
            .wrap_err("loading the list")?;
    }
    let t = server.target();
    let task = spawn(async move { slow(t, "drill:report:rows", Duration::from_millis(400)).await });
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let len: u64 = redis::cmd("SLOWLOG")
            .arg("LEN")
            .query_async(&mut c)
            .await
            .unwrap_or(0);
        if len > 0 {
            return Ok(vec![task]);
        }
        if tokio::time::Instant::now() > deadline {
            task.abort();
            return Err(eyre!("no slowlog entry after {LIMIT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// BGSAVE (slowed by `rdb-key-save-delay`), its child killed with SIGKILL: the last save
/// failed, and writes get MISCONF while the app keeps writing and reading.
async fn bgsave_fail(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    fill(&mut c, "drill:order", 300, 128).await?;
    redis::cmd("BGSAVE")
        .query_async::<()>(&mut c)
        .await
        .wrap_err("BGSAVE")?;
    let ok = |v: &str| v == "1";
    wait_info(&mut c, ("persistence", "rdb_bgsave_in_progress"), ok, LIMIT).await?;
    let pid = server
        .pid()
        .ok_or_else(|| eyre!("redis-server is not running"))?;
    let children = faults::children_of(pid);
    if children.is_empty() {
        return Err(eyre!("no BGSAVE child process of pid {pid} found in /proc"));
    }
    for child in children {
        faults::kill9(child);
    }
    let err = |v: &str| v == "err";
    wait_info(
        &mut c,
        ("persistence", "rdb_last_bgsave_status"),
        err,
        LIMIT,
    )
    .await?;
    let ms = Duration::from_millis;
    let (t1, t2) = (server.target(), server.target());
    Ok(vec![
        spawn(async move { writer(t1, "drill-app-writer", "drill:order", 128, ms(100)).await }),
        spawn(async move { reader(t2, "drill-app-reader", "drill:order", 300, 20, ms(50)).await }),
    ])
}

/// Data in the AOF, server stopped, AOF damaged mid-file, a restart that fails.
async fn aof_corrupt(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    let mut c = admin(server).await?;
    fill(&mut c, "drill:cart", 500, 64).await?;
    drop(c);
    server.signal(libc::SIGTERM);
    server
        .wait_exit(Duration::from_secs(10))
        .await
        .ok_or_else(|| eyre!("redis-server did not stop on SIGTERM"))?;
    faults::corrupt_middle(&faults::aof_file(server.dir.path())?)?;
    server.spawn(&[])?;
    match server.wait_exit(Duration::from_secs(10)).await {
        Some(status) if !status.success() => {}
        Some(_) => return Err(eyre!("redis-server exited 0 on the damaged AOF")),
        None => return Err(eyre!("redis-server started on the damaged AOF")),
    }
    let log = std::fs::read_to_string(server.log_path()).unwrap_or_default();
    if !log.contains("Bad file format reading the append only file") {
        return Err(eyre!(
            "the restart failed, but not on the AOF: see {}",
            server.log_path().display()
        ));
    }
    Ok(Vec::new())
}

/// SIGSTOP: the kernel still accepts connections, the server answers none.
fn hung(server: &mut ThrowawayRedis) -> Tasks {
    server.signal(libc::SIGSTOP);
    Vec::new()
}

/// A warm cache read at ~96 % hits for 4 s, then FLUSHALL while the reads go on.
async fn hit_rate_collapse(server: &mut ThrowawayRedis) -> color_eyre::Result<Tasks> {
    const KEYS: u64 = 2000;
    let mut c = admin(server).await?;
    fill(&mut c, "drill:cache", KEYS, 256).await?;
    let tasks: Tasks = (0..2)
        .map(|n| {
            let t = server.target();
            spawn(async move {
                let name = format!("drill-app-reader-{n}");
                reader(t, &name, "drill:cache", KEYS, 25, Duration::from_millis(5)).await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(4)).await;
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut c)
        .await
        .wrap_err("FLUSHALL")?;
    Ok(tasks)
}
