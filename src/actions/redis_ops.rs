//! Redis actions, on a connection of their own (never the poller's).

use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use super::runner::Sink;
use super::spec::RedisOp;
use crate::collect::connect::{self, query};
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

fn micros(d: Duration) -> String {
    format!("{} µs", d.as_micros())
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
    let mut conn = connect::connect(target, conn_timeout)
        .await
        .map_err(|e| format!("cannot connect: {e:?}"))?;
    match op {
        RedisOp::Probe => probe(&mut conn, limit, sink).await,
        RedisOp::ClientKill => client_kill(&mut conn, args, limit, sink).await,
        _ => {
            let all = argvs(op, args, config_command);
            let command = all.first().map_or(&[][..], Vec::as_slice);
            let (reply, took) = send(&mut conn, &to_cmd(command), limit).await?;
            let line = format!("{} → {reply} ({})", command.join(" "), micros(took));
            sink.line(line.clone()).await;
            if op == RedisOp::SetMaxmemory {
                sink.line("not persisted yet: run config-rewrite to write it to redis.conf")
                    .await;
            }
            Ok((Some(0), line))
        }
    }
}

/// The probe's three commands for `key` and `value` (one source for what is sent and shown).
fn probe_argvs(key: &str, value: &str) -> Vec<Vec<String>> {
    let w = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    vec![
        w(&["SET", key, value, "PX", "30000"]),
        w(&["GET", key]),
        w(&["DEL", key]),
    ]
}

/// The commands `op` sends, as argv (the first word is the command's name; CONFIG is sent as
/// `config_command`, the `--config-command` name). The dialog shows these, the runner sends
/// these, and which commands an action needs (to grey it out) is read from these.
pub fn argvs(op: RedisOp, args: &[String], config_command: &str) -> Vec<Vec<String>> {
    let with = |words: &[&str]| {
        let mut v: Vec<String> = words.iter().map(|s| (*s).to_string()).collect();
        v.extend(args.iter().cloned());
        vec![v]
    };
    match op {
        RedisOp::Ping => with(&["PING"]),
        RedisOp::Probe => probe_argvs("redtriage:probe:<random>", "<value>"),
        RedisOp::Bgsave => with(&["BGSAVE"]),
        RedisOp::Bgrewriteaof => with(&["BGREWRITEAOF"]),
        RedisOp::SetMaxmemory => with(&[config_command, "SET", "maxmemory"]),
        RedisOp::SetMaxmemoryPolicy => with(&[config_command, "SET", "maxmemory-policy"]),
        RedisOp::ConfigRewrite => with(&[config_command, "REWRITE"]),
        RedisOp::ClientKill => args
            .iter()
            .map(|id| vec!["CLIENT".into(), "KILL".into(), "ID".into(), id.clone()])
            .collect(),
        RedisOp::SlowlogReset => with(&["SLOWLOG", "RESET"]),
        RedisOp::MemoryPurge => with(&["MEMORY", "PURGE"]),
        RedisOp::LatencyReset => with(&["LATENCY", "RESET"]),
    }
}

/// The command names (upper case) `op` needs on the server, read from [`argvs`].
pub fn command_names(op: RedisOp, config_command: &str) -> Vec<String> {
    let mut names: Vec<String> = argvs(op, &["<arg>".into()], config_command)
        .into_iter()
        .filter_map(|argv| argv.into_iter().next())
        .map(|n| n.to_ascii_uppercase())
        .collect();
    names.dedup();
    names
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
    let summary = format!("killed {killed} of {} clients", ids.len());
    Ok((Some(i32::from(killed == 0 && !ids.is_empty())), summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_an_action_needs_come_from_what_it_sends() {
        let names = |op| command_names(op, "cfg-x");
        assert_eq!(names(RedisOp::Probe), ["SET", "GET", "DEL"]);
        assert_eq!(names(RedisOp::SetMaxmemory), ["CFG-X"]);
        assert_eq!(names(RedisOp::ConfigRewrite), ["CFG-X"]);
        assert_eq!(names(RedisOp::ClientKill), ["CLIENT"]);
        assert_eq!(names(RedisOp::Bgsave), ["BGSAVE"]);
        let kill = argvs(RedisOp::ClientKill, &["7".into(), "9".into()], "CONFIG");
        assert_eq!(kill[1], ["CLIENT", "KILL", "ID", "9"]);
        let set = argvs(RedisOp::SetMaxmemoryPolicy, &["allkeys-lru".into()], "C2");
        assert_eq!(set, [["C2", "SET", "maxmemory-policy", "allkeys-lru"]]);
    }

    #[test]
    fn every_op_is_in_all() {
        // Each op as the runbook names it parses, and is one of `RedisOp::ALL` (the poller asks
        // COMMAND INFO about the commands of these).
        for name in [
            "ping",
            "probe",
            "bgsave",
            "bgrewriteaof",
            "set_maxmemory",
            "set_maxmemory_policy",
            "config_rewrite",
            "client_kill",
            "slowlog_reset",
            "memory_purge",
            "latency_reset",
        ] {
            let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name);
            let op = <RedisOp as serde::Deserialize>::deserialize(de).expect(name);
            assert!(RedisOp::ALL.contains(&op), "{name}");
        }
    }

    #[test]
    fn an_action_is_greyed_by_the_commands_it_sends() {
        use crate::actions::prepare::{Context, prepare};
        let rb = crate::actions::spec::Runbook::default_runbook();
        let mut ctx = Context {
            up: true,
            ..Context::default()
        };
        ctx.missing_commands
            .insert("BGSAVE".into(), "disabled (rename-command)".into());
        ctx.missing_commands
            .insert("CONFIG".into(), "disabled (rename-command)".into());
        let why = |ctx: &Context<'_>, name: &str| ctx.unavailable(rb.find(name).expect(name));
        assert_eq!(
            why(&ctx, "bgsave").as_deref(),
            Some("BGSAVE disabled (rename-command)")
        );
        assert_eq!(
            why(&ctx, "maxmemory").as_deref(),
            Some("CONFIG disabled (rename-command)")
        );
        assert_eq!(why(&ctx, "ping"), None);
        assert_eq!(why(&ctx, "memory-purge"), None);
        // CONFIG renamed: the actions send the new name, which the server has.
        ctx.config_command = "cfg-x".into();
        assert_eq!(why(&ctx, "maxmemory"), None);
        let p =
            prepare(rb.find("maxmemory").expect("maxmemory"), &ctx, Some("1mb")).expect("prepared");
        assert_eq!(p.display, ["cfg-x SET maxmemory 1048576"]);
    }
}
