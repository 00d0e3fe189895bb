//! Actions as data: the runbook file (`assets/runbook.toml` by default) declares every action.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::collect::ops::RedisOp;

/// The runbook shipped with redtriage.
pub const DEFAULT_RUNBOOK: &str = include_str!("../../assets/runbook.toml");

/// What an action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    Redis {
        op: RedisOp,
    },
    /// Argv lists run one after the other without a shell; `{placeholders}` are filled per
    /// argument from the config and the target only.
    External {
        commands: Vec<Vec<String>>,
        /// Run instead of `commands` while the server does not answer (a restart's start
        /// without its shutdown); None = `commands` always.
        down_commands: Option<Vec<Vec<String>>>,
        /// Fed on the child's stdin (e.g. `"y\n"` for `redis-check-aof --fix`).
        stdin: Option<String>,
    },
    /// `GET url` (a placeholder such as `{app_health_url}`), status and latency shown.
    Http {
        url: String,
    },
    /// On the container Docker found, through the Engine API: restart, or exec of `command`
    /// (placeholders filled per argument) with `stdin` fed to it.
    Docker {
        op: crate::docker::ops::DockerOp,
        command: Vec<String>,
        stdin: Option<String>,
    },
}

/// A condition checked before an action may run (it is greyed with the reason otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precondition {
    /// Redis answers.
    Up,
    /// AOF is enabled.
    AofEnabled,
    /// No BGSAVE / AOF rewrite is running.
    NoForkInProgress,
    /// CONFIG is available on this server.
    ConfigAvailable,
    /// A client or client group is selected in the clients pane.
    ClientSelected,
    /// The Docker source found the container.
    ContainerFound,
    /// The container found is running (`docker exec` needs it).
    ContainerRunning,
    /// A Sentinel answers and the master name is known.
    Sentinel,
    /// The master has replicas (or the group lists some).
    Replicas,
    /// The target is a Redis Cluster node.
    Cluster,
    /// The server was started with a config file (`INFO` `config_file` is not empty).
    ConfigFile,
}

/// One runbook action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawAction")]
#[allow(clippy::struct_excessive_bools)]
pub struct ActionSpec {
    /// Unique name, used by `redtriage action <name>`.
    pub name: String,
    /// Direct key in the TUI (one character), optional.
    #[serde(default)]
    pub key: Option<char>,
    pub title: String,
    pub kind: ActionKind,
    /// Needs the target name typed to confirm.
    pub destructive: bool,
    /// Starts the stability watch when it finishes successfully.
    pub mitigation: bool,
    /// Needs a second confirmation (e.g. `redis-check-aof --fix`).
    pub confirm_twice: bool,
    pub preconditions: Vec<Precondition>,
    /// Timeout as `30s`, `2m`; default 30 s.
    pub timeout: Option<String>,
    /// Runbook section this action belongs to (shown in the palette).
    pub section: Option<String>,
    /// An external command that changes nothing (`redis-cli --cluster check`): still offered
    /// under `--read-only`.
    pub read_only: bool,
}

/// The file form of an action: flat, every key known (typos are errors).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)]
struct RawAction {
    name: String,
    #[serde(default)]
    key: Option<char>,
    title: String,
    kind: String,
    /// A `RedisOp` for kind redis, a `DockerOp` for kind docker.
    #[serde(default)]
    op: Option<String>,
    #[serde(default)]
    commands: Option<Vec<Vec<String>>>,
    #[serde(default)]
    down_commands: Option<Vec<Vec<String>>>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    destructive: bool,
    #[serde(default)]
    mitigation: bool,
    #[serde(default)]
    confirm_twice: bool,
    #[serde(default)]
    preconditions: Vec<Precondition>,
    #[serde(default)]
    timeout: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    read_only: bool,
}

/// `op` as the enum `T` (`"bgsave"` → `RedisOp::Bgsave`), or an error listing the known ones.
fn parse_op<T: serde::de::DeserializeOwned>(op: &str, n: &str, known: &str) -> Result<T, String> {
    let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(op);
    T::deserialize(de).map_err(|_| format!("action {n:?}: unknown op {op:?} (known: {known})"))
}

