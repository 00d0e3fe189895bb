//! `INFO` parser: one pass over the lines, a sorted table of typed fields looked up by binary
//! search, and the `dbN`, `errorstat_` and `cmdstat_` families parsed into their maps.

use super::plain;
use crate::collect::types::{CommandStat, Info, KeyspaceDb, ReplicaLine};

/// Stores one typed field: `(info, raw value bytes, escaped value)`.
type Setter = fn(&mut Info, &[u8], &str);

macro_rules! field {
    ($name:ident, num) => {
        (
            stringify!($name),
            (|i: &mut Info, v: &[u8], _: &str| i.$name = num(v)) as Setter,
        )
    };
    ($name:ident, bool) => {
        (
            stringify!($name),
            (|i: &mut Info, v: &[u8], _: &str| i.$name = flag(v)) as Setter,
        )
    };
    (repl $name:ident, num) => {
        (
            stringify!($name),
            (|i: &mut Info, v: &[u8], _: &str| i.repl.$name = num(v)) as Setter,
        )
    };
    (repl $name:ident, bool) => {
        (
            stringify!($name),
            (|i: &mut Info, v: &[u8], _: &str| i.repl.$name = flag(v)) as Setter,
        )
    };
    (repl $name:ident, str) => {
        (
            stringify!($name),
            (|i: &mut Info, _: &[u8], e: &str| i.repl.$name = Some(e.to_owned())) as Setter,
        )
    };
    ($name:ident, str) => {
        (
            stringify!($name),
            (|i: &mut Info, _: &[u8], e: &str| i.$name = Some(e.to_owned())) as Setter,
        )
    };
}

/// Typed `INFO` fields, sorted by name length, then name (checked by a test), for binary search.
/// Valkey 9 names `redis_mode` `server_mode`: either fills `redis_mode`.
static FIELDS: &[(&str, Setter)] = &[
    field!(os, str),
    field!(role, str),
    field!(run_id, str),
    field!(loading, bool),
    field!(tcp_port, num),
    field!(maxmemory, num),
    field!(executable, str),
    field!(maxclients, num),
    field!(process_id, num),
    field!(redis_mode, str),
    field!(aof_enabled, bool),
    field!(config_file, str),
    field!(repl master_host, str),
    field!(repl master_port, num),
    (
        "server_mode",
        (|i: &mut Info, _: &[u8], e: &str| {
            i.redis_mode.get_or_insert_with(|| e.to_owned());
        }) as Setter,
    ),
    field!(server_name, str),
    field!(used_memory, num),
    field!(evicted_keys, num),
    field!(expired_keys, num),
    field!(keyspace_hits, num),
    field!(redis_version, str),
    field!(repl slave_priority, num),
    field!(valkey_version, str),
    field!(blocked_clients, num),
    field!(keyspace_misses, num),
    field!(repl slave_read_only, bool),
    field!(used_memory_lua, num),
    field!(used_memory_rss, num),
    field!(connected_slaves, num),
    field!(latest_fork_usec, num),
    field!(maxmemory_policy, str),
    field!(tracking_clients, num),
    field!(used_memory_peak, num),
    field!(aof_delayed_fsync, num),
    field!(aof_last_cow_size, num),
    field!(connected_clients, num),
    field!(rdb_last_cow_size, num),
    field!(repl slave_repl_offset, num),
    field!(uptime_in_seconds, num),
    field!(master_link_status, str),
    field!(repl master_repl_offset, num),
    field!(rdb_last_save_time, num),
    field!(loading_eta_seconds, num),
    field!(loading_loaded_perc, num),
    field!(total_error_replies, num),
    field!(total_system_memory, num),
    field!(rejected_connections, num),
    field!(aof_last_write_status, str),
    field!(aof_rewrite_scheduled, bool),
    field!(repl master_failover_state, str),
    field!(total_net_input_bytes, num),
    field!(rdb_bgsave_in_progress, bool),
    field!(rdb_last_bgsave_status, str),
    field!(total_net_output_bytes, num),
    field!(aof_rewrite_in_progress, bool),
    field!(repl master_sync_in_progress, bool),
    field!(mem_fragmentation_bytes, num),
    field!(mem_fragmentation_ratio, num),
    field!(rdb_last_bgsave_time_sec, num),
    field!(total_commands_processed, num),
    field!(aof_last_bgrewrite_status, str),
    field!(instantaneous_ops_per_sec, num),
    field!(repl master_last_io_seconds_ago, num),
    field!(total_connections_received, num),
    field!(rdb_changes_since_last_save, num),
    field!(client_recent_max_input_buffer, num),
    field!(repl master_link_down_since_seconds, num),
    field!(client_recent_max_output_buffer, num),
];

