//! Tests of the `CLUSTER INFO|NODES|SHARDS` parsers, on output captured from a 3-master /
//! 3-replica Redis 7.0.15 cluster (127.0.0.1:7101–7106), plus hand-made lines for the forms that
//! cluster did not show (failures, `noaddr`, hostnames, IPv6, migrations, pre-4.0, hostile bytes).

use super::*;

/// `CLUSTER INFO` of 127.0.0.1:7101.
const INFO: &str = "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n\
cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\ncluster_size:3\r\n\
cluster_current_epoch:6\r\ncluster_my_epoch:1\r\ncluster_stats_messages_ping_sent:5924\r\n\
cluster_stats_messages_pong_sent:5948\r\ncluster_stats_messages_sent:11872\r\n\
cluster_stats_messages_ping_received:5943\r\ncluster_stats_messages_pong_received:5924\r\n\
cluster_stats_messages_meet_received:5\r\ncluster_stats_messages_received:11872\r\n\
total_cluster_links_buffer_limit_exceeded:0\r\n";

/// `CLUSTER NODES` of 127.0.0.1:7101.
const NODES: &str = "\
1909cd47eba08e2c8f4e876601edf3d67b13ef09 127.0.0.1:7102@17102 master - 0 1796233930612 2 connected 5461-10922
e3dd5f462abfbaf293594513e448804f85a2da1e 127.0.0.1:7106@17106 slave 07e76f735d62b62b2daf161af325028c79553ea1 0 1796233930612 3 connected
8d8837c361dd62d643aaa338cf24639d2dc49dac 127.0.0.1:7101@17101 myself,master - 0 1796233930000 1 connected 0-5460
07e76f735d62b62b2daf161af325028c79553ea1 127.0.0.1:7103@17103 master - 0 1796233930410 3 connected 10923-16383
ebcf31d262ab5bb2c155acf11b56dc4722b81912 127.0.0.1:7105@17105 slave 1909cd47eba08e2c8f4e876601edf3d67b13ef09 0 1796233930612 2 connected
2a8d93ec1a82b846cce0e689ded82306f263fc31 127.0.0.1:7104@17104 slave 8d8837c361dd62d643aaa338cf24639d2dc49dac 0 1796233930612 1 connected
";

#[test]
fn cluster_info_is_read() {
    let i = parse_cluster_info(INFO.as_bytes());
    assert_eq!(i.state, "ok");
    assert_eq!(
        (i.slots_assigned, i.slots_ok, i.slots_pfail, i.slots_fail),
        (16384, 16384, 0, 0)
    );
    assert_eq!((i.known_nodes, i.size), (6, 3));
    assert_eq!((i.current_epoch, i.my_epoch), (6, 1));
    let bad = parse_cluster_info(b"cluster_state:f\x1b[31mail\r\ncluster_size:x\r\nnoise\r\n");
    assert_eq!(bad.state, "f\\x1b[31mail");
    assert_eq!(bad.size, 0);
}

#[test]
fn a_captured_cluster_nodes_is_read() {
    let nodes = parse_cluster_nodes(NODES.as_bytes());
    assert_eq!(nodes.len(), 6);
    let me = nodes.iter().find(|n| n.myself()).unwrap();
    assert_eq!(me.id, "8d8837c361dd62d643aaa338cf24639d2dc49dac");
    assert_eq!(me.addr, Some(NodeAddr::new("127.0.0.1", 7101)));
    assert_eq!(me.bus_port, Some(17101));
    assert_eq!(me.flags, ["myself", "master"]);
    assert_eq!(
        (me.master_id.as_deref(), me.hostname.as_deref()),
        (None, None)
    );
    assert_eq!(
        (me.ping_sent_ms, me.pong_recv_ms, me.config_epoch),
        (0, 1_796_233_930_000, 1)
    );
    assert!(me.connected);
    let masters: Vec<_> = nodes.iter().filter(|n| n.is_master()).collect();
    assert_eq!(masters.len(), 3);
    let mut ranges: Vec<SlotRange> = masters.iter().flat_map(|n| n.slots.clone()).collect();
    ranges.sort_unstable();
    assert_eq!(ranges, [(0, 5460), (5461, 10922), (10923, 16383)]);
    assert_eq!(masters.iter().map(|n| n.slot_count()).sum::<u32>(), SLOTS);
    let replica = nodes.iter().find(|n| n.id.starts_with("e3dd5f")).unwrap();
    assert!(!replica.is_master() && replica.has("slave"));
    assert_eq!(
        replica.master_id.as_deref(),
        Some("07e76f735d62b62b2daf161af325028c79553ea1")
    );
    assert!(replica.slots.is_empty());
}

