//! Settings: the command line merged over the optional TOML config file, validated before
//! the terminal changes mode. Command-line flags win over the file; the file wins over defaults.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser as _;

pub mod cli;
mod error;
mod file;
pub mod manual;
mod poll;
pub mod prom;
pub mod sentinel;

pub use error::ConfigError;
pub(crate) use error::flag_error;
pub use file::{FileConfig, config_dir, default_config_path, load_file, parse_file};
use poll::{DURATION_HINT, build_poll};
pub use poll::{MAX_INTERVAL, MIN_INTERVAL, MIN_SLOW_INTERVAL, validate_thresholds};

use crate::escape::{display_path, quoted};
use crate::format;
use crate::modes::{ActionRequest, Mode, Settings};
use crate::target;
use cli::{Cli, Command, Flags};

/// The mode a subcommand asks for, and the positional URL it was given.
fn mode_of(cli: &Cli) -> Result<(Mode, Option<&str>), ConfigError> {
    Ok(match cli.command {
        None => (Mode::Tui, cli.url.as_deref()),
        Some(Command::Snapshot { ref url, json, .. }) => (Mode::Snapshot { json }, url.as_deref()),
        Some(Command::Check { ref url, .. }) => (Mode::Check, url.as_deref()),
        Some(Command::Demo) => (Mode::Demo, None),
        Some(Command::Drill(ref d)) => (drill_mode(d)?, None),
        Some(Command::Action {
            ref name,
            ref url,
            yes,
            ref arg,
            ref client_ids,
            list,
        }) => (
            Mode::Action(ActionRequest {
                name: name.clone().unwrap_or_default(),
                yes,
                arg: arg.clone(),
                client_ids: client_ids.clone(),
                list,
            }),
            url.as_deref(),
        ),
        Some(Command::Fleet { ref url }) => (Mode::Fleet, url.as_deref()),
        Some(Command::Acl {
            ref monitor_user,
            ref operator_user,
        }) => {
            const USER_HINT: &str = "expected a user name without spaces, quotes or < >";
            if !crate::modes::acl::valid_user(monitor_user) {
                return Err(flag_error("--monitor-user", monitor_user, USER_HINT));
            }
            if !crate::modes::acl::valid_user(operator_user) {
                return Err(flag_error("--operator-user", operator_user, USER_HINT));
            }
            if monitor_user == operator_user {
                return Err(ConfigError::Conflict(
                    "--monitor-user and --operator-user must differ".into(),
                ));
            }
            (
                Mode::Acl {
                    monitor_user: monitor_user.clone(),
                    operator_user: operator_user.clone(),
                },
                None,
            )
        }
        Some(Command::Report {
            ref log,
            ref output,
            ref since,
        }) => (report_mode(log, output.as_ref(), since.as_deref())?, None),
        Some(Command::Collect {
            ref url,
            ref run_for,
            print_view,
        }) => (
            Mode::Collect {
                run_for: format::parse_duration(run_for)
                    .ok_or_else(|| flag_error("--for", run_for, DURATION_HINT))?,
                print_view,
            },
            url.as_deref(),
        ),
        Some(Command::Replay {
            ref file,
            ref speed,
        }) => (replay_mode(file, speed)?, None),
        // Filled in by `settings_from_args` once the runbook and the config file are known.
        Some(Command::Completions { .. } | Command::Runbook { .. } | Command::Config { .. }) => {
            (Mode::Print(String::new()), None)
        }
        Some(Command::Manpage) => (Mode::Print(manual::man_page()), None),
    })
}

/// Parses the command line (`args` includes the program name) and the config file into
/// [`Settings`]. Reads only the config file and the TLS files; `env` looks up
/// `REDISCLI_AUTH`, `NO_COLOR`, `XDG_CONFIG_HOME` and `HOME`.
/// The exit code of a run that could not start (a bad flag, a bad config file): 3 for `check`,
/// which monitoring systems read as UNKNOWN (the plugin could not run; 2 would be CRIT), 2 for
/// everything else. The subcommand is the first argument that names one.
pub fn usage_exit_code(args: &[OsString]) -> u8 {
    use clap::CommandFactory as _;
    let cmd = Cli::command();
    let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
    let first = (args.iter().skip(1))
        .filter_map(|a| a.to_str())
        .find(|a| names.contains(a));
    if first == Some("check") { 3 } else { 2 }
}

