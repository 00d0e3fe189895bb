//! The clients pane: INFO figures plus CLIENT LIST grouped by address, name, user and command.

use std::collections::HashMap;
use std::time::Instant;

use super::instance::Instance;
use super::snapshot::ViewOptions;
use super::view::{ClientGroup, ClientsPane, PaneStatus};
use crate::collect::governor::ClientListMode;
use crate::collect::types::{ClientInfo, ClientListResult};
use crate::model::health;

/// Groups shown per key.
const TOP_PER_KEY: usize = 5;

/// The IP part of `ip:port` (or the whole thing for unix sockets / odd values).
fn host_of(addr: &str) -> &str {
    match addr.rfind(':') {
        Some(i) if i > 0 => &addr[..i],
        _ => addr,
    }
}

/// Top groups of `clients` by one key.
pub fn group_by(
    clients: &[ClientInfo],
    by: &'static str,
    key: impl Fn(&ClientInfo) -> &str,
) -> Vec<ClientGroup> {
    let mut map: HashMap<&str, ClientGroup> = HashMap::new();
    for c in clients {
        let k = key(c);
        let g = map.entry(k).or_insert_with(|| ClientGroup {
            by,
            key: if k.is_empty() {
                "(none)".into()
            } else {
                k.to_string()
            },
            count: 0,
            omem_bytes: 0,
            tot_mem_bytes: 0,
            max_idle_secs: 0,
        });
        g.count += 1;
        g.omem_bytes += c.omem;
        g.tot_mem_bytes += c.tot_mem;
        g.max_idle_secs = g.max_idle_secs.max(c.idle_secs);
    }
    let mut groups: Vec<ClientGroup> = map.into_values().collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    groups.truncate(TOP_PER_KEY);
    groups
}

/// All groupings, in display order.
pub fn groups(clients: &[ClientInfo]) -> Vec<ClientGroup> {
    let mut out = group_by(clients, "addr", |c| host_of(&c.addr));
    out.extend(group_by(clients, "name", |c| c.name.as_str()));
    out.extend(group_by(clients, "user", |c| c.user.as_str()));
    out.extend(group_by(clients, "cmd", |c| c.cmd.as_str()));
    out
}

impl Instance {
    pub(super) fn clients_pane(&self, now: Instant, opts: ViewOptions<'_>) -> ClientsPane {
        let info = self.info.as_ref();
        let connected = info.and_then(|i| i.connected_clients);
        let max = self.maxclients();
        let used_percent = match (connected, max) {
            (Some(c), Some(m)) if m > 0 => Some(c as f64 * 100.0 / m as f64),
            _ => None,
        };
        let (groups, list_note) = match &self.clients.value {
            Some(ClientListResult::Listed { clients }) => (groups(clients), None),
            Some(ClientListResult::Skipped { connected, limit }) => (
                Vec::new(),
                Some(format!(
                    "CLIENT LIST skipped: {connected} clients > limit {limit} (--client-list-max)"
                )),
            ),
            None => (Vec::new(), None),
        };
        let list_note = match self.cost.as_ref().and_then(|c| c.client_list.as_ref()) {
            Some(mode @ (ClientListMode::Sampled { .. } | ClientListMode::InfoOnly { .. })) => {
                Some(mode.describe())
            }
            _ => list_note,
        };
        let list_status = match (&self.clients.error, &self.clients.value) {
            (Some(e), _) => self.slot_status(now, "CLIENT LIST", Some(e)),
            (None, None) => PaneStatus::Pending,
            (None, Some(_)) => self.clients_list_freshness(now),
        };
        ClientsPane {
            status: self.clients_info_status(now),
            connected,
            max,
            used_percent,
            blocked: info.and_then(|i| i.blocked_clients),
            rejected_per_sec: self.rates.rejected,
            connections_per_sec: self.rates.connections,
            verdict: health::clients(connected, max, opts.thresholds).verdict,
            list_status,
            list_note,
            list_age_secs: self
                .clients
                .at
                .map(|t| now.saturating_duration_since(t).as_secs()),
            groups,
            selected: None,
            rows: None,
            spark: self.clients_hist.tail_u64(opts.spark_len),
            spark_backfilled: self.clients_hist.backfilled_in_tail(opts.spark_len),
        }
    }

    fn clients_info_status(&self, now: Instant) -> PaneStatus {
        match self.last_sample_at {
            None => PaneStatus::Pending,
            Some(at) if self.link != super::instance::Link::Up => PaneStatus::Stale {
                age_secs: now.saturating_duration_since(at).as_secs(),
            },
            Some(_) => PaneStatus::Ok,
        }
    }

    fn clients_list_freshness(&self, now: Instant) -> PaneStatus {
        match self.clients_info_status(now) {
            PaneStatus::Ok => PaneStatus::Ok,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(addr: &str, name: &str, omem: u64) -> ClientInfo {
        ClientInfo {
            addr: addr.into(),
            name: name.into(),
            omem,
            ..ClientInfo::default()
        }
    }

    #[test]
    fn groups_by_host_and_sums() {
        let cs = vec![
            client("10.0.0.1:5000", "web", 10),
            client("10.0.0.1:5001", "web", 5),
            client("10.0.0.2:6000", "", 0),
        ];
        let g = group_by(&cs, "addr", |c| host_of(&c.addr));
        assert_eq!(g[0].key, "10.0.0.1");
        assert_eq!(g[0].count, 2);
        assert_eq!(g[0].omem_bytes, 15);
        let n = group_by(&cs, "name", |c| c.name.as_str());
        assert!(n.iter().any(|g| g.key == "(none)"));
    }
}
