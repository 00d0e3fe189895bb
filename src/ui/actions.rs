//! Action overlays: the bottom panel (action output or timeline), the palette (`a`) and the
//! dialogs (input, choice, confirmation, message; see [`super::dialog`]).
//!
//! ```text
//! ┌ actions ─────────────────────────────────────────────────────────────┐
//! │> bg▏                                                                 │ filter
//! │[S] bgsave        BGSAVE: write an RDB snapshot now         resolution│ cursor: reversed
//! │[R] bgrewriteaof  BGREWRITEAOF — AOF is off                 resolution│ greyed: reason
//! └ ↑↓ move  enter choose  esc close ─────────────────────────────── 1/2 ┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::dialog;
use super::theme::Theme;
use super::widgets::Rows;
use crate::format;
use crate::model::actions::Panel;
use crate::model::actions::view::{ActionsView, PaletteRow, PaletteView};

/// The palette is at most this wide.
const PALETTE_W: u16 = 76;
/// Widest name column in the palette.
const NAME_W: usize = 18;
/// Widest section column in the palette.
const SECTION_W: usize = 13;
/// Widest short title (footer, help).
pub const SHORT_W: usize = 24;
/// Text cursor after typed text.
pub const CURSOR: &str = "▏";

/// Draws whatever action overlay is open, over the dashboard: the bottom panel first, then
/// the palette, then a dialog on top of everything.
pub fn render(frame: &mut Frame, view: &ActionsView, theme: Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if view.panel != Panel::None {
        panel(frame, panel_rect(area), view, theme);
    }
    if let Some(p) = &view.palette {
        palette(frame, area, p, theme);
    }
    if let Some(d) = &view.dialog {
        dialog::render(frame, area, d, view.dialog_scroll, theme);
    }
}

/// A runbook title short enough for the footer and the help: the part before `:`, cut to 24
/// cells (`BGSAVE: write an RDB snapshot now` → `BGSAVE`).
pub fn short_title(title: &str) -> String {
    short_title_in(title, SHORT_W)
}

/// [`short_title`] in `max` cells.
pub fn short_title_in(title: &str, max: usize) -> String {
    let head = title.split(':').next().unwrap_or(title).trim();
    format::truncate(&clean(head), max)
}

/// Control characters from the runbook file (its names and titles) written as `\x1b`, so a
/// stray byte can never reach the terminal.
pub fn clean(s: &str) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    crate::escape::plain_str(&c.to_string())
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s.to_string()
    }
}

/// A `width` × `height` rectangle centred in `area`, clamped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The bottom third of `area` plus its borders, above the footer row (kept when the screen has
/// one: 10 rows or more).
pub fn panel_rect(area: Rect) -> Rect {
    let footer = u16::from(area.height >= 10);
    let avail = area.height - footer;
    let height = (area.height / 3 + 2).min(avail);
    Rect {
        x: area.x,
        y: area.y + avail - height,
        width: area.width,
        height,
    }
}

/// The output or timeline panel, newest line at the bottom.
fn panel(frame: &mut Frame, rect: Rect, view: &ActionsView, theme: Theme) {
    frame.render_widget(Clear, rect);
    let (title, hint) = match view.panel {
        Panel::Timeline => (" Timeline ".to_string(), " t/esc close ".to_string()),
        _ => (output_title(view), output_hint(view.output_scroll)),
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::from(Span::styled(title, theme.title(true))))
        .title_top(Line::from(Span::styled(hint, theme.label())).right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let rows = usize::from(inner.height);
    let lines: Vec<Line<'static>> = match view.panel {
        Panel::Timeline => timeline_lines(&view.timeline, rows, theme),
        _ => output_lines(&view.output, rows, theme),
    };
    // Bottom-aligned: the newest line sits on the last row.
    let pad = inner
        .height
        .saturating_sub(u16::try_from(lines.len()).unwrap_or(u16::MAX));
    let mut area = Rows::new(inner);
    area.take(pad);
    frame.render_widget(Paragraph::new(lines), area.rest());
}

/// `Output: bgsave (running 12s)`, or `Output`.
fn output_title(view: &ActionsView) -> String {
    match &view.running {
        Some((name, secs)) => format!(" Output: {} (running {}) ", clean(name), format::age(*secs)),
        None => " Output ".to_string(),
    }
}

/// `PgUp/PgDn scroll  esc close`, with how many lines are below when scrolled up.
fn output_hint(scroll: usize) -> String {
    if scroll > 0 {
        format!(" {scroll} newer lines below  PgUp/PgDn  esc close ")
    } else {
        " PgUp/PgDn scroll  o/esc close ".to_string()
    }
}

fn output_lines(output: &[String], rows: usize, theme: Theme) -> Vec<Line<'static>> {
    if output.is_empty() {
        return vec![Line::from(Span::styled(
            "no output yet: run an action (a, or its key)",
            theme.label(),
        ))];
    }
    let skip = output.len().saturating_sub(rows);
    output[skip..]
        .iter()
        .map(|l| Line::from(clean(l)))
        .collect()
}

/// `    12s ago  text`, newest last.
fn timeline_lines(timeline: &[(u64, String)], rows: usize, theme: Theme) -> Vec<Line<'static>> {
    if timeline.is_empty() {
        return vec![Line::from(Span::styled(
            "nothing recorded yet",
            theme.label(),
        ))];
    }
    let skip = timeline.len().saturating_sub(rows);
    timeline[skip..]
        .iter()
        .map(|(ago, text)| {
            Line::from(vec![
                Span::styled(format!("{:>6} ago  ", format::age(*ago)), theme.label()),
                Span::raw(clean(text)),
            ])
        })
        .collect()
}

