//! The Runbook pane (`r`): the runbook's phases with each step's state, and the incident
//! clock against the SLA.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::format;
use crate::model::guide::{GuideView, StepState, sla_words};
use crate::model::view::Verdict;

fn style(s: StepState, theme: Theme) -> Style {
    match s {
        StepState::Auto | StepState::Action => theme.verdict(Verdict::Ok),
        StepState::Running => theme.verdict(Verdict::Warn),
        StepState::Waiting => theme.verdict(Verdict::Crit),
        StepState::NotNeeded => theme.label(),
    }
}

/// Mark before a step, so the state shows without colour.
fn mark(s: StepState) -> &'static str {
    match s {
        StepState::Auto | StepState::Action => "✓",
        StepState::Running => "…",
        StepState::Waiting => "●",
        StepState::NotNeeded => "–",
    }
}

/// Draws the pane, scrolled down by `scroll` lines (clamped); says how much is hidden below.
pub fn render(frame: &mut Frame, area: Rect, g: &GuideView, scroll: usize, theme: Theme) {
    let over = g.elapsed_secs.is_some_and(|e| e > g.sla_secs);
    let clock_style = if over {
        theme.verdict(Verdict::Crit)
    } else {
        theme.label()
    };
    let narrow = area.width < 60;
    let clock = match (narrow, g.elapsed_secs) {
        (true, Some(e)) => format!(
            "{} {}/{} ",
            g.status,
            format::age(e),
            format::age(g.sla_secs)
        ),
        (true, None) => "no incident ".into(),
        (false, Some(_)) => format!("{} {} ", g.status, sla_words(g)),
        (false, None) => format!("{} ", sla_words(g)),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" Runbook ", theme.title(true)))
        .title_top(Line::from(Span::styled(clock, clock_style)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = usize::from(inner.width);
    // Narrow: the mark alone says the state.
    let state_w = if narrow { 0 } else { 15 };
    let mut lines = Vec::new();
    for p in &g.phases {
        lines.push(Line::from(Span::styled(p.title, theme.table_header())));
        for s in &p.steps {
            let title_w = (w * 2 / 5).clamp(12, 36);
            let detail_w = w.saturating_sub(title_w + state_w + 6);
            lines.push(Line::from(vec![
                Span::styled(format!(" {} ", mark(s.state)), style(s.state, theme)),
                Span::raw(format!(
                    "{:<title_w$} ",
                    format::truncate(&s.title, title_w)
                )),
                Span::styled(
                    if narrow {
                        String::new()
                    } else {
                        format!("{:<state_w$} ", s.state.word())
                    },
                    style(s.state, theme),
                ),
                Span::raw(format::truncate(&s.detail, detail_w)),
            ]));
        }
    }
    let height = usize::from(inner.height);
    let scroll = scroll.min(lines.len().saturating_sub(height));
    let below = lines.len().saturating_sub(scroll + height);
    let mut shown: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(height).collect();
    if below > 0
        && let Some(last) = shown.last_mut()
    {
        let more = format!("↓ {} more: j/k or PgDn scroll", below + 1);
        *last = Line::from(Span::styled(format::truncate(&more, w), theme.label()));
    }
    frame.render_widget(Paragraph::new(shown), inner);
}
