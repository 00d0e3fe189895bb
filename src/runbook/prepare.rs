//! Turning a runbook action into exactly what will run, before the confirmation: the command
//! lines, the values it changes from → to, and what stands in the way (blockers).

use std::collections::BTreeMap;
use std::time::Duration;

use super::placeholders;
use super::spec::{ActionKind, ActionSpec, Precondition};
use crate::collect::ops::{self, RedisOp};
use crate::collect::types::{ConfigValues, Info};
use crate::format::parse_size;
use crate::target::Target;

/// The policies `maxmemory-policy` accepts.
pub const POLICIES: [&str; 8] = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

/// Said of a maxmemory change that lowers the limit (which makes the action destructive).
const LOWER_NOTE: &str = " (lower: keys may be evicted or writes refused)";

/// What the action will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Redis {
        op: RedisOp,
        args: Vec<String>,
        /// The CONFIG command's name on this server (`--config-command`).
        config_command: String,
    },
    External {
        commands: Vec<Vec<String>>,
        stdin: Option<String>,
    },
    Http {
        url: String,
    },
    /// On the container, through the Engine API.
    Docker {
        op: crate::docker::ops::DockerOp,
        container: String,
        command: Vec<String>,
        stdin: Option<String>,
    },
}

/// A client picked in the clients pane: identity, never a row index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRef {
    pub id: u64,
    /// Escaped `ip:port`.
    pub addr: String,
    /// Escaped name.
    pub name: String,
}

/// The reason every container action gives without a container (one wording wherever it
/// shows).
pub const NO_CONTAINER: &str = "no container found";

/// What the server looked like when the dialog opened.
#[derive(Debug, Clone, Default)]
#[allow(clippy::struct_excessive_bools)] // facts, not modes: each is read on its own
pub struct Context<'a> {
    pub target: Option<&'a Target>,
    pub up: bool,
    /// Nothing accepts the connection (refused): there is no server to shut down. Not the
    /// same as not up (a server that hangs or refuses the password still runs).
    pub down: bool,
    /// The server runs but refuses redtriage's connection: `maxclients` reached.
    pub full: bool,
    pub info: Option<&'a Info>,
    pub config: Option<&'a ConfigValues>,
    /// Why CONFIG failed (`disabled (rename-command)`, NOPERM…), when it did.
    pub config_unavailable: Option<String>,
    /// The CONFIG command's name (`--config-command`); empty means `CONFIG`.
    pub config_command: String,
    /// Commands (upper case) the server lacks or refuses, and why: from `COMMAND INFO` and
    /// from the errors the poller got.
    pub missing_commands: BTreeMap<String, String>,
    pub read_only: bool,
    /// Every action is disabled, and why (`replay`).
    pub disabled: Option<String>,
    /// `[settings.vars]` of the runbook.
    pub vars: BTreeMap<String, String>,
    /// Clients selected in the clients pane.
    pub clients: Vec<ClientRef>,
    pub machine_ram: Option<u64>,
    /// The container the Docker source found (its name, image and compose service fill
    /// `{container}`, `{container_image}`, `{compose_service}`).
    pub container: Option<&'a crate::docker::types::ContainerInfo>,
    /// A Sentinel that answers (with Sentinel's credentials), for the Sentinel actions.
    pub sentinel: Option<Target>,
    /// The master name the Sentinels monitor.
    pub master_name: Option<String>,
    /// The group's replicas as `host:port` (as received), for the replica actions' choice.
    pub replicas: Vec<String>,
    /// The target is a Redis Cluster node.
    pub cluster: bool,
    /// What is known of the server's configuration without asking it (remembered, its
    /// config file, its log): fills what CONFIG and INFO cannot give while it is down.
    pub known: Option<&'a crate::collect::known::Known>,
}

