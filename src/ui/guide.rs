//! The Runbook pane (`r`): the runbook's phases with each step's state, and the incident
//! clock against the SLA.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format;
use super::theme::Theme;
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

pub fn render(frame: &mut Frame, area: Rect, g: &GuideView, theme: Theme) {
    let over = g.elapsed_secs.is_some_and(|e| e > g.sla_secs);
    let clock_style = if over {
        theme.verdict(Verdict::Crit)
    } else {
        theme.label()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" Runbook ", theme.title(true)))
        .title_top(
            Line::from(vec![
                Span::styled(
                    if g.elapsed_secs.is_some() {
                        format!(" {} ", g.status)
                    } else {
                        " ".into()
                    },
                    theme.title(true),
                ),
                Span::styled(format!("{} ", sla_words(g)), clock_style),
            ])
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = usize::from(inner.width);
    let state_w = 15;
    let mut lines = Vec::new();
    for p in &g.phases {
        lines.push(Line::from(Span::styled(p.title, theme.table_header())));
        for s in &p.steps {
            let title_w = (w / 3).clamp(12, 38);
            let detail_w = w.saturating_sub(title_w + state_w + 6);
            lines.push(Line::from(vec![
                Span::styled(format!(" {} ", mark(s.state)), style(s.state, theme)),
                Span::raw(format!(
                    "{:<title_w$} ",
                    format::truncate(&s.title, title_w)
                )),
                Span::styled(
                    format!("{:<state_w$} ", s.state.word()),
                    style(s.state, theme),
                ),
                Span::raw(format::truncate(&s.detail, detail_w)),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
