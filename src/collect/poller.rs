//! The Redis poller: one task per target, its own connection, one request in flight, a timeout
//! on every call, `MissedTickBehavior::Skip`, reconnect with capped backoff and jitter.
//!
//! Cost per tick: `PING`, `INFO` of the sections that move ([`info_plan`]), `SLOWLOG GET 1`
//! (newest id probe), `LATENCY LATEST` only while `latency-monitor-threshold` is on; the full
//! `SLOWLOG GET`/`SLOWLOG LEN` only when the newest id moved. Slow cadence (stretched by the
//! [`Governor`] when the server struggles): `INFO commandstats`, `CONFIG GET` of the named
//! keys, `SLOWLOG LEN`, `LATENCY LATEST`, `CLIENT LIST` as the governor allows. A command the
//! server refuses (`NOPERM`, unknown) is not retried for a minute, so redtriage does not fill the
//! server's errorstats with its own errors.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use redis::aio::MultiplexedConnection;
use tokio::time::MissedTickBehavior;

use super::connect::{self, ConnectFailure, query};
use super::governor::{self, Governor};
use super::known;
use super::parse;
use super::types::{CollectError, ConfigValues, Info, LinkEvent, PollEvent, Sample};
use crate::outbox::Outbox;
use crate::target::{PollSettings, Target, TargetId};

/// How long a refused command (NOPERM, unknown command) is left alone.
const REFUSED_RETRY: Duration = Duration::from_secs(60);
/// Slowlog entries fetched at most in one go.
const SLOWLOG_MAX: u64 = 128;
/// `INFO commandstats` (only the governor uses it) and `CONFIG GET` (limits rarely change;
/// maxmemory, policy and maxclients also come in INFO) run every this many slow ticks.
const RARE_EVERY: u32 = 6;

/// Capped exponential backoff with ±20 % jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self {
            base,
            cap,
            attempt: 0,
        }
    }

    /// Delay before the next attempt; grows until the cap.
    pub fn next_delay(&mut self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.attempt.min(16));
        self.attempt = self.attempt.saturating_add(1);
        let d = exp.min(self.cap);
        let jitter = rand::random_range(0.8..1.2);
        d.mul_f64(jitter)
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// One poller: owns its connection and its cadence bookkeeping.
pub struct Poller {
    id: TargetId,
    target: Target,
    settings: PollSettings,
    tx: Outbox<PollEvent>,
    conn: Option<MultiplexedConnection>,
    backoff: Backoff,
    next_attempt: Instant,
    last_reply: Option<Instant>,
    slow_due: Instant,
    newest_slowlog_id: Option<u64>,
    refused_until: HashMap<&'static str, Instant>,
    /// Commands (upper case) this server does not have, per `COMMAND INFO` or an `unknown
    /// command` reply: never sent again on this connection (a rename needs a restart).
    absent: HashSet<String>,
    /// `COMMAND INFO` was asked on this connection.
    commands_checked: bool,
    config_multi_arg: bool,
    /// Own cost and back-off decisions.
    gov: Governor,
    plan: info_plan::InfoPlan,
    /// `latency-monitor-threshold` > 0 per the last CONFIG GET (None = unknown: ask).
    latency_monitor_on: Option<bool>,
    /// Reply bytes since the slow tick began (for the reply budget).
    slow_bytes: Option<u64>,
    /// Slow ticks since the connection was made.
    slow_ticks: u32,
    /// The server's log file, read while it does not answer.
    log: logwatch::LogWatch,
    /// What is known of the server's configuration without asking it.
    known: crate::collect::known::Known,
    /// The values last written to the target's state file, and when.
    remembered: Option<(BTreeMap<String, String>, Instant)>,
    /// `known` changed during this tick: sent after the sample.
    known_changed: bool,
    /// Discovery still running after its second.
    pending_known: Option<tokio::sync::oneshot::Receiver<known::Known>>,
    /// The binary INFO names, and whether it exists here.
    exe_seen: Option<(String, bool)>,
    /// The state file's write in flight.
    saving: Option<tokio::task::JoinHandle<()>>,
}

