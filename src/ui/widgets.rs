//! Pieces shared by the panes: the pane frame (title, focus marker, status, verdict word),
//! a row allocator, a flowing layout for figures, gauges, sparklines and tables.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, LineGauge, Paragraph, Row, Sparkline, Table};

use super::theme::Theme;
use crate::format;
use crate::model::ui_state::PaneId;
use crate::model::view::{PaneStatus, Verdict};

/// Marker before the focused pane's title, so focus shows without colour.
pub const FOCUS_MARKER: &str = "▶";

/// Text of a pane that has received nothing yet.
pub const PENDING_TEXT: &str = "waiting for first sample…";

/// A pane's frame: which pane, its freshness and verdict, whether it has focus.
pub struct PaneFrame<'a> {
    pub id: PaneId,
    pub status: &'a PaneStatus,
    /// `None` for a pane without a health verdict (slowlog).
    pub verdict: Option<Verdict>,
    pub focused: bool,
}

/// How a pane is drawn besides its data: focus, zoom, action marks, the kill key.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaneOpts<'a> {
    pub focused: bool,
    /// The pane fills the grid (the clients pane then shows its selection and hints).
    pub zoomed: bool,
    /// Samples ago of each action run, newest first: a marker on every sparkline.
    pub marks: &'a [usize],
    /// The runbook key that kills the selected client or group, for the clients hint.
    pub kill_key: Option<char>,
}

/// Draws the pane's block and status; returns the area left for figures, or `None` when the
/// pane is pending (nothing to show but the waiting text).
///
/// Full borders when the area is at least 5 rows high, otherwise no bottom border (a row
/// more for figures); the sides stay, so two panes side by side never run together.
pub fn frame_pane(frame: &mut Frame, area: Rect, pf: &PaneFrame, theme: Theme) -> Option<Rect> {
    let borders = match (area.height >= 5, area.width >= 12) {
        (true, true) => Borders::ALL,
        (false, true) => Borders::TOP | Borders::LEFT | Borders::RIGHT,
        _ => Borders::TOP,
    };
    let block = Block::default()
        .borders(borders)
        .border_style(theme.border(pf.focused))
        .title_top(title_left(pf, theme))
        .title_top(title_right(pf, theme).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match pf.status {
        PaneStatus::Pending => {
            frame.render_widget(Paragraph::new(PENDING_TEXT).style(theme.label()), inner);
            None
        }
        PaneStatus::Error { message } => {
            let mut rows = Rows::new(inner);
            if let Some(r) = rows.take(1) {
                let line = Line::from(vec![
                    Span::styled("error ", theme.verdict(Verdict::Warn)),
                    Span::raw(message.as_str()),
                ]);
                frame.render_widget(Paragraph::new(line), r);
            }
            Some(rows.rest())
        }
        PaneStatus::Unavailable { message } => {
            // Not an error: the server does not offer it. Said in the pane, in full (wrapped
            // over two rows when narrow), and the INFO figures follow.
            let mut rows = Rows::new(inner);
            wrapped_note(frame, &mut rows, message, 2, theme);
            Some(rows.rest())
        }
        PaneStatus::Ok | PaneStatus::Stale { .. } => Some(inner),
    }
}

fn title_left(pf: &PaneFrame, theme: Theme) -> Line<'static> {
    let text = if pf.focused {
        format!("{FOCUS_MARKER} {} ", pf.id.title())
    } else {
        format!(" {} ", pf.id.title())
    };
    Line::from(Span::styled(text, theme.title(pf.focused)))
}

fn title_right(pf: &PaneFrame, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    match pf.status {
        PaneStatus::Stale { age_secs } => spans.push(Span::styled(
            format!(" stale {} ", format::age(*age_secs)),
            theme.verdict(Verdict::Warn),
        )),
        PaneStatus::Error { .. } => {
            spans.push(Span::styled(" error ", theme.verdict(Verdict::Warn)));
        }
        PaneStatus::Pending | PaneStatus::Ok | PaneStatus::Unavailable { .. } => {}
    }
    if let Some(v) = pf.verdict
        && !matches!(pf.status, PaneStatus::Pending)
    {
        spans.push(verdict_span(v, theme));
    }
    Line::from(spans)
}

/// The verdict as a padded word in its style: ` WARN `.
pub fn verdict_span(v: Verdict, theme: Theme) -> Span<'static> {
    Span::styled(format!(" {} ", v.word()), theme.verdict(v))
}

/// The verdict as a bare word in its style: `WARN`.
pub fn verdict_word(v: Verdict, theme: Theme) -> Span<'static> {
    Span::styled(v.word(), theme.verdict(v))
}

/// Hands out rows of an area from the top.
pub struct Rows {
    area: Rect,
}

impl Rows {
    pub fn new(area: Rect) -> Self {
        Self { area }
    }

    /// Rows left.
    pub fn left(&self) -> u16 {
        self.area.height
    }

    /// Takes up to `n` rows from the top; `None` when no row is left or `n` is 0.
    pub fn take(&mut self, n: u16) -> Option<Rect> {
        let n = n.min(self.area.height);
        if n == 0 || self.area.width == 0 {
            return None;
        }
        let taken = Rect {
            height: n,
            ..self.area
        };
        self.area.y += n;
        self.area.height -= n;
        Some(taken)
    }

