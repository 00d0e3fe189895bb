//! The group source's events in a recording (`{"group": …}` lines), and the header's `group`
//! (the Sentinels given, the master name): a replay starts with the same group and follows the
//! same failovers from the same events, so the instances it makes are the recorded ones.

use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::format::RecInfo;
use crate::collect::group::cluster_types::{ClusterInfo, ClusterNode, NodeRound, Shard};
use crate::collect::group::types::{GroupEvent, NodeAddr, SentinelRound, SwitchMaster};
use crate::collect::types::CollectError;
use crate::model::group::GroupState;

/// The header's `group`: what the model's group started with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecGroupHeader {
    pub configured: Vec<NodeAddr>,
    pub master_name: Option<String>,
    #[serde(default)]
    pub entry_sentinel: bool,
}

impl RecGroupHeader {
    pub fn of(g: &GroupState) -> Self {
        Self {
            configured: g.configured.clone(),
            master_name: g.master_name.clone(),
            entry_sentinel: g.entry_sentinel,
        }
    }

    /// The group a replay starts with.
    pub fn state(&self) -> GroupState {
        GroupState {
            entry_sentinel: self.entry_sentinel,
            ..GroupState::with_sentinels(self.configured.clone(), self.master_name.clone())
        }
    }
}

/// [`GroupEvent`] without its instants (the line has them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecGroup {
    Sentinel {
        addr: NodeAddr,
        result: Result<SentinelRound, CollectError>,
    },
    Node {
        addr: NodeAddr,
        result: Result<RecInfo, CollectError>,
    },
    Event {
        from: NodeAddr,
        channel: String,
        payload: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        switch: Option<(String, NodeAddr, NodeAddr)>,
    },
    Subscription {
        addr: NodeAddr,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<CollectError>,
    },
    Cluster {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        addr: NodeAddr,
        result: Result<RecNodeRound, CollectError>,
    },
}

/// A cluster node's round ([`NodeRound`]) with its INFO as the recording keeps INFO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecNodeRound {
    pub ping_us: u64,
    pub info: RecInfo,
    pub cluster: ClusterInfo,
    pub nodes: Vec<ClusterNode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<Vec<Shard>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl RecNodeRound {
    fn of(r: &NodeRound) -> Self {
        Self {
            ping_us: r.ping_us,
            info: RecInfo::from_info(&r.info),
            cluster: r.cluster.clone(),
            nodes: r.nodes.clone(),
            shards: r.shards.clone(),
            partial: r.partial,
        }
    }

    /// The round again, every string escaped again unless printable ASCII.
    fn round(&self) -> Result<NodeRound, String> {
        let mut nodes = self.nodes.clone();
        for n in &mut nodes {
            n.id = kept(&n.id);
            n.addr = n.addr.as_ref().map(kept_addr);
            n.hostname = n.hostname.as_deref().map(kept);
            n.flags = n.flags.iter().map(|f| kept(f)).collect();
            n.master_id = n.master_id.as_deref().map(kept);
            n.migrating = n.migrating.iter().map(|m| kept(m)).collect();
        }
        let mut shards = self.shards.clone();
        for n in shards.iter_mut().flatten().flat_map(|s| &mut s.nodes) {
            n.id = kept(&n.id);
            n.addr = n.addr.as_ref().map(kept_addr);
            n.hostname = n.hostname.as_deref().map(kept);
            n.role = kept(&n.role);
            n.health = kept(&n.health);
        }
        let mut cluster = self.cluster.clone();
        cluster.state = kept(&cluster.state);
        Ok(NodeRound {
            ping_us: self.ping_us,
            info: self.info.to_info()?,
            cluster,
            nodes,
            shards,
            partial: self.partial,
        })
    }
}

