//! Faults in the server's state, seen through the real binary in tmux (issue 6): a server
//! loading a large RDB (LOADING with its progress, then back to normal), MISCONF after a
//! failed BGSAVE (and no false "writes blocked" where Redis still takes writes), Prometheus
//! dying and coming back on its own. In each the keys answer during the fault.

use std::time::Duration;

use crate::common::prom::{Exporter, Prometheus};
use crate::common::tmux::Tmux;
use crate::common::{Redis, Respawn, bin, children_of, info_field, wait_until};

const LIMIT: Duration = Duration::from_secs(30);
/// The incident log is not the point here (and stays out of the home directory).
const NO_LOG: &str = "/dev/null";

/// The number right after `prefix` on the screen (`LOADING 42%` → 42.0).
fn number_after(screen: &str, prefix: &str) -> Option<f64> {
    let rest = &screen[screen.find(prefix)? + prefix.len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

#[test]
fn a_server_loading_a_large_rdb_shows_loading_with_progress_then_normal() {
    let mut redis = Redis::start(&["--enable-debug-command", "yes"]);
    assert_eq!(
        redis
            .cli(&["DEBUG", "POPULATE", "40000", "key", "64"])
            .trim(),
        "OK"
    );
    assert_eq!(redis.cli(&["SAVE"]).trim(), "OK");
    let url = redis.url();
    let tui = Tmux::start(
        &[&url, "--interval", "200ms", "--incident-log", NO_LOG],
        120,
        40,
    );
    tui.wait_for("UP for", LIMIT);
    // `key-load-delay` (µs per key; a hidden config of 7.x) keeps the restart in LOADING for
    // seconds; events every KiB loaded let it answer (`-LOADING`) meanwhile.
    let has = redis.cli(&["CONFIG", "GET", "key-load-delay"]);
    assert!(has.contains("key-load-delay"), "no key-load-delay: {has}");
    redis.args.extend(
        [
            "--key-load-delay",
            "200",
            "--loading-process-events-interval-bytes",
            "1024",
        ]
        .map(String::from),
    );
    redis.restart();
    // What the application gets meanwhile.
    let reply = redis.cli(&["GET", "key:1"]);
    assert!(reply.contains("LOADING"), "{reply}");
    // The header says LOADING with the percent; the persistence pane the percent and the eta.
    let first = tui.wait_for("LOADING ", LIMIT);
    assert!(number_after(&first, "LOADING ").is_some(), "{first}");
    let mut pane = String::new();
    wait_until("loading N% eta in the persistence pane", LIMIT, || {
        pane = tui.capture();
        pane.lines()
            .any(|l| l.contains("│loading ") && l.contains(" eta ") && !l.contains("eta —"))
    });
    let p1 = number_after(&pane, "│loading ").expect("loading N% in the pane");
    tui.help_opens_and_closes();
    // The progress moves while the server loads.
    let mut later = String::new();
    wait_until("the loading percent to grow", LIMIT, || {
        later = tui.capture();
        number_after(&later, "│loading ").is_some_and(|p| p > p1)
    });
    assert!(later.contains("LOADING "), "{later}");
    // The `-LOADING` replies to redtriage's own commands are counted in the errors pane.
    let errors = tui.wait_for("│LOADING ", LIMIT);
    // Then back to normal on its own, with every key loaded.
    let up = tui.wait_for("UP for", Duration::from_secs(60));
    assert!(!up.contains("│loading "), "{up}");
    assert!(
        !up.lines().next().unwrap_or("").contains("LOADING"),
        "{errors}\n{up}"
    );
    assert_eq!(redis.cli(&["DBSIZE"]).trim(), "40000");
    tui.help_opens_and_closes();
}

/// `snapshot --json` of `url`: the view.
fn snapshot(url: &str) -> serde_json::Value {
    bin::snapshot_json(bin::redtriage().args([
        "snapshot",
        url,
        "--json",
        "--incident-log",
        "/dev/null",
    ]))
}

#[test]
fn misconf_after_a_failed_bgsave_says_writes_are_refused() {
    // A save point: without one Redis does not refuse writes after a failed BGSAVE. The save
    // delay (µs per key) keeps the fork child alive to be killed.
    let redis = Redis::start(&["--save", "3600 1", "--rdb-key-save-delay", "100000"]);
    for i in 0..100 {
        redis.cli(&["SET", &format!("order:{i}"), "v"]);
    }
    let url = redis.url();
    let tui = Tmux::start(
        &[&url, "--interval", "200ms", "--incident-log", NO_LOG],
        120,
        40,
    );
    tui.wait_for("UP for", LIMIT);
    redis.cli(&["BGSAVE"]);
    wait_until("the BGSAVE child", LIMIT, || {
        info_field(&redis, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("1")
    });
    tui.wait_for("SAVING", LIMIT);
    let children = children_of(redis.pid());
    assert!(!children.is_empty(), "no fork child of {}", redis.pid());
    for c in children {
        // SAFETY: kill(2) on the test server's own fork child.
        unsafe {
            libc::kill(c, libc::SIGKILL);
        }
    }
    wait_until("the failed bgsave", LIMIT, || {
        info_field(&redis, "persistence", "rdb_last_bgsave_status").as_deref() == Some("err")
    });
    // The application's writes are refused.
    for _ in 0..20 {
        let reply = redis.cli(&["SET", "order:new", "v"]);
        assert!(reply.contains("MISCONF"), "{reply}");
    }
    let screen = tui.wait_for("WRITES BLOCKED: MISCONF", LIMIT);
    assert!(screen.contains("bgsave err"), "{screen}");
    // And the header says it, wherever the focus is.
    tui.wait_for("WRITES REFUSED: MISCONF", LIMIT);
    // The refused writes counted in the errors pane; the diagnosis line names the
    // disk/persistence cause, and its details say the writes are refused.
    tui.wait_for("│MISCONF ", LIMIT);
    tui.wait_for("diagnosis: E Disk or persistence", LIMIT);
    tui.keys("d");
    tui.wait_for("writes refused", LIMIT);
    tui.keys("Escape");
    // ESC and ? in one read are alt+?: let the ESC arrive alone (the Diagnosis pane closes).
    wait_until("the Diagnosis pane to close", LIMIT, || {
        !tui.capture().contains(" Diagnosis ")
    });
    tui.help_opens_and_closes();
    let screen = tui.capture();
    assert!(screen.contains("WRITES BLOCKED"), "{screen}");
    // Without a save point the same failed BGSAVE refuses nothing: no false alarm.
    redis.cli(&["CONFIG", "SET", "save", ""]);
    assert_eq!(redis.cli(&["SET", "order:new", "v"]).trim(), "OK");
    let view = snapshot(&url);
    let p = &view["persistence"];
    assert_eq!(p["rdb_last_bgsave_status"], "err", "{p}");
    assert_eq!(p["writes_blocked_misconf"], false, "{p}");
}

#[test]
fn prometheus_dying_is_named_while_redis_refreshes_and_it_recovers_alone() {
    let redis = Redis::start(&[]);
    let exporter = Exporter::start(redis.port);
    let mut prom = Prometheus::start(&[(exporter.port, redis.port)]);
    let sel = format!("instance=\"127.0.0.1:{}\"", redis.port);
    prom.wait_series(&format!("redis_up{{{sel}}} == 1"), 1, LIMIT);
    // tmux runs the command line through a shell: the selector's quotes need quoting.
    let (url, purl, quoted) = (redis.url(), prom.url(), format!("'{sel}'"));
    let tui = Tmux::start(
        &[
            &url,
            "--interval",
            "200ms",
            "--prometheus",
            &purl,
            "--prom-selector",
            &quoted,
            "--prom-interval",
            "500ms",
            "--prom-timeout",
            "1s",
            "--incident-log",
            NO_LOG,
        ],
        140,
        45,
    );
    tui.wait_for("exporter UP", LIMIT);
    prom.kill();
    let screen = tui.wait_for("Prometheus unreachable", LIMIT);
    assert!(screen.contains("UP for"), "{screen}");
    tui.help_opens_and_closes();
    // The Redis panes keep refreshing: new samples come into the memory pane.
    tui.wait_new_sample(LIMIT);
    assert!(tui.capture().contains("Prometheus unreachable"));
    // Back on the same port: the line recovers by itself.
    prom.start_again();
    let back = tui.wait_for("exporter UP", Duration::from_secs(60));
    wait_until("the error to clear", LIMIT, || {
        !tui.capture().contains("unreachable")
    });
    assert!(back.contains("UP for"), "{back}");
}
