//! Other server versions, as real binaries (issue 17): Redis 6.2.14 and Valkey 9.1.2 from
//! `PyPI` (`scripts/test-servers`), Redis 7.0 from Debian. The header, `snapshot --json` and the
//! incident log say the server's own name and version (Valkey's, not its compatibility
//! `redis_version:7.2.4`), and every pane's figures are read.

use std::path::PathBuf;

use crate::common::bin::{redtriage, snapshot_json};
use crate::common::pty::Pty;
use crate::common::{Redis, other_server, secs, wait_until};

/// (binary, `server_name`, `version`, what the header line says).
fn servers() -> Vec<(Option<PathBuf>, &'static str, &'static str, &'static str)> {
    vec![
        (
            Some(other_server("redis-6.2/redis-server")),
            "redis",
            "6.2.14",
            "master 6.2.14",
        ),
        (None, "redis", "7.0.15", "master 7.0.15"),
        (
            Some(other_server("valkey-9.1/valkey-server")),
            "valkey",
            "9.1.2",
            "master valkey 9.1.2",
        ),
    ]
}

#[test]
fn each_version_says_its_own_name_and_version_and_every_pane_is_read() {
    for (bin, name, version, shown) in servers() {
        let args = ["--slowlog-log-slower-than", "0", "--maxmemory", "100mb"];
        let redis = match &bin {
            Some(b) => Redis::start_bin(b, &args),
            None => Redis::start(&args),
        };
        redis.cli(&["SET", "k", "v"]);
        redis.cli(&["GET", "k"]);
        let snap = snapshot_json(redtriage().args(["snapshot", "--json", &redis.url()]));
        let at = format!("{name} {version}");
        let head = &snap["header"];
        assert_eq!(head["server_name"], name, "{at}: {head:#}");
        assert_eq!(head["version"], version, "{at}: {head:#}");
        assert_eq!(head["connection_label"], "UP", "{at}");
        assert_eq!(head["role"], "master", "{at}");
        assert!(head["uptime_secs"].is_u64(), "{at}");
        let mem = &snap["memory"];
        assert!(
            mem["used_bytes"].as_u64().is_some_and(|b| b > 0),
            "{at}: {mem:#}"
        );
        assert_eq!(mem["max_bytes"], 100 * 1024 * 1024, "{at}");
        assert!(
            mem["rss_bytes"].is_u64() && mem["policy"].is_string(),
            "{at}: {mem:#}"
        );
        let cl = &snap["clients"];
        assert!(
            cl["connected"].as_u64().is_some_and(|n| n >= 1),
            "{at}: {cl:#}"
        );
        assert!(cl["max"].is_u64() && cl["blocked"].is_u64(), "{at}: {cl:#}");
        let slow = &snap["slowlog"];
        assert!(
            slow["length"].as_u64().is_some_and(|n| n > 0),
            "{at}: {slow:#}"
        );
        let entries = slow["entries"].as_array().expect("entries");
        assert!(
            entries
                .iter()
                .any(|e| e.to_string().contains("\\\"SET\\\"")),
            "{at}: {slow:#}"
        );
        let pers = &snap["persistence"];
        assert_eq!(pers["rdb_last_bgsave_status"], "ok", "{at}: {pers:#}");
        assert_eq!(pers["aof_enabled"], false, "{at}");
        assert!(pers["rdb_changes_since_save"].is_u64(), "{at}: {pers:#}");
        let errs = &snap["errors"];
        assert!(errs["ping_p50_us"].is_u64(), "{at}: {errs:#}");
        assert!(
            errs["latency_monitor_threshold_ms"].is_u64(),
            "{at}: {errs:#}"
        );
        assert!(errs["errors_per_sec"].is_number(), "{at}: {errs:#}");
        // The dashboard's header line, and the incident log names the server.
        let tmp = tempfile::tempdir().expect("tmp");
        let log = tmp.path().join("log.jsonl");
        let log_arg = log.to_string_lossy().into_owned();
        let mut pty = Pty::start(&[&redis.url(), "--incident-log", &log_arg], 100, 30);
        pty.wait_for(shown, secs(10));
        let line = format!("\"detail\":\"server {name} {version}\"");
        wait_until("the server in the incident log", secs(10), || {
            std::fs::read_to_string(&log).is_ok_and(|t| t.contains(&line))
        });
        pty.keys("q");
    }
}
