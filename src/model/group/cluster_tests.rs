//! The cluster model on captured `CLUSTER NODES` text of a real 7.0 cluster: discovery from
//! one node, the jobs, a master failing and its replica promoted, uncovered slots.

use std::time::{Duration, Instant};

use super::*;
use crate::collect::group::cluster::parse_cluster_nodes;
use crate::collect::group::cluster_types::{ClusterInfo, NodeRound};
use crate::collect::group::types::GroupEvent;
use crate::collect::types::Info;
use crate::model::state::{Effect, State};
use crate::target::{Address, Target, Thresholds};

/// `CLUSTER NODES` of 127.0.0.1:7101 (myself) in a 3×1 cluster.
const NODES: &str = "\
1909cd47eba08e2c8f4e876601edf3d67b13ef09 127.0.0.1:7102@17102 master - 0 1796233930612 2 connected 5461-10922
e3dd5f462abfbaf293594513e448804f85a2da1e 127.0.0.1:7106@17106 slave 07e76f735d62b62b2daf161af325028c79553ea1 0 1796233930612 3 connected
8d8837c361dd62d643aaa338cf24639d2dc49dac 127.0.0.1:7101@17101 myself,master - 0 1796233930000 1 connected 0-5460
07e76f735d62b62b2daf161af325028c79553ea1 127.0.0.1:7103@17103 master - 0 1796233930410 3 connected 10923-16383
ebcf31d262ab5bb2c155acf11b56dc4722b81912 127.0.0.1:7105@17105 slave 1909cd47eba08e2c8f4e876601edf3d67b13ef09 0 1796233930612 2 connected
2a8d93ec1a82b846cce0e689ded82306f263fc31 127.0.0.1:7104@17104 slave 8d8837c361dd62d643aaa338cf24639d2dc49dac 0 1796233930612 1 connected
";

fn state() -> State {
    let t = Target {
        address: Address::Tcp {
            host: "127.0.0.1".into(),
            port: 7101,
        },
        ..Target::local_default()
    };
    let mut s = State::new(&[t], Thresholds::default(), Instant::now());
    s.group = Some(Box::default());
    s.instances[0].info = Some(Info {
        redis_mode: Some("cluster".into()),
        role: Some("master".into()),
        ..Info::default()
    });
    let _ = s.replan();
    s
}

fn round(text: &str, state: &str) -> NodeRound {
    NodeRound {
        ping_us: 150,
        info: Info {
            used_memory: Some(1 << 20),
            maxmemory: Some(100 << 20),
            connected_clients: Some(5),
            maxclients: Some(10_000),
            instantaneous_ops_per_sec: Some(10),
            ..Info::default()
        },
        cluster: ClusterInfo {
            state: state.into(),
            slots_assigned: 16_384,
            slots_ok: 16_384,
            known_nodes: 6,
            size: 3,
            current_epoch: 6,
            ..ClusterInfo::default()
        },
        nodes: parse_cluster_nodes(text.as_bytes()),
        shards: None,
        partial: false,
    }
}