/// An action ready to be confirmed and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The target it was prepared (and is confirmed) for: the action runs against this one,
    /// whatever the dashboard shows by the time it starts.
    pub target: Option<Target>,
    pub name: String,
    pub title: String,
    pub step: Step,
    pub timeout: Duration,
    pub destructive: bool,
    pub mitigation: bool,
    pub confirm_twice: bool,
    /// The exact commands, one per line (escaped where they hold server data).
    pub display: Vec<String>,
    /// `maxmemory: 100mb → 2gb`.
    pub changes: Vec<String>,
    /// A fork in progress, last fork time, last COW size…
    pub blockers: Vec<String>,
    /// The values filled in, with their sources (`{dir} = /data — seen 3d04h ago`).
    pub values: Vec<String>,
}

impl Context<'_> {
    /// The CONFIG command's name on this server.
    pub fn config_command(&self) -> &str {
        if self.config_command.is_empty() {
            "CONFIG"
        } else {
            &self.config_command
        }
    }

    /// Why `spec` cannot run now, if it cannot (shown greyed in the palette). A Redis action
    /// is checked command by command: each command it sends (as [`ops::argvs`]
    /// builds them) against what the server lacks or refused.
    pub fn unavailable(&self, spec: &ActionSpec) -> Option<String> {
        self.unavailable_but(spec, None)
    }

    /// [`Self::unavailable`] with one precondition left out: one the user meets on the way
    /// (a client to select, for a suggested kill).
    pub fn unavailable_but(&self, spec: &ActionSpec, skip: Option<Precondition>) -> Option<String> {
        if let Some(why) = &self.disabled {
            return Some(why.clone());
        }
        if self.read_only && spec.mutating() {
            return Some("read only (--read-only)".into());
        }
        if let ActionKind::Redis { op } = &spec.kind
            && !op.to_sentinel()
        {
            let config = self.config_command();
            for name in ops::command_names(*op, config) {
                if let Some(why) = self.missing_commands.get(&name) {
                    return Some(format!("{name} {why}"));
                }
                if name.eq_ignore_ascii_case(config)
                    && let Some(why) = &self.config_unavailable
                {
                    return Some(format!("{name} {why}"));
                }
            }
        }
        (spec.preconditions.iter())
            .filter(|p| Some(**p) != skip)
            .find_map(|p| self.failed(*p))
    }

    fn failed(&self, p: Precondition) -> Option<String> {
        let info = self.info;
        let fork = info.is_some_and(|i| {
            i.rdb_bgsave_in_progress == Some(true) || i.aof_rewrite_in_progress == Some(true)
        });
        match p {
            Precondition::Up if !self.up && self.full => Some(
                "the server is full (max clients reached): it refuses redtriage's connection too"
                    .into(),
            ),
            Precondition::Up if !self.up => Some("Redis is not up".into()),
            Precondition::ConfigFile if info.and_then(|i| i.config_file.as_deref()) == Some("") => {
                Some("the server runs without a config file (INFO config_file is empty)".into())
            }
            Precondition::AofEnabled if info.and_then(|i| i.aof_enabled) != Some(true) => {
                Some("AOF is off".into())
            }
            Precondition::NoForkInProgress if fork => {
                Some("a fork (BGSAVE/rewrite) is running".into())
            }
            Precondition::ConfigAvailable if self.config_unavailable.is_some() => Some(format!(
                "CONFIG {}",
                self.config_unavailable.as_deref().unwrap_or_default()
            )),
            Precondition::ClientSelected if self.clients.is_empty() => {
                Some("select a client or group in the clients pane".into())
            }
            // One reason for no container, whichever precondition asks.
            Precondition::ContainerFound | Precondition::ContainerRunning
                if self.container.is_none() =>
            {
                Some(format!(
                    "{NO_CONTAINER} (Docker; see the Container pane, C)"
                ))
            }
            Precondition::Sentinel if self.sentinel.is_none() || self.master_name.is_none() => {
                Some("no Sentinel answers for this master (--sentinel, --master-name)".into())
            }
            Precondition::Replicas if self.replicas.is_empty() => Some("no replicas known".into()),
            Precondition::Cluster if !self.cluster => Some("not a Redis Cluster node".into()),
            Precondition::ContainerRunning
                if self
                    .container
                    .is_some_and(|c| c.state != crate::docker::types::RunState::Running) =>
            {
                Some("the container is not running".into())
            }
            _ => None,
        }
    }

    fn blockers(&self) -> Vec<String> {
        let Some(i) = self.info else {
            return Vec::new();
        };
        let mut b = Vec::new();
        if i.rdb_bgsave_in_progress == Some(true) {
            b.push("BGSAVE in progress".to_string());
        }
        if i.aof_rewrite_in_progress == Some(true) {
            b.push("AOF rewrite in progress".to_string());
        }
        if let Some(us) = i.latest_fork_usec.filter(|u| *u > 0) {
            b.push(format!(
                "last fork took {:.1} ms (the server stalls while forking)",
                us as f64 / 1000.0
            ));
        }
        if let Some(cow) = i.rdb_last_cow_size.filter(|c| *c > 0) {
            b.push(format!("last copy-on-write size {cow} bytes"));
        }
        b
    }
}

