//! The collector and model against a real redis-server: every figure checked against what the
//! server itself says, and the failure states (down, hung, auth, CONFIG renamed, ACL).

use std::time::{Duration, Instant};

use redtriage::model::view::{ConnState, PaneStatus};
use redtriage::target::Secret;

use crate::common::{self, Driver, Redis, Respawn, fast_poll};

/// A number from a captured INFO reply; panics when it is missing.
fn info_field(info: &str, key: &str) -> u64 {
    common::info_value(info, key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} missing in INFO"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panes_match_the_server() {
    let redis = Redis::start(&["--maxmemory", "100mb"]);
    for i in 0..20 {
        redis.cli(&["SET", &format!("k{i}"), "v"]);
    }
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "up with clients list", |s| {
        s.header.connection == ConnState::Up
            && !s.clients.groups.is_empty()
            && s.memory.max_bytes.is_some()
    })
    .await;
    let info = redis.cli(&["INFO"]);
    d.sample_after(Instant::now()).await;
    let snap = d.view();
    assert_eq!(snap.memory.max_bytes, Some(100 * 1024 * 1024));
    assert_eq!(snap.memory.policy.as_deref(), Some("noeviction"));
    // used_memory moves with every client (redis-cli's INFO reply sits in its buffer while
    // it is counted), so within 25 %; the stable figures below are exact.
    let used = info_field(&info, "used_memory") as f64;
    let seen = snap.memory.used_bytes.expect("used") as f64;
    assert!((used - seen).abs() / used < 0.25, "used {used} vs {seen}");
    // redis-cli counted itself; our sample does not see it.
    assert_eq!(
        snap.clients.connected,
        Some(info_field(&info, "connected_clients") - 1)
    );
    assert_eq!(
        snap.clients.blocked,
        Some(info_field(&info, "blocked_clients"))
    );
    assert_eq!(
        snap.persistence.rdb_changes_since_save,
        Some(info_field(&info, "rdb_changes_since_last_save"))
    );
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map(str::trim);
    assert_eq!(snap.header.version.as_deref(), version);
    assert_eq!(snap.header.role.as_deref(), Some("master"));
    // CLIENT LIST: our own connection is named redtriage.
    let groups = &snap.clients.groups;
    assert!(
        groups
            .iter()
            .any(|g| g.by == "name" && g.key == "redtriage"),
        "{groups:?}"
    );
    assert_eq!(snap.clients.max, Some(info_field(&info, "maxclients")));
    assert_eq!(
        snap.persistence.rdb_last_bgsave_status.as_deref(),
        Some("ok")
    );
    assert_eq!(snap.persistence.aof_enabled, Some(false));
    assert_eq!(snap.errors.latency_monitor_threshold_ms, Some(0));
    assert!(snap.errors.ping_p50_us.is_some());
    slowlog_matches_the_server().await;
}

