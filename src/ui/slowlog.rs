//! Pane 3: slowlog. A line with length, new entries per minute and threshold, then the
//! entries newest first: id, age, duration, args (cut with `…`), client.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use super::theme::Theme;
use super::widgets::{self, PaneFrame, PaneOpts, Rows, kv};
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::{SlowlogPane, SlowlogRow};

/// Draws the slowlog pane in `area`.
pub fn render(frame: &mut Frame, area: Rect, pane: &SlowlogPane, opts: &PaneOpts, theme: Theme) {
    // The slowlog has no verdict of its own: it is evidence, not a health target.
    let pf = PaneFrame {
        id: PaneId::Slowlog,
        status: &pane.status,
        verdict: None,
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    if !pane.by_commandstats.is_empty() {
        // SLOWLOG is unavailable (its figures would all be dashes): what INFO offers instead.
        by_commandstats(frame, &mut rows, pane, theme);
        return;
    }
    let figures = vec![
        kv("len", opt(pane.length, format::count), theme),
        kv(
            "new",
            opt(pane.new_per_min, |v| format!("{}/min", format::num(v))),
            theme,
        ),
        kv("over", opt(pane.threshold_us, threshold), theme),
    ];
    widgets::draw_flow(frame, &mut rows, figures);
    if pane.entries.is_empty() {
        frame.render_widget(
            Paragraph::new("no entries").style(theme.label()),
            rows.rest(),
        );
        return;
    }
    frame.render_widget(
        entries_table(&pane.entries, rows.rest().width, theme),
        rows.rest(),
    );
}

/// What INFO offers when SLOWLOG is unavailable: the slowest commands on average.
fn by_commandstats(frame: &mut Frame, rows: &mut Rows, pane: &SlowlogPane, theme: Theme) {
    if let Some(r) = rows.take(1) {
        frame.render_widget(
            Paragraph::new("slowest per call (INFO commandstats):").style(theme.label()),
            r,
        );
    }
    let lines: Vec<Line<'static>> = pane
        .by_commandstats
        .iter()
        .map(|c| {
            Line::from(vec![
                Span::raw(format!(
                    "{:>9} ",
                    format::micros(c.usec_per_call.round() as u64)
                )),
                Span::raw(c.command.clone()),
                Span::styled(format!(" ×{}", format::count(c.calls)), theme.label()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows.rest());
}

/// `slowlog-log-slower-than`: negative disables the log, 0 logs everything.
fn threshold(us: i64) -> String {
    match u64::try_from(us) {
        Ok(0) => "0 (logs all)".into(),
        Ok(v) => format::micros(v),
        Err(_) => "off".into(),
    }
}

fn entries_table(entries: &[SlowlogRow], width: u16, theme: Theme) -> Table<'static> {
    // Narrow: age, duration, args. Wide: id and client too.
    let wide = width >= 60;
    let client_w: u16 = if wide { (width / 5).clamp(12, 28) } else { 0 };
    let fixed: Vec<u16> = if wide {
        vec![7, 6, 7, client_w]
    } else {
        vec![6, 7]
    };
    let args_w = widgets::flex_width(width, &fixed);
    let rows: Vec<Row<'static>> = entries
        .iter()
        .map(|e| {
            let args = format::truncate(&e.args, usize::from(args_w));
            let (age, dur) = (format::age(e.age_secs), format::micros(e.duration_us));
            if wide {
                let client = format::truncate(&e.client, usize::from(client_w));
                Row::new(vec![e.id.to_string(), age, dur, args, client])
            } else {
                Row::new(vec![age, dur, args])
            }
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec!["id", "age", "took", "command", "client"],
            vec![
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(7),
                Constraint::Length(args_w),
                Constraint::Length(client_w),
            ],
        )
    } else {
        (
            vec!["age", "took", "command"],
            vec![
                Constraint::Length(6),
                Constraint::Length(7),
                Constraint::Length(args_w),
            ],
        )
    };
    widgets::table(header, rows, widths, theme)
}

/// One-line summary for small terminals: `len 128 new 2.0/min last 12.3ms`.
pub fn summary(pane: &SlowlogPane) -> Vec<Span<'static>> {
    let last = pane.entries.first().map(|e| e.duration_us);
    vec![Span::raw(format!(
        "len {} new {}/min last {}",
        opt(pane.length, format::count),
        opt(pane.new_per_min, format::num),
        opt(last, format::micros)
    ))]
}
