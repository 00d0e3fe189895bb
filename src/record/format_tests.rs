use std::collections::BTreeMap;

use super::*;
use crate::collect::parse::parse_info;
use crate::collect::poller::info_plan::InfoPlan;
use crate::collect::types::{ClientInfo, KeyspaceDb};

const V70: &[u8] = include_bytes!("../../tests/fixtures/info-7.0.txt");

fn through_json(info: &Info) -> Info {
    let rec = RecInfo::from_info(info);
    let text = serde_json::to_string(&rec).expect("ser");
    let back: RecInfo = serde_json::from_str(&text).expect("de");
    back.to_info().expect("to_info")
}

#[test]
fn info_is_its_text_when_nothing_was_changed() {
    let info = parse_info(V70);
    let rec = RecInfo::from_info(&info);
    assert!(rec.patch.is_empty(), "{:?}", rec.patch);
    assert!(rec.bytes.is_none());
    assert_eq!(through_json(&info), info);
}

#[test]
fn carried_server_fields_and_taken_commandstats_survive() {
    // What the poller does on 7.0+: server fields carried over on a tick without them, and
    // commandstats moved out of the INFO reply into the sample.
    let mut plan = InfoPlan::default();
    let t0 = std::time::Instant::now();
    plan.absorb(t0, &mut parse_info(V70));
    let tick_text = b"# Memory\r\nused_memory:1234\r\nmem_fragmentation_ratio:1.37\r\n# Commandstats\r\ncmdstat_get:calls=3,usec=9,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n";
    let mut info = parse_info(tick_text);
    plan.absorb(t0 + Duration::from_millis(2500), &mut info);
    let _taken = std::mem::take(&mut info.commandstats);
    assert!(info.redis_version.is_some());
    let rec = RecInfo::from_info(&info);
    assert!(rec.patch.contains_key("redis_version"));
    assert!(rec.patch.contains_key("commandstats"));
    assert!(!rec.patch.contains_key("used_memory"));
    let back = through_json(&info);
    assert_eq!(back, info);
    assert_eq!(back.raw_text, tick_text);
}

#[test]
fn info_that_is_not_utf8_is_kept_as_bytes() {
    let text = b"errorstat_ERR\xff:count=2\r\nused_memory:5\r\n";
    let info = parse_info(text);
    let rec = RecInfo::from_info(&info);
    assert!(rec.text.is_none());
    assert_eq!(through_json(&info), info);
}

fn sample(at: Instant) -> Sample {
    let mut stats = BTreeMap::new();
    stats.insert(
        "get".to_string(),
        CommandStat {
            calls: 3,
            usec: 9,
            rejected_calls: 0,
            failed_calls: 1,
        },
    );
    let mut info = parse_info(V70);
    info.keyspace.insert(0, KeyspaceDb::default());
    Sample {
        at,
        wall: UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789),
        ping_rtt: Duration::from_nanos(187_345),
        info,
        slowlog: Some(Ok(vec![SlowlogEntry {
            id: 7,
            timestamp: 1_700_000_000,
            duration_us: 12_000,
            args: vec!["\"SORT\"".into(), "\"k\\x1b]\"".into()],
            client_addr: "127.0.0.1:5000".into(),
            client_name: String::new(),
        }])),
        slowlog_len: Some(Err(CollectError::NoPerm)),
        latency_latest: Some(Ok(vec![LatencyEvent {
            event: "command".into(),
            timestamp: 1_700_000_000,
            latest_ms: 12,
            max_ms: 30,
        }])),
        commandstats: Some(Ok(stats)),
        config: Some(Err(CollectError::Server("ERR \\x07".into()))),
        clients: Some(Ok(ClientListResult::Listed {
            clients: vec![ClientInfo {
                id: 4,
                addr: "127.0.0.1:6000".into(),
                ..ClientInfo::default()
            }],
        })),
        commands: Some(Ok(crate::collect::types::CommandCheck {
            asked: vec!["BGSAVE".into(), "CONFIG".into()],
            absent: ["CONFIG".to_string()].into(),
        })),
        cost: Some(SelfCost {
            window_secs: 5.000_123,
            calls_per_refresh: 1.0 / 3.0,
            ..SelfCost::default()
        }),
        disk: Some(Ok(crate::collect::disk::DiskFigures {
            usage: crate::collect::disk::DiskUsage {
                total_bytes: 10_000_000_000,
                free_bytes: 123_456_789,
            },
            used_percent: 98.765_432_1,
        })),
    }
}

