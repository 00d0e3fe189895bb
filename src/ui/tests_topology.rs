//! Screen snapshots of the Topology pane (`T`) at 80×24: a group after a failover (a replica
//! down, one Sentinel unreachable), and a Sentinel's list of masters to pick from.

use std::time::{Duration, Instant, SystemTime};

use super::tests_actions::screen;
use crate::collect::group::types::{GroupEvent, NodeAddr, SentinelMaster, SentinelRound};
use crate::collect::types::{CollectError, Info, LinkEvent, ReplicaLine, Sample};
use crate::model::group::GroupState;
use crate::model::state::{State, update};
use crate::model::ui_state::Body;
use crate::msg::Msg;
use crate::target::{Address, Target, Thresholds};

fn target(port: u16) -> Target {
    Target {
        address: Address::Tcp {
            host: "10.0.0.5".into(),
            port,
        },
        ..Target::local_default()
    }
}

fn master(port: u16, epoch: u64) -> SentinelMaster {
    SentinelMaster {
        name: "mymaster".into(),
        raw_name: "mymaster".into(),
        addr: Some(NodeAddr::new("10.0.0.5", port)),
        flags: "master".into(),
        num_slaves: 2,
        num_other_sentinels: 2,
        quorum: 2,
        config_epoch: epoch,
        ..SentinelMaster::default()
    }
}

fn sentinel(st: &mut State, at: Instant, port: u16, r: Result<SentinelRound, CollectError>) {
    update(
        st,
        Msg::Group(Box::new(GroupEvent::Sentinel {
            addr: NodeAddr::new("10.0.0.7", port),
            at,
            result: r.map(Box::new),
        })),
    );
}

fn draw(st: &State) -> String {
    let snap = st.view(80).expect("view");
    let view = st.actions_view(st.now, 5);
    screen(&snap, &st.ui, &view, 80, 24)
}

#[test]
fn topology_after_a_failover_80x24() {
    let t0 = Instant::now();
    let mut st = State::new(&[target(6379)], Thresholds::default(), t0);
    let sentinels = [26379, 26380, 26381].map(|p| NodeAddr::new("10.0.0.7", p));
    st.group = Some(Box::new(GroupState::with_sentinels(
        sentinels.to_vec(),
        Some("mymaster".into()),
    )));
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(43_200);
    for (i, (ch, payload)) in [
        ("+sdown", "master mymaster 10.0.0.5 6379"),
        ("+odown", "master mymaster 10.0.0.5 6379 #quorum 2/2"),
        ("+switch-master", "mymaster 10.0.0.5 6379 10.0.0.5 6380"),
    ]
    .into_iter()
    .enumerate()
    {
        let at = t0 + Duration::from_millis(1200 * i as u64);
        let ev = GroupEvent::Event {
            from: sentinels[0].clone(),
            at,
            wall: wall + Duration::from_millis(1200 * i as u64),
            channel: ch.into(),
            payload: payload.into(),
            switch: crate::collect::group::sentinel::parse_switch(payload)
                .filter(|_| ch == "+switch-master"),
        };
        update(&mut st, Msg::Group(Box::new(ev)));
    }
    let at = t0 + Duration::from_secs(3);
    let id = st.selected;
    update(
        &mut st,
        Msg::Link {
            target: id,
            at,
            event: LinkEvent::Connected,
        },
    );
    let mut info = Info {
        role: Some("master".into()),
        connected_slaves: Some(1),
        redis_version: Some("7.0.15".into()),
        uptime_in_seconds: Some(3600),
        ..Info::default()
    };
    info.repl.master_repl_offset = Some(5000);
    info.repl.replicas.push(ReplicaLine {
        ip: "10.0.0.5".into(),
        port: 6381,
        state: "online".into(),
        offset: 4800,
        lag: Some(1),
    });
    let sample = Sample::of_info(at, wall, Duration::from_micros(300), info);
    update(
        &mut st,
        Msg::Sample {
            target: id,
            sample: Box::new(sample),
        },
    );
    let round = SentinelRound {
        masters: vec![master(6380, 1)],
        ckquorum: Some(Ok(
            "OK 2 usable Sentinels. Quorum and failover authorization can be reached".into(),
        )),
        ..SentinelRound::default()
    };
    sentinel(&mut st, at, 26379, Ok(round.clone()));
    sentinel(&mut st, at, 26380, Ok(round));
    sentinel(&mut st, at, 26381, Err(CollectError::Timeout));
    update(
        &mut st,
        Msg::Group(Box::new(GroupEvent::Node {
            addr: NodeAddr::new("10.0.0.5", 6379),
            at,
            result: Err(CollectError::Refused),
        })),
    );
    st.now = at + Duration::from_secs(2);
    st.ui.body = Body::Topology;
    insta::assert_snapshot!(draw(&st));
}

#[test]
fn a_sentinel_s_masters_to_pick_from_80x24() {
    let t0 = Instant::now();
    let mut st = State::new(&[target(26379)], Thresholds::default(), t0);
    let mut g = GroupState::with_sentinels(vec![NodeAddr::new("10.0.0.5", 26379)], None);
    g.entry_sentinel = true;
    st.group = Some(Box::new(g));
    let mut beta = master(7000, 0);
    beta.name = "beta".into();
    beta.raw_name = "beta".into();
    let round = SentinelRound {
        masters: vec![master(6379, 0), beta],
        ..SentinelRound::default()
    };
    update(
        &mut st,
        Msg::Group(Box::new(GroupEvent::Sentinel {
            addr: NodeAddr::new("10.0.0.5", 26379),
            at: t0,
            result: Ok(Box::new(round)),
        })),
    );
    st.ui.body = Body::Topology;
    let s = draw(&st);
    assert!(s.contains("sentinel · 2 masters"), "{s}");
    insta::assert_snapshot!(s);
}
