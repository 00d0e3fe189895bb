use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::collect::group::types::GroupEvent;
use crate::collect::group::types::{SentinelMaster, SwitchMaster};
use crate::model::state::{Effect, State};
use crate::target::Thresholds;

fn state() -> State {
    let t = Target {
        address: Address::Tcp {
            host: "127.0.0.1".into(),
            port: 6379,
        },
        ..Target::local_default()
    };
    let mut s = State::new(&[t], Thresholds::default(), Instant::now());
    s.group = Some(Box::new(GroupState::with_sentinels(
        vec![
            NodeAddr::new("127.0.0.1", 26379),
            NodeAddr::new("127.0.0.1", 26380),
        ],
        Some("mymaster".into()),
    )));
    s
}

fn event(at: Instant, channel: &str, payload: &str) -> GroupEvent {
    GroupEvent::Event {
        from: NodeAddr::new("127.0.0.1", 26379),
        at,
        wall: SystemTime::UNIX_EPOCH + Duration::from_secs(43_200),
        channel: channel.into(),
        payload: payload.into(),
        switch: crate::collect::group::sentinel::parse_switch(payload)
            .filter(|_| channel == "+switch-master"),
    }
}

fn round(at: Instant, addr: u16, master_port: u16) -> GroupEvent {
    round_at_epoch(at, addr, master_port, 0)
}

fn round_at_epoch(at: Instant, addr: u16, master_port: u16, epoch: u64) -> GroupEvent {
    GroupEvent::Sentinel {
        addr: NodeAddr::new("127.0.0.1", addr),
        at,
        result: Ok(Box::new(SentinelRound {
            masters: vec![SentinelMaster {
                name: "mymaster".into(),
                raw_name: "mymaster".into(),
                addr: Some(NodeAddr::new("127.0.0.1", master_port)),
                flags: "master".into(),
                quorum: 2,
                config_epoch: epoch,
                ..SentinelMaster::default()
            }],
            ..SentinelRound::default()
        })),
    }
}

fn attached(effects: &[Effect]) -> Option<(TargetId, String)> {
    effects.iter().find_map(|e| match e {
        Effect::Attach { id, target } => Some((*id, target.display())),
        _ => None,
    })
}

fn logged(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Log(ev) if ev.kind == "failover" => Some(ev.detail.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_switch_master_is_followed_at_once_and_logged_with_the_stages() {
    let mut s = state();
    let t0 = Instant::now();
    for (i, ch) in ["+sdown", "+odown", "+try-failover", "+elected-leader"]
        .iter()
        .enumerate()
    {
        let at = t0 + Duration::from_millis(500 * i as u64);
        let fx = s.on_group(event(at, ch, "master mymaster 127.0.0.1 6379"));
        assert!(attached(&fx).is_none());
    }
    let switch = event(
        t0 + Duration::from_millis(4200),
        "+switch-master",
        "mymaster 127.0.0.1 6379 127.0.0.1 6380",
    );
    let fx = s.on_group(switch);
    assert_eq!(
        attached(&fx),
        Some((1, "redis://127.0.0.1:6380".to_string()))
    );
    assert_eq!(s.selected, 1);
    assert_eq!(s.instances.len(), 2, "the old master's instance stays");
    let log = logged(&fx);
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].contains("sdown at 12:00:00.000")
            && log[0].contains("switch-master at")
            && log[0].contains("4.2 s from first sdown"),
        "{}",
        log[0]
    );
    let g = s.group.as_ref().unwrap();
    assert_eq!(g.previous[0].0, NodeAddr::new("127.0.0.1", 6379));
    // The old master is polled as a node from now on.
    assert!(g.plan.nodes.contains(&NodeAddr::new("127.0.0.1", 6379)));
}

#[test]
fn another_group_s_switch_is_not_followed() {
    let mut s = state();
    let fx = s.on_group(event(
        Instant::now(),
        "+switch-master",
        "other 127.0.0.1 7000 127.0.0.1 7001",
    ));
    assert!(attached(&fx).is_none());
    assert_eq!(s.selected, 0);
}

#[test]
fn the_sentinels_majority_is_followed_when_the_event_was_missed() {
    let mut s = state();
    let at = Instant::now();
    let fx = s.on_group(round(at, 26379, 6381));
    assert_eq!(
        attached(&fx).map(|(_, t)| t),
        Some("redis://127.0.0.1:6381".into()),
        "one Sentinel answering is the majority of those that answer"
    );
    // The same again changes nothing.
    let fx = s.on_group(round(at, 26380, 6381));
    assert!(attached(&fx).is_none());
}

#[test]
fn a_replica_that_disconnects_stays_in_the_plan() {
    let mut s = state();
    let mut info = Info {
        role: Some("master".into()),
        connected_slaves: Some(1),
        ..Info::default()
    };
    info.repl.replicas.push(crate::collect::types::ReplicaLine {
        ip: "127.0.0.1".into(),
        port: 6390,
        state: "online".into(),
        ..Default::default()
    });
    s.instances[0].info = Some(info);
    let _ = s.replan();
    let replica = NodeAddr::new("127.0.0.1", 6390);
    assert!(s.group.as_ref().unwrap().plan.nodes.contains(&replica));
    s.instances[0].info.as_mut().unwrap().repl.replicas.clear();
    let _ = s.replan();
    assert!(s.group.as_ref().unwrap().plan.nodes.contains(&replica));
}

#[test]
fn a_hostile_master_name_is_escaped_in_what_is_shown() {
    let mut s = state();
    s.group.as_mut().unwrap().master_name = Some("m\x1b]0;x\x07".into());
    let fx = s.on_group(GroupEvent::Event {
        from: NodeAddr::new("127.0.0.1", 26379),
        at: Instant::now(),
        wall: SystemTime::now(),
        channel: "+switch-master".into(),
        payload: "escaped".into(),
        switch: Some(SwitchMaster {
            name: "m\x1b]0;x\x07".into(),
            old: NodeAddr::new("127.0.0.1", 6379),
            new: NodeAddr::new("127.0.0.1", 6380),
        }),
    });
    let log = logged(&fx);
    assert!(
        !log[0].contains('\x1b') && log[0].contains("m\\x1b]0;x\\a"),
        "{log:?}"
    );
}

#[test]
fn the_newest_configuration_wins_over_sentinels_that_have_not_heard_of_the_failover() {
    let mut s = state();
    s.group
        .as_mut()
        .unwrap()
        .configured
        .push(NodeAddr::new("127.0.0.1", 26381));
    let at = Instant::now();
    let fx = s.on_group(round_at_epoch(at, 26379, 6380, 1));
    assert_eq!(
        attached(&fx).map(|(_, t)| t),
        Some("redis://127.0.0.1:6380".into())
    );
    // Two Sentinels still at epoch 0 name the old master: not followed back.
    for port in [26380, 26381] {
        let fx = s.on_group(round_at_epoch(at, port, 6379, 0));
        assert!(attached(&fx).is_none(), "followed back to the old master");
    }
    assert_eq!(s.target_addr(), Some(NodeAddr::new("127.0.0.1", 6380)));
}
