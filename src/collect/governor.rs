//! The self-cost governor: counts what redtriage itself asks of Redis (calls, round trips,
//! reply bytes), turns `INFO commandstats` deltas into an estimate of its own main-thread time
//! per refresh, and stretches the slow cadence or limits `CLIENT LIST` when the server is
//! struggling (PING above the latency target, many clients, large replies), with the reason.
//!
//! Attribution: `INFO commandstats` is global, so redtriage's server time is estimated as
//! Σ over the commands it sent of (own calls × the server-wide mean µs per call of that command
//! over the same window). Exact when redtriage is the only client running those commands (it
//! usually is: few clients run `INFO`, `SLOWLOG`, `LATENCY`); an over-estimate when another
//! monitor runs heavier variants of the same command (`INFO everything`).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::types::CommandStat;

/// Replies larger than this in one slow tick stretch the slow cadence.
pub const REPLY_BUDGET_BYTES: u64 = 256 * 1024;
/// Above this many times the client limit, CLIENT LIST is not run at all.
pub const CLIENT_LIST_HARD_FACTOR: u64 = 5;
/// PING round trips kept to judge latency (median of these).
const RTT_KEEP: usize = 5;
/// Above the client limit, a sampled `CLIENT LIST` may cost Redis this many µs per second on
/// average (about a third of one default `INFO`), whatever the number of clients.
pub const CLIENT_LIST_BUDGET_USEC_PER_SEC: f64 = 10.0;
/// Server µs per listed client before one has been measured (7.0 on the CI machine).
const DEFAULT_LIST_USEC_PER_CLIENT: f64 = 0.6;

/// How the clients pane is fed this slow tick.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ClientListMode {
    /// `CLIENT LIST` every slow tick.
    Full,
    /// `CLIENT LIST TYPE normal`, only every `every_secs`, so its cost per second stays within
    /// [`CLIENT_LIST_BUDGET_USEC_PER_SEC`] whatever the number of clients.
    Sampled { every_secs: u64, reason: String },
    /// `INFO clients` only.
    InfoOnly { reason: String },
}

impl ClientListMode {
    /// One line for the overlay and the clients pane.
    pub fn describe(&self) -> String {
        match self {
            ClientListMode::Full => "CLIENT LIST every slow tick".into(),
            ClientListMode::Sampled { every_secs, reason } => {
                format!("CLIENT LIST TYPE normal every {every_secs}s ({reason})")
            }
            ClientListMode::InfoOnly { reason } => format!("INFO clients only ({reason})"),
        }
    }
}

/// redtriage's own cost per refresh over the last measured window (between two slow ticks).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SelfCost {
    /// Length of the window, s.
    pub window_secs: f64,
    /// Refreshes (ticks with a sample) in the window.
    pub refreshes: u64,
    /// Estimated Redis main-thread µs per refresh (see the module doc); None before two
    /// `INFO commandstats` replies.
    pub server_usec_per_refresh: Option<f64>,
    pub calls_per_refresh: f64,
    pub round_trips_per_refresh: f64,
    pub reply_bytes_per_refresh: f64,
    /// Current slow-cadence period, s (stretched while backing off).
    pub slow_interval_secs: u64,
    /// Why the slow cadence is stretched, when it is.
    pub backoff: Option<String>,
    /// How the clients pane is fed.
    pub client_list: Option<ClientListMode>,
}

/// Counting and deciding; one per poller.
#[derive(Debug, Clone)]
pub struct Governor {
    base_slow: Duration,
    client_limit: u64,
    latency_target: Duration,
    calls: BTreeMap<String, u64>,
    round_trips: u64,
    reply_bytes: u64,
    refreshes: u64,
    window_start: Option<Instant>,
    prev_stats: Option<BTreeMap<String, CommandStat>>,
    rtts: VecDeque<Duration>,
    slow_tick_bytes: u64,
    last_client_list: Option<Instant>,
    /// Clients in the last list, and the measured server µs per listed client.
    listed: u64,
    list_usec_per_client: f64,
    /// The last computed cost; sent with every sample.
    pub cost: SelfCost,
}