#[test]
fn failing_noaddr_hostname_and_ipv6_lines_are_read() {
    let text = "\
aaaa 10.0.0.1:7001@17001 master,fail? - 1796233930000 1796233920000 4 disconnected 0-99
bbbb 10.0.0.2:7002@17002 master,fail - 0 0 5 disconnected
cccc :0@0 master,noaddr - 1796233930000 1796233920000 6 disconnected
dddd :7004@0 slave,noaddr aaaa 0 0 4 disconnected
eeee 10.0.0.5:7005@17005,node-5.example slave aaaa 0 1796233930612 4 connected
ffff ::1:7006@17006 master - 0 1796233930612 7 connected 100
0000 10.0.0.7:7007@17007, master - 0 0 8 connected
";
    let n = parse_cluster_nodes(text.as_bytes());
    assert_eq!(n.len(), 7);
    assert!(n[0].has("fail?") && n[0].failing() && !n[0].has("fail") && !n[0].connected);
    assert_eq!(n[0].ping_sent_ms, 1_796_233_930_000);
    assert!(n[1].has("fail") && n[1].failing());
    assert_eq!((n[2].addr.as_ref(), n[2].bus_port), (None, None));
    assert!(n[2].has("noaddr"));
    assert_eq!(n[3].addr, None);
    assert_eq!(n[3].master_id.as_deref(), Some("aaaa"));
    assert_eq!(n[4].addr, Some(NodeAddr::new("10.0.0.5", 7005)));
    assert_eq!(n[4].hostname.as_deref(), Some("node-5.example"));
    assert_eq!(n[5].addr, Some(NodeAddr::new("::1", 7006)));
    assert_eq!(
        (n[5].bus_port, n[5].slots.as_slice()),
        (Some(17006), &[(100, 100)][..])
    );
    assert_eq!(n[6].hostname, None);
}

#[test]
fn slots_merge_and_migrations_are_kept_apart() {
    let text = "e7f0 127.0.0.1:7001@17001 myself,master - 0 0 1 connected \
0-5 6-10 11 20-30 15 [93->-e7f1b2] [94-<-abcd] 16384 9-3 x\n";
    let n = parse_cluster_nodes(text.as_bytes());
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].slots, [(0, 11), (20, 30), (15, 15)]);
    assert_eq!(n[0].migrating, ["[93->-e7f1b2]", "[94-<-abcd]"]);
    assert_eq!(n[0].slot_count(), 12 + 11 + 1);
}

#[test]
fn an_old_line_without_a_bus_port_is_read_and_a_malformed_one_skipped() {
    let text = "\
97a3 127.0.0.1:6379 myself,master - 0 0 0 connected 0-16383
garbage
97a4 127.0.0.1:6380@16380 master - x 0 0 connected
97a5 127.0.0.1:6381@16381 master -

97a6 127.0.0.1:nope@16382 slave 97a3 0 0 0 connected
";
    let n = parse_cluster_nodes(text.as_bytes());
    assert_eq!(n.len(), 2);
    assert_eq!(n[0].addr, Some(NodeAddr::new("127.0.0.1", 6379)));
    assert_eq!((n[0].bus_port, n[0].slot_count()), (None, SLOTS));
    assert_eq!((n[1].id.as_str(), n[1].addr.as_ref()), ("97a6", None));
    assert!(parse_cluster_nodes(b"\xff\xfe \x00\n").is_empty());
}

