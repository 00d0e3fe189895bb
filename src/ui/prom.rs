//! The Prometheus-fed places of the dashboard: one header line with the two views of the
//! truth (`direct UP / exporter DOWN`), data age and alert count; and the Alerts pane (the
//! exporter's figures, the selector, the backfill, then this instance's alerts).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row};

use super::theme::Theme;
use super::widgets::{self, Rows, kv};
use crate::format::{self, opt};
use crate::model::prom::view::PromView;
use crate::model::view::{PaneStatus, Verdict};

/// Title of the Alerts pane.
pub const ALERTS_TITLE: &str = "Alerts · Prometheus";

fn firing(p: &PromView) -> usize {
    p.alerts.iter().filter(|a| a.state == "firing").count()
}

fn exporter_verdict(p: &PromView) -> Verdict {
    match p.exporter {
        "UP" => Verdict::Ok,
        "DOWN" => Verdict::Crit,
        _ => Verdict::Warn,
    }
}

/// The header line as plain text (also printed by `snapshot` without `--json`).
pub fn status_text(p: &PromView) -> String {
    line(p, Theme::new(false)).to_string()
}

/// `prom: direct UP / exporter DOWN  scrape failed…  data 2s old  1 firing  sel instance="…"`.
pub fn line(p: &PromView, theme: Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("prom: ", theme.label()),
        Span::styled(p.two_views.clone(), theme.verdict(exporter_verdict(p))),
    ];
    if let PaneStatus::Error { message } = &p.status {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(message.clone(), theme.verdict(Verdict::Warn)));
    } else if let Some(e) = p.query_errors.first() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("query {e}"),
            theme.verdict(Verdict::Warn),
        ));
    } else if let Some(r) = &p.exporter_reason {
        spans.push(Span::raw(format!(" ({r})")));
    }
    if let Some(h) = &p.hint {
        spans.push(Span::raw(format!(": {h}")));
    }
    if let Some(age) = p.data_age_secs {
        let style = if age > 60 {
            theme.verdict(Verdict::Warn)
        } else {
            theme.label()
        };
        spans.push(Span::styled(
            format!("  data {} old", format::age(age)),
            style,
        ));
    }
    let n = firing(p);
    if n > 0 {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("{n} alert{} firing", if n == 1 { "" } else { "s" }),
            theme.verdict(Verdict::Crit),
        ));
    }
    spans.push(Span::styled("  sel ", theme.label()));
    spans.push(Span::raw(p.selector.clone()));
    if let Some(how) = p.found_by {
        spans.push(Span::styled(format!(" (by {how})"), theme.label()));
    } else if p.selector_guessed {
        spans.push(Span::styled(" (guessed)", theme.label()));
    }
    Line::from(spans)
}

/// Rows of the Alerts strip below the grid on a tall terminal; 0 when the grid needs them.
pub fn strip_height(p: &PromView, total_height: u16) -> u16 {
    if total_height < 40 {
        return 0;
    }
    let alerts = u16::try_from(p.alerts.len().max(1)).unwrap_or(u16::MAX);
    alerts.saturating_add(5).min(10)
}

