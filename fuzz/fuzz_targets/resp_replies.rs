//! Replies that reach redtriage as `redis::Value` trees (SLOWLOG GET, LATENCY LATEST,
//! CONFIG GET), built from the fuzz bytes by the client library's own RESP2/RESP3 parser, the
//! way they arrive from a hostile or broken server. Never panics; every string kept is escaped;
//! SLOWLOG arguments are redis-cli quoted strings; errors are printable sentences.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::collect::parse::{parse_config, parse_latency_latest, parse_slowlog};
use redtriage_fuzz::{assert_printable, assert_strings_printable, unquote};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = redis::parse_redis_value(data) else {
        return;
    };
    match parse_slowlog(&value) {
        Ok(entries) => {
            assert_strings_printable("slowlog", &entries);
            for e in &entries {
                for a in &e.args {
                    assert!(unquote(a).is_some(), "slowlog argument not quoted: {a:?}");
                }
            }
        }
        Err(e) => assert_printable("slowlog error", &e.to_string()),
    }
    match parse_latency_latest(&value) {
        Ok(rows) => assert_strings_printable("latency", &rows),
        Err(e) => assert_printable("latency error", &e.to_string()),
    }
    match parse_config(&value) {
        Ok(config) => assert_strings_printable("config", &config),
        Err(e) => assert_printable("config error", &e.to_string()),
    }
});