    /// Takes up to `n` rows from the bottom.
    pub fn take_bottom(&mut self, n: u16) -> Option<Rect> {
        let n = n.min(self.area.height);
        if n == 0 || self.area.width == 0 {
            return None;
        }
        self.area.height -= n;
        Some(Rect {
            y: self.area.y + self.area.height,
            height: n,
            ..self.area
        })
    }

    /// Everything left.
    pub fn rest(&self) -> Rect {
        self.area
    }
}

/// A figure: a few spans that stay together on one line.
pub type Item = Vec<Span<'static>>;

/// `label value`, the label dim.
pub fn kv(label: &str, value: impl Into<String>, theme: Theme) -> Item {
    vec![
        Span::styled(format!("{label} "), theme.label()),
        Span::raw(value.into()),
    ]
}

/// `label value`, the value styled.
pub fn kv_styled(label: &str, value: impl Into<String>, style: Style, theme: Theme) -> Item {
    vec![
        Span::styled(format!("{label} "), theme.label()),
        Span::styled(value.into(), style),
    ]
}

/// Lays figures out left to right, two spaces apart, wrapping when a line is full.
pub fn flow(items: Vec<Item>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for item in items {
        let w: usize = item.iter().map(Span::width).sum();
        if used > 0 && used + 2 + w > width {
            lines.push(Line::from(std::mem::take(&mut current)));
            used = 0;
        }
        if used > 0 {
            current.push(Span::raw("  "));
            used += 2;
        }
        current.extend(item);
        used += w;
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// Draws lines at the top of `rows`, as many as fit.
pub fn draw_lines(frame: &mut Frame, rows: &mut Rows, lines: Vec<Line<'static>>) {
    let n = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    if let Some(r) = rows.take(n) {
        frame.render_widget(Paragraph::new(lines), r);
    }
}

/// Flows figures and draws them at the top of `rows`.
pub fn draw_flow(frame: &mut Frame, rows: &mut Rows, items: Vec<Item>) {
    let lines = flow(items, rows.rest().width);
    draw_lines(frame, rows, lines);
}

/// A one-row gauge `label ████░░░░`; `ratio` is clamped to 0..=1 (NaN → 0).
pub fn gauge(frame: &mut Frame, area: Rect, ratio: f64, label: Line<'static>, style: Style) {
    let ratio = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let g = LineGauge::default()
        .ratio(ratio)
        .label(label)
        .filled_symbol("█")
        .unfilled_symbol("░")
        .filled_style(style)
        .unfilled_style(style.remove_modifier(Modifier::REVERSED | Modifier::BOLD));
    frame.render_widget(g, area);
}

/// How a sparkline is scaled.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    /// 0 at the bottom, this value at the top (hit rate: 10 000 = 100 %).
    Fixed(u64),
    /// The window's minimum at the bottom, its maximum at the top: shows the shape.
    Window,
}

/// Tallest sparkline drawn in a normal pane; a zoomed pane may use half its rows.
const SPARK_MAX_ROWS: u16 = 8;

/// A history to draw as a sparkline, with the caption's label and figure format.
pub struct Trend<'a> {
    /// Oldest first.
    pub data: &'a [u64],
    pub scale: Scale,
    /// `used`, `ping`…
    pub label: &'static str,
    /// Formats a data point for the caption (`format::bytes`).
    pub fmt: fn(u64) -> String,
    pub style: Style,
    /// Samples ago of each action run: a marker at that column when it is on screen.
    pub marks: &'a [usize],
    /// How many of the oldest points came from the Prometheus backfill; the seam between
    /// them and the live points is marked `┆`.
    pub seam: usize,
}

/// Marks where backfilled history ends and live samples begin.
pub const SEAM_MARK: &str = "┆";

/// Draws a trend in what is left of `rows`: a caption
/// (`used: min 70.0 MB  max 83.0 MB  last 120 samples`) when at least 4 rows are left, then the
/// sparkline of the newest points below it, right-aligned so the newest point is at the right
/// edge.
pub fn trend(frame: &mut Frame, rows: &mut Rows, t: &Trend, theme: Theme) {
    if t.data.is_empty() || rows.left() == 0 {
        return;
    }
    let (min, max) = t
        .data
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if rows.left() >= 4
        && let Some(r) = rows.take(1)
    {
        let line = Line::from(vec![
            Span::styled(format!("{}: min ", t.label), theme.label()),
            Span::raw((t.fmt)(min)),
            Span::styled("  max ", theme.label()),
            Span::raw((t.fmt)(max)),
            Span::styled(format!("  last {} samples", t.data.len()), theme.label()),
        ]);
        let line = if t.seam > 0 {
            let mut line = line;
            line.push_span(Span::styled(
                format!("  {SEAM_MARK} live after"),
                theme.label(),
            ));
            line
        } else {
            line
        };
        frame.render_widget(Paragraph::new(line), r);
    }
    spark(frame, rows.rest(), t, (min, max), theme);
}

