//! Which container runs the Redis: named (`--container`), by compose service label
//! (`--compose-service`, a running one preferred), or the one publishing the target's port.
//! Also the conversions of the Engine's answers into [`ContainerInfo`].

use std::collections::HashMap;

use bollard::models::{ContainerInspectResponse, ContainerStatsResponse, ContainerSummary};
use bollard::query_parameters::ListContainersOptions;

use super::types::{ContainerInfo, DockerSettings, RunState};

const SERVICE_LABEL: &str = "com.docker.compose.service";
const PROJECT_LABEL: &str = "com.docker.compose.project";

/// Escaped, for anything shown.
fn esc(s: &str) -> String {
    crate::escape::plain_str(s)
}

/// The list call that finds candidates (all containers, also stopped ones).
pub fn list_options(settings: &DockerSettings) -> ListContainersOptions {
    let mut filters: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(svc) = &settings.compose_service {
        filters.insert("label".into(), vec![format!("{SERVICE_LABEL}={svc}")]);
    }
    ListContainersOptions {
        all: true,
        filters: (!filters.is_empty()).then_some(filters),
        ..ListContainersOptions::default()
    }
}

fn is_running(c: &ContainerSummary) -> bool {
    c.state.as_ref().is_some_and(|s| s.to_string() == "running")
}

fn publishes(c: &ContainerSummary, port: u16) -> bool {
    c.ports
        .as_ref()
        .is_some_and(|ps| ps.iter().any(|p| p.public_port == Some(port)))
}

/// Picks the container from the list (the list was already filtered by compose label).
/// `Err` says why none fits.
pub fn pick(list: &[ContainerSummary], settings: &DockerSettings) -> Result<String, String> {
    let fits: Vec<&ContainerSummary> = if settings.compose_service.is_some() {
        list.iter().collect()
    } else if let Some(port) = settings.port {
        list.iter().filter(|c| publishes(c, port)).collect()
    } else {
        Vec::new()
    };
    let best = fits
        .iter()
        .find(|c| is_running(c))
        .or_else(|| fits.first())
        .and_then(|c| c.id.clone());
    best.ok_or_else(|| match (&settings.compose_service, settings.port) {
        (Some(svc), _) => esc(&format!(
            "no container with label {SERVICE_LABEL}={svc} ({} containers seen)",
            list.len()
        )),
        (None, Some(port)) => format!("no container publishes port {port}"),
        (None, None) => "no --container or --compose-service given".into(),
    })
}

/// Does the container's configuration bind `port` on the host (also when stopped)?
pub fn binds_port(c: &ContainerInspectResponse, port: u16) -> bool {
    let want = port.to_string();
    c.host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
        .is_some_and(|b| {
            b.values()
                .flatten()
                .flatten()
                .any(|p| p.host_port.as_deref() == Some(want.as_str()))
        })
}

/// The Engine's inspection in our terms.
pub fn info(c: &ContainerInspectResponse) -> ContainerInfo {
    let st = c.state.clone().unwrap_or_default();
    let labels = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.labels.clone())
        .unwrap_or_default();
    let health = st.health.as_ref();
    ContainerInfo {
        id: esc(c.id.as_deref().unwrap_or("")),
        name: esc(c.name.as_deref().unwrap_or("").trim_start_matches('/')),
        image: esc(c
            .config
            .as_ref()
            .and_then(|cfg| cfg.image.as_deref())
            .unwrap_or("")),
        state: st
            .status
            .map_or(RunState::Unknown, |s| RunState::parse(s.as_ref())),
        exit_code: st.exit_code,
        oom_killed: st.oom_killed.unwrap_or(false),
        restart_count: c.restart_count.unwrap_or(0),
        started_at: st.started_at.as_deref().map(esc).filter(|s| !zero_time(s)),
        finished_at: st.finished_at.as_deref().map(esc).filter(|s| !zero_time(s)),
        health: health
            .and_then(|h| h.status)
            .map(|s| esc(s.as_ref()))
            .filter(|s| !s.is_empty() && s != "none"),
        failing_streak: health.and_then(|h| h.failing_streak),
        mem_limit: c
            .host_config
            .as_ref()
            .and_then(|h| h.memory)
            .filter(|m| *m > 0)
            .and_then(|m| u64::try_from(m).ok()),
        mem_usage: None,
        cpu_percent: None,
        compose_service: labels.get(SERVICE_LABEL).map(|s| esc(s)),
        compose_project: labels.get(PROJECT_LABEL).map(|s| esc(s)),
        command: command(c),
        working_dir: (c.config.as_ref())
            .and_then(|cfg| cfg.working_dir.as_deref())
            .filter(|w| !w.is_empty())
            .and_then(crate::escape::usable),
    }
}

