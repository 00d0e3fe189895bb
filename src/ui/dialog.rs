//! The action dialogs, centred over everything, clearing what is under them: a value to type,
//! a choice, a confirmation, a message. The prompt (what each key does) is pinned to the
//! bottom so it always shows; a body taller than the screen scrolls (↑/↓, PgUp/PgDn), with
//! notes saying how many lines are above and below.
//!
//! ```text
//! ┌ DESTRUCTIVE  Restart Redis: systemctl restart redis-server ──────────┐
//! │target: redis://127.0.0.1:6379 (master)                              │
//! │command:                                                             │
//! │  systemctl restart redis-server                                     │
//! │                                                                     │
//! │type the target to confirm: redis://127.0▏                           │
//! │Enter = run if it matches, Esc = cancel                              │
//! └─────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::actions::{CURSOR, centered, clean};
use super::theme::Theme;
use super::widgets::Rows;
use crate::format;
use crate::model::actions::view::{ConfirmView, DialogView};
use crate::model::view::Verdict;

/// Dialogs are this wide on an 80-column terminal, and grow with a wider one up to
/// [`DIALOG_MAX_W`] (commands and paths then fit on one line).
const DIALOG_W: u16 = 74;
const DIALOG_MAX_W: u16 = 120;

fn dialog_w(area: Rect) -> u16 {
    (area.width.saturating_mul(6) / 10)
        .clamp(DIALOG_W, DIALOG_MAX_W)
        .min(area.width)
}

/// What a dialog shows: its frame, its body and the prompt pinned to the bottom.
struct Parts {
    title: Vec<Span<'static>>,
    border: Style,
    body: Vec<Line<'static>>,
    prompt: Vec<Line<'static>>,
}

/// Draws `d` centred in `area`.
pub fn render(frame: &mut Frame, area: Rect, d: &DialogView, scroll: usize, theme: Theme) {
    let width = dialog_w(area);
    let inner_w = usize::from(width.saturating_sub(4)).max(1);
    let parts = match d {
        DialogView::Input {
            title,
            prompt,
            text,
            error,
        } => input(title, prompt, text, error.as_deref(), inner_w, theme),
        DialogView::Choose {
            title,
            options,
            cursor,
        } => choose(title, options, *cursor, theme),
        DialogView::Confirm(c) => confirm(c, inner_w, theme),
        DialogView::Message { title, text } => {
            message(title, text, "any key closes", inner_w, theme)
        }
        DialogView::Ask {
            title,
            text,
            prompt,
        } => message(title, text, prompt, inner_w, theme),
    };
    let lines = parts.body.len() + parts.prompt.len() + 2;
    let rect = centered(area, width, u16::try_from(lines).unwrap_or(u16::MAX));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(parts.border)
        .title_top(Line::from(parts.title));
    let mut rows = Rows::new(block.inner(rect));
    frame.render_widget(block, rect);
    let n = u16::try_from(parts.prompt.len()).unwrap_or(u16::MAX);
    if let Some(r) = rows.take_bottom(n) {
        frame.render_widget(Paragraph::new(parts.prompt), r);
    }
    let body = fit(parts.body, usize::from(rows.left()), scroll, theme);
    frame.render_widget(Paragraph::new(body), rows.rest());
}

/// `body` in `rows`, from line `scroll` on (clamped so the last page is full): a first row
/// saying how many lines are above, a last row how many are below, and the keys that move.
fn fit(body: Vec<Line<'static>>, rows: usize, scroll: usize, theme: Theme) -> Vec<Line<'static>> {
    if body.len() <= rows || rows < 3 {
        return body.into_iter().take(rows).collect();
    }
    let warn = theme.verdict(Verdict::Warn);
    let start = scroll.min(body.len() - (rows - 1));
    let mut out = Vec::with_capacity(rows);
    let mut avail = rows;
    if start > 0 {
        out.push(Line::from(Span::styled(
            format!("↑ {} above (PgUp/↑)", plural_lines(start)),
            warn,
        )));
        avail -= 1;
    }
    let left = body.len() - start;
    let shown = if left > avail { avail - 1 } else { left };
    out.extend(body.iter().skip(start).take(shown).cloned());
    if left > shown {
        out.push(Line::from(Span::styled(
            format!("↓ {} more (PgDn/↓)", plural_lines(left - shown)),
            warn,
        )));
    }
    out
}

fn plural_lines(n: usize) -> String {
    crate::format::plural(n as u64, "line")
}

fn title(text: &str, theme: Theme) -> Vec<Span<'static>> {
    vec![Span::styled(
        format!(" {} ", clean(text)),
        theme.title(true),
    )]
}

/// How text is broken into lines: [`format::wrap`] for commands (shown whole, never cut nor
/// re-spaced), [`format::wrap_words`] for prose.
type Wrap = fn(&str, usize) -> Vec<String>;

/// `text` wrapped to `width`, every piece indented by `indent`, in `style`.
fn wrapped(
    text: &str,
    indent: usize,
    width: usize,
    style: Style,
    wrap: Wrap,
) -> Vec<Line<'static>> {
    let pad = " ".repeat(indent);
    wrap(&clean(text), width.saturating_sub(indent))
        .into_iter()
        .map(|piece| Line::from(Span::styled(format!("{pad}{piece}"), style)))
        .collect()
}

