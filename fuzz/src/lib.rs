//! Invariants shared by the fuzz targets: what every string redtriage derives from untrusted
//! input must look like before it reaches a terminal, a log or a report.

/// Printable ASCII only: no ESC, CSI, OSC, BEL, CR, DEL, C1 (0x80..=0x9f) or UTF-8 (bidi) bytes.
pub fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Every string (and object key) in a JSON tree is printable ASCII.
pub fn json_printable(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => printable(s),
        serde_json::Value::Array(a) => a.iter().all(json_printable),
        serde_json::Value::Object(m) => m.iter().all(|(k, v)| printable(k) && json_printable(v)),
        _ => true,
    }
}

/// Serialises `value` and asserts every string in it is escaped; names the first offender.
pub fn assert_strings_printable<T: serde::Serialize + std::fmt::Debug>(what: &str, value: &T) {
    let json = serde_json::to_value(value).expect("serialises");
    assert!(
        json_printable(&json),
        "{what}: unescaped string in {value:?}"
    );
}

/// Asserts `s` is printable ASCII.
pub fn assert_printable(what: &str, s: &str) {
    assert!(printable(s), "{what}: unescaped text {s:?}");
}

pub use redtriage::escape::unquote;

/// Text that may go to a terminal or a Markdown file: no control character other than a
/// newline, and no bidi or invisible format character.
pub fn terminal_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\n' || redtriage::model::comms::allowed(c))
}
