//! Pane 6: errors and latency. Errors/s, PING p50/p99/max/last, the error kinds with totals and
//! rates, LATENCY LATEST rows (or the hint to turn the monitor on), a sparkline of PING RTT.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Row};

use super::theme::Theme;
use super::widgets::{self, PaneFrame, PaneOpts, Rows, Scale, Trend, kv, kv_styled};
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::{ErrorsPane, PaneStatus, Verdict};

/// Shown when `latency-monitor-threshold` is 0.
pub const MONITOR_OFF_HINT: &str = "latency monitor off: CONFIG SET latency-monitor-threshold 100";

/// Draws the errors/latency pane in `area`.
pub fn render(frame: &mut Frame, area: Rect, pane: &ErrorsPane, opts: &PaneOpts, theme: Theme) {
    let pf = PaneFrame {
        id: PaneId::Errors,
        status: &pane.status,
        verdict: Some(pane.verdict),
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    let lat = theme.verdict(pane.latency_verdict);
    let figures = vec![
        kv("errors", opt(pane.errors_per_sec, format::rate), theme),
        kv_styled("p50", opt(pane.ping_p50_us, format::micros), lat, theme),
        kv_styled("p99", opt(pane.ping_p99_us, format::micros), lat, theme),
        kv("max", opt(pane.ping_max_us, format::micros), theme),
        kv("last", opt(pane.ping_last_us, format::micros), theme),
    ];
    widgets::draw_flow(frame, &mut rows, figures);
    kinds(frame, &mut rows, pane, theme);
    latency_events(frame, &mut rows, pane, theme);
    let style = lat.remove_modifier(Modifier::REVERSED);
    let t = Trend {
        data: &pane.spark,
        scale: Scale::Window,
        label: "ping",
        fmt: format::micros,
        style,
        marks: opts.marks,
        seam: 0,
    };
    widgets::trend(frame, &mut rows, &t, theme);
}

/// The error kinds: a table when there is room for it and the latency lines, else a flow.
fn kinds(frame: &mut Frame, rows: &mut Rows, pane: &ErrorsPane, theme: Theme) {
    let n = u16::try_from(pane.by_kind.len()).unwrap_or(u16::MAX);
    if n == 0 {
        return;
    }
    let needed = n.saturating_add(1 + extra_rows(pane, rows.rest().width));
    if rows.left() >= needed {
        if let Some(r) = rows.take(n.saturating_add(1)) {
            frame.render_widget(kinds_table(pane, r.width, theme), r);
        }
        return;
    }
    let items = pane.by_kind.iter().map(|k| {
        let total = format!(
            "{} ({})",
            format::count(k.total),
            opt(k.per_sec, format::rate)
        );
        kv(&k.kind, total, theme)
    });
    widgets::draw_flow(frame, rows, items.collect());
}

fn kinds_table(pane: &ErrorsPane, width: u16, theme: Theme) -> ratatui::widgets::Table<'static> {
    let need = widgets::content_width(pane.by_kind.iter().map(|k| k.kind.as_str()), 24, 64);
    let kind_w = widgets::flex_width(width, &[8, 8]).min(need);
    let rows: Vec<Row<'static>> = pane
        .by_kind
        .iter()
        .map(|k| {
            Row::new(vec![
                format::truncate(&k.kind, usize::from(kind_w)),
                format::count(k.total),
                opt(k.per_sec, format::rate),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(kind_w),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    widgets::table(vec!["error", "total", "rate"], rows, widths, theme)
}

/// Rows the latency lines need below the kinds: the hint wraps at narrow widths.
fn extra_rows(pane: &ErrorsPane, width: u16) -> u16 {
    if pane.latency_monitor_threshold_ms == Some(0) {
        u16::try_from(hint_lines(width).len()).unwrap_or(2)
    } else if let PaneStatus::Unavailable { message } = &pane.latency_status {
        widgets::wrapped_rows(&unavailable_text(message), width)
    } else {
        u16::try_from(pane.latency_events.len()).unwrap_or(u16::MAX)
    }
}

/// The monitor-off hint on one line, or split where it reads well for narrow panes.
fn hint_lines(width: u16) -> Vec<&'static str> {
    if usize::from(width) >= format::width(MONITOR_OFF_HINT) {
        vec![MONITOR_OFF_HINT]
    } else {
        vec![
            "latency monitor off: CONFIG SET",
            "latency-monitor-threshold 100",
        ]
    }
}

/// LATENCY LATEST rows, one line each, or the monitor-off hint, or why they are missing.
fn latency_events(frame: &mut Frame, rows: &mut Rows, pane: &ErrorsPane, theme: Theme) {
    let warn = theme.verdict(Verdict::Warn).remove_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    if pane.latency_monitor_threshold_ms == Some(0) {
        for part in hint_lines(rows.rest().width) {
            lines.push(Span::styled(part, warn).into());
        }
    } else if let PaneStatus::Error { message } = &pane.latency_status {
        lines.push(Span::styled(format!("latency latest: {message}"), warn).into());
    } else if let PaneStatus::Unavailable { message } = &pane.latency_status {
        // Said in full, wrapped: which command, and why.
        widgets::wrapped_note(frame, rows, &unavailable_text(message), u16::MAX, theme);
    }
    for e in &pane.latency_events {
        lines.push(ratatui::text::Line::from(vec![
            Span::styled("spike ", theme.label()),
            Span::raw(format!(
                "{} latest {}ms max {}ms",
                e.event, e.latest_ms, e.max_ms
            )),
        ]));
    }
    if lines.is_empty() {
        return;
    }
    let n = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    if let Some(r) = rows.take(n) {
        frame.render_widget(Paragraph::new(lines), r);
    }
}

/// The LATENCY-unavailable line: latency figures then come from PING alone.
fn unavailable_text(message: &str) -> String {
    format!("{message}; latency from PING")
}

/// One-line summary for small terminals: `p99 1.2ms err 1.2/s`.
pub fn summary(pane: &ErrorsPane) -> Vec<Span<'static>> {
    vec![Span::raw(format!(
        "p99 {} err {}",
        opt(pane.ping_p99_us, format::micros),
        opt(pane.errors_per_sec, format::rate)
    ))]
}
