//! The escaper: any bytes become printable ASCII, `quoted` is `plain` in quotes, and the
//! escaping is reversible (redis-cli's rules, undone by an independent decoder).
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::escape::{is_clean, plain, plain_str, quoted};
use redtriage_fuzz::{assert_printable, unquote};

fuzz_target!(|data: &[u8]| {
    let q = quoted(data);
    let p = plain(data);
    assert_printable("quoted", &q);
    assert_printable("plain", &p);
    assert_eq!(&q[1..q.len() - 1], p.as_str());
    assert_eq!(unquote(&q).as_deref(), Some(data), "{q}");
    if let Ok(s) = std::str::from_utf8(data) {
        assert_eq!(plain_str(s), p);
        if is_clean(s) {
            assert_eq!(p, s, "clean text must pass through unchanged");
        }
    }
});
