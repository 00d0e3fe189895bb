//! Client selection in the zoomed clients pane: by identity (group key or client id), never a
//! row index, so a table that reorders under the cursor does not change what is selected.

use crate::collect::types::{ClientInfo, ClientListResult};
use crate::runbook::prepare::ClientRef;

/// What is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientSel {
    /// Every client of a group (`by` is `addr`, `name`, `user` or `cmd`).
    Group { by: &'static str, key: String },
    /// One client.
    Client { id: u64 },
}

/// The group key of `c` for grouping `by`.
pub fn key_of<'a>(c: &'a ClientInfo, by: &str) -> &'a str {
    match by {
        "addr" => match c.addr.rfind(':') {
            Some(i) if i > 0 => &c.addr[..i],
            _ => &c.addr,
        },
        "name" => &c.name,
        "user" => &c.user,
        _ => &c.cmd,
    }
}

/// The clients the selection stands for right now, from the latest CLIENT LIST.
pub fn resolve(sel: &ClientSel, list: Option<&ClientListResult>) -> Vec<ClientRef> {
    let Some(ClientListResult::Listed { clients }) = list else {
        return Vec::new();
    };
    clients
        .iter()
        .filter(|c| match sel {
            ClientSel::Client { id } => c.id == *id,
            // A group never takes redtriage's own connections (the poller's, the spare one
            // for actions): killing the flood's address must not cut the dashboard off.
            ClientSel::Group { by, key } => {
                let k = key_of(c, by);
                (k == key || (k.is_empty() && key == "(none)"))
                    && !crate::collect::reserve::is_own_name(&c.name)
            }
        })
        .map(|c| ClientRef {
            id: c.id,
            addr: c.addr.clone(),
            name: c.name.clone(),
        })
        .collect()
}

impl crate::model::state::State {
    /// Moves the clients-pane selection by `delta` rows (groups, or single clients with `g`).
    pub fn move_client_sel(&mut self, delta: i32) {
        let Some(inst) = self.instances.get(self.selected) else {
            return;
        };
        let Some(ClientListResult::Listed { clients }) = inst.clients.value.as_ref() else {
            return;
        };
        let rows: Vec<ClientSel> = if self.ui.client_rows {
            let mut ids: Vec<u64> = clients.iter().map(|c| c.id).collect();
            ids.sort_unstable();
            ids.into_iter().map(|id| ClientSel::Client { id }).collect()
        } else {
            crate::model::clients::groups(clients)
                .into_iter()
                .map(|g| ClientSel::Group {
                    by: g.by,
                    key: g.key,
                })
                .collect()
        };
        if rows.is_empty() {
            return;
        }
        let at = self
            .ui
            .client_sel
            .as_ref()
            .and_then(|s| rows.iter().position(|r| r == s));
        let next = match at {
            None => 0,
            Some(i) => i.saturating_add_signed(delta as isize).min(rows.len() - 1),
        };
        self.ui.client_sel = rows.into_iter().nth(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u64, addr: &str, name: &str) -> ClientInfo {
        ClientInfo {
            id,
            addr: addr.into(),
            name: name.into(),
            ..ClientInfo::default()
        }
    }

    #[test]
    fn selection_follows_identity_not_position() {
        let a = ClientListResult::Listed {
            clients: vec![c(1, "10.0.0.1:1", "web"), c(2, "10.0.0.2:1", "job")],
        };
        // Same clients, other order: the selection still means client 2.
        let b = ClientListResult::Listed {
            clients: vec![c(2, "10.0.0.2:1", "job"), c(1, "10.0.0.1:1", "web")],
        };
        let sel = ClientSel::Client { id: 2 };
        assert_eq!(resolve(&sel, Some(&a))[0].id, 2);
        assert_eq!(resolve(&sel, Some(&b))[0].id, 2);
        let g = ClientSel::Group {
            by: "addr",
            key: "10.0.0.1".into(),
        };
        assert_eq!(resolve(&g, Some(&b)).len(), 1);
        assert!(resolve(&ClientSel::Client { id: 9 }, Some(&a)).is_empty());
    }

    #[test]
    fn a_group_leaves_out_redtriages_own_connections() {
        let list = ClientListResult::Listed {
            clients: vec![
                c(1, "127.0.0.1:1", "pool"),
                c(2, "127.0.0.1:2", crate::collect::connect::CLIENT_NAME),
                c(3, "127.0.0.1:3", ""),
            ],
        };
        let g = ClientSel::Group {
            by: "addr",
            key: "127.0.0.1".into(),
        };
        let ids: Vec<u64> = resolve(&g, Some(&list)).iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 3]);
        // Picked one by one, it is the user's choice.
        assert_eq!(resolve(&ClientSel::Client { id: 2 }, Some(&list)).len(), 1);
    }
}
