//! `redtriage drill <scenario>`: a throwaway `redis-server` (see [`crate::modes::throwaway`]) with
//! one of the runbook's causes injected, then the TUI on it, so a team can practise the
//! runbook. `--headless` prints one JSON line once the fault is in and keeps it going until
//! SIGTERM/SIGINT or stdin closes (what the tests drive). The server, the traffic and the temp
//! dir are removed on every exit.

mod cluster;
mod faults;
mod group;
mod inject;
mod scenario;
mod traffic;

use std::io::Write as _;
use std::process::ExitCode;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::task::JoinHandle;

pub use scenario::{CHOICES, Scenario};

use crate::collect::group::types::NodeAddr;
use crate::modes::throwaway::ThrowawayRedis;

/// `drill list` or `drill <scenario>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrillChoice {
    /// Print the scenarios.
    List,
    /// Run one.
    Run(Scenario),
}

impl DrillChoice {
    /// From the command line (`list` or a scenario name; clap checked it is one of [`CHOICES`]).
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "list" {
            Some(Self::List)
        } else {
            Scenario::from_name(name).map(Self::Run)
        }
    }
}

/// The line printed by `--headless` once the fault is injected.
#[derive(Debug, serde::Serialize)]
struct Ready<'a> {
    url: String,
    server_log: String,
    scenario: &'a str,
    injected: bool,
    /// Group drills with Sentinels: `--sentinel` and `--master-name` to watch them with.
    #[serde(skip_serializing_if = "Option::is_none")]
    sentinels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    master_name: Option<&'a str>,
}

/// Runs `drill list` or one drill (TUI, or headless).
pub async fn run(
    choice: DrillChoice,
    headless: bool,
    opts: crate::app::TuiOptions,
) -> color_eyre::Result<ExitCode> {
    let scenario = match choice {
        DrillChoice::List => {
            print!("{}", scenario::list_text());
            return Ok(ExitCode::SUCCESS);
        }
        DrillChoice::Run(s) => s,
    };
    let mut stop = Interrupt::new(headless)?;
    if scenario.is_group() {
        return run_group(scenario, headless, &mut stop, opts).await;
    }
    if scenario.is_cluster() {
        return Box::pin(cluster::run(scenario, headless, &mut stop, opts)).await;
    }
    if !headless {
        eprintln!(
            "redtriage drill {}: starting a throwaway redis-server and injecting the fault…",
            scenario.name()
        );
    }
    let prefix = format!("redtriage-drill-{}-", scenario.name());
    let mut server = ThrowawayRedis::start_with(&prefix, scenario.conf(), &[]).await?;
    let injected = tokio::select! {
        r = inject::inject(scenario, &mut server) => r.map(Some),
        () = stop.recv() => Ok(None),
    };
    let result = match injected {
        Ok(Some(tasks)) => {
            let r = attend(scenario, &server, headless, &mut stop, opts).await;
            for t in tasks {
                t.abort();
            }
            r
        }
        Ok(None) => Ok(ExitCode::from(130)),
        Err(e) => Err(e.wrap_err(format!(
            "drill {}: injecting the fault failed",
            scenario.name()
        ))),
    };
    server.stop().await;
    result
}

/// The fault is in: the TUI on it, or the JSON line and a wait for the end.
async fn attend(
    scenario: Scenario,
    server: &ThrowawayRedis,
    headless: bool,
    stop: &mut Interrupt,
    mut opts: crate::app::TuiOptions,
) -> color_eyre::Result<ExitCode> {
    if !headless {
        // The log is what tells a crash from a refused start while the server is down.
        opts.poll.server_log = Some(server.log_path());
        // Its config file, which a killed server can no longer name: the restart starts it.
        opts.poll.redis_conf = Some(server.conf_path());
        // A throwaway server: nothing of it is worth remembering.
        opts.poll.state_dir = None;
        return crate::app::run_tui(vec![server.target()], opts).await;
    }
    let ready = Ready {
        url: server.url(),
        server_log: server.log_path().display().to_string(),
        scenario: scenario.name(),
        injected: true,
        sentinels: None,
        master_name: None,
    };
    announce(&ready, stop).await
}

