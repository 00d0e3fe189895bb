//! The header: connection state and target on the first line, health and rates on the
//! second, the last error and notices on a third line when there are any.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::common::verdict_word;
use super::format;
use super::theme::Theme;
use crate::model::view::{ConnState, Header, HealthItem, Verdict};

/// Rows the header needs: 2, or 3 when there is an error or a notice to show.
pub fn height(h: &Header) -> u16 {
    if third_line_text(h).is_some() { 3 } else { 2 }
}

/// Draws the header in `area` (as many of its lines as fit); `paused` shows the badge.
pub fn render(frame: &mut Frame, area: Rect, h: &Header, paused: bool, theme: Theme) {
    let mut lines = vec![identity_line(h, paused, theme), health_line(h, theme)];
    if let Some(text) = third_line_text(h) {
        let style = if show_error(h) {
            theme.verdict(Verdict::Crit)
        } else {
            theme.verdict(Verdict::Warn)
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `DOWN (refused) for 12s`.
/// `UNRESPONSIVE (no reply for 3s)` carries its own timer.
pub fn connection_text(h: &Header) -> String {
    if matches!(h.connection, ConnState::Unresponsive { .. }) {
        return h.connection_label.clone();
    }
    format!("{} for {}", h.connection_label, format::age(h.since_secs))
}

/// First line: `[PAUSED] UP for 2h05m  redis://…  master 7.2.4  up 3d 04:12:09`.
pub fn identity_line(h: &Header, paused: bool, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if paused || h.paused {
        spans.push(Span::styled(" PAUSED ", theme.paused()));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(
        format!(" {} ", connection_text(h)),
        theme.verdict(h.connection.verdict()),
    ));
    spans.push(Span::raw(format!(" {}", h.target)));
    let role_version: Vec<&str> = [h.role.as_deref(), h.version.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !role_version.is_empty() {
        spans.push(Span::raw(format!("  {}", role_version.join(" "))));
    }
    if let Some(up) = h.uptime_secs {
        spans.push(Span::styled("  up ", theme.label()));
        spans.push(Span::raw(format::uptime(up)));
    }
    Line::from(spans)
}

/// Second line: `health: WARN (memory 83.1%)  ops 12k/s  p50 210µs  stale 12s  restarts 1`.
fn health_line(h: &Header, theme: Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("health: ", theme.label()),
        verdict_word(h.health.overall, theme),
    ];
    let bad = if h.health.overall == Verdict::Unknown {
        "no fresh data".to_string()
    } else {
        health_problems(&h.health.items)
    };
    if !bad.is_empty() {
        spans.push(Span::raw(format!(" ({bad})")));
    }
    spans.push(Span::styled("  ops ", theme.label()));
    spans.push(Span::raw(format::opt(h.ops_per_sec, format::rate)));
    spans.push(Span::styled("  p50 ", theme.label()));
    spans.push(Span::raw(format::opt(h.latency_p50_us, format::micros)));
    if let Some(s) = h.stale_secs {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("stale {}", format::age(s)),
            theme.verdict(Verdict::Warn),
        ));
    }
    if h.restarts_seen > 0 {
        let ago = format::opt(h.last_restart_ago_secs, |s| {
            format!(", {} ago", format::age(s))
        });
        let ago = if h.last_restart_ago_secs.is_some() {
            ago
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!("  restarts {}{ago}", h.restarts_seen),
            theme.verdict(Verdict::Warn),
        ));
    }
    Line::from(spans)
}

/// The non-OK health items, short: `memory 83.1%, hit_rate 72.0%`.
pub fn health_problems(items: &[HealthItem]) -> String {
    items
        .iter()
        .filter(|i| i.verdict != Verdict::Ok)
        .map(|i| format!("{} {}", i.name, short_value(i)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The leading figure of an item's value (`83.1%` of `83.1% of 100.0 MB`), or the verdict
/// word when the value does not start with a figure.
fn short_value(i: &HealthItem) -> String {
    match i.value.split_whitespace().next() {
        Some(first) if first.starts_with(|c: char| c.is_ascii_digit()) => first.to_string(),
        _ => i.verdict.word().to_string(),
    }
}

fn show_error(h: &Header) -> bool {
    h.connection != ConnState::Up && h.last_error.is_some()
}

fn third_line_text(h: &Header) -> Option<String> {
    let mut parts = Vec::new();
    if show_error(h)
        && let Some(e) = &h.last_error
    {
        parts.push(format!("error: {e}"));
    }
    parts.extend(h.notices.iter().cloned());
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" · "))
    }
}
