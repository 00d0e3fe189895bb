//! A Redis Cluster on loopback for the cluster tests: `masters × (1 + replicas_per_master)`
//! real `redis-server` processes in cluster mode, each on a free port whose bus port
//! (port + 10000) is free too, each in its own temp dir, joined by
//! `redis-cli --cluster create`, all killed on drop. `start` returns once every node reports
//! the cluster ok and knows every other node, and every replica's link to its master is up.

use std::ops::RangeInclusive;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Respawn, hold, info_value, poll, secs};

/// What the cluster bus port is above the client port (Redis's default).
const BUS_OFFSET: u16 = 10_000;
/// How long the cluster gets to come up, and a node to be marked failed or replaced.
const READY: Duration = Duration::from_secs(30);
/// How long one redis-cli call may take before it is killed (a stopped node never answers).
const CLI_LIMIT: &str = "30";
/// Attempts at starting a node on fresh ports when another process took them first.
const SPAWN_ATTEMPTS: usize = 5;

/// One cluster node: a `redis-server --cluster-enabled yes` child.
pub struct Node {
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// Its node id (`CLUSTER MYID`), read once it listened; kept in `nodes.conf` across a
    /// restart in place.
    id: String,
    child: Option<Child>,
    stopped: bool,
}

impl Node {
    /// Starts a node on a free port pair (retrying on fresh ports when a race took one).
    fn start() -> Self {
        let mut last = String::new();
        for _ in 0..SPAWN_ATTEMPTS {
            let mut n = Self {
                port: free_pair(),
                dir: tempfile::tempdir().expect("tempdir"),
                id: String::new(),
                child: None,
                stopped: false,
            };
            match n.try_spawn() {
                Ok(()) => return n,
                Err(e) => last = e,
            }
        }
        panic!("no cluster node started after {SPAWN_ATTEMPTS} attempts: {last}");
    }

    /// Spawns the server on this node's port and dir; waits until it answers PING (or exits).
    fn try_spawn(&mut self) -> Result<(), String> {
        let dir = self.dir.path();
        let mut child = Command::new("redis-server")
            .current_dir(dir)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "1000"])
            .args(["--cluster-config-file", "nodes.conf"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            // A replica's first sync now, not after the default 5 s wait for more replicas.
            .args(["--repl-diskless-sync-delay", "0"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(self.log_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (scripts/test installs it)");
        let mut exited = None;
        // A PING answered means the bus port is bound too (the server binds it before it
        // serves); a server that could not bind a port exits.
        let up = poll(secs(10), Duration::from_millis(20), || {
            if let Ok(Some(st)) = child.try_wait() {
                exited = Some(st);
                return true;
            }
            hold(self.port, Duration::from_millis(500)).is_some()
        });
        if let Some(st) = exited {
            let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
            return Err(format!(
                "redis-server on {} exited ({st}); log tail: {}",
                self.port,
                log.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
            ));
        }
        self.child = Some(child);
        self.stopped = false;
        if !up {
            return Err(format!("redis-server did not answer PING on {}", self.port));
        }
        self.id = self.cli(&["CLUSTER", "MYID"]).trim().to_string();
        if self.id.len() == 40 {
            Ok(())
        } else {
            Err(format!("CLUSTER MYID on {} said {:?}", self.port, self.id))
        }
    }

    /// The server's log file.
    pub fn log_path(&self) -> std::path::PathBuf {
        self.dir.path().join("redis.log")
    }

    /// The running server's pid.
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().expect("running").id()).expect("pid")
    }

    /// Its node id (`CLUSTER MYID`, read when it started).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it runs and is not stopped: it can answer.
    pub fn answers(&self) -> bool {
        self.child.is_some() && !self.stopped
    }

    /// SIGKILL, reaped.
    pub fn kill(&mut self) {
        Respawn::kill(self);
        self.stopped = false;
    }

    /// SIGSTOP: the process stays, but answers nothing (a hung node).
    pub fn stop(&mut self) {
        self.signal(libc::SIGSTOP);
        self.stopped = true;
    }

    /// SIGCONT after [`Node::stop`].
    pub fn cont(&mut self) {
        self.signal(libc::SIGCONT);
        self.stopped = false;
    }

    fn signal(&self, sig: i32) {
        if self.child.is_some() {
            // SAFETY: plain kill(2) on our own child, not reaped yet.
            unsafe {
                libc::kill(self.pid(), sig);
            }
        }
    }

    /// Runs `redis-cli -p PORT ARGS…` and returns stdout (empty if it was killed after 30 s).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("timeout")
            .args([
                "-s",
                "KILL",
                CLI_LIMIT,
                "redis-cli",
                "-p",
                &self.port.to_string(),
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("timeout and redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `key` of `CLUSTER INFO` on this node.
    pub fn cluster_info(&self, key: &str) -> Option<String> {
        info_value(&self.cli(&["CLUSTER", "INFO"]), key)
    }
}

impl Respawn for Node {
    fn child(&mut self) -> &mut Option<Child> {
        &mut self.child
    }

    /// Starts again on the same port and dir: its `nodes.conf` brings it back as itself.
    fn spawn(&mut self) {
        let id = self.id.clone();
        self.try_spawn().expect("cluster node restarts");
        assert_eq!(self.id, id, "the node came back with another id");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // A stopped process would stay stopped if the kill were somehow missed: continue first.
        self.signal(libc::SIGCONT);
        Respawn::kill(self);
    }
}

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone)]
pub struct NodeLine {
    pub id: String,
    pub port: u16,
    pub flags: Vec<String>,
    /// The master's id, for a replica (`-` gives None).
    pub master: Option<String>,
    pub slots: Vec<RangeInclusive<u16>>,
}

impl NodeLine {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }

    pub fn holds(&self, slot: u16) -> bool {
        self.slots.iter().any(|r| r.contains(&slot))
    }
}

/// Parses `CLUSTER NODES` (`id ip:port@bus flags master ping pong epoch link slot…`).
pub fn parse_nodes(text: &str) -> Vec<NodeLine> {
    text.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() < 8 {
                return None;
            }
            let port = w[1].split('@').next()?.rsplit(':').next()?.parse().ok()?;
            let slots = w[8..]
                .iter()
                .filter(|s| !s.starts_with('['))
                .filter_map(|s| match s.split_once('-') {
                    Some((a, b)) => Some(a.parse().ok()?..=b.parse().ok()?),
                    None => s.parse().ok().map(|n| n..=n),
                })
                .collect();
            Some(NodeLine {
                id: w[0].to_string(),
                port,
                flags: w[2].split(',').map(str::to_string).collect(),
                master: (w[3] != "-").then(|| w[3].to_string()),
                slots,
            })
        })
        .collect()
}

