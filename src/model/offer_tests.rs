//! What the Diagnosis pane offers per cause (issue 22 item 8), through the real `update`:
//! every suggestion can run here and fits the evidence.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::collect::disk::{DiskFigures, DiskUsage};
use crate::collect::types::{ClientInfo, ClientListResult, CollectError, Info, Sample};
use crate::model::diagnosis::{CauseView, Likelihood};
use crate::model::state::update;
use crate::model::ui_state::PaneId;
use crate::model::view::ConnState;
use crate::msg::{ActionEvent, LinkEvent, Msg, Outcome};

use crate::model::diagnosis::tests::{Script, healthy};

/// A server with no config file and AOF off, as `redis-server --port N` starts.
fn base() -> Info {
    Info {
        config_file: Some(String::new()),
        ..healthy()
    }
}

fn cause(r: &Script, id: &str) -> CauseView {
    (r.diag().into_iter())
        .find(|c| c.cause == id)
        .unwrap_or_else(|| panic!("no cause {id}"))
}

fn key(r: &mut Script, code: KeyCode) {
    update(
        &mut r.state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    );
}

/// Opens the Diagnosis pane on cause `id` and presses enter.
fn enter_on(r: &mut Script, id: &str) {
    key(r, KeyCode::Char('d'));
    let at = (r.diag().iter())
        .position(|c| c.cause == id)
        .expect("cause listed");
    r.state.ui.diag_sel = at;
    key(r, KeyCode::Enter);
}

fn disk(used_percent: f64) -> DiskFigures {
    DiskFigures {
        usage: DiskUsage {
            total_bytes: 100 << 30,
            free_bytes: 50 << 30,
        },
        used_percent,
    }
}

/// `drill bgsave-fail`: the last BGSAVE failed, AOF off, no container, the disk at 24 %.
#[test]
fn a_failed_bgsave_with_a_roomy_disk_suggests_bgsave_and_nothing_that_cannot_fit() {
    let mut r = Script::new();
    let mut info = base();
    info.rdb_last_bgsave_status = Some("err".into());
    let with_dir = |s: &mut Sample, used: f64| {
        let mut c = crate::collect::types::ConfigValues::default();
        c.values.insert("dir".into(), "/var/lib/redis".into());
        s.config = Some(Ok(c));
        s.disk = Some(Ok(disk(used)));
    };
    for _ in 0..3 {
        r.sample(info.clone(), |s| with_dir(s, 24.0));
    }
    let e = cause(&r, "E");
    assert_eq!(e.verdict, Likelihood::Likely, "{e:?}");
    assert_eq!(e.suggested.as_deref(), Some("bgsave"), "{e:?}");
    assert!(e.also.is_empty(), "{e:?}");
    for unfit in [
        "disk-usage",
        "check-aof",
        "fix-aof",
        "bgrewriteaof",
        "check-rdb",
        "container-check-aof",
        "container-restart",
        "restart-plain",
        "restart-systemd",
    ] {
        assert!(!e.also.iter().any(|a| a == unfit), "{unfit} offered: {e:?}");
    }
    // The disk nearly full: df -h comes first.
    r.sample(info, |s| with_dir(s, 96.0));
    assert_eq!(cause(&r, "E").suggested.as_deref(), Some("disk-usage"));
}

/// A killed plain redis-server that ran without a config file and outside Docker: no
/// container-restart (`no container found`), no restart-plain that cannot be filled.
#[test]
fn a_killed_server_without_a_config_file_is_offered_nothing_that_fails_and_says_why() {
    let mut r = Script::new();
    for _ in 0..2 {
        r.sample(base(), |_| {});
    }
    r.link(LinkEvent::Down(CollectError::Refused));
    r.link(LinkEvent::Down(CollectError::Refused));
    let a = cause(&r, "A");
    assert_eq!(a.verdict, Likelihood::Likely, "{a:?}");
    assert_eq!(a.suggested, None, "{a:?}");
    assert!(a.also.is_empty(), "{a:?}");
    let why = a.none_runs.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("restart-plain: no value for {config_file}"),
        "{why}"
    );
    // Served by a systemd unit (found on this machine): its restart, of that unit.
    r.state.instances[0].known.values.insert(
        "systemd_unit".into(),
        (
            "redis-server@6380.service".into(),
            crate::collect::known::Source::Server,
        ),
    );
    assert_eq!(cause(&r, "A").suggested.as_deref(), Some("restart-systemd"));
    let spec = r
        .state
        .actions
        .runbook
        .find("restart-systemd")
        .expect("spec")
        .clone();
    let p =
        crate::runbook::prepare::prepare(&spec, &r.state.action_context(), None).expect("prepared");
    assert_eq!(p.display, ["systemctl restart redis-server@6380.service"]);
    // Started from a config file: the restart can run, and enter opens it.
    let mut r = Script::new();
    let mut info = base();
    info.config_file = Some("/etc/redis/6379.conf".into());
    info.executable = Some("/usr/bin/redis-server".into());
    for _ in 0..2 {
        r.sample(info.clone(), |_| {});
    }
    r.link(LinkEvent::Down(CollectError::Refused));
    assert_eq!(cause(&r, "A").suggested.as_deref(), Some("restart-plain"));
    enter_on(&mut r, "A");
    assert!(
        matches!(
            &r.state.actions.dialog,
            Some(crate::model::actions::Dialog::Confirm { .. })
        ),
        "{:?}",
        r.state.actions.dialog
    );
}

