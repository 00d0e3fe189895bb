//! Redis Cluster against real servers in cluster mode (issue 15): the whole cluster from any
//! node, a master killed and its replica promoted (on screen and in the incident log), a
//! master killed with no replica (check exits 2 naming the slots), one node stopped (SIGSTOP) while
//! the others keep refreshing, `--cluster` on a server that is not a cluster node.

use std::time::{Duration, Instant};

use crate::common::Redis;
use crate::common::bin::{redtriage, snapshot_json};
use crate::common::cluster::Cluster;
use crate::common::pty::Pty;
use crate::common::{secs, wait_until};

fn url(c: &Cluster, i: usize) -> String {
    format!("redis://127.0.0.1:{}", c.nodes[i].port)
}

/// `[[start, end], …]` of each shard with slots, as `CLUSTER SHARDS` gives them.
fn shards_of(c: &Cluster, i: usize) -> Vec<Vec<String>> {
    let text = c.cli(i, &["--json", "CLUSTER", "SHARDS"]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("CLUSTER SHARDS as JSON");
    let mut out: Vec<Vec<String>> = v
        .as_array()
        .expect("shards")
        .iter()
        .map(|s| {
            let slots: Vec<u64> = s["slots"]
                .as_array()
                .expect("slots")
                .iter()
                .filter_map(serde_json::Value::as_u64)
                .collect();
            slots
                .chunks(2)
                .map(|p| format!("{}-{}", p[0], p[1]))
                .collect()
        })
        .filter(|s: &Vec<String>| !s.is_empty())
        .collect();
    out.sort();
    out
}

#[test]
fn any_node_shows_all_six_nodes_with_the_slot_ranges_of_cluster_shards() {
    let c = Cluster::start(3, 1);
    let replica = c.replicas_of(c.masters()[0])[0];
    let v = snapshot_json(redtriage().args(["snapshot", "--json", &url(&c, replica)]));
    let t = &v["topology"];
    assert_eq!(t["kind"], "cluster", "{t:#}");
    assert_eq!(t["state"], "ok");
    assert_eq!(t["slots_ok"], 16384);
    let nodes = t["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 6, "{t:#}");
    for n in &c.nodes {
        let addr = format!("127.0.0.1:{}", n.port);
        let row = nodes.iter().find(|x| x["addr"] == addr.as_str());
        let row = row.unwrap_or_else(|| panic!("{addr} missing: {t:#}"));
        assert_eq!(row["state"], "up", "{row:#}");
        assert!(row["ping_ms"].is_number(), "{row:#}");
    }
    let mut shown: Vec<Vec<String>> = t["shards"]
        .as_array()
        .expect("shards")
        .iter()
        .map(|s| {
            let slots = s["slots"].as_array().expect("slots");
            slots
                .iter()
                .map(|x| x.as_str().unwrap_or("").to_string())
                .collect()
        })
        .collect();
    shown.sort();
    assert_eq!(shown, shards_of(&c, replica));
    for s in t["shards"].as_array().expect("shards") {
        assert_eq!(s["replicas"].as_array().map(Vec::len), Some(1), "{s:#}");
    }
    // The dashboard: every node's row.
    let mut pty = Pty::start(&[&url(&c, 0)], 160, 48);
    pty.wait_for("6/6 nodes up", secs(20));
    pty.keys("T");
    let screen = pty.wait_for("Topology: cluster", secs(5));
    for n in &c.nodes {
        assert!(
            screen.contains(&format!("127.0.0.1:{}", n.port)),
            "{screen}"
        );
    }
}

#[test]
fn a_killed_master_shows_fail_and_its_replica_promoted_within_2s_and_both_are_logged() {
    let mut c = Cluster::start(3, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("incident.jsonl");
    let log_arg = log.display().to_string();
    let masters = c.masters();
    let victim = masters[1];
    let entry = masters[0];
    let mut pty = Pty::start(&[&url(&c, entry), "--incident-log", &log_arg], 160, 48);
    pty.wait_for("6/6 nodes up", secs(20));
    pty.keys("T");
    pty.wait_for("Topology: cluster", secs(5));
    let old = format!("127.0.0.1:{}", c.nodes[victim].port);
    c.nodes[victim].kill();
    let marked = c.wait_marked_fail(victim);
    pty.wait_until("the killed master FAIL", secs(30), |s| {
        s.lines().any(|l| l.contains(&old) && l.contains("FAIL"))
    });
    let seen = marked.elapsed();
    assert!(
        seen <= secs(2),
        "FAIL shown {seen:?} after the cluster marked it"
    );
    let promoted = c.wait_promoted(victim);
    let promoted_at = Instant::now();
    let new = format!("M  127.0.0.1:{}", c.nodes[promoted].port);
    pty.wait_until("the replica shown as master", secs(30), |s| {
        s.contains(&new)
    });
    let seen = promoted_at.elapsed();
    assert!(
        seen <= secs(2),
        "promotion shown {seen:?} after the cluster made it"
    );
    // A node down with its slots served by the promoted replica: check says WARN (1) and names it.
    let out = redtriage()
        .args(["check", &url(&c, entry)])
        .timeout(secs(20))
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains("cluster"))
        .unwrap_or_default();
    assert!(row.contains("WARN") && row.contains(&old), "{text}");
    wait_until("both in the incident log", secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|t| {
            let cluster: Vec<&str> = (t.lines())
                .filter(|l| l.contains("\"kind\":\"cluster\""))
                .collect();
            cluster
                .iter()
                .any(|l| l.contains(&old) && l.contains("marked FAIL"))
                && cluster
                    .iter()
                    .any(|l| l.contains("FAILOVER") && l.contains(&new[3..]))
        })
    });
}

#[test]
fn a_master_killed_with_no_replica_makes_check_exit_2_naming_the_uncovered_slots() {
    let mut c = Cluster::start(3, 0);
    let masters = c.masters();
    let (entry, victim) = (masters[0], masters[1]);
    let lost = c.slots_at_start[victim].clone();
    let lost_text = format!("{}-{}", lost[0].start(), lost[0].end());
    c.nodes[victim].kill();
    wait_until("the others to say cluster_state:fail", secs(30), || {
        c.nodes[entry].cluster_info("cluster_state").as_deref() == Some("fail")
    });
    let out = redtriage()
        .args(["check", &url(&c, entry)])
        .timeout(secs(20))
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains(&lost_text), "{text}");
    assert!(text.contains("cluster"), "{text}");
    let v = snapshot_json(redtriage().args(["snapshot", "--json", &url(&c, entry)]));
    let first = &v["diagnosis"][0];
    assert_eq!(first["cause"], "cluster_down", "{:#}", v["diagnosis"]);
    assert!(first.to_string().contains(&lost_text), "{first:#}");
    assert_eq!(v["topology"]["uncovered"][0], lost_text.as_str());
}

