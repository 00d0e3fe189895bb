//! The fleet view (`F`, or `redtriage fleet`): one row per Redis instance Prometheus knows,
//! worst first, with memory %, clients %, hit rate, error rate, evictions and health;
//! `enter` attaches the dashboard to the row under the cursor.
//!
//! ```text
//! ┌ Fleet · http://prometheus:9090 ────────────────────────────── 3 instances ┐
//! │ health instance          up     mem%  clients%  hit%  err/s  evict/s why   │
//! │▶CRIT   10.0.0.7:6379     DOWN      -        -      -      -       -  up …  │
//! │ OK     10.0.0.5:6379     UP      12%       1%    93%    0.0     0.0        │
//! └ ↑↓ move  enter attach  esc back  q quit ──────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState};

use super::theme::Theme;
use super::widgets::{self, FOCUS_MARKER, Rows};
use crate::format::{self, opt};
use crate::model::prom::view::{FleetRow, PromView};
use crate::model::ui_state::UiState;
use crate::model::view::{PaneStatus, Verdict};

/// Draws the fleet alone (`redtriage fleet` before attaching), with the help overlay.
pub fn draw_alone(frame: &mut Frame, p: &PromView, ui: &UiState, theme: &Theme) {
    render(frame, frame.area(), p, *theme);
    if ui.help {
        super::help::render(
            frame,
            frame.area(),
            &crate::model::actions::view::ActionsView::default(),
            None,
            *theme,
        );
    }
}

/// Draws the fleet table over `area`.
pub fn render(frame: &mut Frame, area: Rect, p: &PromView, theme: Theme) {
    let Some(fleet) = &p.fleet else {
        return;
    };
    frame.render_widget(Clear, area);
    let count = format!(" {} instances, worst first ", fleet.rows.len());
    let keys = " ↑↓ move  enter attach  esc back  q quit ";
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title_top(Line::from(Span::styled(
            format!(" Fleet · {} ", p.url),
            theme.title(true),
        )))
        .title_top(Line::from(Span::styled(count, theme.label())).right_aligned())
        .title_bottom(Line::from(Span::styled(keys, theme.key())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut rows = Rows::new(inner);
    let warn = theme.verdict(Verdict::Warn);
    let note = match &fleet.status {
        PaneStatus::Error { message } => Some(Span::styled(message.clone(), warn)),
        PaneStatus::Pending => Some(Span::styled("waiting for Prometheus…", theme.label())),
        _ if fleet.rows.is_empty() => Some(Span::styled(
            "Prometheus has no redis_up series: is the redis exporter scraped?",
            warn,
        )),
        _ => None,
    };
    if let Some(span) = note
        && let Some(r) = rows.take(1)
    {
        frame.render_widget(Paragraph::new(Line::from(span)), r);
    }
    table(frame, rows.rest(), fleet, theme);
}

fn cells(r: &FleetRow, cursor: bool, inst_w: u16, theme: Theme) -> Row<'static> {
    let marker = if cursor { FOCUS_MARKER } else { " " };
    let pct = |v: Option<f64>| opt(v, |v| format!("{v:.0}%"));
    Row::new(vec![
        Span::styled(
            format!("{marker}{}", r.health.word()),
            theme.verdict(r.health),
        ),
        // Cut with `…`, never mid-escape by the column (`\xe2\` reads as other bytes).
        Span::raw(format::truncate(&r.instance, usize::from(inst_w))),
        Span::raw(r.up),
        Span::raw(pct(r.memory_percent)),
        Span::raw(pct(r.clients_percent)),
        Span::raw(pct(r.hit_rate_percent)),
        Span::raw(opt(r.errors_per_sec, format::rate)),
        Span::raw(opt(r.evictions_per_sec, format::rate)),
        Span::raw(r.problems.clone()),
    ])
}

fn table(frame: &mut Frame, area: Rect, fleet: &crate::model::prom::view::FleetView, theme: Theme) {
    let selected = fleet
        .cursor
        .as_ref()
        .and_then(|c| fleet.rows.iter().position(|r| &r.instance == c))
        .or(if fleet.rows.is_empty() { None } else { Some(0) });
    // Up to 32 cells, more (to 64) when the row still leaves 40 for `why`.
    let room = widgets::flex_width(area.width, &[8, 0, 9, 5, 8, 5, 7, 7]).saturating_sub(40);
    let inst_w = widgets::content_width(
        fleet.rows.iter().map(|r| r.instance.as_str()),
        8,
        room.clamp(32, 64),
    );
    let fixed = [8, inst_w, 9, 5, 8, 5, 7, 7];
    let why = widgets::flex_width(area.width, &fixed);
    let rows: Vec<Row<'static>> = fleet
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| cells(r, Some(i) == selected, inst_w, theme))
        .collect();
    let mut widths: Vec<Constraint> = fixed.iter().map(|w| Constraint::Length(*w)).collect();
    widths.push(Constraint::Length(why));
    let header = vec![
        " health", "instance", "up", "mem", "clients", "hit", "err/s", "evict/s", "why",
    ];
    let t: Table<'static> =
        widgets::table(header, rows, widths, theme).row_highlight_style(theme.title(true));
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(t, area, &mut state);
}