/// Prose word-wrapped to `width`, in `style`.
fn prose(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrapped(text, 0, width, style, format::wrap_words)
}

/// `label` then its lines below it, indented: nothing when there are no lines.
fn labelled(
    label: &str,
    items: &[String],
    (width, wrap): (usize, Wrap),
    style: Style,
    theme: Theme,
) -> Vec<Line<'static>> {
    if items.is_empty() {
        return Vec::new();
    }
    let heading = Span::styled(label.to_string(), theme.table_header());
    let mut out = vec![Line::from(heading)];
    for item in items {
        out.extend(wrapped(item, 2, width, style, wrap));
    }
    out
}

fn key_hint(pairs: &[(&str, &str)], theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, what) in pairs {
        if !spans.is_empty() {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled((*k).to_string(), theme.key()));
        spans.push(Span::raw(format!(" = {what}")));
    }
    Line::from(spans)
}

fn input(
    name: &str,
    prompt: &str,
    text: &str,
    error: Option<&str>,
    width: usize,
    theme: Theme,
) -> Parts {
    let mut body = prose(prompt, width, Style::new());
    body.push(Line::from(vec![
        Span::styled("> ", theme.key()),
        Span::styled(clean(text), theme.table_header()),
        Span::styled(CURSOR, theme.key()),
    ]));
    if let Some(e) = error {
        body.extend(prose(e, width, theme.verdict(Verdict::Crit)));
    }
    Parts {
        title: title(name, theme),
        border: theme.border(true),
        body,
        prompt: vec![
            Line::default(),
            key_hint(&[("Enter", "continue"), ("Esc", "cancel")], theme),
        ],
    }
}

fn choose(name: &str, options: &[String], cursor: usize, theme: Theme) -> Parts {
    let body = options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if i == cursor {
                Line::from(Span::styled(format!("▶ {}", clean(o)), theme.cursor()))
            } else {
                Line::from(format!("  {}", clean(o)))
            }
        })
        .collect();
    Parts {
        title: title(name, theme),
        border: theme.border(true),
        body,
        prompt: vec![
            Line::default(),
            key_hint(
                &[("↑↓ j k", "move"), ("Enter", "pick"), ("Esc", "cancel")],
                theme,
            ),
        ],
    }
}

fn message(name: &str, text: &str, prompt: &str, width: usize, theme: Theme) -> Parts {
    let body = text
        .lines()
        .flat_map(|l| prose(l, width, Style::new()))
        .collect();
    Parts {
        title: title(name, theme),
        border: theme.border(true),
        body,
        prompt: vec![
            Line::default(),
            Line::from(Span::styled(prompt.to_string(), theme.label())),
        ],
    }
}

/// The confirmation: target, the exact commands, what changes, what stands in the way, and
/// the prompt of its stage.
fn confirm(c: &ConfirmView, width: usize, theme: Theme) -> Parts {
    let warn = theme.verdict(Verdict::Warn);
    let target = format!("target: {} ({})", c.target, c.role);
    let mut body = wrapped(&target, 0, width, Style::new(), format::wrap);
    let label = if c.commands.len() == 1 {
        "command:"
    } else {
        "commands:"
    };
    let hard = (width, format::wrap as Wrap);
    let words = (width, format::wrap_words as Wrap);
    body.extend(labelled(
        label,
        &c.commands,
        hard,
        theme.table_header(),
        theme,
    ));
    body.extend(labelled("values:", &c.values, words, Style::new(), theme));
    body.extend(labelled("changes:", &c.changes, words, Style::new(), theme));
    body.extend(labelled("blockers:", &c.blockers, words, warn, theme));
    let mut title_spans = Vec::new();
    if c.stage >= 2 {
        title_spans.push(Span::styled(" SECOND CONFIRMATION ", theme.alarm()));
    } else if c.type_target {
        title_spans.push(Span::styled(" DESTRUCTIVE ", theme.alarm()));
    }
    title_spans.extend(title(&c.title, theme));
    let border = if c.stage >= 2 || c.type_target {
        warn
    } else {
        theme.border(true)
    };
    Parts {
        title: title_spans,
        border,
        body,
        prompt: confirm_prompt(c, width, theme),
    }
}

fn confirm_prompt(c: &ConfirmView, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::default()];
    if c.stage >= 2 {
        out.push(Line::from(Span::styled(
            "SECOND CONFIRMATION — y = run, any other key = cancel",
            theme.alarm(),
        )));
    } else if c.type_target {
        let typed = clean(&c.typed);
        let typed_style = if c.target.starts_with(&c.typed) {
            theme.table_header()
        } else {
            theme.verdict(Verdict::Crit)
        };
        let lead = "type the target to confirm: ";
        let room = width.saturating_sub(lead.len() + 1);
        out.push(Line::from(vec![
            Span::styled(lead, theme.verdict(Verdict::Warn)),
            Span::styled(format::truncate_left(&typed, room), typed_style),
            Span::styled(CURSOR, theme.key()),
        ]));
        let mut hint = vec![Span::raw("Enter = run if it matches, Esc = cancel")];
        if c.typed == c.target {
            hint.push(Span::styled("  (matches)", theme.verdict(Verdict::Ok)));
        }
        out.push(Line::from(hint));
    } else {
        out.push(Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" = run   any other key = cancel "),
            Span::styled("(default: No)", theme.table_header()),
        ]));
    }
    out
}