#[test]
fn hostile_bytes_are_escaped() {
    let text = b"id\x1b[31m 10.0.0.1\x1b]0;x\x07:7001@17001,h\x1b[2Jost master,\x9bx m\x1b 0 0 1 \
connected [5->-\x1b[0m]\n";
    let n = parse_cluster_nodes(text);
    assert_eq!(n.len(), 1);
    let n = &n[0];
    let all = [
        n.id.clone(),
        n.addr.as_ref().unwrap().host.clone(),
        n.hostname.clone().unwrap(),
        n.flags.join(","),
        n.master_id.clone().unwrap(),
        n.migrating.join(","),
    ];
    for s in &all {
        assert!(s.chars().all(|c| (' '..='~').contains(&c)), "{s:?}");
    }
    assert_eq!(n.id, "id\\x1b[31m");
    assert_eq!(n.hostname.as_deref(), Some("h\\x1b[2Jost"));
    assert_eq!(n.flags, ["master", "\\x9bx"]);
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

/// A node of `CLUSTER SHARDS` as 7.0.15 sends it in RESP2.
fn resp2_node(id: &str, port: i64, role: &str) -> Value {
    Value::Array(vec![
        bulk("id"),
        bulk(id),
        bulk("port"),
        Value::Int(port),
        bulk("ip"),
        bulk("127.0.0.1"),
        bulk("endpoint"),
        bulk("127.0.0.1"),
        bulk("role"),
        bulk(role),
        bulk("replication-offset"),
        Value::Int(840),
        bulk("health"),
        bulk("online"),
    ])
}

fn resp2_shard(a: i64, b: i64, nodes: Vec<Value>) -> Value {
    Value::Array(vec![
        bulk("slots"),
        Value::Array(vec![Value::Int(a), Value::Int(b)]),
        bulk("nodes"),
        Value::Array(nodes),
    ])
}

#[test]
fn a_resp2_shards_reply_is_read() {
    let v = Value::Array(vec![
        resp2_shard(
            5461,
            10922,
            vec![
                resp2_node("1909cd47eba08e2c8f4e876601edf3d67b13ef09", 7102, "master"),
                resp2_node("ebcf31d262ab5bb2c155acf11b56dc4722b81912", 7105, "replica"),
            ],
        ),
        resp2_shard(
            0,
            5460,
            vec![
                resp2_node("8d8837c361dd62d643aaa338cf24639d2dc49dac", 7101, "master"),
                resp2_node("2a8d93ec1a82b846cce0e689ded82306f263fc31", 7104, "replica"),
            ],
        ),
        bulk("not a shard"),
    ]);
    let s = parse_cluster_shards(&v);
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].slots, [(5461, 10922)]);
    assert_eq!(s[1].slots, [(0, 5460)]);
    assert_eq!(s[2], Shard::default());
    let m = &s[0].nodes[0];
    assert_eq!(m.id, "1909cd47eba08e2c8f4e876601edf3d67b13ef09");
    assert_eq!(m.addr, Some(NodeAddr::new("127.0.0.1", 7102)));
    assert_eq!((m.role.as_str(), m.health.as_str()), ("master", "online"));
    assert_eq!((m.replication_offset, m.hostname.as_ref()), (840, None));
    assert_eq!(s[1].nodes[1].role, "replica");
    assert!(parse_cluster_shards(&Value::Nil).is_empty());
}

#[test]
fn a_resp3_shards_reply_with_odd_nodes_is_read() {
    let map =
        |kv: Vec<(&str, Value)>| Value::Map(kv.into_iter().map(|(k, v)| (bulk(k), v)).collect());
    let v = Value::Array(vec![map(vec![
        (
            "slots",
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5),
                bulk("6"),
                bulk("10"),
                Value::Int(99),
            ]),
        ),
        (
            "nodes",
            Value::Array(vec![
                map(vec![
                    ("id", Value::SimpleString("n\x1b[31m1".into())),
                    ("tls-port", Value::Int(7443)),
                    ("endpoint", bulk("10.0.0.9")),
                    ("hostname", bulk("node-9.example")),
                    ("role", bulk("master")),
                    ("replication-offset", bulk("12")),
                    ("health", bulk("loading")),
                ]),
                map(vec![
                    ("id", bulk("n2")),
                    ("port", Value::Int(7002)),
                    ("ip", bulk("?")),
                    ("endpoint", bulk("?")),
                    ("hostname", bulk("")),
                    ("health", bulk("failed")),
                ]),
            ]),
        ),
    ])]);
    let s = parse_cluster_shards(&v);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].slots, [(0, 10)]);
    let [a, b] = s[0].nodes.as_slice() else {
        panic!("two nodes: {:?}", s[0].nodes);
    };
    assert_eq!(a.id, "n\\x1b[31m1");
    assert_eq!(a.addr, Some(NodeAddr::new("10.0.0.9", 7443)));
    assert_eq!(a.hostname.as_deref(), Some("node-9.example"));
    assert_eq!((a.replication_offset, a.health.as_str()), (12, "loading"));
    assert_eq!((b.addr.as_ref(), b.hostname.as_ref()), (None, None));
    assert_eq!((b.role.as_str(), b.health.as_str()), ("", "failed"));
}

#[test]
fn the_major_version_gates_shards() {
    assert_eq!(major(Some("7.0.15")), 7);
    assert_eq!(major(Some("6.2.14")), 6);
    assert_eq!(major(None), 0);
}
