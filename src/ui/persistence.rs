//! Pane 4: persistence. A loud `WRITES BLOCKED` line when the last BGSAVE failed, a loading
//! gauge while the dataset loads, then RDB, AOF and fork figures, and the disk of the server's
//! dir when redtriage can see it (first when it is filling up).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::{self, Item, PaneFrame, PaneOpts, Rows, kv, kv_styled};
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::{PersistencePane, Verdict};

/// The alarm, longest first; the longest that fits the width is shown.
const MISCONF: [&str; 3] = [
    "WRITES BLOCKED: MISCONF (last bgsave failed)",
    "WRITES BLOCKED: MISCONF",
    "WRITES BLOCKED",
];

/// Draws the persistence pane in `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    pane: &PersistencePane,
    opts: &PaneOpts,
    theme: Theme,
) {
    let pf = PaneFrame {
        id: PaneId::Persistence,
        status: &pane.status,
        verdict: Some(pane.verdict),
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    if pane.writes_blocked_misconf
        && let Some(r) = rows.take(1)
    {
        let text = misconf_text(r.width);
        frame.render_widget(Paragraph::new(text).style(theme.alarm()), r);
    }
    if pane.loading
        && let Some(r) = rows.take(1)
    {
        loading_row(frame, r, pane, theme);
    }
    let disk = disk(pane, theme);
    let urgent =
        (pane.disk.as_ref()).is_some_and(|d| matches!(d.verdict, Verdict::Warn | Verdict::Crit));
    if urgent {
        widgets::draw_flow(frame, &mut rows, disk.clone());
    }
    widgets::draw_flow(frame, &mut rows, rdb(pane, theme));
    widgets::draw_flow(frame, &mut rows, aof(pane, theme));
    widgets::draw_flow(frame, &mut rows, other(pane, theme));
    if !urgent {
        widgets::draw_flow(frame, &mut rows, disk);
    }
}

/// `disk 93.1% used  1.2 GB free` (coloured by its verdict), or why it could not be read.
fn disk(pane: &PersistencePane, theme: Theme) -> Vec<Item> {
    let Some(d) = &pane.disk else {
        return Vec::new();
    };
    let Some(used) = d.used_percent else {
        let why = d.error.clone().unwrap_or_else(|| format::NONE.into());
        return vec![kv("disk", format!("? ({why})"), theme)];
    };
    let style = match d.verdict {
        Verdict::Ok => Style::new(),
        v => theme.verdict(v),
    };
    vec![
        kv_styled("disk", format!("{} used", format::pct(used)), style, theme),
        vec![Span::raw(format!(
            "{} free",
            opt(d.free_bytes, format::bytes)
        ))],
    ]
}

/// `loading 42.0% eta 12s ████░░░░`.
fn loading_row(frame: &mut Frame, r: Rect, pane: &PersistencePane, theme: Theme) {
    let label = Line::from(format!(
        "loading {} eta {}",
        opt(pane.loading_percent, format::pct),
        opt(pane.loading_eta_secs, format::age)
    ));
    let ratio = pane.loading_percent.unwrap_or(0.0) / 100.0;
    widgets::gauge(frame, r, ratio, label, theme.verdict(Verdict::Warn));
}

/// Delayed fsync (AOF), fork time, save config.
fn other(pane: &PersistencePane, theme: Theme) -> Vec<Item> {
    let mut other = Vec::new();
    if pane.aof_enabled != Some(false) {
        let fsync = pane.aof_delayed_fsync;
        let style = if fsync.unwrap_or(0) > 0 {
            theme.verdict(Verdict::Warn)
        } else {
            Style::new()
        };
        other.push(kv_styled(
            "delayed fsync",
            opt(fsync, format::count),
            style,
            theme,
        ));
    }
    other.push(kv(
        "fork",
        opt(pane.latest_fork_usec, format::micros),
        theme,
    ));
    if let Some(save) = &pane.save_config {
        other.push(kv("save", save.clone(), theme));
    } else if let Some(why) = &pane.save_unknown {
        other.push(kv("save", format!("? ({why})"), theme));
    }
    other
}

fn misconf_text(width: u16) -> &'static str {
    MISCONF
        .iter()
        .find(|t| format::width(t) <= usize::from(width))
        .copied()
        .unwrap_or(MISCONF[2])
}

fn status_item(label: &str, status: Option<&String>, theme: Theme) -> Item {
    let text = status.map_or_else(|| format::NONE.to_string(), Clone::clone);
    let style = match status.map(String::as_str) {
        Some("ok") | None => Style::new(),
        Some(_) => theme.verdict(Verdict::Crit),
    };
    kv_styled(label, text, style, theme)
}

/// `SAVING`/`REWRITING` while it runs; nothing otherwise.
fn running(b: Option<bool>, word: &'static str, theme: Theme) -> Option<Item> {
    (b == Some(true)).then(|| vec![Span::styled(word, theme.verdict(Verdict::Warn))])
}

fn rdb(pane: &PersistencePane, theme: Theme) -> Vec<Item> {
    let saved = if pane.rdb_never_saved {
        "not saved since start".to_string()
    } else {
        opt(pane.rdb_last_save_age_secs, |s| {
            format!("{} ago", format::age(s))
        })
    };
    let mut items = vec![
        kv("rdb", saved, theme),
        vec![Span::raw(opt(pane.rdb_changes_since_save, |n| {
            // Exact while small (`5 changes`, not `5.0`), compact once large (`18k`).
            let n = if n < 1000 {
                n.to_string()
            } else {
                format::num(n as f64)
            };
            format!("{n} changes")
        }))],
        status_item("bgsave", pane.rdb_last_bgsave_status.as_ref(), theme),
    ];
    items.extend(running(pane.rdb_bgsave_in_progress, "SAVING", theme));
    items
}

fn aof(pane: &PersistencePane, theme: Theme) -> Vec<Item> {
    let enabled = match pane.aof_enabled {
        Some(true) => "on",
        Some(false) => "off",
        None => format::NONE,
    };
    let mut items = vec![kv("aof", enabled, theme)];
    if pane.aof_enabled != Some(false) {
        items.push(status_item(
            "write",
            pane.aof_last_write_status.as_ref(),
            theme,
        ));
        items.push(status_item(
            "rewrite",
            pane.aof_last_rewrite_status.as_ref(),
            theme,
        ));
        items.extend(running(pane.aof_rewrite_in_progress, "REWRITING", theme));
    }
    items
}

/// One-line summary for small terminals: `WRITES BLOCKED: MISCONF` or `rdb 4m10s ago bgsave ok`.
pub fn summary(pane: &PersistencePane, theme: Theme) -> Vec<Span<'static>> {
    if pane.writes_blocked_misconf {
        return vec![Span::styled(MISCONF[1], theme.alarm())];
    }
    if let Some(d) =
        (pane.disk.as_ref()).filter(|d| matches!(d.verdict, Verdict::Warn | Verdict::Crit))
        && let Some(used) = d.used_percent
    {
        return vec![Span::styled(
            format!("disk {} used", format::pct(used)),
            theme.verdict(d.verdict),
        )];
    }
    let saved = if pane.rdb_never_saved {
        "not saved since start".to_string()
    } else {
        format!("{} ago", opt(pane.rdb_last_save_age_secs, format::age))
    };
    vec![Span::raw(format!(
        "rdb {saved} bgsave {}",
        pane.rdb_last_bgsave_status
            .as_deref()
            .unwrap_or(format::NONE)
    ))]
}
