//! Screen snapshots of the action overlays (palette, dialogs, output and timeline panel) with
//! hand-built views, and a no-panic sweep of every overlay at small sizes.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::tests::text;
use super::tests_dashboard::{watch, zoomed_clients};
use super::{Theme, draw};
use crate::model::actions::Panel;
use crate::model::actions::view::{ActionsView, ConfirmView, DialogView, PaletteRow, PaletteView};
use crate::model::fixtures;
use crate::model::ui_state::UiState;
use crate::model::view::Snapshot;

pub(super) fn render(snap: &Snapshot, ui: &UiState, view: &ActionsView, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::new(true);
    terminal.draw(|f| draw(f, snap, ui, view, &theme)).unwrap();
    terminal.backend().buffer().clone()
}

pub(super) fn screen(snap: &Snapshot, ui: &UiState, view: &ActionsView, w: u16, h: u16) -> String {
    text(&render(snap, ui, view, w, h))
}

pub(super) fn with_view(view: &ActionsView) -> String {
    screen(&fixtures::snapshot_ok(), &UiState::default(), view, 80, 24)
}

pub(super) fn keys() -> Vec<(char, String)> {
    [
        ('P', "PING the server"),
        ('V', "Validation probe: SET/GET/DEL of a temporary key"),
        ('S', "BGSAVE: write an RDB snapshot now"),
        ('M', "Raise (or lower) maxmemory"),
        ('K', "Kill the selected client or client group"),
    ]
    .into_iter()
    .map(|(k, t)| (k, t.to_string()))
    .collect()
}

fn row(key: Option<char>, name: &str, title: &str, section: &str, why: Option<&str>) -> PaletteRow {
    PaletteRow {
        key,
        name: name.into(),
        title: title.into(),
        section: Some(section.into()),
        unavailable: why.map(Into::into),
    }
}

fn palette_rows() -> Vec<PaletteRow> {
    vec![
        row(Some('P'), "ping", "PING the server", "immediate", None),
        row(
            Some('S'),
            "bgsave",
            "BGSAVE: write an RDB snapshot now",
            "resolution",
            None,
        ),
        row(
            Some('R'),
            "bgrewriteaof",
            "BGREWRITEAOF: rewrite the AOF",
            "resolution",
            Some("AOF is off"),
        ),
        row(
            Some('K'),
            "client-kill",
            "Kill the selected client or client group",
            "resolution",
            Some("select a client or group in the clients pane"),
        ),
        row(
            None,
            "restart-systemd",
            "Restart Redis: systemctl restart redis-server",
            "immediate",
            None,
        ),
        row(
            None,
            "slowlog-reset",
            "SLOWLOG RESET",
            "post-incident",
            None,
        ),
    ]
}

fn confirm(destructive: bool, typed: &str, stage: u8) -> ActionsView {
    let c = ConfirmView {
        title: "Restart Redis: systemctl restart redis-server".into(),
        commands: vec!["systemctl restart redis-server".into()],
        target: "redis://10.0.0.5:6379".into(),
        role: "master".into(),
        changes: vec!["uptime: 3d 04:12:09 → 0 (every client reconnects)".into()],
        blockers: vec!["a BGSAVE is running (latest_fork_usec 1840)".into()],
        values: Vec::new(),
        type_target: destructive && stage == 1,
        typed: typed.into(),
        stage,
    };
    ActionsView {
        dialog: Some(DialogView::Confirm(c)),
        keys: keys(),
        ..ActionsView::default()
    }
}

