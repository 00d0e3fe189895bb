//! Screen snapshots (insta) of whole frames on a `TestBackend`, and no-panic sweeps.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::{Theme, draw};
use crate::model::actions::view::ActionsView;
use crate::model::fixtures;
use crate::model::ui_state::{PaneId, UiState};
use crate::model::view::{ConnState, Snapshot};

fn render(snap: &Snapshot, ui: &UiState, theme: Theme, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let view = ActionsView::default();
    terminal.draw(|f| draw(f, snap, ui, &view, &theme)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as plain text, one line per row, trailing spaces kept.
pub(super) fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            if skip == 0 {
                out.push_str(cell.symbol());
            }
            skip = std::cmp::max(skip, ratatui::text::Span::raw(cell.symbol()).width())
                .saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

fn screen(snap: &Snapshot, ui: &UiState, w: u16, h: u16) -> String {
    text(&render(snap, ui, Theme::new(true), w, h))
}

fn ui() -> UiState {
    UiState::default()
}

#[test]
fn ok_80x24() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_ok(), &ui(), 80, 24));
}

#[test]
fn ok_160x48() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_ok(), &ui(), 160, 48));
}

#[test]
fn stale_80x24() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_stale(), &ui(), 80, 24));
}

#[test]
fn stale_160x48() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_stale(), &ui(), 160, 48));
}

#[test]
fn down_80x24() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_down(), &ui(), 80, 24));
}

#[test]
fn down_160x48() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_down(), &ui(), 160, 48));
}

#[test]
fn empty_80x24() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_empty(), &ui(), 80, 24));
}

#[test]
fn empty_160x48() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_empty(), &ui(), 160, 48));
}

#[test]
fn crit_80x24() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_crit(), &ui(), 80, 24));
}

#[test]
fn zoomed_slowlog_80x24() {
    let ui = UiState {
        focus: PaneId::Slowlog,
        zoomed: true,
        ..ui()
    };
    insta::assert_snapshot!(screen(&fixtures::snapshot_ok(), &ui, 80, 24));
}

#[test]
fn zoomed_errors_160x48() {
    let ui = UiState {
        focus: PaneId::Errors,
        zoomed: true,
        ..ui()
    };
    insta::assert_snapshot!(screen(&fixtures::snapshot_ok(), &ui, 160, 48));
}

#[test]
fn help_80x24() {
    let ui = UiState { help: true, ..ui() };
    insta::assert_snapshot!(screen(&fixtures::snapshot_ok(), &ui, 80, 24));
}

#[test]
fn paused_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.header.paused = true;
    let ui = UiState {
        paused: true,
        focus: PaneId::HitRate,
        ..ui()
    };
    let s = screen(&snap, &ui, 80, 24);
    assert!(s.lines().next().expect("a first line").contains("PAUSED"));
    insta::assert_snapshot!(s);
}

#[test]
fn loading_no_maxmemory_80x24() {
    let mut snap = fixtures::snapshot_ok();
    snap.header.connection = ConnState::Loading {
        percent: Some(42.0),
    };
    snap.header.connection_label = snap.header.connection.label();
    snap.memory.max_bytes = Some(0);
    snap.memory.used_percent = None;
    snap.persistence.loading = true;
    snap.persistence.loading_percent = Some(42.0);
    snap.persistence.loading_eta_secs = Some(75);
    snap.persistence.rdb_bgsave_in_progress = Some(true);
    let s = screen(&snap, &ui(), 80, 24);
    for text in [
        "LOADING 42%",
        "no maxmemory set",
        "loading 42.0% eta 1m15s",
        "SAVING",
    ] {
        assert!(s.contains(text), "{text} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn compact_50x16() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_crit(), &ui(), 50, 16));
}

#[test]
fn tiny_20x5() {
    insta::assert_snapshot!(screen(&fixtures::snapshot_down(), &ui(), 20, 5));
}

#[test]
fn no_colour_has_no_colour_and_same_text() {
    let snap = fixtures::snapshot_crit();
    let plain = render(&snap, &ui(), Theme::new(false), 80, 24);
    for cell in &plain.content {
        assert_eq!(cell.fg, Color::Reset, "cell {cell:?}");
        assert_eq!(cell.bg, Color::Reset, "cell {cell:?}");
    }
    let coloured = render(&snap, &ui(), Theme::new(true), 80, 24);
    assert_eq!(text(&plain), text(&coloured));
    insta::assert_snapshot!(text(&plain));
}

#[test]
fn verdicts_are_words_at_80x24() {
    let s = screen(&fixtures::snapshot_crit(), &ui(), 80, 24);
    for word in [
        "CRIT",
        "WARN",
        "OK",
        "WRITES BLOCKED",
        "NOPERM",
        "latency monitor off",
    ] {
        assert!(s.contains(word), "{word} missing:\n{s}");
    }
}

#[test]
fn hostile_strings_stay_escaped() {
    let ui = UiState {
        focus: PaneId::Slowlog,
        zoomed: true,
        ..ui()
    };
    let buf = render(&fixtures::snapshot_ok(), &ui, Theme::new(true), 160, 48);
    assert!(buf.content.iter().all(|c| !c.symbol().contains('\x1b')));
    assert!(text(&buf).contains(r"PWNED\a"));
}

#[test]
fn never_panics_at_small_sizes() {
    let snaps = vec![
        fixtures::snapshot_ok(),
        fixtures::snapshot_stale(),
        fixtures::snapshot_down(),
        fixtures::snapshot_empty(),
        fixtures::snapshot_crit(),
    ];
    let uis = [
        ui(),
        UiState {
            zoomed: true,
            focus: PaneId::Slowlog,
            ..ui()
        },
        UiState {
            help: true,
            paused: true,
            ..ui()
        },
    ];
    let sizes = (1..=30).flat_map(|w| (1..=12).map(move |h| (w, h)));
    for (w, h) in sizes.chain([(20, 5), (59, 17), (60, 18), (80, 24), (0, 0)]) {
        for snap in &snaps {
            for ui in &uis {
                render(snap, ui, Theme::new(true), w, h);
            }
        }
    }
}

/// At the grid's smallest size a row of panes too short for a bottom border keeps its sides:
/// two panes side by side never run together (seen at 60×18).
#[test]
fn short_pane_rows_keep_their_side_borders_60x18() {
    let s = screen(&fixtures::snapshot_ok(), &ui(), 60, 18);
    let lines: Vec<&str> = s.lines().collect();
    let title = (lines.iter())
        .position(|l| l.contains("3 Slowlog"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(lines[title].starts_with('┌'), "{s}");
    for l in &lines[title + 1..title + 3] {
        assert!(l.starts_with('│') && l.contains("││"), "{s}");
    }
}
