//! Redis already down when redtriage starts, its AOF damaged (issue 20), with nothing in
//! `[settings.vars]` and no `--server-log`: the values come from what redtriage remembered of
//! the server the last time it answered, or from its config file and its log. From the
//! dashboard, `enter` on cause E opens `check-aof`, then `fix-aof` once the check reports the
//! damage, then `restart-plain`, which brings the server back; the report lists the steps.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::tmux::{Launch, Tmux};
use crate::common::{free_port, wait_until};

pub const LIMIT: Duration = Duration::from_secs(20);

/// A redis-server started the way an operator does: `redis-server redis.conf`, daemonized,
/// everything in the config file (AOF on, the log in the data dir). Killed through its
/// pidfile on drop, whoever started it last (the test or the restart action).
struct ConfServer {
    dir: tempfile::TempDir,
    port: u16,
}

impl ConfServer {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let d = dir.path().display();
        let conf = format!(
            "port {port}\nbind 127.0.0.1\ndir {d}\nappendonly yes\nappendfsync always\n\
             save \"\"\nlogfile {d}/redis.log\npidfile {d}/redis.pid\n"
        );
        std::fs::write(dir.path().join("redis.conf"), conf).expect("write redis.conf");
        Self { dir, port }
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("redis.conf")
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn answers(&self) -> bool {
        self.cli(&["PING"]).trim() == "PONG"
    }

    fn start(&self) {
        let status = Command::new("redis-server")
            .arg(self.conf())
            .args(["--daemonize", "yes"])
            .status()
            .expect("redis-server");
        assert!(status.success());
        wait_until("the server to answer", LIMIT, || self.answers());
    }

    /// SHUTDOWN (the AOF flushed), and the port closed.
    fn stop(&self) {
        self.cli(&["SHUTDOWN"]);
        wait_until("the server to stop", LIMIT, || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err()
        });
    }

    /// A line of garbage in the middle of the AOF's incremental file: Redis refuses to load
    /// it ("Bad file format reading the append only file").
    fn damage(&self) {
        crate::common::insert_garbage(&crate::common::incr_file(self.dir.path()));
        // It does not start now: the operator's attempt, in the foreground.
        let status = Command::new("redis-server")
            .arg(self.conf())
            .args(["--daemonize", "no"])
            .status()
            .expect("redis-server");
        assert!(!status.success(), "the server started on a damaged AOF");
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).expect("log");
        assert!(log.contains("Bad file format"), "{log}");
    }

    fn manifest(&self) -> String {
        (self
            .dir
            .path()
            .join("appendonlydir/appendonly.aof.manifest"))
        .display()
        .to_string()
    }
}

