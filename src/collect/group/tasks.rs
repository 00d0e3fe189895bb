//! One task per node and per Sentinel: its own connection, its own timeout on every call, the
//! slow cadence. A hung node delays nobody but itself. The same questions, once, for `check`.

use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::time::MissedTickBehavior;

use super::cluster::Ask;
use super::cluster_types::NodeRound;
use super::sentinel;
use super::supervisor::ClusterJob;
use super::types::{GroupEvent, NodeAddr, SentinelPeer, SentinelRound};
use crate::collect::connect::{self, ConnectFailure, query};
use crate::collect::parse::parse_info;
use crate::collect::types::{CollectError, Info};
use crate::outbox::Outbox;
use crate::target::{Address, Target};

/// `target` pointed at `addr` (same credentials and TLS).
pub fn retarget(base: &Target, addr: &NodeAddr) -> Target {
    Target {
        address: Address::Tcp {
            host: addr.host.clone(),
            port: addr.port,
        },
        ..base.clone()
    }
}

/// A failed connect as the error the rounds report.
pub fn failure(f: ConnectFailure) -> CollectError {
    match f {
        ConnectFailure::Socket(e) | ConnectFailure::Handshake(e) => e,
        ConnectFailure::NoReply => CollectError::Timeout,
        ConnectFailure::Auth(m) => CollectError::Auth(m),
    }
}

/// A connection kept between rounds; dropped on any failure (a late reply never answers the
/// next command).
#[derive(Default)]
pub struct Link {
    conn: Option<MultiplexedConnection>,
}

impl Link {
    async fn get(
        &mut self,
        target: &Target,
        limit: Duration,
    ) -> Result<&mut MultiplexedConnection, CollectError> {
        if self.conn.is_none() {
            let c = connect::connect(target, limit).await.map_err(failure)?;
            self.conn = Some(c);
        }
        self.conn.as_mut().ok_or(CollectError::Timeout)
    }

    fn keep<T>(&mut self, r: Result<T, CollectError>) -> Result<T, CollectError> {
        if r.is_err() {
            self.conn = None;
        }
        r
    }
    /// A kept connection the server closed meanwhile (Sentinel kills every client of a node it
    /// reconfigures; a server's `timeout`): worth one fresh connection at once.
    fn closed_under_us<T>(&self, r: &Result<T, CollectError>, was_open: bool) -> bool {
        was_open
            && self.conn.is_none()
            && matches!(r, Err(CollectError::Connect(_) | CollectError::Protocol(_)))
    }
}

/// `INFO server` and `INFO replication` (two calls: one section each works on every version);
/// once more on a fresh connection when the kept one was closed under us.
pub async fn node_info(
    link: &mut Link,
    target: &Target,
    limit: Duration,
) -> Result<Info, CollectError> {
    let was_open = link.conn.is_some();
    let r = node_info_once(link, target, limit).await;
    if link.closed_under_us(&r, was_open) {
        return node_info_once(link, target, limit).await;
    }
    r
}

/// One Sentinel round ([`sentinel::round`]), retried like [`node_info`].
pub async fn sentinel_round(
    link: &mut Link,
    target: &Target,
    (name, peers): (Option<&str>, Option<&[SentinelPeer]>),
    limit: Duration,
) -> Result<SentinelRound, CollectError> {
    let was_open = link.conn.is_some();
    let r = sentinel_round_once(link, target, (name, peers), limit).await;
    if link.closed_under_us(&r, was_open) {
        return sentinel_round_once(link, target, (name, peers), limit).await;
    }
    r
}

/// [`node_info`]'s one try.
async fn node_info_once(
    link: &mut Link,
    target: &Target,
    limit: Duration,
) -> Result<Info, CollectError> {
    let r = async {
        let conn = link.get(target, limit).await?;
        let mut text = Vec::new();
        for section in ["server", "replication"] {
            let v = query(conn, redis::cmd("INFO").arg(section), limit).await?;
            text.extend(crate::collect::poller::bulk_bytes(&v)?);
            text.extend(b"\r\n");
        }
        Ok(parse_info(&text))
    }
    .await;
    link.keep(r)
}