/// `drill client-flood` with redtriage started into the flood: the server is up and full,
/// which the header says as its own state; a kill needs a connection redtriage cannot get,
/// so the runbook's quick mitigation is offered (a restart that shuts the server down first:
/// it runs).
#[test]
fn a_server_full_before_redtriage_connects_is_full_not_down_and_c_offers_a_restart() {
    let mut r = Script::new();
    let mut info = base();
    info.config_file = Some("/etc/redis/6379.conf".into());
    for _ in 0..2 {
        r.sample(info.clone(), |_| {});
    }
    let full = || {
        LinkEvent::Down(CollectError::Server(
            "ERR max number of clients reached".into(),
        ))
    };
    r.link(full());
    r.link(full());
    let snap = r.state.view(0).expect("view");
    assert!(
        matches!(snap.header.connection, ConnState::Full { .. }),
        "{:?}",
        snap.header.connection
    );
    assert!(snap.header.connection_label.starts_with("FULL"));
    // The health says what is known: the server is full (CRIT), not "no fresh data".
    assert_eq!(
        snap.header.health.overall,
        crate::model::view::Verdict::Crit
    );
    let clients = (snap.header.health.items.iter())
        .find(|i| i.name == "clients")
        .expect("clients item");
    assert!(clients.value.starts_with("full"), "{clients:?}");
    assert_eq!(snap.clients.verdict, crate::model::view::Verdict::Crit);
    let c = cause(&r, "C");
    assert_eq!(c.verdict, Likelihood::Likely, "{c:?}");
    assert_eq!(c.suggested.as_deref(), Some("restart-plain"), "{c:?}");
    assert!(!c.also.iter().any(|a| a == "client-kill"), "{c:?}");
    // The server runs: the restart shuts it down first (not the start-only form).
    let ctx = r.state.action_context();
    assert!(!ctx.down && ctx.full);
    let spec = r
        .state
        .actions
        .runbook
        .find("restart-plain")
        .expect("spec")
        .clone();
    let p = crate::runbook::prepare::prepare(&spec, &ctx, None).expect("prepared");
    assert!(p.display[0].contains("shutdown"), "{:?}", p.display);
}

/// A flood while redtriage is connected: enter on C selects the biggest group in the zoomed
/// Clients pane (the kill's confirmation then names it), instead of a message.
#[test]
fn a_flood_seen_while_connected_enter_on_c_selects_the_group_that_holds_the_connections() {
    let mut r = Script::new();
    let mut info = base();
    info.connected_clients = Some(96);
    info.maxclients = Some(100);
    // Ids of different lengths: sorted as text, 10 and 100 would come before 9.
    let id = |i: u64| match i {
        0 => 10,
        1 => 9,
        i => 100 + i,
    };
    let mut clients: Vec<ClientInfo> = (0..90)
        .map(|i| ClientInfo {
            id: id(i),
            addr: format!("10.0.0.5:{}", 40_000 + i),
            ..ClientInfo::default()
        })
        .collect();
    clients.extend((0..6).map(|i| ClientInfo {
        id: 900 + i,
        addr: format!("10.0.0.9:{}", 50_000 + i),
        ..ClientInfo::default()
    }));
    for _ in 0..3 {
        let list = clients.clone();
        r.sample(info.clone(), move |s| {
            s.clients = Some(Ok(ClientListResult::Listed { clients: list }));
        });
    }
    let c = cause(&r, "C");
    assert_eq!(c.suggested.as_deref(), Some("client-kill"), "{c:?}");
    enter_on(&mut r, "C");
    assert!(r.state.ui.zoomed && r.state.ui.focus == PaneId::Clients);
    assert_eq!(
        r.state.ui.client_sel,
        Some(crate::model::select::ClientSel::Group {
            by: "addr",
            key: "10.0.0.5".into()
        })
    );
    assert_eq!(r.state.action_context().clients.len(), 90);
    // K: the confirmation, ids by number; ↓/PgDn scroll it and type nothing.
    key(&mut r, KeyCode::Char('K'));
    let Some(crate::model::actions::Dialog::Confirm { prepared, .. }) = &r.state.actions.dialog
    else {
        panic!("no confirmation: {:?}", r.state.actions.dialog);
    };
    let crate::runbook::prepare::Step::Redis { args, .. } = &prepared.step else {
        panic!("not a redis step");
    };
    assert_eq!(args[..3], ["9", "10", "102"]);
    key(&mut r, KeyCode::PageDown);
    key(&mut r, KeyCode::Down);
    assert_eq!(r.state.actions.dialog_scroll, 11);
    assert!(
        matches!(&r.state.actions.dialog, Some(crate::model::actions::Dialog::Confirm { typed, .. }) if typed.is_empty())
    );
}