/// The palette, centred: the filter line, then the matching actions around the cursor.
fn palette(frame: &mut Frame, area: Rect, p: &PaletteView, theme: Theme) {
    let list = u16::try_from(p.rows.len().max(1)).unwrap_or(u16::MAX);
    // Leave the header's first line (UP/DOWN) and the footer visible when the screen allows.
    let room = if area.height >= 12 {
        area.height - 2
    } else {
        area.height
    };
    let rect = centered(area, PALETTE_W, list.saturating_add(3).min(room));
    frame.render_widget(Clear, rect);
    let count = if p.rows.is_empty() {
        " 0/0 ".to_string()
    } else {
        format!(" {}/{} ", p.cursor.min(p.rows.len() - 1) + 1, p.rows.len())
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title_top(Line::from(Span::styled(" actions ", theme.title(true))))
        .title_bottom(Line::from(" ↑↓ move  enter choose  esc close "))
        .title_bottom(Line::from(count).right_aligned());
    let mut rows = Rows::new(block.inner(rect));
    frame.render_widget(block, rect);
    if let Some(r) = rows.take(1) {
        let filter = Line::from(vec![
            Span::styled("> ", theme.key()),
            Span::raw(clean(&p.filter)),
            Span::styled(CURSOR, theme.key()),
        ]);
        frame.render_widget(Paragraph::new(filter), r);
    }
    palette_rows(frame, &mut rows, p, theme);
}

/// The palette's rows that fit, scrolled so the cursor row shows; greyed rows in the disabled
/// style, the cursor row reversed.
fn palette_rows(frame: &mut Frame, rows: &mut Rows, p: &PaletteView, theme: Theme) {
    if p.rows.is_empty() {
        if let Some(r) = rows.take(1) {
            let none = Span::styled("no action matches", theme.label());
            frame.render_widget(Paragraph::new(none), r);
        }
        return;
    }
    let visible = usize::from(rows.left()).max(1);
    let cursor = p.cursor.min(p.rows.len() - 1);
    let first = (cursor + 1).saturating_sub(visible);
    let cols = Columns::of(&p.rows, rows.rest().width);
    for (i, row) in p.rows.iter().enumerate().skip(first).take(visible) {
        let Some(r) = rows.take(1) else { break };
        let mut style = if row.unavailable.is_some() {
            theme.disabled()
        } else {
            ratatui::style::Style::new()
        };
        if i == cursor {
            style = style.patch(theme.cursor());
        }
        frame.render_widget(Paragraph::new(cols.line(row, theme)).style(style), r);
    }
}

/// Column widths of the palette rows.
struct Columns {
    name: usize,
    /// 0 when too narrow for the section.
    section: usize,
    /// Title and reason.
    text: usize,
}

impl Columns {
    fn of(rows: &[PaletteRow], width: u16) -> Self {
        let width = usize::from(width);
        let name = rows
            .iter()
            .map(|r| format::width(&r.name))
            .max()
            .unwrap_or(0)
            .min(NAME_W);
        let section = if width >= 60 {
            rows.iter()
                .filter_map(|r| r.section.as_deref().map(format::width))
                .max()
                .unwrap_or(0)
                .min(SECTION_W)
        } else {
            0
        };
        // `[K] ` + name + space + text + space + section
        let text = width.saturating_sub(4 + name + 1 + usize::from(section > 0) + section);
        Self {
            name,
            section,
            text,
        }
    }

    /// `[K] client-kill  Kill the selected… — select a client…   resolution`.
    fn line(&self, row: &PaletteRow, theme: Theme) -> Line<'static> {
        let key = row.key.map_or_else(
            || "    ".to_string(),
            |k| format!("[{}] ", clean(&k.to_string())),
        );
        let name = format::truncate(&clean(&row.name), self.name);
        let title = clean(&row.title);
        // The reason matters more than the section: a greyed row whose reason would be cut
        // takes the section's room too.
        let reason = row.unavailable.as_ref().map(|r| format!("— {}", clean(r)));
        let (text_w, section_w) = match &reason {
            Some(r) if self.section > 0 && format::width(r) > self.text => {
                (self.text + 1 + self.section, 0)
            }
            _ => (self.text, self.section),
        };
        let text = match reason {
            // The reason matters more than the title: the title is cut first, dropped when
            // less than 12 cells of it would show.
            Some(reason) => {
                let room = text_w.saturating_sub(format::width(&reason) + 1);
                if room >= 12 {
                    format!("{} {reason}", format::truncate(&title, room))
                } else {
                    format::truncate(&reason, text_w)
                }
            }
            None => format::truncate(&title, text_w),
        };
        let pad = |s: String, w: usize| {
            let fill = w.saturating_sub(format::width(&s));
            format!("{s}{}", " ".repeat(fill))
        };
        let key_style = if row.unavailable.is_some() {
            theme.disabled()
        } else {
            theme.key()
        };
        let mut spans = vec![
            Span::styled(key, key_style),
            Span::raw(pad(name, self.name + 1)),
            Span::raw(pad(text, text_w)),
        ];
        if section_w > 0 {
            let section = row.section.as_deref().map(clean).unwrap_or_default();
            let section = format::truncate(&section, self.section);
            spans.push(Span::styled(
                format!(" {section:>w$}", w = self.section),
                theme.label(),
            ));
        }
        Line::from(spans)
    }
}
