//! The steps the server's own log asks for while it does not start: a damaged AOF is checked,
//! repaired once the check reports the damage, then the server restarted the way it runs; an
//! RDB that does not load is checked; a full disk is looked at. What `enter` on cause E opens
//! next, and the Runbook pane's current steps. Progress is read from the actions finished
//! since the server stopped answering.

use crate::collect::known::Source;
use crate::collect::serverlog::LogKind;

use super::actions::RunRecord;
use super::state::State;

/// The sequence for the log's latest finding and how far it has gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSteps {
    /// What the log says (the AOF, the RDB, the disk).
    pub kind: LogKind,
    /// Action names, in order.
    pub steps: Vec<&'static str>,
    /// The index in `steps` of the next one.
    pub next: usize,
}

impl LogSteps {
    pub fn next_action(&self) -> Option<&'static str> {
        self.steps.get(self.next).copied()
    }
}

impl State {
    /// The log's sequence for the selected target, while the server does not answer and its
    /// log names an AOF, RDB or disk problem.
    pub fn log_steps(&self) -> Option<LogSteps> {
        let inst = self.instances.get(self.selected)?;
        if inst.link == super::instance::Link::Up {
            return None;
        }
        let kind = (inst.server_log.iter().rev())
            .map(|f| f.kind)
            .find(|k| matches!(k, LogKind::Aof | LogKind::Rdb | LogKind::Disk))?;
        let container = self.docker.as_ref().is_some_and(|d| d.info.is_some());
        // How this server runs: its container, its systemd unit, else a plain process.
        let by_unit = inst.known.values.get("config_file").is_some_and(|(_, s)| {
            matches!(s, Source::ConfigFile { found, .. } if found.starts_with("systemd unit"))
        });
        let restart = match (container, by_unit) {
            (true, _) => "container-restart",
            (false, true) => "restart-systemd",
            (false, false) => "restart-plain",
        };
        let runs: Vec<&RunRecord> = (self.actions.done.iter())
            .filter(|r| r.at >= inst.link_since)
            .collect();
        let last = |name: &str| runs.iter().rev().find(|r| r.name == name);
        let (steps, next) = match kind {
            LogKind::Aof => {
                let (check, fix) = if container {
                    ("container-check-aof-stopped", "container-fix-aof-stopped")
                } else {
                    ("check-aof", "fix-aof")
                };
                let next = match (last(check), last(fix)) {
                    (_, Some(f)) if f.ok => 2,
                    // The check reported damage: the repair; it found none: the restart.
                    (Some(c), _) => {
                        if c.ok {
                            2
                        } else {
                            1
                        }
                    }
                    _ => 0,
                };
                (vec![check, fix, restart], next)
            }
            LogKind::Rdb => {
                let check = if container {
                    "container-check-rdb-stopped"
                } else {
                    "check-rdb"
                };
                (vec![check, restart], usize::from(last(check).is_some()))
            }
            _ => {
                let usage = if container {
                    "container-disk-usage"
                } else {
                    "disk-usage"
                };
                (vec![usage], 0)
            }
        };
        Some(LogSteps { kind, steps, next })
    }
}
