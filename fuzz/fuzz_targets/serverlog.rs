//! The Redis server's own log file (anything can write there, and crash reports quote
//! client data): never panics, at most six findings, each line escaped and cut.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::collect::serverlog::scan;
use redtriage_fuzz::assert_printable;

fuzz_target!(|data: &[u8]| {
    let findings = scan(data);
    assert!(findings.len() <= 6, "{} findings", findings.len());
    for f in &findings {
        assert_printable("log line", &f.line);
        // 300 bytes kept, each escaped to at most 4 characters.
        assert!(f.line.len() <= 300 * 4, "line of {} bytes", f.line.len());
    }
});