/// A cluster of `masters` masters with `replicas_per_master` replicas each.
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// Each node's master (an index into `nodes`) once the cluster was up; None for a master.
    pub master_at_start: Vec<Option<usize>>,
    /// The slots each node held once the cluster was up.
    pub slots_at_start: Vec<Vec<RangeInclusive<u16>>>,
    /// How long `start` took, from the first spawn to the last condition met.
    pub took: Duration,
}

impl Cluster {
    /// Starts the nodes, creates the cluster and waits until it is whole (see the module
    /// doc). `masters` is at least 3, as `redis-cli --cluster create` wants.
    pub fn start(masters: usize, replicas_per_master: usize) -> Self {
        assert!(masters >= 3, "a cluster needs at least 3 masters");
        let began = Instant::now();
        let total = masters * (1 + replicas_per_master);
        let nodes: Vec<Node> = (0..total).map(|_| Node::start()).collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args([
                "--cluster-replicas",
                &replicas_per_master.to_string(),
                "--cluster-yes",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut c = Self {
            nodes,
            master_at_start: Vec::new(),
            slots_at_start: Vec::new(),
            took: Duration::ZERO,
        };
        c.wait_whole(masters * replicas_per_master);
        let view = c.view();
        let lines: Vec<Option<&NodeLine>> = (c.nodes.iter())
            .map(|n| view.iter().find(|l| l.id == n.id))
            .collect();
        c.master_at_start = (lines.iter())
            .map(|&l| c.index_of_id(l?.master.as_deref()?))
            .collect();
        c.slots_at_start = (lines.iter())
            .map(|l| l.map(|l| l.slots.clone()).unwrap_or_default())
            .collect();
        c.took = began.elapsed();
        c
    }

    /// Waits until every node says `cluster_state:ok`, knows every node, sees all slots ok,
    /// and `replicas` replicas have their master link up; panics naming what was not reached.
    fn wait_whole(&self, replicas: usize) {
        let total = self.nodes.len().to_string();
        let mut missing = String::new();
        let whole = poll(READY, Duration::from_millis(100), || {
            missing = self.not_whole(&total, replicas).unwrap_or_default();
            missing.is_empty()
        });
        assert!(
            whole,
            "the cluster did not come up within {READY:?}: {missing}"
        );
    }

    /// The first condition of a whole cluster not met yet, or None.
    fn not_whole(&self, total: &str, replicas: usize) -> Option<String> {
        for n in &self.nodes {
            let info = n.cli(&["CLUSTER", "INFO"]);
            for (key, want) in [
                ("cluster_state", "ok"),
                ("cluster_known_nodes", total),
                ("cluster_slots_ok", "16384"),
            ] {
                let got = info_value(&info, key);
                if got.as_deref() != Some(want) {
                    return Some(format!("node :{} has {key}:{got:?}, not {want}", n.port));
                }
            }
        }
        let mut up = 0;
        for n in &self.nodes {
            let info = n.cli(&["INFO", "replication"]);
            if info_value(&info, "role").as_deref() == Some("slave") {
                let link = info_value(&info, "master_link_status");
                if link.as_deref() != Some("up") {
                    return Some(format!(
                        "replica :{} has master_link_status:{link:?}",
                        n.port
                    ));
                }
                up += 1;
            }
        }
        (up != replicas).then(|| format!("{up} replicas with their link up, not {replicas}"))
    }

    /// `CLUSTER NODES` as the first node that answers sees it, parsed.
    pub fn view(&self) -> Vec<NodeLine> {
        self.view_from(self.answering(&[]).expect("a node that answers"))
    }

    /// `CLUSTER NODES` as node `i` sees it, parsed.
    pub fn view_from(&self, i: usize) -> Vec<NodeLine> {
        parse_nodes(&self.cli(i, &["CLUSTER", "NODES"]))
    }

    /// The first node that runs and is not stopped, those in `except` apart.
    fn answering(&self, except: &[usize]) -> Option<usize> {
        (0..self.nodes.len()).find(|j| !except.contains(j) && self.nodes[*j].answers())
    }

    /// The index of the node with id `id`.
    pub fn index_of_id(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The index of the node on `port`.
    pub fn index_of_port(&self, port: u16) -> Option<usize> {
        self.nodes.iter().position(|n| n.port == port)
    }

    /// The node holding `slot` now: a master not marked failed in [`Cluster::view`].
    pub fn master_of_slot(&self, slot: u16) -> usize {
        let view = self.view();
        view.iter()
            .find(|l| l.has_flag("master") && !l.has_flag("fail") && l.holds(slot))
            .and_then(|l| self.index_of_id(&l.id))
            .unwrap_or_else(|| panic!("no master holds slot {slot}: {view:#?}"))
    }

    /// The nodes flagged master in [`Cluster::view`] (a failed one among them until it is
    /// replaced), in index order.
    pub fn masters(&self) -> Vec<usize> {
        let view = self.view();
        (0..self.nodes.len())
            .filter(|&i| {
                view.iter()
                    .any(|l| l.id == self.nodes[i].id && l.has_flag("master"))
            })
            .collect()
    }

    /// The replicas of node `i` in [`Cluster::view`], in index order.
    pub fn replicas_of(&self, i: usize) -> Vec<usize> {
        let view = self.view();
        let id = self.nodes[i].id.as_str();
        (0..self.nodes.len())
            .filter(|&j| {
                view.iter()
                    .any(|l| l.id == self.nodes[j].id && l.master.as_deref() == Some(id))
            })
            .collect()
    }

    /// Waits until another node's `CLUSTER NODES` flags node `i` `fail` (not `fail?`);
    /// returns when that was seen. Panics after 30 s.
    pub fn wait_marked_fail(&self, i: usize) -> Instant {
        let id = self.nodes[i].id.clone();
        let mut seen = None;
        let marked = poll(READY, Duration::from_millis(20), || {
            let others = (0..self.nodes.len()).filter(|&j| j != i && self.nodes[j].answers());
            for j in others {
                if self
                    .view_from(j)
                    .iter()
                    .any(|l| l.id == id && l.has_flag("fail"))
                {
                    seen = Some(Instant::now());
                    return true;
                }
            }
            false
        });
        assert!(
            marked,
            "no node marked node {i} (:{}) fail",
            self.nodes[i].port
        );
        seen.expect("seen")
    }

    /// Waits until a replica node `i` had at start is a master holding every slot `i` held
    /// at start, as that replica and another node both see it; returns its index. Panics
    /// after 30 s.
    pub fn wait_promoted(&self, i: usize) -> usize {
        let former: Vec<usize> = (0..self.nodes.len())
            .filter(|&j| self.master_at_start[j] == Some(i))
            .collect();
        assert!(!former.is_empty(), "node {i} had no replica to promote");
        let slots = &self.slots_at_start[i];
        let mut promoted = None;
        let done = poll(READY, Duration::from_millis(50), || {
            promoted = former.iter().copied().find(|&j| {
                let node = &self.nodes[j];
                let holds = |view: Vec<NodeLine>| {
                    view.iter().any(|l| {
                        l.id == node.id
                            && l.has_flag("master")
                            && slots.iter().all(|r| r.clone().all(|s| l.holds(s)))
                    })
                };
                node.answers()
                    && holds(self.view_from(j))
                    && self
                        .answering(&[i, j])
                        .is_some_and(|k| holds(self.view_from(k)))
            });
            promoted.is_some()
        });
        assert!(
            done,
            "no former replica {former:?} of node {i} was promoted with its slots"
        );
        promoted.expect("promoted")
    }

    /// `redis-cli -p PORT ARGS…` against node `i`; stdout.
    pub fn cli(&self, i: usize, args: &[&str]) -> String {
        self.nodes[i].cli(args)
    }
}

/// A free loopback port whose bus port (port + 10000, below 65536) is free as well; both
/// bind-tested.
fn free_pair() -> u16 {
    for _ in 0..1000 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let Some(bus) = port.checked_add(BUS_OFFSET) else {
            continue;
        };
        if std::net::TcpListener::bind(("127.0.0.1", bus)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair (port, port + {BUS_OFFSET}) found");
}