fn spark(frame: &mut Frame, area: Rect, t: &Trend, (min, max): (u64, u64), theme: Theme) {
    let height = area.height.min(SPARK_MAX_ROWS.max(area.height / 2));
    let shown = &t.data[t.data.len().saturating_sub(usize::from(area.width))..];
    let width = u16::try_from(shown.len())
        .unwrap_or(area.width)
        .min(area.width);
    let r = Rect {
        x: area.x + area.width - width,
        y: area.y,
        width,
        height,
    };
    // Window: offset by 1/8 of the range so the window's minimum still draws a bar.
    let (points, top): (Vec<u64>, u64) = match t.scale {
        Scale::Fixed(m) => (shown.iter().map(|v| (*v).min(m)).collect(), m),
        Scale::Window => {
            let pad = (max - min) / 8 + 1;
            (
                shown.iter().map(|v| v - min + pad).collect(),
                max - min + pad,
            )
        }
    };
    frame.render_widget(Sparkline::default().data(points).max(top).style(t.style), r);
    // The seam: the first live point's column, marked on the top row.
    let hidden = t.data.len() - shown.len();
    let seam = t.seam.saturating_sub(hidden);
    if seam > 0 && seam < shown.len() && r.height > 0 {
        let cell = Rect {
            x: r.x + u16::try_from(seam).unwrap_or(0),
            width: 1,
            height: 1,
            ..r
        };
        frame.render_widget(Paragraph::new(SEAM_MARK).style(t.style), cell);
    }
    marks(frame, r, t.marks, theme);
}

/// Marker drawn on a sparkline at the moment of an action.
pub const MARK: &str = "▼";

/// For each mark on screen, the sparkline column `ago` columns from the right edge (the
/// newest point) in the mark style, with a [`MARK`] in its top row.
fn marks(frame: &mut Frame, r: Rect, marks: &[usize], theme: Theme) {
    if r.width == 0 || r.height == 0 {
        return;
    }
    let buf = frame.buffer_mut();
    for ago in marks {
        let Ok(ago) = u16::try_from(*ago) else {
            continue;
        };
        if ago < r.width {
            let x = r.x + r.width - 1 - ago;
            for y in r.y..r.y + r.height {
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_style(theme.mark());
                    if y == r.y {
                        cell.set_symbol(MARK);
                    }
                }
            }
        }
    }
}

/// A table with a bold header row, one space between columns.
pub fn table(
    header: Vec<&'static str>,
    rows: Vec<Row<'static>>,
    widths: Vec<Constraint>,
    theme: Theme,
) -> Table<'static> {
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.table_header()))
        .column_spacing(1)
}

/// Rows `text` takes wrapped at `width` (a word may push a line over, so one spare).
pub fn wrapped_rows(text: &str, width: u16) -> u16 {
    let w = format::width(text);
    let width = usize::from(width.max(1));
    if w <= width {
        1
    } else {
        u16::try_from(w.div_ceil(width) + 1).unwrap_or(u16::MAX)
    }
}

/// `text` in the label style, wrapped over the rows it needs (at most `max_rows`), taken
/// from `rows`: a pane's word on what it cannot show.
pub fn wrapped_note(frame: &mut Frame, rows: &mut Rows, text: &str, max_rows: u16, theme: Theme) {
    let need = wrapped_rows(text, rows.rest().width).min(max_rows);
    if let Some(r) = rows.take(need) {
        let p = Paragraph::new(text.to_string())
            .style(theme.label())
            .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(p, r);
    }
}

/// The width a text column needs to show `texts` whole, at least `min` and at most `max`
/// cells: escaped data (`\x1b[2J…`) is long, and a wide pane should not cut it.
pub fn content_width<'a>(texts: impl IntoIterator<Item = &'a str>, min: u16, max: u16) -> u16 {
    let w = texts
        .into_iter()
        .map(crate::format::width)
        .max()
        .unwrap_or(0);
    u16::try_from(w).unwrap_or(u16::MAX).clamp(min, max)
}

/// Width left for a flexible column once `fixed` columns (and one space between each of the
/// `fixed.len() + 1` columns) are placed.
pub fn flex_width(total: u16, fixed: &[u16]) -> u16 {
    let used: u16 = fixed.iter().sum::<u16>() + u16::try_from(fixed.len()).unwrap_or(0);
    total.saturating_sub(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_wraps_whole_items() {
        let t = Theme::new(false);
        let lines = flow(
            vec![kv("a", "1", t), kv("bb", "22", t), kv("c", "3", t)],
            10,
        );
        let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
        assert_eq!(text, vec!["a 1  bb 22", "c 3"]);
    }

    #[test]
    fn rows_never_overdraw() {
        let mut rows = Rows::new(Rect::new(0, 0, 5, 3));
        assert_eq!(rows.take(2), Some(Rect::new(0, 0, 5, 2)));
        assert_eq!(rows.take_bottom(5), Some(Rect::new(0, 2, 5, 1)));
        assert_eq!(rows.take(1), None);
        assert_eq!(rows.left(), 0);
    }
}
