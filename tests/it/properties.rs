//! Property tests (proptest) for the escaper and every reply parser: generated inputs, hostile
//! bytes included, find what hand-picked fixtures miss. Each parser must never panic, and every
//! string it returns must be escaped (printable ASCII only); well-formed generated replies must
//! parse back to the values they were generated from.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use redis::Value;
use redtriage::collect::parse::{
    parse_client_list, parse_config, parse_info, parse_latency_latest, parse_slowlog,
};
use redtriage::escape::{plain, plain_str, quoted, unquote};
use redtriage::prom::client::{parse_alerts, parse_body, parse_matrix, parse_vector, rfc3339_secs};

/// Printable ASCII only: no ESC, CSI, OSC, BEL, CR, DEL, C1 (0x80..=0x9f) or UTF-8 (bidi) bytes.
fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Every string (and object key) in a JSON tree is printable ASCII.
fn json_printable(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => printable(s),
        serde_json::Value::Array(a) => a.iter().all(json_printable),
        serde_json::Value::Object(m) => m.iter().all(|(k, v)| printable(k) && json_printable(v)),
        _ => true,
    }
}

/// Serialises `value` and checks every string in it is escaped.
fn all_strings_printable<T: serde::Serialize>(value: &T) -> bool {
    json_printable(&serde_json::to_value(value).unwrap())
}

fn map_printable(m: &BTreeMap<String, String>) -> bool {
    m.iter().all(|(k, v)| printable(k) && printable(v))
}

/// Bytes biased towards what breaks terminals: ESC, CSI, OSC, BEL, CR/LF, DEL, C1, bidi.
fn hostile_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"\x1b\x07\r\n\x7f\x9b\x9d\"\\=: ,".to_vec()),
    ];
    let chunk = prop_oneof![
        4 => byte.prop_map(|b| vec![b]),
        1 => Just("\u{202e}".as_bytes().to_vec()),
        1 => Just(b"\x1b[2J".to_vec()),
        1 => Just(b"\x1b]0;PWNED\x07".to_vec()),
    ];
    proptest::collection::vec(chunk, 0..max).prop_map(|v| v.concat())
}

/// Hostile bytes that fit in one space-free, newline-free token (a CLIENT LIST value).
fn token_bytes() -> impl Strategy<Value = Vec<u8>> {
    hostile_bytes(24).prop_map(|mut v| {
        v.retain(|&b| b != b' ' && b != b'\n');
        v
    })
}

// ---------------------------------------------------------------- escaper

proptest! {
    #[test]
    fn escaped_output_is_printable_ascii(bytes in hostile_bytes(64)) {
        let q = quoted(&bytes);
        let p = plain(&bytes);
        prop_assert!(printable(&q), "{q:?}");
        prop_assert!(printable(&p), "{p:?}");
        prop_assert_eq!(&q[1..q.len() - 1], p.as_str());
    }

    #[test]
    fn escaped_output_is_printable_for_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assert!(printable(&quoted(&bytes)));
        prop_assert!(printable(&plain(&bytes)));
    }

    #[test]
    fn quoted_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assert_eq!(unquote(&quoted(&bytes)), Some(bytes));
    }

    #[test]
    fn plain_str_matches_plain(s in any::<String>()) {
        prop_assert_eq!(plain_str(&s), plain(s.as_bytes()));
        prop_assert_eq!(unquote(&quoted(s.as_bytes())), Some(s.into_bytes()));
    }

    #[test]
    fn clean_ascii_is_unchanged(s in "[ !#-\\[\\]-~]{0,64}") {
        prop_assert!(!s.contains('\\') && !s.contains('"'));
        prop_assert_eq!(plain_str(&s), s.clone());
        prop_assert_eq!(quoted(s.as_bytes()), format!("\"{s}\""));
    }
}

// ---------------------------------------------------------------- INFO

