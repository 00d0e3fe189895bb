//! The recording format (JSONL), and the conversions between it and [`Msg`].
//!
//! ```text
//! {"redtriage_recording":1,"version":"0.1.0","started":"2025-01-01T12:00:00Z","targets":["redis://:****@h:6379/0"],"thresholds":{…}}
//! {"t_ms":1000,"t_ns":123456,"wall_ms":1735732801000,"wall_ns":654321,"msg":{"sample":{"target":0,"sample":{…}}}}
//! {"t_ms":1005,"wall_ms":1735732801005,"msg":{"link":{"target":0,"event":{"event":"down","error":{"kind":"refused"}}}}}
//! {"t_ms":2000,"wall_ms":1735732802000,"msg":"tick"}
//! ```
//!
//! `t_ms` is milliseconds since the recording's base instant (the model's start), `wall_ms`
//! Unix milliseconds; `t_ns`/`wall_ns` (0–999 999, omitted when 0) carry the rest, so the
//! instants rebuilt on replay are the recorded ones to the nanosecond and every rate the model
//! derives from them comes out the same. INFO is kept as the reply text and parsed again on load
//! with the one INFO parser; what the poller changed after parsing (the `server` fields carried
//! over between slow ticks, commandstats taken out) is kept beside it as `patch`. A sample's
//! `cost` is written only when it changed (the model keeps the last one it was given).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::collect::governor::SelfCost;
use crate::collect::types::{
    ClientListResult, CollectError, CommandStat, ConfigValues, Fetched, Info, LatencyEvent, Sample,
    SlowlogEntry,
};
use crate::msg::{LinkEvent, Msg, TargetId};
use crate::target::Thresholds;

/// Version of the file format, in the header line.
pub const FORMAT: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileHeader {
    /// Always [`FORMAT`]; also what tells a recording from any other JSONL file.
    pub redtriage_recording: u32,
    /// redtriage's version that wrote it.
    pub version: String,
    /// RFC 3339 wall time of the base instant (`t_ms` 0).
    pub started: String,
    /// The targets as displayed (password masked), indexed by the messages' `target`.
    pub targets: Vec<String>,
    /// The health thresholds of the recording run (replay judges with the same ones).
    #[serde(default)]
    pub thresholds: Option<Thresholds>,
    /// The replication group watched (Sentinels, master name), when there is one: a replay
    /// follows its failovers as the dashboard did (those add targets after the header's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<super::group::RecGroupHeader>,
}

/// One recorded message with its times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Milliseconds since the base instant (negative only for a message stamped before it).
    pub t_ms: i64,
    /// Nanoseconds after `t_ms` (0–999 999).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub t_ns: u32,
    /// Unix time in milliseconds (the sample's own wall time for samples).
    pub wall_ms: u64,
    /// Nanoseconds after `wall_ms` (0–999 999).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wall_ns: u32,
    pub msg: RecMsg,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The messages a recording holds: everything from the pollers and the clock that `update`
/// consumed, and the actions' starts, output and ends (keys and Prometheus are not recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecMsg {
    /// The 1 s clock (`Msg::Tick`), so since-timers move as they did.
    Tick,
    Link {
        target: TargetId,
        event: RecLink,
    },
    Sample {
        target: TargetId,
        sample: Box<RecSample>,
    },
    /// A confirmed action started (`Msg::ActionStarted`).
    ActionStart {
        run: u64,
        name: String,
        mitigation: bool,
    },
    /// A line of an action's output, or its end (`Msg::Action`; probes of the watch too).
    Action {
        run: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        done: Option<crate::msg::Outcome>,
    },
    /// What the group source learned (`Msg::Group`).
    Group(Box<super::group::RecGroup>),
}

/// [`LinkEvent`] with its instant as an offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RecLink {
    Connected,
    Down {
        error: CollectError,
    },
    NoReply {
        /// Nanoseconds since the base instant.
        last_reply_ns: Option<i64>,
    },
    AuthFailed {
        message: String,
    },
    Failed {
        error: CollectError,
    },
    /// What the server's log says while it is down (escaped lines).
    ServerLog {
        findings: Vec<crate::collect::serverlog::LogFinding>,
    },
    /// What is known of its configuration without asking it.
    Known {
        values: std::collections::BTreeMap<String, (String, crate::collect::known::Source)>,
    },
}

/// [`Sample`] without its times (they are the line's) and with INFO as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecSample {
    /// PING round trip, ns.
    pub ping_ns: u64,
    pub info: RecInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowlog: Fetched<Vec<SlowlogEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowlog_len: Fetched<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_latest: Fetched<Vec<LatencyEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commandstats: Fetched<std::collections::BTreeMap<String, CommandStat>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Fetched<ConfigValues>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clients: Fetched<ClientListResult>,
    /// `COMMAND INFO` of the commands redtriage sends (first sample of a connection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands: Fetched<crate::collect::types::CommandCheck>,
    /// Only when it changed since the target's previous sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<SelfCost>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Result<crate::collect::disk::DiskFigures, String>>,
}

