//! The Redis commands redtriage's actions send, as data: which op sends what (one source for
//! what the dialog shows, what the runner sends and what the poller asks `COMMAND INFO` about).

/// A Redis command run over the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedisOp {
    Ping,
    /// SET/GET/DEL of a unique `redtriage:probe:<random>` key with a short TTL.
    Probe,
    Bgsave,
    Bgrewriteaof,
    /// `CONFIG SET maxmemory <value>`; the value is typed by the user (`2gb`, `512mb`).
    SetMaxmemory,
    /// `CONFIG SET maxmemory-policy <policy>`, picked from a list.
    SetMaxmemoryPolicy,
    /// `CONFIG REWRITE`.
    ConfigRewrite,
    /// `CLIENT KILL ID …` of the selected client or of every client of the selected group.
    ClientKill,
    SlowlogReset,
    MemoryPurge,
    LatencyReset,
    /// `SENTINEL CKQUORUM <name>`, sent to a Sentinel.
    SentinelCkquorum,
    /// `SENTINEL FAILOVER <name>`, sent to a Sentinel.
    SentinelFailover,
    /// `REPLICAOF NO ONE`, sent to the replica picked.
    ReplicaPromote,
    /// `FAILOVER TO <host> <port>` (6.2+), sent to the master, for a group without Sentinel.
    Failover,
    /// `CLUSTER FAILOVER`, sent to the cluster replica picked (its master agrees).
    ClusterFailover,
    /// `CLUSTER FAILOVER FORCE`: without the master's agreement (the master is down).
    ClusterFailoverForce,
    /// `CLUSTER FAILOVER TAKEOVER`: without the other masters' vote either.
    ClusterFailoverTakeover,
}

impl RedisOp {
    /// Every op (the poller asks `COMMAND INFO` about the commands they send).
    pub const ALL: [RedisOp; 18] = [
        RedisOp::Ping,
        RedisOp::Probe,
        RedisOp::Bgsave,
        RedisOp::Bgrewriteaof,
        RedisOp::SetMaxmemory,
        RedisOp::SetMaxmemoryPolicy,
        RedisOp::ConfigRewrite,
        RedisOp::ClientKill,
        RedisOp::SlowlogReset,
        RedisOp::MemoryPurge,
        RedisOp::LatencyReset,
        RedisOp::SentinelCkquorum,
        RedisOp::SentinelFailover,
        RedisOp::ReplicaPromote,
        RedisOp::Failover,
        RedisOp::ClusterFailover,
        RedisOp::ClusterFailoverForce,
        RedisOp::ClusterFailoverTakeover,
    ];

    /// Does it change the server?
    pub fn mutating(self) -> bool {
        !matches!(
            self,
            RedisOp::Ping | RedisOp::Probe | RedisOp::SentinelCkquorum
        )
    }

    /// Is it sent to a Sentinel (not to the data node the poller watches)?
    pub fn to_sentinel(self) -> bool {
        matches!(self, RedisOp::SentinelCkquorum | RedisOp::SentinelFailover)
    }
}

/// The probe's three commands for `key` and `value` (one source for what is sent and shown).
pub fn probe_argvs(key: &str, value: &str) -> Vec<Vec<String>> {
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
        RedisOp::SentinelCkquorum => with(&["SENTINEL", "CKQUORUM"]),
        RedisOp::SentinelFailover => with(&["SENTINEL", "FAILOVER"]),
        RedisOp::ReplicaPromote => with(&["REPLICAOF", "NO", "ONE"]),
        RedisOp::Failover => with(&["FAILOVER"]),
        RedisOp::ClusterFailover => with(&["CLUSTER", "FAILOVER"]),
        RedisOp::ClusterFailoverForce => with(&["CLUSTER", "FAILOVER", "FORCE"]),
        RedisOp::ClusterFailoverTakeover => with(&["CLUSTER", "FAILOVER", "TAKEOVER"]),
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
            "sentinel_ckquorum",
            "sentinel_failover",
            "replica_promote",
            "failover",
        ] {
            let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name);
            let op = <RedisOp as serde::Deserialize>::deserialize(de).expect(name);
            assert!(RedisOp::ALL.contains(&op), "{name}");
        }
    }
}