/// Numeric `u64` INFO fields and how to read them back.
type U64Get = fn(&redtriage::collect::types::Info) -> Option<u64>;
const U64_FIELDS: &[(&str, U64Get)] = &[
    ("connected_clients", |i| i.connected_clients),
    ("blocked_clients", |i| i.blocked_clients),
    ("maxclients", |i| i.maxclients),
    ("used_memory", |i| i.used_memory),
    ("used_memory_rss", |i| i.used_memory_rss),
    ("maxmemory", |i| i.maxmemory),
    ("rdb_changes_since_last_save", |i| {
        i.rdb_changes_since_last_save
    }),
    ("total_commands_processed", |i| i.total_commands_processed),
    ("instantaneous_ops_per_sec", |i| i.instantaneous_ops_per_sec),
    ("evicted_keys", |i| i.evicted_keys),
    ("keyspace_hits", |i| i.keyspace_hits),
    ("keyspace_misses", |i| i.keyspace_misses),
    ("total_error_replies", |i| i.total_error_replies),
    ("uptime_in_seconds", |i| i.uptime_in_seconds),
];

#[derive(Debug, Clone)]
struct InfoCase {
    nums: BTreeMap<usize, u64>,
    frag_ratio: f64,
    frag_bytes: i64,
    loading: bool,
    version: Vec<u8>,
    dbs: BTreeMap<u32, (u64, u64, u64)>,
    errorstats: BTreeMap<Vec<u8>, u64>,
    crlf: bool,
}

/// A value byte string that stays on its line.
fn line_bytes() -> impl Strategy<Value = Vec<u8>> {
    hostile_bytes(32).prop_map(|mut v| {
        v.retain(|&b| b != b'\n' && b != b'\r');
        v
    })
}

