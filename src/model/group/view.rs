//! The Topology pane's figures and `snapshot --json`'s `topology`: the master, each replica
//! (link, lag), each Sentinel (reachable, its view of the master, the quorum), the last
//! failover, and the header's words for what the target is.

use std::time::Instant;

use serde::Serialize;

use super::{GroupState, addr_of};
use crate::collect::group::types::NodeAddr;
use crate::collect::types::Info;
use crate::target::Target;

/// A data node.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct NodeView {
    /// `host:port`, escaped.
    pub addr: String,
    /// `up`, `down`, `unreachable: …`, `this server`.
    pub state: String,
    /// `master` or `replica`, as the node says.
    pub role: Option<String>,
    pub uptime_secs: Option<u64>,
}

/// One replica of the master.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ReplicaView {
    pub addr: String,
    /// The master's word for it (`online`, `wait_bgsave`, `send_bulk`), `not connected to the
    /// master` when only the replica or Sentinel knows it, `unreachable` when it does not answer.
    pub state: String,
    /// `master_link_status` as the replica says it (`up`, `down`), or Sentinel's `ok`/`err`.
    pub link: Option<String>,
    pub link_down_secs: Option<u64>,
    pub sync_in_progress: bool,
    /// The master's offset minus the replica's.
    pub lag_bytes: Option<u64>,
    /// Seconds since the replica's last ack (the master's `lag`).
    pub lag_secs: Option<u64>,
    pub priority: Option<u64>,
    pub read_only: Option<bool>,
}

/// One Sentinel.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SentinelView {
    pub addr: String,
    pub reachable: bool,
    /// Asked at least once (a Sentinel not yet asked is neither reachable nor not).
    pub asked: bool,
    /// Why not, escaped.
    pub error: Option<String>,
    /// Its view of the followed master.
    pub sdown: bool,
    pub odown: bool,
    /// The address it gives for the master.
    pub master: Option<String>,
    pub quorum: Option<u64>,
    /// `SENTINEL CKQUORUM`'s answer, escaped.
    pub ckquorum: Option<String>,
    pub ckquorum_ok: Option<bool>,
    pub config_epoch: Option<u64>,
    /// Its event channels are the ones followed.
    pub subscribed: bool,
}

/// A master a Sentinel monitors (the list when pointed at a Sentinel).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct MasterItem {
    pub name: String,
    pub addr: Option<String>,
    pub flags: String,
    pub replicas: u64,
    pub sentinels: u64,
    pub quorum: u64,
}

/// The last failover seen.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FailoverView {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `sdown at …, odown at …, switch-master at …, 4.2 s from first sdown`.
    pub text: String,
    pub done: bool,
    /// Since the switch (or the first sign while under way).
    pub ago_secs: u64,
}

/// Everything the Topology pane shows.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct TopologyView {
    /// `standalone`, `replication`, `sentinel`, `cluster`.
    pub kind: &'static str,
    /// The header's words (`replica of 10.0.0.5:6379 · link DOWN 12s`, `sentinel · 2 masters`).
    pub summary: Option<String>,
    pub master_name: Option<String>,
    pub master: Option<NodeView>,
    pub replicas: Vec<ReplicaView>,
    pub sentinels: Vec<SentinelView>,
    pub quorum: Option<u64>,
    /// Enough Sentinels reachable for the quorum, and CKQUORUM says OK.
    pub quorum_ok: Option<bool>,
    pub last_failover: Option<FailoverView>,
    /// Masters of the Sentinel (pointed at a Sentinel with no master picked).
    pub masters: Vec<MasterItem>,
    /// The picked row of `masters`.
    pub pick: usize,
    /// More than one node says it is the master of this group (split brain).
    pub claimants: Vec<String>,
    /// The previous masters the dashboard left, newest last.
    pub previous: Vec<String>,
    /// The latest Sentinel events, newest last (`12:00:01.200 +sdown master mymaster …`).
    pub events: Vec<String>,
    /// The target is a replica.
    pub target_is_replica: bool,
    /// The target is a replica whose link to its master is down: since how long.
    pub target_link_down_secs: Option<u64>,
    /// The Redis Cluster the target is a node of (its fields sit beside the others in JSON).
    #[serde(flatten)]
    pub cluster: Option<super::cluster_view::ClusterView>,
}