/// After `M` on a server started without a config file, CONFIG REWRITE is not offered (it
/// would answer `ERR The server is running without a config file`); the output says how to
/// keep the value instead.
#[test]
fn after_raising_maxmemory_without_a_config_file_no_rewrite_is_offered() {
    let mut r = Script::new();
    for _ in 0..2 {
        r.sample(base(), |_| {});
    }
    let spec = r
        .state
        .actions
        .runbook
        .find("config-rewrite")
        .expect("spec")
        .clone();
    let why = r
        .state
        .action_context()
        .unavailable(&spec)
        .unwrap_or_default();
    assert!(why.contains("without a config file"), "{why}");
    r.state.actions.running = Some(crate::model::actions::Running {
        run: 3,
        name: "maxmemory".into(),
        started: r.now,
        mitigation: true,
    });
    let done = ActionEvent::Done(Outcome {
        ok: true,
        exit_code: Some(0),
        summary: "CONFIG SET maxmemory 67108864 → OK".into(),
        duration: Duration::from_millis(2),
    });
    let at = r.now;
    update(
        &mut r.state,
        Msg::Action {
            run: 3,
            at,
            event: done,
        },
    );
    assert!(
        r.state.actions.dialog.is_none(),
        "{:?}",
        r.state.actions.dialog
    );
    assert!(
        (r.state.actions.output.iter()).any(|l| l.contains("runs without a config file")),
        "{:?}",
        r.state.actions.output
    );
    // With a config file the rewrite is offered (its dialog defaults to No).
    let mut r2 = Script::new();
    let mut info = base();
    info.config_file = Some("/etc/redis/6379.conf".into());
    r2.sample(info, |_| {});
    assert!(r2.state.action_context().unavailable(&spec).is_none());
}

/// A FLUSHALL under a warm cache: the key count's fall is evidence of the collapse, and
/// enter zooms the Hit rate pane where the count and its peak show.
#[test]
fn a_flushall_shows_as_the_key_count_falling_and_enter_zooms_the_hit_rate_pane() {
    let mut r = Script::new();
    let keys = |n: u64| {
        [(
            0,
            crate::collect::types::KeyspaceDb {
                keys: n,
                ..Default::default()
            },
        )]
        .into()
    };
    let mut info = base();
    info.keyspace = keys(3000);
    for _ in 0..3 {
        r.sample(info.clone(), |_| {});
    }
    info.keyspace = keys(0);
    r.sample(info, |s| {
        let flush = crate::collect::types::CommandStat {
            calls: 1,
            ..Default::default()
        };
        s.commandstats = Some(Ok([("flushall".to_string(), flush)].into()));
    });
    let snap = r.state.view(0).expect("view");
    assert_eq!(snap.hit_rate.keys, Some(0));
    assert_eq!(snap.hit_rate.keys_peak.map(|p| p.keys), Some(3000));
    let h = cause(&r, "hit_rate");
    assert!(
        (h.evidence.iter()).any(|e| e.text.starts_with("keys fell from 3000 to 0")
            && e.text
                .contains("FLUSHALL called 1× since the server started")),
        "{h:?}"
    );
    assert!(
        (h.evidence.iter()).any(|e| e.text.ends_with("the cache was emptied")),
        "{h:?}"
    );
    enter_on(&mut r, "hit_rate");
    assert!(r.state.ui.zoomed && r.state.ui.focus == PaneId::HitRate);
}

#[test]
fn a_fit_naming_an_unknown_signal_or_action_is_a_runbook_error() {
    let shipped = include_str!("../../assets/runbook.toml");
    let with = |action: &str, signal: &str| {
        let text = format!(
            "{shipped}\n[[fit]]\naction = \"{action}\"\nsignal = \"{signal}\"\nop = \">\"\nvalue = 1\n"
        );
        crate::runbook::spec::Runbook::parse(&text, "mine.toml").unwrap_err()
    };
    let e = with("bgsave", "disk_fullness");
    assert!(e.contains("unknown signal \"disk_fullness\""), "{e}");
    let e = with("bgsav", "bgsave_err");
    assert!(e.contains("names action \"bgsav\""), "{e}");
}
