//! The diagnosis: one line under the header on the dashboard, and the Diagnosis pane (`d`)
//! with every cause ranked, its evidence and the runbook actions that fit it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::format;
use crate::model::diagnosis::{CauseView, Likelihood};
use crate::model::ui_state::PaneId;
use crate::model::view::Verdict;

fn style(v: Likelihood, theme: Theme) -> Style {
    match v {
        Likelihood::Likely => theme.verdict(Verdict::Crit),
        Likelihood::Possible => theme.verdict(Verdict::Warn),
        Likelihood::Unknown => theme.label(),
        Likelihood::RuledOut => theme.verdict(Verdict::Ok),
    }
}

fn since(s: Option<u64>) -> String {
    s.map_or(String::new(), |s| format!(" (since {})", format::age(s)))
}

/// `diagnosis: B Out of memory LIKELY: used 97.0% of maxmemory … (since 12s)  d details`.
pub fn render_line(frame: &mut Frame, area: Rect, diag: &[CauseView], theme: Theme) {
    let mut spans = vec![Span::styled("diagnosis: ", theme.label())];
    let likely: Vec<&CauseView> = diag
        .iter()
        .filter(|c| c.verdict == Likelihood::Likely)
        .collect();
    match (likely.first(), diag.first()) {
        (Some(top), _) => {
            spans.push(Span::raw(format!("{} {} ", top.cause, top.title)));
            spans.push(Span::styled("LIKELY", style(Likelihood::Likely, theme)));
            if let Some(e) = top.evidence.first() {
                spans.push(Span::raw(format!(": {}{}", e.text, since(e.since_secs))));
            }
            if likely.len() > 1 {
                spans.push(Span::raw(format!("  +{} more", likely.len() - 1)));
            }
        }
        (None, Some(c)) if c.verdict == Likelihood::Possible => {
            spans.push(Span::raw("no likely cause; "));
            spans.push(Span::raw(format!("{} {} ", c.cause, c.title)));
            spans.push(Span::styled("possible", style(Likelihood::Possible, theme)));
        }
        (None, Some(_)) => spans.push(Span::styled(
            "no likely cause",
            style(Likelihood::RuledOut, theme),
        )),
        (None, None) => spans.push(Span::styled("waiting for data", theme.label())),
    }
    let hint = "  d details";
    let width = usize::from(area.width).saturating_sub(hint.len());
    let mut line = fit_spans(spans, width);
    line.push_span(Span::styled("  d", theme.key()));
    line.push_span(Span::raw(" details"));
    frame.render_widget(Paragraph::new(line), area);
}

/// Cuts spans to `width` columns (the last one gets an ellipsis).
pub(crate) fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = format::width(&s.content);
        if used + w <= width {
            used += w;
            out.push(s);
        } else {
            let rest = width.saturating_sub(used);
            if rest > 1 {
                out.push(Span::styled(format::truncate(&s.content, rest), s.style));
            }
            break;
        }
    }
    Line::from(out)
}

/// The Diagnosis pane: every cause, most likely first; the selected one (`▶`) shows the
/// action enter opens (`suggested`, with its direct key when it has one).
pub fn render_pane(
    frame: &mut Frame,
    area: Rect,
    diag: &[CauseView],
    sel: usize,
    suggested: Option<&(String, Option<char>)>,
    theme: Theme,
) {
    let hint = if area.width >= 60 {
        " ↑↓ cause  enter evidence/action  esc close "
    } else {
        " esc close "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" Diagnosis ", theme.title(true)))
        .title_top(Line::from(hint).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = usize::from(inner.width);
    let mut blocks: Vec<Vec<Line<'static>>> = diag
        .iter()
        .enumerate()
        .map(|(i, c)| cause_lines(c, i == sel, suggested, w, theme))
        .collect();
    // Keep the selected cause on screen: drop whole causes from the top while it does not fit.
    let height = usize::from(inner.height);
    let sel = sel.min(blocks.len().saturating_sub(1));
    let mut first = 0;
    while first < sel && blocks[first..=sel].iter().map(Vec::len).sum::<usize>() > height {
        first += 1;
    }
    let lines: Vec<Line<'static>> = blocks
        .drain(first.min(blocks.len())..)
        .flatten()
        .take(height)
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new("waiting for data…").style(theme.label()),
            inner,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

fn cause_lines(
    c: &CauseView,
    selected: bool,
    suggested: Option<&(String, Option<char>)>,
    w: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let marker = if selected { "▶ " } else { "  " };
    let head = format!("{marker}{:<8} {}", c.cause, c.title);
    let verdict = c.verdict.word().to_uppercase();
    let score = if c.score > 0 {
        format!("  score {}", c.score)
    } else {
        String::new()
    };
    let room = w.saturating_sub(verdict.len() + score.len() + 2);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{:<room$}", format::truncate(&head, room)),
            theme.title(selected),
        ),
        Span::raw("  "),
        Span::styled(verdict, style(c.verdict, theme)),
        Span::raw(score),
    ])];
    let shown = if selected {
        c.evidence.len()
    } else {
        c.evidence.len().min(2)
    };
    for e in c.evidence.iter().take(shown) {
        let lead = if e.against { "    − " } else { "    • " };
        let text = format!("{}{}", e.text, since(e.since_secs));
        // At spaces, never mid-word (`(sinc` / `e 23s)`); the later lines under the text.
        let room = w.max(16) - 6;
        for (i, part) in format::wrap_words(&text, room).into_iter().enumerate() {
            let head = if i == 0 { lead } else { "      " };
            lines.push(Line::from(Span::raw(format!("{head}{part}"))));
        }
    }
    let pane = c.pane.as_deref().and_then(PaneId::named);
    if selected && (pane.is_some() || c.suggested.is_some() || c.none_runs.is_some()) {
        let mut spans = vec![Span::raw("    ")];
        // Only what can run here and fits the evidence (`model::offer`).
        let mut others: Vec<&str> = (c.suggested.iter().chain(&c.also))
            .map(String::as_str)
            .collect();
        if let Some(p) = pane {
            spans.push(Span::styled("enter", theme.key()));
            spans.push(Span::raw(format!(" zooms {}", p.title())));
            if !others.is_empty() {
                spans.push(Span::styled("  actions: ", theme.label()));
            }
        } else if let Some((name, key)) = suggested {
            spans.push(Span::styled("enter", theme.key()));
            let key = key.map_or(String::new(), |k| format!(" (or {k})"));
            spans.push(Span::raw(format!(" opens {name}{key}")));
            others.retain(|a| a != name);
            if !others.is_empty() {
                spans.push(Span::styled("  also: ", theme.label()));
            }
        } else if let Some(why) = &c.none_runs {
            // Read whole: wrapped at spaces under the line's start.
            let text = format!("no action can run here: {why}");
            let room = w.max(16) - 6;
            for (i, part) in format::wrap_words(&text, room).into_iter().enumerate() {
                let head = if i == 0 { "    " } else { "      " };
                lines.push(Line::from(Span::styled(
                    format!("{head}{part}"),
                    theme.label(),
                )));
            }
            return lines;
        }
        spans.push(Span::raw(others.join(", ")));
        lines.push(fit_spans(spans, w));
    }
    lines
}
