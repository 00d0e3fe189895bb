//! `--container`, `--compose-service` and the config file's `[docker]`: how the Docker source
//! finds the container, and whether it runs at all.

use std::time::Duration;

use super::types::DockerSettings;
use crate::target::{Address, Target};

/// Time between inspections.
pub const INTERVAL: Duration = Duration::from_secs(2);
/// Timeout around each Engine call.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// `[docker]` in the config file.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerFile {
    pub container: Option<String>,
    pub compose_service: Option<String>,
}

/// The target's port when it is a TCP address on this host (loopback or `localhost`).
pub fn local_port(target: &Target) -> Option<u16> {
    match &target.address {
        Address::Tcp { host, port } => {
            let local = host == "localhost"
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            local.then_some(*port)
        }
        Address::Unix { .. } => None,
    }
}

/// The Docker source's settings: flags over the file; by port for a local target; None when
/// there is no way to find a container (a remote target and no names).
pub fn build(
    container: Option<&str>,
    compose_service: Option<&str>,
    file: Option<&DockerFile>,
    target: &Target,
) -> Option<DockerSettings> {
    let pick = |flag: Option<&str>, f: Option<&String>| flag.map(str::to_string).or(f.cloned());
    let s = DockerSettings {
        container: pick(container, file.and_then(|f| f.container.as_ref())),
        compose_service: pick(
            compose_service,
            file.and_then(|f| f.compose_service.as_ref()),
        ),
        port: local_port(target),
        interval: INTERVAL,
        timeout: TIMEOUT,
    };
    s.enabled().then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        crate::target::parse_url(url).expect("url")
    }

    #[test]
    fn local_targets_are_found_by_port() {
        let s = build(None, None, None, &target("redis://127.0.0.1:7001")).expect("on");
        assert_eq!(s.port, Some(7001));
        assert!(build(None, None, None, &target("redis://10.0.0.5:6379")).is_none());
    }

    #[test]
    fn flags_win_over_the_file() {
        let f = DockerFile {
            container: Some("file".into()),
            compose_service: Some("svc".into()),
        };
        let s = build(Some("flag"), None, Some(&f), &target("redis://10.0.0.5")).expect("on");
        assert_eq!(s.container.as_deref(), Some("flag"));
        assert_eq!(s.compose_service.as_deref(), Some("svc"));
    }
}