/// [`sentinel_round`]'s one try.
async fn sentinel_round_once(
    link: &mut Link,
    target: &Target,
    (name, peers): (Option<&str>, Option<&[SentinelPeer]>),
    limit: Duration,
) -> Result<SentinelRound, CollectError> {
    let r = async {
        let conn = link.get(target, limit).await?;
        sentinel::round(conn, name, peers, limit).await
    }
    .await;
    link.keep(r)
}

/// One cluster node's round ([`super::cluster::round`]) at the first of `job`'s addresses
/// that answers (`links`: one kept connection per address), each retried like [`node_info`].
/// A server that answers with an error (not in cluster mode, a bad password) is the answer:
/// its other addresses are not tried.
pub async fn cluster_round(
    links: &mut [Link],
    base: &Target,
    job: &ClusterJob,
    ask: Ask,
    limit: Duration,
) -> (NodeAddr, Result<NodeRound, CollectError>) {
    let mut first: Option<(NodeAddr, CollectError)> = None;
    for (link, addr) in links.iter_mut().zip(&job.addrs) {
        let target = retarget(base, addr);
        let was_open = link.conn.is_some();
        // A connection opened now may reach another server than the one the version was
        // learnt from: its first `INFO` is the default one again.
        let ask = Ask {
            sections: ask.sections && was_open,
            ..ask
        };
        let mut r = cluster_once(link, &target, ask, limit).await;
        if link.closed_under_us(&r, was_open) {
            r = cluster_once(
                link,
                &target,
                Ask {
                    sections: false,
                    ..ask
                },
                limit,
            )
            .await;
        }
        match r {
            Ok(round) => return (addr.clone(), Ok(round)),
            Err(e @ (CollectError::Server(_) | CollectError::Auth(_))) => {
                return (addr.clone(), Err(e));
            }
            Err(e) => {
                first.get_or_insert((addr.clone(), e));
            }
        }
    }
    match first {
        Some((a, e)) => (a, Err(e)),
        None => (
            NodeAddr::new("?", 0),
            Err(CollectError::Connect(
                "no address known for this node".into(),
            )),
        ),
    }
}

async fn cluster_once(
    link: &mut Link,
    target: &Target,
    ask: Ask,
    limit: Duration,
) -> Result<NodeRound, CollectError> {
    let r = async {
        let conn = link.get(target, limit).await?;
        super::cluster::round(conn, ask, limit).await
    }
    .await;
    link.keep(r)
}

/// A node other than the map's asks its own view of the cluster (`CLUSTER INFO`, `CLUSTER
/// NODES`) once per this many slow ticks (30 s at the 5 s cadence); the rounds between are
/// `PING` and `INFO` only. The map's node asks it every round, and every node asks it at once
/// after a change the map's probe saw (a node `fail?` or `fail`, a failover, slots moving), so
/// who reports a failing node and a node whose view differs are current when it matters.
pub const VIEWS_EVERY_TICKS: u32 = 6;

/// What the cluster tasks share: bumped by the map's task when its `CLUSTER INFO` probe saw a
/// change (a slot failing, a new epoch after a failover, a node added), so that every node's
/// next round, at once, is a full one.
pub type MapChanged = std::sync::Arc<tokio::sync::watch::Sender<u64>>;

