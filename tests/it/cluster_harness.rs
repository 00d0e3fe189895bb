//! The cluster harness itself ([`crate::common::cluster`]): a cluster comes up whole, and one
//! without replicas fails when a master dies.

use crate::common::cluster::Cluster;
use crate::common::{secs, wait_until};

#[test]
fn a_three_by_one_cluster_comes_up_with_six_nodes_and_every_slot_covered() {
    let c = Cluster::start(3, 1);
    eprintln!("3x1 cluster up in {:?}", c.took);
    assert_eq!(c.nodes.len(), 6);
    for i in 0..c.nodes.len() {
        assert_eq!(
            c.nodes[i].cluster_info("cluster_slots_assigned").as_deref(),
            Some("16384"),
            "node {i}"
        );
        assert_eq!(
            c.nodes[i].cluster_info("cluster_known_nodes").as_deref(),
            Some("6")
        );
    }
    let masters = c.masters();
    assert_eq!(masters.len(), 3, "{:#?}", c.view());
    let mut covered = vec![0u8; 16384];
    for &m in &masters {
        assert_eq!(c.replicas_of(m).len(), 1, "the replicas of node {m}");
        for r in &c.slots_at_start[m] {
            for s in r.clone() {
                covered[usize::from(s)] += 1;
            }
        }
    }
    assert!(
        covered.iter().all(|&n| n == 1),
        "each slot held by exactly one master"
    );
    for slot in [0, 5000, 16383] {
        assert!(masters.contains(&c.master_of_slot(slot)));
    }
}

#[test]
fn a_cluster_without_replicas_fails_when_a_master_is_killed() {
    let mut c = Cluster::start(3, 0);
    let victim = c.master_of_slot(0);
    c.nodes[victim].kill();
    c.wait_marked_fail(victim);
    for i in (0..c.nodes.len()).filter(|&i| i != victim) {
        wait_until(
            &format!("node {i} to say cluster_state:fail"),
            secs(30),
            || c.nodes[i].cluster_info("cluster_state").as_deref() == Some("fail"),
        );
    }
}
