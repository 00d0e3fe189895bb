//! The replication actions' arguments and the server each goes to: the Sentinel ones to a
//! Sentinel that answers (with Sentinel's credentials), `replica-promote` to the replica
//! picked, `failover` to the master with `TO host port`.

use super::prepare::Context;
use crate::collect::ops::RedisOp;
use crate::target::{Address, Target};

/// A replica picked from the group's list: its `host:port` split.
fn picked_replica<'a>(ctx: &Context<'_>, input: Option<&'a str>) -> Result<(&'a str, u16), String> {
    let raw = input.ok_or("pick a replica")?;
    if !ctx.replicas.iter().any(|r| r == raw) {
        return Err(format!(
            "{} is not a replica of this group",
            crate::escape::quoted(raw.as_bytes())
        ));
    }
    let (host, port) = raw.rsplit_once(':').ok_or("expected host:port")?;
    let port = port.parse().map_err(|_| "expected host:port".to_string())?;
    Ok((host.trim_start_matches('[').trim_end_matches(']'), port))
}

/// The replica picked, as a target with the target's credentials and TLS.
fn picked_target(ctx: &Context<'_>, input: Option<&str>) -> Result<Target, String> {
    let (host, port) = picked_replica(ctx, input)?;
    let base = ctx.target.cloned().unwrap_or_else(Target::local_default);
    Ok(Target {
        address: Address::Tcp {
            host: host.to_string(),
            port,
        },
        ..base
    })
}

/// The arguments of `op` and the server it is sent to when not the target.
pub(super) fn args(
    op: RedisOp,
    ctx: &Context<'_>,
    input: Option<&str>,
    changes: &mut Vec<String>,
) -> Result<(Vec<String>, Option<Target>), String> {
    match op {
        RedisOp::SentinelCkquorum | RedisOp::SentinelFailover => {
            let name = ctx.master_name.clone().ok_or("no master name")?;
            let sentinel = ctx.sentinel.clone().ok_or("no Sentinel answers")?;
            if op == RedisOp::SentinelFailover {
                changes.push(format!(
                    "the Sentinels promote a replica of {} and demote the master {}",
                    crate::escape::quoted(name.as_bytes()),
                    ctx.target.map(Target::display).unwrap_or_default()
                ));
            }
            changes.push(format!("sent to the Sentinel {}", sentinel.display()));
            Ok((vec![name], Some(sentinel)))
        }
        RedisOp::ReplicaPromote => {
            let replica = picked_target(ctx, input)?;
            changes.push(format!(
                "{} stops replicating and becomes a master (its own data from now on)",
                replica.display()
            ));
            if ctx.sentinel.is_some() {
                changes.push(
                    "Sentinel manages this group: it may turn the promoted replica back into a \
                     replica (use sentinel-failover instead)"
                        .into(),
                );
            }
            Ok((Vec::new(), Some(replica)))
        }
        RedisOp::Failover => {
            let (host, port) = picked_replica(ctx, input)?;
            changes.push(format!(
                "{host}:{port} becomes the master; this master becomes its replica",
                host = crate::escape::plain_str(host)
            ));
            Ok((vec!["TO".into(), host.to_string(), port.to_string()], None))
        }
        RedisOp::ClusterFailover
        | RedisOp::ClusterFailoverForce
        | RedisOp::ClusterFailoverTakeover => {
            let replica = picked_target(ctx, input)?;
            changes.push(format!(
                "{} becomes the master of its shard; its master becomes its replica",
                replica.display()
            ));
            changes.push(match op {
                RedisOp::ClusterFailover => "the master agrees first and hands over with no writes lost (it must be up)".into(),
                RedisOp::ClusterFailoverForce => "FORCE skips the master's agreement: writes it took since the last replication are lost; the other masters still vote".into(),
                _ => "TAKEOVER skips the master's agreement AND the other masters' vote: the replica takes a new epoch on its own (two masters may claim the slots until the old one hears of it)".into(),
            });
            Ok((Vec::new(), Some(replica)))
        }
        _ => Ok((Vec::new(), None)),
    }
}
