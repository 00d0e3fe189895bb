//! The Prometheus HTTP API client: `/api/v1/query`, `/api/v1/query_range`, `/api/v1/alerts`,
//! with a timeout on every call, basic auth or a bearer token, and an optional CA file.
//! Failures are classified into [`PromError`] so the panes can say what went wrong; every
//! string that came from Prometheus is escaped on the way in.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::settings::{PromAuth, PromSettings};
use crate::escape::plain_str;

/// Longest excerpt of an HTTP error body kept for the message.
const BODY_EXCERPT: usize = 120;

/// Why a Prometheus request failed, in words a pane can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum PromError {
    /// Nothing answers the connection (refused, DNS, TLS…).
    #[error("Prometheus unreachable: {0}")]
    Unreachable(String),
    /// Connected, but no complete answer within the timeout.
    #[error("Prometheus did not answer within {0}")]
    Timeout(String),
    /// An HTTP error status without a Prometheus error body.
    #[error("Prometheus HTTP {status}: {body}")]
    Http { status: u16, body: String },
    /// The body was not the JSON the API documents.
    #[error("invalid JSON from Prometheus: {0}")]
    BadJson(String),
    /// Prometheus refused the query (`bad_data`, `execution`, `timeout`…), with its message;
    /// the 11,000-points limit of `query_range` is one of these.
    #[error("Prometheus refused the query ({kind}): {message}")]
    Query { kind: String, message: String },
}

/// One series of an instant vector: its labels (escaped) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range query: labels and `(unix seconds, value)` points, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// One alert from `/api/v1/alerts`; every string escaped.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Alert {
    pub name: String,
    /// `firing` or `pending`.
    pub state: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// `activeAt` as unix seconds, when given.
    pub active_at_unix: Option<u64>,
}

/// A client for one Prometheus server.
#[derive(Debug, Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    auth: PromAuth,
    timeout: Duration,
}

impl PromClient {
    /// Builds the client; fails only when the CA file is not a PEM certificate.
    pub fn new(s: &PromSettings) -> Result<Self, String> {
        let mut b = reqwest::Client::builder()
            .timeout(s.timeout)
            .connect_timeout(s.timeout)
            .user_agent(concat!("redtriage/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &s.ca_pem {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| format!("not a PEM certificate: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        let http = b.build().map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base: s.url.trim_end_matches('/').to_string(),
            auth: s.auth.clone(),
            timeout: s.timeout,
        })
    }

    /// `GET path?params`, the `data` member of a successful answer.
    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value, PromError> {
        let mut req = self.http.get(format!("{}{path}", self.base)).query(params);
        req = match &self.auth {
            PromAuth::None => req,
            PromAuth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            PromAuth::Bearer(token) => req.bearer_auth(token.expose()),
        };
        let t = crate::format::format_duration(self.timeout);
        let call = async {
            let resp = req.send().await.map_err(|e| classify(e, &t))?;
            let status = resp.status().as_u16();
            let body = read_capped(resp, &t).await?;
            Ok::<_, PromError>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout + Duration::from_millis(50), call)
            .await
            .map_err(|_| PromError::Timeout(t.clone()))??;
        parse_body(status, &body)
    }

    /// An instant query.
    pub async fn query(&self, expr: &str) -> Result<Vec<Series>, PromError> {
        let data = self
            .get("/api/v1/query", &[("query", expr.to_string())])
            .await?;
        parse_vector(&data)
    }

    /// A range query from `start` to `end` (unix seconds) every `step_secs`.
    pub async fn query_range(
        &self,
        expr: &str,
        start: u64,
        end: u64,
        step_secs: u64,
    ) -> Result<Vec<RangeSeries>, PromError> {
        let params = [
            ("query", expr.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step_secs.to_string()),
        ];
        let data = self.get("/api/v1/query_range", &params).await?;
        parse_matrix(&data)
    }

    /// Firing and pending alerts.
    pub async fn alerts(&self) -> Result<Vec<Alert>, PromError> {
        let data = self.get("/api/v1/alerts", &[]).await?;
        parse_alerts(&data)
    }
}

/// A reqwest error in words, without the URL's credentials.
/// The most of a response body read into memory: a hostile or broken Prometheus cannot make
/// redtriage hold more than this (a real answer for the fleet or the alerts is far smaller).
pub const MAX_BODY: usize = 16 << 20;

