//! redis-check-aof through the runbook: a healthy AOF, a truncated one and one with garbage
//! bytes made by the test, `--fix` (second confirmation, `y` fed on stdin) and the server
//! loading the repaired file.

use std::path::{Path, PathBuf};

use crate::common::bin::logging_to as redtriage;
use crate::common::{Redis, Respawn, incr_file};

/// The shipped check/fix actions with the AOF path given as a var (the server is down, so
/// CONFIG cannot tell it).
fn runbook_with_path(dir: &Path, manifest: &Path) -> PathBuf {
    let shipped = redtriage::runbook::spec::DEFAULT_RUNBOOK;
    let start =
        shipped.find("\n[settings.vars]\n").expect("vars section") + "\n[settings.vars]\n".len();
    let text = format!(
        "{}aof_manifest_or_file = \"{}\"\n{}",
        &shipped[..start],
        manifest.display(),
        &shipped[start..]
    );
    let p = dir.join("runbook.toml");
    std::fs::write(&p, text).expect("write runbook");
    p
}

#[test]
fn check_aof_healthy_corrupted_fixed_and_loaded() {
    let mut redis = Redis::start(&["--appendonly", "yes", "--appendfsync", "always"]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("log.jsonl");
    for i in 0..50 {
        redis.cli(&["SET", &format!("key{i}"), "value"]);
    }
    // Healthy, with the path from CONFIG GET dir/appenddirname while the server is up.
    redtriage(&log)
        .args(["action", "check-aof", &redis.url(), "--yes"])
        .assert()
        .success()
        .stdout(predicates::str::contains("redis-check-aof"))
        .stdout(predicates::str::contains("appendonly.aof.manifest"));
    redis.kill();
    let manifest = redis
        .dir
        .path()
        .join("appendonlydir/appendonly.aof.manifest");
    let rb = runbook_with_path(tmp.path(), &manifest);
    let incr = incr_file(redis.dir.path());
    let url = redis.url();
    let run = |name: &str| {
        redtriage(&log)
            .args(["action", name, &url, "--yes", "--runbook"])
            .arg(&rb)
            .output()
            .expect("run")
    };
    // Truncated: the check fails and says so.
    let data = std::fs::read(&incr).expect("read aof");
    std::fs::write(&incr, &data[..data.len() - 7]).expect("truncate");
    let out = run("check-aof");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Garbage bytes, with terminal escapes, appended: still fails; nothing raw reaches us.
    let mut bad = std::fs::read(&incr).expect("read");
    bad.extend_from_slice(b"\x1b[2J\x1b]0;PWNED\x07garbage\r\n");
    std::fs::write(&incr, &bad).expect("garbage");
    let out = run("check-aof");
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.contains(&0x1b), "raw ESC in output");
    // --fix without --yes only shows the plan; with --yes it truncates to the last good command.
    let plan = redtriage(&log)
        .args(["action", "fix-aof", &url, "--runbook"])
        .arg(&rb)
        .output()
        .expect("plan");
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&incr).expect("read"),
        bad,
        "the plan changed the file"
    );
    let fixed = run("fix-aof");
    let text = String::from_utf8_lossy(&fixed.stdout);
    assert!(fixed.status.success(), "{text}");
    assert!(
        text.contains("Successfully truncated") || text.contains("truncated"),
        "{text}"
    );
    assert!(
        run("check-aof").status.success(),
        "still invalid after --fix"
    );
    // The server loads the repaired AOF.
    redis.start_again();
    let keys: u64 = redis.cli(&["DBSIZE"]).trim().parse().expect("dbsize");
    assert!((45..=50).contains(&keys), "{keys} keys after the fix");
}