/// The action makes the server fork.
fn forks(spec: &ActionSpec) -> bool {
    matches!(
        spec.kind,
        ActionKind::Redis {
            op: RedisOp::Bgsave | RedisOp::Bgrewriteaof
        }
    )
}

/// A memory limit as people read it beside the exact bytes: `64.0 MB (67108864)`, `no limit (0)`.
fn limit_words(bytes: u64) -> String {
    if bytes == 0 {
        "no limit (0)".into()
    } else {
        format!("{} ({bytes})", crate::format::bytes(bytes))
    }
}

/// Prepares `spec`; `input` is what the user typed or picked (maxmemory value, policy).
pub fn prepare(
    spec: &ActionSpec,
    ctx: &Context<'_>,
    input: Option<&str>,
) -> Result<Prepared, String> {
    if let Some(why) = ctx.unavailable(spec) {
        return Err(why);
    }
    let mut changes = Vec::new();
    let mut values = Vec::new();
    let mut target = ctx.target.cloned();
    let (step, display) = match &spec.kind {
        ActionKind::Redis { op } => {
            let (step, display, to) = redis_step(*op, ctx, input, &mut changes)?;
            if to.is_some() {
                target = to;
            }
            (step, display)
        }
        ActionKind::External {
            commands,
            down_commands,
            stdin,
        } => {
            let vars = ctx.vars();
            let commands = match down_commands {
                Some(d) if ctx.down => d,
                _ => commands,
            };
            values = ctx.value_lines(commands);
            let filled = commands
                .iter()
                .map(|argv| placeholders::fill_argv(argv, &vars))
                .collect::<Result<Vec<_>, _>>()?;
            let display = filled.iter().map(|a| shell_words(a)).collect();
            (
                Step::External {
                    commands: filled,
                    stdin: stdin.clone(),
                },
                display,
            )
        }
        ActionKind::Http { url } => {
            let url = placeholders::fill(url, &ctx.vars())?;
            (Step::Http { url: url.clone() }, vec![format!("GET {url}")])
        }
        ActionKind::Docker { op, command, stdin } => {
            super::docker_steps::step(*op, command, stdin.as_ref(), ctx)?
        }
    };
    // Lowering maxmemory is destructive even though raising it is not.
    let lowering = changes.iter().any(|c| c.ends_with(LOWER_NOTE));
    Ok(Prepared {
        target,
        name: spec.name.clone(),
        title: ctx.shown_title(&spec.title),
        step,
        timeout: spec.timeout(),
        destructive: spec.destructive || lowering,
        mitigation: spec.mitigation,
        confirm_twice: spec.confirm_twice,
        display,
        changes,
        // Only where they concern the action: a fork (BGSAVE, AOF rewrite) or what a
        // destructive action interrupts; not beside `df -h`.
        blockers: if forks(spec) || spec.destructive {
            ctx.blockers()
        } else {
            Vec::new()
        },
        values,
    })
}

/// The step, what the dialog shows, and the server it goes to when not the target (a
/// Sentinel, the replica picked).
type RedisStep = (Step, Vec<String>, Option<Target>);