/// An INFO reply: its text (or bytes, when not UTF-8), plus the typed fields that differ from
/// what parsing the text gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub patch: serde_json::Map<String, serde_json::Value>,
}

impl RecInfo {
    /// Text plus the difference between `info` and the parse of its text.
    pub fn from_info(info: &Info) -> Self {
        let (text, bytes) = match String::from_utf8(info.raw_text.clone()) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.into_bytes())),
        };
        let reparsed = crate::collect::parse::parse_info(&info.raw_text);
        let mut patch = serde_json::Map::new();
        if reparsed != *info
            && let (Ok(serde_json::Value::Object(have)), Ok(serde_json::Value::Object(parsed))) =
                (serde_json::to_value(info), serde_json::to_value(&reparsed))
        {
            for (k, v) in have {
                if parsed.get(&k) != Some(&v) {
                    patch.insert(k, v);
                }
            }
        }
        Self { text, bytes, patch }
    }

    /// Parses the text and applies the patch.
    pub fn to_info(&self) -> Result<Info, String> {
        let raw: &[u8] = match (&self.text, &self.bytes) {
            (Some(t), _) => t.as_bytes(),
            (None, Some(b)) => b,
            (None, None) => b"",
        };
        let info = crate::collect::parse::parse_info(raw);
        if self.patch.is_empty() {
            return Ok(info);
        }
        let mut v = serde_json::to_value(&info).map_err(|e| e.to_string())?;
        if let serde_json::Value::Object(m) = &mut v {
            for (k, val) in &self.patch {
                m.insert(k.clone(), val.clone());
            }
        }
        let mut patched: Info =
            serde_json::from_value(v).map_err(|e| format!("info patch: {e}"))?;
        patched.raw_text = info.raw_text;
        Ok(patched)
    }
}

/// Nanoseconds from `base` to `at` (negative when `at` is earlier).
pub fn offset_ns(base: Instant, at: Instant) -> i64 {
    match at.checked_duration_since(base) {
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        None => -i64::try_from(base.duration_since(at).as_nanos()).unwrap_or(i64::MAX),
    }
}

/// `base` moved by `ns` (either way); `base` itself when out of range.
pub fn instant_at(base: Instant, ns: i64) -> Instant {
    let d = Duration::from_nanos(ns.unsigned_abs());
    if ns >= 0 {
        base.checked_add(d)
    } else {
        base.checked_sub(d)
    }
    .unwrap_or(base)
}

/// Unix nanoseconds of `t` (0 before 1970).
pub fn unix_ns(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

impl Line {
    /// Nanoseconds since the base instant.
    pub fn offset_ns(&self) -> i64 {
        self.t_ms
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(self.t_ns))
    }

    /// The wall time.
    pub fn wall(&self) -> SystemTime {
        UNIX_EPOCH
            + Duration::from_millis(self.wall_ms)
            + Duration::from_nanos(u64::from(self.wall_ns))
    }

    /// The line for `msg`, if it is one that is recorded. `last_cost` is the cost last written
    /// per target (updated here).
    pub fn from_msg(
        base: Instant,
        wall: SystemTime,
        msg: &Msg,
        last_cost: &mut Vec<Option<SelfCost>>,
    ) -> Option<Self> {
        let (at, wall, rec) = match msg {
            Msg::Tick(at) => (*at, wall, RecMsg::Tick),
            Msg::Link { target, at, event } => (
                *at,
                wall,
                RecMsg::Link {
                    target: *target,
                    event: RecLink::from_event(base, event),
                },
            ),
            Msg::Sample { target, sample } => (
                sample.at,
                sample.wall,
                RecMsg::Sample {
                    target: *target,
                    sample: Box::new(RecSample::from_sample(sample, *target, last_cost)),
                },
            ),
            Msg::ActionStarted {
                run,
                at,
                name,
                mitigation,
            } => (
                *at,
                wall,
                RecMsg::ActionStart {
                    run: *run,
                    name: name.clone(),
                    mitigation: *mitigation,
                },
            ),
            Msg::Action { run, at, event } => {
                let (output, done) = match event {
                    crate::msg::ActionEvent::Output(l) => (Some(l.clone()), None),
                    // A replay shows what was said; the saved lines are in the live run's log.
                    crate::msg::ActionEvent::Saved { what, .. } => (Some(what.clone()), None),
                    crate::msg::ActionEvent::Done(o) => (None, Some(o.clone())),
                };
                (
                    *at,
                    wall,
                    RecMsg::Action {
                        run: *run,
                        output,
                        done,
                    },
                )
            }
            Msg::Group(e) => {
                let (at, own_wall, rec) = super::group::RecGroup::from_event(e);
                (at, own_wall.unwrap_or(wall), RecMsg::Group(Box::new(rec)))
            }
            _ => return None,
        };
        let t = offset_ns(base, at);
        let w = unix_ns(wall);
        Some(Self {
            t_ms: t.div_euclid(1_000_000),
            t_ns: u32::try_from(t.rem_euclid(1_000_000)).unwrap_or(0),
            wall_ms: u64::try_from(w / 1_000_000).unwrap_or(u64::MAX),
            wall_ns: u32::try_from(w % 1_000_000).unwrap_or(0),
            msg: rec,
        })
    }

    /// The message to feed `update`, with instants rebuilt around `base`.
    pub fn to_msg(&self, base: Instant) -> Result<Msg, String> {
        let at = instant_at(base, self.offset_ns());
        Ok(match &self.msg {
            RecMsg::Tick => Msg::Tick(at),
            RecMsg::Link { target, event } => Msg::Link {
                target: *target,
                at,
                event: event.to_event(base),
            },
            RecMsg::Sample { target, sample } => Msg::Sample {
                target: *target,
                sample: Box::new(sample.to_sample(at, self.wall())?),
            },
            RecMsg::ActionStart {
                run,
                name,
                mitigation,
            } => Msg::ActionStarted {
                run: *run,
                at,
                name: name.clone(),
                mitigation: *mitigation,
            },
            RecMsg::Action { run, output, done } => Msg::Action {
                run: *run,
                at,
                event: match (output, done) {
                    (_, Some(o)) => crate::msg::ActionEvent::Done(o.clone()),
                    (Some(l), None) => crate::msg::ActionEvent::Output(l.clone()),
                    (None, None) => return Err("action line with neither output nor done".into()),
                },
            },
            RecMsg::Group(g) => Msg::Group(Box::new(g.to_event(at, self.wall())?)),
        })
    }
}

