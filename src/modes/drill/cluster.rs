//! The servers of the cluster drills: `masters × (1 + replicas_per_master)` throwaway
//! `redis-server`s in cluster mode (see [`crate::modes::throwaway`]), each in its own temp dir
//! (its working dir, where `nodes.conf` lands), joined with `redis-cli --cluster create`.
//! [`ClusterDrill::start`] returns once every node reports the cluster ok and knows every
//! other node, and every replica's link to its master is up.
//!
//! The bus port: [`ThrowawayRedis`] picks its client port itself and does not look at
//! port + 10000 (Redis's default bus port, which is taken, or above 65535 for a client port
//! over 55535). So each node gets a bus port of its own, bind-tested, through `cluster-port`;
//! a node that still cannot start (a race took a port) is started again on fresh ports.

use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use redis::aio::MultiplexedConnection;

use crate::modes::demo_traffic::named;
use crate::modes::throwaway::{ThrowawayRedis, free_port, which};
use crate::target::Target;

/// The temp dirs' prefix.
const PREFIX: &str = "redtriage-drill-cluster-";
/// How long the drill's cluster gets to come up (created, acquainted, replicas synced).
const READY: Duration = Duration::from_secs(30);
/// Attempts at starting one node on fresh ports.
const ATTEMPTS: usize = 4;
/// The slots of a cluster.
const SLOTS: &str = "16384";

/// The servers of one cluster drill.
pub struct ClusterDrill {
    /// Every node, in the order given to `redis-cli --cluster create`.
    pub nodes: Vec<ThrowawayRedis>,
    /// The indices (into `nodes`) of the masters once the cluster was up.
    masters: Vec<usize>,
}

impl ClusterDrill {
    /// Starts `masters` masters (at least 3) with `replicas_per_master` replicas each, creates
    /// the cluster and waits (30 s at most) until it is whole.
    pub async fn start(masters: usize, replicas_per_master: usize) -> color_eyre::Result<Self> {
        if masters < 3 {
            return Err(eyre!(
                "a cluster drill needs at least 3 masters, not {masters}"
            ));
        }
        let cli = which("redis-cli").ok_or_else(|| {
            eyre!("redis-cli not found on PATH; install it with: sudo apt-get install redis-tools")
        })?;
        let total = masters * (1 + replicas_per_master);
        let mut nodes = Vec::with_capacity(total);
        for _ in 0..total {
            nodes.push(start_node().await?);
        }
        create(&cli, &nodes, replicas_per_master).await?;
        let mut conns = Vec::with_capacity(total);
        for n in &nodes {
            conns.push(connect(n).await?);
        }
        let roles = wait_whole(&nodes, &mut conns, masters * replicas_per_master).await?;
        let masters = roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| (r == "master").then_some(i))
            .collect();
        Ok(Self { nodes, masters })
    }

    /// The ports of the nodes that were masters once the cluster was up, in `nodes` order.
    pub fn master_ports(&self) -> Vec<u16> {
        self.masters.iter().map(|&i| self.nodes[i].port).collect()
    }

    /// SIGKILL of the `i`-th master of [`ClusterDrill::master_ports`]; returns its port (None
    /// when there is no such master).
    pub fn kill_master(&mut self, i: usize) -> Option<u16> {
        let node = &self.nodes[*self.masters.get(i)?];
        node.signal(libc::SIGKILL);
        Some(node.port)
    }

    /// The target the dashboard starts from: the first node.
    pub fn entry_target(&self) -> Target {
        self.nodes.first().expect("a cluster has nodes").target()
    }

    /// Stops every node and removes its dir.
    pub async fn stop(self) {
        for n in self.nodes {
            n.stop().await;
        }
    }
}

/// One node in cluster mode, on a bind-tested bus port; again on fresh ports when it fails.
async fn start_node() -> color_eyre::Result<ThrowawayRedis> {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let bus = free_port().wrap_err("choosing a cluster bus port")?;
        // `repl-diskless-sync-delay 0`: a replica's first sync now, not after the default 5 s
        // wait for more replicas.
        let conf = format!(
            "cluster-enabled yes\ncluster-config-file nodes.conf\n\
             cluster-node-timeout 1000\ncluster-port {bus}\n\
             repl-diskless-sync-delay 0\n"
        );
        match ThrowawayRedis::start_with(PREFIX, &conf, &[]).await {
            // It answered PING: it serves only once its bus port is bound, so both are.
            Ok(n) => return Ok(n),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| eyre!("no free port"))
        .wrap_err(format!("no cluster node started after {ATTEMPTS} attempts")))
}

/// `redis-cli --cluster create 127.0.0.1:P1 … --cluster-replicas R --cluster-yes`.
async fn create(
    cli: &std::path::Path,
    nodes: &[ThrowawayRedis],
    replicas: usize,
) -> color_eyre::Result<()> {
    let mut cmd = tokio::process::Command::new(cli);
    cmd.args(["--cluster", "create"])
        .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)))
        .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(READY, cmd.output())
        .await
        .map_err(|_| eyre!("redis-cli --cluster create did not finish within {READY:?}"))?
        .wrap_err("running redis-cli --cluster create")?;
    if out.status.success() {
        return Ok(());
    }
    let mut said = out.stdout;
    said.extend_from_slice(&out.stderr);
    Err(eyre!(
        "redis-cli --cluster create failed ({}): {}",
        out.status,
        crate::escape::quoted(&said)
    ))
}

