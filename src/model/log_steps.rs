//! The steps the server's own log asks for while it does not start: a damaged AOF is checked,
//! repaired once the check reports the damage, then the server restarted the way it runs; an
//! RDB that does not load is checked; a full disk is looked at. What `enter` on cause E opens
//! next, and the Runbook pane's current steps. Progress is read from the actions finished
//! since the server stopped answering.

use crate::collect::serverlog::LogKind;

use super::actions::RunRecord;
use super::state::State;

/// The restarts: a run of one ends the steps before it.
const RESTARTS: [&str; 4] = [
    "restart-plain",
    "restart-systemd",
    "restart-compose",
    "container-restart",
];

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
        let kind = (inst.log_findings().iter().rev())
            .map(|f| f.kind)
            .find(|k| matches!(k, LogKind::Aof | LogKind::Rdb | LogKind::Disk))?;
        let container = self.docker.as_ref().is_some_and(|d| d.info.is_some());
        // How this server runs: its container, its systemd unit, else a plain process.
        let by_unit = inst.known.get("systemd_unit").is_some();
        let restart = match (container, by_unit) {
            (true, _) => "container-restart",
            (false, true) => "restart-systemd",
            (false, false) => "restart-plain",
        };
        // This target's runs since it stopped answering, and after the latest restart: a
        // restart that did not hold starts the sequence over.
        let runs: Vec<&RunRecord> = (self.actions.done.iter())
            .filter(|r| r.at >= inst.link_since && r.target == inst.display)
            .collect();
        let after = (runs.iter())
            .rposition(|r| RESTARTS.contains(&r.name.as_str()))
            .map_or(0, |i| i + 1);
        let runs = &runs[after..];
        let last = |name: &str| runs.iter().rposition(|r| r.name == name);
        let (steps, next) = match kind {
            LogKind::Aof => {
                let (check, fix) = if container {
                    ("container-check-aof-stopped", "container-fix-aof-stopped")
                } else {
                    ("check-aof", "fix-aof")
                };
                let repaired = (runs.iter()).rposition(|r| r.name == fix && r.ok);
                let next = match (last(check), repaired) {
                    // Repaired after the last check (or with none): the restart.
                    (c, Some(f)) if c.is_none_or(|c| f > c) => 2,
                    // The check found nothing wrong: the restart.
                    (Some(c), _) if runs[c].ok => 2,
                    // It reported damage (redis-check-aof exits 1): the repair.
                    (Some(c), _) if runs[c].exit_code == Some(1) => 1,
                    // No check yet, or it could not run (no file, a timeout): the check.
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::collect::known::{Known, Source};
    use crate::collect::serverlog::LogFinding;
    use crate::collect::types::{CollectError, LinkEvent};
    use crate::model::state::update;
    use crate::msg::Msg;
    use crate::target::{Target, Thresholds};

    fn down_with_log(kind: LogKind, line: &str) -> (State, Instant) {
        let t0 = Instant::now();
        let mut st = State::new(&[Target::local_default()], Thresholds::default(), t0);
        for (i, event) in [
            LinkEvent::Down(CollectError::Refused),
            LinkEvent::ServerLog(vec![LogFinding {
                kind,
                line: line.into(),
            }]),
        ]
        .into_iter()
        .enumerate()
        {
            let at = t0 + Duration::from_secs(1 + i as u64);
            update(
                &mut st,
                Msg::Link {
                    target: 0,
                    at,
                    event,
                },
            );
        }
        (st, t0 + Duration::from_secs(3))
    }

    fn ran(st: &mut State, at: Instant, name: &str, ok: bool) {
        ran_code(st, at, name, i32::from(!ok));
    }

    fn ran_code(st: &mut State, at: Instant, name: &str, code: i32) {
        let target = st.instances[0].display.clone();
        st.actions.done.push(RunRecord {
            name: name.into(),
            at,
            ok: code == 0,
            exit_code: Some(code),
            summary: String::new(),
            target,
        });
    }

    const AOF: &str = "# Bad file format reading the append only file appendonly.aof.1.incr.aof";

    #[test]
    fn a_damaged_aof_is_checked_then_repaired_then_restarted() {
        let (mut st, t) = down_with_log(LogKind::Aof, AOF);
        let next = |st: &State| st.log_steps().and_then(|s| s.next_action());
        assert_eq!(next(&st), Some("check-aof"));
        // A run from before the server went down does not count.
        let before = t.checked_sub(Duration::from_secs(3)).expect("t0");
        ran(&mut st, before, "check-aof", false);
        assert_eq!(next(&st), Some("check-aof"));
        ran(&mut st, t, "check-aof", false);
        assert_eq!(next(&st), Some("fix-aof"));
        ran(&mut st, t, "fix-aof", false);
        assert_eq!(
            next(&st),
            Some("fix-aof"),
            "a failed repair is offered again"
        );
        ran(&mut st, t, "fix-aof", true);
        assert_eq!(next(&st), Some("restart-plain"));
        // The log named the AOF: its names are known for the placeholders.
        let k = &st.instances[0].known;
        assert_eq!(k.get("appendfilename"), Some("appendonly.aof"));
        assert_eq!(k.get("appenddirname"), Some("appendonlydir"));
        // A restart that did not hold: the sequence starts over, and an old repair does not
        // count after a new check reports damage.
        ran(&mut st, t, "restart-plain", true);
        assert_eq!(next(&st), Some("check-aof"));
        ran(&mut st, t, "check-aof", false);
        assert_eq!(next(&st), Some("fix-aof"));
        // A check that finds nothing goes straight to the restart; one that could not run
        // (exit 2: no such file) is offered again, not the repair.
        let (mut st, t) = down_with_log(LogKind::Aof, AOF);
        ran_code(&mut st, t, "check-aof", 2);
        assert_eq!(next(&st), Some("check-aof"));
        ran(&mut st, t, "check-aof", true);
        assert_eq!(next(&st), Some("restart-plain"));
        // Another target's runs do not count.
        let (mut st, t) = down_with_log(LogKind::Aof, AOF);
        ran(&mut st, t, "check-aof", false);
        st.actions.done.last_mut().expect("run").target = "redis://10.0.0.9:6379".into();
        assert_eq!(next(&st), Some("check-aof"));
    }

    #[test]
    fn the_restart_fits_how_the_server_runs_and_other_findings_their_step() {
        let (mut st, _) = down_with_log(LogKind::Aof, AOF);
        let mut k = Known::default();
        k.values.insert(
            "systemd_unit".into(),
            (
                "redis-server.service".into(),
                Source::ConfigFile {
                    path: "/etc/redis/redis.conf".into(),
                    found: "systemd unit redis-server.service".into(),
                },
            ),
        );
        update(
            &mut st,
            Msg::Link {
                target: 0,
                at: Instant::now(),
                event: LinkEvent::Known(k),
            },
        );
        let s = st.log_steps().expect("steps");
        assert_eq!(s.steps, vec!["check-aof", "fix-aof", "restart-systemd"]);
        let (st, _) = down_with_log(LogKind::Rdb, "# Short read or OOM loading DB");
        assert_eq!(
            st.log_steps().map(|s| s.steps),
            Some(vec!["check-rdb", "restart-plain"])
        );
        let (st, _) = down_with_log(LogKind::Disk, "No space left on device");
        assert_eq!(
            st.log_steps().and_then(|s| s.next_action()),
            Some("disk-usage")
        );
        // Nothing while it answers, nor for a log that says something else.
        let (st, _) = down_with_log(LogKind::Crash, "Redis crashed by signal: 11");
        assert!(st.log_steps().is_none());
    }
}