impl Poller {
    pub fn new(
        id: TargetId,
        target: Target,
        settings: PollSettings,
        tx: impl Into<Outbox<PollEvent>>,
    ) -> Self {
        let now = Instant::now();
        let log = logwatch::LogWatch::new(settings.server_log.clone());
        let cap = settings.timeout.max(Duration::from_secs(10));
        let gov = Governor::new(
            settings.slow_interval,
            settings.client_list_max_clients,
            settings.latency_target,
        );
        Self {
            id,
            target,
            backoff: Backoff::new(settings.interval.min(Duration::from_secs(1)), cap),
            settings,
            tx: tx.into(),
            conn: None,
            next_attempt: now,
            last_reply: None,
            slow_due: now,
            newest_slowlog_id: None,
            refused_until: HashMap::new(),
            absent: HashSet::new(),
            commands_checked: false,
            config_multi_arg: true,
            gov,
            plan: info_plan::InfoPlan::default(),
            latency_monitor_on: None,
            slow_bytes: None,
            slow_ticks: 0,
            log,
            known: crate::collect::known::Known::default(),
            remembered: None,
            known_changed: false,
            pending_known: None,
            exe_seen: None,
            saving: None,
        }
    }

    /// Runs until the receiver is gone.
    pub async fn run(mut self) {
        self.learn_known().await;
        let mut ticker = tokio::time::interval(self.settings.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            if self.tx.is_closed() {
                return;
            }
            self.tick().await;
        }
    }

    /// One tick: connect if needed (respecting the backoff), else poll.
    pub async fn tick(&mut self) {
        self.take_known().await;
        if self.conn.is_none() {
            if Instant::now() < self.next_attempt {
                return;
            }
            self.try_connect().await;
            if self.conn.is_none() {
                return;
            }
        }
        self.poll().await;
    }

    async fn send(&self, event: PollEvent) {
        let _ = self.tx.send(event).await;
    }

    async fn link(&self, event: LinkEvent) {
        self.send(PollEvent::Link {
            target: self.id,
            at: Instant::now(),
            event,
        })
        .await;
    }

    async fn try_connect(&mut self) {
        match connect::connect(&self.target, self.settings.timeout).await {
            Ok(conn) => {
                // The backoff is reset by the first full sample, not here: a server that
                // accepts and then breaks every time is retried gently too.
                self.conn = Some(conn);
                self.last_reply = Some(Instant::now());
                self.slow_due = Instant::now();
                self.slow_ticks = 0;
                self.plan = info_plan::InfoPlan::default();
                self.absent.clear();
                self.commands_checked = false;
                self.gov.reset_window();
                if self.settings.reserve_for_actions {
                    super::reserve::renew(&self.target, self.settings.timeout);
                }
                self.link(LinkEvent::Connected).await;
            }
            Err(failure) => {
                let mut delay = self.backoff.next_delay();
                let event = match failure {
                    ConnectFailure::Socket(e) | ConnectFailure::Handshake(e) => LinkEvent::Down(e),
                    ConnectFailure::NoReply => LinkEvent::NoReply {
                        last_reply: self.last_reply,
                    },
                    ConnectFailure::Auth(m) => {
                        // Wrong credentials do not fix themselves: retry slowly, no storm.
                        delay = delay.max(Duration::from_secs(5));
                        LinkEvent::AuthFailed(m)
                    }
                };
                self.next_attempt = Instant::now() + delay;
                let down = matches!(event, LinkEvent::Down(_));
                self.link(event).await;
                if down {
                    self.read_server_log().await;
                }
            }
        }
    }

    /// A command timed out: say so, and drop the connection. Its reply may still come (a
    /// server stopped with SIGSTOP answers everything after SIGCONT); on a new connection no
    /// late reply can ever be read as the answer to a later command.
    async fn on_timeout(&mut self) {
        self.conn = None;
        self.next_attempt = Instant::now() + self.backoff.next_delay();
        self.link(LinkEvent::NoReply {
            last_reply: self.last_reply,
        })
        .await;
    }