pub fn settings_from_args<I, T>(
    args: I,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    let flags = &cli.flags;
    let path = flags.config.clone().or_else(|| default_config_path(env));
    let file = match &path {
        Some(p) => load_file(p)?,
        None => FileConfig::default(),
    };
    let source = path.as_deref().map_or_else(String::new, display_path);
    if let (Some(url), Some(_)) = (&cli.url, &cli.command) {
        return Err(ConfigError::Conflict(format!(
            "URL {} given before the subcommand; put it after, like: redtriage snapshot URL",
            quoted(target::mask_url(url).as_bytes())
        )));
    }
    let (mut mode, positional) = mode_of(&cli)?;
    check_record(flags, &mode)?;
    let runbook = load_runbook(flags.runbook.as_deref(), env)?;
    let templates = load_templates(flags.templates.as_deref(), env)?;
    let log_path = flags
        .incident_log
        .clone()
        .or_else(|| crate::actions::log::default_path(env));
    if let Mode::Print(text) = &mut mode
        && let Some(t) = printed(
            &cli,
            &runbook,
            path.as_deref(),
            flags.runbook.as_deref(),
            env,
        )
    {
        *text = t;
    }
    let mut warnings = Vec::new();
    let file_url = file.url.as_deref().map(|u| (source.as_str(), u));
    let sentinel_url = match positional.or(flags.url_flag.as_deref()) {
        Some(u) if sentinel::is_sentinel_url(u) => {
            Some(sentinel::parse_url(u).map_err(|reason| ConfigError::Url {
                url: sentinel::masked(u),
                reason,
            })?)
        }
        _ => None,
    };
    let positional = positional.filter(|u| !sentinel::is_sentinel_url(u));
    let mut target = cli::build_target(flags, positional, file_url, env, &mut warnings)?;
    if let Some(u) = &sentinel_url {
        // The URL's credentials are the data nodes'; the flags still win.
        if flags.user.is_none() && u.user.is_some() {
            target.user.clone_from(&u.user);
        }
        if flags.password.is_none() && u.password.is_some() {
            target.password.clone_from(&u.password);
        }
        if u.tls && target.tls.is_none() {
            target.tls = Some(crate::target::TlsSettings::default());
        }
    }
    let sentinel = sentinel::build(
        &flags.sentinel,
        file.sentinel.as_ref(),
        sentinel_url.as_ref(),
        (&source, &target),
        env,
    )?;
    let mut poll = build_poll(flags, &file, &source, &mut warnings)?;
    let thresholds = file.thresholds.clone().unwrap_or_default();
    validate_thresholds(&thresholds, &source)?;
    let prometheus = prom::build(&flags.prom, file.prometheus.as_ref(), &source, &target, env)?;
    poll.latency_target = Duration::try_from_secs_f64(thresholds.latency_warn_ms / 1000.0)
        .unwrap_or(poll.latency_target);
    let no_color_env = env("NO_COLOR").is_some_and(|v| !v.is_empty());
    let docker = crate::docker::settings::build(
        flags.container.as_deref(),
        flags.compose_service.as_deref(),
        file.docker.as_ref(),
        &target,
    );
    let window = headless_window(&cli, &poll)?;
    Ok(Settings {
        mode,
        window,
        target,
        poll,
        thresholds,
        color: !(flags.no_color || no_color_env || file.no_color == Some(true)),
        read_only: flags.read_only,
        askpass: flags.askpass,
        runbook,
        log_path,
        warnings,
        docker,
        prometheus,
        templates,
        record: flags.record.clone(),
        sentinel,
        cluster: flags.cluster,
    })
}

/// The text `completions`, `runbook` and `config` print: the script for the runbook in use,
/// the shipped files with `--print`, else which file is in use and how to get one to edit.
fn printed(
    cli: &Cli,
    runbook: &crate::runbook::Runbook,
    config: Option<&Path>,
    runbook_flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let dir = config_dir(env).map_or_else(|| "~/.config/redtriage".into(), |d| display_path(&d));
    Some(match cli.command.as_ref()? {
        Command::Completions { shell } => manual::completions(*shell, runbook),
        Command::Runbook { print: true } => crate::runbook::DEFAULT_RUNBOOK.to_string(),
        Command::Config { print: true } => EXAMPLE_CONFIG.to_string(),
        Command::Runbook { print: false } => {
            let in_use = runbook_flag
                .map(Path::to_path_buf)
                .or_else(|| user_runbook(env))
                .map_or_else(|| "the shipped one".into(), |p| display_path(&p));
            format!(
                "runbook in use: {in_use}
to edit it: redtriage runbook --print > {dir}/runbook.toml
"
            )
        }
        Command::Config { print: false } => {
            let in_use = config.map_or_else(|| "none (the defaults)".into(), display_path);
            format!(
                "config file in use: {in_use}
to write one: redtriage config --print > {dir}/config.toml
"
            )
        }
        _ => return None,
    })
}

/// The shipped example config file (`redtriage config --print`).
pub const EXAMPLE_CONFIG: &str = include_str!("../../assets/config.toml");

/// `$XDG_CONFIG_HOME/redtriage/runbook.toml`, when it exists.
fn user_runbook(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    config_dir(env)
        .map(|d| d.join("runbook.toml"))
        .filter(|p| p.exists())
}

