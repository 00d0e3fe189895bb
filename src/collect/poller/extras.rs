//! The optional commands of a tick: the slowlog probe (and `LATENCY LATEST` while the latency
//! monitor is on) every tick, the rest on the slow cadence. Each returns `None` when the
//! connection timed out or broke (the tick is then abandoned).

use std::time::Instant;

use super::{Poller, SLOWLOG_MAX, bulk_bytes, config_from_pairs};
use crate::collect::governor::ClientListMode;
use crate::collect::ops;
use crate::collect::ops::RedisOp;
use crate::collect::parse;
use crate::collect::types::{ClientListResult, CollectError, CommandCheck, ConfigValues, Sample};

/// The commands the panes send besides PING and INFO (CONFIG under its `--config-command` name).
const PANE_COMMANDS: [&str; 4] = ["CONFIG", "SLOWLOG", "LATENCY", "CLIENT"];

impl Poller {
    /// `SLOWLOG GET 1` as the newest-id probe, the full fetch when it moved (`SLOWLOG LEN` then
    /// and on slow ticks), `LATENCY LATEST` on slow ticks and every tick while the latency
    /// monitor is on (with it off, Redis records nothing, so asking every second is waste).
    pub(super) async fn fast_extras(&mut self, sample: &mut Sample, slow: bool) -> Option<()> {
        if self.is_absent("SLOWLOG") {
            sample.slowlog = Some(Err(CollectError::UnknownCommand));
        } else if !self.is_refused("SLOWLOG") {
            let probe = self
                .run_cmd(redis::cmd("SLOWLOG").arg("GET").arg(1))
                .await?
                .and_then(|v| parse::parse_slowlog(&v));
            self.note_refusal("SLOWLOG", &probe);
            match probe {
                Ok(newest) => {
                    let newest_id = newest.first().map(|e| e.id);
                    if newest_id != self.newest_slowlog_id || slow {
                        self.fetch_slowlog(sample, newest_id).await?;
                    }
                }
                Err(e) => sample.slowlog = Some(Err(e)),
            }
        }
        if self.is_absent("LATENCY") {
            sample.latency_latest = Some(Err(CollectError::UnknownCommand));
        } else if !self.is_refused("LATENCY") && (slow || self.latency_monitor_on != Some(false)) {
            let latest = self
                .run_cmd(redis::cmd("LATENCY").arg("LATEST"))
                .await?
                .and_then(|v| parse::parse_latency_latest(&v));
            self.note_refusal("LATENCY", &latest);
            sample.latency_latest = Some(latest);
        }
        Some(())
    }

    async fn fetch_slowlog(&mut self, sample: &mut Sample, newest_id: Option<u64>) -> Option<()> {
        let moved = newest_id != self.newest_slowlog_id;
        if moved {
            let count = match (self.newest_slowlog_id, newest_id) {
                (Some(old), Some(new)) if new > old => (new - old).min(SLOWLOG_MAX),
                _ => SLOWLOG_MAX,
            };
            let entries = self
                .run_cmd(redis::cmd("SLOWLOG").arg("GET").arg(count))
                .await?
                .and_then(|v| parse::parse_slowlog(&v));
            if entries.is_ok() {
                self.newest_slowlog_id = newest_id;
            }
            sample.slowlog = Some(entries);
        }
        let len = self
            .run_cmd(redis::cmd("SLOWLOG").arg("LEN"))
            .await?
            .and_then(|v| match v {
                redis::Value::Int(n) => Ok(u64::try_from(n).unwrap_or(0)),
                other => Err(CollectError::Protocol(format!("SLOWLOG LEN: {other:?}"))),
            });
        sample.slowlog_len = Some(len);
        Some(())
    }

    /// On `rare` slow ticks `INFO commandstats` (unless it came with this tick's INFO) and
    /// `CONFIG GET` of the named keys; `CLIENT LIST` every slow tick, as the governor allows.
    pub(super) async fn slow_extras(&mut self, sample: &mut Sample, rare: bool) -> Option<()> {
        if rare && sample.commandstats.is_none() {
            self.commandstats(sample).await?;
        }
        if rare && self.is_absent("CONFIG") {
            sample.config = Some(Err(CollectError::UnknownCommand));
        } else if rare && !self.is_refused("CONFIG") {
            let config = self.fetch_config().await?;
            self.note_refusal("CONFIG", &config);
            if let Ok(c) = &config {
                self.latency_monitor_on = c.get_u64("latency-monitor-threshold").map(|ms| ms > 0);
            }
            sample.config = Some(config);
        }
        if self.is_absent("CLIENT") {
            sample.clients = Some(Err(CollectError::UnknownCommand));
            return Some(());
        }
        if self.is_refused("CLIENT") {
            return Some(());
        }
        self.client_list(sample).await
    }

