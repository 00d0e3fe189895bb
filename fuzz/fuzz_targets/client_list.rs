//! CLIENT LIST replies (client names, commands and addresses are set by clients): never
//! panics, at most one client per line, every string escaped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use redtriage::collect::parse::parse_client_list;
use redtriage_fuzz::assert_strings_printable;

fuzz_target!(|data: &[u8]| {
    let clients = parse_client_list(data);
    let lines = data.split(|&b| b == b'\n').count();
    assert!(
        clients.len() <= lines,
        "{} clients from {lines} lines",
        clients.len()
    );
    assert_strings_printable("clients", &clients);
});
