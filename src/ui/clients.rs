//! Pane 2: clients. Connected/max gauge, blocked, rejected/s, then the top CLIENT LIST groups
//! (or why the list is missing), then a sparkline of connected clients.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};

use super::theme::Theme;
use super::widgets::{self, PaneFrame, PaneOpts, Rows, Scale, Trend, kv};
use crate::collect::types::ClientInfo;
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::{ClientGroup, ClientsPane, PaneStatus, Verdict};

/// Draws the clients pane in `area`.
pub fn render(frame: &mut Frame, area: Rect, pane: &ClientsPane, opts: &PaneOpts, theme: Theme) {
    let pf = PaneFrame {
        id: PaneId::Clients,
        status: &pane.status,
        verdict: Some(pane.verdict),
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    if opts.zoomed
        && let Some(r) = rows.take_bottom(1)
    {
        frame.render_widget(Paragraph::new(hint_line(opts.kill_key, theme)), r);
    }
    if let Some(r) = rows.take(1) {
        usage_row(frame, r, pane, theme);
    }
    let figures = vec![
        kv("blocked", opt(pane.blocked, format::count), theme),
        kv("rejected", opt(pane.rejected_per_sec, format::rate), theme),
    ];
    widgets::draw_flow(frame, &mut rows, figures);
    // The table first; the trend only in the rows the table leaves.
    let list_rows = list_rows(pane, rows.rest().width);
    if let Some(r) = rows.take(list_rows) {
        list(frame, r, pane, opts.zoomed, theme);
    }
    rows.take(1);
    let t = Trend {
        data: &pane.spark,
        scale: Scale::Window,
        label: "connected",
        fmt: format::count,
        style: theme.chart(),
        marks: opts.marks,
        seam: pane.spark_backfilled,
    };
    widgets::trend(frame, &mut rows, &t, theme);
}

/// `j/k select  g groups/clients  K kill selected  a actions`, at the bottom of the zoomed pane.
fn hint_line(kill_key: Option<char>, theme: Theme) -> Line<'static> {
    let mut keys = vec![
        ("j/k".to_string(), "select"),
        ("g".to_string(), "groups/clients"),
    ];
    if let Some(k) = kill_key {
        keys.push((k.to_string(), "kill selected"));
    }
    keys.push(("a".to_string(), "actions"));
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::styled(format!(" {what}"), theme.label()));
    }
    Line::from(spans)
}

/// `412 / 10000 4.1% OK ██░░░░`.
fn usage_row(frame: &mut Frame, r: Rect, pane: &ClientsPane, theme: Theme) {
    let label = Line::from(vec![
        Span::raw(format!(
            "{} / {} ",
            opt(pane.connected, format::count),
            opt(pane.max, format::count)
        )),
        Span::raw(format!("{} ", opt(pane.used_percent, format::pct))),
        widgets::verdict_word(pane.verdict, theme),
    ]);
    let ratio = pane.used_percent.unwrap_or(0.0) / 100.0;
    widgets::gauge(frame, r, ratio, label, theme.verdict(pane.verdict));
}

/// Rows for the group table (all groups and its header) or for the note, wrapped, 3 at most.
fn list_rows(pane: &ClientsPane, width: u16) -> u16 {
    match list_note(pane) {
        Some(note) => {
            let w = usize::from(width.max(1));
            u16::try_from(format::width(&note).div_ceil(w)).map_or(3, |n| n.min(3))
        }
        None => u16::try_from(pane.rows.as_ref().map_or(pane.groups.len(), Vec::len))
            .unwrap_or(u16::MAX)
            .saturating_add(1),
    }
}

fn list(frame: &mut Frame, area: Rect, pane: &ClientsPane, zoomed: bool, theme: Theme) {
    if let Some(note) = list_note(pane) {
        let style = theme.verdict(Verdict::Warn).remove_modifier(Modifier::BOLD);
        let p = Paragraph::new(Span::styled(note, style)).wrap(Wrap { trim: true });
        frame.render_widget(p, area);
        return;
    }
    let selected = pane.selected.as_deref();
    // The zoomed pane keeps a column for the selection marker.
    let width = if zoomed {
        area.width.saturating_sub(1)
    } else {
        area.width
    };
    let (table, at) = match &pane.rows {
        Some(clients) => (
            clients_table(clients, width, theme),
            clients
                .iter()
                .position(|c| selected == Some(format!("client:{}", c.id).as_str())),
        ),
        None => (
            groups_table(&pane.groups, width, theme),
            pane.groups
                .iter()
                .position(|g| selected == Some(format!("group:{}:{}", g.by, g.key).as_str())),
        ),
    };
    let table = table.row_highlight_style(theme.cursor());
    let table = if zoomed {
        table.highlight_symbol(SELECTED)
    } else {
        table
    };
    let mut state = TableState::default().with_selected(at);
    frame.render_stateful_widget(table, area, &mut state);
}

