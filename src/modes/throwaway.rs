//! A throwaway `redis-server` for `demo` and `drill`: its own temp dir holding a generated
//! `redis.conf` and a `redis.log`, a free loopback port, killed with this process
//! (parent-death signal) or when dropped. The temp dir is registered so the panic hook can
//! remove it ([`crate::app::terminal::remove_on_panic`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use tokio::process::{Child, Command};

use crate::target::{Address, Target};

fn register(dir: Option<PathBuf>) {
    crate::app::terminal::remove_on_panic(dir);
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
    /// The loopback port it listens on.
    pub port: u16,
    /// Its working dir (conf, log, RDB/AOF files); removed when dropped.
    pub dir: tempfile::TempDir,
    bin: PathBuf,
    child: Option<Child>,
}

impl ThrowawayRedis {
    /// Starts `redis-server` with `extra` arguments (after the generated conf) and waits
    /// until it answers PING.
    pub async fn start(extra: &[&str]) -> color_eyre::Result<Self> {
        Self::start_with("redtriage-demo-", "", extra).await
    }

    /// Starts `redis-server` on a conf made of the base settings (port, bind, dir, logfile,
    /// no persistence) followed by `conf` (later lines win), plus `extra` arguments.
    pub async fn start_with(prefix: &str, conf: &str, extra: &[&str]) -> color_eyre::Result<Self> {
        let bin = which("redis-server").ok_or_else(|| {
            eyre!(
                "redis-server not found on PATH; install it with: sudo apt-get install redis-server"
            )
        })?;
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        register(Some(dir.path().to_path_buf()));
        let port = free_port()?;
        let base = base_conf(port, dir.path());
        std::fs::write(dir.path().join("redis.conf"), format!("{base}{conf}"))
            .wrap_err("writing redis.conf")?;
        let mut me = Self {
            port,
            dir,
            bin,
            child: None,
        };
        me.spawn(extra)?;
        me.wait_ready().await?;
        Ok(me)
    }

    /// Starts the server process again on the same conf (after a kill); does not wait.
    pub fn spawn(&mut self, extra: &[&str]) -> color_eyre::Result<()> {
        let mut cmd = Command::new(&self.bin);
        cmd.arg(self.conf_path())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        self.child = Some(cmd.spawn().wrap_err("starting redis-server")?);
        Ok(())
    }

    /// Waits until the server answers PING (5 s at most).
    pub async fn wait_ready(&self) -> color_eyre::Result<()> {
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

    /// The generated `redis.conf`.
    pub fn conf_path(&self) -> PathBuf {
        self.dir.path().join("redis.conf")
    }

    /// The server's log file (`logfile` in the conf).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The running server's pid, if it runs.
    pub fn pid(&self) -> Option<i32> {
        self.child
            .as_ref()
            .and_then(Child::id)
            .and_then(|p| i32::try_from(p).ok())
    }

    /// Sends `sig` to the server process (no-op when it is not running).
    pub fn signal(&self, sig: i32) {
        if let Some(pid) = self.pid() {
            // SAFETY: plain kill(2) on our own child, which has not been reaped yet.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// Waits for the server process to exit (after a kill or a failed start), `limit` at most.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let status = tokio::time::timeout(limit, child.wait()).await.ok()?.ok();
        if status.is_some() {
            self.child = None;
        }
        status
    }

    /// A target for the server.
    pub fn target(&self) -> Target {
        Target {
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port: self.port,
            },
            ..Target::local_default()
        }
    }

    /// Stops the server (continued first, in case it was stopped with SIGSTOP) and removes
    /// its dir.
    pub async fn stop(mut self) {
        self.signal(libc::SIGCONT);
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        register(None);
    }
}

fn base_conf(port: u16, dir: &Path) -> String {
    // The dir is ours (tempfile), so it has no quote or newline in it.
    let dir = dir.display();
    format!(
        "port {port}\nbind 127.0.0.1\ndaemonize no\nsave \"\"\nappendonly no\n\
         dir \"{dir}\"\nlogfile \"{dir}/redis.log\"\n"
    )
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
