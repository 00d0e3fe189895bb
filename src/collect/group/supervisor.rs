//! Keeps one task per node and per Sentinel of the plan the model asks for (`GroupPlan`, on a
//! watch channel), and one subscription to the first Sentinel's events. A new plan stops the
//! tasks of nodes no longer in it and starts those of new ones.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::tasks::{self, Job, retarget};
use super::types::{GroupEvent, NodeAddr};
use crate::collect::connect;
use crate::collect::types::CollectError;
use crate::escape::plain;
use crate::outbox::Outbox;
use crate::target::Target;

/// What to watch around the target. The model makes it; the first Sentinel is the one whose
/// events are followed (the model puts a reachable one first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPlan {
    /// The master name followed (as received / typed).
    pub master_name: Option<String>,
    pub sentinels: Vec<NodeAddr>,
    /// Data nodes other than the target itself (replicas, the old master).
    pub nodes: Vec<NodeAddr>,
    /// The nodes of a Redis Cluster, each polled by a task of its own.
    pub cluster: Vec<ClusterJob>,
}

/// One cluster node to poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterJob {
    /// Its node id; None for the entry node before the map is known.
    pub id: Option<String>,
    /// The addresses to try, in order: where it was reached last, then those the other nodes
    /// report for it.
    pub addrs: Vec<NodeAddr>,
    /// It is the node asked for the map (`CLUSTER SHARDS`).
    pub map: bool,
    /// Round-robin in a large cluster: it is polled every `period` slow ticks, at tick
    /// `phase` of each period (1 and 0 when every node fits the budget).
    pub period: u32,
    pub phase: u32,
}

impl ClusterJob {
    /// The task's key: the id, or the entry's address.
    pub fn key(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| self.addrs.first().map_or_else(String::new, NodeAddr::shown))
    }
}

/// Credentials and cadence.
#[derive(Debug, Clone)]
pub struct GroupSettings {
    /// Credentials and TLS for the data nodes (the target's).
    pub data: Target,
    /// Credentials and TLS for the Sentinels (`--sentinel-user`, `REDTRIAGE_SENTINEL_AUTH`).
    pub sentinel: Target,
    /// The slow cadence.
    pub every: Duration,
    /// Every connect and every call.
    pub timeout: Duration,
    /// How often the cluster map's node is asked `CLUSTER INFO` between its rounds (the
    /// refresh interval): a change there (a slot failing, a new epoch) brings the round at once.
    pub probe: Duration,
}

/// How long a lost subscription waits before the next attempt.
const RESUBSCRIBE: Duration = Duration::from_secs(1);

/// Runs until the plan's sender or the app is gone.
pub async fn run(s: GroupSettings, mut plan: watch::Receiver<GroupPlan>, tx: Outbox<GroupEvent>) {
    let mut tasks: HashMap<(NodeAddr, bool), JoinHandle<()>> = HashMap::new();
    let mut name: Option<String> = None;
    let mut sub: Option<(NodeAddr, JoinHandle<()>)> = None;
    let mut cluster: HashMap<String, (ClusterJob, JoinHandle<()>)> = HashMap::new();
    let changed: tasks::MapChanged = std::sync::Arc::new(watch::channel(0).0);
    loop {
        let p = plan.borrow_and_update().clone();
        keep_cluster(&mut cluster, &p.cluster, &s, &changed, &tx);
        if p.master_name != name {
            // Sentinel tasks ask about the name: start them again with the new one.
            tasks.retain(|(_, sentinel), t| {
                if *sentinel {
                    t.abort();
                }
                !*sentinel
            });
            name.clone_from(&p.master_name);
        }
        let want: Vec<(NodeAddr, bool)> = (p.sentinels.iter().map(|a| (a.clone(), true)))
            .chain(p.nodes.iter().map(|a| (a.clone(), false)))
            .collect();
        tasks.retain(|k, t| {
            let keep = want.contains(k);
            if !keep {
                t.abort();
            }
            keep
        });
        for (addr, sentinel) in want {
            if tasks.contains_key(&(addr.clone(), sentinel)) {
                continue;
            }
            let (target, job) = if sentinel {
                let job = Job::Sentinel { name: name.clone() };
                (retarget(&s.sentinel, &addr), job)
            } else {
                (retarget(&s.data, &addr), Job::Node)
            };
            let t = tokio::spawn(tasks::run(
                addr.clone(),
                target,
                job,
                (s.every, s.timeout),
                tx.clone(),
            ));
            tasks.insert((addr, sentinel), t);
        }
        let first = p.sentinels.first().cloned();
        if sub.as_ref().map(|(a, _)| a) != first.as_ref() {
            if let Some((_, t)) = sub.take() {
                t.abort();
            }
            sub = first.map(|a| {
                let target = retarget(&s.sentinel, &a);
                let t = tokio::spawn(subscribe(a.clone(), target, s.timeout, tx.clone()));
                (a, t)
            });
        }
        if plan.changed().await.is_err() || tx.is_closed() {
            break;
        }
    }
    for (_, t) in tasks {
        t.abort();
    }
    for (_, (_, t)) in cluster {
        t.abort();
    }
    if let Some((_, t)) = sub {
        t.abort();
    }
}