/// `text` with `myself` moved to the node at `port`.
fn seen_from(text: &str, port: u16) -> String {
    text.replace("myself,", "")
        .lines()
        .map(|l| {
            if l.contains(&format!(":{port}@")) {
                let mut w: Vec<&str> = l.split(' ').collect();
                let flags = format!("myself,{}", w[2]);
                w[2] = &flags;
                w.join(" ")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ev(id: Option<&str>, port: u16, at: Instant, r: NodeRound) -> GroupEvent {
    GroupEvent::Cluster {
        id: id.map(str::to_string),
        addr: NodeAddr::new("127.0.0.1", port),
        at,
        result: Ok(Box::new(r)),
    }
}

/// Every node answers with the same view (`text`, `state`).
fn all_answer(s: &mut State, text: &str, state: &str, at: Instant) -> Vec<Effect> {
    let mut fx = Vec::new();
    for port in 7101..=7106 {
        let me = seen_from(text, port);
        let r = round(&me, state);
        let id = r.me().map(|m| m.id.clone());
        fx.extend(s.on_group(ev(id.as_deref(), port, at, r)));
    }
    fx
}

#[test]
fn one_node_gives_the_whole_cluster_and_a_job_per_node() {
    let mut s = state();
    let plan = &s.group.as_ref().unwrap().plan;
    assert_eq!(plan.cluster.len(), 1, "the entry first: {plan:?}");
    assert_eq!(plan.cluster[0].id, None);
    let _ = s.on_group(ev(None, 7101, Instant::now(), round(NODES, "ok")));
    let plan = &s.group.as_ref().unwrap().plan;
    assert_eq!(plan.cluster.len(), 6, "{plan:?}");
    let maps: Vec<_> = plan.cluster.iter().filter(|j| j.map).collect();
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0].addrs[0], NodeAddr::new("127.0.0.1", 7101));
    assert!(
        plan.nodes.is_empty(),
        "cluster replicas are not polled as replicas"
    );
    let v = s.view(0).unwrap();
    let cv = v.topology.cluster.as_ref().unwrap();
    assert_eq!(v.topology.kind, "cluster");
    assert_eq!(cv.shards.len(), 3);
    assert_eq!(cv.nodes.len(), 6);
    let slots: Vec<&str> = cv.shards.iter().map(|s| s.slots[0].as_str()).collect();
    assert_eq!(slots, ["0-5460", "5461-10922", "10923-16383"]);
}

#[test]
fn a_master_marked_fail_and_its_replica_promoted_are_logged() {
    let mut s = state();
    let t0 = Instant::now();
    let _ = all_answer(&mut s, NODES, "ok", t0);
    let failed = NODES
        .replace(
            "127.0.0.1:7102@17102 master - 0 1796233930612 2 connected 5461-10922",
            "127.0.0.1:7102@17102 master,fail - 0 1796233930612 2 connected",
        )
        .replace(
            "127.0.0.1:7105@17105 slave 1909cd47eba08e2c8f4e876601edf3d67b13ef09 0 1796233930612 2 connected",
            "127.0.0.1:7105@17105 master - 0 1796233930612 7 connected 5461-10922",
        );
    let t1 = t0 + Duration::from_secs(5);
    let mut fx = s.on_group(GroupEvent::Cluster {
        id: Some("1909cd47eba08e2c8f4e876601edf3d67b13ef09".into()),
        addr: NodeAddr::new("127.0.0.1", 7102),
        at: t1,
        result: Err(crate::collect::types::CollectError::Connect(
            "refused".into(),
        )),
    });
    for port in [7101, 7103, 7104, 7105, 7106] {
        let r = round(&seen_from(&failed, port), "ok");
        let id = r.me().map(|m| m.id.clone());
        fx.extend(s.on_group(ev(id.as_deref(), port, t1, r)));
    }
    let logged: Vec<String> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Log(ev) => Some(format!("{ev:?}")),
            _ => None,
        })
        .collect();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("127.0.0.1:7102") && l.contains("marked FAIL")),
        "{logged:?}"
    );
    assert!(
        logged
            .iter()
            .any(|l| l.contains("FAILOVER: 127.0.0.1:7105")),
        "{logged:?}"
    );
    let v = s.view(0).unwrap();
    let cv = v.topology.cluster.as_ref().unwrap();
    let old = cv
        .nodes
        .iter()
        .find(|n| n.addr == "127.0.0.1:7102")
        .unwrap();
    assert_eq!(old.state, "FAIL");
    assert!(!old.reported_failing_by.is_empty());
    let shard = cv
        .shards
        .iter()
        .find(|s| s.slots == ["5461-10922"])
        .unwrap();
    assert_eq!(shard.master, "127.0.0.1:7105");
    let item = v
        .header
        .health
        .items
        .iter()
        .find(|i| i.name == "cluster")
        .unwrap();
    assert_eq!(item.verdict, crate::model::view::Verdict::Warn, "{item:?}");
    assert!(cv.uncovered.is_empty());
}