fn redis_step(
    op: RedisOp,
    ctx: &Context<'_>,
    input: Option<&str>,
    changes: &mut Vec<String>,
) -> Result<RedisStep, String> {
    let config = |k: &str| ctx.config.and_then(|c| c.get(k)).map(str::to_string);
    let mut to = None;
    let args: Vec<String> = match op {
        RedisOp::SentinelCkquorum
        | RedisOp::SentinelFailover
        | RedisOp::ReplicaPromote
        | RedisOp::Failover
        | RedisOp::ClusterFailover
        | RedisOp::ClusterFailoverForce
        | RedisOp::ClusterFailoverTakeover => {
            let (args, server) = super::group_steps::args(op, ctx, input, changes)?;
            to = server;
            args
        }
        RedisOp::SetMaxmemory => {
            let raw = input.ok_or("type a value such as 2gb or 512mb")?;
            let bytes = parse_size(raw)?;
            if let Some(ram) = ctx.machine_ram.filter(|r| bytes > *r) {
                return Err(format!(
                    "{raw} is more than this machine's RAM ({ram} bytes)"
                ));
            }
            let from = config("maxmemory")
                .or_else(|| ctx.info.and_then(|i| i.maxmemory).map(|m| m.to_string()));
            let lowering = match from.as_deref().and_then(|f| f.parse::<u64>().ok()) {
                // 0 is "no limit": any limit is lower.
                Some(0) => bytes != 0,
                Some(cur) => bytes != 0 && bytes < cur,
                None => false,
            };
            let note = if lowering { LOWER_NOTE } else { "" };
            let from = from.map_or_else(|| "?".into(), |f| f.parse::<u64>().map_or(f, limit_words));
            changes.push(format!("maxmemory: {from} → {}{note}", limit_words(bytes)));
            // What the new limit means against the memory in use.
            if let Some(used) = ctx.info.and_then(|i| i.used_memory)
                && bytes > 0
            {
                let share = used as f64 * 100.0 / bytes as f64;
                let then = if used >= bytes {
                    "above it: keys are evicted or writes refused at once"
                } else {
                    "of it"
                };
                changes.push(format!(
                    "in use now: {} = {} {then}",
                    crate::format::bytes(used),
                    crate::format::pct(share)
                ));
            }
            vec![bytes.to_string()]
        }
        RedisOp::SetMaxmemoryPolicy => {
            let p = input.ok_or("pick a policy")?;
            if !POLICIES.contains(&p) {
                return Err(format!(
                    "{p:?} is not a maxmemory policy ({})",
                    POLICIES.join(", ")
                ));
            }
            let from = config("maxmemory-policy")
                .or_else(|| ctx.info.and_then(|i| i.maxmemory_policy.clone()));
            changes.push(format!(
                "maxmemory-policy: {} → {p}",
                from.unwrap_or_else(|| "?".into())
            ));
            vec![p.to_string()]
        }
        RedisOp::ClientKill => {
            // By id as a number (10 after 9), the order they are killed in.
            let mut clients: Vec<&ClientRef> = ctx.clients.iter().collect();
            clients.sort_by_key(|c| c.id);
            for c in &clients {
                changes.push(format!(
                    "kill client id={} addr={} name={}",
                    c.id, c.addr, c.name
                ));
            }
            clients.iter().map(|c| c.id.to_string()).collect()
        }
        _ => Vec::new(),
    };
    let config_command = ctx.config_command().to_string();
    let display = redis_display(op, &args, &config_command);
    let step = Step::Redis {
        op,
        args,
        config_command,
    };
    Ok((step, display, to))
}

/// The Redis commands as they will be sent (see [`ops::argvs`]).
pub fn redis_display(op: RedisOp, args: &[String], config_command: &str) -> Vec<String> {
    ops::argvs(op, args, config_command)
        .iter()
        .map(|argv| argv.join(" "))
        .collect()
}

