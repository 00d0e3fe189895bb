//! One full frame of `snapshot_ok()` on a `TestBackend`, at common terminal sizes.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use redtriage::model::actions::view::ActionsView;
use redtriage::model::fixtures::snapshot_ok;
use redtriage::model::ui_state::UiState;
use redtriage::ui::{Theme, draw};

fn render(c: &mut Criterion) {
    let snap = snapshot_ok();
    let ui = UiState::default();
    let actions = ActionsView::default();
    let theme = Theme::new(true);
    for (w, h) in [(80, 24), (200, 50), (300, 100)] {
        let Ok(mut terminal) = Terminal::new(TestBackend::new(w, h));
        c.bench_function(&format!("draw {w}x{h}"), |b| {
            b.iter(|| {
                // Clear so every iteration diffs and flushes a whole frame, as on a resize.
                let Ok(()) = terminal.clear();
                let Ok(_) =
                    terminal.draw(|f| draw(f, std::hint::black_box(&snap), &ui, &actions, &theme));
            });
        });
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