/// Parses an `INFO` reply (any sections, Redis 6.2/7.0/7.2+). Never fails: unparsable
/// numbers leave the typed field `None`, every line is kept and available (escaped) from `Info::raw`.
pub fn parse_info(text: &[u8]) -> Info {
    let mut info = Info::default();
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        let escaped = plain(value);
        apply(&mut info, key, value, &escaped);
    }
    info.raw_text = text.to_vec();
    info
}

/// Splits an INFO reply into its `key:value` lines (escaped both sides); comments and lines
/// without a colon are skipped.
pub fn info_raw_fields(text: &[u8]) -> std::collections::BTreeMap<String, String> {
    text.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && line[0] != b'#')
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some((plain(&line[..colon]), plain(&line[colon + 1..])))
        })
        .collect()
}

/// Routes one `key:value` line to its typed field or map, if any.
fn apply(info: &mut Info, key: &[u8], value: &[u8], escaped: &str) {
    if let Some(prefix) = key.strip_prefix(b"errorstat_") {
        let count = sub_fields(value).find(|(k, _)| *k == b"count");
        if let Some(n) = count.and_then(|(_, v)| num(v)) {
            info.errorstats.insert(plain(prefix), n);
        }
    } else if let Some(name) = key.strip_prefix(b"cmdstat_") {
        info.commandstats.insert(plain(name), command_stat(value));
    } else if let Some(n) = key.strip_prefix(b"slave")
        && !n.is_empty()
        && n.iter().all(u8::is_ascii_digit)
    {
        info.repl.replicas.push(replica_line(value));
    } else if let Some(db) = key.strip_prefix(b"db").and_then(num::<u32>) {
        info.keyspace.insert(db, keyspace_db(value));
    } else if let Ok(i) = FIELDS.binary_search_by(|(k, _)| by_len(k.as_bytes(), key)) {
        (FIELDS[i].1)(info, value, escaped);
    }
}