fn info_case() -> impl Strategy<Value = InfoCase> {
    (
        proptest::collection::btree_map(0..U64_FIELDS.len(), any::<u64>(), 0..U64_FIELDS.len()),
        -1.0e12_f64..1.0e12,
        any::<i64>(),
        any::<bool>(),
        line_bytes(),
        proptest::collection::btree_map(0..16_u32, any::<(u64, u64, u64)>(), 0..4),
        proptest::collection::btree_map(
            // An error prefix cannot contain the key/value colon.
            line_bytes().prop_map(|mut v| {
                v.retain(|&b| b != b':');
                v
            }),
            any::<u64>(),
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(nums, frag_ratio, frag_bytes, loading, version, dbs, errorstats, crlf)| InfoCase {
                nums,
                frag_ratio,
                frag_bytes,
                loading,
                version,
                dbs,
                errorstats,
                crlf,
            },
        )
}

fn render_info(c: &InfoCase) -> Vec<u8> {
    let eol: &[u8] = if c.crlf { b"\r\n" } else { b"\n" };
    let mut t = Vec::new();
    let mut line = |parts: &[&[u8]]| {
        t.extend(parts.concat());
        t.extend_from_slice(eol);
    };
    line(&[b"# Server"]);
    line(&[b"redis_version:", &c.version]);
    line(&[b"# Stats"]);
    for (&i, &v) in &c.nums {
        line(&[U64_FIELDS[i].0.as_bytes(), b":", v.to_string().as_bytes()]);
    }
    line(&[
        b"mem_fragmentation_ratio:",
        c.frag_ratio.to_string().as_bytes(),
    ]);
    line(&[
        b"mem_fragmentation_bytes:",
        c.frag_bytes.to_string().as_bytes(),
    ]);
    line(&[b"loading:", if c.loading { b"1" } else { b"0" }]);
    line(&[b"a line without a colon"]);
    line(&[b"# Errorstats"]);
    for (prefix, n) in &c.errorstats {
        line(&[b"errorstat_", prefix, b":count=", n.to_string().as_bytes()]);
    }
    line(&[b"# Keyspace"]);
    for (db, (keys, expires, ttl)) in &c.dbs {
        let v = format!("keys={keys},expires={expires},avg_ttl={ttl}");
        line(&[b"db", db.to_string().as_bytes(), b":", v.as_bytes()]);
    }
    t
}

proptest! {
    #[test]
    fn info_never_panics_and_escapes(bytes in hostile_bytes(512)) {
        let info = parse_info(&bytes);
        prop_assert!(all_strings_printable(&info));
        prop_assert!(map_printable(&info.raw()));
    }

    #[test]
    fn info_parses_generated_values(c in info_case()) {
        let info = parse_info(&render_info(&c));
        for (i, (name, get)) in U64_FIELDS.iter().enumerate() {
            prop_assert_eq!(get(&info), c.nums.get(&i).copied(), "{}", name);
        }
        prop_assert_eq!(info.mem_fragmentation_ratio, Some(c.frag_ratio));
        prop_assert_eq!(info.mem_fragmentation_bytes, Some(c.frag_bytes));
        prop_assert_eq!(info.loading, Some(c.loading));
        prop_assert_eq!(info.redis_version.clone(), Some(plain(&c.version)));
        prop_assert_eq!(info.keyspace.len(), c.dbs.len());
        for (db, (keys, expires, ttl)) in &c.dbs {
            let got = info.keyspace[db];
            prop_assert_eq!((got.keys, got.expires, got.avg_ttl_ms), (*keys, *expires, *ttl));
        }
        let want: BTreeMap<String, u64> =
            c.errorstats.iter().map(|(p, n)| (plain(p), *n)).collect();
        prop_assert_eq!(&info.errorstats, &want);
        prop_assert!(all_strings_printable(&info));
        prop_assert!(map_printable(&info.raw()));
    }
}

// ---------------------------------------------------------------- CLIENT LIST

proptest! {
    #[test]
    fn client_list_never_panics_and_escapes(bytes in hostile_bytes(512)) {
        let clients = parse_client_list(&bytes);
        prop_assert!(all_strings_printable(&clients));
    }

    #[test]
    fn client_list_counts_and_ids(
        rows in proptest::collection::vec((any::<u64>(), token_bytes(), token_bytes(), 0..16_u32), 0..40),
        crlf in any::<bool>(),
    ) {
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut text = Vec::new();
        for (id, name, cmd, db) in &rows {
            text.extend_from_slice(format!("id={id} addr=10.0.0.1:5000 laddr=10.0.0.2:6379 fd=8 name=").as_bytes());
            text.extend_from_slice(name);
            text.extend_from_slice(format!(" age=1 idle=0 flags=N db={db} cmd=").as_bytes());
            text.extend_from_slice(cmd);
            text.extend_from_slice(b" user=default tot-mem=1800 resp=2");
            text.extend_from_slice(eol);
        }
        let clients = parse_client_list(&text);
        prop_assert_eq!(clients.len(), rows.len());
        for (c, (id, name, cmd, db)) in clients.iter().zip(&rows) {
            prop_assert_eq!(c.id, *id);
            prop_assert_eq!(&c.name, &plain(name));
            prop_assert_eq!(&c.cmd, &plain(cmd));
            prop_assert_eq!(c.db, *db);
            prop_assert_eq!(c.tot_mem, 1800);
        }
        prop_assert!(all_strings_printable(&clients));
    }
}

// ---------------------------------------------------------------- SLOWLOG (and other Value replies)

/// A server error reply with hostile text, made the way the client library makes one.
fn server_error() -> impl Strategy<Value = Value> {
    line_bytes().prop_map(|detail| {
        let mut wire = b"-ERR ".to_vec();
        wire.extend_from_slice(&detail);
        wire.extend_from_slice(b"\r\n");
        redis::parse_redis_value(&wire).unwrap_or(Value::Nil)
    })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        Just(Value::Okay),
        any::<i64>().prop_map(Value::Int),
        (0..1_000_000_i64).prop_map(Value::Int),
        hostile_bytes(24).prop_map(Value::BulkString),
        any::<String>().prop_map(Value::SimpleString),
        any::<f64>().prop_map(Value::Double),
        any::<bool>().prop_map(Value::Boolean),
        any::<String>().prop_map(|text| Value::VerbatimString {
            format: redis::VerbatimFormat::Text,
            text,
        }),
        server_error(),
    ]
}

/// Arbitrary nested reply trees: arrays, sets, maps, attributes and pushes of anything.
fn value_tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Set),
            proptest::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Map),
            (
                inner.clone(),
                proptest::collection::vec((inner.clone(), inner.clone()), 0..2)
            )
                .prop_map(|(data, attributes)| Value::Attribute {
                    data: Box::new(data),
                    attributes,
                }),
            proptest::collection::vec(inner, 0..4).prop_map(|data| Value::Push {
                kind: redis::PushKind::Message,
                data,
            }),
        ]
    })
}

/// A well-formed SLOWLOG entry with hostile arguments and client fields.
type EntryParts = (u64, u64, u64, Vec<Vec<u8>>, Option<(Vec<u8>, Vec<u8>)>);

