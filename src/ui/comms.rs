//! The communication overlay: the three incident messages, one shown, editable.
//!
//! ```text
//! ┌ communication ─────────────────────────────────────────────┐
//! │ [1 Initial Alert]  2 Update  3 Resolution                   │ which message
//! │                                                             │
//! │ ⚠️ INCIDENT: Redis Connection Issues                        │ the text (no wrap; while
//! │ Severity: MEDIUM                                            │ editing it scrolls
//! │ …                                                           │ sideways with the cursor)
//! │ copied 212 bytes (OSC 52: tmux needs set-clipboard on)      │ last copy/save
//! │ ←/→ 1-3 message  e edit  y copy  s save  f fill  esc close  │ keys
//! └─────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::theme::Theme;
use crate::model::comms::{Kind, Overlay};

/// Widest the overlay gets.
const WIDTH: u16 = 78;

fn keys(editing: bool, theme: Theme) -> Line<'static> {
    let list: &[(&str, &str)] = if editing {
        &[
            ("esc", "stop editing"),
            ("ctrl+y", "copy"),
            ("ctrl+s", "save"),
        ]
    } else {
        &[
            ("←/→ 1-3", "message"),
            ("e", "edit"),
            ("y", "copy"),
            ("s", "save"),
            ("f", "fill"),
            ("esc", "close"),
        ]
    };
    let mut spans = Vec::new();
    for (k, what) in list {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

fn tabs(current: Kind, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, k) in Kind::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        let label = format!("{} {}", i + 1, k.title());
        if *k == current {
            spans.push(Span::styled(format!("[{label}]"), theme.cursor()));
        } else {
            spans.push(Span::raw(label));
        }
    }
    Line::from(spans)
}

/// The chars of `s` from display column `skip` on.
fn from_column(s: &str, skip: usize) -> String {
    let mut col = 0;
    let mut out = String::new();
    for c in s.chars() {
        let w = Span::raw(c.to_string()).width();
        if col >= skip {
            out.push(c);
        }
        col += w;
    }
    out
}

/// Draws the overlay centred over the frame, when open.
pub fn render(frame: &mut Frame, overlay: Option<&Overlay>, theme: Theme) {
    let Some(o) = overlay else { return };
    let area = frame.area();
    let ed = o.editor();
    let extra = 4 + u16::from(o.status.is_some());
    let want = u16::try_from(ed.lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(extra + 2);
    let [row] = Layout::vertical([Constraint::Length(want.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(WIDTH.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, rect);
    let title = if o.editing {
        " communication: editing "
    } else {
        " communication "
    };
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title_top(Line::from(Span::styled(title, theme.title(true))))
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut bottom = vec![keys(o.editing, theme)];
    if let Some(s) = &o.status {
        bottom.insert(0, Line::from(Span::styled(s.clone(), theme.label())));
    }
    let [top, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(bottom.len()).unwrap_or(2)),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(tabs(o.kind, theme)), top);
    frame.render_widget(Paragraph::new(bottom), foot);
    draw_text(frame, body, o);
}

/// The text, scrolled so the cursor stays visible while editing.
fn draw_text(frame: &mut Frame, body: Rect, o: &Overlay) {
    let ed = o.editor();
    let width = usize::from(body.width);
    let height = usize::from(body.height);
    if width == 0 || height == 0 {
        return;
    }
    let cursor_line = ed.lines.get(ed.row).map_or("", String::as_str);
    let prefix: String = cursor_line.chars().take(ed.col).collect();
    let cursor_x = Span::raw(prefix).width();
    let skip_x = if o.editing {
        (cursor_x + 1).saturating_sub(width)
    } else {
        0
    };
    let skip_y = if o.editing {
        (ed.row + 1).saturating_sub(height)
    } else {
        0
    };
    let lines: Vec<Line> = ed
        .lines
        .iter()
        .skip(skip_y)
        .take(height)
        .map(|l| Line::raw(from_column(l, skip_x)))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
    if o.editing {
        let x = body.x + u16::try_from(cursor_x - skip_x).unwrap_or(0);
        let y = body.y + u16::try_from(ed.row - skip_y).unwrap_or(0);
        frame.set_cursor_position(Position::new(x.min(body.right() - 1), y));
    }
}

#[cfg(test)]
#[path = "tests_comms.rs"]
mod tests;
