//! The container behind the Redis (Docker): one summary line under the diagnosis line when a
//! container was found, and the Container pane (`C`) with its state, memory against the
//! limit, the cross-checks, recent events and the log tail (scrolled with j/k).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::docker::types::{ContainerInfo, RunState};
use crate::format;
use crate::model::docker::{ContainerStatus, ContainerView, state_words};
use crate::model::view::Verdict;

fn state_style(i: &ContainerInfo, theme: Theme) -> Style {
    match i.state {
        RunState::Running if i.health.as_deref() == Some("unhealthy") => {
            theme.verdict(Verdict::Warn)
        }
        RunState::Running => theme.verdict(Verdict::Ok),
        RunState::Restarting | RunState::Paused | RunState::Created => theme.verdict(Verdict::Warn),
        _ => theme.verdict(Verdict::Crit),
    }
}

/// `mem 12 MB / 32 MB`, `mem 12 MB (no limit)`, `mem —`.
fn mem_words(i: &ContainerInfo) -> String {
    match (i.mem_usage, i.mem_limit) {
        (Some(u), Some(l)) => format!("mem {} / {}", format::bytes(u), format::bytes(l)),
        (Some(u), None) => format!("mem {} (no limit)", format::bytes(u)),
        (None, Some(l)) => format!("mem — / {}", format::bytes(l)),
        (None, None) => "mem —".into(),
    }
}

fn cpu_words(i: &ContainerInfo) -> String {
    i.cpu_percent
        .map_or("cpu —".into(), |c| format!("cpu {c:.0}%"))
}

/// Rows the summary line takes: 1 when a container was found, else 0.
pub fn line_height(v: Option<&ContainerView>) -> u16 {
    u16::from(v.is_some_and(|v| v.info.is_some()))
}

/// `container redis-1 running healthy · restarts 0 · mem 12 MB / 32 MB · cpu 1%  C details`.
pub fn render_line(frame: &mut Frame, area: Rect, v: &ContainerView, theme: Theme) {
    let Some(i) = &v.info else {
        return;
    };
    let mut spans = vec![
        Span::styled("container ", theme.label()),
        Span::raw(format!("{} ", i.name)),
        Span::styled(state_words(i), state_style(i, theme)),
        Span::raw(format!(
            " · restarts {} · {} · {}",
            i.restart_count,
            mem_words(i),
            cpu_words(i)
        )),
    ];
    if let Some(c) = v.checks.first() {
        spans.push(Span::styled(
            format!(" · {}", c.text),
            theme.verdict(Verdict::Warn),
        ));
    }
    let hint = "  C details";
    let width = usize::from(area.width).saturating_sub(format::width(hint));
    let mut line = super::diagnosis::fit_spans(spans, width);
    line.push_span(Span::styled("  C", theme.key()));
    line.push_span(Span::raw(" details"));
    frame.render_widget(Paragraph::new(line), area);
}

/// The figures of the pane, one line each.
fn figure_lines(v: &ContainerView, i: &ContainerInfo, theme: Theme) -> Vec<Line<'static>> {
    let label = |s: &str| Span::styled(format!("{s:<10}"), theme.label());
    let started = i.started_at.clone().unwrap_or_else(|| "—".into());
    let uptime = v.redis_uptime_secs.map_or("Redis uptime —".into(), |u| {
        format!("Redis up {}", format::age(u))
    });
    let mut lines = vec![
        Line::from(vec![
            label("state"),
            Span::styled(state_words(i), state_style(i, theme)),
            Span::raw(format!(
                "  OOMKilled: {}  restarts {} ({} in 5 min)",
                i.oom_killed, i.restart_count, v.restarts_last_5m
            )),
        ]),
        Line::from(vec![
            label("started"),
            Span::raw(format!("{started}  ({uptime})")),
        ]),
        Line::from(vec![
            label("memory"),
            Span::raw(format!("{}  {}", mem_words(i), cpu_words(i))),
        ]),
        Line::from(vec![label("image"), Span::raw(i.image.clone())]),
    ];
    if let Some(f) = &i.finished_at {
        lines.insert(2, Line::from(vec![label("finished"), Span::raw(f.clone())]));
    }
    if let Some(h) = &i.health {
        let streak = i.failing_streak.unwrap_or(0);
        lines.push(Line::from(vec![
            label("health"),
            Span::raw(format!("{h} (failing streak {streak})")),
        ]));
    }
    if let Some(svc) = &i.compose_service {
        let project = i.compose_project.as_deref().unwrap_or("?");
        lines.push(Line::from(vec![
            label("compose"),
            Span::raw(format!("service {svc}, project {project}")),
        ]));
    }
    for c in &v.checks {
        lines.push(Line::from(Span::styled(
            format!("⚠ {}", c.text),
            theme.verdict(Verdict::Warn),
        )));
    }
    lines
}

/// The pane: why it is empty, or the container's figures, events and log tail.
pub fn render_pane(frame: &mut Frame, area: Rect, v: Option<&ContainerView>, theme: Theme) {
    let title = v
        .and_then(ContainerView::name)
        .map_or(" Container ".into(), |n| {
            format!(" Container {} ", format::truncate(n, 40))
        });
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title(true)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let why = match v.map(|v| &v.status) {
        None => Some("Docker is not watched: the target is not on this host (use --container or --compose-service)".to_string()),
        Some(ContainerStatus::Pending) => Some("asking the Docker engine…".into()),
        Some(ContainerStatus::Unavailable { reason }) => Some(format!("Docker unavailable: {reason}")),
        Some(ContainerStatus::NotFound { reason }) => Some(format!("no container: {reason}")),
        Some(ContainerStatus::Found) => None,
    };
    let (Some(v), Some(i), None) = (v, v.and_then(|v| v.info.as_ref()), why.clone()) else {
        let text = why.unwrap_or_default();
        let p = Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(p, inner);
        return;
    };
    let mut lines = figure_lines(v, i, theme);
    for e in v.events.iter().take(3) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>6} ago ", format::age(e.ago_secs)),
                theme.label(),
            ),
            Span::raw(e.text.clone()),
        ]));
    }
    let room = usize::from(inner.height).saturating_sub(lines.len() + 1);
    let n = v.log_tail.len();
    let end = n.saturating_sub(v.log_scroll.min(n.saturating_sub(room.min(n))));
    let start = end.saturating_sub(room);
    let head = format!(
        "log (last {n} lines{}) j/k scroll",
        if end < n {
            format!(", {} below", n - end)
        } else {
            String::new()
        }
    );
    lines.push(Line::from(Span::styled(head, theme.table_header())));
    for l in &v.log_tail[start..end] {
        lines.push(Line::from(Span::raw(l.clone())));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