fn slowlog_entry() -> impl Strategy<Value = EntryParts> {
    (
        0..i64::MAX as u64,
        0..i64::MAX as u64,
        0..i64::MAX as u64,
        proptest::collection::vec(hostile_bytes(16), 0..8),
        proptest::option::of((hostile_bytes(16), hostile_bytes(16))),
    )
}

fn entry_value(e: &EntryParts) -> Value {
    let (id, ts, dur, args, client) = e;
    let int = |n: u64| Value::Int(i64::try_from(n).unwrap());
    let mut fields = vec![
        int(*id),
        Value::BulkString(ts.to_string().into_bytes()),
        int(*dur),
        Value::Array(args.iter().cloned().map(Value::BulkString).collect()),
    ];
    if let Some((addr, name)) = client {
        fields.push(Value::BulkString(addr.clone()));
        fields.push(Value::BulkString(name.clone()));
    }
    Value::Array(fields)
}

fn check_collect_error(e: &redtriage::collect::types::CollectError) -> bool {
    printable(&e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn slowlog_arbitrary_trees(v in value_tree()) {
        match parse_slowlog(&v) {
            Ok(entries) => {
                prop_assert!(all_strings_printable(&entries));
                for e in &entries {
                    for a in &e.args {
                        prop_assert!(unquote(a).is_some(), "{a:?}");
                    }
                }
            }
            Err(e) => prop_assert!(check_collect_error(&e), "{e}"),
        }
    }

    #[test]
    fn slowlog_mixed_entries(
        entries in proptest::collection::vec(
            prop_oneof![3 => slowlog_entry().prop_map(|e| entry_value(&e)), 1 => value_tree()],
            0..6,
        ),
    ) {
        match parse_slowlog(&Value::Array(entries)) {
            Ok(entries) => prop_assert!(all_strings_printable(&entries)),
            Err(e) => prop_assert!(check_collect_error(&e), "{e}"),
        }
    }

    #[test]
    fn other_value_parsers_arbitrary_trees(v in value_tree()) {
        match parse_latency_latest(&v) {
            Ok(rows) => prop_assert!(all_strings_printable(&rows)),
            Err(e) => prop_assert!(check_collect_error(&e), "{e}"),
        }
        match parse_config(&v) {
            Ok(config) => prop_assert!(all_strings_printable(&config)),
            Err(e) => prop_assert!(check_collect_error(&e), "{e}"),
        }
    }
}

proptest! {
    #[test]
    fn slowlog_well_formed_entries_round_trip(entries in proptest::collection::vec(slowlog_entry(), 0..8)) {
        let reply = Value::Array(entries.iter().map(entry_value).collect());
        let got = parse_slowlog(&reply).unwrap();
        prop_assert_eq!(got.len(), entries.len());
        for (g, (id, ts, dur, args, client)) in got.iter().zip(&entries) {
            prop_assert_eq!((g.id, g.timestamp, g.duration_us), (*id, *ts, *dur));
            let want: Vec<String> = args.iter().map(|a| quoted(a)).collect();
            prop_assert_eq!(&g.args, &want);
            for (a, raw) in g.args.iter().zip(args) {
                prop_assert_eq!(unquote(a), Some(raw.clone()));
            }
            let (addr, name) = client.clone().unwrap_or_default();
            prop_assert_eq!(&g.client_addr, &plain(&addr));
            prop_assert_eq!(&g.client_name, &plain(&name));
        }
        prop_assert!(all_strings_printable(&got));
    }
}

// ---------------------------------------------------------------- Prometheus JSON

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        hostile_bytes(24).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        Just("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}\u{202e}\u{9b}".to_owned()),
    ]
}

fn json_tree() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        hostile_string().prop_map(J::String),
        // The shapes the parsers look for, so random trees reach their inner code.
        Just(J::String("vector".into())),
        Just(J::String("scalar".into())),
        Just(J::String("2024-05-01T12:34:56.789Z".into())),
        (any::<f64>(), hostile_string()).prop_map(|(t, v)| serde_json::json!([t, v])),
    ];
    let key = prop_oneof![
        hostile_string(),
        prop::sample::select(vec![
            "status",
            "data",
            "result",
            "resultType",
            "metric",
            "value",
            "values",
            "alerts",
            "labels",
            "annotations",
            "state",
            "activeAt",
            "alertname",
            "error",
            "errorType",
        ])
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(J::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

fn labels_json() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    proptest::collection::btree_map(
        prop_oneof![
            Just("alertname".to_owned()),
            Just("err".to_owned()),
            hostile_string()
        ],
        hostile_string(),
        0..5,
    )
    .prop_map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect())
}

