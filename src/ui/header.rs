//! The header: connection state and target on the first line, health and rates on the
//! second; below them, when there are any, up to two lines of: the incident log error, the
//! stability watch, the running action, the last error and the notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::{self, Item, verdict_word};
use crate::format;
use crate::model::ui_state::UiState;
use crate::model::view::{ConnState, Header, HealthItem, Verdict};

/// Extra lines below the first two, at most.
const EXTRA_LINES: usize = 2;

/// Rows the header needs at `width`: 2, plus up to 2 for the incident log error, the watch,
/// the running action, the last error and the notices.
pub fn height(h: &Header, width: u16) -> u16 {
    let extra = extra_lines(h, width, Theme::new(false)).len();
    2 + u16::try_from(extra).unwrap_or(0)
}

/// Draws the header in `area` (as many of its lines as fit); `ui.paused` shows the badge.
pub fn render(frame: &mut Frame, area: Rect, h: &Header, ui: &UiState, theme: Theme) {
    let first = identity_fitting(h, ui, area.width, theme);
    let mut lines = vec![first, health_line(h, theme)];
    lines.extend(extra_lines(h, area.width, theme));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Writes refused (MISCONF), the incident log error, the watch and the running action: the
/// loud things, each a badge (also the compact layout's second line).
fn action_items(h: &Header, theme: Theme) -> Vec<Item> {
    let mut items = Vec::new();
    if h.writes_refused {
        items.push(vec![Span::styled(
            " WRITES REFUSED: MISCONF (last BGSAVE failed) ",
            theme.alarm(),
        )]);
    }
    if let Some(e) = &h.log_error {
        items.push(vec![Span::styled(
            format!(" INCIDENT LOG NOT WRITTEN: {e} "),
            theme.alarm(),
        )]);
    }
    if let Some(w) = &h.watch {
        let style = if w.stable {
            theme
                .verdict(Verdict::Ok)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else if w.text.starts_with("UNSTABLE") {
            theme.verdict(Verdict::Crit)
        } else {
            theme.verdict(Verdict::Warn)
        };
        items.push(vec![Span::styled(format!(" {} ", w.text), style)]);
    }
    if let Some((name, secs)) = &h.running_action {
        items.push(vec![
            Span::styled("running ", theme.label()),
            Span::styled(format!("{name} {}", format::age(*secs)), theme.key()),
        ]);
    }
    items
}

/// One line of [`action_items`], or `None` when there is nothing to say.
pub fn actions_line(h: &Header, theme: Theme) -> Option<Line<'static>> {
    let items = action_items(h, theme);
    if items.is_empty() {
        return None;
    }
    let mut spans = Vec::new();
    for item in items {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.extend(item);
    }
    Some(Line::from(spans))
}

/// The lines below the health line: action badges, then the last error and the notices,
/// flowed to `width`, at most [`EXTRA_LINES`].
fn extra_lines(h: &Header, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut items = action_items(h, theme);
    if show_error(h)
        && let Some(e) = &h.last_error
    {
        items.push(vec![Span::styled(
            format!("error: {e}"),
            theme.verdict(Verdict::Crit),
        )]);
    }
    for n in &h.notices {
        items.push(vec![Span::styled(n.clone(), theme.verdict(Verdict::Warn))]);
    }
    let mut lines = widgets::flow(items, width.max(1));
    lines.truncate(EXTRA_LINES);
    lines
}

/// `DOWN (refused) for 12s`.
/// `UNRESPONSIVE (no reply for 3s)` carries its own timer.
pub fn connection_text(h: &Header) -> String {
    if matches!(h.connection, ConnState::Unresponsive { .. }) {
        return h.connection_label.clone();
    }
    format!("{} for {}", h.connection_label, format::age(h.since_secs))
}

/// The first line in `width` columns less the badge's (`ui.header_reserve`): without the role
/// and version, then without the state's timer, when the whole line would run under the
/// badge, so the uptime stays in sight.
pub fn identity_fitting(h: &Header, ui: &UiState, width: u16, theme: Theme) -> Line<'static> {
    let line = identity_line(h, ui.paused, theme);
    let room = usize::from(width.saturating_sub(ui.header_reserve));
    if ui.header_reserve == 0 || line.width() <= room {
        return line;
    }
    let bare = Header {
        role: None,
        server_name: None,
        version: None,
        topology: None,
        ..h.clone()
    };
    let mut line = identity_line(&bare, ui.paused, theme);
    if line.width() > room {
        // Then the state's timer (`UP for 2h05m` → `UP`).
        let long = format!(" {} ", connection_text(h));
        if let Some(s) = line.spans.iter_mut().find(|s| s.content == long) {
            s.content = format!(" {} ", h.connection_label).into();
        }
    }
    line
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
    // What the target is in its group (`replica of 10.0.0.5:6379 · link DOWN 12s`) says more
    // than its role alone; a broken link in the alarm colour.
    let role = match &h.topology {
        Some(t) => {
            let style = if t.contains("DOWN") {
                theme.verdict(Verdict::Crit)
            } else {
                Style::default()
            };
            spans.push(Span::raw("  "));
            spans.push(Span::styled(t.clone(), style));
            None
        }
        None => h.role.as_deref(),
    };
    // `master 7.0.15` on Redis; another server says its name: `master valkey 8.1.1`.
    let name = h.server_name.as_deref().filter(|n| *n != "redis");
    let role_version: Vec<&str> = [role, name, h.version.as_deref()]
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
pub fn health_line(h: &Header, theme: Theme) -> Line<'static> {
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

/// Paints `text` at the top right of the header (replay position, a stopped recording),
/// in the alarm style when `alarm`.
pub fn badge(frame: &mut ratatui::Frame, text: &str, alarm: bool, theme: Theme) {
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    let area = frame.area();
    let text = format!(" {text} ");
    let width = u16::try_from(text.chars().count())
        .unwrap_or(u16::MAX)
        .min(area.width);
    if width == 0 || area.height == 0 {
        return;
    }
    let rect = Rect::new(area.x + area.width - width, area.y, width, 1);
    let style = if alarm { theme.alarm() } else { theme.paused() };
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(Paragraph::new(text).style(style), rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_badge_takes_the_role_and_version_before_the_uptime() {
        let mut h = crate::model::fixtures::snapshot_ok().header;
        h.target = "redis://127.0.0.1:7351".into();
        let theme = Theme::new(false);
        let mut ui = UiState::default();
        let full = text(&identity_fitting(&h, &ui, 80, theme));
        assert!(
            full.contains("master 7.2.4") && full.contains("up 3d"),
            "{full}"
        );
        // The replay's badge, ` REPLAY 1× 00:00:02/00:00:04 `, and one column apart.
        ui.header_reserve = 30;
        let fit = text(&identity_fitting(&h, &ui, 80, theme));
        assert!(!fit.contains("master") && fit.contains("up 3d"), "{fit}");
        assert!(fit.chars().count() <= 50, "{fit}");
        // Wide enough for both: nothing left out.
        let wide = text(&identity_fitting(&h, &ui, 160, theme));
        assert_eq!(wide, full);
    }
}