impl Drop for ConfServer {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.path().join("redis.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok());
        if let Some(pid) = pid {
            // SAFETY: kill(2) of the server this test started (its pidfile).
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

/// The dashboard on `url` with `state` as `XDG_STATE_HOME`, the incident log in `dir`.
fn dashboard(url: &str, state: &Path, log: &Path, extra: &[&str]) -> Tmux {
    let state_s = state.display().to_string();
    let log_s = log.display().to_string();
    let mut args = vec![url, "--interval", "200ms", "--incident-log", &log_s];
    args.extend_from_slice(extra);
    let how = Launch {
        env: &[("XDG_STATE_HOME", &state_s)],
        ..Launch::default()
    };
    Tmux::launch(&how, &args, 160, 48)
}

/// `enter` on cause E, the diagnosis's first cause, once it offers `action`: its
/// confirmation, once `shown` is on screen.
pub fn enter_on_e(tui: &Tmux, action: &str, shown: &str) -> String {
    // The diagnosis (`d`; the dashboard shows the panes again while an action runs).
    tui.wait_for("1 Memory", LIMIT);
    tui.keys("d");
    tui.wait_for("┌ Diagnosis", LIMIT);
    // E selected (the first cause, `▶`) and offering the action, on one screen.
    tui.wait_for_all(&["▶ E ", &format!("enter opens {action} ")], LIMIT);
    tui.keys("Enter");
    tui.wait_for(shown, LIMIT)
}

/// The whole repair from the dashboard, on a server that is down with a damaged AOF.
fn repair(server: &ConfServer, tui: &Tmux, source: &str) {
    // The top cause is E while the log says the AOF is damaged.
    let screen = enter_on_e(tui, "check-aof", "y = run");
    // The manifest, and where its parts came from.
    assert!(screen.contains(&server.manifest()), "{screen}");
    assert!(screen.contains(source), "{screen}");
    tui.keys("y");
    // The check reports the damage (exit 1): the next enter is the repair.
    tui.wait_for("exited with 1", LIMIT);
    tui.keys("Escape");
    let screen = enter_on_e(tui, "fix-aof", "type the target");
    assert!(screen.contains("redis-check-aof --fix"), "{screen}");
    tui.keys(&server.url());
    tui.keys("Enter");
    tui.wait_for("SECOND CONFIRMATION", LIMIT);
    tui.keys("y");
    tui.wait_for("exited with 0", LIMIT);
    tui.keys("Escape");
    // Then the restart, the way this server runs: its executable and its config file.
    let screen = enter_on_e(tui, "restart-plain", "type the target");
    let conf = server.conf().display().to_string();
    assert!(screen.contains(&conf), "{screen}");
    assert!(
        !screen.contains("redis-cli -h"),
        "nothing to shut down: {screen}"
    );
    tui.keys(&server.url());
    tui.keys("Enter");
    tui.wait_for("UP for", LIMIT);
    assert!(server.answers());
    // The watch the restart started ends STABLE.
    tui.wait_for("STABLE", Duration::from_secs(30));
}

/// The short watch of this test's runbook: the shipped one, `watch_window` 2 s.
pub fn runbook(dir: &Path) -> PathBuf {
    let shipped = redtriage::runbook::spec::DEFAULT_RUNBOOK;
    let text = shipped
        .replacen("watch_window = \"5m\"", "watch_window = \"2s\"", 1)
        .replacen("probe_every = \"10s\"", "probe_every = \"1s\"", 1);
    assert_ne!(text, shipped);
    let p = dir.join("runbook.toml");
    std::fs::write(&p, text).expect("write runbook");
    p
}

/// The postmortem report of the incident log, as Markdown.
pub fn report(log: &Path) -> String {
    let md = log.with_extension("md");
    let out = crate::common::bin::redtriage()
        .arg("report")
        .arg(log)
        .arg("-o")
        .arg(&md)
        .output()
        .expect("report");
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(&md).expect("report file")
}

#[test]
fn remembered_values_repair_a_server_that_is_down_at_start() {
    let server = ConfServer::new();
    server.start();
    for i in 0..200 {
        server.cli(&["SET", &format!("key:{i}"), "value"]);
    }
    let home = tempfile::tempdir().expect("tempdir");
    let state = home.path().join("state");
    let log = home.path().join("incident.jsonl");
    // Seen once, while it answers: its configuration is kept, privately.
    let file = state.join(format!(
        "redtriage/targets/127.0.0.1_{}_db0.json",
        server.port
    ));
    {
        let tui = dashboard(&server.url(), &state, &log, &[]);
        tui.wait_for("UP for", LIMIT);
        wait_until("the state file", LIMIT, || file.exists());
        tui.keys("q");
        tui.wait_gone(LIMIT);
    }
    let kept = std::fs::read_to_string(&file).expect("state file");
    assert!(
        kept.contains("appendonlydir") && kept.contains("redis.conf"),
        "{kept}"
    );
    server.stop();
    server.damage();
    let rb = runbook(home.path());
    let rb_s = rb.display().to_string();
    let tui = dashboard(&server.url(), &state, &log, &["--runbook", &rb_s]);
    tui.wait_for("DOWN", LIMIT);
    repair(&server, &tui, "seen ");
    assert_eq!(
        server
            .cli(&["DBSIZE"])
            .trim()
            .parse::<u64>()
            .ok()
            .map(|n| n > 0),
        Some(true)
    );
    tui.keys("q");
    tui.wait_gone(LIMIT);
    let md = report(&log);
    for step in ["check-aof", "fix-aof", "restart-plain"] {
        assert!(md.contains(step), "{step} not in the report:\n{md}");
    }
    assert!(
        md.contains("is not valid") || md.contains("Bad file format"),
        "{md}"
    );
}

#[test]
fn a_server_never_seen_is_found_through_its_config_file_and_log() {
    let server = ConfServer::new();
    server.start();
    for i in 0..200 {
        server.cli(&["SET", &format!("key:{i}"), "value"]);
    }
    server.stop();
    server.damage();
    let home = tempfile::tempdir().expect("tempdir");
    let state = home.path().join("state");
    let log = home.path().join("incident.jsonl");
    let rb = runbook(home.path());
    let (rb_s, conf_s) = (
        rb.display().to_string(),
        server.conf().display().to_string(),
    );
    let tui = dashboard(
        &server.url(),
        &state,
        &log,
        &["--runbook", &rb_s, "--redis-conf", &conf_s],
    );
    tui.wait_for("DOWN", LIMIT);
    // The log, found through the config file, says why it does not start.
    tui.wait_for("Bad file format", LIMIT);
    repair(&server, &tui, "(--redis-conf)");
    tui.keys("q");
    tui.wait_gone(LIMIT);
}

#[test]
fn a_hostile_byte_in_a_remembered_path_is_never_filled_in() {
    let home = tempfile::tempdir().expect("tempdir");
    let state = home.path().join("state");
    let port = free_port();
    let file = state.join(format!("redtriage/targets/127.0.0.1_{port}_db0.json"));
    std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
    // Private, as redtriage makes it (it trusts no other state file).
    {
        use std::os::unix::fs::PermissionsExt as _;
        let private = std::fs::Permissions::from_mode(0o700);
        std::fs::set_permissions(file.parent().expect("dir"), private).expect("chmod");
    }
    let text = format!(
        "{{\"target\": \"redis://127.0.0.1:{port}\", \"seen_unix\": 1, \"values\": \
         {{\"dir\": \"/tmp/x\\u001b]0;PWNED\\u0007\", \"appenddirname\": \"appendonlydir\", \
         \"executable\": \"/usr/bin/redis-server\", \"config_file\": \"/tmp/x/redis.conf\"}}}}"
    );
    std::fs::write(&file, text).expect("write state");
    let out = crate::common::bin::redtriage()
        .env("XDG_STATE_HOME", &state)
        .args([
            "action",
            "check-aof",
            &format!("redis://127.0.0.1:{port}"),
            "--yes",
        ])
        .arg("--incident-log")
        .arg(home.path().join("incident.jsonl"))
        .output()
        .expect("action");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_ne!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("no value for {aof_manifest_or_file}"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("redis-check-aof"), "it ran: {stdout}");
    assert!(
        !format!("{stdout}{stderr}").contains('\u{1b}'),
        "{stderr:?}"
    );
    // The rest of the file was read: the restart's plan has its binary and config file.
    let plan = crate::common::bin::redtriage()
        .env("XDG_STATE_HOME", &state)
        .args([
            "action",
            "restart-plain",
            &format!("redis://127.0.0.1:{port}"),
        ])
        .arg("--incident-log")
        .arg(home.path().join("incident.jsonl"))
        .output()
        .expect("action");
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan.contains("/usr/bin/redis-server /tmp/x/redis.conf --daemonize yes"),
        "{plan}"
    );
    assert!(plan.contains("seen "), "{plan}");
}

/// A server that hangs (SIGSTOP) answers nothing, but its process shows where it runs (its
/// working directory is its `dir`) and which AOF it holds open: the plan's paths come from
/// there, saying so.
#[test]
fn a_hung_server_is_found_through_its_process() {
    let server = ConfServer::new();
    server.start();
    server.cli(&["SET", "k", "v"]);
    let pid: i32 = std::fs::read_to_string(server.dir.path().join("redis.pid"))
        .expect("pidfile")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: kill(2) of the server this test started; SIGCONT below, SIGKILL on drop.
    unsafe {
        libc::kill(pid, libc::SIGSTOP);
    }
    let home = tempfile::tempdir().expect("tempdir");
    let out = crate::common::bin::redtriage()
        .env("XDG_STATE_HOME", home.path())
        .args(["action", "check-aof", &server.url(), "--timeout", "300ms"])
        .arg("--incident-log")
        .arg(home.path().join("incident.jsonl"))
        .output()
        .expect("action");
    // SAFETY: as above.
    unsafe {
        libc::kill(pid, libc::SIGCONT);
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = server.dir.path().display().to_string();
    assert!(
        text.contains(&format!("redis-check-aof {dir}/appendonlydir/")),
        "{text}"
    );
    assert!(
        text.contains(&format!("redis-server process pid {pid}")),
        "{text}"
    );
}
