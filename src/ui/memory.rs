//! Pane 1: memory. Used/max gauge with percent and verdict word, RSS, peak, fragmentation,
//! evictions, policy, and a sparkline of used bytes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::{self, Item, PaneFrame, PaneOpts, Rows, Scale, Trend, kv};
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::{MemoryPane, Verdict};

/// Draws the memory pane in `area`.
pub fn render(frame: &mut Frame, area: Rect, pane: &MemoryPane, opts: &PaneOpts, theme: Theme) {
    let pf = PaneFrame {
        id: PaneId::Memory,
        status: &pane.status,
        verdict: Some(pane.verdict),
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    if let Some(r) = rows.take(1) {
        usage_row(frame, r, pane, theme);
    }
    widgets::draw_flow(frame, &mut rows, figures(pane, theme));
    let style = theme
        .verdict(pane.verdict)
        .remove_modifier(ratatui::style::Modifier::REVERSED);
    let t = Trend {
        data: &pane.spark,
        scale: Scale::Window,
        label: "used",
        fmt: format::bytes,
        style,
        marks: opts.marks,
        seam: pane.spark_backfilled,
    };
    widgets::trend(frame, &mut rows, &t, theme);
}

/// `83.0 MB / 100 MB 83.0% WARN ████░░`, or `used 83.0 MB  no maxmemory set` when unlimited.
fn usage_row(frame: &mut Frame, r: Rect, pane: &MemoryPane, theme: Theme) {
    let used = opt(pane.used_bytes, format::bytes);
    if pane.max_bytes == Some(0) {
        let line = Line::from(vec![
            Span::styled("used ", theme.label()),
            Span::raw(used),
            Span::raw("  "),
            Span::styled("no maxmemory set", theme.verdict(Verdict::Warn)),
        ]);
        frame.render_widget(Paragraph::new(line), r);
        return;
    }
    let label = Line::from(vec![
        Span::raw(format!("{used} / {} ", opt(pane.max_bytes, format::bytes))),
        Span::styled(
            opt(pane.used_percent, format::pct),
            theme.verdict(pane.verdict),
        ),
        Span::raw(" "),
        widgets::verdict_word(pane.verdict, theme),
    ]);
    let ratio = pane.used_percent.unwrap_or(0.0) / 100.0;
    widgets::gauge(frame, r, ratio, label, theme.verdict(pane.verdict));
}

fn figures(pane: &MemoryPane, theme: Theme) -> Vec<Item> {
    vec![
        kv("rss", opt(pane.rss_bytes, format::bytes), theme),
        kv("peak", opt(pane.peak_bytes, format::bytes), theme),
        kv(
            "frag",
            opt(pane.fragmentation_ratio, |f| format!("{f:.2}")),
            theme,
        ),
        kv("evict", opt(pane.evictions_per_sec, format::rate), theme),
        kv(
            "policy",
            pane.policy.clone().unwrap_or_else(|| format::NONE.into()),
            theme,
        ),
    ]
}

/// One-line summary for small terminals: `83.0% 83.0 MB/100 MB`.
pub fn summary(pane: &MemoryPane, theme: Theme) -> Vec<Span<'static>> {
    let used = opt(pane.used_bytes, format::bytes);
    if pane.max_bytes == Some(0) {
        return vec![
            Span::raw(format!("{used} ")),
            Span::styled("no maxmemory", theme.verdict(Verdict::Warn)),
        ];
    }
    vec![Span::raw(format!(
        "{} {used}/{}",
        opt(pane.used_percent, format::pct),
        opt(pane.max_bytes, format::bytes)
    ))]
}