impl Governor {
    pub fn new(base_slow: Duration, client_limit: u64, latency_target: Duration) -> Self {
        Self {
            base_slow,
            client_limit,
            latency_target,
            calls: BTreeMap::new(),
            round_trips: 0,
            reply_bytes: 0,
            refreshes: 0,
            window_start: None,
            prev_stats: None,
            rtts: VecDeque::new(),
            slow_tick_bytes: 0,
            last_client_list: None,
            listed: 0,
            list_usec_per_client: DEFAULT_LIST_USEC_PER_CLIENT,
            cost: SelfCost {
                slow_interval_secs: base_slow.as_secs(),
                ..SelfCost::default()
            },
        }
    }

    /// One command (or pipeline of `calls`) sent: its commandstats names and reply size.
    pub fn note_call(&mut self, names: &[String], reply_bytes: usize) {
        self.round_trips += 1;
        self.reply_bytes += reply_bytes as u64;
        for n in names {
            *self.calls.entry(n.clone()).or_default() += 1;
        }
    }

    /// A refresh completed with this PING round trip.
    pub fn note_refresh(&mut self, at: Instant, ping: Duration) {
        self.window_start.get_or_insert(at);
        self.refreshes += 1;
        self.rtts.push_back(ping);
        while self.rtts.len() > RTT_KEEP {
            self.rtts.pop_front();
        }
    }

    /// Reply bytes of the slow tick that just ran (judged by the next decision).
    pub fn note_slow_tick_bytes(&mut self, bytes: u64) {
        self.slow_tick_bytes = bytes;
    }

    /// A new connection: the server may be another process; start counting afresh.
    pub fn reset_window(&mut self) {
        self.prev_stats = None;
        self.window_start = None;
        self.clear_counts();
    }

    fn clear_counts(&mut self) {
        self.calls.clear();
        self.round_trips = 0;
        self.reply_bytes = 0;
        self.refreshes = 0;
    }

    fn median_rtt(&self) -> Duration {
        let mut v: Vec<Duration> = self.rtts.iter().copied().collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or_default()
    }

    /// Why the server counts as struggling, if it does.
    fn struggling(&self) -> Option<String> {
        let rtt = self.median_rtt();
        (rtt > self.latency_target).then(|| {
            format!(
                "PING {}ms > target {}ms",
                rtt.as_millis(),
                self.latency_target.as_millis()
            )
        })
    }

    /// The slow-cadence period to use next, and why it is stretched.
    pub fn slow_interval(&self) -> (Duration, Option<String>) {
        if let Some(why) = self.struggling() {
            let factor = if self.median_rtt() > self.latency_target * 2 {
                12
            } else {
                4
            };
            return (self.base_slow * factor, Some(why));
        }
        if self.slow_tick_bytes > REPLY_BUDGET_BYTES {
            let why = format!(
                "replies {} KiB > {} KiB per slow tick",
                self.slow_tick_bytes / 1024,
                REPLY_BUDGET_BYTES / 1024
            );
            return (self.base_slow * 4, Some(why));
        }
        (self.base_slow, None)
    }

    /// How to feed the clients pane, given `connected` clients from INFO.
    pub fn client_list_mode(&self, connected: u64) -> ClientListMode {
        let limit = self.client_limit;
        if let Some(why) = self.struggling()
            && connected > limit.min(100)
        {
            return ClientListMode::InfoOnly {
                reason: format!("server slow: {why}"),
            };
        }
        if connected <= limit {
            return ClientListMode::Full;
        }
        if connected > limit.saturating_mul(CLIENT_LIST_HARD_FACTOR) {
            return ClientListMode::InfoOnly {
                reason: format!("{connected} clients > {CLIENT_LIST_HARD_FACTOR}×{limit}"),
            };
        }
        let est_usec = connected as f64 * self.list_usec_per_client;
        let every = (est_usec / CLIENT_LIST_BUDGET_USEC_PER_SEC).ceil() as u64;
        ClientListMode::Sampled {
            every_secs: every.max(self.base_slow.as_secs().max(1)),
            reason: format!("{connected} clients > {limit}"),
        }
    }