/// Before the selected row of the zoomed pane (the row is also reversed).
const SELECTED: &str = "▶";

/// Single clients (`c` in the zoomed pane), by id.
fn clients_table(clients: &[ClientInfo], width: u16, theme: Theme) -> Table<'static> {
    // The command column grows past 10 (`client|setname`) into room the names leave (they
    // keep what the longest needs, 8 at least); the user column past 8 only into room the
    // name (at most 32) leaves.
    let room = widgets::flex_width(width, &[6, 21, 8, 10, 6, 8]);
    let names = widgets::content_width(clients.iter().map(|c| c.name.as_str()), 8, 32);
    let cmd_w = widgets::content_width(clients.iter().map(|c| c.cmd.as_str()), 10, 24)
        .min(10 + room.saturating_sub(names));
    let room = widgets::flex_width(width, &[6, 21, 8, cmd_w, 6, 8]);
    let user_w = widgets::content_width(clients.iter().map(|c| c.user.as_str()), 8, 32)
        .min(8 + room.saturating_sub(32));
    let name_w = widgets::flex_width(width, &[6, 21, user_w, cmd_w, 6, 8]).min(32);
    let rows: Vec<Row<'static>> = clients
        .iter()
        .map(|c| {
            Row::new(vec![
                c.id.to_string(),
                format::truncate(&c.addr, 21),
                format::truncate(&c.name, usize::from(name_w)),
                format::truncate(&c.user, usize::from(user_w)),
                format::truncate(&c.cmd, usize::from(cmd_w)),
                format::age(c.idle_secs),
                format::bytes(c.omem),
            ])
        })
        .collect();
    let widths = [6, 21, name_w, user_w, cmd_w, 6, 8]
        .map(Constraint::Length)
        .to_vec();
    widgets::table(
        vec!["id", "addr", "name", "user", "cmd", "idle", "omem"],
        rows,
        widths,
        theme,
    )
}

/// Why the group table is not shown, if it is not.
fn list_note(pane: &ClientsPane) -> Option<String> {
    match &pane.list_status {
        PaneStatus::Pending => Some(format!(
            "client list: {}",
            pane.list_note.as_deref().unwrap_or("not fetched yet")
        )),
        PaneStatus::Error { message } => Some(format!("client list: {message}")),
        PaneStatus::Unavailable { message } => Some(message.clone()),
        PaneStatus::Ok | PaneStatus::Stale { .. } if pane.groups.is_empty() => {
            Some("client list: no clients".into())
        }
        PaneStatus::Ok | PaneStatus::Stale { .. } => None,
    }
}

fn groups_table(groups: &[ClientGroup], width: u16, theme: Theme) -> Table<'static> {
    let wide = width >= 60;
    let mut fixed = vec![4, 5, 8, 6];
    if wide {
        fixed.push(8);
    }
    let key_w = widgets::flex_width(width, &fixed).min(32);
    let rows: Vec<Row<'static>> = groups
        .iter()
        .map(|g| {
            let mut cells = vec![
                g.by.to_string(),
                format::truncate(&g.key, usize::from(key_w)),
                format::count(g.count),
                format::bytes(g.omem_bytes),
                format::age(g.max_idle_secs),
            ];
            if wide {
                cells.push(format::bytes(g.tot_mem_bytes));
            }
            Row::new(cells)
        })
        .collect();
    let mut header = vec!["by", "key", "n", "omem", "idle"];
    let mut widths = vec![
        Constraint::Length(4),
        Constraint::Length(key_w),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Length(6),
    ];
    if wide {
        header.push("tot-mem");
        widths.push(Constraint::Length(8));
    }
    widgets::table(header, rows, widths, theme)
}

/// One-line summary for small terminals: `412/10000 blocked 3`.
pub fn summary(pane: &ClientsPane) -> Vec<Span<'static>> {
    vec![Span::raw(format!(
        "{}/{} blocked {}",
        opt(pane.connected, format::count),
        opt(pane.max, format::count),
        opt(pane.blocked, format::count)
    ))]
}
