//! The redtriage binary cargo built for the tests, run the ways the tests run it, and what
//! `snapshot --json` prints, read back.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The binary's path.
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_redtriage"))
}

/// `redtriage`, with the caller's environment and a state directory of its own.
pub fn redtriage() -> Command {
    let mut c = Command::new(path());
    c.env("XDG_STATE_HOME", fresh_state_home());
    c
}

/// A new, empty `XDG_STATE_HOME`: what redtriage remembers of a server on a port (its
/// configuration, [`redtriage::collect::known`]) never reaches another test that gets the
/// same port later. Under one temp dir kept for the whole test run.
pub fn fresh_state_home() -> PathBuf {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU32, Ordering};
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    static N: AtomicU32 = AtomicU32::new(0);
    let base = BASE.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let dir = base
        .path()
        .join(format!("state-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).expect("state dir");
    dir
}

/// `redtriage --incident-log LOG`, with no password from the caller's `REDISCLI_AUTH`.
pub fn logging_to(log: &Path) -> Command {
    let mut c = redtriage();
    c.arg("--incident-log").arg(log).env_remove("REDISCLI_AUTH");
    c
}

/// `redtriage` with `home` as `HOME` and its `xdg` and `data` as `XDG_CONFIG_HOME` and
/// `XDG_DATA_HOME` (no user config file, the default incident log inside `home`), and no
/// password or colour setting from the caller (`REDISCLI_AUTH`, `NO_COLOR`).
pub fn at_home(home: impl AsRef<Path>) -> Command {
    let home = home.as_ref();
    let mut c = redtriage();
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("REDISCLI_AUTH")
        .env_remove("NO_COLOR");
    c
}

/// Runs `cmd`, a `redtriage snapshot … --json`, and returns the JSON it printed. Panics with
/// its stderr when it exits non-zero (it exits 0 whenever it prints the view, even for a
/// server that is down), and with its stdout and stderr when what it printed is not JSON.
pub fn snapshot_json(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run redtriage snapshot");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "snapshot printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