    /// `INFO commandstats` on its own (servers older than 7.0 take one section per INFO).
    async fn commandstats(&mut self, sample: &mut Sample) -> Option<()> {
        let stats = self
            .run_cmd(redis::cmd("INFO").arg("commandstats"))
            .await?
            .and_then(|v| bulk_bytes(&v))
            .map(|b| parse::parse_info(&b).commandstats);
        if let Ok(s) = &stats {
            self.gov.on_commandstats(Instant::now(), s);
        }
        sample.commandstats = Some(stats);
        Some(())
    }

    /// `CLIENT LIST` as the governor allows: in full, `TYPE normal` at a stretched period, or not
    /// at all (the pane then says why and keeps the last list).
    async fn client_list(&mut self, sample: &mut Sample) -> Option<()> {
        let connected = sample.info.connected_clients.unwrap_or(0);
        let limit = self.settings.client_list_max_clients;
        let mut cmd = redis::cmd("CLIENT");
        cmd.arg("LIST");
        match self.gov.client_list_mode(connected) {
            ClientListMode::Full => {}
            ClientListMode::Sampled { every_secs, .. } => {
                if !self.gov.sampled_list_due(Instant::now(), every_secs) {
                    return Some(());
                }
                cmd.arg("TYPE").arg("normal");
            }
            ClientListMode::InfoOnly { .. } => {
                sample.clients = Some(Ok(ClientListResult::Skipped { connected, limit }));
                return Some(());
            }
        }
        let list = self
            .run_cmd(&cmd)
            .await?
            .and_then(|v| bulk_bytes(&v))
            .map(|b| ClientListResult::Listed {
                clients: parse::parse_client_list(&b),
            });
        self.note_refusal("CLIENT", &list);
        if let Ok(ClientListResult::Listed { clients }) = &list {
            self.gov
                .note_client_list(Instant::now(), clients.len() as u64);
        }
        sample.clients = Some(list);
        Some(())
    }

    /// `COMMAND INFO` of the commands the panes and every Redis action send, once per
    /// connection; those the server lacks are remembered (and never sent). A server that
    /// refuses `COMMAND` itself leaves the list to the replies of the commands as they run.
    pub(super) async fn check_commands(&mut self) -> Option<Result<CommandCheck, CollectError>> {
        let config = self.settings.config_command.clone();
        let mut asked: Vec<String> = PANE_COMMANDS
            .iter()
            .map(|n| self.sent_name(n))
            .chain(
                RedisOp::ALL
                    .iter()
                    .flat_map(|op| ops::command_names(*op, &config)),
            )
            .collect();
        asked.sort();
        asked.dedup();
        let mut cmd = redis::cmd("COMMAND");
        cmd.arg("INFO").arg(&asked);
        let reply = self.run_cmd(&cmd).await?;
        self.commands_checked = true;
        let check = reply.and_then(|v| match v {
            redis::Value::Array(items) if items.len() == asked.len() => {
                let absent = asked
                    .iter()
                    .zip(items)
                    .filter(|(_, item)| matches!(item, redis::Value::Nil))
                    .map(|(name, _)| name.clone())
                    .collect();
                Ok(CommandCheck { asked, absent })
            }
            other => Err(CollectError::Protocol(format!(
                "COMMAND INFO: {}",
                crate::escape::plain_str(&format!("{other:?}"))
            ))),
        });
        if let Ok(c) = &check {
            self.absent.extend(c.absent.iter().cloned());
        }
        Some(check)
    }

    /// One `CONFIG GET k1 k2 …` (7.0+), or one per key on older servers.
    async fn fetch_config(&mut self) -> Option<Result<ConfigValues, CollectError>> {
        let name = self.settings.config_command.clone();
        if self.config_multi_arg {
            let mut cmd = redis::cmd(&name);
            cmd.arg("GET");
            for k in ConfigValues::KEYS {
                cmd.arg(k);
            }
            let r = self.run_cmd(&cmd).await?;
            match r {
                Err(CollectError::Server(ref m)) if m.contains("wrong number of arguments") => {
                    self.config_multi_arg = false;
                }
                other => return Some(other.and_then(|v| parse::parse_config(&v))),
            }
        }
        let mut parts = Vec::new();
        for k in ConfigValues::KEYS {
            let r = self.run_cmd(redis::cmd(&name).arg("GET").arg(k)).await?;
            match r.and_then(|v| parse::parse_config(&v)) {
                Ok(p) => parts.push(p),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(config_from_pairs(parts)))
    }
}
