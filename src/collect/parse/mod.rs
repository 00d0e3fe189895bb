//! Parsers for server replies: INFO, CLIENT LIST, SLOWLOG GET, LATENCY LATEST, CONFIG GET.
//! Pure functions, tested on captured output in `tests/fixtures/`. All strings that came from
//! the server are escaped here, on ingestion.

mod clients;
mod info;
mod slowlog;

use std::borrow::Cow;

use redis::Value;

use super::types::{CollectError, ConfigValues, LatencyEvent};
use crate::escape;

pub use clients::parse_client_list;
pub use info::{info_raw_fields, parse_info};
pub use slowlog::parse_slowlog;

/// Parses a `LATENCY LATEST` reply: rows of `[event, timestamp, latest_ms, max_ms, …]`;
/// elements after the fourth (added by newer servers) are ignored.
pub fn parse_latency_latest(value: &Value) -> Result<Vec<LatencyEvent>, CollectError> {
    let rows = list(value, "LATENCY LATEST reply")?;
    let mut events = Vec::with_capacity(rows.len());
    for (n, row) in rows.iter().enumerate() {
        let what = format!("LATENCY LATEST row {n}");
        let cols = list(row, &what)?;
        let [event, timestamp, latest, max, ..] = cols else {
            return Err(protocol(&format!(
                "{what}: {} elements, want 4",
                cols.len()
            )));
        };
        events.push(LatencyEvent {
            event: escape::plain(&text(event, &what)?),
            timestamp: uint(timestamp, &what)?,
            latest_ms: uint(latest, &what)?,
            max_ms: uint(max, &what)?,
        });
    }
    Ok(events)
}

/// Parses a `CONFIG GET k1 k2 …` reply (flat name/value array in RESP2, map in RESP3).
pub fn parse_config(value: &Value) -> Result<ConfigValues, CollectError> {
    let mut config = ConfigValues::default();
    let mut put = |k: &Value, v: &Value| -> Result<(), CollectError> {
        let name = escape::plain(&text(k, "CONFIG GET name")?);
        let value = match v {
            Value::Nil => String::new(),
            v => escape::plain(&text(v, "CONFIG GET value")?),
        };
        config.values.insert(name, value);
        Ok(())
    };
    if let Value::Map(pairs) = attr(value) {
        for (k, v) in pairs {
            put(k, v)?;
        }
    } else {
        let flat = list(value, "CONFIG GET reply")?;
        if flat.len() % 2 != 0 {
            return Err(protocol("CONFIG GET reply: odd number of elements"));
        }
        for pair in flat.chunks_exact(2) {
            put(&pair[0], &pair[1])?;
        }
    }
    Ok(config)
}

/// [`escape::plain`] with a fast path: bytes that escaping leaves unchanged (printable ASCII
/// without `\\` or `"`) are copied in one go. The output is identical to `escape::plain`.
fn plain(bytes: &[u8]) -> String {
    if bytes
        .iter()
        .all(|&b| (0x20..=0x7e).contains(&b) && b != b'\\' && b != b'"')
    {
        // Printable ASCII is valid UTF-8, so this never falls back.
        std::str::from_utf8(bytes).map_or_else(|_| escape::plain(bytes), str::to_owned)
    } else {
        escape::plain(bytes)
    }
}

/// Looks through a RESP3 attribute to the data it annotates.
fn attr(value: &Value) -> &Value {
    match value {
        Value::Attribute { data, .. } => attr(data),
        v => v,
    }
}

/// The elements of an array (or RESP3 set); a server error or any other shape is an error.
fn list<'a>(value: &'a Value, what: &str) -> Result<&'a [Value], CollectError> {
    match attr(value) {
        Value::Array(items) | Value::Set(items) => Ok(items),
        Value::ServerError(e) => {
            let detail = e.details().unwrap_or_default();
            Err(CollectError::Server(escape::plain_str(&format!(
                "{} {detail}",
                e.code()
            ))))
        }
        v => Err(protocol(&format!(
            "{what}: expected an array, got {}",
            kind(v)
        ))),
    }
}

/// The bytes of a string-like value (integers are accepted and rendered in decimal).
fn text<'a>(value: &'a Value, what: &str) -> Result<Cow<'a, [u8]>, CollectError> {
    match attr(value) {
        Value::BulkString(b) => Ok(Cow::Borrowed(b)),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => {
            Ok(Cow::Borrowed(s.as_bytes()))
        }
        Value::Okay => Ok(Cow::Borrowed(b"OK")),
        Value::Int(n) => Ok(Cow::Owned(n.to_string().into_bytes())),
        v => Err(protocol(&format!(
            "{what}: expected a string, got {}",
            kind(v)
        ))),
    }
}

/// A non-negative integer, as an integer reply or a decimal string.
fn uint(value: &Value, what: &str) -> Result<u64, CollectError> {
    let parsed = match attr(value) {
        Value::Int(n) => u64::try_from(*n).ok(),
        Value::BulkString(b) => std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()),
        Value::SimpleString(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        protocol(&format!(
            "{what}: expected an unsigned integer, got {}",
            kind(value)
        ))
    })
}

/// A protocol error with an escaped description.
fn protocol(detail: &str) -> CollectError {
    CollectError::Protocol(escape::plain_str(detail))
}

