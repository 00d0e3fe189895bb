//! Rendering: one function per pane, drawing a [`crate::model::view::Snapshot`].
//!
//! Pure functions of the snapshot, the UI state and the theme: no I/O, no clock.

pub mod actions;
mod clients;
mod cluster;
pub mod comms;
mod compact;
mod container;
mod cost;
mod diagnosis;
mod dialog;
mod errors;
pub mod fleet;
mod guide;
mod header;
mod help;
mod hitrate;
mod memory;
mod persistence;
pub mod prom;
mod slowlog;
pub mod theme;
mod topology;
mod widgets;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_actions;
#[cfg(test)]
mod tests_container;
#[cfg(test)]
mod tests_dashboard;
#[cfg(test)]
mod tests_diagnosis;
#[cfg(test)]
mod tests_topology;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub use header::badge;
pub use help::{ACTION_KEYS, KEYS};
pub use theme::Theme;

use crate::model::actions::Panel;
use crate::model::actions::view::ActionsView;
use crate::model::ui_state::{Body, PaneId, UiState};
use crate::model::view::Snapshot;
use widgets::PaneOpts;

/// Smallest terminal that gets the 3×2 grid; smaller ones get the compact summary.
pub const GRID_MIN: (u16, u16) = (60, 18);

/// Draws the whole screen.
///
/// ```text
/// ┌──────────────────────────────────────────────────────────────┐
/// │ [PAUSED] UP for 2h05m  target  role version  up 3d 04:12:09  │ header: 2 lines,
/// │ health: WARN (memory 83.1%)  ops 12k/s  p50 210µs  stale 12s │ up to 4 with the watch,
/// │ UNSTABLE: hit_rate 62% …  running bgsave 3s  error: …         │ action, errors, notices
/// ├──────────────────────────────┬───────────────────────────────┤
/// │ ▶ 1 Memory             WARN  │ 2 Clients                  OK │
/// ├──────────────────────────────┼───────────────────────────────┤
/// │ 3 Slowlog                    │ 4 Persistence              OK │ 3 rows × 2 columns
/// ├──────────────────────────────┼───────────────────────────────┤
/// │ 5 Hit rate               OK  │ 6 Errors/latency           OK │
/// ├──────────────────────────────┴───────────────────────────────┤
/// │ q quit  ? help  tab focus  enter zoom  p pause  a actions    │ footer: 1 line
/// └──────────────────────────────────────────────────────────────┘
/// ```
///
/// Zoomed: the focused pane takes the whole grid area. Below [`GRID_MIN`]: the connection
/// line, one summary line per pane, the focused pane below them when it fits, the footer when
/// the terminal has 10 rows. Then, on top: the action panel (output or timeline) over the
/// bottom third, the palette or a dialog (see [`actions::render`]), and the help overlay.
pub fn draw(frame: &mut Frame, snap: &Snapshot, ui: &UiState, view: &ActionsView, theme: &Theme) {
    let theme = *theme;
    let area = frame.area();
    let prom = snap.prometheus.as_ref();
    if let Some(p) = prom
        && p.fleet.is_some()
    {
        fleet::render(frame, area, p, theme);
    } else if area.width < GRID_MIN.0 || area.height < GRID_MIN.1 {
        compact::render(frame, area, snap, ui, view, theme);
    } else {
        let opts = PaneOpts {
            focused: true,
            zoomed: ui.zoomed,
            marks: &snap.marks_ago,
            kill_key: kill_key(view),
        };
        dashboard(frame, area, snap, ui, view, &opts, theme);
    }
    actions::render(frame, view, theme);
    if ui.help {
        help::render(frame, area, view, snap.cost.as_ref(), theme);
    }
}

