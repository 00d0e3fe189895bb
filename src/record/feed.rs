//! The replay's pacing: which recorded messages are due at a given wall instant, at a speed
//! that can change and a feed that can pause. Pure over the instants it is given (tested
//! without sleeping).

use tokio::time::Instant;

use super::reader::Recording;

/// Fastest and slowest paced speeds; `+` beyond the fastest gives [`Speed::Max`].
const FASTEST: f64 = 1024.0;
const SLOWEST: f64 = 1.0 / 64.0;

/// `--speed`: a factor of the recorded pace, or as fast as possible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    Times(f64),
    Max,
}

impl Speed {
    /// `1`, `4`, `0.5`, `max` (or `0`): None for anything else (not a positive number).
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("max") {
            return Some(Self::Max);
        }
        match s.trim_end_matches(['x', '×']).parse::<f64>() {
            Ok(v) if v.abs() < f64::MIN_POSITIVE => Some(Self::Max),
            Ok(v) if v.is_finite() && v > 0.0 => Some(Self::Times(v)),
            _ => None,
        }
    }

    /// `4×`, `0.5×`, `max`.
    pub fn label(self) -> String {
        match self {
            Self::Max => "max".into(),
            Self::Times(v) if v.fract() == 0.0 => format!("{v:.0}×"),
            Self::Times(v) => {
                let s = format!("{v:.3}");
                format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
            }
        }
    }
}

/// Where the replay is.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Offsets (ns since the base) of the messages, in order.
    times: Vec<i64>,
    /// Index of the next message to feed.
    next: usize,
    speed: Speed,
    paused: bool,
    /// Recorded position (ns) at `anchor`, the wall instant of the last speed/pause change.
    anchor_pos: i64,
    anchor: Instant,
}

impl Feed {
    pub fn new(rec: &Recording, speed: Speed, now: Instant) -> Self {
        Self {
            times: rec.msgs.iter().map(|(t, _)| *t).collect(),
            next: 0,
            speed,
            paused: false,
            anchor_pos: 0,
            anchor: now,
        }
    }

    /// Every message fed.
    pub fn done(&self) -> bool {
        self.next >= self.times.len()
    }

    fn end(&self) -> i64 {
        self.times.last().map_or(0, |t| (*t).max(0))
    }

    /// The recorded position (ns since the base) at wall instant `now`.
    pub fn position(&self, now: Instant) -> i64 {
        let fed = self
            .next
            .checked_sub(1)
            .and_then(|i| self.times.get(i))
            .copied()
            .unwrap_or(0);
        match self.speed {
            _ if self.done() => self.end(),
            Speed::Max => fed,
            Speed::Times(_) if self.paused => self.anchor_pos,
            Speed::Times(v) => {
                let elapsed = now.saturating_duration_since(self.anchor).as_nanos() as f64;
                let pos = self.anchor_pos.saturating_add((elapsed * v) as i64);
                pos.min(self.end())
            }
        }
    }

    /// Indices of the messages due at `now` (at most `max_chunk` at `Speed::Max`).
    pub fn due(&mut self, now: Instant, max_chunk: usize) -> std::ops::Range<usize> {
        let start = self.next;
        if self.paused {
            return start..start;
        }
        let end = match self.speed {
            Speed::Max => (start + max_chunk).min(self.times.len()),
            Speed::Times(_) => {
                let pos = self.position(now);
                start + self.times[start..].partition_point(|t| *t <= pos)
            }
        };
        self.next = end;
        start..end
    }

    /// When the next message is due; None while paused or at the end.
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        if self.paused || self.done() {
            return None;
        }
        match self.speed {
            Speed::Max => Some(now),
            Speed::Times(v) => {
                let ahead = self.times[self.next].saturating_sub(self.anchor_pos).max(0);
                let wall = std::time::Duration::from_nanos((ahead as f64 / v) as u64);
                Some(self.anchor.checked_add(wall).unwrap_or(now).max(now))
            }
        }
    }

    fn set_speed(&mut self, speed: Speed, now: Instant) {
        self.anchor_pos = self.position(now);
        self.anchor = now;
        self.speed = speed;
    }

    /// `+`: twice as fast (beyond 1024× as fast as possible).
    pub fn faster(&mut self, now: Instant) {
        let next = match self.speed {
            Speed::Times(v) if v * 2.0 > FASTEST => Speed::Max,
            Speed::Times(v) => Speed::Times(v * 2.0),
            Speed::Max => Speed::Max,
        };
        self.set_speed(next, now);
    }

    /// `-`: half as fast (from max: 64×; never below 1/64×).
    pub fn slower(&mut self, now: Instant) {
        let next = match self.speed {
            Speed::Times(v) => Speed::Times((v / 2.0).max(SLOWEST)),
            Speed::Max => Speed::Times(64.0),
        };
        self.set_speed(next, now);
    }

    /// Space: stop or resume feeding (the clock of the replay stops with it).
    pub fn toggle_pause(&mut self, now: Instant) {
        self.anchor_pos = self.position(now);
        self.anchor = now;
        self.paused = !self.paused;
    }

    /// `REPLAY 4× 00:12:31/00:30:00`, with `PAUSED` or `END` when so.
    pub fn mark(&self, now: Instant) -> String {
        let state = if self.done() {
            " END"
        } else if self.paused {
            " PAUSED"
        } else {
            ""
        };
        format!(
            "REPLAY{state} {} {}/{}",
            self.speed.label(),
            clock(self.position(now)),
            clock(self.end())
        )
    }
}

/// `hh:mm:ss` of a non-negative ns offset.
fn clock(ns: i64) -> String {
    let s = ns.max(0) / 1_000_000_000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