impl RecGroup {
    /// The event and its instant and wall time (the event's own for Sentinel events).
    pub fn from_event(e: &GroupEvent) -> (Instant, Option<SystemTime>, Self) {
        match e {
            GroupEvent::Sentinel { addr, at, result } => (
                *at,
                None,
                Self::Sentinel {
                    addr: addr.clone(),
                    result: result.clone().map(|b| *b),
                },
            ),
            GroupEvent::Node { addr, at, result } => (
                *at,
                None,
                Self::Node {
                    addr: addr.clone(),
                    result: result
                        .as_ref()
                        .map(|i| RecInfo::from_info(i))
                        .map_err(Clone::clone),
                },
            ),
            GroupEvent::Event {
                from,
                at,
                wall,
                channel,
                payload,
                switch,
            } => (
                *at,
                Some(*wall),
                Self::Event {
                    from: from.clone(),
                    channel: channel.clone(),
                    payload: payload.clone(),
                    switch: switch
                        .as_ref()
                        .map(|s| (s.name.clone(), s.old.clone(), s.new.clone())),
                },
            ),
            GroupEvent::Subscription { addr, at, result } => (
                *at,
                None,
                Self::Subscription {
                    addr: addr.clone(),
                    error: result.clone().err(),
                },
            ),
            GroupEvent::Cluster {
                id,
                addr,
                at,
                result,
            } => (
                *at,
                None,
                Self::Cluster {
                    id: id.clone(),
                    addr: addr.clone(),
                    result: result
                        .as_ref()
                        .map(|r| RecNodeRound::of(r))
                        .map_err(Clone::clone),
                },
            ),
        }
    }

    /// The event again, at `at` (`wall`: the line's wall time). A recording is a file from
    /// anywhere: every string it gives that is shown is escaped again unless it already is
    /// printable ASCII (what redtriage itself writes), so a crafted file draws no control byte.
    pub fn to_event(&self, at: Instant, wall: SystemTime) -> Result<GroupEvent, String> {
        Ok(match self {
            Self::Sentinel { addr, result } => GroupEvent::Sentinel {
                addr: kept_addr(addr),
                at,
                result: result.clone().map(|r| Box::new(kept_round(r))),
            },
            Self::Node { addr, result } => GroupEvent::Node {
                addr: kept_addr(addr),
                at,
                result: match result {
                    Ok(r) => Ok(Box::new(r.to_info()?)),
                    Err(e) => Err(e.clone()),
                },
            },
            Self::Event {
                from,
                channel,
                payload,
                switch,
            } => GroupEvent::Event {
                from: kept_addr(from),
                at,
                wall,
                channel: kept(channel),
                payload: kept(payload),
                switch: switch.as_ref().map(|(name, old, new)| SwitchMaster {
                    name: name.clone(),
                    old: kept_addr(old),
                    new: kept_addr(new),
                }),
            },
            Self::Subscription { addr, error } => GroupEvent::Subscription {
                addr: kept_addr(addr),
                at,
                result: error.clone().map_or(Ok(()), Err),
            },
            Self::Cluster { id, addr, result } => GroupEvent::Cluster {
                id: id.as_deref().map(kept),
                addr: kept_addr(addr),
                at,
                result: match result {
                    Ok(r) => Ok(Box::new(r.round()?)),
                    Err(e) => Err(e.clone()),
                },
            },
        })
    }
}

/// `s` when it is printable ASCII (escaped text always is), else escaped.
fn kept(s: &str) -> String {
    if s.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        s.to_string()
    } else {
        crate::escape::plain_str(s)
    }
}

fn kept_addr(a: &NodeAddr) -> NodeAddr {
    NodeAddr::new(kept(&a.host), a.port)
}

fn kept_round(mut r: SentinelRound) -> SentinelRound {
    for m in &mut r.masters {
        m.name = kept(&m.name);
        m.flags = kept(&m.flags);
        m.addr = m.addr.as_ref().map(kept_addr);
    }
    for p in r.replicas.iter_mut().chain(r.sentinels.iter_mut()) {
        p.flags = kept(&p.flags);
        p.master_link_status = p.master_link_status.as_deref().map(kept);
        p.addr = p.addr.as_ref().map(kept_addr);
    }
    r.ckquorum = r
        .ckquorum
        .map(|c| c.map(|t| kept(&t)).map_err(|t| kept(&t)));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crafted_recording_s_strings_are_escaped_again_and_escaped_ones_kept() {
        let rec = RecGroup::Event {
            from: NodeAddr::new("10.0.0.1\u{1b}]0;x\u{7}", 26379),
            channel: "+sdown\u{202e}".into(),
            payload: "master m 10.0.0.1 6379 \\x1b".into(),
            switch: None,
        };
        let GroupEvent::Event {
            from,
            channel,
            payload,
            ..
        } = rec.to_event(Instant::now(), SystemTime::now()).unwrap()
        else {
            panic!("not an event");
        };
        assert!(
            from.host.bytes().all(|b| (0x20..=0x7e).contains(&b)),
            "{}",
            from.host
        );
        assert!(!channel.contains('\u{202e}'), "{channel}");
        assert_eq!(
            payload, "master m 10.0.0.1 6379 \\x1b",
            "escaped text is kept as is"
        );
    }
}