impl RecLink {
    fn from_event(base: Instant, e: &LinkEvent) -> Self {
        match e {
            LinkEvent::Connected => Self::Connected,
            LinkEvent::Down(error) => Self::Down {
                error: error.clone(),
            },
            LinkEvent::NoReply { last_reply } => Self::NoReply {
                last_reply_ns: last_reply.map(|t| offset_ns(base, t)),
            },
            LinkEvent::AuthFailed(message) => Self::AuthFailed {
                message: message.clone(),
            },
            LinkEvent::Failed(error) => Self::Failed {
                error: error.clone(),
            },
            LinkEvent::ServerLog(findings) => Self::ServerLog {
                findings: findings.clone(),
            },
            LinkEvent::Known(k) => Self::Known {
                values: k.values.clone(),
            },
        }
    }

    fn to_event(&self, base: Instant) -> LinkEvent {
        match self {
            Self::Connected => LinkEvent::Connected,
            Self::Down { error } => LinkEvent::Down(error.clone()),
            Self::NoReply { last_reply_ns } => LinkEvent::NoReply {
                last_reply: last_reply_ns.map(|ns| instant_at(base, ns)),
            },
            Self::AuthFailed { message } => LinkEvent::AuthFailed(message.clone()),
            Self::Failed { error } => LinkEvent::Failed(error.clone()),
            Self::ServerLog { findings } => LinkEvent::ServerLog(findings.clone()),
            Self::Known { values } => LinkEvent::Known(crate::collect::known::Known {
                values: values.clone(),
            }),
        }
    }
}

impl RecSample {
    fn from_sample(s: &Sample, target: TargetId, last_cost: &mut Vec<Option<SelfCost>>) -> Self {
        if last_cost.len() <= target {
            last_cost.resize(target + 1, None);
        }
        let cost = match (&s.cost, &mut last_cost[target]) {
            (Some(c), Some(prev)) if c == prev => None,
            (Some(c), slot) => {
                *slot = Some(c.clone());
                Some(c.clone())
            }
            (None, _) => None,
        };
        Self {
            ping_ns: u64::try_from(s.ping_rtt.as_nanos()).unwrap_or(u64::MAX),
            info: RecInfo::from_info(&s.info),
            slowlog: s.slowlog.clone(),
            slowlog_len: s.slowlog_len.clone(),
            latency_latest: s.latency_latest.clone(),
            commandstats: s.commandstats.clone(),
            config: s.config.clone(),
            clients: s.clients.clone(),
            commands: s.commands.clone(),
            cost,
            disk: s.disk.clone(),
        }
    }

    fn to_sample(&self, at: Instant, wall: SystemTime) -> Result<Sample, String> {
        Ok(Sample {
            at,
            wall,
            ping_rtt: Duration::from_nanos(self.ping_ns),
            info: self.info.to_info()?,
            slowlog: self.slowlog.clone(),
            slowlog_len: self.slowlog_len.clone(),
            latency_latest: self.latency_latest.clone(),
            commandstats: self.commandstats.clone(),
            config: self.config.clone(),
            clients: self.clients.clone(),
            commands: self.commands.clone(),
            cost: self.cost.clone(),
            disk: self.disk.clone(),
        })
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
