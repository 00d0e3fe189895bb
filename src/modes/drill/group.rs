//! The group drills: `failover` (a throwaway master, two replicas and three Sentinels; the
//! master is killed and the team watches the promotion, then validates) and `replica-broken`
//! (a master and a replica whose link breaks: the master starts asking for a password the
//! replica does not have, so the replica cannot sync again). Every process is a throwaway
//! `redis-server` (see [`crate::modes::throwaway`]), removed on exit.

use std::time::Duration;

use color_eyre::eyre::eyre;

use super::Scenario;
use super::faults::wait_info;
use crate::collect::group::types::NodeAddr;
use crate::modes::demo_traffic::named;
use crate::modes::settings::SentinelSettings;
use crate::modes::throwaway::ThrowawayRedis;
use crate::target::Target;

/// The master name the drill's Sentinels monitor.
pub const MASTER_NAME: &str = "redtriage-drill";
/// How long the drill's group gets to come up (replicas synced, Sentinels acquainted).
const READY: Duration = Duration::from_secs(30);
/// In `failover`, the dashboard shows the healthy group this long before the master dies.
pub const KILL_AFTER: Duration = Duration::from_secs(5);

/// The servers of one group drill.
pub struct GroupDrill {
    pub master: ThrowawayRedis,
    pub replicas: Vec<ThrowawayRedis>,
    pub sentinels: Vec<ThrowawayRedis>,
}

impl GroupDrill {
    /// Starts the servers of `scenario` and waits until the group is whole.
    pub async fn start(scenario: Scenario) -> color_eyre::Result<Self> {
        let prefix = format!("redtriage-drill-{}-", scenario.name());
        let master = ThrowawayRedis::start_with(&prefix, "", &[]).await?;
        let mport = master.port.to_string();
        let n_replicas = if scenario == Scenario::Failover { 2 } else { 1 };
        let mut replicas = Vec::new();
        for _ in 0..n_replicas {
            let r = ThrowawayRedis::start_with(&prefix, "", &["--replicaof", "127.0.0.1", &mport])
                .await?;
            replicas.push(r);
        }
        let mut admin = connect(&master).await?;
        let want = n_replicas;
        wait_info(
            &mut admin,
            ("replication", "connected_slaves"),
            |v| v.parse::<usize>().is_ok_and(|n| n == want),
            READY,
        )
        .await?;
        let mut sentinels = Vec::new();
        if scenario == Scenario::Failover {
            let conf = format!(
                "sentinel monitor {MASTER_NAME} 127.0.0.1 {mport} 2\n\
                 sentinel down-after-milliseconds {MASTER_NAME} 1000\n\
                 sentinel failover-timeout {MASTER_NAME} 10000\n"
            );
            for _ in 0..3 {
                sentinels.push(ThrowawayRedis::start_with(&prefix, &conf, &["--sentinel"]).await?);
            }
            for s in &sentinels {
                wait_acquainted(s, 2, u64::try_from(n_replicas).unwrap_or(0)).await?;
            }
        }
        Ok(Self {
            master,
            replicas,
            sentinels,
        })
    }

    /// The Sentinel settings the dashboard starts with (`failover`), or None.
    pub fn sentinel_settings(&self) -> Option<SentinelSettings> {
        (!self.sentinels.is_empty()).then(|| SentinelSettings {
            addrs: self
                .sentinels
                .iter()
                .map(|s| NodeAddr::new("127.0.0.1", s.port))
                .collect(),
            master_name: Some(MASTER_NAME.into()),
            auth: Target::local_default(),
            askpass: false,
        })
    }

    /// The server the dashboard watches: the master (`failover`), the replica
    /// (`replica-broken`: the server the app may be pointed at).
    pub fn watched(&self) -> &ThrowawayRedis {
        match self.replicas.first() {
            Some(r) if self.sentinels.is_empty() => r,
            _ => &self.master,
        }
    }

    /// `replica-broken`: the master asks for a password from now on and drops its replica,
    /// which cannot authenticate: its link stays down. Returns once the replica says so.
    pub async fn break_replica(&self) -> color_eyre::Result<()> {
        let mut m = connect(&self.master).await?;
        let _: redis::Value = redis::cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg("drill-secret-the-replica-lacks")
            .query_async(&mut m)
            .await?;
        let _: redis::Value = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("replica")
            .query_async(&mut m)
            .await?;
        let replica = self.replicas.first().ok_or_else(|| eyre!("no replica"))?;
        let mut r = connect(replica).await?;
        wait_info(
            &mut r,
            ("replication", "master_link_status"),
            |v| v == "down",
            READY,
        )
        .await
    }

    /// `failover`: SIGKILL of the master.
    pub fn kill_master(&self) {
        self.master.signal(libc::SIGKILL);
    }

    /// Stops every server.
    pub async fn stop(self) {
        for s in self.sentinels {
            s.stop().await;
        }
        for r in self.replicas {
            r.stop().await;
        }
        self.master.stop().await;
    }
}

async fn connect(s: &ThrowawayRedis) -> color_eyre::Result<redis::aio::MultiplexedConnection> {
    named(&s.target(), "drill-admin")
        .await
        .ok_or_else(|| eyre!("cannot connect to the drill's redis-server on {}", s.port))
}

/// Waits until Sentinel `s` knows `others` other Sentinels and `replicas` replicas.
async fn wait_acquainted(s: &ThrowawayRedis, others: u64, replicas: u64) -> color_eyre::Result<()> {
    let mut c = connect(s).await?;
    let deadline = tokio::time::Instant::now() + READY;
    loop {
        let round =
            crate::collect::group::sentinel::round(&mut c, None, None, Duration::from_secs(1))
                .await
                .ok();
        let m = round
            .as_ref()
            .and_then(|r| r.masters.iter().find(|m| m.raw_name == MASTER_NAME));
        if m.is_some_and(|m| m.num_other_sentinels >= others && m.num_slaves >= replicas) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(eyre!("the drill's Sentinels did not find each other"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