/// `kind = "docker"`: `op = "restart"`, or `op = "exec"` with one argv in `commands`.
fn docker_kind(r: &RawAction) -> Result<ActionKind, String> {
    use crate::docker::ops::DockerOp;
    let n = &r.name;
    let op =
        r.op.as_deref()
            .ok_or_else(|| format!("action {n:?}: kind docker needs op (restart, exec)"))?;
    let op: DockerOp = parse_op(op, n, "restart, exec")?;
    if r.url.is_some() {
        return Err(format!(
            "action {n:?}: url does not belong to kind \"docker\""
        ));
    }
    let command = match (op, r.commands.as_deref()) {
        (DockerOp::Restart, None) if r.stdin.is_none() => Vec::new(),
        (DockerOp::Restart, _) => {
            return Err(format!("action {n:?}: op restart takes no commands/stdin"));
        }
        (DockerOp::Exec, Some([argv])) if !argv.is_empty() => argv.clone(),
        (DockerOp::Exec, _) => {
            return Err(format!(
                "action {n:?}: op exec needs commands = [[argv…]] (one command)"
            ));
        }
    };
    Ok(ActionKind::Docker {
        op,
        command,
        stdin: r.stdin.clone(),
    })
}

impl TryFrom<RawAction> for ActionSpec {
    type Error = String;

    fn try_from(r: RawAction) -> Result<Self, String> {
        let n = &r.name;
        let extra = |what: &str, present: bool| {
            if present {
                Err(format!(
                    "action {n:?}: {what} does not belong to kind {:?}",
                    r.kind
                ))
            } else {
                Ok(())
            }
        };
        let kind = match r.kind.as_str() {
            "redis" => {
                extra(
                    "commands/stdin/url",
                    r.commands.is_some() || r.stdin.is_some() || r.url.is_some(),
                )?;
                let op =
                    r.op.as_deref()
                        .ok_or_else(|| format!("action {n:?}: kind redis needs op"))?;
                ActionKind::Redis {
                    op: parse_op(
                        op,
                        n,
                        "ping, probe, bgsave, bgrewriteaof, set_maxmemory, set_maxmemory_policy, config_rewrite, client_kill, slowlog_reset, memory_purge, latency_reset, sentinel_ckquorum, sentinel_failover, replica_promote, failover, cluster_failover, cluster_failover_force, cluster_failover_takeover",
                    )?,
                }
            }
            "docker" => docker_kind(&r)?,
            "external" => {
                extra("op/url", r.op.is_some() || r.url.is_some())?;
                let commands = r
                    .commands
                    .ok_or_else(|| format!("action {n:?}: kind external needs commands"))?;
                ActionKind::External {
                    commands,
                    down_commands: r.down_commands,
                    stdin: r.stdin,
                }
            }
            "http" => {
                extra(
                    "op/commands/stdin",
                    r.op.is_some() || r.commands.is_some() || r.stdin.is_some(),
                )?;
                ActionKind::Http {
                    url: r
                        .url
                        .ok_or_else(|| format!("action {n:?}: kind http needs url"))?,
                }
            }
            other => {
                return Err(format!(
                    "action {n:?}: unknown kind {other:?} (redis, external, http, docker)"
                ));
            }
        };
        Ok(Self {
            name: r.name,
            key: r.key,
            title: r.title,
            kind,
            destructive: r.destructive,
            mitigation: r.mitigation,
            confirm_twice: r.confirm_twice,
            preconditions: r.preconditions,
            timeout: r.timeout,
            section: r.section,
            read_only: r.read_only,
        })
    }
}