/// The entrypoint and command, up to the first argument that is not printable UTF-8.
fn command(c: &ContainerInspectResponse) -> Vec<String> {
    let Some(cfg) = c.config.as_ref() else {
        return Vec::new();
    };
    (cfg.entrypoint.iter().flatten())
        .chain(cfg.cmd.iter().flatten())
        .map_while(|a| crate::escape::usable(a))
        .collect()
}

/// `0001-01-01T00:00:00Z`: never.
fn zero_time(s: &str) -> bool {
    s.starts_with("0001-")
}

/// CPU counters of one stats reading: (container total, system total, online CPUs).
pub type CpuReading = (u64, u64, u32);

/// Memory in use (as `docker stats` counts it: minus the inactive page cache) and the CPU
/// counters.
pub fn usage(s: &ContainerStatsResponse) -> (Option<u64>, Option<CpuReading>) {
    let mem = s.memory_stats.as_ref().and_then(|m| {
        let cache = m.stats.as_ref().map_or(0, |st| {
            st.get("total_inactive_file")
                .or_else(|| st.get("inactive_file"))
                .copied()
                .unwrap_or(0)
        });
        m.usage.map(|u| u.saturating_sub(cache))
    });
    let cpu = s.cpu_stats.as_ref().and_then(|c| {
        let total = c.cpu_usage.as_ref()?.total_usage?;
        let online = c.online_cpus.unwrap_or(1).max(1);
        Some((total, c.system_cpu_usage?, online))
    });
    (mem, cpu)
}

/// Percent of one CPU between two readings (as `docker stats`: × online CPUs).
pub fn cpu_percent(prev: CpuReading, now: CpuReading) -> Option<f64> {
    let d_cpu = now.0.checked_sub(prev.0)? as f64;
    let d_sys = now.1.checked_sub(prev.1)? as f64;
    (d_sys > 0.0).then(|| d_cpu / d_sys * f64::from(now.2) * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::PortSummary;

    fn summary(id: &str, state: &str, port: Option<u16>) -> ContainerSummary {
        ContainerSummary {
            id: Some(id.into()),
            state: serde_json::from_value(serde_json::json!(state)).ok(),
            ports: Some(
                port.map(|p| PortSummary {
                    public_port: Some(p),
                    private_port: 6379,
                    ..PortSummary::default()
                })
                .into_iter()
                .collect(),
            ),
            ..ContainerSummary::default()
        }
    }

    #[test]
    fn by_port_prefers_the_publisher() {
        let s = DockerSettings {
            port: Some(7001),
            ..DockerSettings::default()
        };
        let list = [
            summary("a", "running", Some(7000)),
            summary("b", "exited", Some(7001)),
        ];
        assert_eq!(pick(&list, &s), Ok("b".into()));
        let s2 = DockerSettings {
            port: Some(9),
            ..DockerSettings::default()
        };
        assert_eq!(
            pick(&list, &s2),
            Err("no container publishes port 9".into())
        );
    }

    #[test]
    fn by_service_prefers_a_running_one() {
        let s = DockerSettings {
            compose_service: Some("redis".into()),
            ..DockerSettings::default()
        };
        let list = [
            summary("old", "exited", None),
            summary("new", "running", None),
        ];
        assert_eq!(pick(&list, &s), Ok("new".into()));
    }

    #[test]
    fn cpu_percent_from_deltas() {
        assert_eq!(cpu_percent((100, 1000, 2), (150, 1100, 2)), Some(100.0));
        assert_eq!(cpu_percent((100, 1000, 2), (150, 1000, 2)), None);
    }
}