/// Names the shape of a value for error messages (never its content).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Int(n) if *n < 0 => "negative integer",
        Value::Int(_) => "integer",
        Value::BulkString(_) => "bulk string",
        Value::Array(_) => "array",
        Value::SimpleString(_) => "simple string",
        Value::Okay => "OK",
        Value::Map(_) => "map",
        Value::Attribute { .. } => "attribute",
        Value::Set(_) => "set",
        Value::Double(_) => "double",
        Value::Boolean(_) => "boolean",
        Value::VerbatimString { .. } => "verbatim string",
        Value::BigNumber(_) => "big number",
        Value::Push { .. } => "push",
        Value::ServerError(_) => "error",
        _ => "unknown value",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use test_case::test_case;

    fn resp(bytes: &[u8]) -> Value {
        redis::parse_redis_value(bytes).unwrap()
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test_case(b"" ; "empty")]
    #[test_case(b"plain ascii 123:,=|" ; "clean")]
    #[test_case(b"a\"b\\c" ; "quote and backslash")]
    #[test_case(b"\x1b[2J\x07\x7f\x80\xff\n\r\t" ; "control and high")]
    fn fast_plain_matches_escape_plain(bytes: &[u8]) {
        assert_eq!(plain(bytes), escape::plain(bytes));
    }

    #[test]
    fn latency_latest_captured() {
        let v = resp(include_bytes!(
            "../../../tests/fixtures/latency-latest-7.0.resp"
        ));
        let events = parse_latency_latest(&v).unwrap();
        let want = LatencyEvent {
            event: "command".into(),
            timestamp: 1_795_637_522,
            latest_ms: 107,
            max_ms: 107,
        };
        assert_eq!(events, vec![want]);
    }

    #[test]
    fn latency_latest_extra_columns_and_escaping() {
        let row = Value::Array(vec![
            bulk("fork\x1b[2J"),
            Value::Int(10),
            Value::Int(2),
            Value::Int(9),
            Value::Int(123),
            bulk("future"),
        ]);
        let events = parse_latency_latest(&Value::Array(vec![row])).unwrap();
        assert_eq!(events[0].event, r"fork\x1b[2J");
        assert_eq!(
            (events[0].timestamp, events[0].latest_ms, events[0].max_ms),
            (10, 2, 9)
        );
        assert_eq!(parse_latency_latest(&Value::Array(vec![])).unwrap(), vec![]);
    }

    #[test_case(&Value::Nil ; "nil")]
    #[test_case(&Value::Array(vec![Value::Int(1)]) ; "row not an array")]
    #[test_case(&Value::Array(vec![Value::Array(vec![bulk("x"), Value::Int(1)])]) ; "short row")]
    #[test_case(&Value::Array(vec![Value::Array(vec![bulk("x"), Value::Int(-1), Value::Int(1), Value::Int(1)])]) ; "negative")]
    fn latency_latest_bad_shape(v: &Value) {
        assert!(matches!(
            parse_latency_latest(v),
            Err(CollectError::Protocol(_))
        ));
    }

    #[test]
    fn config_resp2_captured() {
        let v = resp(include_bytes!(
            "../../../tests/fixtures/config-get-7.0.resp"
        ));
        let c = parse_config(&v).unwrap();
        assert_eq!(c.get_u64("maxmemory"), Some(0));
        assert_eq!(c.get_u64("maxclients"), Some(10_000));
        assert_eq!(c.get("maxmemory-policy"), Some("noeviction"));
        assert_eq!(c.get("appendonly"), Some("no"));
        assert_eq!(c.get("save"), Some(""));
        assert_eq!(c.get("dir"), Some("/tmp/tmp.c2Rj9ACGmg"));
        assert_eq!(c.values.len(), 6);
    }

    #[test]
    fn config_resp3_map_captured() {
        let v = resp(include_bytes!(
            "../../../tests/fixtures/config-get-7.0-resp3.resp"
        ));
        assert!(matches!(v, Value::Map(_)));
        let c = parse_config(&v).unwrap();
        assert_eq!(c.get_u64("maxclients"), Some(10_000));
        assert_eq!(c.get("save"), Some(""));
        assert_eq!(c.values.len(), 5);
    }

    #[test]
    fn config_escapes_and_rejects() {
        let v = Value::Array(vec![bulk("dir"), bulk("/data/\x1b]0;x\x07")]);
        assert_eq!(
            parse_config(&v).unwrap().get("dir"),
            Some(r"/data/\x1b]0;x\a")
        );
        let odd = Value::Array(vec![bulk("dir")]);
        assert!(matches!(parse_config(&odd), Err(CollectError::Protocol(_))));
        let nested = Value::Array(vec![bulk("dir"), Value::Array(vec![])]);
        assert!(matches!(
            parse_config(&nested),
            Err(CollectError::Protocol(_))
        ));
        assert!(matches!(
            parse_config(&Value::Okay),
            Err(CollectError::Protocol(_))
        ));
    }

    #[test]
    fn server_error_reply_is_server_error() {
        let v = resp(b"-NOPERM this user has no permissions\x1b[2J\r\n");
        match parse_config(&v) {
            Err(CollectError::Server(s)) => assert!(s.starts_with("NOPERM") && s.is_ascii()),
            other => panic!("unexpected {other:?}"),
        }
    }
}