    /// The connection broke (reset, EOF): drop it and reconnect after the backoff (one tick
    /// or so after a good sample, slower while it keeps breaking).
    async fn on_broken(&mut self, e: CollectError) {
        self.conn = None;
        self.next_attempt = Instant::now() + self.backoff.next_delay();
        self.link(LinkEvent::Down(e)).await;
        self.read_server_log().await;
    }

    /// While the server is down, its log may say why (a damaged AOF, out of memory).
    async fn read_server_log(&mut self) {
        if let Some(found) = self.log.due_read(Instant::now()).await {
            self.link(LinkEvent::ServerLog(found)).await;
        }
    }

    /// What is known of the server before it is asked: its state file, its config file
    /// (read off the async threads, a second at most); sent when there is something.
    pub async fn learn_known(&mut self) {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let target = self.target.clone();
        let given = self.settings.redis_conf.clone();
        let state = self.state_file();
        // A thread of its own, not the blocking pool: a /proc read or a config file on a
        // stuck disk must hold neither the runtime nor redtriage's exit.
        let spawned = std::thread::Builder::new()
            .name("redtriage-known".into())
            .spawn(move || {
                let remembered = state.as_deref().and_then(known::load);
                let _ = tx.send(known::discover(
                    &target,
                    given.as_deref(),
                    remembered.as_ref(),
                ));
            });
        if spawned.is_err() {
            return;
        }
        // A second for it; later, it is taken whenever it comes (`take_known`).
        match tokio::time::timeout(Duration::from_secs(1), &mut rx).await {
            Ok(Ok(k)) => self.apply_known(k).await,
            Ok(Err(_)) => {}
            Err(_) => self.pending_known = Some(rx),
        }
    }

    /// The discovery that outlasted [`Self::learn_known`]'s second, once it is done.
    async fn take_known(&mut self) {
        let Some(rx) = &mut self.pending_known else {
            return;
        };
        match rx.try_recv() {
            Ok(k) => {
                self.pending_known = None;
                self.apply_known(k).await;
            }
            Err(tokio::sync::oneshot::error::TryRecvError::Empty) => {}
            Err(tokio::sync::oneshot::error::TryRecvError::Closed) => self.pending_known = None,
        }
    }

    /// What discovery found, under what the server itself has said since.
    async fn apply_known(&mut self, mut k: known::Known) {
        for (key, entry) in &self.known.values {
            if entry.1 == known::Source::Server {
                k.values.insert(key.clone(), entry.clone());
            }
        }
        self.log.know(&self.target, &k);
        self.known = k;
        if !self.known.is_empty() {
            self.link(LinkEvent::Known(self.known.clone())).await;
        }
    }

    fn state_file(&self) -> Option<std::path::PathBuf> {
        let dir = self.settings.state_dir.as_deref()?;
        Some(known::file_for(dir, &self.target))
    }

    /// Keeps what the server says of its configuration in its state file: when it changed,
    /// else every [`known::REWRITE_EVERY_SECS`] (its `seen` time). Written off the async
    /// threads; a failed write only costs the next session its memory.
    fn remember(&mut self, cfg: &ConfigValues, info: &Info) {
        let Some(path) = self.state_file() else {
            return;
        };
        // Whether the binary INFO names exists here: asked once per path, not every sample.
        let exe = (info.executable.as_deref()).and_then(crate::escape::original_text);
        if exe.is_some() && self.exe_seen.as_ref().map(|(p, _)| p) != exe.as_ref() {
            let exists = exe
                .as_deref()
                .is_some_and(|e| std::path::Path::new(e).is_file());
            self.exe_seen = exe.map(|e| (e, exists));
        }
        let exe_here = self.exe_seen.as_ref().is_some_and(|(_, ok)| *ok);
        let values = known::from_live(Some(cfg), info, exe_here);
        if self.known.update_live(&values) {
            self.log.know(&self.target, &self.known);
            // Sent after the sample (this runs inside the tick).
            self.known_changed = true;
        }
        let fresh = self.remembered.as_ref().is_some_and(|(v, at)| {
            *v == values && at.elapsed() < Duration::from_secs(known::REWRITE_EVERY_SECS)
        });
        // One write at a time: a later one waits for the next sample.
        let busy = self.saving.as_ref().is_some_and(|h| !h.is_finished());
        if fresh || busy || values.is_empty() {
            return;
        }
        self.remembered = Some((values.clone(), Instant::now()));
        let record = known::Remembered {
            target: self.target.display(),
            seen_unix: known::now_unix(),
            values,
        };
        self.saving = Some(tokio::task::spawn_blocking(move || {
            let _ = known::save(&path, &record);
        }));
    }