/// Reads the body chunk by chunk, refusing it once it passes [`MAX_BODY`].
async fn read_capped(mut resp: reqwest::Response, timeout: &str) -> Result<Vec<u8>, PromError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, timeout))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(PromError::BadJson(format!(
                "answer larger than {} MiB, not read",
                MAX_BODY >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn classify(e: reqwest::Error, timeout: &str) -> PromError {
    if e.is_timeout() {
        return PromError::Timeout(timeout.to_string());
    }
    let decode = e.is_decode() || e.is_body();
    let e = e.without_url();
    // The innermost cause reads best in a narrow pane: `Connection refused (os error 111)`.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = s.to_string();
        source = s.source();
    }
    if decode {
        return PromError::BadJson(plain_str(&text));
    }
    PromError::Unreachable(plain_str(&text))
}

/// The `data` of a `{"status":"success"}` body; a Prometheus error body becomes
/// [`PromError::Query`] whatever the status; any other non-2xx is [`PromError::Http`].
pub fn parse_body(status: u16, body: &[u8]) -> Result<Value, PromError> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(v) = &json
        && v.get("status").and_then(Value::as_str) == Some("error")
    {
        let text = |k: &str| plain_str(v.get(k).and_then(Value::as_str).unwrap_or("?"));
        return Err(PromError::Query {
            kind: text("errorType"),
            message: text("error"),
        });
    }
    if !(200..300).contains(&status) {
        let excerpt: String = String::from_utf8_lossy(body)
            .chars()
            .take(BODY_EXCERPT)
            .collect();
        return Err(PromError::Http {
            status,
            body: plain_str(excerpt.trim()),
        });
    }
    let Some(v) = json else {
        let e = serde_json::from_slice::<Value>(body).err();
        return Err(PromError::BadJson(plain_str(
            &e.map_or_else(|| "empty body".into(), |e| e.to_string()),
        )));
    };
    match v.get("data") {
        Some(d) if v.get("status").and_then(Value::as_str) == Some("success") => Ok(d.clone()),
        _ => Err(PromError::BadJson("no \"data\" in a success reply".into())),
    }
}

fn bad(what: &str) -> PromError {
    PromError::BadJson(format!("unexpected shape: {what}"))
}

/// Escaped label map of a `metric`/`labels` object.
fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (plain_str(k), plain_str(v.as_str().unwrap_or(""))))
                .collect()
        })
        .unwrap_or_default()
}

/// `[ts, "value"]` → (ts, value); Prometheus writes values as strings (`"NaN"`, `"+Inf"`).
fn point(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    let ts = a.first()?.as_f64()?;
    let val = a.get(1)?.as_str()?.parse::<f64>().ok()?;
    Some((ts, val))
}

/// The result of an instant query (`vector`; a `scalar` becomes one series without labels).
pub fn parse_vector(data: &Value) -> Result<Vec<Series>, PromError> {
    let result = data.get("result").ok_or_else(|| bad("no result"))?;
    if data.get("resultType").and_then(Value::as_str) == Some("scalar") {
        let (_, value) = point(result).ok_or_else(|| bad("scalar"))?;
        return Ok(vec![Series {
            labels: BTreeMap::new(),
            value,
        }]);
    }
    let items = result
        .as_array()
        .ok_or_else(|| bad("result is not a list"))?;
    items
        .iter()
        .map(|s| {
            let (_, value) = s.get("value").and_then(point).ok_or_else(|| bad("value"))?;
            Ok(Series {
                labels: labels(s.get("metric")),
                value,
            })
        })
        .collect()
}

/// The result of a range query (`matrix`).
pub fn parse_matrix(data: &Value) -> Result<Vec<RangeSeries>, PromError> {
    let items = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("result is not a list"))?;
    items
        .iter()
        .map(|s| {
            let values = s
                .get("values")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("values"))?;
            Ok(RangeSeries {
                labels: labels(s.get("metric")),
                points: values.iter().filter_map(point).collect(),
            })
        })
        .collect()
}

/// The `alerts` list of `/api/v1/alerts`.
pub fn parse_alerts(data: &Value) -> Result<Vec<Alert>, PromError> {
    let items = data
        .get("alerts")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no alerts list"))?;
    Ok(items
        .iter()
        .map(|a| {
            let labels = labels(a.get("labels"));
            Alert {
                name: labels.get("alertname").cloned().unwrap_or_default(),
                state: plain_str(a.get("state").and_then(Value::as_str).unwrap_or("?")),
                annotations: super::client::labels(a.get("annotations")),
                active_at_unix: a
                    .get("activeAt")
                    .and_then(Value::as_str)
                    .and_then(rfc3339_secs),
                labels,
            }
        })
        .collect())
}

/// `2024-05-01T12:34:56.789Z` (or with `+02:00`) → unix seconds.
#[allow(clippy::many_single_char_names)] // y, d, h… read as the date they are
pub fn rfc3339_secs(s: &str) -> Option<u64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = s
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "Z" | "z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let oh: i64 = o.get(1..3)?.parse().ok()?;
            let om: i64 = o.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified() {
        let e = parse_body(400, br#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}"#);
        let e = e.expect_err("query error").to_string();
        assert!(
            e.contains("refused the query (bad_data)") && e.contains("11,000"),
            "{e}"
        );
        let e = parse_body(500, b"oops\x1b[2J")
            .expect_err("500")
            .to_string();
        assert_eq!(e, "Prometheus HTTP 500: oops\\x1b[2J");
        let e = parse_body(200, b"{not json").expect_err("json").to_string();
        assert!(e.starts_with("invalid JSON from Prometheus"), "{e}");
    }

    #[test]
    fn vectors_and_alerts_parse_and_escape() {
        let d = parse_body(200, br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a\u001b]0;x"},"value":[1.5,"NaN"]}]}}"#).expect("ok");
        let v = parse_vector(&d).expect("vector");
        assert_eq!(v[0].labels["instance"], "a\\x1b]0;x");
        assert!(v[0].value.is_nan());
        let d = serde_json::json!({"alerts":[{"labels":{"alertname":"RedisDown"},"annotations":{"summary":"down\u{7}"},"state":"firing","activeAt":"2024-05-01T00:00:10.5Z"}]});
        let a = parse_alerts(&d).expect("alerts");
        assert_eq!(a[0].name, "RedisDown");
        assert_eq!(a[0].annotations["summary"], "down\\a");
        assert_eq!(a[0].active_at_unix, Some(1_714_521_610));
    }

    #[test]
    fn rfc3339_offsets() {
        assert_eq!(rfc3339_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_secs("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(rfc3339_secs("garbage"), None);
    }
}