/// `--runbook FILE`, else `$XDG_CONFIG_HOME/redtriage/runbook.toml` when it exists, else the
/// shipped runbook. Validated here, before the terminal changes mode.
fn load_runbook(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::runbook::spec::Runbook, ConfigError> {
    use crate::runbook::spec::Runbook;
    if let Some(p) = flag {
        return Runbook::load(p).map_err(ConfigError::Runbook);
    }
    match user_runbook(env) {
        Some(p) => Runbook::load(&p).map_err(ConfigError::Runbook),
        None => Runbook::parse(crate::runbook::spec::DEFAULT_RUNBOOK, "assets/runbook.toml")
            .map_err(ConfigError::Runbook),
    }
}

/// `--templates DIR` (must exist), else `$XDG_CONFIG_HOME/redtriage/templates` when it
/// exists, else the shipped templates; checked here, before the terminal changes mode.
fn load_templates(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<crate::model::comms::Templates, ConfigError> {
    match flag {
        Some(dir) => file::load_templates(Some(dir), true),
        None => file::load_templates(
            config_dir(env).map(|d| d.join("templates")).as_deref(),
            false,
        ),
    }
    .map_err(ConfigError::Conflict)
}

/// `report LOG [-o FILE] [--since RFC3339]`.
fn report_mode(
    log: &Path,
    output: Option<&PathBuf>,
    since: Option<&str>,
) -> Result<Mode, ConfigError> {
    let since = match since {
        Some(s) => Some(crate::report::parse::parse_time(s).ok_or_else(|| {
            flag_error(
                "--since",
                s,
                "expected an RFC 3339 time like 2026-11-25T20:06:18Z",
            )
        })?),
        None => None,
    };
    Ok(Mode::Report(crate::report::Request {
        log: log.to_path_buf(),
        output: output.cloned(),
        since,
    }))
}

/// `replay FILE --speed N`, the speed checked.
fn replay_mode(file: &Path, speed: &str) -> Result<Mode, ConfigError> {
    match crate::record::Speed::parse(speed) {
        Some(_) => Ok(Mode::Replay {
            file: file.to_path_buf(),
            speed: speed.to_string(),
        }),
        None => Err(flag_error("--speed", speed, SPEED_HINT)),
    }
}

/// `snapshot`/`check` `--window`: at least one interval (they measure rates between
/// samples), at most 10 minutes; and an `--interval` below the shortest one they can measure
/// a rate over is refused for them rather than clamped.
fn headless_window(
    cli: &Cli,
    poll: &target::PollSettings,
) -> Result<Option<Duration>, ConfigError> {
    let Some(Command::Snapshot { window, .. } | Command::Check { window, .. }) = &cli.command
    else {
        return Ok(None);
    };
    if let Some(raw) = &cli.flags.interval
        && format::parse_duration(raw).is_some_and(|d| d < poll::MIN_INTERVAL)
    {
        return Err(flag_error(
            "--interval",
            raw,
            &format!(
                "check and snapshot measure rates between samples: at least {}",
                format::format_duration(poll::MIN_INTERVAL)
            ),
        ));
    }
    let Some(raw) = window else {
        return Ok(None);
    };
    let d =
        format::parse_duration(raw).ok_or_else(|| flag_error("--window", raw, DURATION_HINT))?;
    if d < poll.interval || d > Duration::from_secs(600) {
        return Err(flag_error(
            "--window",
            raw,
            &format!(
                "between the interval ({}) and 10m",
                format::format_duration(poll.interval)
            ),
        ));
    }
    Ok(Some(d))
}

/// `--record` only where samples flow: the dashboard, demo and collect.
fn check_record(flags: &Flags, mode: &Mode) -> Result<(), ConfigError> {
    let recordable = matches!(
        mode,
        Mode::Tui
            | Mode::Demo
            | Mode::Collect { .. }
            | Mode::Drill {
                headless: false,
                ..
            }
    );
    if flags.record.is_some() && !recordable {
        return Err(ConfigError::Conflict(
            "--record works with the dashboard, demo, drill (not --headless) and collect".into(),
        ));
    }
    Ok(())
}

/// `--askpass`: prompts `Please input password: ` on the terminal and stores the answer.
pub fn ask_password(settings: &mut Settings) -> std::io::Result<()> {
    if settings.askpass {
        let password = rpassword::prompt_password("Please input password: ")?;
        settings.target.password = Some(crate::target::Secret::new(password));
    }
    if let Some(s) = settings.sentinel.as_mut().filter(|s| s.askpass) {
        let password = rpassword::prompt_password("Please input the Sentinels' password: ")?;
        s.auth.password = Some(crate::target::Secret::new(password));
    }
    Ok(())
}

/// What `--speed` takes.
const SPEED_HINT: &str = "expected a positive number (1, 4, 0.5) or max";

/// `drill list` / `drill <scenario>` (clap already checked the name).
fn drill_mode(d: &cli::DrillArgs) -> Result<Mode, ConfigError> {
    let choice = crate::modes::drill::DrillChoice::from_name(&d.scenario)
        .ok_or_else(|| flag_error("drill", &d.scenario, "see redtriage drill list"))?;
    Ok(Mode::Drill {
        choice,
        headless: d.headless,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // no clippy.toml `allow-unwrap-in-tests` yet
mod tests;
