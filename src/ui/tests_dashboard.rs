//! Screen snapshots of what actions add to the dashboard: the header's watch, log error and
//! running badges, the sparkline markers, the zoomed clients pane's selection and rows, the
//! help overlay's and the footer's action keys.

use super::tests_actions::{keys, screen, with_view};
use crate::collect::types::ClientInfo;
use crate::model::actions::view::ActionsView;
use crate::model::fixtures;
use crate::model::ui_state::{PaneId, UiState};
use crate::model::watch::WatchView;

pub(super) fn watch(stable: bool, text: &str) -> WatchView {
    WatchView {
        stable,
        stable_secs: 192,
        window_secs: 300,
        text: text.into(),
    }
}

#[test]
fn header_stable_running_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.header.watch = Some(watch(true, "STABLE 3m12s / 5m00s"));
    snap.header.running_action = Some(("bgsave".into(), 3));
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 80, 24);
    let third = s.lines().nth(2).unwrap_or_default();
    assert!(third.contains("STABLE 3m12s / 5m00s"), "{s}");
    assert!(third.contains("running bgsave 3s"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn header_unstable_log_error_80x24() {
    let mut snap = fixtures::snapshot_crit();
    snap.header.watch = Some(watch(false, "UNSTABLE: hit_rate 62.0% over 1m (warn <70%)"));
    snap.header.log_error = Some("No space left on device (os error 28)".into());
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 80, 24);
    assert!(s.contains("INCIDENT LOG NOT WRITTEN: No space left"), "{s}");
    assert!(s.contains("UNSTABLE: hit_rate 62.0%"), "{s}");
    insta::assert_snapshot!(s);
}

/// MISCONF (writes refused) is a header badge, not only the persistence pane's status.
#[test]
fn header_says_writes_are_refused_at_80x24() {
    let mut snap = fixtures::snapshot_crit();
    snap.header.writes_refused = true;
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 80, 24);
    let third = s.lines().nth(2).unwrap_or_default();
    assert!(third.contains("WRITES REFUSED: MISCONF"), "{s}");
    let mut snap = fixtures::snapshot_crit();
    snap.header.writes_refused = false;
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 80, 24);
    assert!(!s.contains("WRITES REFUSED"), "{s}");
}

