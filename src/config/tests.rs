//! The config layer's tests: flags, files and environment → settings or a quoted error.

use super::*;
use crate::model::comms::{Kind, Templates};
use crate::target::{Address, PollSettings, Target, Thresholds};
use test_case::test_case;

fn no_env(_: &str) -> Option<String> {
    None
}

fn settings(args: &[&str]) -> Result<Settings, ConfigError> {
    settings_from_args(
        std::iter::once("redtriage").chain(args.iter().copied()),
        &no_env,
    )
}

fn with_file(text: &str, args: &[&str]) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let mut all = vec!["--config", path.to_str().unwrap()];
    all.extend_from_slice(args);
    settings(&all)
}

fn tcp(host: &str, port: u16) -> Address {
    Address::Tcp {
        host: host.into(),
        port,
    }
}

/// The defaults, with the state directory of this environment.
fn default_poll() -> PollSettings {
    PollSettings {
        state_dir: crate::collect::known::default_dir(),
        ..PollSettings::default()
    }
}

#[test]
fn defaults() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.mode, Mode::Tui);
    assert_eq!(s.target, Target::local_default());
    assert_eq!(s.poll, default_poll());
    assert_eq!(s.thresholds, Thresholds::default());
    assert!(s.color && !s.read_only && !s.askpass && s.warnings.is_empty());
}

#[test_case(&["snapshot", "--json"], Mode::Snapshot { json: true }; "snapshot json")]
#[test_case(&["snapshot"], Mode::Snapshot { json: false }; "snapshot text")]
#[test_case(&["check", "redis://h"], Mode::Check; "check")]
#[test_case(&["demo"], Mode::Demo; "demo")]
#[allow(clippy::needless_pass_by_value)]
fn modes(args: &[&str], mode: Mode) {
    assert_eq!(settings(args).unwrap().mode, mode);
}

#[test_case(&["redis://u:pw@h:1/2", "-h", "x"], &tcp("x", 1), 2, Some("u"), Some("pw"); "host over url")]
#[test_case(&["-u", "redis://h:1/2", "-p", "7", "-n", "3"], &tcp("h", 7), 3, None, None; "port db over -u")]
#[test_case(&["redis://u:pw@h", "--user", "v", "-a", "x"], &tcp("h", 6379), 0, Some("v"), Some("x"); "user pass over url")]
#[test_case(&["unix:///s.sock", "-p", "7000"], &tcp("127.0.0.1", 7000), 0, None, None; "port turns unix to tcp")]
#[test_case(&["snapshot", "-h", "[::1]", "--json"], &tcp("::1", 6379), 0, None, None; "ipv6 -h after subcommand")]
fn precedence(args: &[&str], address: &Address, db: i64, user: Option<&str>, pass: Option<&str>) {
    let t = settings(args).unwrap().target;
    assert_eq!(&t.address, address);
    assert_eq!(t.db, db);
    assert_eq!(t.user.as_deref(), user);
    assert_eq!(
        t.password
            .as_ref()
            .map(|p| p.expose().to_string())
            .as_deref(),
        pass
    );
}

#[test]
fn rediscli_auth_only_when_no_password_given() {
    let env = |k: &str| (k == "REDISCLI_AUTH").then(|| "envpw".to_string());
    let args = |a: &[&'static str]| std::iter::once("redtriage").chain(a.to_vec());
    let s = settings_from_args(args(&[]), &env).unwrap();
    assert_eq!(s.target.password.unwrap().expose(), "envpw");
    assert!(s.warnings.is_empty());
    let s = settings_from_args(args(&["redis://:urlpw@h"]), &env).unwrap();
    assert_eq!(s.target.password.unwrap().expose(), "urlpw");
    let s = settings_from_args(args(&["-a", "flagpw"]), &env).unwrap();
    assert_eq!(s.target.password.unwrap().expose(), "flagpw");
}

#[test_case(&["-a", "pw"], true; "dash a")]
#[test_case(&["redis://:pw@h"], true; "url password")]
#[test_case(&["-a", "pw", "--no-auth-warning"], false; "suppressed")]
#[test_case(&["redis://u@h"], false; "no password")]
fn password_warning(args: &[&str], warned: bool) {
    let s = settings(args).unwrap();
    assert_eq!(
        s.warnings.contains(&cli::PASSWORD_WARNING.to_string()),
        warned
    );
}

#[test]
fn debug_never_shows_the_password() {
    let s = settings(&["redis://u:hunter2@h", "-a", "s3cret", "--no-auth-warning"]).unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("s3cret") && !debug.contains("hunter2"),
        "{debug}"
    );
    assert!(debug.contains("****"));
}

#[test_case("10ms", 100, true; "below min")]
#[test_case("2m", 60_000, true; "above max")]
#[test_case("0.25", 250, false; "inside")]
fn interval_clamped(value: &str, millis: u128, warned: bool) {
    let s = settings(&["--interval", value]).unwrap();
    assert_eq!(s.poll.interval.as_millis(), millis);
    assert_eq!(s.warnings.iter().any(|w| w.contains("was clamped")), warned);
}

