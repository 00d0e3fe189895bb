//! Prometheus HTTP API responses (query, query_range and alerts; label values and alert
//! annotations are anyone's): the body with its status through `parse_body`, and the JSON
//! itself straight into the vector, matrix and alerts parsers. Never panics; every label,
//! annotation and error is escaped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::prom::client::{parse_alerts, parse_body, parse_matrix, parse_vector, rfc3339_secs};
use redtriage_fuzz::{assert_printable, assert_strings_printable};

fn check(data: &serde_json::Value) {
    match parse_vector(data) {
        Ok(series) => {
            for s in &series {
                for (k, v) in &s.labels {
                    assert_printable("vector label", k);
                    assert_printable("vector label value", v);
                }
            }
        }
        Err(e) => assert_printable("vector error", &e.to_string()),
    }
    match parse_matrix(data) {
        Ok(series) => {
            for s in &series {
                for (k, v) in &s.labels {
                    assert_printable("matrix label", k);
                    assert_printable("matrix label value", v);
                }
            }
        }
        Err(e) => assert_printable("matrix error", &e.to_string()),
    }
    match parse_alerts(data) {
        Ok(alerts) => assert_strings_printable("alerts", &alerts),
        Err(e) => assert_printable("alerts error", &e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    // One byte picks the HTTP status ('0' is 200), the rest is the body.
    const STATUS: [u16; 8] = [200, 400, 422, 503, 500, 404, 301, 200];
    let (status, body) = match data {
        [s, rest @ ..] => (STATUS[usize::from(s % 8)], rest),
        [] => (200, data),
    };
    match parse_body(status, body) {
        Ok(d) => check(&d),
        Err(e) => assert_printable("body error", &e.to_string()),
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        check(&v);
    }
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = rfc3339_secs(s);
    }
});
