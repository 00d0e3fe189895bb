//! The binary's command line: bad flags and config files exit 2 before anything else, quoting
//! the bad value; `--help` and the password warning look like redis-cli's.
#![allow(clippy::unwrap_used)] // no clippy.toml `allow-unwrap-in-tests` yet

use predicates::prelude::*;
use test_case::test_case;

// The binary with no user config file and no password or color settings from the caller.
use crate::common::bin::at_home as redtriage;

fn write_config(home: &tempfile::TempDir, text: &str) -> String {
    let path = home.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test_case(&["--interval", "fast"], r#"invalid --interval "fast": expected a duration"#; "interval")]
#[test_case(&["--timeout", "0"], r#"invalid --timeout "0": must be greater than 0"#; "timeout zero")]
#[test_case(&["-p", "70000"], r#"invalid -p "70000": port must be 1–65535"#; "port")]
#[test_case(&["-n", "-1"], r#"invalid -n "-1""#; "db")]
#[test_case(&["--tls", "--cacert", "/nonexistent"], r#"cannot read --cacert "/nonexistent""#; "cacert")]
#[test_case(&["--cacert", "/etc/hostname"], "--cacert needs --tls or a rediss:// URL"; "cacert without tls")]
#[test_case(&["--tls", "--cert", "/etc/hostname"], "--cert needs --key"; "cert without key")]
#[test_case(&["http://x"], r#"invalid URL "http://x": unsupported scheme "http""#; "http url")]
#[test_case(&["snapshot", "redis://u:pw@h:99999"], r#"invalid URL "redis://u:****@h:99999": port "99999""#; "masked url")]
#[test_case(&["-u", "redis://a", "redis://b"], r#"both a URL argument "redis://b" and -u "redis://a""#; "two urls")]
#[test_case(&["--config", "/nonexistent.toml"], "cannot read config /nonexistent.toml"; "missing config")]
fn bad_flags_exit_2_quoting_the_value(args: &[&str], message: &str) {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(args)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("redtriage: ").and(predicate::str::contains(message)));
}

/// `check` is a monitoring plugin: one that cannot run is UNKNOWN (3), not CRIT (2).
#[test_case(&["check", "--interval", "fast"], r#"invalid --interval "fast""#; "bad flag value")]
#[test_case(&["check", "--no-such-flag"], "unexpected argument '--no-such-flag'"; "unknown flag")]
#[test_case(&["--interval", "1s", "check", "--config", "/nonexistent.toml"], "cannot read config /nonexistent.toml"; "missing config after a global flag")]
fn check_exits_3_when_it_cannot_run(args: &[&str], message: &str) {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(args)
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(message));
    // The other subcommands keep 2.
    let mut other: Vec<&str> = args.to_vec();
    let at = other.iter().position(|a| *a == "check").unwrap();
    other[at] = "snapshot";
    redtriage(&home).args(&other).assert().code(2);
}

/// `check` and `snapshot` measure rates between samples: an interval too short to is refused
/// (not clamped), and a `--window` shorter than the interval too (issue 22 item 4).
#[test_case(&["check", "--interval", "0"], 3, r#"invalid --interval "0": check and snapshot measure rates between samples: at least 100ms"#; "check interval 0")]
#[test_case(&["snapshot", "--interval", "10ms"], 2, r#"invalid --interval "10ms""#; "snapshot interval 10ms")]
#[test_case(&["check", "--window", "500ms"], 3, r#"invalid --window "500ms": between the interval (1s) and 10m"#; "window below the interval")]
#[test_case(&["snapshot", "--window", "soon"], 2, r#"invalid --window "soon""#; "window not a duration")]
fn headless_windows_are_checked(args: &[&str], code: i32, message: &str) {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(args)
        .assert()
        .code(code)
        .stdout("")
        .stderr(predicate::str::contains(message));
}

/// `drill` alone lists the scenarios (issue 22 item 14), as `drill list` does.
#[test]
fn drill_without_a_scenario_lists_them() {
    let home = tempfile::tempdir().unwrap();
    let listed = redtriage(&home).args(["drill", "list"]).output().unwrap();
    assert!(listed.status.success());
    redtriage(&home)
        .arg("drill")
        .assert()
        .success()
        .stdout(predicate::eq(listed.stdout.as_slice()))
        .stdout(predicate::str::contains("aof-corrupt"));
}

#[test_case("colour = true\n", "line 1: unknown field `colour`"; "unknown key")]
#[test_case(
    "[thresholds]\nmemory_warn_percent = 95\n",
    "thresholds.memory_warn_percent = 95 must be below memory_crit_percent = 90";
    "threshold order"
)]
fn bad_config_file_exits_2_naming_file_and_key(text: &str, message: &str) {
    let home = tempfile::tempdir().unwrap();
    let path = write_config(&home, text);
    redtriage(&home)
        .args(["--config", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "redtriage: config {path}"
        )))
        .stderr(predicate::str::contains(message));
}

#[test]
fn default_config_file_is_read() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("xdg/redtriage");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "interval = \"nope\"\n").unwrap();
    redtriage(&home)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            r#"interval = "nope" is not valid"#,
        ));
}

/// A loopback URL where nothing listens, so `check` fails fast with UNKNOWN (3).
fn nowhere() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", l.local_addr().unwrap().port())
}

#[test_case(&["check", "-a", "secret", "-u"], ""; "dash a")]
#[test_case(&["check"], ":secret@"; "url password")]
#[test_case(&["check", "-u"], "u:secret@"; "dash u")]
fn password_on_command_line_warns(args: &[&str], auth: &str) {
    let home = tempfile::tempdir().unwrap();
    let url = format!("redis://{auth}{}", nowhere());
    redtriage(&home).args(args).arg(&url).args(["--timeout", "200ms"]).assert().code(3).stderr(
        "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
    );
}