impl ActionSpec {
    /// Mutating actions are disabled by `--read-only`.
    pub fn mutating(&self) -> bool {
        match &self.kind {
            ActionKind::Redis { op } => op.mutating(),
            ActionKind::External { .. } => !self.read_only,
            ActionKind::Docker { .. } => true,
            ActionKind::Http { .. } => false,
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
            .as_deref()
            .and_then(crate::format::parse_duration)
            .unwrap_or(Duration::from_secs(30))
    }
}

/// Settings of the runbook file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunbookSettings {
    /// Stability watch window (`5m`).
    #[serde(default)]
    pub watch_window: Option<String>,
    /// Probe period during the watch (`10s`).
    #[serde(default)]
    pub probe_every: Option<String>,
    /// Time to resolution the runbook promises (`30m`), for the Runbook pane's clock.
    #[serde(default)]
    pub sla: Option<String>,
    /// Extra `{placeholders}`: name → value (e.g. `app_health_url`, `compose_file`,
    /// `aof_path` when CONFIG is not available).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

/// A parsed runbook file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    #[serde(default)]
    pub settings: RunbookSettings,
    #[serde(rename = "action")]
    pub actions: Vec<ActionSpec>,
    /// The investigation's causes (`[[cause]]`); a file without any gets the shipped ones.
    #[serde(default, rename = "cause")]
    pub causes: Vec<crate::runbook::rules::CauseSpec>,
    /// The diagnosis rules (`[[rule]]`); a file without causes gets the shipped rules too.
    #[serde(default, rename = "rule")]
    pub rules: Vec<crate::runbook::rules::RuleSpec>,
    /// When an action fits the evidence (`[[fit]]`); shipped with the shipped causes.
    #[serde(default, rename = "fit")]
    pub fits: Vec<crate::runbook::rules::FitSpec>,
}

impl Runbook {
    /// Parses and validates a runbook; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self, String> {
        let mut rb = Self::parse_only(text, source)?;
        if rb.causes.is_empty() && rb.rules.is_empty() && text != DEFAULT_RUNBOOK {
            let d = Self::parse_only(DEFAULT_RUNBOOK, "assets/runbook.toml")?;
            rb.causes = d.causes;
            rb.rules = d.rules;
            rb.fits = d.fits;
            // The shipped causes suggest the shipped actions: keep those this file also has.
            let names: Vec<String> = rb.actions.iter().map(|a| a.name.clone()).collect();
            for c in &mut rb.causes {
                c.actions.retain(|a| names.contains(a));
                c.when_up.retain(|a| names.contains(a));
            }
            rb.fits.retain(|f| names.contains(&f.action));
        }
        let names: Vec<&str> = rb.actions.iter().map(|a| a.name.as_str()).collect();
        crate::runbook::rules::validate(&rb.causes, &rb.rules, &names, source)?;
        crate::runbook::rules::validate_fits(&rb.fits, &names, source)?;
        Ok(rb)
    }

    fn parse_only(text: &str, source: &str) -> Result<Self, String> {
        let rb: Runbook = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            match line {
                Some(l) => format!("runbook {source} line {l}: {}", e.message()),
                None => format!("runbook {source}: {}", e.message()),
            }
        })?;
        rb.validate(source)?;
        Ok(rb)
    }

    /// Reads a runbook file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("runbook {}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The shipped default.
    pub fn default_runbook() -> Self {
        Self::parse(DEFAULT_RUNBOOK, "assets/runbook.toml").unwrap_or(Self {
            settings: RunbookSettings::default(),
            actions: Vec::new(),
            causes: Vec::new(),
            rules: Vec::new(),
            fits: Vec::new(),
        })
    }

    fn validate(&self, source: &str) -> Result<(), String> {
        let mut names = HashSet::new();
        let mut keys = HashSet::new();
        for a in &self.actions {
            if !names.insert(a.name.as_str()) {
                return Err(format!(
                    "runbook {source}: action name {:?} is used twice",
                    a.name
                ));
            }
            if let Some(k) = a.key {
                if crate::runbook::RESERVED_KEYS.contains(&k) {
                    return Err(format!(
                        "runbook {source}: action {:?} key {k:?} is already bound to a dashboard key",
                        a.name
                    ));
                }
                if !keys.insert(k) {
                    return Err(format!(
                        "runbook {source}: key {k:?} is bound twice (action {:?})",
                        a.name
                    ));
                }
            }
            if let ActionKind::External {
                commands,
                down_commands,
                ..
            } = &a.kind
                && (commands.is_empty()
                    || commands.iter().any(Vec::is_empty)
                    || down_commands
                        .as_ref()
                        .is_some_and(|d| d.is_empty() || d.iter().any(Vec::is_empty)))
            {
                return Err(format!(
                    "runbook {source}: action {:?} has an empty command",
                    a.name
                ));
            }
            if a.timeout.is_some()
                && crate::format::parse_duration(a.timeout.as_deref().unwrap_or("")).is_none()
            {
                return Err(format!(
                    "runbook {source}: action {:?} timeout {:?} is not a duration like 30s",
                    a.name,
                    a.timeout.as_deref().unwrap_or("")
                ));
            }
            for argv in external_argvs(a) {
                for arg in argv {
                    super::placeholders::check_names(arg, &self.settings.vars)
                        .map_err(|e| format!("runbook {source}: action {:?}: {e}", a.name))?;
                }
            }
        }
        Ok(())
    }

    pub fn find(&self, name: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.name == name)
    }
}

