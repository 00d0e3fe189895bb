//! The help overlay: every key (the dashboard's, the actions', the runbook's direct keys),
//! where the incident log goes, then a legend of connection states and verdict words.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::theme::Theme;
use super::widgets::{self, Item};
use crate::collect::governor::SelfCost;
use crate::format;
use crate::model::actions::view::ActionsView;
use crate::model::view::Verdict;

/// Keys and what they do, in the order shown.
pub const KEYS: [(&str, &str); 10] = [
    ("q  ctrl+c", "quit"),
    ("?", "help (this overlay)"),
    ("tab  shift+tab", "next / previous pane"),
    ("arrows  h j k l", "move focus"),
    ("enter", "zoom the focused pane"),
    ("p", "pause / resume display"),
    ("1 – 6", "jump to pane"),
    ("esc", "close overlay / unzoom"),
    ("d  r  C  T", "diagnosis / runbook / container / topology"),
    ("c  ctrl+r", "messages / postmortem"),
];

/// Action keys (and the Prometheus views') and what they do.
pub const ACTION_KEYS: [(&str, &str); 10] = [
    ("a", "actions palette"),
    ("x", "cancel the running action"),
    ("w", "start the stability watch"),
    ("o  t", "output / timeline panel"),
    ("PgUp  PgDn", "scroll output/timeline"),
    ("g", "single clients / groups (zoomed clients)"),
    ("j k  ↑ ↓", "select a client or group (zoomed)"),
    ("F  A", "fleet / alerts (with --prometheus)"),
    ("enter (d T)", "open the action / attach the node"),
    ("+ - space", "replay speed/pause"),
];

/// What a long key description becomes in an 80-column overlay.
fn short(what: &str) -> &str {
    match what {
        "diagnosis / runbook / container / topology" => "diag/runbook/dock/topo",
        "single clients / groups (zoomed clients)" => "clients/groups (zoomed)",
        "select a client or group (zoomed)" => "select client (zoomed)",
        "fleet / alerts (with --prometheus)" => "fleet / alerts (prom)",
        "open the action / attach the node" => "open action/attach node",
        other => other,
    }
}

/// The overlay is at most this wide: 80 columns get the short descriptions, a wide terminal
/// the whole ones.
const HELP_MAX_W: u16 = 120;

/// Connection states and their meaning.
const STATES: [(&str, &str); 7] = [
    ("UP", "connected, figures fresh"),
    ("CONNECTING", "first attempt running"),
    ("LOADING", "dataset loading"),
    ("DOWN", "nothing answers the connect"),
    ("UNRESPONSIVE", "connected, no reply"),
    ("AUTH FAILED", "password or ACL rejected"),
    ("FULL", "up, maxclients reached: refuses us"),
];

/// Draws the overlay centred over `area`, with the runbook's keys and the log path of `view`,
/// and redtriage's own cost at the bottom.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: &ActionsView,
    cost: Option<&SelfCost>,
    theme: Theme,
) {
    let width = area.width.min(HELP_MAX_W);
    let inner_w = width.saturating_sub(2);
    let mut lines = lines(view, inner_w, theme);
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
        .title_bottom(Line::from(" any key closes ").right_aligned())
        .border_style(theme.border(true));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// ` key             what`, the key column `key_w` wide, the whole cut to `width`; the short
/// description when the whole one does not fit.
fn key_cell(k: &str, what: &str, key_w: usize, width: usize, theme: Theme) -> Vec<Span<'static>> {
    let what_w = width.saturating_sub(key_w + 1);
    let what = if what.chars().count() > what_w {
        short(what)
    } else {
        what
    };
    vec![
        Span::styled(format!(" {k:<key_w$}"), theme.key()),
        Span::raw(format!("{:<what_w$}", format::truncate(what, what_w))),
    ]
}

/// Width of the key column for `keys`: the longest key and a space.
fn key_width(keys: &[(&str, &str)]) -> usize {
    keys.iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 1
}

/// The dashboard keys and the action keys: side by side when there is room, else one list.
fn key_lines(width: u16, theme: Theme) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let (kw, aw) = (key_width(&KEYS), key_width(&ACTION_KEYS));
    // The left column takes its whole descriptions when the right one still fits whole too.
    let longest = |keys: &[(&str, &str)]| keys.iter().map(|(_, w)| w.chars().count()).max();
    let (lw, rw) = (
        longest(&KEYS).unwrap_or(23),
        longest(&ACTION_KEYS).unwrap_or(24),
    );
    let left_w = if width > 1 + kw + lw + 1 + aw + rw {
        1 + kw + lw + 1
    } else {
        1 + kw + 23
    };
    if width < left_w + 1 + aw + 24 {
        let all = KEYS.iter().chain(ACTION_KEYS.iter());
        return all
            .map(|(k, what)| Line::from(key_cell(k, what, kw, width, theme)))
            .collect();
    }
    let rows = KEYS.len().max(ACTION_KEYS.len());
    (0..rows)
        .map(|i| {
            let mut spans = match KEYS.get(i) {
                Some((k, what)) => key_cell(k, what, kw, left_w, theme),
                None => vec![Span::raw(" ".repeat(left_w))],
            };
            if let Some((k, what)) = ACTION_KEYS.get(i) {
                spans.extend(key_cell(k, what, aw, width - left_w, theme));
            }
            Line::from(spans)
        })
        .collect()
}

/// A flowed paragraph that starts with a heading: ` connection  UP connected …`.
fn section(heading: &str, items: Vec<Item>, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut all = vec![vec![Span::styled(
        heading.to_string(),
        theme.table_header(),
    )]];
    all.extend(items);
    indent(widgets::flow(all, width.saturating_sub(1))).collect()
}

fn lines(view: &ActionsView, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let mut out = key_lines(width, theme);
    // Runbook titles whole where the overlay is wide.
    let title_w = if width >= 100 {
        48
    } else {
        super::actions::SHORT_W
    };
    let runbook: Vec<Item> = view
        .keys
        .iter()
        .map(|(k, title)| {
            vec![
                Span::styled(k.to_string(), theme.key()),
                Span::raw(format!(
                    " {}",
                    super::actions::short_title_in(title, title_w)
                )),
            ]
        })
        .collect();
    if !runbook.is_empty() {
        out.extend(section("runbook keys", runbook, width, theme));
    }
    let log = view.log_path.as_deref().map_or_else(
        || "not written (no data dir)".to_string(),
        |p| format::truncate_left(p, usize::from(width.saturating_sub(15))),
    );
    out.push(Line::from(vec![
        Span::styled(" incident log ", theme.table_header()),
        Span::raw(log),
    ]));
    let states: Vec<Item> = STATES
        .iter()
        .map(|(s, what)| vec![Span::styled(*s, theme.key()), Span::raw(format!(" {what}"))])
        .collect();
    out.extend(section("connection", states, width, theme));
    out.extend(section("verdicts", verdict_items(theme), width, theme));
    out
}

fn verdict_items(theme: Theme) -> Vec<Item> {
    [
        (Verdict::Ok, "within target"),
        (Verdict::Warn, "needs a look"),
        (Verdict::Crit, "act now"),
        (Verdict::Unknown, "no data"),
    ]
    .into_iter()
    .map(|(v, what)| {
        vec![
            widgets::verdict_word(v, theme),
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
    .collect()
}

fn indent(lines: Vec<Line<'static>>) -> impl Iterator<Item = Line<'static>> {
    lines.into_iter().map(|mut l| {
        l.spans.insert(0, Span::raw(" "));
        l
    })
}
