//! `redtriage demo`: a throwaway `redis-server` in a temp dir on a free loopback port, synthetic
//! traffic from inside the process (hits and misses, slow scripts, errors, named clients), and
//! the TUI on it. The server dies with redtriage (parent-death signal) and the temp dir is
//! removed on exit, on panic and on ctrl+c.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use tokio::process::{Child, Command};

use crate::target::{Address, Target};

/// Temp dir to remove if the process exits abnormally (panic hook).
static CLEANUP: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes the demo's temp dir; called from the panic hook.
pub fn cleanup_on_exit() {
    if let Ok(mut g) = CLEANUP.lock()
        && let Some(dir) = g.take()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Finds `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A free loopback TCP port (bound then released).
pub fn free_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A throwaway redis-server; killed when dropped or when this process dies.
pub struct ThrowawayRedis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl ThrowawayRedis {
    /// Starts `redis-server` with `extra` arguments and waits until it answers PING.
    pub async fn start(extra: &[&str]) -> color_eyre::Result<Self> {
        let bin = which("redis-server").ok_or_else(|| {
            eyre!(
                "redis-server not found on PATH; install it with: sudo apt-get install redis-server"
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("redtriage-demo-")
            .tempdir()?;
        let port = free_port()?;
        let mut cmd = Command::new(bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir.path())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        die_with_parent(&mut cmd);
        let child = cmd.spawn().wrap_err("starting redis-server")?;
        let me = Self { port, dir, child };
        me.wait_ready().await?;
        Ok(me)
    }

    async fn wait_ready(&self) -> color_eyre::Result<()> {
        for _ in 0..100 {
            if let Ok(mut c) =
                crate::collect::connect::connect(&self.target(), Duration::from_millis(500)).await
                && redis::cmd("PING")
                    .query_async::<String>(&mut c)
                    .await
                    .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(eyre!(
            "redis-server on port {} did not become ready",
            self.port
        ))
    }

    pub fn target(&self) -> Target {
        Target {
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port: self.port,
            },
            ..Target::local_default()
        }
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: prctl is async-signal-safe and only affects the child being spawned.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut Command) {}

/// Runs the demo: server, traffic, TUI.
pub async fn run(opts: crate::app::TuiOptions) -> color_eyre::Result<ExitCode> {
    let server = ThrowawayRedis::start(&[
        "--maxmemory",
        "64mb",
        "--maxmemory-policy",
        "allkeys-lru",
        "--slowlog-log-slower-than",
        "2000",
        "--latency-monitor-threshold",
        "5",
    ])
    .await?;
    if let Ok(mut g) = CLEANUP.lock() {
        *g = Some(server.dir.path().to_path_buf());
    }
    let traffic = tokio::spawn(crate::demo_traffic::drive(server.target()));
    let result = crate::app::run_tui(vec![server.target()], opts).await;
    traffic.abort();
    server.stop().await;
    if let Ok(mut g) = CLEANUP.lock() {
        *g = None;
    }
    result
}