fn prom_error_printable(e: &redtriage::prom::client::PromError) -> bool {
    printable(&e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prom_arbitrary_json_never_panics(v in json_tree()) {
        match parse_vector(&v) {
            Ok(series) => prop_assert!(series.iter().all(|s| map_printable(&s.labels))),
            Err(e) => prop_assert!(prom_error_printable(&e), "{e}"),
        }
        match parse_matrix(&v) {
            Ok(series) => prop_assert!(series.iter().all(|s| map_printable(&s.labels))),
            Err(e) => prop_assert!(prom_error_printable(&e), "{e}"),
        }
        match parse_alerts(&v) {
            Ok(alerts) => prop_assert!(all_strings_printable(&alerts)),
            Err(e) => prop_assert!(prom_error_printable(&e), "{e}"),
        }
        let body = serde_json::to_vec(&v).unwrap();
        for status in [200, 400, 503] {
            if let Err(e) = parse_body(status, &body) {
                prop_assert!(prom_error_printable(&e), "{e}");
            }
        }
    }

    #[test]
    fn prom_body_arbitrary_bytes(status in 100_u16..600, body in hostile_bytes(256)) {
        if let Err(e) = parse_body(status, &body) {
            prop_assert!(prom_error_printable(&e), "{e}");
        }
    }

    #[test]
    fn prom_wrapped_arbitrary_data(data in json_tree(), error in any::<bool>()) {
        let body = if error {
            serde_json::json!({"status": "error", "errorType": data.clone(), "error": data})
        } else {
            serde_json::json!({"status": "success", "data": data})
        };
        match parse_body(200, &serde_json::to_vec(&body).unwrap()) {
            Ok(d) => {
                let _ = (parse_vector(&d), parse_matrix(&d), parse_alerts(&d));
            }
            Err(e) => prop_assert!(prom_error_printable(&e), "{e}"),
        }
    }

    #[test]
    fn prom_vector_labels_escaped(
        series in proptest::collection::vec((labels_json(), -1.0e9_f64..1.0e9), 0..8),
    ) {
        let result: Vec<serde_json::Value> = series
            .iter()
            .map(|(m, v)| serde_json::json!({"metric": m, "value": [1_714_567_890.5, v.to_string()]}))
            .collect();
        let data = serde_json::json!({"resultType": "vector", "result": result});
        let got = parse_vector(&data).unwrap();
        prop_assert_eq!(got.len(), series.len());
        for (g, (m, v)) in got.iter().zip(&series) {
            prop_assert_eq!(g.value.to_bits(), v.to_bits()); // exact: Display round-trips
            prop_assert!(map_printable(&g.labels));
            let want: BTreeMap<String, String> = m
                .iter()
                .map(|(k, v)| (plain_str(k), plain_str(v.as_str().unwrap())))
                .collect();
            prop_assert_eq!(&g.labels, &want);
        }
    }

    #[test]
    fn prom_alerts_escaped(
        alerts in proptest::collection::vec((labels_json(), labels_json(), hostile_string(), hostile_string()), 0..6),
    ) {
        let list: Vec<serde_json::Value> = alerts
            .iter()
            .map(|(l, a, state, at)| serde_json::json!({"labels": l, "annotations": a, "state": state, "activeAt": at}))
            .collect();
        let got = parse_alerts(&serde_json::json!({"alerts": list})).unwrap();
        prop_assert_eq!(got.len(), alerts.len());
        prop_assert!(all_strings_printable(&got));
        for (g, (l, _, state, _)) in got.iter().zip(&alerts) {
            prop_assert_eq!(&g.state, &plain_str(state));
            let name = l.get("alertname").and_then(serde_json::Value::as_str).map(plain_str).unwrap_or_default();
            prop_assert_eq!(&g.name, &name);
        }
    }

    #[test]
    fn rfc3339_never_panics(s in hostile_string(), digits in "[0-9+:.TZ-]{0,32}") {
        let _ = rfc3339_secs(&s);
        let _ = rfc3339_secs(&digits);
    }
}