#[test]
fn flags_win_over_file() {
    let file = "interval = \"2s\"\ntimeout = 3\nurl = \"redis://f:1\"\nno_color = true\n\
                client_list_max_clients = 5\nconfig_command = \"CFG\"\nslow_interval = \"10s\"\n";
    let s = with_file(file, &[]).unwrap();
    assert_eq!(s.poll.interval, Duration::from_secs(2));
    assert_eq!(s.poll.timeout, Duration::from_secs(3));
    assert_eq!(s.poll.slow_interval, Duration::from_secs(10));
    assert_eq!(
        (
            s.poll.client_list_max_clients,
            s.poll.config_command.as_str()
        ),
        (5, "CFG")
    );
    assert_eq!(s.target.address, tcp("f", 1));
    assert!(!s.color);
    let s = with_file(
        file,
        &["--interval", "500ms", "redis://c", "--client-list-max", "9"],
    );
    let s = s.unwrap();
    assert_eq!(s.poll.interval, Duration::from_millis(500));
    assert_eq!(s.target.address, tcp("c", 6379));
    assert_eq!(s.poll.client_list_max_clients, 9);
}

#[test_case("[thresholds]\nmemory_warn_percent = 95", "thresholds.memory_warn_percent = 95 must be below memory_crit_percent = 90"; "memory order")]
#[test_case("[thresholds]\nhit_rate_warn_percent = 40", "thresholds.hit_rate_warn_percent = 40 must be above hit_rate_crit_percent = 50"; "hit rate order")]
#[test_case("[thresholds]\nlatency_warn_ms = 20", "thresholds.latency_warn_ms = 20 must be below latency_crit_ms = 10"; "latency order")]
#[test_case("[thresholds]\nclients_warn_percent = 100", "thresholds.clients_warn_percent = 100 must be below"; "clients order")]
#[test_case("[thresholds]\nclients_crit_percent = 120", "thresholds.clients_crit_percent = 120 must be between 0 and 100"; "percent range")]
#[test_case("[thresholds]\nlatency_crit_ms = -1", "thresholds.latency_crit_ms = -1 must be"; "negative ms")]
#[test_case("slow_interval = \"1s\"", "slow_interval = \"1s\" must be at least 5s"; "slow interval")]
#[test_case("interval = \"fast\"", "interval = \"fast\" is not valid"; "file interval")]
#[test_case("timeout = 0", "timeout = 0 must be greater than 0"; "file timeout")]
#[test_case("url = \"http://u:pw@x\"", "url = \"http://u:****@x\" is not a valid URL"; "file url masked")]
#[test_case("colour = true", "line 1: unknown field `colour`"; "unknown key")]
#[test_case("\n[thresholds]\nmemory_warn = 1", "line 3: unknown field `memory_warn`"; "unknown threshold")]
#[test_case("interval = \"1s\"\ninterval = \"2s\"", "line 2: duplicate key"; "duplicate key")]
#[test_case("[thresholds]\nmemory_warn_percent = \"90%\"", "line 2: expected a number (like 90 or 2.5), got the string \"90%\""; "number as string")]
#[test_case("client_list_max_clients = 1.5", "expected a whole number (like 1000), got floating point `1.5`"; "whole number")]
#[test_case("no_color = \"yes\"", "expected true or false, got the string \"yes\""; "boolean")]
fn bad_file(text: &str, message: &str) {
    let err = with_file(text, &[]).unwrap_err().to_string();
    assert!(err.starts_with("config /"), "{err}");
    assert!(err.contains(message), "{err}");
}

#[test]
fn default_path_from_xdg_then_home() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("redtriage")).unwrap();
    std::fs::write(xdg.join("redtriage/config.toml"), "interval = \"3s\"").unwrap();
    let xdg_s = xdg.to_str().unwrap().to_string();
    let env = move |k: &str| (k == "XDG_CONFIG_HOME").then(|| xdg_s.clone());
    let s = settings_from_args(["redtriage"], &env).unwrap();
    assert_eq!(s.poll.interval, Duration::from_secs(3));
    let home = dir.path().to_str().unwrap().to_string();
    let env = move |k: &str| (k == "HOME").then(|| home.clone());
    assert_eq!(default_config_path(&env), None);
}

#[test]
fn shipped_example_parses_and_documents_the_defaults() {
    let text = include_str!("../../assets/config.toml");
    let file = parse_file(text, Path::new("assets/config.toml")).unwrap();
    assert!(file.interval.is_none() && file.thresholds == Some(Thresholds::default()));
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(kv) if kv.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) => kv,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let s = with_file(&uncommented, &[]).unwrap();
    assert_eq!(s.poll, default_poll());
    assert_eq!(s.thresholds, Thresholds::default());
    assert_eq!(s.target, Target::local_default());
    assert!(s.color);
}

#[test]
fn templates_override_and_refuse_unknown_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("update.txt"), "X {status}\u{1b}[31m\r\n").unwrap();
    let t = file::load_templates(Some(dir.path()), true).unwrap();
    assert_eq!(t.get(Kind::Update), "X {status}[31m\n");
    assert_eq!(
        t.get(Kind::Initial),
        Templates::default().get(Kind::Initial)
    );
    std::fs::write(dir.path().join("initial.txt"), "{nope}").unwrap();
    let e = file::load_templates(Some(dir.path()), true).unwrap_err();
    assert!(
        e.contains("initial.txt\": unknown placeholder {nope}"),
        "{e}"
    );
    let missing = dir.path().join("missing");
    let e = file::load_templates(Some(&missing), true).unwrap_err();
    assert!(e.contains("--templates") && e.contains("missing\""), "{e}");
    assert!(file::load_templates(Some(&missing), false).is_ok());
}
