//! `SLOWLOG GET` parser.

use redis::Value;

use super::{attr, list, protocol, text, uint};
use crate::collect::types::{CollectError, SlowlogEntry};
use crate::escape;

/// Parses a `SLOWLOG GET n` reply (RESP2 or RESP3 arrays; 3.x entries without client fields
/// accepted). Each entry is `[id, timestamp, duration_us, [args…], client_addr?, client_name?]`;
/// arguments are escaped with [`escape::quoted`], the client fields with [`escape::plain`].
pub fn parse_slowlog(value: &Value) -> Result<Vec<SlowlogEntry>, CollectError> {
    let entries = list(value, "SLOWLOG GET reply")?;
    entries
        .iter()
        .enumerate()
        .map(|(n, entry)| parse_entry(entry, &format!("SLOWLOG GET entry {n}")))
        .collect()
}

fn parse_entry(entry: &Value, what: &str) -> Result<SlowlogEntry, CollectError> {
    let fields = list(entry, what)?;
    let [id, timestamp, duration, args, client @ ..] = fields else {
        return Err(protocol(&format!(
            "{what}: {} elements, want at least 4",
            fields.len()
        )));
    };
    let args = list(args, &format!("{what} arguments"))?
        .iter()
        .map(|arg| text(arg, &format!("{what} argument")).map(|b| escape::quoted(&b)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SlowlogEntry {
        id: uint(id, what)?,
        timestamp: uint(timestamp, what)?,
        duration_us: uint(duration, what)?,
        args,
        client_addr: client_field(client.first(), what)?,
        client_name: client_field(client.get(1), what)?,
    })
}

/// An optional client field: absent or nil is empty.
fn client_field(value: Option<&Value>, what: &str) -> Result<String, CollectError> {
    match value.map(attr) {
        None | Some(Value::Nil) => Ok(String::new()),
        Some(v) => Ok(escape::plain(&text(v, &format!("{what} client field"))?)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use test_case::test_case;

    fn bulk(s: &[u8]) -> Value {
        Value::BulkString(s.to_vec())
    }

    fn captured() -> Vec<SlowlogEntry> {
        let bytes = include_bytes!("../../../tests/fixtures/slowlog-7.0.resp");
        parse_slowlog(&redis::parse_redis_value(bytes).unwrap()).unwrap()
    }

    #[test]
    fn captured_7_0() {
        let entries = captured();
        assert_eq!(entries.len(), 4);
        let setname = &entries[0];
        assert_eq!(
            (setname.id, setname.timestamp, setname.duration_us),
            (6, 1_795_637_528, 4)
        );
        assert_eq!(setname.args, [r#""client""#, r#""setname""#, r#""x""#]);
        assert_eq!(setname.client_addr, "127.0.0.1:39850");
        assert_eq!(setname.client_name, "x");
        assert_eq!(entries[3].client_name, "");
    }

    #[test]
    fn captured_hostile_key_is_escaped_like_redis_cli() {
        let set = &captured()[2];
        assert_eq!(set.args[1], r#""k\x1b]0;PWNED\a\x1b[2J""#);
        assert_eq!(set.args[1], "\"k\\x1b]0;PWNED\\a\\x1b[2J\"");
    }

    #[test]
    fn captured_truncation_marker_is_kept() {
        let rpush = &captured()[1];
        assert_eq!(rpush.args.len(), 32);
        assert_eq!(rpush.args[31], r#""... (11 more arguments)""#);
    }

    #[test]
    fn redis_3_entry_without_client_fields() {
        let entry = Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
            Value::Array(vec![bulk(b"GET"), bulk(b"\x00\xff")]),
        ]);
        let got = parse_slowlog(&Value::Array(vec![entry])).unwrap();
        assert_eq!(got[0].args, [r#""GET""#, r#""\x00\xff""#]);
        assert_eq!(
            (got[0].client_addr.as_str(), got[0].client_name.as_str()),
            ("", "")
        );
    }

    #[test]
    fn resp3_variants_accepted() {
        let entry = Value::Array(vec![
            Value::Int(9),
            Value::SimpleString("10".into()),
            Value::Int(11),
            Value::Array(vec![Value::SimpleString("PING".into()), Value::Int(5)]),
            Value::SimpleString("1.2.3.4:5".into()),
            Value::Nil,
        ]);
        let got = parse_slowlog(&Value::Array(vec![entry])).unwrap();
        assert_eq!(got[0].timestamp, 10);
        assert_eq!(got[0].args, [r#""PING""#, r#""5""#]);
        assert_eq!(got[0].client_addr, "1.2.3.4:5");
        assert_eq!(got[0].client_name, "");
    }

    #[test_case(&Value::Okay ; "not an array")]
    #[test_case(&Value::Array(vec![Value::Int(1)]) ; "entry not an array")]
    #[test_case(&Value::Array(vec![Value::Array(vec![Value::Int(1), Value::Int(2)])]) ; "short entry")]
    #[test_case(&Value::Array(vec![Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)])]) ; "args not an array")]
    #[test_case(&Value::Array(vec![Value::Array(vec![bulk(b"x"), Value::Int(2), Value::Int(3), Value::Array(vec![])])]) ; "id not a number")]
    #[test_case(&Value::Array(vec![Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Array(vec![Value::Nil])])]) ; "nil argument")]
    fn wrong_shape_is_protocol_error(v: &Value) {
        match parse_slowlog(v) {
            Err(CollectError::Protocol(detail)) => assert!(escape::is_clean(&detail)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