#[test]
fn a_stopped_node_does_not_hold_up_the_other_rows_or_the_keys() {
    let mut c = Cluster::start(3, 1);
    let masters = c.masters();
    let entry = masters[0];
    let stopped = c.replicas_of(masters[1])[0];
    let mut pty = Pty::start(&[&url(&c, entry), "--timeout", "500ms"], 160, 48);
    pty.wait_for("6/6 nodes up", secs(20));
    pty.keys("T");
    pty.wait_for("Topology: cluster", secs(5));
    c.nodes[stopped].stop();
    let gone = format!("127.0.0.1:{}", c.nodes[stopped].port);
    pty.wait_until("the stopped node unreachable", secs(20), |s| {
        s.lines()
            .any(|l| l.contains(&gone) && (l.contains("unreach") || l.contains("FAIL")))
    });
    // Keys written to another master show in its row: the other rows keep refreshing.
    let other = masters[2];
    let client = redis::Client::open(url(&c, other)).expect("client");
    let mut conn = client.get_connection().expect("connect");
    // The keys of its slots are taken; the others answer MOVED (and are counted there).
    for i in 0..300 {
        let _: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg("v")
            .query(&mut conn);
    }
    let keys = c.cli(other, &["DBSIZE"]).trim().to_string();
    let row_of_other = format!("127.0.0.1:{}", c.nodes[other].port);
    pty.wait_until("the other master's keys counted", secs(20), |s| {
        s.lines()
            .any(|l| l.contains(&row_of_other) && l.contains(&format!(" {keys} keys")))
    });
    // Keys answer at once: the help opens and closes while the node is stopped.
    let t = Instant::now();
    pty.keys("?");
    pty.wait_for("help (this overlay)", secs(2));
    let took = t.elapsed();
    assert!(took < Duration::from_secs(1), "help took {took:?}");
    c.nodes[stopped].cont();
}