/// Draws the Alerts pane in `area`.
pub fn render_alerts(frame: &mut Frame, area: Rect, p: &PromView, theme: Theme) {
    let n = firing(p);
    let right = if n > 0 {
        Span::styled(format!(" {n} FIRING "), theme.verdict(Verdict::Crit))
    } else {
        Span::raw("")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(false))
        .title_top(Line::from(Span::styled(
            format!(" {ALERTS_TITLE} "),
            theme.title(false),
        )))
        .title_top(Line::from(right).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut rows = Rows::new(inner);
    widgets::draw_lines(frame, &mut rows, figures_lines(p, inner.width, theme));
    alert_table(frame, &mut rows, p, theme);
}

/// The exporter's figures, or why they are missing; query errors and the backfill.
fn figures_lines(p: &PromView, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let warn = theme.verdict(Verdict::Warn);
    let mut lines = Vec::new();
    match (&p.status, &p.figures) {
        (PaneStatus::Error { message }, _) => {
            lines.push(Line::from(Span::styled(message.clone(), warn)));
        }
        (PaneStatus::Pending, _) => lines.push(Line::from(Span::styled(
            format!("waiting for Prometheus at {}…", p.url),
            theme.label(),
        ))),
        (_, None) => lines.push(Line::from(Span::styled(
            format!("no series match {} (--prom-selector)", p.selector),
            warn,
        ))),
        (_, Some(f)) => {
            let pct = |v: Option<f64>| opt(v, format::pct);
            let mem = match (f.memory_percent, f.memory_max_bytes) {
                (None, Some(0.0)) => "no max".to_string(),
                (v, _) => pct(v),
            };
            let items = vec![
                kv("exporter: hit 5m", pct(f.hit_rate_percent), theme),
                kv("mem", mem, theme),
                kv("clients", pct(f.clients_percent), theme),
                kv("evict", opt(f.evictions_per_sec, format::rate), theme),
                kv("cmds", opt(f.commands_per_sec, format::rate), theme),
                kv("errors", opt(f.errors_per_sec(), format::rate), theme),
            ];
            lines.extend(widgets::flow(items, width));
        }
    }
    if p.matched.len() > 1 {
        let msg = format!(
            "selector matches {} instances ({}); narrow it with --prom-selector",
            p.matched.len(),
            p.matched.join(", ")
        );
        lines.push(Line::from(Span::styled(msg, warn)));
    }
    for e in &p.query_errors {
        lines.push(Line::from(Span::styled(format!("query {e}"), warn)));
    }
    lines.push(Line::from(vec![
        Span::styled("history ", theme.label()),
        Span::raw(p.backfill.clone()),
    ]));
    lines
}

fn alert_table(frame: &mut Frame, rows: &mut Rows, p: &PromView, theme: Theme) {
    let warn = theme.verdict(Verdict::Warn);
    let msg = match &p.alerts_status {
        PaneStatus::Error { message } => Some(Span::styled(format!("alerts: {message}"), warn)),
        PaneStatus::Pending => Some(Span::styled("alerts: waiting…", theme.label())),
        _ if p.alerts.is_empty() => Some(Span::styled(
            "no alerts firing or pending for this instance",
            theme.label(),
        )),
        _ => None,
    };
    if let Some(span) = msg {
        widgets::draw_lines(frame, rows, vec![Line::from(span)]);
        if p.alerts.is_empty() {
            return;
        }
    }
    let n = u16::try_from(p.alerts.len())
        .unwrap_or(u16::MAX)
        .saturating_add(1);
    let Some(area) = rows.take(n) else {
        return;
    };
    // As wide as the longest alert name (`RedisNotEnoughConnections`), up to a third.
    let name_w = widgets::content_width(p.alerts.iter().map(|a| a.name.as_str()), 18, 40)
        .min((area.width / 3).max(18));
    let rest = widgets::flex_width(area.width, &[7, 8, name_w]);
    let body: Vec<Row<'static>> = p
        .alerts
        .iter()
        .map(|a| {
            let v = if a.state == "firing" {
                Verdict::Crit
            } else {
                Verdict::Warn
            };
            let detail = [a.summary.as_str(), a.labels.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("  ");
            Row::new(vec![
                Span::styled(a.state.to_uppercase(), theme.verdict(v)),
                Span::raw(opt(a.age_secs, format::age)),
                Span::raw(format::truncate(&a.name, usize::from(name_w))),
                Span::raw(format::truncate(&detail, usize::from(rest))),
            ])
        })
        .collect();
    let widths = vec![
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(name_w),
        Constraint::Length(rest),
    ];
    let table = widgets::table(
        vec!["state", "for", "alert", "summary / labels"],
        body,
        widths,
        theme,
    );
    frame.render_widget(table, area);
}

/// A one-line Paragraph of the header line.
pub fn render_line(frame: &mut Frame, area: Rect, p: &PromView, theme: Theme) {
    frame.render_widget(Paragraph::new(line(p, theme)), area);
}
