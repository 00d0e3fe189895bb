//! Layout for terminals too small for the grid: the connection line, one summary line per
//! pane with its key figures and verdict word, and the focused pane below when it fits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::{FOCUS_MARKER, PaneOpts, Rows, verdict_word};
use super::{clients, errors, header, hitrate, memory, persistence, slowlog};
use crate::format;
use crate::model::actions::view::ActionsView;
use crate::model::ui_state::{Body, PaneId, UiState};
use crate::model::view::{PaneStatus, Snapshot, Verdict};

/// Draws the compact layout in `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    ui: &UiState,
    view: &ActionsView,
    theme: Theme,
) {
    let mut rows = Rows::new(area);
    if let Some(r) = rows.take(1) {
        frame.render_widget(
            Paragraph::new(header::identity_fitting(&snap.header, ui, r.width, theme)),
            r,
        );
    }
    // The health verdict and why, as on the full screen's second line.
    if area.height >= 6
        && let Some(r) = rows.take(1)
    {
        frame.render_widget(Paragraph::new(header::health_line(&snap.header, theme)), r);
    }
    // The incident log error, the watch and the running action: one line, right below.
    if let Some(line) = header::actions_line(&snap.header, theme)
        && let Some(r) = rows.take(1)
    {
        frame.render_widget(Paragraph::new(line), r);
    }
    let roomy = area.height >= 10;
    if area.height >= 8
        && let Some(r) = rows.take(1)
    {
        super::diagnosis::render_line(frame, r, &snap.diagnosis, theme);
    }
    if roomy && let Some(r) = rows.take_bottom(1) {
        let footer = super::footer_line(ui, view, r.width, theme);
        frame.render_widget(Paragraph::new(footer), r);
    }
    // The Diagnosis and Runbook panes take what is left.
    if ui.body == Body::Diagnosis {
        let sug = view.suggested.as_ref();
        super::diagnosis::render_pane(frame, rows.rest(), &snap.diagnosis, ui.diag_sel, sug, theme);
        return;
    }
    if ui.body == Body::Topology {
        super::topology::render_pane(frame, rows.rest(), &snap.topology, theme);
        return;
    }
    if ui.body == Body::Container {
        super::container::render_pane(frame, rows.rest(), snap.container.as_ref(), theme);
        return;
    }
    if let (Body::Runbook, Some(g)) = (ui.body, view.guide.as_ref()) {
        super::guide::render(frame, rows.rest(), g, ui.guide_scroll, theme);
        return;
    }
    let lines: Vec<Line<'static>> = PaneId::ALL
        .iter()
        .map(|id| summary_line(*id, snap, ui.focus == *id, theme))
        .collect();
    if let Some(r) = rows.take(6) {
        frame.render_widget(Paragraph::new(lines), r);
    }
    if rows.left() >= 4 {
        let opts = PaneOpts {
            focused: true,
            zoomed: ui.zoomed,
            marks: &snap.marks_ago,
            kill_key: super::kill_key(view),
        };
        super::render_pane(frame, rows.rest(), snap, ui.focus, &opts, theme);
    }
}

/// `▶1 Memory   83.0 MB/100 MB 83.0% WARN stale 12s`.
fn summary_line(id: PaneId, snap: &Snapshot, focused: bool, theme: Theme) -> Line<'static> {
    let marker = if focused { FOCUS_MARKER } else { " " };
    let mut spans = vec![Span::styled(
        format!("{marker}{:<10}", short_title(id)),
        theme.title(focused),
    )];
    spans.push(Span::raw(" "));
    let status = pane_status(id, snap);
    if matches!(status, PaneStatus::Pending) {
        spans.push(Span::styled("waiting…", theme.label()));
        return Line::from(spans);
    }
    // The verdict word right after the title, so it survives a narrow terminal.
    if let Some(v) = verdict(id, snap) {
        spans.push(verdict_word(v, theme));
        spans.push(Span::raw(" "));
    }
    spans.extend(match id {
        PaneId::Memory => memory::summary(&snap.memory, theme),
        PaneId::Clients => clients::summary(&snap.clients),
        PaneId::Slowlog => slowlog::summary(&snap.slowlog),
        PaneId::Persistence => persistence::summary(&snap.persistence, theme),
        PaneId::HitRate => hitrate::summary(&snap.hit_rate),
        PaneId::Errors => errors::summary(&snap.errors),
    });
    let warn = theme.verdict(Verdict::Warn);
    match status {
        PaneStatus::Stale { age_secs } => {
            spans.push(Span::styled(
                format!(" stale {}", format::age(*age_secs)),
                warn,
            ));
        }
        PaneStatus::Error { .. } => spans.push(Span::styled(" error", warn)),
        PaneStatus::Unavailable { .. } => spans.push(Span::styled(" n/a", theme.label())),
        PaneStatus::Pending | PaneStatus::Ok => {}
    }
    Line::from(spans)
}

fn short_title(id: PaneId) -> &'static str {
    match id {
        PaneId::Persistence => "4 Persist",
        PaneId::Errors => "6 Errors",
        other => other.title(),
    }
}

fn verdict(id: PaneId, snap: &Snapshot) -> Option<Verdict> {
    match id {
        PaneId::Memory => Some(snap.memory.verdict),
        PaneId::Clients => Some(snap.clients.verdict),
        PaneId::Slowlog => None,
        PaneId::Persistence => Some(snap.persistence.verdict),
        PaneId::HitRate => Some(snap.hit_rate.verdict),
        PaneId::Errors => Some(snap.errors.verdict),
    }
}

fn pane_status(id: PaneId, snap: &Snapshot) -> &PaneStatus {
    match id {
        PaneId::Memory => &snap.memory.status,
        PaneId::Clients => &snap.clients.status,
        PaneId::Slowlog => &snap.slowlog.status,
        PaneId::Persistence => &snap.persistence.status,
        PaneId::HitRate => &snap.hit_rate.status,
        PaneId::Errors => &snap.errors.status,
    }
}