/// An argv shown as a shell would need it typed (for the dialog only; nothing is run by a
/// shell). Escaped, so a value cannot write control bytes to the terminal.
///
/// Not `shlex::try_join`: its single quotes pass control, bidi and invalid bytes through to
/// the terminal unchanged, where this quotes them redis-cli's way (`escape::quoted`).
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let clean = !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
            if clean {
                a.clone()
            } else {
                crate::escape::quoted(a.as_bytes())
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 22 item 9: the blockers that concern the action, limits in human units beside
    /// the bytes, and what a new maxmemory means against the memory in use.
    #[test]
    fn a_confirmation_says_what_concerns_the_action_in_human_units() {
        let rb = super::super::spec::Runbook::parse(super::super::spec::DEFAULT_RUNBOOK, "shipped")
            .expect("runbook");
        let info = Info {
            used_memory: Some(48 << 20),
            maxmemory: Some(0),
            latest_fork_usec: Some(1840),
            rdb_last_cow_size: Some(4096),
            ..Info::default()
        };
        let target = crate::target::Target::local_default();
        let mut config = ConfigValues::default();
        config.values.insert("dir".into(), "/var/lib/redis".into());
        let ctx = Context {
            target: Some(&target),
            up: true,
            info: Some(&info),
            config: Some(&config),
            ..Context::default()
        };
        let spec = |n: &str| rb.find(n).expect(n);
        let mm = prepare(spec("maxmemory"), &ctx, Some("64mb")).expect("maxmemory");
        assert_eq!(
            mm.changes,
            vec![
                "maxmemory: no limit (0) → 64.0 MB (67108864) (lower: keys may be evicted or writes refused)"
                    .to_string(),
                "in use now: 48.0 MB = 75.0% of it".to_string(),
            ]
        );
        let df = prepare(spec("disk-usage"), &ctx, None).expect("df");
        assert!(df.blockers.is_empty(), "{:?}", df.blockers);
        let bgsave = prepare(spec("bgsave"), &ctx, None).expect("bgsave");
        assert!(
            bgsave.blockers.iter().any(|b| b.contains("copy-on-write")),
            "{:?}",
            bgsave.blockers
        );
    }

    #[test]
    fn no_container_has_one_reason_whichever_precondition_asks() {
        let rb = super::super::spec::Runbook::parse(super::super::spec::DEFAULT_RUNBOOK, "shipped")
            .expect("runbook");
        let ctx = Context::default();
        let why = |name: &str| ctx.unavailable(rb.find(name).expect(name));
        let found = why("container-restart");
        assert!(
            found
                .as_deref()
                .is_some_and(|w| w.starts_with("no container found")),
            "{found:?}"
        );
        assert_eq!(why("container-ping"), found);
        assert_eq!(why("container-disk-usage"), found);
    }

    #[test]
    fn an_action_is_greyed_by_the_commands_it_sends() {
        let rb = crate::runbook::spec::Runbook::default_runbook();
        let mut ctx = Context {
            up: true,
            ..Context::default()
        };
        ctx.missing_commands
            .insert("BGSAVE".into(), "disabled (rename-command)".into());
        ctx.missing_commands
            .insert("CONFIG".into(), "disabled (rename-command)".into());
        let why = |ctx: &Context<'_>, name: &str| ctx.unavailable(rb.find(name).expect(name));
        assert_eq!(
            why(&ctx, "bgsave").as_deref(),
            Some("BGSAVE disabled (rename-command)")
        );
        assert_eq!(
            why(&ctx, "maxmemory").as_deref(),
            Some("CONFIG disabled (rename-command)")
        );
        assert_eq!(why(&ctx, "ping"), None);
        assert_eq!(why(&ctx, "memory-purge"), None);
        // CONFIG renamed: the actions send the new name, which the server has.
        ctx.config_command = "cfg-x".into();
        assert_eq!(why(&ctx, "maxmemory"), None);
        let p =
            prepare(rb.find("maxmemory").expect("maxmemory"), &ctx, Some("1mb")).expect("prepared");
        assert_eq!(p.display, ["cfg-x SET maxmemory 1048576"]);
    }
}