    /// Runs `cmd`; on timeout or a broken connection handles it and returns `None`.
    async fn run_cmd(&mut self, cmd: &redis::Cmd) -> Option<Result<redis::Value, CollectError>> {
        match self.run_raw(cmd).await? {
            Err(e) if broken(&e) => {
                self.on_broken(e).await;
                None
            }
            other => Some(other),
        }
    }

    /// PING, the first command of a tick, and its round trip. A connection the server closed
    /// while it sat idle between ticks (its `timeout`, a proxy's idle limit) fails here at
    /// once: a new one is made in the same tick and PING sent again, so a server that is up
    /// is never shown DOWN for a tick. Only a failed reconnect is reported.
    async fn ping(&mut self) -> Option<(Instant, Duration)> {
        let at = Instant::now();
        match self.run_raw(&redis::cmd("PING")).await? {
            Err(e) if broken(&e) => {
                self.conn = None;
                self.try_connect().await;
                let at = Instant::now();
                let _ = self.run_cmd(&redis::cmd("PING")).await?;
                Some((at, at.elapsed()))
            }
            // LOADING and NOPERM still prove the server answers.
            _ => Some((at, at.elapsed())),
        }
    }

    /// [`Self::run_cmd`] that hands a broken connection's error back instead of handling it.
    async fn run_raw(&mut self, cmd: &redis::Cmd) -> Option<Result<redis::Value, CollectError>> {
        let conn = self.conn.as_mut()?;
        let r = query(conn, cmd, self.settings.timeout).await;
        if let Ok(v) = &r {
            let bytes = governor::reply_bytes(v);
            self.gov.note_call(&[governor::stat_name(cmd)], bytes);
            if let Some(b) = &mut self.slow_bytes {
                *b += bytes as u64;
            }
        }
        match r {
            Err(CollectError::Timeout) => {
                self.on_timeout().await;
                None
            }
            Err(e) if broken(&e) => Some(Err(e)),
            other => {
                self.last_reply = Some(Instant::now());
                Some(other)
            }
        }
    }

    fn is_refused(&self, name: &'static str) -> bool {
        self.refused_until
            .get(name)
            .is_some_and(|until| Instant::now() < *until)
    }

    /// The name `name` is sent under (`CONFIG` is `--config-command`), upper case.
    fn sent_name(&self, name: &str) -> String {
        if name == "CONFIG" {
            self.settings.config_command.to_ascii_uppercase()
        } else {
            name.to_ascii_uppercase()
        }
    }

    /// Does the server lack `name` (renamed away)? Then it is not sent, and the pane is told.
    fn is_absent(&self, name: &str) -> bool {
        self.absent.contains(&self.sent_name(name))
    }

    /// A refusal: NOPERM is retried after a while (ACLs change at runtime); an unknown
    /// command is not sent again on this connection.
    fn note_refusal<T>(&mut self, name: &'static str, r: &Result<T, CollectError>) {
        match r {
            Err(CollectError::NoPerm) => {
                self.refused_until
                    .insert(name, Instant::now() + REFUSED_RETRY);
            }
            Err(CollectError::UnknownCommand) => {
                let sent = self.sent_name(name);
                self.absent.insert(sent);
            }
            _ => {}
        }
    }