#[test]
fn palette_80x24() {
    let view = ActionsView {
        palette: Some(PaletteView {
            filter: "e".into(),
            rows: palette_rows(),
            cursor: 1,
        }),
        keys: keys(),
        ..ActionsView::default()
    };
    let s = with_view(&view);
    assert!(s.contains("> e▏"), "{s}");
    assert!(s.contains("— select a client"), "{s}");
    assert!(s.contains("[S] bgsave"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_plain_80x24() {
    let c = ConfirmView {
        title: "BGSAVE: write an RDB snapshot now".into(),
        commands: vec!["BGSAVE".into()],
        target: "redis://10.0.0.5:6379".into(),
        role: "master".into(),
        changes: vec!["rdb_last_save_time: 250s ago → now".into()],
        blockers: vec![],
        values: Vec::new(),
        type_target: false,
        typed: String::new(),
        stage: 1,
    };
    let view = ActionsView {
        dialog: Some(DialogView::Confirm(c)),
        ..ActionsView::default()
    };
    let s = with_view(&view);
    assert!(s.contains("(default: No)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_destructive_typing_80x24() {
    let s = with_view(&confirm(true, "redis://10.0", 1));
    assert!(
        s.contains("type the target to confirm: redis://10.0▏"),
        "{s}"
    );
    assert!(s.contains("Enter = run if it matches, Esc = cancel"), "{s}");
    assert!(s.contains("target: redis://10.0.0.5:6379 (master)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn confirm_stage2_80x24() {
    let s = with_view(&confirm(true, "", 2));
    assert!(
        s.contains("SECOND CONFIRMATION — y = run, any other key = cancel"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn input_with_error_80x24() {
    let view = ActionsView {
        dialog: Some(DialogView::Input {
            title: "Raise (or lower) maxmemory".into(),
            prompt: "new maxmemory (like redis.conf: 2gb, 512mb; now 100mb)".into(),
            text: "64gb".into(),
            error: Some("64gb is above this machine's RAM (31.3 GB)".into()),
        }),
        ..ActionsView::default()
    };
    insta::assert_snapshot!(with_view(&view));
}

#[test]
fn choose_80x24() {
    let options = [
        "noeviction",
        "allkeys-lru",
        "allkeys-lfu",
        "volatile-lru",
        "volatile-ttl",
    ];
    let view = ActionsView {
        dialog: Some(DialogView::Choose {
            title: "Change the eviction policy (maxmemory-policy)".into(),
            options: options.iter().map(ToString::to_string).collect(),
            cursor: 1,
        }),
        ..ActionsView::default()
    };
    insta::assert_snapshot!(with_view(&view));
}

#[test]
fn message_80x24() {
    let view = ActionsView {
        dialog: Some(DialogView::Message {
            title: "client-kill".into(),
            text: "nothing selected: zoom the clients pane (2, enter) and pick a row with j/k"
                .into(),
        }),
        ..ActionsView::default()
    };
    let s = with_view(&view);
    assert!(s.contains("any key closes"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn output_panel_80x24() {
    let output: Vec<String> = (1..=12)
        .map(|i| {
            format!(
                "[offset {i}] AOF analyzed: filename=appendonly.aof.1.incr.aof, size={}",
                i * 4096
            )
        })
        .chain([r"hostile: \x1b]0;PWNED\x07 stays escaped".to_string()])
        .collect();
    let view = ActionsView {
        panel: Panel::Output,
        output,
        running: Some(("check-aof".into(), 12)),
        keys: keys(),
        ..ActionsView::default()
    };
    let s = with_view(&view);
    assert!(s.contains("Output: check-aof (running 12s)"), "{s}");
    assert!(s.contains("PgUp/PgDn"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn timeline_panel_80x24() {
    let timeline = vec![
        (900, "UP → DOWN (refused)".to_string()),
        (870, "DOWN → UP".to_string()),
        (600, "health WARN → CRIT (memory 97.0%)".to_string()),
        (
            312,
            "ops: maxmemory 100mb → 2gb by alice: exit 0 in 0.0s".to_string(),
        ),
        (300, "watch started (5m00s)".to_string()),
        (12, "health CRIT → OK".to_string()),
    ];
    let view = ActionsView {
        panel: Panel::Timeline,
        timeline,
        ..ActionsView::default()
    };
    let s = with_view(&view);
    assert!(s.contains("12s ago  health CRIT → OK"), "{s}");
    insta::assert_snapshot!(s);
}

/// Every overlay at every small size, and hostile bytes in runbook strings.
#[test]
fn overlays_never_panic_nor_leak_escapes() {
    let mut palette = palette_rows();
    palette[0].title = "evil\x1b]0;PWNED\x07".into();
    let views = [
        ActionsView {
            palette: Some(PaletteView {
                filter: "\x1b[2J".into(),
                rows: palette,
                cursor: 99,
            }),
            ..ActionsView::default()
        },
        confirm(true, "redis://10.0.0.5:6379", 1),
        confirm(false, "", 1),
        confirm(true, "", 2),
        ActionsView {
            panel: Panel::Output,
            output: vec!["x".repeat(500); 40],
            output_scroll: 7,
            ..ActionsView::default()
        },
        ActionsView {
            panel: Panel::Timeline,
            timeline: vec![(1, "t".into()); 40],
            dialog: Some(DialogView::Message {
                title: "m".into(),
                text: "y\n".repeat(60),
            }),
            ..ActionsView::default()
        },
    ];
    let mut snap = fixtures::snapshot_ok();
    snap.marks_ago = vec![0, 1, 500, usize::MAX];
    snap.header.watch = Some(watch(true, "STABLE for 5m00s ✓"));
    let uis = [
        UiState::default(),
        zoomed_clients(),
        UiState {
            help: true,
            ..UiState::default()
        },
    ];
    let sizes = (1..=30).flat_map(|w| (1..=12).map(move |h| (w, h)));
    for (w, h) in sizes.chain([(59, 17), (60, 18), (80, 24), (0, 0)]) {
        for view in &views {
            for ui in &uis {
                let buf = render(&snap, ui, view, w, h);
                assert!(buf.content.iter().all(|c| !c.symbol().contains('\x1b')));
            }
        }
    }
}

/// A palette longer than the screen keeps the status line and the footer visible and
/// scrolls to the cursor.
#[test]
fn long_palette_scrolls_to_cursor() {
    let rows: Vec<PaletteRow> = (0..30)
        .map(|i| {
            row(
                None,
                &format!("action-{i:02}"),
                "Something",
                "resolution",
                None,
            )
        })
        .collect();
    let view = ActionsView {
        palette: Some(PaletteView {
            filter: String::new(),
            rows,
            cursor: 25,
        }),
        ..ActionsView::default()
    };
    let s = with_view(&view);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("UP for"), "{s}");
    assert!(lines[23].contains("q quit"), "{s}");
    assert!(s.contains("action-25") && !s.contains("action-05"), "{s}");
    assert!(s.contains("26/30"), "{s}");
}

/// Without colour the overlays carry no colour at all (words, reverse and bold only).
#[test]
fn overlays_without_colour() {
    let mut view = confirm(true, "redis://x", 1);
    view.panel = Panel::Output;
    view.output = vec!["line".into()];
    view.palette = Some(PaletteView {
        filter: String::new(),
        rows: palette_rows(),
        cursor: 3,
    });
    let mut snap = fixtures::snapshot_ok();
    snap.marks_ago = vec![2];
    snap.header.watch = Some(watch(false, "UNSTABLE: x"));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let theme = Theme::new(false);
    terminal
        .draw(|f| draw(f, &snap, &zoomed_clients(), &view, &theme))
        .unwrap();
    for cell in &terminal.backend().buffer().content {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "cell {cell:?}");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "cell {cell:?}");
    }
}

/// A kill of many clients is taller than the screen: it scrolls, saying what is above and
/// below, and its prompt stays pinned (seen: cut, no way to see the rest).
#[test]
fn a_tall_confirmation_scrolls_80x24() {
    let kill = |scroll: usize| {
        let c = ConfirmView {
            title: "Kill the selected client or client group".into(),
            commands: (1..=40).map(|i| format!("CLIENT KILL ID {i}")).collect(),
            target: "redis://10.0.0.5:6379".into(),
            role: "master".into(),
            changes: (1..=40)
                .map(|i| format!("kill client id={i} addr=10.0.0.9:{} name=pool", 4000 + i))
                .collect(),
            blockers: vec![],
            values: Vec::new(),
            type_target: true,
            typed: String::new(),
            stage: 1,
        };
        ActionsView {
            dialog: Some(DialogView::Confirm(c)),
            dialog_scroll: scroll,
            ..ActionsView::default()
        }
    };
    let s = with_view(&kill(0));
    assert!(s.contains("CLIENT KILL ID 1 "), "{s}");
    assert!(s.contains("more (PgDn/↓)"), "{s}");
    assert!(!s.contains("above (PgUp/↑)"), "{s}");
    assert!(s.contains("type the target to confirm"), "{s}");
    let s = with_view(&kill(30));
    assert!(s.contains("↑ 30 lines above (PgUp/↑)"), "{s}");
    assert!(s.contains("CLIENT KILL ID 31 "), "{s}");
    assert!(s.contains("type the target to confirm"), "{s}");
    // Past the end: the last page, its last line shown.
    let s = with_view(&kill(10_000));
    assert!(s.contains("name=pool"), "{s}");
    assert!(s.contains("kill client id=40 "), "{s}");
    assert!(!s.contains("more (PgDn/↓)"), "{s}");
}