/// The dashboard: header, (with Prometheus: its line under the header and the Alerts strip
/// under the grid on tall terminals, `A` zooms it), the grid or the zoomed pane, the footer.
fn dashboard(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    ui: &UiState,
    view: &ActionsView,
    opts: &PaneOpts,
    theme: Theme,
) {
    let prom = snap.prometheus.as_ref();
    let strip_h = prom.map_or(0, |p| prom::strip_height(p, area.height));
    let cont = snap.container.as_ref();
    let [top, diag, cline, line, body, strip, bottom] = Layout::vertical([
        Constraint::Length(header::height(&snap.header, area.width)),
        Constraint::Length(1),
        Constraint::Length(container::line_height(cont)),
        Constraint::Length(u16::from(prom.is_some())),
        Constraint::Fill(1),
        Constraint::Length(strip_h),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, top, &snap.header, ui, theme);
    diagnosis::render_line(frame, diag, &snap.diagnosis, theme);
    if let Some(c) = cont {
        container::render_line(frame, cline, c, theme);
    }
    let alerts_zoomed = prom.is_some_and(|p| p.alerts_zoomed);
    if let Some(p) = prom {
        prom::render_line(frame, line, p, theme);
        if alerts_zoomed {
            prom::render_alerts(frame, body, p, theme);
        } else if strip.height > 0 {
            prom::render_alerts(frame, strip, p, theme);
        }
    }
    let runbook = view.guide.as_ref().filter(|_| ui.body == Body::Runbook);
    if alerts_zoomed {
        // The alerts have the body.
    } else if ui.body == Body::Diagnosis {
        let sug = view.suggested.as_ref();
        diagnosis::render_pane(frame, body, &snap.diagnosis, ui.diag_sel, sug, theme);
    } else if ui.body == Body::Container {
        container::render_pane(frame, body, cont, theme);
    } else if ui.body == Body::Topology {
        topology::render_pane(frame, body, &snap.topology, theme);
    } else if let Some(g) = runbook {
        guide::render(frame, body, g, ui.guide_scroll, theme);
    } else if ui.zoomed {
        render_pane(frame, body, snap, ui.focus, opts, theme);
    } else {
        grid(frame, body, snap, ui.focus, opts, theme);
    }
    let mut footer = footer_line(ui, view, bottom.width, theme);
    if prom.is_some() {
        for (k, what) in [("F", "fleet"), ("A", "alerts")] {
            footer.push_span(Span::raw("  "));
            footer.push_span(Span::styled(k, theme.key()));
            footer.push_span(Span::raw(format!(" {what}")));
        }
    }
    frame.render_widget(Paragraph::new(footer), bottom);
}

/// The runbook key whose action kills clients (for the zoomed clients pane's hint).
fn kill_key(view: &ActionsView) -> Option<char> {
    view.keys
        .iter()
        .find(|(_, title)| title.to_lowercase().contains("kill"))
        .map(|(k, _)| *k)
}

fn grid(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    focus: PaneId,
    opts: &PaneOpts,
    theme: Theme,
) {
    let rows = Layout::vertical([Constraint::Fill(1); 3]).split(area);
    for (r, pair) in rows.iter().zip(PaneId::ALL.chunks(2)) {
        let cols = Layout::horizontal([Constraint::Fill(1); 2]).split(*r);
        for (c, id) in cols.iter().zip(pair) {
            let opts = PaneOpts {
                focused: *id == focus,
                ..*opts
            };
            render_pane(frame, *c, snap, *id, &opts, theme);
        }
    }
}

/// Draws one pane by id.
fn render_pane(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    id: PaneId,
    opts: &PaneOpts,
    theme: Theme,
) {
    match id {
        PaneId::Memory => memory::render(frame, area, &snap.memory, opts, theme),
        PaneId::Clients => clients::render(frame, area, &snap.clients, opts, theme),
        PaneId::Slowlog => slowlog::render(frame, area, &snap.slowlog, opts, theme),
        PaneId::Persistence => persistence::render(frame, area, &snap.persistence, opts, theme),
        PaneId::HitRate => hitrate::render(frame, area, &snap.hit_rate, opts, theme),
        PaneId::Errors => errors::render(frame, area, &snap.errors, opts, theme),
    }
}

/// `q quit  ? help  tab focus  enter zoom  p pause  1-6 pane  a actions  d diagnosis  r runbook
/// w watch  c messages  o output  t timeline`
/// then the runbook's direct keys, as many as fit in `width` (the least needed go first);
/// `esc close`/`esc unzoom` in front when there is something to close, `x cancel` while an
/// action runs.
fn footer_line(ui: &UiState, view: &ActionsView, width: u16, theme: Theme) -> Line<'static> {
    // (key, what, priority: lower stays longer)
    let mut keys: Vec<(String, String, u8)> = Vec::new();
    let esc = if ui.help {
        Some("close")
    } else if view.panel != Panel::None {
        Some("close panel")
    } else if ui.zoomed {
        Some("unzoom")
    } else {
        None
    };
    if let Some(what) = esc {
        keys.push(("esc".into(), what.into(), 0));
    }
    if view.running.is_some() {
        keys.push(("x".into(), "cancel".into(), 0));
    }
    let pause = if ui.paused { "resume" } else { "pause" };
    for (k, what, prio) in [
        ("q", "quit", 0),
        ("?", "help", 0),
        ("tab", "focus", 2),
        ("enter", "zoom", 2),
        ("p", pause, 1),
        ("1-6", "pane", 3),
        ("a", "actions", 1),
        ("d", "diagnosis", 1),
        ("r", "runbook", 2),
        ("w", "watch", 3),
        ("c", "messages", 3),
        ("o", "output", 4),
        ("t", "timeline", 4),
    ] {
        keys.push((k.into(), what.into(), prio));
    }
    for (k, title) in &view.keys {
        keys.push((k.to_string(), actions::short_title(title), 5));
    }
    let keep = fit(&keys, usize::from(width));
    let mut spans = Vec::new();
    for ((k, what, _), _) in keys.into_iter().zip(keep).filter(|(_, keep)| *keep) {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

/// Which footer entries fit in `width`, taken by priority then in order.
fn fit(keys: &[(String, String, u8)], width: usize) -> Vec<bool> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|i| keys[*i].2);
    let mut keep = vec![false; keys.len()];
    let mut used = 0;
    for i in order {
        let (k, what, _) = &keys[i];
        let w =
            crate::format::width(k) + 1 + crate::format::width(what) + if used > 0 { 2 } else { 0 };
        if used + w <= width {
            keep[i] = true;
            used += w;
        }
    }
    keep
}
