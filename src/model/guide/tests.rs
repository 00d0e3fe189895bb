use std::time::{Duration, Instant, SystemTime};

use super::{StepState, sla_words};
use crate::collect::types::{CollectError, Info, Sample};
use crate::model::state::{State, update};
use crate::msg::{LinkEvent, Msg, Outcome};
use crate::target::{Target, Thresholds};

fn sample(at: Instant, used: u64) -> Msg {
    let info = Info {
        used_memory: Some(used),
        maxmemory: Some(100),
        maxmemory_policy: Some("noeviction".into()),
        connected_clients: Some(3),
        maxclients: Some(100),
        uptime_in_seconds: Some(5000),
        ..Info::default()
    };
    Msg::Sample {
        target: 0,
        sample: Box::new(Sample::of_info(
            at,
            SystemTime::now(),
            Duration::from_micros(300),
            info,
        )),
    }
}

fn find<'a>(g: &'a super::GuideView, title: &str) -> &'a super::Step {
    g.phases
        .iter()
        .flat_map(|p| &p.steps)
        .find(|s| s.title.starts_with(title))
        .unwrap()
}

#[test]
fn a_quiet_server_needs_nothing() {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    update(&mut st, sample(t0, 10));
    update(&mut st, sample(t0 + Duration::from_secs(1), 10));
    let g = st.guide(&st.view(0).unwrap());
    assert_eq!(g.status, "no incident");
    assert_eq!(g.phases.len(), 5);
    assert_eq!(find(&g, "Verify Redis status").state, StepState::Auto);
    assert!(
        find(&g, "Verify Redis status")
            .detail
            .starts_with("UP, PING p50")
    );
    assert_eq!(find(&g, "Option 2").state, StepState::NotNeeded);
    assert_eq!(
        find(&g, "Monitor for stability").state,
        StepState::NotNeeded
    );
    assert_eq!(sla_words(&g), "no incident (SLA 30m00s)");
}

#[test]
fn an_incident_walks_from_waiting_to_action_to_resolved() {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    update(&mut st, sample(t0, 99));
    update(&mut st, sample(t0 + Duration::from_secs(1), 99));
    let g = st.guide(&st.view(0).unwrap());
    assert_eq!(g.status, "INVESTIGATING");
    let opt2 = find(&g, "Option 2");
    assert_eq!(opt2.state, StepState::Waiting, "{opt2:?}");
    assert!(opt2.detail.contains("cause B is likely"));
    assert_eq!(find(&g, "B Out of memory").state, StepState::Auto);
    // 12 minutes later, the maxmemory action ran.
    let t = t0 + Duration::from_secs(12 * 60);
    st.actions.running = Some(crate::model::actions::Running {
        run: 7,
        name: "maxmemory".into(),
        started: t,
        mitigation: true,
    });
    let done = crate::msg::ActionEvent::Done(Outcome {
        ok: true,
        exit_code: None,
        summary: "OK".into(),
        duration: Duration::from_millis(3),
    });
    update(
        &mut st,
        Msg::Action {
            run: 7,
            at: t,
            event: done,
        },
    );
    let g = st.guide(&st.view(0).unwrap());
    // Cause B is still likely right after the fix: it is watched, not done yet.
    assert_eq!(find(&g, "Option 2").state, StepState::Running);
    assert_eq!(
        find(&g, "Option 2").detail,
        "✓ maxmemory: OK; cause B still likely: watching"
    );
    assert_eq!(g.status, "MONITORING");
    // The next sample says memory is fine: done.
    update(&mut st, sample(t + Duration::from_millis(500), 10));
    let g = st.guide(&st.view(0).unwrap());
    assert_eq!(find(&g, "Option 2").state, StepState::Action);
    assert_eq!(find(&g, "Option 2").detail, "✓ maxmemory: OK");
    assert_eq!(find(&g, "Monitor for stability").state, StepState::Running);
    assert_eq!(g.elapsed_secs, Some(12 * 60));
    assert_eq!(sla_words(&g), "12m00s of 30m00s SLA, 18m00s left");
}

#[test]
fn a_down_server_waits_for_a_restart_and_the_sla_runs_out() {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    update(
        &mut st,
        Msg::Link {
            target: 0,
            at: t0,
            event: LinkEvent::Down(CollectError::Refused),
        },
    );
    let later = t0 + Duration::from_secs(35 * 60);
    update(&mut st, Msg::Tick(later));
    let g = st.guide(&st.view(0).unwrap());
    assert_eq!(find(&g, "Quick mitigation").state, StepState::Waiting);
    assert_eq!(find(&g, "Option 1").state, StepState::Waiting);
    assert!(
        sla_words(&g).contains("exceeded by 5m00s"),
        "{}",
        sla_words(&g)
    );
}

/// Issue 22 item 6: raising maxmemory for an unrelated cause neither ends the investigation
/// nor marks the memory step done.
#[test]
fn an_unrelated_fix_leaves_the_likely_cause_open() {
    let t0 = Instant::now();
    let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
    // Memory fine, but a warm cache's hits stopped: the hit-rate cause is likely.
    for n in 0..5u64 {
        let info = Info {
            used_memory: Some(10),
            maxmemory: Some(100),
            maxmemory_policy: Some("noeviction".into()),
            connected_clients: Some(3),
            maxclients: Some(100),
            uptime_in_seconds: Some(5000),
            keyspace_hits: Some(9_500),
            keyspace_misses: Some(500 + n * 200),
            ..Info::default()
        };
        let at = t0 + Duration::from_secs(n);
        let s = Sample::of_info(at, SystemTime::now(), Duration::from_micros(300), info);
        update(
            &mut st,
            Msg::Sample {
                target: 0,
                sample: Box::new(s),
            },
        );
    }
    let snap = st.view(0).unwrap();
    let likely: Vec<&str> = (snap.diagnosis.iter())
        .filter(|c| c.verdict == crate::model::diagnosis::Likelihood::Likely)
        .map(|c| c.cause.as_str())
        .collect();
    assert_eq!(likely, ["hit_rate"], "{:#?}", snap.diagnosis);
    let t = t0 + Duration::from_secs(6);
    st.actions.running = Some(crate::model::actions::Running {
        run: 3,
        name: "maxmemory".into(),
        started: t,
        mitigation: true,
    });
    let done = crate::msg::ActionEvent::Done(Outcome {
        ok: true,
        exit_code: None,
        summary: "OK".into(),
        duration: Duration::from_millis(3),
    });
    update(
        &mut st,
        Msg::Action {
            run: 3,
            at: t,
            event: done,
        },
    );
    assert!(
        st.actions.watch.is_some(),
        "the mitigation started the watch"
    );
    let g = st.guide(&st.view(0).unwrap());
    assert_eq!(
        g.status, "INVESTIGATING",
        "hit_rate is still likely and unaddressed"
    );
    let opt2 = find(&g, "Option 2");
    assert_eq!(opt2.state, StepState::NotNeeded, "{opt2:?}");
    assert!(opt2.detail.contains("cause B not indicated"), "{opt2:?}");
}