/// Orders by length first, so most probes of the field table compare lengths, not bytes.
fn by_len(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Iterates the `k=v` pairs of a `k=v,k=v` value; pairs without `=` are skipped.
fn sub_fields(value: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    value.split(|&b| b == b',').filter_map(|pair| {
        let eq = pair.iter().position(|&b| b == b'=')?;
        Some((&pair[..eq], &pair[eq + 1..]))
    })
}

/// `ip=…,port=…,state=…,offset=…,lag=…`; the ip escaped (what the replica announced).
fn replica_line(value: &[u8]) -> ReplicaLine {
    let mut r = ReplicaLine::default();
    for (k, v) in sub_fields(value) {
        match k {
            b"ip" => r.ip = plain(v),
            b"port" => r.port = num(v).unwrap_or(0),
            b"state" => r.state = plain(v),
            b"offset" => r.offset = num(v).unwrap_or(0),
            b"lag" => r.lag = num(v),
            _ => {}
        }
    }
    r
}

fn keyspace_db(value: &[u8]) -> KeyspaceDb {
    let mut db = KeyspaceDb::default();
    for (k, v) in sub_fields(value) {
        let slot = match k {
            b"keys" => &mut db.keys,
            b"expires" => &mut db.expires,
            b"avg_ttl" => &mut db.avg_ttl_ms,
            _ => continue,
        };
        *slot = num(v).unwrap_or(0);
    }
    db
}

fn command_stat(value: &[u8]) -> CommandStat {
    let mut stat = CommandStat::default();
    for (k, v) in sub_fields(value) {
        let slot = match k {
            b"calls" => &mut stat.calls,
            b"usec" => &mut stat.usec,
            b"rejected_calls" => &mut stat.rejected_calls,
            b"failed_calls" => &mut stat.failed_calls,
            _ => continue,
        };
        *slot = num(v).unwrap_or(0);
    }
    stat
}

/// Parses an ASCII number; `None` for anything else (including non-UTF-8 bytes).
fn num<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// INFO booleans are `0`/`1`.
fn flag(bytes: &[u8]) -> Option<bool> {
    match bytes {
        b"0" => Some(false),
        b"1" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use test_case::test_case;

    const V62: &[u8] = include_bytes!("../../../tests/fixtures/info-6.2.txt");
    const V70: &[u8] = include_bytes!("../../../tests/fixtures/info-7.0.txt");
    const V70_ALL: &[u8] = include_bytes!("../../../tests/fixtures/info-7.0-everything.txt");
    const V72: &[u8] = include_bytes!("../../../tests/fixtures/info-7.2.txt");

    const V62_REAL: &[u8] = include_bytes!("../../../tests/fixtures/info-6.2.14-everything.txt");
    const VALKEY: &[u8] = include_bytes!("../../../tests/fixtures/info-valkey-9.1.txt");

    #[test_case(V62_REAL, "redis", "6.2.14" ; "redis 6.2 captured")]
    #[test_case(V70_ALL, "redis", "7.0.15" ; "redis 7.0 captured")]
    #[test_case(VALKEY, "valkey", "9.1.2" ; "valkey 9.1 captured")]
    fn the_server_names_itself_and_every_pane_field_is_read(text: &[u8], name: &str, v: &str) {
        let info = parse_info(text);
        assert_eq!(info.server(), Some((name, v)));
        assert_eq!(info.redis_mode.as_deref(), Some("standalone"));
        for (what, ok) in [
            ("used_memory", info.used_memory.is_some()),
            ("maxmemory", info.maxmemory.is_some()),
            ("used_memory_rss", info.used_memory_rss.is_some()),
            ("connected_clients", info.connected_clients.is_some()),
            ("maxclients", info.maxclients.is_some()),
            ("blocked_clients", info.blocked_clients.is_some()),
            ("keyspace_hits", info.keyspace_hits.is_some()),
            ("keyspace_misses", info.keyspace_misses.is_some()),
            ("evicted_keys", info.evicted_keys.is_some()),
            ("rdb_changes", info.rdb_changes_since_last_save.is_some()),
            ("aof_enabled", info.aof_enabled.is_some()),
            ("total_error_replies", info.total_error_replies.is_some()),
            ("uptime", info.uptime_in_seconds.is_some()),
            ("run_id", info.run_id.is_some()),
            ("role", info.role.is_some()),
            ("commandstats", !info.commandstats.is_empty()),
            ("keyspace", !info.keyspace.is_empty()),
        ] {
            assert!(ok, "{name} {v}: {what} not read");
        }
    }

    #[test]
    fn field_table_is_sorted_and_unique() {
        let sorted = FIELDS
            .windows(2)
            .all(|w| by_len(w[0].0.as_bytes(), w[1].0.as_bytes()) == std::cmp::Ordering::Less);
        assert!(sorted);
    }

    #[test_case(V62, "6.2.14", 42, 104_857_600, 1_234 ; "redis 6.2")]
    #[test_case(V70, "7.0.15", 6, 1_257_944, 63 ; "redis 7.0")]
    #[test_case(V72, "7.2.4", 7, 2_147_483_648, 0 ; "redis 7.2")]
    fn common_fields(text: &[u8], version: &str, clients: u64, mem: u64, changes: u64) {
        let info = parse_info(text);
        assert_eq!(info.redis_version.as_deref(), Some(version));
        assert_eq!(info.connected_clients, Some(clients));
        assert_eq!(info.used_memory, Some(mem));
        assert_eq!(info.rdb_changes_since_last_save, Some(changes));
        assert_eq!(info.redis_mode.as_deref(), Some("standalone"));
        assert!(info.maxclients.is_some());
        assert!(info.total_error_replies.is_some());
        assert_eq!(
            info.raw().get("redis_version").map(String::as_str),
            Some(version)
        );
    }

    #[test]
    fn redis_70_captured() {
        let info = parse_info(V70);
        assert_eq!(info.process_id, Some(7731));
        assert_eq!(info.tcp_port, Some(6457));
        assert_eq!(info.maxclients, Some(10_000));
        assert_eq!(info.mem_fragmentation_ratio, Some(10.05));
        assert_eq!(info.mem_fragmentation_bytes, Some(11_139_120));
        assert_eq!(info.rdb_last_bgsave_time_sec, Some(-1));
        assert_eq!(info.rdb_last_save_time, Some(1_795_637_510));
        assert_eq!(info.loading, Some(false));
        assert_eq!(info.loading_loaded_perc, None);
        assert_eq!(info.aof_enabled, Some(false));
        assert_eq!(info.total_error_replies, Some(5));
        assert_eq!(info.keyspace_hits, Some(3));
        assert_eq!(info.role.as_deref(), Some("master"));
        assert_eq!(info.config_file.as_deref(), Some(""));
        assert_eq!(info.maxmemory_policy.as_deref(), Some("noeviction"));
        let db0 = KeyspaceDb {
            keys: 61,
            expires: 10,
            avg_ttl_ms: 3_597_703,
        };
        assert_eq!(info.keyspace.get(&0), Some(&db0));
        assert_eq!(info.keyspace.get(&1).map(|d| d.keys), Some(2));
        assert_eq!(info.errorstats.get("ERR"), Some(&4));
        assert_eq!(info.errorstats.get("WRONGTYPE"), Some(&1));
        assert!(info.commandstats.is_empty());
        // Untyped fields stay in raw.
        assert_eq!(
            info.raw().get("used_memory_human").map(String::as_str),
            Some("1.20M")
        );
        assert_eq!(
            info.raw().get("cluster_enabled").map(String::as_str),
            Some("0")
        );
    }

    #[test]
    fn redis_70_everything_has_commandstats() {
        let info = parse_info(V70_ALL);
        let set = CommandStat {
            calls: 62,
            usec: 499,
            rejected_calls: 0,
            failed_calls: 0,
        };
        assert_eq!(info.commandstats.get("set"), Some(&set));
        assert_eq!(
            info.commandstats.get("get").map(|c| c.rejected_calls),
            Some(1)
        );
        assert_eq!(
            info.commandstats.get("incr").map(|c| c.failed_calls),
            Some(1)
        );
        assert_eq!(
            info.commandstats.get("client|list").map(|c| c.calls),
            Some(1)
        );
        assert_eq!(info.commandstats.len(), 15);
        assert!(info.raw().contains_key("latency_percentiles_usec_eval"));
    }

    #[test]
    fn redis_62_reconstructed() {
        let info = parse_info(V62);
        assert_eq!(info.maxmemory, Some(268_435_456));
        assert_eq!(info.maxmemory_policy.as_deref(), Some("allkeys-lru"));
        assert_eq!(info.rdb_last_bgsave_time_sec, Some(2));
        assert_eq!(info.evicted_keys, Some(789));
        assert_eq!(info.connected_slaves, Some(1));
        assert_eq!(info.errorstats.len(), 3);
        assert_eq!(info.keyspace.get(&3).map(|d| d.keys), Some(12));
        assert_eq!(
            info.raw().get("slave0").map(String::as_str),
            Some("ip=10.0.0.12,port=6379,state=online,offset=987654321,lag=0")
        );
    }

    #[test]
    fn redis_72_reconstructed() {
        let info = parse_info(V72);
        assert_eq!(info.loading, Some(true));
        assert_eq!(info.loading_loaded_perc, Some(42.5));
        assert_eq!(info.loading_eta_seconds, Some(14));
        assert_eq!(info.mem_fragmentation_bytes, Some(-42_991_616));
        assert_eq!(info.aof_enabled, Some(true));
        assert_eq!(info.aof_rewrite_scheduled, Some(true));
        assert_eq!(info.aof_delayed_fsync, Some(3));
        assert_eq!(info.aof_last_write_status.as_deref(), Some("err"));
        assert_eq!(info.rdb_last_bgsave_status.as_deref(), Some("err"));
        assert_eq!(info.role.as_deref(), Some("slave"));
        assert_eq!(info.master_link_status.as_deref(), Some("down"));
        assert_eq!(info.maxclients, Some(4064));
        assert_eq!(info.errorstats.get("NOPERM"), Some(&5));
        assert_eq!(
            info.raw().get("pubsub_clients").map(String::as_str),
            Some("1")
        );
        assert_eq!(
            info.raw().get("listener0").map(String::as_str),
            Some("name=tcp,bind=*,bind=-::*,port=6380")
        );
    }

    #[test]
    fn hostile_bytes_are_escaped() {
        let text =
            b"errorstat_\x1b[2JEVIL:count=3\r\nos:Linux \x1b]0;x\x07\r\nweird\xff:\xe2\x80\xae\r\n";
        let info = parse_info(text);
        assert_eq!(info.errorstats.get(r"\x1b[2JEVIL"), Some(&3));
        assert_eq!(info.os.as_deref(), Some(r"Linux \x1b]0;x\a"));
        assert_eq!(
            info.raw().get(r"weird\xff").map(String::as_str),
            Some(r"\xe2\x80\xae")
        );
        let raw = info.raw();
        assert!(raw.keys().chain(raw.values()).all(|s| s.is_ascii()));
    }

    #[test_case(b"" ; "empty")]
    #[test_case(b"\r\n\r\n#\r\n:\r\n::::\r\n" ; "separators only")]
    #[test_case(b"used_memory:-5\r\nloading:2\r\nmem_fragmentation_ratio:nan?\r\n" ; "bad numbers")]
    #[test_case(b"db:keys=1\r\ndb99999999999:x\r\ndb0:keys=,=,,expires\r\ncmdstat_:\r\n" ; "bad families")]
    #[test_case(b"errorstat_X:count=-1\r\nerrorstat_Y\r\n\xff\xfe\x00:\x00" ; "binary")]
    fn garbage_never_panics(text: &[u8]) {
        let info = parse_info(text);
        assert_eq!(info.used_memory, None);
        assert_eq!(info.loading, None);
        assert!(info.errorstats.is_empty());
    }

    #[test]
    fn garbage_keyspace_defaults_to_zero() {
        let info = parse_info(b"db0:keys=,=,,expires,avg_ttl=7\ndb2:keys=5\n");
        assert_eq!(
            info.keyspace.get(&0),
            Some(&KeyspaceDb {
                avg_ttl_ms: 7,
                ..KeyspaceDb::default()
            })
        );
        assert_eq!(info.keyspace.get(&2).map(|d| d.keys), Some(5));
    }

    #[test]
    fn cmdstat_without_rejected_failed_defaults_to_zero() {
        let info = parse_info(b"cmdstat_get:calls=10,usec=20,usec_per_call=2.00\r\n");
        let get = CommandStat {
            calls: 10,
            usec: 20,
            rejected_calls: 0,
            failed_calls: 0,
        };
        assert_eq!(info.commandstats.get("get"), Some(&get));
    }

    #[test]
    fn repeated_key_last_wins() {
        let info = parse_info(b"role:master\r\nrole:slave\r\nrole:x\r\n");
        assert_eq!(info.raw().get("role").map(String::as_str), Some("x"));
        assert_eq!(info.role.as_deref(), Some("x"));
        assert_eq!(info.raw().len(), 1);
    }

    #[test]
    fn lf_only_and_value_with_colons() {
        let info = parse_info(b"executable:/a:b/redis\nunknown_future_field:x:y\n");
        assert_eq!(info.executable.as_deref(), Some("/a:b/redis"));
        assert_eq!(
            info.raw().get("unknown_future_field").map(String::as_str),
            Some("x:y")
        );
    }

    #[test]
    fn replication_lines_are_read_and_their_addresses_escaped() {
        let info = parse_info(
            b"# Replication\r\nrole:slave\r\nmaster_host:10.0.0.5\x1b]0;x\x07\r\nmaster_port:6379\r\n\
              master_link_status:down\r\nmaster_link_down_since_seconds:12\r\n\
              master_sync_in_progress:0\r\nslave_repl_offset:900\r\nslave_priority:100\r\n\
              slave_read_only:1\r\nslave0:ip=10.9.9.9\x1b[31m,port=6380,state=online,offset=800,lag=1\r\n",
        );
        let r = &info.repl;
        assert_eq!(r.master_host.as_deref(), Some("10.0.0.5\\x1b]0;x\\a"));
        assert_eq!(r.master_port, Some(6379));
        assert_eq!(r.master_link_down_since_seconds, Some(12));
        assert_eq!(
            (r.slave_priority, r.slave_read_only),
            (Some(100), Some(true))
        );
        assert_eq!(r.replicas.len(), 1);
        assert_eq!(r.replicas[0].ip, "10.9.9.9\\x1b[31m");
        assert_eq!(
            (r.replicas[0].port, r.replicas[0].offset, r.replicas[0].lag),
            (6380, 800, Some(1))
        );
        assert_eq!(r.replicas[0].state, "online");
    }
}