/// Waits until the cluster is whole; returns each node's role (`master`, `slave`).
async fn wait_whole(
    nodes: &[ThrowawayRedis],
    conns: &mut [MultiplexedConnection],
    replicas: usize,
) -> color_eyre::Result<Vec<String>> {
    let total = nodes.len().to_string();
    let deadline = tokio::time::Instant::now() + READY;
    loop {
        let missing = match not_whole(nodes, conns, &total, replicas).await {
            Ok(roles) => return Ok(roles),
            Err(m) => m,
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(eyre!(
                "the drill's cluster did not come up within {READY:?}: {missing}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each node's role when the cluster is whole, or the first condition not met yet.
async fn not_whole(
    nodes: &[ThrowawayRedis],
    conns: &mut [MultiplexedConnection],
    total: &str,
    replicas: usize,
) -> Result<Vec<String>, String> {
    for (n, c) in nodes.iter().zip(conns.iter_mut()) {
        let info = text(c, &["CLUSTER", "INFO"]).await;
        for (key, want) in [
            ("cluster_state", "ok"),
            ("cluster_known_nodes", total),
            ("cluster_slots_ok", SLOTS),
        ] {
            let got = info.as_deref().and_then(|i| value(i, key));
            if got != Some(want) {
                return Err(format!(
                    "node :{} has {key}:{}, not {want}",
                    n.port,
                    got.unwrap_or("(none)")
                ));
            }
        }
    }
    let mut roles = Vec::with_capacity(nodes.len());
    let mut up = 0;
    for (n, c) in nodes.iter().zip(conns.iter_mut()) {
        let info = text(c, &["INFO", "replication"]).await.unwrap_or_default();
        let role = value(&info, "role").unwrap_or("(none)");
        if role == "slave" {
            let link = value(&info, "master_link_status");
            if link != Some("up") {
                return Err(format!(
                    "replica :{} has master_link_status:{}",
                    n.port,
                    link.unwrap_or("(none)")
                ));
            }
            up += 1;
        }
        roles.push(role.to_owned());
    }
    if up == replicas {
        Ok(roles)
    } else {
        Err(format!("{up} replicas with their link up, not {replicas}"))
    }
}

/// The text reply to `args` (`CLUSTER INFO`, `INFO replication`), or None when the node did
/// not answer within a second.
async fn text(c: &mut MultiplexedConnection, args: &[&str]) -> Option<String> {
    let mut cmd = redis::cmd(args[0]);
    cmd.arg(&args[1..]);
    tokio::time::timeout(Duration::from_secs(1), cmd.query_async::<String>(c))
        .await
        .ok()?
        .ok()
}

/// The value of `key` in a `key:value` reply.
fn value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

async fn connect(n: &ThrowawayRedis) -> color_eyre::Result<MultiplexedConnection> {
    named(&n.target(), "drill-admin")
        .await
        .ok_or_else(|| eyre!("cannot connect to the drill's redis-server on {}", n.port))
}

/// A cluster drill: the cluster up, the dashboard on its first node, a master other than
/// that node killed once the healthy cluster has been shown (headless: at once, before the
/// ready line); every node stopped at the end.
pub(super) async fn run(
    scenario: super::Scenario,
    headless: bool,
    stop: &mut super::Interrupt,
    mut opts: crate::app::TuiOptions,
) -> color_eyre::Result<std::process::ExitCode> {
    use super::Scenario;
    if !headless {
        eprintln!(
            "redtriage drill {}: starting a throwaway Redis Cluster…",
            scenario.name()
        );
    }
    let replicas = usize::from(scenario == Scenario::ClusterFailover);
    let started = tokio::select! {
        r = ClusterDrill::start(3, replicas) => Some(r),
        () = stop.recv() => None,
    };
    let Some(mut drill) = started.transpose()? else {
        return Ok(std::process::ExitCode::from(130));
    };
    let entry = drill.entry_target();
    let entry_port = drill.nodes.first().map(|n| n.port);
    // The master to kill: not the node the dashboard is on.
    let victim = (drill.master_ports().iter()).position(|p| Some(*p) != entry_port);
    let (target, launch) = crate::modes::group::prepare(&entry, None, &opts.poll)
        .await
        .map_err(|e| eyre!("drill {}: {e}", scenario.name()))?;
    opts.group = Some(launch);
    opts.poll.server_log = drill.nodes.first().map(ThrowawayRedis::log_path);
    // A throwaway server: nothing of it is worth remembering.
    opts.poll.state_dir = None;
    let result = if headless {
        if let Some(v) = victim {
            drill.kill_master(v);
        }
        let ready = super::Ready {
            url: target.display(),
            server_log: opts
                .poll
                .server_log
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            scenario: scenario.name(),
            injected: true,
            sentinels: None,
            master_name: None,
        };
        super::announce(&ready, stop).await
    } else {
        let pid = victim.and_then(|v| drill.nodes.get(*drill.masters.get(v)?)?.pid());
        super::tui_then_kill(pid, target, opts).await
    };
    drill.stop().await;
    result
}
