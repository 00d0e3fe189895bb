//! The drill scenarios: names, what each does, the runbook cause it exercises, and the
//! `redis.conf` lines it needs.

use std::fmt::Write as _;

/// One fault to practise on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// kill -9 the server.
    Crash,
    /// Small maxmemory filled, noeviction: writes fail with OOM.
    Oom,
    /// allkeys-lru under write pressure.
    Evictions,
    /// Small maxclients, connections held open until more are refused.
    ClientFlood,
    /// Slow commands in a loop; the slowlog grows.
    SlowCommands,
    /// BGSAVE child killed: `rdb_last_bgsave_status:err`, MISCONF on writes.
    BgsaveFail,
    /// AOF damaged in the middle; the server refuses to start.
    AofCorrupt,
    /// SIGSTOP: the port accepts, nothing answers.
    Hung,
    /// Warm cache read at a high hit rate, then FLUSHALL under the reads.
    HitRateCollapse,
    /// A master, two replicas, three Sentinels; the master is killed, Sentinel promotes.
    Failover,
    /// A replica loses its master link (the master now asks for a password it lacks).
    ReplicaBroken,
    /// A 3-master/3-replica Redis Cluster; a master is killed, its replica takes over.
    ClusterFailover,
    /// A 3-master Redis Cluster with no replicas; a master is killed: its slots are lost.
    ClusterDown,
}

/// Every scenario, in `drill list` order.
pub const ALL: [Scenario; 13] = [
    Scenario::Crash,
    Scenario::Oom,
    Scenario::Evictions,
    Scenario::ClientFlood,
    Scenario::SlowCommands,
    Scenario::BgsaveFail,
    Scenario::AofCorrupt,
    Scenario::Hung,
    Scenario::HitRateCollapse,
    Scenario::Failover,
    Scenario::ReplicaBroken,
    Scenario::ClusterFailover,
    Scenario::ClusterDown,
];

/// What `redtriage drill` accepts: `list` and every scenario name.
pub const CHOICES: [&str; 14] = [
    "list",
    "crash",
    "oom",
    "evictions",
    "client-flood",
    "slow-commands",
    "bgsave-fail",
    "aof-corrupt",
    "hung",
    "hit-rate-collapse",
    "failover",
    "replica-broken",
    "cluster-failover",
    "cluster-down",
];

impl Scenario {
    /// Does it run a group (several servers, [`super::group`]) rather than one server?
    pub fn is_group(self) -> bool {
        matches!(self, Self::Failover | Self::ReplicaBroken)
    }

