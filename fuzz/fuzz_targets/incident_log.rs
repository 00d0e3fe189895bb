//! The incident log read back by `redtriage report` (the file may have been written by
//! something else): the lenient reader and the whole Markdown report never panic, and the
//! report carries no control or bidi character from the log (only newlines).
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::report::{parse::parse_time, report_text};
use redtriage_fuzz::terminal_safe;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let since = (data.first() == Some(&b'{')).then_some(0);
    let (md, log, events) = report_text(&text, since, "fuzz.jsonl");
    assert!(events <= log.events.len());
    assert!(log.events.len() + log.bad_lines <= text.lines().count());
    assert!(
        terminal_safe(&md),
        "control or bidi character in the report: {md:?}"
    );
    for line in text.lines().take(4) {
        let _ = parse_time(line);
    }
});
