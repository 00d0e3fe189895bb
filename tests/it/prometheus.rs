//! Prometheus against real servers: redis-server, prometheus-redis-exporter and Prometheus
//! (1 s scrapes, temp dirs, free ports). The exporter's hit rate agrees with the direct one;
//! stopping the exporter shows `direct UP / exporter DOWN`; stopping Redis shows both DOWN and
//! fires the `RedisDown` alert into the Alerts pane; the backfill draws history from before
//! redtriage started; the fleet finds the sick instance and attaches to another. Each failure
//! of Prometheus shows in words while the Redis panes keep refreshing.

use std::time::Duration;

use crossterm::event::KeyCode;
use redtriage::model::view::{ConnState, PaneStatus, Verdict};

use crate::common::prom::{Exporter, ProDriver, Prometheus, Stub, StubMode, prom_settings};
use crate::common::{self, Redis, Respawn, fast_poll};

const LIMIT: Duration = Duration::from_secs(60);

fn selector(redis: &Redis) -> String {
    format!("instance=\"127.0.0.1:{}\"", redis.port)
}

/// 3 hits and 1 miss per round (75 %), until the flag drops.
fn workload(url: String, stop: &std::sync::atomic::AtomicBool) {
    let client = redis::Client::open(url).expect("client");
    let mut con = client.get_connection().expect("connection");
    let _: () = redis::cmd("SET")
        .arg("hit")
        .arg("v")
        .query(&mut con)
        .expect("set");
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let mut pipe = redis::pipe();
        for _ in 0..30 {
            pipe.cmd("GET").arg("hit").ignore();
        }
        for _ in 0..10 {
            pipe.cmd("GET").arg("miss").ignore();
        }
        let _: () = pipe.query(&mut con).expect("pipeline");
        // Not a wait: the workload's pace.
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hit_rate_agrees_backfill_draws_history_and_exporter_down_is_seen() {
    let redis = Redis::start(&[]);
    let mut exporter = Exporter::start(redis.port);
    let prom = Prometheus::start(&[(exporter.port, redis.port)]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (url, stop) = (redis.url(), stop.clone());
        std::thread::spawn(move || workload(url, &stop))
    };
    // History that exists before redtriage starts: a few scrapes with traffic.
    let sel = selector(&redis);
    prom.wait_series(&format!("redis_keyspace_hits_total{{{sel}}} > 0"), 1, LIMIT);
    prom.wait_series(
        &format!("count_over_time(redis_up{{{sel}}}[1m]) > 4"),
        1,
        LIMIT,
    );
    let mut d = ProDriver::start(
        Some(redis.target()),
        prom_settings(&prom.url(), &sel),
        &fast_poll(),
    );
    let snap = d
        .wait_for(LIMIT, "backfill and both hit rates", |s| {
            let p = s.prometheus.as_ref().expect("prometheus");
            p.backfill.contains("points")
                && s.hit_rate.m1_percent.is_some()
                && p.figures
                    .as_ref()
                    .is_some_and(|f| f.hit_rate_percent.is_some())
        })
        .await;
    let p = snap.prometheus.as_ref().expect("prometheus");
    let prom_rate = p
        .figures
        .as_ref()
        .and_then(|f| f.hit_rate_percent)
        .expect("prom");
    let direct = snap.hit_rate.m1_percent.expect("direct");
    assert!(
        (prom_rate - direct).abs() <= 5.0,
        "prometheus {prom_rate} vs direct {direct}"
    );
    assert!((direct - 75.0).abs() <= 5.0, "direct {direct}");
    assert!(snap.memory.spark_backfilled >= 4, "{:?}", snap.memory);
    assert!(
        snap.memory.spark.len() > snap.memory.spark_backfilled,
        "live after the seam"
    );
    assert_eq!(p.two_views, "direct UP / exporter UP");
    assert_eq!(p.selector, sel);
    exporter.stop();
    let snap = d
        .wait_for(LIMIT, "exporter DOWN", |s| {
            s.prometheus.as_ref().is_some_and(|p| p.exporter == "DOWN")
        })
        .await;
    let p = snap.prometheus.as_ref().expect("prometheus");
    assert_eq!(p.two_views, "direct UP / exporter DOWN");
    assert!(
        p.hint.as_deref().is_some_and(|h| h.contains("cause D")),
        "{p:?}"
    );
    assert_eq!(snap.header.connection, ConnState::Up);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.join().expect("workload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_is_down_in_both_views_and_the_alert_fires() {
    let mut redis = Redis::start(&[]);
    let exporter = Exporter::start(redis.port);
    let prom = Prometheus::start(&[(exporter.port, redis.port)]);
    let sel = selector(&redis);
    prom.wait_series(&format!("redis_up{{{sel}}} == 1"), 1, LIMIT);
    let mut d = ProDriver::start(
        Some(redis.target()),
        prom_settings(&prom.url(), &sel),
        &fast_poll(),
    );
    d.wait_for(LIMIT, "both UP", |s| {
        s.prometheus
            .as_ref()
            .is_some_and(|p| p.two_views == "direct UP / exporter UP")
    })
    .await;
    redis.kill();
    let snap = d
        .wait_for(LIMIT, "both DOWN and the alert firing", |s| {
            s.prometheus.as_ref().is_some_and(|p| {
                p.two_views == "direct DOWN / exporter DOWN"
                    && p.alerts
                        .iter()
                        .any(|a| a.name == "RedisDown" && a.state == "firing")
            })
        })
        .await;
    let p = snap.prometheus.as_ref().expect("prometheus");
    let alert = p
        .alerts
        .iter()
        .find(|a| a.name == "RedisDown")
        .expect("alert");
    assert_eq!(
        alert.summary,
        format!("Redis down on 127.0.0.1:{}", redis.port)
    );
    assert!(alert.labels.contains("severity=critical"), "{alert:?}");
    assert!(alert.age_secs.is_some());
    assert!(
        p.hint
            .as_deref()
            .is_some_and(|h| h.contains("Redis itself")),
        "{p:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_puts_the_sick_instance_first_and_attaches() {
    let servers: Vec<Redis> = (0..3).map(|_| Redis::start(&[])).collect();
    let exporters: Vec<Exporter> = servers.iter().map(|r| Exporter::start(r.port)).collect();
    let pairs: Vec<(u16, u16)> = exporters
        .iter()
        .zip(&servers)
        .map(|(e, r)| (e.port, r.port))
        .collect();
    let prom = Prometheus::start(&pairs);
    prom.wait_series("redis_up == 1", 3, LIMIT);
    let mut servers = servers;
    let sick = servers[1].port;
    servers[1].kill();
    let settings = prom_settings(&prom.url(), "instance=\"unused\"");
    let mut d = ProDriver::start(None, settings, &fast_poll());
    let sick_label = format!("127.0.0.1:{sick}");
    d.wait_state(LIMIT, "three rows, the sick one first", |s| {
        let Some(f) = s.prom_view(None).and_then(|p| p.fleet) else {
            return false;
        };
        f.rows.len() == 3 && f.rows[0].instance == sick_label && f.rows[0].health == Verdict::Crit
    })
    .await;
    let fleet = d
        .state
        .prom_view(None)
        .and_then(|p| p.fleet)
        .expect("fleet");
    assert!(
        fleet.rows[1..]
            .iter()
            .all(|r| r.up == "UP" && r.health != Verdict::Crit),
        "{fleet:#?}"
    );
    assert!(fleet.rows[0].problems.contains("up DOWN"), "{fleet:#?}");
    // Down to the second row, enter: the dashboard attaches to that instance.
    d.key(KeyCode::Char('j'));
    d.key(KeyCode::Char('j'));
    let chosen = d
        .state
        .prom
        .as_ref()
        .and_then(|p| p.ui.cursor.clone())
        .expect("cursor");
    assert_eq!(chosen, fleet.rows[2].instance);
    d.key(KeyCode::Enter);
    let snap = d
        .wait_for(LIMIT, "attached and UP", |s| {
            s.header.connection == ConnState::Up
                && s.prometheus.as_ref().is_some_and(|p| p.exporter == "UP")
        })
        .await;
    assert_eq!(snap.header.target, format!("redis://{chosen}"));
    let p = snap.prometheus.as_ref().expect("prometheus");
    assert_eq!(p.selector, format!("instance=\"{chosen}\""));
    assert!(p.fleet.is_none(), "fleet closed after attaching");
    // Actions act on the attached instance, not the one redtriage started with.
    let ctx = d.state.action_context();
    assert_eq!(
        ctx.target.map(redtriage::target::Target::display),
        Some(format!("redis://{chosen}"))
    );
}

/// Each way Prometheus can fail: the message in the Prometheus-fed places, Redis still live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_prometheus_failure_is_named_while_redis_refreshes() {
    let redis = Redis::start(&[]);
    let refused = format!("http://127.0.0.1:{}", common::free_port());
    let cases: Vec<(String, &str, bool)> = vec![
        (refused, "Prometheus unreachable", false),
        (
            Stub::start(StubMode::Hang).url(),
            "did not answer within 1s",
            false,
        ),
        (
            Stub::start(StubMode::Status500).url(),
            "Prometheus HTTP 500: upstream broke",
            false,
        ),
        (
            Stub::start(StubMode::BadJson).url(),
            "invalid JSON from Prometheus",
            false,
        ),
        (
            Stub::start(StubMode::QueryError).url(),
            "refused the query (bad_data): parse error",
            false,
        ),
        (
            Stub::start(StubMode::PointLimit).url(),
            "11,000 points",
            true,
        ),
        (
            Stub::start(StubMode::Endless).url(),
            "answer larger than 16 MiB, not read",
            false,
        ),
    ];
    for (url, message, in_backfill) in cases {
        let mut d = ProDriver::start(
            Some(redis.target()),
            prom_settings(&url, "instance=\"x\""),
            &fast_poll(),
        );
        let shown = |s: &redtriage::model::view::Snapshot| {
            let Some(p) = s.prometheus.as_ref() else {
                return false;
            };
            let text = if in_backfill {
                p.backfill.clone()
            } else {
                match &p.status {
                    PaneStatus::Error { message } => message.clone(),
                    _ => p.query_errors.join(" "),
                }
            };
            text.contains(message)
        };
        let snap = d.wait_for(LIMIT, message, shown).await;
        // Redis keeps refreshing while Prometheus fails.
        d.more_samples(3).await;
        let now = d.view().expect("view");
        assert!(shown(&now), "{message} still shown");
        assert_eq!(now.header.connection, ConnState::Up, "{message}");
        assert_eq!(now.memory.status, PaneStatus::Ok, "{message}");
        let p = snap.prometheus.as_ref().expect("prometheus");
        if !in_backfill {
            assert_eq!(p.exporter, "UNKNOWN");
        }
        let line = redtriage::ui::prom::status_text(p);
        if !in_backfill {
            assert!(line.contains(message), "{line}");
        }
    }
}

/// With no `--prom-selector`, the guess (`instance=~"(redis://)?HOST:(PORT|9121)"`) gives way
/// to the instance whose `redis_instance_info` carries the server's run id, for both exporter
/// forms on one real Prometheus: a single-target exporter (`instance` is the exporter's own
/// address) and the multi-target labelling (`instance` is Redis's). After the single-target
/// exporter is stopped, it is still found (`last_over_time`), so the pane says exporter DOWN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guessed_selector_finds_the_instance_by_run_id_for_both_exporter_forms() {
    let single = Redis::start(&[]);
    let mut multi = Redis::start(&[]);
    let mut single_exp = Exporter::start(single.port);
    let mut multi_exp = Exporter::start(multi.port);
    let prom = Prometheus::start_custom(
        &[
            (single_exp.port, String::new()),
            (
                multi_exp.port,
                format!("instance: \"127.0.0.1:{}\"", multi.port),
            ),
        ],
        "",
    );
    prom.wait_series("redis_instance_info", 2, LIMIT);
    let guessed = |port: u16| {
        let mut s = prom_settings(
            &prom.url(),
            &redtriage::prom::queries::guess_selector("127.0.0.1", port),
        );
        s.selector_guessed = true;
        s
    };
    let expect = [
        (
            single.target(),
            single.url(),
            single.port,
            format!("instance=\"127.0.0.1:{}\"", single_exp.port),
        ),
        (
            multi.target(),
            multi.url(),
            multi.port,
            format!("instance=\"127.0.0.1:{}\"", multi.port),
        ),
    ];
    let mut drivers = Vec::new();
    for (target, _, port, sel) in &expect {
        let mut d = ProDriver::start(Some(target.clone()), guessed(*port), &fast_poll());
        let snap = d
            .wait_for(LIMIT, "found by run id, exporter UP", |s| {
                let p = s.prometheus.as_ref().expect("prometheus");
                p.found_by == Some("run_id") && p.selector == *sel && p.exporter == "UP"
            })
            .await;
        let p = snap.prometheus.as_ref().expect("prometheus");
        assert!(p.figures.is_some(), "{p:#?}");
        drivers.push(d);
    }
    // `snapshot` finds it the same way (the run id from its own `INFO server`).
    for (_, url, _, sel) in &expect {
        let v = crate::common::bin::snapshot_json(crate::common::bin::redtriage().args([
            "snapshot",
            "--json",
            url,
            "--prometheus",
            &prom.url(),
        ]));
        let p = &v["prometheus"];
        assert_eq!(p["found_by"], "run_id", "{p:#}");
        assert_eq!(p["selector"], sel.as_str(), "{p:#}");
        assert_eq!(p["exporter"], "UP", "{p:#}");
    }
    // A restart (a new run id) is followed: told to the poller, found again, the same instance.
    let run_id = |r: &Redis| {
        let info = r.cli(&["INFO", "server"]);
        let line = info.lines().find_map(|l| l.strip_prefix("run_id:"));
        line.expect("run_id").trim().to_string()
    };
    let before = run_id(&multi);
    multi.restart();
    let after = run_id(&multi);
    assert_ne!(before, after);
    prom.wait_series(
        &format!("redis_instance_info{{run_id=\"{after}\"}}"),
        1,
        LIMIT,
    );
    let sel = expect[1].3.clone();
    drivers[1]
        .wait_state(LIMIT, "the new run id followed", |st| {
            let Some(p) = st.prom.as_ref() else {
                return false;
            };
            let v = st.view(60);
            p.run_id_told.as_deref() == Some(after.as_str())
                && p.selector == sel
                && v.is_some_and(|v| v.prometheus.is_some_and(|p| p.exporter == "UP"))
        })
        .await;
    // Each exporter stopped: its last series are still found by the run id, and DOWN.
    single_exp.stop();
    multi_exp.stop();
    for (i, d) in drivers.iter_mut().enumerate() {
        let sel = &expect[i].3;
        prom.wait_series(&format!("up{{{sel}}} == 0"), 1, LIMIT);
        d.wait_for(LIMIT, "exporter DOWN, still by run id", |s| {
            let p = s.prometheus.as_ref().expect("prometheus");
            p.found_by == Some("run_id") && p.selector == *sel && p.exporter == "DOWN"
        })
        .await;
    }
}
