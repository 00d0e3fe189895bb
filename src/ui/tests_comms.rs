//! Snapshots of the communication overlay (80×24, editing) and a no-panic sweep.

#![allow(clippy::unwrap_used)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::model::comms::{Facts, Overlay, Templates};
use crate::ui::tests::text;
use crate::ui::theme::Theme;

fn overlay() -> Overlay {
    let facts = Facts {
        severity: "MEDIUM".into(),
        status: "MONITORING".into(),
        impact: "Cache available, hit rate 91.2%".into(),
        eta: "17 minutes".into(),
        duration: "13 minutes".into(),
        root_cause: "Out of memory — used 97.0% of maxmemory 2.0 MB".into(),
        headline: "Redis: Out of memory".into(),
        mitigation: "maxmemory running".into(),
        actions: "maxmemory (ok); restart-plain (ok)".into(),
        fix: "maxmemory; restart-plain".into(),
        validation: "stability watch running: STABLE 1m10s / 5m, hit rate 91.2%".into(),
        performance: "Redis PING p50 0.21 ms (target < 1 ms), 1200 ops/s".into(),
        hit_rate: "91.2%".into(),
        latency: "0.21 ms".into(),
        target: "redis://app:****@10.0.0.5:6379/0".into(),
    };
    Overlay::new(&Templates::default(), &facts)
}

fn screen(o: &Overlay, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| render(f, Some(o), Theme::new(true)))
        .unwrap();
    text(terminal.backend().buffer())
}

#[test]
fn comms_overlay_80x24() {
    let mut o = overlay();
    o.kind = crate::model::comms::Kind::Update;
    o.status = Some("copied 212 bytes (OSC 52: tmux needs set-clipboard on)".into());
    insta::assert_snapshot!("comms_update_80x24", screen(&o, 80, 24));
}

#[test]
fn comms_overlay_editing_80x24() {
    let mut o = overlay();
    o.kind = crate::model::comms::Kind::Resolution;
    o.editing = true;
    insta::assert_snapshot!("comms_resolution_editing_80x24", screen(&o, 80, 24));
}

#[test]
fn comms_overlay_never_panics_small() {
    let mut o = overlay();
    for editing in [false, true] {
        o.editing = editing;
        o.editors[0].row = 5;
        o.editors[0].col = 30;
        for (w, h) in [(20, 5), (1, 1), (10, 3), (80, 8), (30, 24)] {
            let _ = screen(&o, w, h);
        }
    }
}