/// `Msg` has no `PartialEq`; its Debug shows every field, instants included.
fn round_trip(base: Instant, msg: &Msg) -> (Line, Msg) {
    let line = Line::from_msg(base, SystemTime::now(), msg, &mut Vec::new()).expect("recorded");
    let text = serde_json::to_string(&line).expect("ser");
    let back: Line = serde_json::from_str(&text).expect("de");
    assert_eq!(back, line);
    let msg = back.to_msg(base).expect("to_msg");
    (back, msg)
}

#[test]
fn messages_come_back_to_the_nanosecond() {
    let base = Instant::now();
    let at = base + Duration::new(12, 345_678_901);
    let msgs = [
        Msg::Sample {
            target: 0,
            sample: Box::new(sample(at)),
        },
        Msg::Tick(at),
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::NoReply {
                last_reply: Some(base + Duration::from_nanos(3)),
            },
        },
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::Down(CollectError::Refused),
        },
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::AuthFailed("WRONGPASS".into()),
        },
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::Failed(CollectError::Timeout),
        },
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::Connected,
        },
        Msg::Link {
            target: 0,
            at,
            event: LinkEvent::ServerLog(vec![crate::collect::serverlog::LogFinding {
                kind: crate::collect::serverlog::LogKind::Aof,
                line: "Bad file format reading the append only file".into(),
            }]),
        },
    ];
    for msg in &msgs {
        let (line, back) = round_trip(base, msg);
        assert_eq!((line.t_ms, line.t_ns), (12_345, 678_901));
        assert_eq!(format!("{back:?}"), format!("{msg:?}"));
    }
}

#[test]
fn instants_before_the_base_come_back() {
    let base = Instant::now() + Duration::from_secs(5);
    let at = base.checked_sub(Duration::new(1, 500)).expect("instant");
    let (line, back) = round_trip(base, &Msg::Tick(at));
    assert_eq!((line.t_ms, line.t_ns), (-1_001, 999_500));
    assert_eq!(format!("{back:?}"), format!("{:?}", Msg::Tick(at)));
}

#[test]
fn cost_is_written_only_when_it_changes() {
    let base = Instant::now();
    let msg = Msg::Sample {
        target: 0,
        sample: Box::new(sample(base)),
    };
    let mut last = Vec::new();
    let has_cost =
        |l: &Line| matches!(&l.msg, RecMsg::Sample { sample, .. } if sample.cost.is_some());
    let first = Line::from_msg(base, SystemTime::now(), &msg, &mut last).expect("line");
    let second = Line::from_msg(base, SystemTime::now(), &msg, &mut last).expect("line");
    assert!(has_cost(&first));
    assert!(!has_cost(&second));
}

#[test]
fn action_starts_output_and_ends_come_back() {
    let base = Instant::now();
    let at = base + Duration::from_millis(1500);
    let start = Msg::ActionStarted {
        run: 3,
        at,
        name: "maxmemory".into(),
        mitigation: true,
    };
    let (_, back) = round_trip(base, &start);
    assert!(
        matches!(back, Msg::ActionStarted { run: 3, at: a, ref name, mitigation: true } if a == at && name == "maxmemory"),
        "{back:?}"
    );
    let out = crate::msg::Outcome {
        ok: true,
        exit_code: None,
        summary: "OK".into(),
        duration: Duration::from_millis(12),
    };
    for event in [
        crate::msg::ActionEvent::Output("CONFIG SET maxmemory 268435456 → OK".into()),
        crate::msg::ActionEvent::Done(out),
    ] {
        let msg = Msg::Action {
            run: 3,
            at,
            event: event.clone(),
        };
        let (_, back) = round_trip(base, &msg);
        assert!(
            matches!(back, Msg::Action { run: 3, event: ref e, .. } if *e == event),
            "{back:?}"
        );
    }
}

#[test]
fn keys_are_not_recorded() {
    let key = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('q'));
    let base = Instant::now();
    assert!(Line::from_msg(base, SystemTime::now(), &Msg::Key(key), &mut Vec::new()).is_none());
    assert!(Line::from_msg(base, SystemTime::now(), &Msg::Resize, &mut Vec::new()).is_none());
}

#[test]
fn line_shape_is_the_documented_one() {
    let base = Instant::now();
    let line = Line::from_msg(
        base,
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        &Msg::Tick(base + Duration::from_secs(2)),
        &mut Vec::new(),
    )
    .expect("line");
    assert_eq!(
        serde_json::to_string(&line).expect("ser"),
        r#"{"t_ms":2000,"wall_ms":1700000000123,"msg":"tick"}"#
    );
}