/// A server logging every command: our newest id is the server's, within one tick.
async fn slowlog_matches_the_server() {
    let slow = Redis::start(&["--slowlog-log-slower-than", "0"]);
    slow.cli(&["SET", "a", "1"]);
    let mut d = Driver::start(slow.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "slowlog", |s| {
        !s.slowlog.entries.is_empty()
    })
    .await;
    let reply = slow.cli(&["SLOWLOG", "GET", "1"]);
    let server_newest: u64 = reply
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("id");
    d.sample_after(Instant::now()).await;
    let snap = d.view();
    let ours = snap.slowlog.entries[0].id;
    // Our own commands of the next tick are logged too (threshold 0): a few ids later.
    assert!(
        ours >= server_newest && ours <= server_newest + 12,
        "ours {ours} server {server_newest}"
    );
    assert_eq!(snap.slowlog.threshold_us, Some(0));
    assert!(
        snap.slowlog.entries.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let server_len: u64 = slow.cli(&["SLOWLOG", "LEN"]).trim().parse().expect("len");
    assert!(
        snap.slowlog
            .length
            .is_some_and(|l| l.abs_diff(server_len) <= 12)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hit_rate_from_known_hits_and_misses() {
    let redis = Redis::start(&[]);
    redis.cli(&["SET", "present", "1"]);
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "up", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    d.samples(2).await;
    // 30 hits and 10 misses: 75 %.
    for _ in 0..30 {
        redis.cli(&["GET", "present"]);
    }
    for _ in 0..10 {
        redis.cli(&["GET", "absent"]);
    }
    d.sample_after(Instant::now()).await;
    let snap = d.view();
    let m1 = snap.hit_rate.m1_percent.expect("1m hit rate");
    assert!((m1 - 75.0).abs() < 0.01, "hit rate {m1}");
    assert_eq!(snap.hit_rate.m5_percent, snap.hit_rate.m1_percent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_is_down_then_restart_is_detected() {
    let mut redis = Redis::start(&[]);
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "up", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    d.samples(2).await;
    redis.kill();
    let snap = d
        .wait_for(Duration::from_secs(10), "down refused", |s| {
            s.header.connection
                == ConnState::Down {
                    reason: "refused".into(),
                }
        })
        .await;
    assert_eq!(snap.header.connection_label, "DOWN (refused)");
    assert!(
        matches!(snap.memory.status, PaneStatus::Stale { .. }),
        "{:?}",
        snap.memory.status
    );
    redis.restart();
    let snap = d
        .wait_for(Duration::from_secs(20), "up after restart", |s| {
            s.header.connection == ConnState::Up && s.header.restarts_seen == 1
        })
        .await;
    assert!(
        snap.header.notices.iter().any(|n| n.contains("restarted")),
        "{:?}",
        snap.header.notices
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstop_is_unresponsive_and_sigcont_recovers() {
    let redis = Redis::start(&[]);
    let poll = fast_poll();
    let mut d = Driver::start(redis.target(), poll.clone());
    d.wait_for(Duration::from_secs(10), "up", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    d.samples(1).await;
    redis.signal(libc::SIGSTOP);
    let stopped = Instant::now();
    d.wait_for(Duration::from_secs(10), "unresponsive", |s| {
        matches!(s.header.connection, ConnState::Unresponsive { .. })
    })
    .await;
    // One tick to notice plus one timeout, with slack for a loaded machine.
    let bound = poll.timeout * 2 + poll.interval + Duration::from_millis(500);
    assert!(stopped.elapsed() <= bound, "took {:?}", stopped.elapsed());
    // It stays unresponsive (never UP) while stopped, however many reconnects are tried (not a
    // wait: the time it must stay so).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let snap = d.view();
    assert!(
        matches!(snap.header.connection, ConnState::Unresponsive { .. }),
        "{:?}",
        snap.header.connection
    );
    redis.signal(libc::SIGCONT);
    d.wait_for(Duration::from_secs(15), "up again", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    // And the figures are coherent afterwards (no mismatched replies).
    d.samples(3).await;
    let snap = d.view();
    assert_eq!(snap.header.connection, ConnState::Up);
    assert!(snap.memory.used_bytes.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_auth_failed_without_storm() {
    let redis = Redis::start(&["--requirepass", "right"]);
    let mut target = redis.target();
    target.password = Some(Secret::new("wrong"));
    let before = info_field(
        &redis.cli_auth(Some("right"), &["INFO", "stats"]),
        "total_connections_received",
    );
    let mut d = Driver::start(target, fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "auth failed", |s| {
            matches!(s.header.connection, ConnState::AuthFailed { .. })
        })
        .await;
    assert_eq!(snap.header.connection_label, "AUTH FAILED");
    let json = serde_json::to_string(&snap).expect("json");
    assert!(!json.contains("wrong"), "password leaked: {json}");
    // Not a wait: the 4 s over which the connection attempts are counted.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after = info_field(
        &redis.cli_auth(Some("right"), &["INFO", "stats"]),
        "total_connections_received",
    );
    // 4 s at a 200 ms interval would be 20 attempts in a storm; backoff keeps it to a few
    // (+1 for our redis-cli INFO).
    assert!(
        after - before <= 5,
        "{} connection attempts",
        after - before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_renamed_away_falls_back_to_info() {
    let redis = Redis::start(&["--rename-command", "CONFIG", "", "--maxmemory", "50mb"]);
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "config error noticed", |s| {
            s.header.connection == ConnState::Up
                && s.header
                    .notices
                    .iter()
                    .any(|n| n.contains("CONFIG unavailable"))
        })
        .await;
    assert_eq!(
        snap.memory.max_bytes,
        Some(50 * 1024 * 1024),
        "maxmemory from INFO"
    );
    assert_eq!(
        snap.memory.policy.as_deref(),
        Some("noeviction"),
        "policy from INFO"
    );
    let info = redis.cli(&["INFO", "clients"]);
    assert_eq!(
        snap.clients.max,
        Some(info_field(&info, "maxclients")),
        "maxclients from INFO clients (7.0+)"
    );
    assert!(snap.memory.used_percent.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_without_client_list_says_noperm() {
    let redis = Redis::start(&[]);
    redis.cli(&[
        "ACL",
        "SETUSER",
        "watcher",
        "on",
        ">pw",
        "+@all",
        "-client|list",
        "~*",
    ]);
    let mut target = redis.target();
    target.user = Some("watcher".into());
    target.password = Some(Secret::new("pw"));
    let mut d = Driver::start(target, fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "noperm on clients", |s| {
            matches!(&s.clients.list_status, PaneStatus::Unavailable { message }
                if message == "CLIENT LIST unavailable: NOPERM (not allowed for this ACL user)")
        })
        .await;
    assert_eq!(snap.header.connection, ConnState::Up);
    assert!(snap.clients.connected.is_some(), "INFO figures still there");
    assert!(snap.memory.used_bytes.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_key_in_slowlog_is_escaped_like_redis_cli() {
    let redis = Redis::start(&["--slowlog-log-slower-than", "0"]);
    let key = "k\x1b]0;PWNED\x07\x1b[2J";
    redis.cli(&["SET", key, "v"]);
    let cli_view = redis.cli(&["--no-raw", "SLOWLOG", "GET", "128"]);
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "hostile slowlog entry", |s| {
            s.slowlog.entries.iter().any(|e| e.args.contains("PWNED"))
        })
        .await;
    let row = snap
        .slowlog
        .entries
        .iter()
        .find(|e| e.args.contains("PWNED"))
        .expect("row");
    let expected = r#""SET" "k\x1b]0;PWNED\a\x1b[2J" "v""#;
    assert_eq!(row.args, expected);
    assert!(
        cli_view.contains(r#""k\x1b]0;PWNED\a\x1b[2J""#),
        "redis-cli prints: {cli_view}"
    );
    let json = serde_json::to_string(&snap).expect("json");
    assert!(
        !json.bytes().any(|b| b == 0x1b || b == 0x07),
        "raw control byte in JSON"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_target() {
    let dir = tempfile::tempdir().expect("tmp");
    let sock = dir.path().join("redis.sock");
    let sock_s = sock.to_str().expect("utf8 path");
    let redis = Redis::start(&["--unixsocket", sock_s, "--unixsocketperm", "700"]);
    let target = redtriage::target::parse_url(&format!("unix://{sock_s}")).expect("url");
    let mut d = Driver::start(target, fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "up over the socket", |s| {
            s.header.connection == ConnState::Up && s.memory.used_bytes.is_some()
        })
        .await;
    assert!(
        snap.header.target.starts_with("unix://"),
        "{}",
        snap.header.target
    );
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_groups_match_client_list() {
    let redis = Redis::start(&[]);
    let _held: Vec<_> = (0..3)
        .map(|_| common::named_conn(redis.port, "worker"))
        .collect();
    let _other = common::named_conn(redis.port, "billing");
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "client groups", |s| {
            s.clients
                .groups
                .iter()
                .any(|g| g.by == "name" && g.key == "worker")
        })
        .await;
    let list = redis.cli(&["CLIENT", "LIST"]);
    let count = |name: &str| {
        list.lines()
            .filter(|l| l.contains(&format!(" name={name} ")))
            .count() as u64
    };
    let group = |key: &str| {
        snap.clients
            .groups
            .iter()
            .find(|g| g.by == "name" && g.key == key)
            .map(|g| g.count)
    };
    assert_eq!(group("worker"), Some(count("worker")));
    assert_eq!(group("worker"), Some(3));
    assert_eq!(group("billing"), Some(1));
    assert_eq!(group("redtriage"), Some(1));
    let addr = snap
        .clients
        .groups
        .iter()
        .find(|g| g.by == "addr")
        .expect("addr group");
    assert_eq!(addr.key, "127.0.0.1");
    // Everyone but redis-cli itself, which CLIENT LIST above counted.
    assert_eq!(addr.count, list.lines().count() as u64 - 1);
}

/// With `slowlog-log-slower-than 0` every command is logged, redtriage's polls too: they are
/// neither new slow entries nor the top offender; the application's commands are both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redtriage_own_commands_in_the_slowlog_do_not_count() {
    use redtriage::model::diagnosis::Likelihood;
    let redis = Redis::start(&[
        "--slowlog-log-slower-than",
        "0",
        "--slowlog-max-len",
        "1024",
    ]);
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "up", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    d.samples(10).await;
    let own: u64 = redis.cli(&["SLOWLOG", "LEN"]).trim().parse().expect("len");
    assert!(own >= 20, "the polls are in the slowlog: {own}");
    let snap = d.view();
    assert_eq!(snap.slowlog.new_per_min, Some(0.0), "{:?}", snap.slowlog);
    let slow = |s: &redtriage::model::view::Snapshot| {
        (s.diagnosis.iter().find(|c| c.cause == "slow"))
            .cloned()
            .expect("the slow cause")
    };
    assert_ne!(
        slow(&snap).verdict,
        Likelihood::Likely,
        "{:#?}",
        slow(&snap)
    );
    // The application's commands (redis-cli's connections have no name) count. Sent in one
    // burst: one redis-cli per SET took long enough on a loaded machine for redtriage's own
    // entries to push the first SETs out of the 128 newest the poller reads (`SET ×25`).
    let sets: Vec<String> = (0..30).map(|i| format!("SET app:{i} v")).collect();
    let sets = sets.join("\n") + "\n";
    assert_eq!(redis.pipe(&sets).matches("OK").count(), 30);
    d.sample_after(Instant::now()).await;
    d.samples(2).await;
    let snap = d.view();
    assert!(
        snap.slowlog.new_per_min.is_some_and(|n| n > 0.0),
        "{:?}",
        snap.slowlog
    );
    let cause = slow(&snap);
    assert_eq!(cause.verdict, Likelihood::Likely, "{cause:#?}");
    assert!(
        cause
            .evidence
            .iter()
            .any(|e| e.text.contains("top: SET ×30")),
        "{cause:#?}"
    );
}

/// A server on this machine: the persistence pane has the disk of its `dir`, with the figures
/// `df` gives for it, and the health table a `disk` row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_disk_of_a_local_servers_dir_is_what_df_says() {
    let redis = Redis::start(&[]);
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "the disk figures", |s| {
            s.persistence.disk.is_some()
        })
        .await;
    let disk = snap.persistence.disk.expect("disk");
    let df = std::process::Command::new("df")
        .args(["-P", "-B1"])
        .arg(redis.dir.path())
        .output()
        .expect("df");
    let text = String::from_utf8_lossy(&df.stdout).into_owned();
    let row: Vec<u64> = (text.lines().nth(1).expect("df row").split_whitespace())
        .skip(1)
        .take(3)
        .map(|n| n.parse().expect("number"))
        .collect();
    let (total, used, avail) = (row[0], row[1], row[2]);
    let pct = used as f64 * 100.0 / (used + avail) as f64;
    assert_eq!(disk.total_bytes, Some(total), "{disk:?} vs {text}");
    let ours = disk.used_percent.expect("used");
    assert!((ours - pct).abs() < 1.0, "{ours} vs df {pct}: {text}");
    let free = disk.free_bytes.expect("free") as f64;
    assert!(
        (free - avail as f64).abs() <= avail as f64 * 0.01,
        "{disk:?} vs {text}"
    );
    let row = snap.header.health.items.iter().find(|i| i.name == "disk");
    assert!(
        row.is_some_and(|r| r.value.ends_with("% used")),
        "{:?}",
        snap.header.health.items
    );
}

/// An idle server with a pooled app on it (eleven connections from one address, all idle):
/// nothing is POSSIBLE but the restart a fresh server really had (C was, for the one address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_app_on_an_idle_server_points_at_no_cause() {
    use redtriage::model::diagnosis::Likelihood;
    let redis = Redis::start(&[]);
    let pool: Vec<_> = (0..11)
        .map(|_| common::hold(redis.port, Duration::from_secs(30)).expect("connect"))
        .collect();
    let mut d = Driver::start(redis.target(), fast_poll());
    let snap = d
        .wait_for(Duration::from_secs(10), "the pool in CLIENT LIST", |s| {
            s.clients
                .groups
                .iter()
                .any(|g| g.by == "addr" && g.count >= 11)
        })
        .await;
    let c = snap.diagnosis.iter().find(|c| c.cause == "C").expect("C");
    assert_eq!(c.verdict, Likelihood::RuledOut, "{c:#?}");
    let raised: Vec<_> = snap
        .diagnosis
        .iter()
        .filter(|c| matches!(c.verdict, Likelihood::Likely | Likelihood::Possible))
        .map(|c| c.cause.as_str())
        .collect();
    assert!(
        raised.iter().all(|c| *c == "A"),
        "only the fresh server's restart: {raised:?}"
    );
    drop(pool);
}
