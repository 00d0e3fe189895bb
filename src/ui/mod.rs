//! Rendering: one function per pane, drawing a [`crate::model::view::Snapshot`].
//!
//! Pure functions of the snapshot, the UI state and the theme: no I/O, no clock.

mod clients;
mod common;
mod compact;
mod cost;
mod errors;
pub mod format;
mod header;
mod help;
mod hitrate;
mod memory;
mod persistence;
mod slowlog;
pub mod theme;

#[cfg(test)]
mod tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub use theme::Theme;

use crate::model::ui_state::{PaneId, UiState};
use crate::model::view::Snapshot;

/// Smallest terminal that gets the 3×2 grid; smaller ones get the compact summary.
pub const GRID_MIN: (u16, u16) = (60, 18);

/// Draws the whole screen.
///
/// ```text
/// ┌──────────────────────────────────────────────────────────────┐
/// │ [PAUSED] UP for 2h05m  target  role version  up 3d 04:12:09  │ header: 2 lines,
/// │ health: WARN (memory 83.1%)  ops 12k/s  p50 210µs  stale 12s │ 3 with error/notices
/// ├──────────────────────────────┬───────────────────────────────┤
/// │ ▶ 1 Memory             WARN  │ 2 Clients                  OK │
/// ├──────────────────────────────┼───────────────────────────────┤
/// │ 3 Slowlog                    │ 4 Persistence              OK │ 3 rows × 2 columns
/// ├──────────────────────────────┼───────────────────────────────┤
/// │ 5 Hit rate               OK  │ 6 Errors/latency           OK │
/// ├──────────────────────────────┴───────────────────────────────┤
/// │ q quit  ? help  tab focus  enter zoom  p pause  1-6 pane     │ footer: 1 line
/// └──────────────────────────────────────────────────────────────┘
/// ```
///
/// Zoomed: the focused pane takes the whole grid area. Help: an overlay centred on top.
/// Below [`GRID_MIN`]: the connection line, one summary line per pane, the focused pane
/// below them when it fits, the footer when the terminal has 10 rows.
pub fn draw(frame: &mut Frame, snap: &Snapshot, ui: &UiState, theme: &Theme) {
    let theme = *theme;
    let area = frame.area();
    if area.width < GRID_MIN.0 || area.height < GRID_MIN.1 {
        compact::render(frame, area, snap, ui, theme);
    } else {
        let [top, body, bottom] = Layout::vertical([
            Constraint::Length(header::height(&snap.header)),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        header::render(frame, top, &snap.header, ui.paused, theme);
        if ui.zoomed {
            render_pane(frame, body, snap, ui.focus, true, theme);
        } else {
            grid(frame, body, snap, ui.focus, theme);
        }
        frame.render_widget(Paragraph::new(footer_line(ui, theme)), bottom);
    }
    if ui.help {
        help::render(frame, area, snap.cost.as_ref(), theme);
    }
}

fn grid(frame: &mut Frame, area: Rect, snap: &Snapshot, focus: PaneId, theme: Theme) {
    let rows = Layout::vertical([Constraint::Fill(1); 3]).split(area);
    for (r, pair) in rows.iter().zip(PaneId::ALL.chunks(2)) {
        let cols = Layout::horizontal([Constraint::Fill(1); 2]).split(*r);
        for (c, id) in cols.iter().zip(pair) {
            render_pane(frame, *c, snap, *id, *id == focus, theme);
        }
    }
}

/// Draws one pane by id.
fn render_pane(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    id: PaneId,
    focused: bool,
    theme: Theme,
) {
    match id {
        PaneId::Memory => memory::render(frame, area, &snap.memory, focused, theme),
        PaneId::Clients => clients::render(frame, area, &snap.clients, focused, theme),
        PaneId::Slowlog => slowlog::render(frame, area, &snap.slowlog, focused, theme),
        PaneId::Persistence => persistence::render(frame, area, &snap.persistence, focused, theme),
        PaneId::HitRate => hitrate::render(frame, area, &snap.hit_rate, focused, theme),
        PaneId::Errors => errors::render(frame, area, &snap.errors, focused, theme),
    }
}

/// `q quit  ? help  tab focus  enter zoom  p pause  1-6 pane` (`esc unzoom` when zoomed).
fn footer_line(ui: &UiState, theme: Theme) -> Line<'static> {
    let mut keys = vec![
        ("q", "quit"),
        ("?", "help"),
        ("tab", "focus"),
        ("enter", "zoom"),
        ("p", if ui.paused { "resume" } else { "pause" }),
        ("1-6", "pane"),
    ];
    if ui.zoomed || ui.help {
        keys.insert(0, ("esc", if ui.help { "close" } else { "unzoom" }));
    }
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}
