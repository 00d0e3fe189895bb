//! Parser benchmarks on captured Redis 7.0 output.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use redtriage::collect::parse::{parse_client_list, parse_info};

const INFO_DEFAULT: &[u8] = include_bytes!("../tests/fixtures/info-7.0.txt");
const INFO_EVERYTHING: &[u8] = include_bytes!("../tests/fixtures/info-7.0-everything.txt");
const CLIENT_LIST: &[u8] = include_bytes!("../tests/fixtures/client-list-7.0.txt");

/// 10,000 `CLIENT LIST` lines shaped like the captured first line, with distinct ids,
/// addresses and names.
fn client_list_10k() -> Vec<u8> {
    let line = CLIENT_LIST
        .split(|&b| b == b'\n')
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default()
        .into_owned();
    let tail = line.split_once(" laddr=").map_or("", |(_, t)| t);
    let tail = tail.replacen("name=web-2", "name=", 1);
    let mut out = String::with_capacity(10_000 * (line.len() + 16));
    for i in 0..10_000u32 {
        let tail = tail.replacen("name=", &format!("name=client-{i}"), 1);
        let _ = writeln!(
            out,
            "id={i} addr=10.1.{}.{}:{} laddr={tail}",
            i / 256,
            i % 256,
            40_000 + i
        );
    }
    out.into_bytes()
}

fn benches(c: &mut Criterion) {
    c.bench_function("info_parse_default", |b| {
        b.iter(|| parse_info(black_box(INFO_DEFAULT)));
    });
    c.bench_function("info_parse_everything", |b| {
        b.iter(|| parse_info(black_box(INFO_EVERYTHING)));
    });
    let clients = client_list_10k();
    assert_eq!(parse_client_list(&clients).len(), 10_000);
    c.bench_function("client_list_parse_10k", |b| {
        b.iter(|| parse_client_list(black_box(&clients)));
    });
}

criterion_group!(parse, benches);
criterion_main!(parse);