/// Polls one cluster node: a round at once, then one every `job.period` slow ticks at tick
/// `job.phase` (round-robin: a large cluster's nodes take turns), until aborted. The map's
/// node is also asked `CLUSTER INFO` every `probe`; when that changes its round comes at once,
/// and every other node's too (through `changed`). A node other than the map's asks its view
/// of the cluster every [`VIEWS_EVERY_TICKS`] slow ticks, after a failed round, and after a
/// change; `INFO` names its sections once a round on the same connection said 7.0+.
pub async fn run_cluster(
    job: ClusterJob,
    base: Target,
    (every, limit, probe): (Duration, Duration, Duration),
    changed: MapChanged,
    tx: Outbox<GroupEvent>,
) {
    let period = every * job.period.max(1);
    let wait = if job.phase == 0 {
        period
    } else {
        every * job.phase
    };
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + wait, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let probe = probe.max(Duration::from_millis(100));
    let mut prober = tokio::time::interval_at(tokio::time::Instant::now() + probe, probe);
    prober.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut news = changed.subscribe();
    let mut links: Vec<Link> = job.addrs.iter().map(|_| Link::default()).collect();
    let mut first = true;
    let mut last: Option<super::cluster_types::ClusterInfo> = None;
    let mut answered = 0usize;
    // Slow ticks since this node last answered a full round (None: it has not, or failed).
    let mut since_views: Option<u32> = None;
    let mut seven = false;
    loop {
        let mut views = job.map;
        if !first {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = prober.tick(), if job.map => {
                    let Some(link) = links.get_mut(answered) else { continue };
                    let Some(addr) = job.addrs.get(answered) else { continue };
                    let target = retarget(&base, addr);
                    let now = probe_info(link, &target, limit).await;
                    if now.is_none() || now == last {
                        continue;
                    }
                    changed.send_modify(|n| *n = n.wrapping_add(1));
                }
                r = news.changed(), if !job.map => {
                    if r.is_err() {
                        return;
                    }
                    views = true;
                }
            }
        }
        first = false;
        if tx.is_closed() {
            return;
        }
        let due =
            since_views.is_none_or(|n| n.saturating_add(job.period.max(1)) >= VIEWS_EVERY_TICKS);
        let ask = Ask {
            views: views || due,
            shards: job.map,
            sections: seven,
        };
        let at = Instant::now();
        let (addr, result) = cluster_round(&mut links, &base, &job, ask, limit).await;
        if let Ok(r) = &result {
            if !r.partial {
                last = Some(r.cluster.clone());
            }
            answered = job.addrs.iter().position(|a| *a == addr).unwrap_or(0);
            seven = seven || super::cluster::is_seven(r);
            since_views = if r.partial {
                since_views.map(|n| n.saturating_add(job.period.max(1)))
            } else {
                Some(0)
            };
        } else {
            since_views = None;
            seven = false;
        }
        let ev = GroupEvent::Cluster {
            id: job.id.clone(),
            addr,
            at,
            result: result.map(Box::new),
        };
        if !tx.send(ev).await {
            return;
        }
    }
}

/// `CLUSTER INFO` alone (None on any failure: the next round says why).
async fn probe_info(
    link: &mut Link,
    target: &Target,
    limit: Duration,
) -> Option<super::cluster_types::ClusterInfo> {
    let r = async {
        let conn = link.get(target, limit).await?;
        let v = query(conn, redis::cmd("CLUSTER").arg("INFO"), limit).await?;
        crate::collect::poller::bulk_bytes(&v).map(|b| super::cluster::parse_cluster_info(&b))
    }
    .await;
    link.keep(r).ok()
}

/// A Sentinel task asks `SENTINEL SENTINELS` every this many rounds (30 s at the 5 s cadence):
/// 3 calls a round instead of 4 in between.
const PEERS_EVERY: u32 = 6;

/// What one task polls.
#[derive(Debug, Clone)]
pub enum Job {
    Node,
    Sentinel { name: Option<String> },
}

/// Polls `addr` every `every` until the app is gone or the task is aborted.
pub async fn run(
    addr: NodeAddr,
    target: Target,
    job: Job,
    (every, limit): (Duration, Duration),
    tx: Outbox<GroupEvent>,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut link = Link::default();
    // The other Sentinels, asked every `PEERS_EVERY` rounds (and until first known).
    let mut peers: Option<Vec<SentinelPeer>> = None;
    let mut rounds: u32 = 0;
    loop {
        ticker.tick().await;
        if tx.is_closed() {
            return;
        }
        let at = Instant::now();
        if rounds.is_multiple_of(PEERS_EVERY) {
            peers = None;
        }
        rounds = rounds.wrapping_add(1);
        let event = match &job {
            Job::Node => GroupEvent::Node {
                addr: addr.clone(),
                at,
                result: node_info(&mut link, &target, limit).await.map(Box::new),
            },
            Job::Sentinel { name } => {
                let known = peers.as_deref();
                let r = sentinel_round(&mut link, &target, (name.as_deref(), known), limit).await;
                if let Ok(round) = &r {
                    peers = Some(round.sentinels.clone());
                }
                GroupEvent::Sentinel {
                    addr: addr.clone(),
                    at,
                    result: r.map(Box::new),
                }
            }
        };
        if !tx.send(event).await {
            return;
        }
    }
}

