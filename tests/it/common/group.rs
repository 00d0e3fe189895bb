//! A replication group on loopback for the Sentinel tests: a master, replicas started with
//! `--replicaof`, and Sentinels (`redis-server CONF --sentinel`), each a real process on a
//! free port, each in its own temp dir, all killed on drop. `start` returns once every replica
//! is online on the master and every Sentinel knows the others and the replicas.

use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Redis, free_port, poll, wait_until};

/// One Sentinel process.
pub struct Sentinel {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Sentinel {
    /// A Sentinel monitoring each `(name, port, quorum)` on 127.0.0.1, with
    /// `down-after-milliseconds 1000`.
    pub fn start(masters: &[(&str, u16, u32)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut conf = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\n",
            dir.path().display()
        );
        for (name, mport, quorum) in masters {
            let _ = write!(
                conf,
                "sentinel monitor {name} 127.0.0.1 {mport} {quorum}\n\
                 sentinel down-after-milliseconds {name} 1000\n\
                 sentinel failover-timeout {name} 10000\n"
            );
        }
        let path = dir.path().join("sentinel.conf");
        std::fs::write(&path, conf).expect("write sentinel.conf");
        let child = Command::new("redis-server")
            .arg(&path)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (scripts/test installs it)");
        let s = Self {
            port,
            dir,
            child: Some(child),
        };
        let up = poll(Duration::from_secs(10), Duration::from_millis(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "redis-sentinel did not listen on {port}");
        s
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// redis-cli against the Sentinel.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A field of `SENTINEL MASTER name` (redis-cli prints field and value on their own lines).
    pub fn master_field(&self, name: &str, field: &str) -> Option<String> {
        let out = self.cli(&["SENTINEL", "MASTER", name]);
        let lines: Vec<&str> = out.lines().collect();
        lines
            .iter()
            .position(|l| *l == field)
            .and_then(|i| lines.get(i + 1))
            .map(|v| (*v).to_string())
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A master, its replicas, and the Sentinels watching it as `NAME`.
pub struct Group {
    pub name: &'static str,
    pub master: Redis,
    pub replicas: Vec<Redis>,
    pub sentinels: Vec<Sentinel>,
}

impl Group {
    /// `replicas` replicas and `sentinels` Sentinels (quorum 2), ready.
    pub fn start(replicas: usize, sentinels: usize) -> Self {
        let name = "mymaster";
        let master = Redis::start(&[]);
        let mport = master.port.to_string();
        let replicas: Vec<Redis> = (0..replicas)
            .map(|_| Redis::start(&["--replicaof", "127.0.0.1", &mport]))
            .collect();
        wait_until("the replicas online", Duration::from_secs(20), || {
            let info = master.cli(&["INFO", "replication"]);
            info.matches("state=online").count() == replicas.len()
        });
        let sentinels: Vec<Sentinel> = (0..sentinels)
            .map(|_| Sentinel::start(&[(name, master.port, 2)]))
            .collect();
        let others = sentinels.len().saturating_sub(1).to_string();
        let slaves = replicas.len().to_string();
        wait_until(
            "the Sentinels to know each other",
            Duration::from_secs(30),
            || {
                sentinels.iter().all(|s| {
                    s.master_field(name, "num-other-sentinels").as_deref() == Some(others.as_str())
                        && s.master_field(name, "num-slaves").as_deref() == Some(slaves.as_str())
                })
            },
        );
        Self {
            name,
            master,
            replicas,
            sentinels,
        }
    }

    /// `127.0.0.1:P1,127.0.0.1:P2,…` for `--sentinel`.
    pub fn sentinel_list(&self) -> String {
        let addrs: Vec<String> = self.sentinels.iter().map(Sentinel::addr).collect();
        addrs.join(",")
    }
}
