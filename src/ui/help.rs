//! The help overlay: every key, then a legend of connection states and verdict words.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::common::{self, Item};
use super::theme::Theme;
use crate::collect::governor::SelfCost;
use crate::model::view::Verdict;

/// Keys and what they do, in the order shown.
pub const KEYS: [(&str, &str); 8] = [
    ("q  ctrl+c", "quit"),
    ("?", "help (this overlay)"),
    ("tab  shift+tab", "next / previous pane"),
    ("arrows  h j k l", "move focus"),
    ("enter", "zoom the focused pane"),
    ("p", "pause / resume the display"),
    ("1 – 6", "jump to pane"),
    ("esc", "close overlay / unzoom"),
];

/// Connection states and their meaning.
const STATES: [(&str, &str); 6] = [
    ("UP", "connected, figures fresh"),
    ("CONNECTING", "first attempt running"),
    ("LOADING", "dataset loading"),
    ("DOWN", "nothing answers the connect"),
    ("UNRESPONSIVE", "connected, no reply"),
    ("AUTH FAILED", "password or ACL rejected"),
];

/// Draws the overlay centred over `area`, with redtriage's own cost at the bottom.
pub fn render(frame: &mut Frame, area: Rect, cost: Option<&SelfCost>, theme: Theme) {
    let width = area.width.min(64);
    let inner_w = width.saturating_sub(2);
    let mut lines = lines(inner_w, theme);
    lines.extend(super::cost::lines(cost, theme));
    let height = (u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2))
    .min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title_top(Line::from(Span::styled(" help ", theme.title(true))))
        .title_bottom(Line::from(" esc or ? to close ").right_aligned())
        .border_style(theme.border(true));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn lines(width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    out.push(Line::from(Span::styled(
        " connection",
        theme.table_header(),
    )));
    let states: Vec<Item> = STATES
        .iter()
        .map(|(s, what)| vec![Span::styled(*s, theme.key()), Span::raw(format!(" {what}"))])
        .collect();
    out.extend(indent(common::flow(states, width.saturating_sub(1))));
    out.push(Line::from(Span::styled(
        " verdicts and freshness",
        theme.table_header(),
    )));
    let verdicts: Vec<Item> = [
        (Verdict::Ok, "within target"),
        (Verdict::Warn, "needs a look"),
        (Verdict::Crit, "act now"),
        (Verdict::Unknown, "no data"),
    ]
    .into_iter()
    .map(|(v, what)| {
        vec![
            common::verdict_word(v, theme),
            Span::raw(format!(" {what}")),
        ]
    })
    .chain([
        vec![
            Span::styled("stale 12s", theme.key()),
            Span::raw(" last good figures, 12s old"),
        ],
        vec![Span::styled("—", theme.key()), Span::raw(" not known")],
    ])
    .collect();
    out.extend(indent(common::flow(verdicts, width.saturating_sub(1))));
    out
}

fn indent(lines: Vec<Line<'static>>) -> impl Iterator<Item = Line<'static>> {
    lines.into_iter().map(|mut l| {
        l.spans.insert(0, Span::raw(" "));
        l
    })
}