fn external_argvs(a: &ActionSpec) -> Vec<&Vec<String>> {
    match &a.kind {
        ActionKind::External {
            commands,
            down_commands,
            ..
        } => commands
            .iter()
            .chain(down_commands.iter().flatten())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_cause_offers_an_action_that_erases_its_evidence() {
        let rb = Runbook::parse(DEFAULT_RUNBOOK, "default").expect("default runbook");
        for c in &rb.causes {
            for a in &c.actions {
                let kind = rb.find(a).map(|s| &s.kind);
                assert!(
                    !matches!(
                        kind,
                        Some(ActionKind::Redis {
                            op: RedisOp::SlowlogReset | RedisOp::LatencyReset
                        })
                    ),
                    "cause {} offers {a}, which erases the evidence",
                    c.id
                );
            }
        }
        let pane = |id: &str| {
            let c = rb.causes.iter().find(|c| c.id == id).expect(id);
            c.pane.clone()
        };
        assert_eq!(pane("slow").as_deref(), Some("slowlog"));
        assert_eq!(pane("latency").as_deref(), Some("errors"));
    }

    #[test]
    fn a_cause_naming_an_unknown_pane_is_refused_quoting_it() {
        let text = DEFAULT_RUNBOOK.replace("pane = \"slowlog\"", "pane = \"slowlgo\"");
        let e = Runbook::parse(&text, "test").expect_err("bad pane");
        assert!(e.contains("\"slowlgo\"") && e.contains("slowlog"), "{e}");
    }

    #[test]
    fn default_runbook_parses_and_covers_the_runbook() {
        let rb = Runbook::parse(DEFAULT_RUNBOOK, "default").expect("default runbook");
        for name in [
            "ping",
            "probe",
            "bgsave",
            "bgrewriteaof",
            "maxmemory",
            "maxmemory-policy",
            "client-kill",
            "slowlog-reset",
            "memory-purge",
            "latency-reset",
            "check-aof",
            "fix-aof",
            "check-rdb",
            "app-health",
        ] {
            assert!(rb.find(name).is_some(), "{name} missing");
        }
        assert!(
            rb.find("fix-aof")
                .is_some_and(|a| a.confirm_twice && a.destructive)
        );
    }

    #[test]
    fn duplicate_keys_and_unknown_placeholders_rejected() {
        let dup = r#"
[[action]]
name = "a"
key = "B"
title = "a"
kind = "redis"
op = "ping"
[[action]]
name = "b"
key = "B"
title = "b"
kind = "redis"
op = "ping"
"#;
        assert!(
            Runbook::parse(dup, "t")
                .unwrap_err()
                .contains("bound twice")
        );
        let bad = r#"
[[action]]
name = "a"
title = "a"
kind = "external"
commands = [["echo", "{nope}"]]
"#;
        assert!(Runbook::parse(bad, "t").unwrap_err().contains("nope"));
        let reserved = r#"
[[action]]
name = "a"
key = "q"
title = "a"
kind = "redis"
op = "ping"
"#;
        assert!(
            Runbook::parse(reserved, "t")
                .unwrap_err()
                .contains("already bound")
        );
    }
}