    /// Does it run a Redis Cluster ([`super::cluster`])?
    pub fn is_cluster(self) -> bool {
        matches!(self, Self::ClusterFailover | Self::ClusterDown)
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crash => "crash",
            Self::Oom => "oom",
            Self::Evictions => "evictions",
            Self::ClientFlood => "client-flood",
            Self::SlowCommands => "slow-commands",
            Self::BgsaveFail => "bgsave-fail",
            Self::AofCorrupt => "aof-corrupt",
            Self::Hung => "hung",
            Self::HitRateCollapse => "hit-rate-collapse",
            Self::Failover => "failover",
            Self::ReplicaBroken => "replica-broken",
            Self::ClusterFailover => "cluster-failover",
            Self::ClusterDown => "cluster-down",
        }
    }

    /// The scenario called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        ALL.into_iter().find(|s| s.name() == name)
    }

    /// One line on what the drill does.
    pub fn description(self) -> &'static str {
        match self {
            Self::Crash => "the server is killed with SIGKILL: connection refused",
            Self::Oom => "maxmemory 4mb filled, noeviction: writes keep failing (OOM)",
            Self::Evictions => "maxmemory 4mb, allkeys-lru, steady writes: keys evicted",
            Self::ClientFlood => "maxclients 16 held by an idle pool; new connections refused",
            Self::SlowCommands => "big SORTs and DEBUG SLEEPs in a loop: the slowlog grows",
            Self::BgsaveFail => "BGSAVE child killed by SIGKILL: MISCONF on every write",
            Self::AofCorrupt => "AOF damaged mid-file: the server refuses to start again",
            Self::Hung => "server stopped with SIGSTOP: port open, nothing answers",
            Self::HitRateCollapse => "warm cache read at a high hit rate, then FLUSHALL",
            Self::Failover => "master + 2 replicas + 3 Sentinels; the master is killed",
            Self::ReplicaBroken => "a replica loses its master link (it cannot authenticate)",
            Self::ClusterFailover => "Redis Cluster, 3 masters + 3 replicas; a master is killed",
            Self::ClusterDown => "Redis Cluster, 3 masters, no replica; a master is killed",
        }
    }

    /// The cause the drill exercises: the diagnosis id and the runbook heading.
    pub fn cause(self) -> (&'static str, &'static str) {
        match self {
            Self::Crash => ("A", "runbook A. Redis Container Crashed"),
            Self::Oom | Self::Evictions => ("B", "runbook B. Out of Memory"),
            Self::ClientFlood => ("C", "runbook C. Connection Pool Exhausted"),
            Self::Hung => ("D", "runbook D. Network Issues"),
            Self::BgsaveFail | Self::AofCorrupt => ("E", "runbook E. Disk Full (AOF/RDB Issues)"),
            Self::SlowCommands => ("slow", "slow commands (beyond runbook A–E)"),
            Self::HitRateCollapse => ("hit_rate", "hit-rate collapse (beyond runbook A–E)"),
            Self::Failover => ("failover", "runbook: Test failover to read replica"),
            Self::ReplicaBroken => ("replication", "replication broken (beyond runbook A–E)"),
            Self::ClusterFailover => ("cluster_node", "Redis Cluster: a master fails over"),
            Self::ClusterDown => ("cluster_down", "Redis Cluster: slots uncovered"),
        }
    }

    /// `redis.conf` lines added after the base ones (port, dir, logfile, no persistence).
    pub fn conf(self) -> &'static str {
        match self {
            Self::Crash
            | Self::Hung
            | Self::HitRateCollapse
            | Self::Failover
            | Self::ReplicaBroken
            | Self::ClusterFailover
            | Self::ClusterDown => "",
            Self::Oom => "maxmemory 4mb\nmaxmemory-policy noeviction\n",
            Self::Evictions => "maxmemory 4mb\nmaxmemory-policy allkeys-lru\n",
            Self::ClientFlood => "maxclients 16\n",
            Self::SlowCommands => {
                "slowlog-log-slower-than 10000\nslowlog-max-len 1024\nenable-debug-command local\n"
            }
            // A save point: without one, a failed BGSAVE does not stop writes. The delay per
            // key keeps the child alive long enough to be killed.
            Self::BgsaveFail => {
                "save 3600 1\nstop-writes-on-bgsave-error yes\nrdb-key-save-delay 100000\n"
            }
            Self::AofCorrupt => "appendonly yes\nappendfsync always\n",
        }
    }
}

/// `redtriage drill list`.
pub fn list_text() -> String {
    let mut out = String::from("Drill scenarios (redtriage drill <scenario>):\n\n");
    for s in ALL {
        let (id, heading) = s.cause();
        let _ = write!(
            out,
            "  {:<18} {}\n  {:<18} cause {id}: {heading}\n",
            s.name(),
            s.description(),
            ""
        );
    }
    out.push_str(
        "\nEverything (server, traffic, temp dir) is removed on exit. --headless: no TUI;\n\
         one JSON line {url, server_log, scenario, injected} once the fault is in, kept\n\
         until SIGTERM/SIGINT or stdin closes.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_choices_cover_all() {
        for s in ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
            assert!(CHOICES.contains(&s.name()));
        }
        assert_eq!(CHOICES.len(), ALL.len() + 1);
    }

    #[test]
    fn list_fits_80_columns() {
        for line in list_text().lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }
}