#[test]
fn header_badges_in_compact_50x16() {
    let mut snap = fixtures::snapshot_ok();
    snap.header.watch = Some(watch(false, "UNSTABLE: hit_rate 62.0% over 1m (warn <70%)"));
    snap.header.log_error = Some("disk full".into());
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 50, 16);
    // The health line stays in the compact layout (seen: gone at 59×17), then the badges.
    assert!(
        s.lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("health: WARN"),
        "{s}"
    );
    assert!(
        s.lines()
            .nth(2)
            .unwrap_or_default()
            .contains("INCIDENT LOG NOT WRITTEN"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

fn client(id: u64, addr: &str, name: &str, cmd: &str, idle: u64) -> ClientInfo {
    ClientInfo {
        id,
        addr: addr.into(),
        name: name.into(),
        user: "default".into(),
        cmd: cmd.into(),
        age_secs: 600,
        idle_secs: idle,
        db: 0,
        flags: "N".into(),
        omem: if id == 9 { 512 * 1024 } else { 0 },
        qbuf: 0,
        tot_mem: 22 * 1024,
    }
}

pub(super) fn zoomed_clients() -> UiState {
    UiState {
        focus: PaneId::Clients,
        zoomed: true,
        ..UiState::default()
    }
}

#[test]
fn zoomed_clients_group_selected_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.clients.selected = Some("group:addr:10.0.3.18".into());
    let view = ActionsView {
        keys: keys(),
        ..ActionsView::default()
    };
    let s = screen(&snap, &zoomed_clients(), &view, 80, 24);
    assert!(s.contains("▶addr 10.0.3.18"), "{s}");
    assert!(
        s.contains("j/k select  g groups/clients  K kill selected  a actions"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn zoomed_clients_rows_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.clients.rows = Some(vec![
        client(3, "10.0.3.17:51234", "web", "get", 0),
        client(7, "10.0.3.17:51240", "cron", "zunionstore", 12),
        client(9, "10.0.3.18:40022", "api", "hgetall", 3),
        client(12, "10.0.4.2:33011", "", "blpop", 58),
        client(
            15,
            "[fe80::1%eth0]:6380",
            r"\x1b[31mevil",
            "client|list",
            340,
        ),
    ]);
    snap.clients.selected = Some("client:9".into());
    let view = ActionsView {
        keys: keys(),
        ..ActionsView::default()
    };
    let s = screen(&snap, &zoomed_clients(), &view, 80, 24);
    assert!(s.contains("▶9"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn marks_on_sparklines_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.marks_ago = vec![3, 20];
    let s = screen(&snap, &UiState::default(), &ActionsView::default(), 80, 24);
    // Memory, hit rate and errors each show both marks (the clients table leaves no room for
    // its sparkline at this size).
    assert_eq!(s.matches(super::widgets::MARK).count(), 6, "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn help_with_runbook_keys_80x24() {
    let view = ActionsView {
        keys: keys(),
        log_path: Some("/home/oncall/.local/share/redtriage/incidents.jsonl".into()),
        ..ActionsView::default()
    };
    let ui = UiState {
        help: true,
        ..UiState::default()
    };
    let s = screen(&fixtures::snapshot_ok(), &ui, &view, 80, 24);
    for want in [
        "a actions",
        "S BGSAVE",
        "incidents.jsonl",
        "w",
        "PgUp  PgDn",
    ] {
        assert!(s.contains(want), "{want} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn footer_shows_action_keys_when_wide() {
    let view = ActionsView {
        keys: keys(),
        ..ActionsView::default()
    };
    let s = screen(
        &fixtures::snapshot_ok(),
        &UiState::default(),
        &view,
        160,
        48,
    );
    let footer = s.lines().last().unwrap_or_default();
    for want in [
        "a actions",
        "o output",
        "t timeline",
        "d diagnosis",
        "r runbook",
        "w watch",
        "c messages",
        "P PING the server",
    ] {
        assert!(footer.contains(want), "{want} missing: {footer}");
    }
    let s = with_view(&view);
    assert!(
        s.lines().last().unwrap_or_default().contains("a actions"),
        "{s}"
    );
}

/// A wide terminal gets a wide help overlay with the whole descriptions and runbook titles
/// (seen at 200×50: 80 columns, `diag/runbook/dock…`, `Check the application's…`).
#[test]
fn help_uses_the_room_of_a_wide_terminal_200x50() {
    let ui = UiState {
        help: true,
        ..UiState::default()
    };
    let view = ActionsView {
        keys: vec![(
            'H',
            "Check the application's health endpoint: GET {app_health_url}".into(),
        )],
        ..ActionsView::default()
    };
    let s = screen(&fixtures::snapshot_ok(), &ui, &view, 200, 50);
    assert!(
        s.contains("diagnosis / runbook / container / topology"),
        "{s}"
    );
    assert!(
        s.contains("H Check the application's health endpoint"),
        "{s}"
    );
    let top = s
        .lines()
        .find(|l| l.contains("┌ help "))
        .unwrap_or_default();
    let from = top.find("┌ help ").unwrap_or_default();
    let w = top[from..].chars().take_while(|c| *c != '┐').count() + 1;
    assert_eq!(w, 120, "{s}");
    // 80 columns: the short forms, nothing cut.
    let s = screen(&fixtures::snapshot_ok(), &ui, &view, 80, 24);
    assert!(s.contains("diag/runbook/dock/topo"), "{s}");
}

/// The zoomed single-clients table gives the command the room it needs (seen: `client|se…`).
#[test]
fn zoomed_client_rows_show_whole_commands_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.clients.rows = Some(vec![crate::collect::types::ClientInfo {
        id: 7,
        addr: "10.0.3.17:51234".into(),
        name: "web".into(),
        user: "default".into(),
        cmd: "client|setname".into(),
        ..Default::default()
    }]);
    let ui = UiState {
        focus: crate::model::ui_state::PaneId::Clients,
        zoomed: true,
        client_rows: true,
        ..UiState::default()
    };
    let s = screen(&snap, &ui, &ActionsView::default(), 80, 24);
    assert!(s.contains("client|setname"), "{s}");
}
