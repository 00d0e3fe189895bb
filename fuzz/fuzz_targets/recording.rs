//! A recording loaded by `redtriage replay` (a file from anywhere): the reader never panics,
//! its error names the line and is escaped (it goes to the terminal), and a recording it accepts replays through the
//! real model and draws a whole frame with no control or bidi character in any cell.
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use redtriage::modes::replay;
use redtriage::record::reader;
use redtriage::ui::{Theme, draw};
use redtriage_fuzz::{assert_printable, terminal_safe};

fuzz_target!(|data: &[u8]| {
    let rec = match reader::parse(data, "\"fuzz.jsonl\"", Instant::now()) {
        Ok(rec) => rec,
        Err(e) => {
            assert!(e.starts_with("cannot replay \"fuzz.jsonl\", line "), "{e}");
            assert_printable("error", &e);
            return;
        }
    };
    if let Some(w) = &rec.warning {
        assert_printable("warning", w);
    }
    let state = replay::replay_all(&rec);
    let Some(snap) = state.view(100) else {
        return;
    };
    let actions = state.actions_view(state.now, 10);
    let theme = Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    terminal
        .draw(|f| draw(f, &snap, &state.ui, &actions, &theme))
        .expect("draw");
    for cell in terminal.backend().buffer().content() {
        assert!(
            terminal_safe(cell.symbol()) && !cell.symbol().contains('\n'),
            "cell {:?}",
            cell.symbol()
        );
    }
});