    async fn poll(&mut self) {
        let wall = SystemTime::now();
        let Some((at, ping_rtt)) = self.ping().await else {
            return;
        };
        let slow = Instant::now() >= self.slow_due;
        let rare = slow && self.slow_ticks.is_multiple_of(RARE_EVERY);
        let merged = rare && self.plan.multi();
        let Some(info) = self.run_cmd(&self.plan.command(slow, merged)).await else {
            return;
        };
        let mut stats = None;
        let info = match info.and_then(|v| bulk_bytes(&v)) {
            Ok(bytes) => {
                let mut info = parse::parse_info(&bytes);
                self.plan.absorb(at, &mut info);
                if merged {
                    let s = std::mem::take(&mut info.commandstats);
                    self.gov.on_commandstats(Instant::now(), &s);
                    stats = Some(Ok(s));
                }
                info
            }
            Err(e) => {
                self.link(LinkEvent::Failed(e)).await;
                return;
            }
        };
        let mut sample = Sample::of_info(at, wall, ping_rtt, info);
        sample.commandstats = stats;
        if !self.commands_checked {
            let Some(check) = self.check_commands().await else {
                return;
            };
            sample.commands = Some(check);
        }
        if self.fast_extras(&mut sample, slow).await.is_none() {
            return;
        }
        if slow && self.slow_tick(&mut sample, rare).await.is_none() {
            return;
        }
        if let Some(Ok(cfg)) = &sample.config {
            self.log.learn(&self.target, cfg);
            self.remember(cfg, &sample.info);
        }
        if slow && let Some(dir) = self.log.data_dir() {
            let limit = self.settings.timeout.max(Duration::from_secs(1));
            sample.disk = crate::collect::disk::usage(dir.to_path_buf(), limit).await;
        }
        self.gov.note_refresh(at, ping_rtt);
        sample.cost = Some(self.gov.cost.clone());
        self.backoff.reset();
        self.send(PollEvent::Sample {
            target: self.id,
            sample: Box::new(sample),
        })
        .await;
        if std::mem::take(&mut self.known_changed) {
            self.link(LinkEvent::Known(self.known.clone())).await;
        }
    }

    /// The slow-cadence commands, then the governor's next period and CLIENT LIST mode.
    async fn slow_tick(&mut self, sample: &mut Sample, rare: bool) -> Option<()> {
        self.slow_bytes = Some(0);
        self.slow_ticks = self.slow_ticks.wrapping_add(1);
        let done = self.slow_extras(sample, rare).await;
        self.gov
            .note_slow_tick_bytes(self.slow_bytes.take().unwrap_or(0));
        done?;
        let (every, why) = self.gov.slow_interval();
        self.slow_due = Instant::now() + every;
        let connected = sample.info.connected_clients.unwrap_or(0);
        let mode = self.gov.client_list_mode(connected);
        self.gov.note_decision(every, why, mode);
        Some(())
    }
}

/// A reset, an EOF or a reply that could not be parsed: the connection is not usable.
fn broken(e: &CollectError) -> bool {
    matches!(
        e,
        CollectError::Connect(_) | CollectError::Refused | CollectError::Protocol(_)
    )
}

mod extras;
pub mod info_plan;
mod logwatch;

/// The bytes of a bulk/verbatim/simple string reply.
pub(crate) fn bulk_bytes(v: &redis::Value) -> Result<Vec<u8>, CollectError> {
    match v {
        redis::Value::BulkString(b) => Ok(b.clone()),
        redis::Value::SimpleString(s) => Ok(s.as_bytes().to_vec()),
        redis::Value::VerbatimString { text, .. } => Ok(text.as_bytes().to_vec()),
        other => Err(CollectError::Protocol(format!(
            "expected a string reply, got {}",
            crate::escape::plain_str(&format!("{other:?}"))
        ))),
    }
}

pub(crate) fn config_from_pairs(pairs: Vec<ConfigValues>) -> ConfigValues {
    let mut all = ConfigValues::default();
    for p in pairs {
        all.values.extend(p.values);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_cap_with_jitter() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(400) && first <= Duration::from_millis(600));
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= Duration::from_secs(12), "{d:?}");
        }
        assert!(b.next_delay() >= Duration::from_secs(8));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(600));
    }
}
