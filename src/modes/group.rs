//! Starting on a replication group: the master found through the Sentinels (majority of
//! `GET-MASTER-ADDR-BY-NAME`) before anything starts, the group source's settings, and the
//! model's side. Without `--sentinel` the group source still runs: it polls the replicas a
//! master lists, the master a replica names, and the Sentinel the target turns out to be.

use crate::app::GroupLaunch;
use crate::collect::group::supervisor::GroupSettings;
use crate::collect::group::tasks::{resolve_master, retarget};
use crate::collect::group::types::GroupEvent;
use crate::model::group::GroupState;
use crate::modes::settings::SentinelSettings;
use crate::target::{PollSettings, Target};

/// The target to start on and the group launch. `Err`: no Sentinel gave the master.
pub async fn prepare(
    target: &Target,
    sentinel: Option<&SentinelSettings>,
    poll: &PollSettings,
) -> Result<(Target, GroupLaunch), String> {
    let settings = |data: &Target, sentinel: &Target| GroupSettings {
        data: data.clone(),
        sentinel: sentinel.clone(),
        every: poll.slow_interval,
        timeout: poll.timeout,
        probe: poll.interval,
    };
    let Some(s) = sentinel else {
        let launch = GroupLaunch {
            settings: settings(target, target),
            state: GroupState {
                sentinel_auth: Some(target.clone()),
                ..GroupState::default()
            },
        };
        return Ok((target.clone(), launch));
    };
    let state = GroupState {
        sentinel_auth: Some(s.auth.clone()),
        ..GroupState::with_sentinels(s.addrs.clone(), s.master_name.clone())
    };
    if let Some(name) = &s.master_name {
        let sentinels: Vec<Target> = s.addrs.iter().map(|a| retarget(&s.auth, a)).collect();
        let addr = resolve_master(&sentinels, name, poll.timeout).await?;
        let data = retarget(target, &addr);
        let launch = GroupLaunch {
            settings: settings(&data, &s.auth),
            state,
        };
        return Ok((data, launch));
    }
    // No name: start on the first Sentinel; its list decides (one master is followed, several
    // are listed to pick from).
    let first = retarget(&s.auth, &s.addrs[0]);
    let launch = GroupLaunch {
        settings: settings(target, &s.auth),
        state: GroupState {
            entry_sentinel: true,
            ..state
        },
    };
    Ok((first, launch))
}

/// [`prepare`] for the modes that watch a group (the dashboard, snapshot, check, action);
/// None (said on stderr) when no Sentinel gave the master.
pub async fn for_mode(
    mode: &crate::modes::Mode,
    target: Target,
    (sentinel, cluster): (Option<&SentinelSettings>, bool),
    poll: &PollSettings,
) -> Option<(Target, Option<GroupLaunch>)> {
    use crate::modes::Mode;
    let needs = matches!(
        mode,
        Mode::Tui | Mode::Fleet | Mode::Snapshot { .. } | Mode::Check | Mode::Action(_)
    );
    if !needs {
        return Some((target, None));
    }
    if cluster && let Err(e) = cluster_mode(&target, poll).await {
        eprintln!("redtriage: --cluster: {e}");
        return None;
    }
    match prepare(&target, sentinel, poll).await {
        Ok((t, mut g)) => {
            if cluster {
                g.state.cluster = Some(Box::new(crate::model::group::cluster::ClusterState {
                    forced: true,
                    entry: crate::model::group::addr_of(&t),
                    ..Default::default()
                }));
            }
            Some((t, Some(g)))
        }
        Err(e) => {
            eprintln!("redtriage: --sentinel: {e}");
            None
        }
    }
}

/// `fleet` without Prometheus: the fleet is the Redis Cluster the target belongs to (the
/// dashboard opens on the Topology pane's node list); refused before the terminal changes when
/// the target is not a cluster node.
pub async fn cluster_fleet(
    target: &Target,
    mut opts: crate::app::TuiOptions,
) -> color_eyre::Result<std::process::ExitCode> {
    if let Err(e) = cluster_mode(target, &opts.poll).await {
        eprintln!(
            "redtriage: fleet needs --prometheus URL (or [prometheus] url in the config), or a Redis Cluster node as the target: {e}"
        );
        return Ok(std::process::ExitCode::from(2));
    }
    opts.topology = true;
    Box::pin(crate::app::run_tui(vec![target.clone()], opts)).await
}

/// `--cluster`: the target answers and says `cluster_enabled:1`.
pub async fn cluster_mode(target: &Target, poll: &PollSettings) -> Result<(), String> {
    use crate::collect::connect::{connect, query};
    let shown = target.display();
    let mut conn = connect(target, poll.timeout).await.map_err(|e| {
        let e = crate::collect::group::tasks::failure(e);
        format!("{shown}: cannot connect: {e}")
    })?;
    let v = query(&mut conn, redis::cmd("INFO").arg("cluster"), poll.timeout)
        .await
        .map_err(|e| format!("{shown}: INFO cluster failed: {e}"))?;
    let text = crate::collect::poller::bulk_bytes(&v).map_err(|e| e.to_string())?;
    let info = crate::collect::parse::parse_info(&text);
    match info.raw().get("cluster_enabled").map(String::as_str) {
        Some("1") => Ok(()),
        other => Err(format!(
            "{shown} is not a Redis Cluster node (cluster_enabled:{}); drop -c/--cluster to watch it as a single server",
            other.unwrap_or("?")
        )),
    }
}

/// What the group's state asks the group source to poll now.
pub fn plan_of(state: &crate::model::state::State) -> crate::collect::group::supervisor::GroupPlan {
    state
        .group
        .as_ref()
        .map(|s| s.plan.clone())
        .unwrap_or_default()
}

/// The group without its tasks, for `check`, `snapshot` and `action`: `first` (a round already
/// asked, and what it asked) or a round now, applied; then one more round for what it named
/// (the replicas and Sentinels a Sentinel lists), applied. Returns the master the answers made
/// the state follow (`Effect::Attach`), if any.
pub async fn rounds(
    state: &mut crate::model::state::State,
    settings: &GroupSettings,
    first: Option<(Vec<NodeAddrKind>, Vec<GroupEvent>)>,
) -> Option<(crate::msg::TargetId, Target)> {
    use crate::collect::group::tasks::{asked, once};
    let (done, events) = if let Some(f) = first {
        f
    } else {
        let plan = plan_of(state);
        let events = once(&plan, settings, &[]).await;
        (asked(&plan), events)
    };
    let mut attach = apply(state, events);
    let more = once(&plan_of(state), settings, &done).await;
    attach = apply(state, more).or(attach);
    attach
}

/// A node's address and whether it is a Sentinel, as the rounds mark what they asked.
pub type NodeAddrKind = (crate::collect::group::types::NodeAddr, bool);

fn apply(
    state: &mut crate::model::state::State,
    events: Vec<GroupEvent>,
) -> Option<(crate::msg::TargetId, Target)> {
    let mut attach = None;
    for e in events {
        for eff in crate::model::state::update(state, crate::msg::Msg::Group(Box::new(e))) {
            if let crate::model::state::Effect::Attach { id, target } = eff {
                attach = Some((id, *target));
            }
        }
    }
    attach
}