#[test]
fn rediscli_auth_does_not_warn() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .env("REDISCLI_AUTH", "secret")
        .args(["check", &format!("redis://{}", nowhere())])
        .assert()
        .code(3)
        .stderr("");
}

#[test]
fn interval_is_clamped_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        // Where samples flow on (collect, the dashboard); check and snapshot refuse it.
        .args([
            "collect",
            &format!("redis://{}", nowhere()),
            "--for",
            "300ms",
            "--interval",
            "10ms",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            r#"--interval "10ms" was clamped to 100ms"#,
        ));
}

#[test]
fn dashboard_without_a_terminal_says_so() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .arg(format!("redis://{}", nowhere()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a terminal"));
}

#[test]
fn help_lists_subcommands_and_flags() {
    let home = tempfile::tempdir().unwrap();
    let assert = redtriage(&home).arg("--help").assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for word in [
        "snapshot",
        "check",
        "demo",
        "-h <HOST>",
        "-a <PASSWORD>",
        "--askpass",
        "--tls",
    ] {
        assert!(out.contains(word), "{word} missing from:\n{out}");
    }
}

#[test]
fn dash_h_is_the_host_not_help() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(["-h", "localhost", "snapshot", "--json"])
        .assert()
        .success();
    redtriage(&home).arg("-h").assert().code(2);
}

#[test]
fn version() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("redtriage "));
}

#[test]
fn version_names_the_commit_and_the_target() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home).arg("--version").assert().success().stdout(
        predicate::str::is_match(
            r"^redtriage \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown), [a-z0-9_]+-[a-z0-9_-]+\)\n$",
        )
        .unwrap(),
    );
}

/// A runbook of one action, `flush-my-cache`, in `home`.
fn my_runbook(home: &tempfile::TempDir) -> std::path::PathBuf {
    let rb = home.path().join("mine.toml");
    std::fs::write(
        &rb,
        "[[action]]\nname = \"flush-my-cache\"\ntitle = \"t\"\nkind = \"redis\"\nop = \"ping\"\n",
    )
    .unwrap();
    rb
}

#[test]
fn completions_complete_the_actions_of_the_runbook_in_use() {
    let home = tempfile::tempdir().unwrap();
    let rb = my_runbook(&home);
    for shell in ["bash", "zsh", "fish"] {
        redtriage(&home)
            .args(["completions", shell, "--runbook"])
            .arg(&rb)
            .assert()
            .success()
            .stdout(
                predicate::str::contains("flush-my-cache")
                    .and(predicate::str::contains("snapshot"))
                    .and(predicate::str::contains("oom"))
                    .and(predicate::str::contains("container-fix-aof-stopped").not()),
            );
    }
    redtriage(&home)
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tcsh"));
}

#[test]
fn runbook_and_config_print_the_shipped_files_and_say_which_are_in_use() {
    let home = tempfile::tempdir().unwrap();
    redtriage(&home)
        .args(["runbook", "--print"])
        .assert()
        .success()
        .stdout(include_str!("../../assets/runbook.toml"));
    redtriage(&home)
        .args(["config", "--print"])
        .assert()
        .success()
        .stdout(include_str!("../../assets/config.toml"));
    redtriage(&home)
        .arg("runbook")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "runbook in use: the shipped one\n",
        ));
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "interval = \"2s\"\n").unwrap();
    redtriage(&home)
        .args(["config", "--config"])
        .arg(&cfg)
        .assert()
        .success()
        .stdout(predicate::str::contains(cfg.to_str().unwrap()));
}

/// The bash script really completes: sourced in bash, asked as bash asks on tab.
#[test]
fn bash_completes_scenarios_and_action_names_on_tab() {
    let home = tempfile::tempdir().unwrap();
    let rb = my_runbook(&home);
    let out = redtriage(&home)
        .args(["completions", "bash", "--runbook"])
        .arg(&rb)
        .output()
        .unwrap();
    assert!(out.status.success());
    let script = home.path().join("redtriage.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |words: &str| {
        let ask = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=2; COMP_LINE='{words}'; \
             COMP_POINT=${{#COMP_LINE}}; _redtriage redtriage \"${{COMP_WORDS[2]}}\" \"${{COMP_WORDS[1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &ask])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("redtriage drill oo"), "oom\n");
    assert_eq!(complete("redtriage action fl"), "flush-my-cache\n");
}

/// Issue 22 item 10: messages a person can act on. A port where something else listens (a real
/// HTTP server) "does not speak RESP", with its first words; a server that wants a password
/// says so and how to give one, not HELLO's words.
#[test]
fn connection_failures_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let http = crate::actions::HttpServer::start(home.path());
    let out = redtriage(&home)
        .args(["check", &format!("redis://127.0.0.1:{}", http.1)])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("this port does not speak RESP"), "{text}");
    assert!(text.contains("got `"), "{text}");
    assert!(!text.contains("Parse error"), "{text}");
    let redis = crate::common::Redis::start(&["--requirepass", "s3cret"]);
    let out = redtriage(&home)
        .args(["check", &redis.url()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the server wants a password (-a, REDISCLI_AUTH or --askpass)"),
        "{text}"
    );
    assert!(!text.contains("HELLO"), "{text}");
    // A wrong one is still the server's word for it.
    let out = redtriage(&home)
        .env("REDISCLI_AUTH", "wrong")
        .args(["check", &redis.url()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("invalid username-password pair"), "{text}");
}
