//! Redis actions, on a connection of their own (never the poller's).

use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use super::runner::Sink;
use crate::collect::connect::{self, query};
use crate::collect::ops::{RedisOp, argvs, probe_argvs};
use crate::collect::types::CollectError;
use crate::escape;
use crate::target::Target;

type OpResult = Result<(Option<i32>, String), String>;

fn reply_text(v: &redis::Value) -> String {
    match v {
        redis::Value::Okay => "OK".into(),
        redis::Value::SimpleString(s) => escape::plain_str(s),
        redis::Value::BulkString(b) => escape::plain(b),
        redis::Value::Int(i) => i.to_string(),
        redis::Value::Nil => "(nil)".into(),
        other => escape::plain_str(&format!("{other:?}")),
    }
}

async fn send(
    conn: &mut MultiplexedConnection,
    cmd: &redis::Cmd,
    limit: Duration,
) -> Result<(String, Duration), String> {
    let t0 = Instant::now();
    let v = query(conn, cmd, limit).await.map_err(|e| match e {
        CollectError::Timeout => format!("no reply within {}s", limit.as_secs_f64()),
        other => other.to_string(),
    })?;
    Ok((reply_text(&v), t0.elapsed()))
}

/// One way to write a round trip everywhere: `257µs`, `1.2ms` (as the panes do).
fn micros(d: Duration) -> String {
    crate::format::micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Runs one Redis action and returns (exit code, summary).
pub async fn run(
    op: RedisOp,
    args: &[String],
    config_command: &str,
    target: &Target,
    conn_timeout: Duration,
    limit: Duration,
    sink: &Sink,
) -> OpResult {
    // The dashboard's spare connection first: a server at maxclients refuses a new one.
    let mut conn = match crate::collect::reserve::take(target, conn_timeout).await {
        Some(c) => c,
        None => connect::connect(target, conn_timeout)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?,
    };
    match op {
        RedisOp::Probe => probe(&mut conn, limit, sink).await,
        RedisOp::ClientKill => client_kill(&mut conn, args, limit, sink).await,
        RedisOp::SlowlogReset => slowlog_reset(&mut conn, limit, sink).await,
        _ => {
            let all = argvs(op, args, config_command);
            let command = all.first().map_or(&[][..], Vec::as_slice);
            let (reply, took) = send(&mut conn, &to_cmd(command), limit).await?;
            let line = format!("{} → {reply} ({})", command.join(" "), micros(took));
            sink.line(line.clone()).await;
            Ok((Some(0), line))
        }
    }
}

fn to_cmd(argv: &[String]) -> redis::Cmd {
    let mut c = redis::Cmd::new();
    for a in argv {
        c.arg(a);
    }
    c
}

/// The validation probe: SET, GET, DEL of a unique key with a 30 s TTL, each step timed.
async fn probe(conn: &mut MultiplexedConnection, limit: Duration, sink: &Sink) -> OpResult {
    let key = format!("redtriage:probe:{:016x}", rand::random::<u64>());
    let value = format!("{:016x}", rand::random::<u64>());
    let [set, get, del] = <[Vec<String>; 3]>::try_from(probe_argvs(&key, &value))
        .map_err(|_| "probe: three commands expected".to_string())?;
    let (r, t_set) = send(conn, &to_cmd(&set), limit).await?;
    sink.line(format!("SET {key} → {r} ({})", micros(t_set)))
        .await;
    let (got, t_get) = send(conn, &to_cmd(&get), limit).await?;
    let matches = got == value;
    sink.line(format!(
        "GET {key} → {} ({})",
        if matches {
            "value matches"
        } else {
            "WRONG VALUE"
        },
        micros(t_get)
    ))
    .await;
    let (d, t_del) = send(conn, &to_cmd(&del), limit).await?;
    sink.line(format!("DEL {key} → {d} ({})", micros(t_del)))
        .await;
    let summary = format!(
        "probe {}: SET {} GET {} DEL {}",
        if matches { "ok" } else { "FAILED" },
        micros(t_set),
        micros(t_get),
        micros(t_del)
    );
    Ok((Some(i32::from(!matches)), summary))
}

/// `CLIENT KILL ID` for each id; a client that is already gone is reported, not an error.
async fn client_kill(
    conn: &mut MultiplexedConnection,
    ids: &[String],
    limit: Duration,
    sink: &Sink,
) -> OpResult {
    let mut killed = 0;
    for (id, argv) in ids.iter().zip(argvs(RedisOp::ClientKill, ids, "")) {
        match send(conn, &to_cmd(&argv), limit).await {
            Ok((n, _)) if n == "1" => {
                killed += 1;
                sink.line(format!("CLIENT KILL ID {id} → killed")).await;
            }
            Ok((n, _)) => {
                sink.line(format!("CLIENT KILL ID {id} → {n} (already gone)"))
                    .await;
            }
            Err(e) => sink.line(format!("CLIENT KILL ID {id} → {e}")).await,
        }
    }
    let summary = format!(
        "killed {killed} of {}",
        crate::format::plural(ids.len() as u64, "client")
    );
    Ok((Some(i32::from(killed == 0 && !ids.is_empty())), summary))
}

/// `SLOWLOG GET -1` first, every entry written to the incident log (`slowlog saved: N
/// entries`), then `SLOWLOG RESET`. When the entries cannot be read the slowlog is not reset:
/// nothing the postmortem needs is lost.
async fn slowlog_reset(conn: &mut MultiplexedConnection, limit: Duration, sink: &Sink) -> OpResult {
    let v = query(conn, redis::cmd("SLOWLOG").arg("GET").arg(-1), limit)
        .await
        .map_err(|e| format!("SLOWLOG GET -1 → {e}: the slowlog was not reset"))?;
    let entries = crate::collect::parse::parse_slowlog(&v)
        .map_err(|e| format!("SLOWLOG GET -1: {e}: the slowlog was not reset"))?;
    let lines: Vec<String> = entries.iter().map(saved_line).collect();
    let what = format!(
        "slowlog saved: {}",
        match entries.len() {
            1 => "1 entry".to_string(),
            n => format!("{n} entries"),
        }
    );
    sink.saved(what.clone(), lines).await;
    let (reply, took) = send(conn, redis::cmd("SLOWLOG").arg("RESET"), limit).await?;
    let line = format!("SLOWLOG RESET → {reply} ({})", micros(took));
    sink.line(line.clone()).await;
    Ok((Some(0), format!("{what}; {line}")))
}

/// `#12 2026-12-03T15:20:01Z 3700 µs 127.0.0.1:5555 (worker) "DEBUG" "SLEEP" "1.5"`: one saved
/// entry (its strings were escaped when parsed).
fn saved_line(e: &crate::collect::types::SlowlogEntry) -> String {
    let when = crate::format::rfc3339(std::time::UNIX_EPOCH + Duration::from_secs(e.timestamp));
    let name = if e.client_name.is_empty() {
        String::new()
    } else {
        format!(" ({})", e.client_name)
    };
    format!(
        "#{} {when} {} µs {}{name} {}",
        e.id,
        e.duration_us,
        if e.client_addr.is_empty() {
            "-"
        } else {
            &e.client_addr
        },
        e.args.join(" ")
    )
}