/// One task per cluster job: a job that changed (other addresses, the map asked, another
/// period) starts again; one no longer planned stops.
fn keep_cluster(
    running: &mut HashMap<String, (ClusterJob, JoinHandle<()>)>,
    want: &[ClusterJob],
    s: &GroupSettings,
    changed: &tasks::MapChanged,
    tx: &Outbox<GroupEvent>,
) {
    running.retain(|k, (job, t)| {
        let keep = want.iter().any(|w| w.key() == *k && w == job);
        if !keep {
            t.abort();
        }
        keep
    });
    for job in want {
        if running.contains_key(&job.key()) {
            continue;
        }
        let t = tokio::spawn(tasks::run_cluster(
            job.clone(),
            s.data.clone(),
            (s.every, s.timeout, s.probe),
            changed.clone(),
            tx.clone(),
        ));
        running.insert(job.key(), (job.clone(), t));
    }
}

/// `PSUBSCRIBE *` on one Sentinel; every message becomes a [`GroupEvent::Event`]. A lost
/// subscription is said and retried.
async fn subscribe(addr: NodeAddr, target: Target, limit: Duration, tx: Outbox<GroupEvent>) {
    loop {
        let result = match connect::pubsub(&target, limit).await {
            Ok(mut ps) => match tokio::time::timeout(limit, ps.psubscribe("*")).await {
                Err(_) => Err(CollectError::Timeout),
                Ok(Err(e)) => Err(connect::classify(&e)),
                Ok(Ok(())) => Ok(ps),
            },
            Err(e) => Err(e),
        };
        let ps = match result {
            Ok(ps) => ps,
            Err(e) => {
                let ev = GroupEvent::Subscription {
                    addr: addr.clone(),
                    at: Instant::now(),
                    result: Err(e),
                };
                if !tx.send(ev).await {
                    return;
                }
                tokio::time::sleep(RESUBSCRIBE).await;
                continue;
            }
        };
        let ok = GroupEvent::Subscription {
            addr: addr.clone(),
            at: Instant::now(),
            result: Ok(()),
        };
        if !tx.send(ok).await {
            return;
        }
        let mut stream = ps.into_on_message();
        while let Some(m) = stream.next().await {
            let channel = plain(m.get_channel_name().as_bytes());
            let raw = String::from_utf8_lossy(m.get_payload_bytes()).into_owned();
            let switch = (m.get_channel_name() == "+switch-master")
                .then(|| super::sentinel::parse_switch(&raw))
                .flatten();
            let ev = GroupEvent::Event {
                from: addr.clone(),
                at: Instant::now(),
                wall: SystemTime::now(),
                channel,
                payload: plain(raw.as_bytes()),
                switch,
            };
            if !tx.send(ev).await {
                return;
            }
        }
        let lost = GroupEvent::Subscription {
            addr: addr.clone(),
            at: Instant::now(),
            result: Err(CollectError::Connect("event subscription closed".into())),
        };
        if !tx.send(lost).await {
            return;
        }
        tokio::time::sleep(RESUBSCRIBE).await;
    }
}
