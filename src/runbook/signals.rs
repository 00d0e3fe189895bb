//! The signals a diagnosis rule may name: the vocabulary of the runbook's `[[rule]]` tables.
//! The model computes their values (`model::diagnosis::signals`); the runbook file is checked
//! against these names when it is loaded.

/// Every signal a rule may name, with what it measures.
pub const SIGNALS: &[(&str, &str)] = &[
    (
        "repl_link_down_secs",
        "seconds the target's own replication link is down (the target is a replica)",
    ),
    (
        "replicas_broken",
        "replicas whose link is down, that do not answer, or that only a Sentinel knows of",
    ),
    ("target_is_replica", "1 when the target is a replica"),
    (
        "readonly_errors",
        "READONLY error replies the target sent (clients writing to a replica)",
    ),
    (
        "failover_in_progress",
        "1 while a Sentinel announces a failover of the master that has not switched yet",
    ),
    (
        "failover_ago_secs",
        "seconds since the master switched (+switch-master, or the Sentinels' majority)",
    ),
    (
        "quorum_unreachable",
        "1 when too few Sentinels answer for the quorum, or CKQUORUM fails",
    ),
    ("sentinels_unreachable", "Sentinels that do not answer"),
    (
        "masters_claimed",
        "nodes of the group that say they are the master",
    ),
    (
        "cluster_slots_uncovered",
        "hash slots no healthy master serves (Redis Cluster: unassigned, or the master failed)",
    ),
    (
        "cluster_state_fail",
        "1 when the cluster map's node says cluster_state:fail",
    ),
    (
        "cluster_master_no_replica",
        "cluster masters marked fail whose shard has no replica to promote",
    ),
    (
        "cluster_nodes_failing",
        "cluster nodes flagged fail or fail?, or that do not answer",
    ),
    (
        "cluster_moved_per_sec",
        "MOVED and ASK error replies per second over the cluster's nodes (stale slot maps)",
    ),
    (
        "cluster_down_errors_per_sec",
        "CLUSTERDOWN error replies per second over the cluster's nodes",
    ),
    (
        "cluster_skew",
        "1 when one master has ≥ 3× the memory (≥ 64 MB) or ops (≥ 1000/s) of the others' median",
    ),
    (
        "cluster_view_differs",
        "cluster nodes whose cluster_state, known nodes or fail flags differ from most nodes'",
    ),
    (
        "replica_lag_secs",
        "the largest replica lag, seconds since its last ack (the master's view)",
    ),
    (
        "down",
        "1 while nothing accepts the connection (not counting maxclients)",
    ),
    (
        "unusable",
        "1 while the server cannot be used: down, cut mid-reply, hung, or at maxclients",
    ),
    (
        "systemd_unit",
        "1 when a systemd unit serves the server's port (found on this machine or remembered)",
    ),
    (
        "container_found",
        "1 when the Docker source found the server's container (Container pane), else 0",
    ),
    (
        "aof_enabled",
        "1 when the server has AOF on (appendonly yes), 0 when off; last known while down",
    ),
    (
        "keys_drop_percent",
        "how far the key count fell from its peak of the last 5 minutes, percent (FLUSHALL)",
    ),
    (
        "flushes",
        "FLUSHALL and FLUSHDB calls the server counted since it started (commandstats)",
    ),
    (
        "cut",
        "1 while connections are accepted, then closed in the middle of a reply",
    ),
    (
        "unresponsive",
        "1 while the connection is open but the server does not reply",
    ),
    (
        "maxclients_refused",
        "1 while redtriage's own connection is refused: max clients",
    ),
    (
        "restart_ago_secs",
        "seconds since a restart was seen (run id, uptime went back)",
    ),
    ("uptime_secs", "server uptime, seconds"),
    ("loading", "1 while the server loads its dataset"),
    (
        "log_aof",
        "lines of the server log (latest start) about the AOF",
    ),
    ("log_rdb", "lines of the server log about the RDB"),
    ("log_disk", "lines of the server log about disk writes"),
    ("log_oom", "lines of the server log about memory allocation"),
    ("log_crash", "lines of the server log reporting a crash"),
    (
        "used_percent",
        "used_memory as a percentage of maxmemory (maxmemory set)",
    ),
    ("evictions_per_sec", "evicted keys per second"),
    ("oom_errors_per_sec", "OOM error replies per second"),
    (
        "noeviction_oom",
        "1 when the policy is noeviction and OOM errors were replied",
    ),
    (
        "fragmentation",
        "RSS / used_memory, when used_memory ≥ 64 MB",
    ),
    (
        "clients_percent",
        "connected clients as a percentage of maxclients",
    ),
    ("rejected_per_sec", "rejected connections per second"),
    (
        "connections_per_sec",
        "new connections per second (a connection per request: no pooling)",
    ),
    (
        "top_group_percent",
        "share of connections held by one client address (≥ 10 clients)",
    ),
    (
        "idle_percent",
        "share of listed clients idle for 5 minutes or more (≥ 10 clients)",
    ),
    ("blocked_clients", "clients blocked in BLPOP/WAIT…"),
    (
        "ping_ratio",
        "PING p50 over the last 10 s against its baseline (≥ 30 samples)",
    ),
    ("ping_p50_ms", "PING round trip p50, ms"),
    (
        "views_disagree",
        "1 when redtriage and the exporter disagree on up/down",
    ),
    ("bgsave_err", "1 when the last BGSAVE failed"),
    ("aof_write_err", "1 when the last AOF write failed"),
    ("aof_rewrite_err", "1 when the last AOF rewrite failed"),
    ("misconf_per_sec", "MISCONF error replies per second"),
    (
        "delayed_fsync_per_sec",
        "aof_delayed_fsync increase per second",
    ),
    ("fork_ms", "duration of the latest fork, ms"),
    (
        "disk_used_percent",
        "used space of the filesystem holding the server's dir, % (a server on this machine)",
    ),
    ("slowlog_per_min", "new slowlog entries per minute"),
    (
        "latency_event_ms",
        "LATENCY LATEST: worst latest spike of the last minute, ms",
    ),
    (
        "hit_rate_now",
        "hit rate over 10 s, percent (≥ 10 lookups/s)",
    ),
    (
        "hit_rate_drop",
        "5-minute hit rate minus the 10 s one, points (≥ 10 lookups/s)",
    ),
    (
        "hit_rate_fall",
        "hit rate since the server started (INFO's counters) minus the 10 s one, points (≥ 10 lookups/s, ≥ 100 lookups in all)",
    ),
    (
        "container_exited",
        "1 while the container (Docker) has exited or is dead",
    ),
    (
        "container_restarting",
        "1 while the container is restarting",
    ),
    (
        "container_restart_loop",
        "container (re)starts seen in the last 5 minutes",
    ),
    (
        "container_oom_killed",
        "1 when the kernel OOM-killed the container (`OOMKilled`)",
    ),
    (
        "maxmemory_over_limit",
        "maxmemory / the container's memory limit (maxmemory set, limit set)",
    ),
    (
        "no_maxmemory_limited",
        "1 when maxmemory is 0 in a container with a memory limit",
    ),
    (
        "container_unhealthy",
        "1 when the container's health check fails while Redis answers",
    ),
];

/// Keys the dashboard itself uses; a runbook action may not take them.
pub const RESERVED_KEYS: &[char] = &[
    'q', '?', 'h', 'j', 'k', 'l', 'p', 'a', 'w', 't', 'o', 'c', 'g', 'r', 'd', 'F', 'A', 'C', 'x',
    '1', '2', '3', '4', '5', '6', ' ',
];
