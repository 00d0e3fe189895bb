use std::time::Duration;

use super::*;
use crate::msg::Msg;

fn rec(secs: &[i64]) -> Recording {
    let base = std::time::Instant::now();
    Recording {
        header: crate::record::format::FileHeader {
            redtriage_recording: 1,
            version: "t".into(),
            started: "2025-01-01T00:00:00Z".into(),
            targets: vec!["redis://h:6379/0".into()],
            thresholds: None,
            group: None,
        },
        base,
        msgs: secs
            .iter()
            .map(|s| (s * 1_000_000_000, Msg::Tick(base)))
            .collect(),
        warning: None,
    }
}

#[test]
fn speed_parses_and_labels() {
    assert_eq!(Speed::parse("1"), Some(Speed::Times(1.0)));
    assert_eq!(Speed::parse("0.5"), Some(Speed::Times(0.5)));
    assert_eq!(Speed::parse("4x"), Some(Speed::Times(4.0)));
    assert_eq!(Speed::parse("max"), Some(Speed::Max));
    assert_eq!(Speed::parse("0"), Some(Speed::Max));
    for bad in ["-1", "fast", "", "inf", "NaN"] {
        assert_eq!(Speed::parse(bad), None, "{bad}");
    }
    assert_eq!(Speed::Times(4.0).label(), "4×");
    assert_eq!(Speed::Times(0.5).label(), "0.5×");
    assert_eq!(Speed::Max.label(), "max");
}

#[test]
fn paced_feed_follows_the_speed() {
    let r = rec(&[0, 1, 2, 10]);
    let t0 = Instant::now();
    let mut f = Feed::new(&r, Speed::Times(2.0), t0);
    assert_eq!(f.due(t0, 100), 0..1);
    assert_eq!(f.next_wake(t0), Some(t0 + Duration::from_millis(500)));
    assert_eq!(f.due(t0 + Duration::from_millis(999), 100), 1..2);
    assert_eq!(f.due(t0 + Duration::from_secs(1), 100), 2..3);
    assert_eq!(
        f.mark(t0 + Duration::from_secs(1)),
        "REPLAY 2× 00:00:02/00:00:10"
    );
    // Twice as fast from 2 s: message 3 (10 s) is 8 s of recording = 2 s of wall away.
    let t1 = t0 + Duration::from_secs(1);
    f.faster(t1);
    assert_eq!(f.next_wake(t1), Some(t1 + Duration::from_secs(2)));
    assert_eq!(f.due(t1 + Duration::from_secs(2), 100), 3..4);
    assert!(f.done());
    assert_eq!(
        f.mark(t1 + Duration::from_secs(60)),
        "REPLAY END 4× 00:00:10/00:00:10"
    );
    assert_eq!(f.next_wake(t1), None);
}

#[test]
fn pause_stops_the_clock_and_the_feed() {
    let r = rec(&[0, 5]);
    let t0 = Instant::now();
    let mut f = Feed::new(&r, Speed::Times(1.0), t0);
    f.due(t0, 100);
    let t1 = t0 + Duration::from_secs(2);
    f.toggle_pause(t1);
    assert_eq!(f.next_wake(t1), None);
    assert_eq!(f.due(t1 + Duration::from_secs(100), 100), 1..1);
    assert_eq!(
        f.mark(t1 + Duration::from_secs(100)),
        "REPLAY PAUSED 1× 00:00:02/00:00:05"
    );
    let t2 = t1 + Duration::from_secs(100);
    f.toggle_pause(t2);
    assert_eq!(f.next_wake(t2), Some(t2 + Duration::from_secs(3)));
}

#[test]
fn max_speed_feeds_in_chunks_and_minus_slows_to_64x() {
    let r = rec(&[0, 1, 2, 3, 4]);
    let t0 = Instant::now();
    let mut f = Feed::new(&r, Speed::Max, t0);
    assert_eq!(f.next_wake(t0), Some(t0));
    assert_eq!(f.due(t0, 2), 0..2);
    assert_eq!(f.mark(t0), "REPLAY max 00:00:01/00:00:04");
    f.slower(t0);
    assert_eq!(f.mark(t0), "REPLAY 64× 00:00:01/00:00:04");
    for _ in 0..10 {
        f.faster(t0);
    }
    assert_eq!(f.mark(t0), "REPLAY max 00:00:01/00:00:04");
    for _ in 0..40 {
        f.slower(t0);
    }
    assert_eq!(f.speed, Speed::Times(1.0 / 64.0));
}
