//! One spare connection per target, opened each time the dashboard's poller connects and kept
//! for the actions. A server at `maxclients` refuses every new connection, the one an action
//! would open included, while those it already holds keep working: the kill that frees it
//! must get through on one of those.

use std::sync::Mutex;
use std::time::Duration;

use redis::aio::MultiplexedConnection;

use crate::target::Target;

/// The spare connection's client name: told apart from the poller's (`redtriage`) in
/// `CLIENT LIST`, and, like it, never part of a client group a kill takes.
pub const SPARE_NAME: &str = "redtriage-actions";

/// Is a client of this name one of redtriage's own connections?
pub fn is_own_name(name: &str) -> bool {
    name == super::connect::CLIENT_NAME || name == SPARE_NAME
}

static HELD: Mutex<Vec<(Target, MultiplexedConnection)>> = Mutex::new(Vec::new());

fn held() -> std::sync::MutexGuard<'static, Vec<(Target, MultiplexedConnection)>> {
    HELD.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens the spare connection to `target` (replacing one held from before a reconnect, which
/// is likely broken); off the caller's path, in its own task.
pub fn renew(target: &Target, timeout: Duration) {
    let target = target.clone();
    tokio::spawn(async move {
        if let Ok(conn) = super::connect::connect_as(&target, timeout, SPARE_NAME).await {
            let mut h = held();
            h.retain(|(t, _)| *t != target);
            h.push((target, conn));
        }
    });
}

/// The spare connection to `target`, when one is held and still answers `PING` within
/// `timeout`; a broken one is dropped.
pub async fn take(target: &Target, timeout: Duration) -> Option<MultiplexedConnection> {
    let mut conn = (held().iter())
        .find(|(t, _)| t == target)
        .map(|(_, c)| c.clone())?;
    let ping = super::connect::query(&mut conn, &redis::cmd("PING"), timeout).await;
    if ping.is_ok() {
        return Some(conn);
    }
    held().retain(|(t, _)| t != target);
    None
}

/// Drops every spare connection (the dashboard quits; tests).
pub fn clear() {
    held().clear();
}
