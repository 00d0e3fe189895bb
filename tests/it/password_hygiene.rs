//! The password, given through `-a`, the URL, `REDISCLI_AUTH` or `--askpass`, never shows: not
//! on screen, not in the incident log, a `--record` recording, a report, `snapshot --json`,
//! stdout or stderr, nor in `/proc/<pid>/cmdline` of the running dashboard.

use std::path::Path;
use std::time::Duration;

use crate::common::bin::redtriage;
use crate::common::tmux::Tmux;
use crate::common::{Redis, poll};

const SECRET: &str = "Hyg1ene-s3cret-PW";

/// How the password is handed over.
#[derive(Debug, Clone, Copy)]
enum Via {
    Flag,
    Url,
    Env,
    Askpass,
}

/// The arguments (and the shell prefix) that give the password `via` for `url`.
fn args_for(via: Via, redis: &Redis) -> (String, Vec<String>) {
    let url = redis.url();
    match via {
        Via::Flag => (String::new(), vec!["-a".into(), SECRET.into(), url]),
        Via::Url => (
            String::new(),
            vec![format!("redis://:{SECRET}@127.0.0.1:{}", redis.port)],
        ),
        Via::Env => (format!("REDISCLI_AUTH={SECRET}"), vec![url]),
        Via::Askpass => (String::new(), vec!["--askpass".into(), url]),
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "the password is in {what}:\n{text}");
}

fn read_all_files(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read");
            (
                e.path().display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}

/// The dashboard with the password given `via`: screen, cmdline, log, recording, report.
fn dashboard(via: Via) {
    let redis = Redis::start(&["--requirepass", SECRET]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("incident-log.jsonl");
    let rec = tmp.path().join("recording.jsonl");
    let (prefix, mut args) = args_for(via, &redis);
    args.extend([
        "--interval".to_string(),
        "200ms".into(),
        "--incident-log".into(),
        log.display().to_string(),
        "--record".into(),
        rec.display().to_string(),
        "--no-auth-warning".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let t = Tmux::start_with(&prefix, &args, 120, 40);
    let mut screens = Vec::new();
    if matches!(via, Via::Askpass) {
        screens.push(t.wait_for("password", Duration::from_secs(10)));
        t.keys(SECRET);
        // Not a wait: the prompt echoes nothing, so there is no sign to wait for; the pause
        // lets a wrong echo reach the screen before it is captured.
        std::thread::sleep(Duration::from_millis(200));
        screens.push(t.capture());
        t.keys("Enter");
    }
    screens.push(t.wait_for("UP for", Duration::from_secs(15)));
    let pid = t.pane_pid();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("redtriage"), "{cmdline}");
    assert_clean(&format!("/proc/{pid}/cmdline ({via:?})"), &cmdline);
    // ctrl+r writes the postmortem next to the incident log.
    t.keys("C-r");
    let written = poll(Duration::from_secs(10), Duration::from_millis(100), || {
        read_all_files(tmp.path())
            .iter()
            .any(|(p, _)| Path::new(p).extension().is_some_and(|e| e == "md"))
    });
    assert!(written, "no report written");
    screens.push(t.capture());
    t.keys("q");
    t.wait_gone(Duration::from_secs(10));
    for s in &screens {
        assert_clean(&format!("the screen ({via:?})"), s);
    }
    let report = tmp.path().join("report.md");
    redtriage()
        .arg("report")
        .arg(&log)
        .arg("-o")
        .arg(&report)
        .assert()
        .success();
    let files = read_all_files(tmp.path());
    assert!(files.len() >= 4, "log, recording, two reports: {files:?}");
    for (path, text) in files {
        assert!(!text.is_empty(), "{path} is empty");
        assert_clean(&format!("{path} ({via:?})"), &text);
    }
}

#[test]
fn dashboard_with_dash_a() {
    dashboard(Via::Flag);
}

#[test]
fn dashboard_with_the_url() {
    dashboard(Via::Url);
}

#[test]
fn dashboard_with_rediscli_auth() {
    dashboard(Via::Env);
}

#[test]
fn dashboard_with_askpass() {
    dashboard(Via::Askpass);
}

/// snapshot --json, check and an action: stdout and stderr, with a right and a wrong password.
#[test]
fn headless_output_never_carries_the_password() {
    let redis = Redis::start(&["--requirepass", SECRET]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("incident-log.jsonl");
    for via in [Via::Flag, Via::Url, Via::Env] {
        let (prefix, args) = args_for(via, &redis);
        for sub in [
            vec!["snapshot", "--json"],
            vec!["check"],
            vec!["action", "ping", "--yes"],
        ] {
            let mut c = redtriage();
            c.env_remove("REDISCLI_AUTH")
                .arg("--incident-log")
                .arg(&log)
                .args(&sub)
                .args(&args);
            if let Some(pw) = prefix.strip_prefix("REDISCLI_AUTH=") {
                c.env("REDISCLI_AUTH", pw);
            }
            let out = c.output().expect("run");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_clean(&format!("stdout of {sub:?} ({via:?})"), &stdout);
            assert_clean(&format!("stderr of {sub:?} ({via:?})"), &stderr);
            if sub[0] == "snapshot" {
                assert!(stdout.contains("\"UP\""), "auth worked ({via:?}): {stdout}");
            }
            if matches!(via, Via::Flag) {
                assert!(stderr.contains("may not be safe"), "{stderr}");
            }
        }
    }
    // A wrong password is not echoed either.
    let wrong = format!("{SECRET}-wrong");
    let out = redtriage()
        .env_remove("REDISCLI_AUTH")
        .args(["snapshot", "--json"])
        .arg(format!("redis://:{wrong}@127.0.0.1:{}", redis.port))
        .output()
        .expect("run");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("AUTH"), "{all}");
    assert_clean("output with a wrong password", &all);
    assert_clean(
        "the incident log",
        &std::fs::read_to_string(&log).unwrap_or_default(),
    );
}