/// What the target's own INFO says it is, before anything else is known.
pub fn own(info: Option<&Info>, now_secs_fresh: Option<u64>) -> TopologyView {
    let mut v = TopologyView {
        kind: "standalone",
        ..TopologyView::default()
    };
    let Some(info) = info else {
        return v;
    };
    match info.redis_mode.as_deref() {
        Some("sentinel") => {
            v.kind = "sentinel";
            v.summary = Some("sentinel".into());
            return v;
        }
        Some("cluster") => {
            v.kind = "cluster";
            v.summary = Some("cluster node · map not known yet".into());
            return v;
        }
        _ => {}
    }
    let repl = &info.repl;
    if info.role.as_deref() == Some("slave") {
        v.kind = "replication";
        v.target_is_replica = true;
        let master = match (&repl.master_host, repl.master_port) {
            (Some(h), Some(p)) => NodeAddr::new(h.clone(), p).shown(),
            _ => "an unknown master".into(),
        };
        let up = info.master_link_status.as_deref() == Some("up");
        let link = if up {
            "link up".to_string()
        } else {
            let secs = repl
                .master_link_down_since_seconds
                .map(|s| s + now_secs_fresh.unwrap_or(0));
            v.target_link_down_secs = Some(secs.unwrap_or(0));
            match secs {
                Some(s) => format!("link DOWN {}", crate::format::age(s)),
                None => "link DOWN".into(),
            }
        };
        let sync = if repl.master_sync_in_progress == Some(true) {
            " · syncing"
        } else {
            ""
        };
        v.summary = Some(format!("replica of {master} · {link}{sync}"));
        v.master = Some(NodeView {
            addr: master,
            state: if up { "up".into() } else { "link down".into() },
            role: Some("master".into()),
            uptime_secs: None,
        });
    } else {
        let n = info.connected_slaves.unwrap_or(0);
        if n > 0 || !repl.replicas.is_empty() {
            v.kind = "replication";
            v.summary = Some(format!(
                "master · {n} replica{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        v.replicas = repl
            .replicas
            .iter()
            .map(|l| ReplicaView {
                addr: NodeAddr::new(l.ip.clone(), l.port).shown(),
                state: crate::escape::plain_str(&l.state),
                lag_bytes: repl.master_repl_offset.map(|m| m.saturating_sub(l.offset)),
                lag_secs: l.lag,
                ..ReplicaView::default()
            })
            .collect();
    }
    v
}

impl GroupState {
    /// Fills in the rest from the Sentinels and the nodes polled.
    pub fn fill(
        &self,
        v: &mut TopologyView,
        target: Option<&Target>,
        info: Option<&Info>,
        now: Instant,
    ) {
        let main = target.and_then(addr_of);
        let name = self.master_name.as_deref();
        v.master_name = name.map(crate::escape::plain_str);
        if let (Some(n), Some(s)) = (&v.master_name, &mut v.summary)
            && s.starts_with("master")
        {
            *s = s.replacen("master", &format!("master {n}"), 1);
        }
        if !self.configured.is_empty() && v.kind != "cluster" {
            v.kind = "sentinel";
        }
        // Pointed at a Sentinel, no master picked: the list.
        if self.entry_sentinel && self.previous.is_empty() {
            let masters = self.listed_masters();
            let n = masters.len();
            v.summary = Some(format!(
                "sentinel · {n} master{}",
                if n == 1 { "" } else { "s" }
            ));
            v.masters = masters
                .iter()
                .map(|m| MasterItem {
                    name: m.name.clone(),
                    addr: m.addr.as_ref().map(NodeAddr::shown),
                    flags: m.flags.clone(),
                    replicas: m.num_slaves,
                    sentinels: m.num_other_sentinels + 1,
                    quorum: m.quorum,
                })
                .collect();
            v.pick = self.pick.min(n.saturating_sub(1));
        }
        self.fill_master(v, main.as_ref(), info);
        self.fill_replicas(v, (name, main.as_ref()), now);
        self.fill_sentinels(v, name, main.as_ref());
        v.last_failover = self.failover.as_ref().map(|f| FailoverView {
            from: f.old.as_ref().map(NodeAddr::shown),
            to: f.new.as_ref().map(NodeAddr::shown),
            text: f.text(),
            done: f.done,
            ago_secs: f
                .stages
                .last()
                .map_or(0, |s| now.saturating_duration_since(s.at).as_secs()),
        });
        v.previous = self.previous.iter().map(|(a, _, _)| a.shown()).collect();
        v.events = self
            .events
            .iter()
            .rev()
            .take(8)
            .rev()
            .map(|e| format!("{} {} {}", super::clock(e.wall), e.channel, e.payload))
            .collect();
        let mut claimants: Vec<String> = Vec::new();
        if info.is_some_and(|i| i.role.as_deref() == Some("master")) {
            claimants.extend(main.as_ref().map(NodeAddr::shown));
        }
        for (a, seen) in &self.nodes {
            if seen.reachable()
                && seen.value.as_ref().and_then(|i| i.role.as_deref()) == Some("master")
                && Some(a) != main.as_ref()
            {
                claimants.push(a.shown());
            }
        }
        if claimants.len() > 1 {
            v.claimants = claimants;
        }
    }

    fn fill_master(&self, v: &mut TopologyView, main: Option<&NodeAddr>, info: Option<&Info>) {
        if info.is_some_and(|i| i.role.as_deref() == Some("master")) {
            v.master = Some(NodeView {
                addr: main.map_or_else(|| "this server".into(), NodeAddr::shown),
                state: "up (this server)".into(),
                role: Some("master".into()),
                uptime_secs: info.and_then(|i| i.uptime_in_seconds),
            });
            return;
        }
        let Some(master) = &mut v.master else { return };
        let Some(repl) = info.map(|i| &i.repl) else {
            return;
        };
        let (Some(host), Some(port)) = (&repl.master_host, repl.master_port) else {
            return;
        };
        if let Some(seen) = self.nodes.get(&NodeAddr::new(host.clone(), port)) {
            match (&seen.error, &seen.value) {
                (Some(e), _) => master.state = format!("unreachable: {e}"),
                (None, Some(node)) => {
                    master.state = "up".into();
                    master.role.clone_from(&node.role);
                    master.uptime_secs = node.uptime_in_seconds;
                }
                _ => {}
            }
        }
    }

    fn fill_replicas(
        &self,
        v: &mut TopologyView,
        (name, main): (Option<&str>, Option<&NodeAddr>),
        now: Instant,
    ) {
        // The replicas the master lists, then those only a replica or a Sentinel knows of.
        let mut known: Vec<String> = v.replicas.iter().map(|r| r.addr.clone()).collect();
        let sentinel_replicas = name
            .and_then(|_| self.sentinels.values().find_map(|s| s.value.as_ref()))
            .map(|r| r.replicas.clone())
            .unwrap_or_default();
        let previous = self.previous.iter().map(|(a, _, _)| (a, "previous master"));
        let listed = (self.known_replicas.iter()).map(|a| (a, "not connected to the master"));
        for (a, state) in listed.chain(previous) {
            if known.contains(&a.shown()) || Some(a) == main {
                continue;
            }
            known.push(a.shown());
            v.replicas.push(ReplicaView {
                addr: a.shown(),
                state: state.into(),
                ..ReplicaView::default()
            });
        }
        for p in &sentinel_replicas {
            let Some(a) = &p.addr else { continue };
            if known.contains(&a.shown()) || Some(a) == main {
                continue;
            }
            known.push(a.shown());
            v.replicas.push(ReplicaView {
                addr: a.shown(),
                state: "not connected to the master".into(),
                link: p.master_link_status.clone(),
                link_down_secs: p
                    .master_link_down_ms
                    .filter(|ms| *ms > 0)
                    .map(|ms| ms / 1000),
                priority: p.priority,
                ..ReplicaView::default()
            });
        }
        for r in &mut v.replicas {
            let Some((_, seen)) = self.nodes.iter().find(|(a, _)| a.shown() == r.addr) else {
                continue;
            };
            if let Some(e) = &seen.error {
                let since = seen.failing_since.map_or(String::new(), |t| {
                    format!(" for {}s", now.saturating_duration_since(t).as_secs())
                });
                r.state = format!("unreachable: {e}{since}");
                continue;
            }
            let Some(i) = &seen.value else { continue };
            r.link.clone_from(&i.master_link_status);
            r.link_down_secs = i.repl.master_link_down_since_seconds;
            r.sync_in_progress = i.repl.master_sync_in_progress == Some(true);
            r.priority = i.repl.slave_priority;
            r.read_only = i.repl.slave_read_only;
            if i.role.as_deref() == Some("master") {
                r.state = "claims master".into();
            }
        }
        // Worst first: unreachable, link down, lagging, then the rest in address order.
        v.replicas.sort_by_key(|r| {
            let rank = if r.state.starts_with("unreachable") {
                0
            } else if r.link.as_deref().is_some_and(|l| l != "up" && l != "ok") {
                1
            } else if r.state != "online" {
                2
            } else {
                3
            };
            (
                rank,
                std::cmp::Reverse(r.lag_secs.unwrap_or(0)),
                r.addr.clone(),
            )
        });
    }

    fn fill_sentinels(&self, v: &mut TopologyView, name: Option<&str>, main: Option<&NodeAddr>) {
        let subscribed = self
            .subscription
            .as_ref()
            .filter(|(_, r)| r.is_ok())
            .map(|(a, _)| a);
        for a in &self.plan.sentinels {
            let seen = self.sentinels.get(a);
            let round = seen.and_then(|s| s.value.as_ref());
            let master = name.and_then(|n| round?.master(n));
            let reachable = seen.is_some_and(super::Seen::reachable);
            // Its view of another address than the one followed is from before a switch.
            let current = master.is_some_and(|m| main.is_none() || m.addr.as_ref() == main);
            v.sentinels.push(SentinelView {
                addr: a.shown(),
                reachable,
                asked: seen.is_some_and(|s| s.value.is_some() || s.error.is_some()),
                error: seen.and_then(|s| s.error.clone()),
                sdown: current && master.is_some_and(|m| m.has_flag("s_down")),
                odown: current && master.is_some_and(|m| m.has_flag("o_down")),
                master: master.and_then(|m| m.addr.as_ref().map(NodeAddr::shown)),
                quorum: master.map(|m| m.quorum),
                ckquorum: round.and_then(|r| r.ckquorum.as_ref()).map(|c| match c {
                    Ok(t) | Err(t) => t.clone(),
                }),
                ckquorum_ok: round.and_then(|r| r.ckquorum.as_ref()).map(Result::is_ok),
                config_epoch: master.map(|m| m.config_epoch),
                subscribed: subscribed == Some(a),
            });
        }
        v.sentinels
            .sort_by_key(|s| (s.reachable, s.ckquorum_ok == Some(true), s.addr.clone()));
        if name.is_none() || v.sentinels.is_empty() {
            return;
        }
        let quorum = v.sentinels.iter().filter_map(|s| s.quorum).max();
        v.quorum = quorum;
        if v.sentinels.iter().any(|s| !s.asked) {
            // Not all asked yet: no verdict on the quorum.
            return;
        }
        let reachable = v.sentinels.iter().filter(|s| s.reachable).count() as u64;
        let ck_ok = v
            .sentinels
            .iter()
            .filter(|s| s.reachable)
            .all(|s| s.ckquorum_ok != Some(false));
        v.quorum_ok =
            quorum.map(|q| reachable >= q && ck_ok && reachable * 2 > v.sentinels.len() as u64);
    }
}