/// The master's address by majority of the Sentinels that answer (`GET-MASTER-ADDR-BY-NAME`,
/// all asked at once, each with the timeout); a tie goes to the first Sentinel's answer.
pub async fn resolve_master(
    sentinels: &[Target],
    name: &str,
    limit: Duration,
) -> Result<NodeAddr, String> {
    let asks = sentinels.iter().map(|t| async move {
        let mut link = Link::default();
        let r = async {
            let conn = link.get(t, limit).await?;
            sentinel::master_addr(conn, name, limit).await
        }
        .await;
        (t.display(), r)
    });
    let answers = futures::future::join_all(asks).await;
    let mut votes: Vec<(NodeAddr, usize)> = Vec::new();
    let mut why = Vec::new();
    for (who, r) in answers {
        match r {
            Ok(Some(a)) => match votes.iter_mut().find(|(v, _)| *v == a) {
                Some((_, n)) => *n += 1,
                None => votes.push((a, 1)),
            },
            Ok(None) => why.push(format!(
                "{who}: no master named {}",
                crate::escape::quoted(name.as_bytes())
            )),
            Err(e) => why.push(format!("{who}: {e}")),
        }
    }
    let best = votes.iter().map(|(_, n)| *n).max();
    match votes.into_iter().find(|(_, n)| Some(*n) == best) {
        Some((a, _)) => Ok(a),
        None => Err(format!(
            "no Sentinel gave the master's address ({})",
            why.join("; ")
        )),
    }
}

/// One round of what `plan` names, all at once (each with the timeout), as the events the
/// tasks would send: for `check` and `snapshot`. `skip` are those already asked.
pub async fn once(
    plan: &super::supervisor::GroupPlan,
    s: &super::supervisor::GroupSettings,
    skip: &[(NodeAddr, bool)],
) -> Vec<GroupEvent> {
    let name = plan.master_name.as_deref();
    let sentinels = plan
        .sentinels
        .iter()
        .filter(|a| !skip.contains(&((*a).clone(), true)))
        .map(|a| async move {
            let at = Instant::now();
            let target = retarget(&s.sentinel, a);
            let r = sentinel_round(&mut Link::default(), &target, (name, None), s.timeout).await;
            GroupEvent::Sentinel {
                addr: a.clone(),
                at,
                result: r.map(Box::new),
            }
        });
    let nodes = plan
        .nodes
        .iter()
        .filter(|a| !skip.contains(&((*a).clone(), false)))
        .map(|a| async move {
            let at = Instant::now();
            let target = retarget(&s.data, a);
            let r = node_info(&mut Link::default(), &target, s.timeout).await;
            GroupEvent::Node {
                addr: a.clone(),
                at,
                result: r.map(Box::new),
            }
        });
    let cluster = plan
        .cluster
        .iter()
        .filter(|j| {
            !j.addrs
                .first()
                .is_some_and(|a| skip.contains(&(a.clone(), false)))
        })
        .map(|j| async move {
            let at = Instant::now();
            let mut links: Vec<Link> = j.addrs.iter().map(|_| Link::default()).collect();
            let ask = Ask {
                views: true,
                shards: j.map,
                sections: false,
            };
            let (addr, r) = cluster_round(&mut links, &s.data, j, ask, s.timeout).await;
            GroupEvent::Cluster {
                id: j.id.clone(),
                addr,
                at,
                result: r.map(Box::new),
            }
        });
    let (mut a, (b, c)) = futures::future::join(
        futures::future::join_all(sentinels),
        futures::future::join(
            futures::future::join_all(nodes),
            futures::future::join_all(cluster),
        ),
    )
    .await;
    a.extend(b);
    a.extend(c);
    a
}

/// The `(address, is a Sentinel)` pairs of a plan.
pub fn asked(plan: &super::supervisor::GroupPlan) -> Vec<(NodeAddr, bool)> {
    (plan.sentinels.iter().map(|a| (a.clone(), true)))
        .chain(plan.nodes.iter().map(|a| (a.clone(), false)))
        .chain(
            (plan.cluster.iter())
                .filter_map(|j| j.addrs.first())
                .map(|a| (a.clone(), false)),
        )
        .collect()
}
