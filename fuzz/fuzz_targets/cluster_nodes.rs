//! CLUSTER NODES and CLUSTER INFO replies (node ids, addresses, hostnames and flags come from
//! the cluster's nodes, hostnames from `cluster-announce-hostname`): never panics, at most one
//! node per line, every slot range within 0–16383 and ordered, every string escaped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::collect::group::cluster::{parse_cluster_info, parse_cluster_nodes};
use redtriage_fuzz::assert_strings_printable;

fuzz_target!(|data: &[u8]| {
    let nodes = parse_cluster_nodes(data);
    let lines = data.split(|&b| b == b'\n').count();
    assert!(nodes.len() <= lines, "{} nodes from {lines} lines", nodes.len());
    for n in &nodes {
        for (a, b) in &n.slots {
            assert!(a <= b && *b < 16_384, "slot range {a}-{b}");
        }
    }
    assert_strings_printable("cluster nodes", &nodes);
    assert_strings_printable("cluster info", &parse_cluster_info(data));
});