/// A group drill: the servers up, the fault in (`replica-broken`) or on its way (`failover`:
/// the master dies once the dashboard has shown the healthy group), then the TUI or the JSON
/// line; every server stopped at the end.
async fn run_group(
    scenario: Scenario,
    headless: bool,
    stop: &mut Interrupt,
    mut opts: crate::app::TuiOptions,
) -> color_eyre::Result<ExitCode> {
    if !headless {
        eprintln!(
            "redtriage drill {}: starting a throwaway group of redis-servers…",
            scenario.name()
        );
    }
    let started = tokio::select! {
        r = group::GroupDrill::start(scenario) => Some(r),
        () = stop.recv() => None,
    };
    let Some(drill) = started.transpose()? else {
        return Ok(ExitCode::from(130));
    };
    let injected = match scenario {
        Scenario::ReplicaBroken => drill.break_replica().await,
        _ => Ok(()),
    };
    if let Err(e) = injected {
        drill.stop().await;
        return Err(e.wrap_err(format!(
            "drill {}: injecting the fault failed",
            scenario.name()
        )));
    }
    let watched = drill.watched();
    let sentinel = drill.sentinel_settings();
    let (target, launch) =
        crate::modes::group::prepare(&watched.target(), sentinel.as_ref(), &opts.poll)
            .await
            .map_err(|e| color_eyre::eyre::eyre!("drill {}: {e}", scenario.name()))?;
    opts.group = Some(launch);
    opts.poll.server_log = Some(watched.log_path());
    // A throwaway server: nothing of it is worth remembering.
    opts.poll.state_dir = None;
    let result = if headless {
        if scenario == Scenario::Failover {
            drill.kill_master();
        }
        let ready = Ready {
            url: target.display(),
            server_log: watched.log_path().display().to_string(),
            scenario: scenario.name(),
            injected: true,
            sentinels: sentinel.as_ref().map(|s| {
                let addrs: Vec<String> = s.addrs.iter().map(NodeAddr::shown).collect();
                addrs.join(",")
            }),
            master_name: sentinel.as_ref().map(|_| group::MASTER_NAME),
        };
        announce(&ready, stop).await
    } else {
        let pid = (scenario == Scenario::Failover)
            .then(|| drill.master.pid())
            .flatten();
        tui_then_kill(pid, target, opts).await
    };
    drill.stop().await;
    result
}

/// The dashboard on `target`; the drill's own process `pid` (a master) is killed with SIGKILL
/// once the healthy servers have been shown for [`group::KILL_AFTER`].
async fn tui_then_kill(
    pid: Option<i32>,
    target: crate::target::Target,
    opts: crate::app::TuiOptions,
) -> color_eyre::Result<ExitCode> {
    let killer = pid.map(|pid| {
        tokio::spawn(async move {
            tokio::time::sleep(group::KILL_AFTER).await;
            // SAFETY: plain kill(2) on the drill's own server process.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        })
    });
    let r = Box::pin(crate::app::run_tui(vec![target], opts)).await;
    if let Some(k) = killer {
        k.abort();
    }
    r
}

/// `--headless`: the ready line on stdout, then the fault kept until the end is asked.
async fn announce(ready: &Ready<'_>, stop: &mut Interrupt) -> color_eyre::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(ready)?)?;
    out.flush()?;
    drop(out);
    stop.recv().await;
    Ok(ExitCode::SUCCESS)
}

/// SIGINT, SIGTERM, SIGHUP, and (headless) stdin closing. Installed before anything starts,
/// so a signal during the injection still cleans up.
struct Interrupt {
    int: Signal,
    term: Signal,
    hup: Signal,
    stdin_closed: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Interrupt {
    fn new(watch_stdin: bool) -> color_eyre::Result<Self> {
        let stdin_closed = watch_stdin.then(|| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            // A plain thread: tokio's stdin would keep the runtime from shutting down.
            std::thread::spawn(move || {
                let mut buf = [0u8; 512];
                let mut stdin = std::io::stdin();
                while matches!(std::io::Read::read(&mut stdin, &mut buf), Ok(n) if n > 0) {}
                let _ = tx.send(());
            });
            rx
        });
        Ok(Self {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            stdin_closed,
        })
    }

    /// Resolves on the first of them.
    async fn recv(&mut self) {
        let stdin = async {
            match self.stdin_closed.as_mut() {
                Some(rx) => {
                    let _ = rx.await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            () = stdin => {}
        }
    }
}

/// Background tasks keeping a fault going (traffic, held connections).
pub(crate) type Tasks = Vec<JoinHandle<()>>;
