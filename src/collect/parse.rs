//! Parsers for server replies: INFO, CLIENT LIST, SLOWLOG GET, LATENCY LATEST, CONFIG GET.
//! Pure functions, tested on captured output in `tests/fixtures/`. All strings that came from
//! the server are escaped here, on ingestion.

use super::types::{ClientInfo, CollectError, ConfigValues, Info, LatencyEvent, SlowlogEntry};

/// Parses an `INFO` reply (any sections, Redis 6.2/7.0/7.2+). Never fails: unparsable
/// numbers leave the typed field `None`, every line is kept (escaped) in `Info::raw`.
pub fn parse_info(text: &[u8]) -> Info {
    let _ = text;
    todo!("parse_info")
}

/// Parses a `CLIENT LIST` reply: one client per line, `key=value` fields separated by spaces.
pub fn parse_client_list(text: &[u8]) -> Vec<ClientInfo> {
    let _ = text;
    todo!("parse_client_list")
}

/// Parses a `SLOWLOG GET n` reply (RESP2 arrays; 3.x entries without client fields accepted).
pub fn parse_slowlog(value: &redis::Value) -> Result<Vec<SlowlogEntry>, CollectError> {
    let _ = value;
    todo!("parse_slowlog")
}

/// Parses a `LATENCY LATEST` reply.
pub fn parse_latency_latest(value: &redis::Value) -> Result<Vec<LatencyEvent>, CollectError> {
    let _ = value;
    todo!("parse_latency_latest")
}

/// Parses a `CONFIG GET k1 k2 …` reply (flat name/value array in RESP2, map in RESP3).
pub fn parse_config(value: &redis::Value) -> Result<ConfigValues, CollectError> {
    let _ = value;
    todo!("parse_config")
}
