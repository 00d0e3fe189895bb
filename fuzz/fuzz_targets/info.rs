//! INFO replies (untrusted: error prefixes and versions come from clients and the server):
//! the parser never panics, and every string it keeps is escaped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::collect::parse::{info_raw_fields, parse_info};
use redtriage_fuzz::{assert_printable, assert_strings_printable};

fuzz_target!(|data: &[u8]| {
    let info = parse_info(data);
    assert_strings_printable("Info", &info);
    for (k, v) in info.raw() {
        assert_printable("raw key", &k);
        assert_printable("raw value", &v);
    }
    for (k, v) in info_raw_fields(data) {
        assert_printable("info_raw_fields key", &k);
        assert_printable("info_raw_fields value", &v);
    }
});