fn action(args: &[&str]) -> (Option<i32>, String) {
    let out = redtriage()
        .arg("action")
        .args(args)
        .timeout(secs(60))
        .output()
        .expect("action");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn cluster_check_runs_read_only_and_cluster_failover_promotes_the_replica_picked() {
    let c = Cluster::start(3, 1);
    let masters = c.masters();
    let entry = url(&c, masters[0]);
    let (code, text) = action(&["cluster-check", &entry, "--read-only", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("All 16384 slots covered"), "{text}");
    let m = masters[1];
    let r = c.replicas_of(m)[0];
    let pick = format!("127.0.0.1:{}", c.nodes[r].port);
    let (code, text) = action(&[
        "cluster-failover",
        &entry,
        "--arg",
        &pick,
        "--read-only",
        "--yes",
    ]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("read only"), "{text}");
    let (code, text) = action(&["cluster-failover", &entry, "--arg", "127.0.0.1:1", "--yes"]);
    assert_eq!(
        code,
        Some(2),
        "a node not in the cluster's list is refused: {text}"
    );
    let (code, text) = action(&["cluster-failover", &entry, "--arg", &pick, "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("CLUSTER FAILOVER"), "{text}");
    wait_until("the replica picked to be master", secs(30), || {
        c.nodes[r].cli(&["ROLE"]).starts_with("master")
    });
}

#[test]
fn fleet_without_prometheus_lists_the_cluster_s_nodes_or_says_what_it_needs() {
    let c = Cluster::start(3, 0);
    let pty = Pty::start(&["fleet", &url(&c, 0)], 120, 30);
    let screen = pty.wait_for("Topology: cluster", secs(20));
    pty.wait_until("every node listed", secs(20), |s| {
        c.nodes
            .iter()
            .all(|n| s.contains(&format!("127.0.0.1:{}", n.port)))
    });
    drop(screen);
    let redis = Redis::start(&[]);
    let out = redtriage()
        .args(["fleet", &redis.url()])
        .timeout(secs(10))
        .output()
        .expect("fleet");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("fleet needs --prometheus"), "{err}");
}

#[test]
fn cluster_flag_on_a_server_not_in_cluster_mode_fails_before_the_terminal_changes() {
    let redis = Redis::start(&[]);
    let out = redtriage()
        .args(["-c", "check", &redis.url()])
        .timeout(secs(10))
        .output()
        .expect("check");
    let err = String::from_utf8_lossy(&out.stderr);
    // `check` that cannot run is UNKNOWN (3) to a monitoring system.
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("not a Redis Cluster node"), "{err}");
    assert!(err.contains("cluster_enabled:0"), "{err}");
}

#[test]
fn a_recorded_cluster_drill_replays_the_failover_in_the_map() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("drill.jsonl");
    let file_arg = file.display().to_string();
    let mut pty = Pty::start(
        &["drill", "cluster-failover", "--record", &file_arg],
        160,
        48,
    );
    pty.wait_for("6/6 nodes up", secs(60));
    pty.keys("T");
    pty.wait_until("the promotion in the map", secs(60), |s| {
        s.contains("FAILOVER")
    });
    pty.keys("q");
    pty.wait_gone(secs(15));
    let rec = redtriage::record::reader::load(&file).expect("the recording loads");
    let state = redtriage::modes::replay::replay_all(&rec);
    let g = state.group.as_ref().expect("the group is replayed");
    let c = g.cluster.as_ref().expect("the cluster is replayed");
    assert_eq!(c.nodes.len(), 6, "{:?}", c.nodes.keys());
    assert!(
        c.events.iter().any(|(_, t)| t.contains("FAILOVER")),
        "{:?}",
        c.events
    );
}

/// A node other than the map's, watched with `MONITOR` over seven rounds: its view of the
/// cluster (`CLUSTER INFO`, `CLUSTER NODES`) in the first and the seventh only (every sixth
/// slow tick), `PING` and one `INFO` in every round, the default `INFO` only until the version
/// is known (then the sections the rows read).
#[test]
fn another_node_is_asked_its_view_every_sixth_round_and_info_by_sections() {
    use std::io::BufRead;
    let mut c = Cluster::start(3, 0);
    let watched = 1;
    let mut monitor = std::process::Command::new("redis-cli")
        .args(["-p", &c.nodes[watched].port.to_string(), "MONITOR"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("redis-cli MONITOR");
    let out = monitor.stdout.take().expect("stdout");
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock().expect("lines").push(l);
        }
    });
    wait_until("MONITOR answering", secs(5), || {
        c.cli(watched, &["ECHO", "monitor-mark"]);
        lines
            .lock()
            .expect("lines")
            .iter()
            .any(|l| l.contains("monitor-mark"))
    });
    let mut pty = Pty::start(&[&url(&c, 0)], 160, 48);
    // The commands after the mark, without the client address: `"PING"`, `"INFO" "clients" …`.
    let commands = || -> Vec<String> {
        let l = lines.lock().expect("lines");
        l.iter()
            .skip_while(|l| !l.contains("monitor-mark"))
            .skip(1)
            .filter_map(|l| l.split_once("] ").map(|(_, c)| c.to_string()))
            .filter(|c| {
                !["\"CLIENT\"", "\"HELLO\"", "\"ECHO\""]
                    .iter()
                    .any(|p| c.starts_with(p))
            })
            .collect()
    };
    // Seven rounds: the eighth PING starts the eighth.
    wait_until("seven rounds of the watched node", secs(60), || {
        commands().iter().filter(|c| *c == "\"PING\"").count() >= 8
    });
    let all = commands();
    let rounds: Vec<Vec<&str>> = all
        .split(|c| c == "\"PING\"")
        .skip(1)
        .take(7)
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let sections = "\"INFO\" \"clients\" \"memory\" \"stats\" \"errorstats\" \"keyspace\"";
    let views = ["\"CLUSTER\" \"INFO\"", "\"CLUSTER\" \"NODES\""];
    assert_eq!(rounds[0], [&["\"INFO\""][..], &views].concat(), "{all:#?}");
    for r in &rounds[1..6] {
        assert_eq!(*r, [sections], "{all:#?}");
    }
    assert_eq!(rounds[6], [&[sections][..], &views].concat(), "{all:#?}");
    // A change in the map (a master killed: its slots `fail?`, then `fail`) brings a full
    // round of every node at once, not at its sixth tick (25 s away).
    let seen = all.len();
    c.nodes[2].kill();
    wait_until(
        "a full round of the watched node after the kill",
        secs(20),
        || {
            commands()[seen..]
                .iter()
                .any(|c| c == "\"CLUSTER\" \"NODES\"")
        },
    );
    pty.keys("q");
    let _ = monitor.kill();
    let _ = monitor.wait();
}