#[test]
fn a_master_failed_with_no_replica_leaves_its_slots_uncovered_and_crit() {
    let three = "\
aaaa000000000000000000000000000000000001 127.0.0.1:7101@17101 myself,master - 0 1796233930000 1 connected 0-5460
aaaa000000000000000000000000000000000002 127.0.0.1:7102@17102 master,fail - 0 1796233930612 2 connected 5461-10922
aaaa000000000000000000000000000000000003 127.0.0.1:7103@17103 master - 0 1796233930410 3 connected 10923-16383
";
    let mut s = state();
    let _ = s.on_group(ev(None, 7101, Instant::now(), round(three, "fail")));
    let v = s.view(0).unwrap();
    let cv = v.topology.cluster.as_ref().unwrap();
    assert_eq!(cv.uncovered, ["5461-10922"]);
    assert_eq!(cv.uncovered_count, 5462);
    assert_eq!(cv.uncovered_by, ["127.0.0.1:7102"]);
    assert_eq!(cv.failed_without_replica, ["127.0.0.1:7102"]);
    let item = v
        .header
        .health
        .items
        .iter()
        .find(|i| i.name == "cluster")
        .unwrap();
    assert_eq!(item.verdict, crate::model::view::Verdict::Crit);
    assert!(item.value.contains("5461-10922"), "{item:?}");
    assert_eq!(v.diagnosis[0].cause, "cluster_down", "{:?}", v.diagnosis);
}

#[test]
fn a_large_cluster_takes_turns_within_the_budget() {
    let mut c = ClusterState::default();
    let mut text = String::new();
    for i in 0..30u16 {
        let me = if i == 0 { "myself,master" } else { "master" };
        let line = format!(
            "{i:040} 127.0.0.1:{}@{} {me} - 0 0 1 connected\n",
            7000 + i,
            17000 + i
        );
        text.push_str(&line);
    }
    let at = Instant::now();
    c.apply(
        None,
        NodeAddr::new("127.0.0.1", 7000),
        at,
        Ok(round(&text, "ok")),
    );
    let jobs = c.jobs(Some(&NodeAddr::new("127.0.0.1", 7000)));
    assert_eq!(jobs.len(), 30);
    let per_tick = |tick: u32| {
        jobs.iter()
            .filter(|j| j.map || tick % j.period == j.phase)
            .count()
    };
    for tick in 0..6 {
        assert!(
            per_tick(tick) <= NODE_BUDGET + 1,
            "tick {tick}: {}",
            per_tick(tick)
        );
    }
    assert!(jobs.iter().all(|j| j.map || j.period == 3), "{jobs:?}");
}

#[test]
fn a_round_of_figures_only_keeps_the_nodes_last_view_of_the_cluster() {
    let mut s = state();
    let t0 = Instant::now();
    let _ = all_answer(&mut s, NODES, "ok", t0);
    // 7103's full round flags 7102 `fail?`; its next round has PING and INFO only.
    let pfail = NODES.replace(
        "127.0.0.1:7102@17102 master -",
        "127.0.0.1:7102@17102 master,fail? -",
    );
    let full = round(&seen_from(&pfail, 7103), "ok");
    let id = full.me().unwrap().id.clone();
    let _ = s.on_group(ev(Some(&id), 7103, t0 + Duration::from_secs(5), full));
    let figures = NodeRound {
        ping_us: 90,
        info: Info {
            used_memory: Some(50 << 20),
            maxmemory: Some(100 << 20),
            connected_clients: Some(7),
            maxclients: Some(10_000),
            ..Info::default()
        },
        partial: true,
        ..NodeRound::default()
    };
    let _ = s.on_group(ev(Some(&id), 7103, t0 + Duration::from_secs(10), figures));
    assert_eq!(
        s.group.as_ref().unwrap().plan.cluster.len(),
        6,
        "no node forgotten"
    );
    let v = s.view(0).unwrap();
    let cv = v.topology.cluster.as_ref().unwrap();
    let node = |addr: &str| cv.nodes.iter().find(|n| n.addr == addr).unwrap();
    assert_eq!(
        node("127.0.0.1:7102").reported_failing_by,
        ["127.0.0.1:7103"]
    );
    let me = node("127.0.0.1:7103");
    assert_eq!(me.memory_percent, Some(50.0), "the new figures");
    assert_eq!(me.clients, Some(7));
    assert_eq!(
        me.cluster_state.as_deref(),
        Some("ok"),
        "the last full view"
    );
    assert_eq!(me.current_epoch, Some(6));
}
