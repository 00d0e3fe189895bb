//! Which `INFO` to ask each tick. Default `INFO` also renders `cpu`, `modules` and `cluster`,
//! which no pane shows, and `server`, `replication` and `keyspace`, which a pane needs less
//! often (each section costs Redis 5–30 µs). On 7.0+ (several sections in one `INFO`) a tick
//! asks only the sections that move; `server`, `replication` and `keyspace` (the key count,
//! whose fall after a `FLUSHALL` explains a hit-rate collapse) come on the slow cadence and their fields are
//! carried over in between (uptime advanced by the elapsed time, never ahead of the server's own
//! count, so no false "uptime went back"). A restart breaks the connection, and the first
//! `INFO` of every connection is the full default one, so restarts are still seen at once.
//! Older servers get the default `INFO` every tick.

use std::time::{Duration, Instant};

use crate::collect::types::Info;

/// The sections every tick asks for on 7.0+.
pub const TICK_SECTIONS: [&str; 5] = ["clients", "memory", "persistence", "stats", "errorstats"];
/// Added on slow ticks (their fields are carried over in between).
pub const SLOW_SECTIONS: [&str; 3] = ["server", "replication", "keyspace"];

/// Slack taken off the extrapolated uptime (the server's clock is cached per event loop).
const UPTIME_SLACK: Duration = Duration::from_millis(200);

/// The `server` section as last seen, and when.
#[derive(Debug, Clone)]
pub struct ServerPart {
    at: Instant,
    info: Info,
}

/// Per-connection INFO plan.
#[derive(Debug, Clone, Default)]
pub struct InfoPlan {
    /// The server takes several sections in one INFO (7.0+); None until the first reply.
    multi: Option<bool>,
    server: Option<ServerPart>,
}

impl InfoPlan {
    /// Does the server take several sections in one INFO (7.0+)?
    pub fn multi(&self) -> bool {
        self.multi == Some(true)
    }

    /// The command for this tick: `with_server` on slow ticks, `with_stats` adds
    /// `commandstats` (7.0+ only: one INFO instead of two, saving the per-call overhead).
    pub fn command(&self, with_server: bool, with_stats: bool) -> redis::Cmd {
        let mut cmd = redis::cmd("INFO");
        if self.multi() {
            if with_server || self.server.is_none() {
                cmd.arg(&SLOW_SECTIONS[..]);
            }
            for s in TICK_SECTIONS {
                cmd.arg(s);
            }
            // A replica's link is the first thing to watch: its replication every tick.
            if !with_server && self.is_replica() {
                cmd.arg("replication");
            }
            if with_stats {
                cmd.arg("commandstats");
            }
        }
        cmd
    }

    /// Was the server a replica when its replication was last seen?
    fn is_replica(&self) -> bool {
        self.server
            .as_ref()
            .is_some_and(|p| p.info.role.as_deref() == Some("slave"))
    }

    /// Learns from a reply and fills in the carried-over `server` fields when it had none.
    pub fn absorb(&mut self, at: Instant, info: &mut Info) {
        if info.redis_version.is_some() {
            if self.multi.is_none() {
                self.multi = Some(major(info.redis_version.as_deref()) >= 7);
            }
            self.server = Some(ServerPart {
                at,
                info: server_fields(info),
            });
            return;
        }
        if let Some(part) = &self.server {
            let elapsed = at.saturating_duration_since(part.at);
            let ahead = elapsed.saturating_sub(UPTIME_SLACK).as_secs();
            let s = &part.info;
            info.redis_version.clone_from(&s.redis_version);
            info.server_name.clone_from(&s.server_name);
            info.valkey_version.clone_from(&s.valkey_version);
            info.redis_mode.clone_from(&s.redis_mode);
            info.os.clone_from(&s.os);
            info.process_id = s.process_id;
            info.run_id.clone_from(&s.run_id);
            info.tcp_port = s.tcp_port;
            info.uptime_in_seconds = s.uptime_in_seconds.map(|u| u + ahead);
            info.executable.clone_from(&s.executable);
            info.config_file.clone_from(&s.config_file);
            // Asked with `server` only: an empty keyspace in a reply without `server` was not
            // asked for (an empty one with it is a server without keys).
            info.keyspace.clone_from(&s.keyspace);
            // A replica's replication came with this reply: it is newer than the carried one.
            if info.role.is_none() {
                info.role.clone_from(&s.role);
                info.connected_slaves = s.connected_slaves;
                info.master_link_status.clone_from(&s.master_link_status);
                info.repl.clone_from(&s.repl);
            }
        }
    }
}

fn major(version: Option<&str>) -> u32 {
    version
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

fn server_fields(info: &Info) -> Info {
    Info {
        redis_version: info.redis_version.clone(),
        server_name: info.server_name.clone(),
        valkey_version: info.valkey_version.clone(),
        redis_mode: info.redis_mode.clone(),
        os: info.os.clone(),
        process_id: info.process_id,
        run_id: info.run_id.clone(),
        tcp_port: info.tcp_port,
        uptime_in_seconds: info.uptime_in_seconds,
        executable: info.executable.clone(),
        config_file: info.config_file.clone(),
        role: info.role.clone(),
        connected_slaves: info.connected_slaves,
        master_link_status: info.master_link_status.clone(),
        repl: info.repl.clone(),
        keyspace: info.keyspace.clone(),
        ..Info::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(cmd: &redis::Cmd) -> Vec<String> {
        cmd.args_iter()
            .filter_map(|a| match a {
                redis::Arg::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect()
    }

    fn server(version: &str, uptime: u64) -> Info {
        Info {
            redis_version: Some(version.into()),
            run_id: Some("r1".into()),
            uptime_in_seconds: Some(uptime),
            keyspace: [(
                0,
                crate::collect::types::KeyspaceDb {
                    keys: 300,
                    ..Default::default()
                },
            )]
            .into(),
            ..Info::default()
        }
    }

    #[test]
    fn first_info_is_default_then_sections_on_7() {
        let mut p = InfoPlan::default();
        assert_eq!(args(&p.command(false, false)), ["INFO"]);
        let t0 = Instant::now();
        p.absorb(t0, &mut server("7.0.15", 100));
        assert_eq!(args(&p.command(false, false))[1], "clients");
        assert_eq!(args(&p.command(true, false))[1], "server");
        assert_eq!(args(&p.command(true, true)).last().unwrap(), "commandstats");
        let mut tick = Info::default();
        p.absorb(t0 + Duration::from_millis(3100), &mut tick);
        assert_eq!(tick.run_id.as_deref(), Some("r1"));
        assert_eq!(tick.keyspace.get(&0).map(|d| d.keys), Some(300));
        assert_eq!(tick.uptime_in_seconds, Some(102));
    }

    #[test]
    fn old_servers_get_default_info() {
        let mut p = InfoPlan::default();
        p.absorb(Instant::now(), &mut server("6.2.14", 5));
        assert_eq!(args(&p.command(true, true)), ["INFO"]);
        assert_eq!(args(&p.command(false, false)), ["INFO"]);
    }
}
