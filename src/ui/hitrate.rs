//! Pane 5: keyspace hit rate. Now (10 s), 1 min (with the verdict) and 5 min percentages,
//! lookups per second, the runbook target, the key count (with its recent peak after a fall),
//! and a sparkline of the per-tick rate.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;

use super::theme::Theme;
use super::widgets::{self, PaneFrame, PaneOpts, Rows, Scale, Trend, kv, kv_styled};
use crate::format::{self, opt};
use crate::model::ui_state::PaneId;
use crate::model::view::HitRatePane;

/// Spark values are percent ×100.
const SPARK_MAX: u64 = 10_000;

/// Draws the hit-rate pane in `area`.
pub fn render(frame: &mut Frame, area: Rect, pane: &HitRatePane, opts: &PaneOpts, theme: Theme) {
    let pf = PaneFrame {
        id: PaneId::HitRate,
        status: &pane.status,
        verdict: Some(pane.verdict),
        focused: opts.focused,
    };
    let Some(inner) = widgets::frame_pane(frame, area, &pf, theme) else {
        return;
    };
    let mut rows = Rows::new(inner);
    // The verdict is the 1-minute rate's (the health table's), so it stands beside that one.
    let mut m1 = kv_styled(
        "1m",
        opt(pane.m1_percent, format::pct),
        theme.verdict(pane.verdict),
        theme,
    );
    m1.push(Span::raw(" "));
    m1.push(widgets::verdict_word(pane.verdict, theme));
    let figures = vec![
        kv("now", opt(pane.now_percent, format::pct), theme),
        m1,
        kv("5m", opt(pane.m5_percent, format::pct), theme),
        kv("lookups", opt(pane.lookups_per_sec, format::rate), theme),
        kv(
            "target",
            format!(">{}%", format::num(pane.target_percent)),
            theme,
        ),
    ];
    let mut figures = figures;
    // The key count where there is room (zoomed) or when it fell (a FLUSHALL).
    if let Some(keys) = pane.keys
        && (opts.zoomed || pane.keys_peak.is_some_and(|p| p.keys >= 2 * keys.max(1)))
    {
        figures.push(keys_figure(keys, pane.keys_peak, theme));
    }
    widgets::draw_flow(frame, &mut rows, figures);
    let style = theme
        .verdict(pane.verdict)
        .remove_modifier(Modifier::REVERSED);
    let t = Trend {
        data: &pane.spark,
        scale: Scale::Fixed(SPARK_MAX),
        label: "hit rate",
        fmt: spark_pct,
        style,
        marks: opts.marks,
        seam: pane.spark_backfilled,
    };
    widgets::trend(frame, &mut rows, &t, theme);
}

/// `keys 48210`, or after a fall `keys 0 (300 12s ago)`, the fall in the warn colour: a cache
/// that lost its keys (FLUSHALL, a restart without persistence) misses everything.
fn keys_figure(
    keys: u64,
    peak: Option<crate::model::view::KeysPeak>,
    theme: Theme,
) -> Vec<Span<'static>> {
    match peak.filter(|p| p.keys >= 2 * keys.max(1)) {
        Some(p) => kv_styled(
            "keys",
            format!("{keys} ({} {} ago)", p.keys, format::age(p.ago_secs)),
            theme.verdict(crate::model::view::Verdict::Warn),
            theme,
        ),
        None => kv("keys", keys.to_string(), theme),
    }
}

/// A spark value (percent ×100) as `94.1%`.
fn spark_pct(v: u64) -> String {
    format::pct(v as f64 / 100.0)
}

/// One-line summary for small terminals: `now 92.1% 5m 94.0%`.
pub fn summary(pane: &HitRatePane) -> Vec<Span<'static>> {
    vec![Span::raw(format!(
        "now {} 5m {}",
        opt(pane.now_percent, format::pct),
        opt(pane.m5_percent, format::pct)
    ))]
}
