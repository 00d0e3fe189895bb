//! Synthetic traffic for the demo: named clients doing ~80 % hits, some misses, a slow Lua
//! loop now and then (slowlog, latency events), and a few error replies.

use std::time::Duration;

use redis::aio::MultiplexedConnection;

use crate::collect::connect;
use crate::target::Target;

const KEYS: u64 = 2000;

/// A connection named `name` (CLIENT SETNAME), or None when the server does not answer.
pub async fn named(target: &Target, name: &str) -> Option<MultiplexedConnection> {
    let mut c = connect::connect(target, Duration::from_secs(1))
        .await
        .ok()?;
    let _: Result<(), _> = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg(name)
        .query_async(&mut c)
        .await;
    Some(c)
}

/// Drives traffic until aborted.
pub async fn drive(target: Target) {
    // Warm the cache so the hit rate starts near its steady state (~80 %).
    if let Some(mut c) = named(&target, "loader").await {
        let mut pipe = redis::pipe();
        for k in 0..KEYS {
            pipe.cmd("SET")
                .arg(format!("demo:{k}"))
                .arg(k)
                .arg("EX")
                .arg(600)
                .ignore();
        }
        let _: Result<(), _> = pipe.query_async(&mut c).await;
    }
    let mut workers = Vec::new();
    for i in 0..4 {
        let t = target.clone();
        workers.push(tokio::spawn(async move { worker(t, i).await }));
    }
    // Some idle clients, like a connection pool holding connections.
    let mut idle = Vec::new();
    for i in 0..6 {
        if let Some(c) = named(&target, &format!("pool-{i}")).await {
            idle.push(c);
        }
    }
    for w in workers {
        let _ = w.await;
    }
    drop(idle);
}

async fn worker(target: Target, n: u64) {
    let Some(mut c) = named(&target, &format!("web-{n}")).await else {
        return;
    };
    let mut i: u64 = n;
    loop {
        i = i
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let r = (i >> 33) % 1000;
        let key = format!("demo:{}", (i >> 20) % KEYS);
        let res: Result<redis::Value, _> = if r < 700 {
            redis::cmd("GET").arg(&key).query_async(&mut c).await
        } else if r < 900 {
            redis::cmd("SET")
                .arg(&key)
                .arg(r)
                .arg("EX")
                .arg(120)
                .query_async(&mut c)
                .await
        } else if r < 990 {
            redis::cmd("GET")
                .arg(format!("missing:{r}"))
                .query_async(&mut c)
                .await
        } else if r < 995 {
            redis::cmd("EVAL")
                .arg("local i=0 while i<300000 do i=i+1 end return i")
                .arg(0)
                .query_async(&mut c)
                .await
        } else {
            redis::cmd("LPUSH")
                .arg(&key)
                .arg(1)
                .query_async(&mut c)
                .await
        };
        if res.is_err() && c_broken(&res) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match named(&target, &format!("web-{n}")).await {
                Some(nc) => c = nc,
                None => continue,
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn c_broken(r: &Result<redis::Value, redis::RedisError>) -> bool {
    r.as_ref()
        .err()
        .is_some_and(|e| e.is_io_error() || e.is_connection_dropped())
}
