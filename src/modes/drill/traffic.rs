//! The traffic that keeps a drill's fault visible: writers, readers, slow commands and a
//! flood of idle connections. Every loop runs until its task is aborted, reconnects when the
//! connection drops, and ignores error replies (they are the point: OOM, MISCONF).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::modes::demo_traffic::named;
use crate::target::Target;

/// Runs `cmd(i)` on a connection named `name` every `period`, for i = 0, 1, 2…
async fn repeat(
    target: Target,
    name: String,
    period: Duration,
    cmd: impl Fn(u64) -> redis::Cmd + Send,
) {
    let mut conn = None;
    let mut i: u64 = 0;
    loop {
        if conn.is_none() {
            conn = named(&target, &name).await;
        }
        if let Some(c) = conn.as_mut() {
            let r: Result<redis::Value, _> = cmd(i).query_async(c).await;
            if r.as_ref()
                .is_err_and(|e| e.is_io_error() || e.is_connection_dropped())
            {
                conn = None;
            }
        }
        i = i.wrapping_add(1);
        tokio::time::sleep(period).await;
    }
}

/// SETs fresh keys `prefix:N` with `size`-byte values (OOM, MISCONF, evictions).
pub async fn writer(target: Target, name: &str, prefix: &str, size: usize, period: Duration) {
    let value = "x".repeat(size);
    let prefix = prefix.to_owned();
    repeat(target, name.to_owned(), period, move |i| {
        let mut c = redis::cmd("SET");
        c.arg(format!("{prefix}:{i}")).arg(&value);
        c
    })
    .await;
}

/// GETs `prefix:0` … `prefix:(keys-1)` in a scrambled order; one in `miss_every` asks for a
/// key that was never set (a realistic miss rate under a warm cache).
pub async fn reader(
    target: Target,
    name: &str,
    prefix: &str,
    keys: u64,
    miss_every: u64,
    period: Duration,
) {
    let prefix = prefix.to_owned();
    repeat(target, name.to_owned(), period, move |i| {
        let k = i.wrapping_mul(2_654_435_761) % keys.max(1);
        let mut c = redis::cmd("GET");
        if miss_every > 0 && i % miss_every == 0 {
            c.arg(format!("{prefix}:never:{k}"));
        } else {
            c.arg(format!("{prefix}:{k}"));
        }
        c
    })
    .await;
}

/// Alternates a big `SORT list LIMIT 0 1` and `DEBUG SLEEP 0.02` (both over the slowlog's
/// 10 ms).
pub async fn slow(target: Target, list: &str, period: Duration) {
    let list = list.to_owned();
    repeat(target, "drill-report-job".into(), period, move |i| {
        if i % 2 == 0 {
            let mut c = redis::cmd("SORT");
            c.arg(&list).arg("LIMIT").arg(0).arg(1);
            c
        } else {
            let mut c = redis::cmd("DEBUG");
            c.arg("SLEEP").arg("0.02");
            c
        }
    })
    .await;
}

/// One raw connection that ran `CLIENT SETNAME name`: Some if the server said +OK, None if it
/// refused it (`-ERR max number of clients reached`) or is unreachable.
pub async fn hold_one(port: u16, name: &str) -> Option<TcpStream> {
    let mut s = tokio::time::timeout(
        Duration::from_secs(1),
        TcpStream::connect(("127.0.0.1", port)),
    )
    .await
    .ok()?
    .ok()?;
    let cmd = format!(
        "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n${}\r\n{name}\r\n",
        name.len()
    );
    s.write_all(cmd.as_bytes()).await.ok()?;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf))
        .await
        .ok()?
        .ok()?;
    buf[..n].starts_with(b"+OK").then_some(s)
}

/// Opens idle `pool-N` connections until the server refuses one; returns them.
pub async fn fill_clients(port: u16, limit: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    while held.len() < limit {
        match hold_one(port, &format!("pool-{}", held.len())).await {
            Some(s) => held.push(s),
            None => break,
        }
    }
    held
}

/// Keeps `held` open and asks for one more connection every `period` (refused: the
/// server's `rejected_connections` keeps rising, as with a pool retrying).
pub async fn flood(port: u16, held: Vec<TcpStream>, period: Duration) {
    let mut held = held;
    loop {
        tokio::time::sleep(period).await;
        if let Some(s) = hold_one(port, &format!("pool-{}", held.len())).await {
            held.push(s);
        }
    }
}