    /// Should a `Sampled` list run now (its stretched period has passed)?
    pub fn sampled_list_due(&self, now: Instant, every_secs: u64) -> bool {
        self.last_client_list
            .is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(every_secs))
    }

    /// A CLIENT LIST of `clients` rows ran at `now`.
    pub fn note_client_list(&mut self, now: Instant, clients: u64) {
        self.last_client_list = Some(now);
        self.listed = clients;
    }

    /// Records the decision shown with the cost.
    pub fn note_decision(&mut self, slow: Duration, backoff: Option<String>, mode: ClientListMode) {
        self.cost.slow_interval_secs = slow.as_secs();
        self.cost.backoff = backoff;
        self.cost.client_list = Some(mode);
    }

    /// New `INFO commandstats` at `now`: closes the window and computes the cost per refresh.
    pub fn on_commandstats(&mut self, now: Instant, stats: &BTreeMap<String, CommandStat>) {
        let server = self
            .prev_stats
            .as_ref()
            .map(|prev| own_usec(&self.calls, prev, stats));
        self.learn_list_cost(stats);
        if self.prev_stats.is_none() || self.refreshes == 0 {
            // First reply of a connection: only the starting point of the window.
            self.prev_stats = Some(stats.clone());
            self.window_start = Some(now);
            self.clear_counts();
            return;
        }
        let n = self.refreshes as f64;
        let calls: u64 = self.calls.values().sum();
        self.cost.window_secs = self
            .window_start
            .map_or(0.0, |s| now.saturating_duration_since(s).as_secs_f64());
        self.cost.refreshes = self.refreshes;
        self.cost.server_usec_per_refresh = server.map(|us| us / n);
        self.cost.calls_per_refresh = calls as f64 / n;
        self.cost.round_trips_per_refresh = self.round_trips as f64 / n;
        self.cost.reply_bytes_per_refresh = self.reply_bytes as f64 / n;
        self.prev_stats = Some(stats.clone());
        self.window_start = Some(now);
        self.clear_counts();
    }
}

impl Governor {
    /// Server µs per listed client, from the `client|list` delta, when one ran in the window.
    fn learn_list_cost(&mut self, stats: &BTreeMap<String, CommandStat>) {
        let (Some(prev), Some(now)) = (self.prev_stats.as_ref(), stats.get("client|list")) else {
            return;
        };
        let before = prev.get("client|list").copied().unwrap_or_default();
        let dc = now.calls.saturating_sub(before.calls);
        let du = now.usec.saturating_sub(before.usec);
        if dc > 0 && self.listed >= 100 {
            self.list_usec_per_client = du as f64 / dc as f64 / self.listed as f64;
        }
    }
}

/// Σ own calls × server-wide mean µs per call of that command between `prev` and `now`.
fn own_usec(
    own: &BTreeMap<String, u64>,
    prev: &BTreeMap<String, CommandStat>,
    now: &BTreeMap<String, CommandStat>,
) -> f64 {
    own.iter()
        .filter_map(|(name, &calls)| {
            let a = prev.get(name).copied().unwrap_or_default();
            let b = now.get(name)?;
            let dc = b.calls.checked_sub(a.calls)?;
            let du = b.usec.checked_sub(a.usec)?;
            (dc > 0).then(|| du as f64 / dc as f64 * calls.min(dc) as f64)
        })
        .sum()
}

/// The commandstats name of a command: `ping`, `info`, `slowlog|get` (7.0 names subcommands).
pub fn stat_name(cmd: &redis::Cmd) -> String {
    let mut args = cmd.args_iter().filter_map(|a| match a {
        redis::Arg::Simple(b) => Some(String::from_utf8_lossy(b).to_ascii_lowercase()),
        _ => None,
    });
    let first = args.next().unwrap_or_default();
    match first.as_str() {
        "slowlog" | "latency" | "config" | "client" | "memory" | "cluster" => match args.next() {
            Some(sub) => format!("{first}|{sub}"),
            None => first,
        },
        _ => first,
    }
}

/// Approximate RESP size of a reply, bytes (payload plus framing), for the reply budget.
pub fn reply_bytes(v: &redis::Value) -> usize {
    use redis::Value;
    match v {
        Value::BulkString(b) => b.len() + 16,
        Value::SimpleString(s) => s.len() + 3,
        Value::VerbatimString { text, .. } => text.len() + 20,
        Value::Array(items) | Value::Set(items) => 8 + items.iter().map(reply_bytes).sum::<usize>(),
        Value::Map(pairs) => {
            8 + pairs
                .iter()
                .map(|(k, v)| reply_bytes(k) + reply_bytes(v))
                .sum::<usize>()
        }
        _ => 8,
    }
}

#[cfg(test)]
#[path = "governor_tests.rs"]
mod tests;
