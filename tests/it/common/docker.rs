//! Docker test harness: a Redis in a container, started with plain `docker run`
//! ([`DockerRedis`]) or as the compose service of `tests/fixtures/docker/compose.yml`
//! ([`ComposeRedis`]), on a free loopback port, removed on drop with its volumes.
//!
//! No registry is reachable on the CI machines: the image is built locally, once per test run,
//! by `tests/fixtures/docker/build-image.sh` from the host's Debian redis binaries
//! ([`image`]). Everything goes through the `docker` and `docker-compose` CLIs so the tests do
//! not depend on redtriage's own Docker code.
//!
//! Every Docker test starts with `if !docker_or_skip("name") { return; }`: it skips, loudly,
//! only when there is no Docker socket at all (set `REDTRIAGE_REQUIRE_DOCKER=1` to make that a
//! failure instead).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{free_port, poll};

/// The engine's default socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// A `DOCKER_HOST` naming a socket that does not exist: "Docker absent" for a test.
pub const ABSENT_DOCKER_HOST: &str = "unix:///nonexistent/redtriage-test/docker.sock";

/// Why Docker tests cannot run on this machine, or `None` when they can (a socket exists;
/// whether the engine behind it works is for the tests to find out, loudly).
pub fn docker_unavailable_reason() -> Option<String> {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => match h.strip_prefix("unix://") {
            Some(path) if !Path::new(path).exists() => {
                Some(format!("DOCKER_HOST={h}: no such socket"))
            }
            _ => None,
        },
        _ if Path::new(DEFAULT_SOCKET).exists() => None,
        _ => Some(format!(
            "{DEFAULT_SOCKET} is absent and DOCKER_HOST is unset (no Docker Engine here)"
        )),
    }
}

/// True when a Docker socket exists (see [`docker_unavailable_reason`]).
pub fn docker_available() -> bool {
    docker_unavailable_reason().is_none()
}

/// For the top of each Docker test: true when it can run; false, after a loud message on
/// stderr, when there is no Docker socket. With `REDTRIAGE_REQUIRE_DOCKER=1` it panics instead.
pub fn docker_or_skip(test: &str) -> bool {
    let Some(reason) = docker_unavailable_reason() else {
        return true;
    };
    let msg = format!(
        "Docker test `{test}` cannot run: {reason}. These tests need a Docker Engine (issue 8); \
         the CI machines have one, so this must not happen there."
    );
    assert!(
        std::env::var_os("REDTRIAGE_REQUIRE_DOCKER").is_none(),
        "{msg} (REDTRIAGE_REQUIRE_DOCKER is set)"
    );
    // Straight to fd 2: libtest captures `eprintln!` of passing tests, and this must show.
    let stars = "*".repeat(78);
    let _ =
        std::io::stderr().write_all(format!("\n{stars}\n*** SKIPPED: {msg}\n{stars}\n").as_bytes());
    false
}

/// The `build-image.sh` fixture.
pub fn build_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docker/build-image.sh")
}

/// The compose file fixture.
pub fn compose_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docker/compose.yml")
}

/// The test image reference (`redtriage-test-redis:<hash>`), built on first use in this
/// process (the script skips the build when the tag exists and holds a file lock while it
/// builds, so parallel test binaries build it once). Also removes containers left behind by
/// test processes that no longer exist.
pub fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let t = Instant::now();
        let out = Command::new("bash")
            .arg(build_script())
            .output()
            .expect("bash runs build-image.sh");
        assert!(
            out.status.success(),
            "build-image.sh failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let image = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!image.is_empty(), "build-image.sh printed no image");
        eprintln!("docker test image {image} ready in {:?}", t.elapsed());
        sweep_stale();
        image
    })
}

/// Runs `docker ARGS` and returns its output (whatever the exit status).
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("docker CLI on PATH")
}

/// Runs `docker ARGS`, panics unless it succeeds, returns stdout trimmed.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `cmd` with `stdin` fed to it; its output. `what` names the program in the panics.
fn output_with_stdin(cmd: &mut Command, stdin: &[u8], what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} on PATH: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{what} output: {e}"))
}

/// Runs `docker ARGS` with `stdin` fed to it (`-i` is the caller's).
pub fn docker_stdin(args: &[&str], stdin: &[u8]) -> Output {
    output_with_stdin(Command::new("docker").args(args), stdin, "docker CLI")
}

/// stdout and stderr of an `Output` as one string (for messages and `contains` checks).
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A name no other test (in this process or another) uses: `rtt-<pid>-<n>-<label>`.
fn unique_name(label: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "rtt-{}-{}-{label}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Label put on every test container: the pid of the test process that owns it.
const PID_LABEL: &str = "redtriage.test.pid";

/// Removes test containers (and compose networks/volumes) whose owning test process is gone
/// (a test binary killed before its drops ran).
fn sweep_stale() {
    let out = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label={PID_LABEL}"),
        "--format",
        &format!(
            "{{{{.ID}}}} {{{{.Label \"{PID_LABEL}\"}}}} {{{{.Label \"com.docker.compose.project\"}}}}"
        ),
    ]);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split_whitespace();
        let (Some(id), Some(pid)) = (f.next(), f.next()) else {
            continue;
        };
        if pid.parse::<u32>().is_err() {
            continue; // "manual": started by hand from the compose file
        }
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = docker(&["rm", "-f", "-v", id]);
        if let Some(project) = f.next() {
            let _ = docker(&["network", "rm", &format!("{project}_default")]);
            let _ = docker(&["volume", "rm", &format!("{project}_data")]);
        }
    }
}

/// What `docker inspect` says about a container's state (the figures the container pane shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    /// `created`, `running`, `restarting`, `exited`, `paused`, `dead`.
    pub status: String,
    pub running: bool,
    pub restarting: bool,
    pub exit_code: i64,
    pub oom_killed: bool,
    /// `.RestartCount` (top level of inspect, counts restart-policy restarts only).
    pub restart_count: u64,
    pub started_at: String,
    pub finished_at: String,
    /// `.State.Error` (e.g. a port that could not be bound).
    pub error: String,
    /// `.State.Health.Status`: `starting`, `healthy`, `unhealthy`; `None` without a check.
    pub health: Option<String>,
    pub health_failing_streak: u64,
    /// `.HostConfig.Memory` in bytes (0: no limit).
    pub memory_limit: i64,
    /// `.HostConfig.MemorySwap` in bytes (memory + swap; -1 unlimited, 0 unset).
    pub memory_swap: i64,
}

impl ContainerState {
    /// From one element of `docker inspect`'s JSON array.
    pub fn from_inspect(v: &serde_json::Value) -> Self {
        let s = &v["State"];
        let str_of = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
        Self {
            status: str_of(&s["Status"]),
            running: s["Running"].as_bool().unwrap_or(false),
            restarting: s["Restarting"].as_bool().unwrap_or(false),
            exit_code: s["ExitCode"].as_i64().unwrap_or(-1),
            oom_killed: s["OOMKilled"].as_bool().unwrap_or(false),
            restart_count: v["RestartCount"].as_u64().unwrap_or(0),
            started_at: str_of(&s["StartedAt"]),
            finished_at: str_of(&s["FinishedAt"]),
            error: str_of(&s["Error"]),
            health: s["Health"]["Status"].as_str().map(str::to_string),
            health_failing_streak: s["Health"]["FailingStreak"].as_u64().unwrap_or(0),
            memory_limit: v["HostConfig"]["Memory"].as_i64().unwrap_or(0),
            memory_swap: v["HostConfig"]["MemorySwap"].as_i64().unwrap_or(0),
        }
    }
}

/// What both harnesses share: a container serving Redis on a host loopback port.
pub trait Container {
    /// The container name (`docker ps --format {{.Names}}`).
    fn name(&self) -> &str;
    /// The published host port (127.0.0.1).
    fn port(&self) -> u16;

    /// The full container id.
    fn container_id(&self) -> String {
        docker_ok(&["inspect", "--format", "{{.Id}}", self.name()])
    }

    /// `redis://127.0.0.1:PORT`.
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port())
    }

    /// `docker kill` (SIGKILL: the container exits with 137).
    fn kill(&self) {
        docker_ok(&["kill", self.name()]);
    }

    /// `docker stop -t 5` (SIGTERM: Redis shuts down cleanly, AOF flushed).
    fn stop(&self) {
        docker_ok(&["stop", "-t", "5", self.name()]);
    }

    /// `docker start`: returns its output, since a start of a broken container may fail.
    fn start(&self) -> Output {
        docker(&["start", self.name()])
    }

    /// `docker restart -t 5`.
    fn restart(&self) {
        docker_ok(&["restart", "-t", "5", self.name()]);
    }

    /// `docker exec NAME ARGS…` (fails on a container that is not running).
    fn exec(&self, args: &[&str]) -> Output {
        let mut a = vec!["exec", self.name()];
        a.extend_from_slice(args);
        docker(&a)
    }

    /// `docker exec -i NAME ARGS…` with `stdin` fed (`redis-check-aof --fix` wants `y`).
    fn exec_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut a = vec!["exec", "-i", self.name()];
        a.extend_from_slice(args);
        docker_stdin(&a, stdin)
    }

    /// A tool of the image run in a throwaway container sharing this container's volumes
    /// (`docker run --rm -i --volumes-from NAME --entrypoint TOOL IMAGE ARGS…`): the way to
    /// run `redis-check-aof` on the data of a container that crashed and cannot be exec'd.
    fn tool(&self, tool: &str, args: &[&str], stdin: &[u8]) -> Output {
        let mut a = vec![
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "--volumes-from",
            self.name(),
            "--entrypoint",
            tool,
            image(),
        ];
        a.extend_from_slice(args);
        docker_stdin(&a, stdin)
    }

    /// The whole container log (stdout and stderr).
    fn logs(&self) -> String {
        text(&docker(&["logs", self.name()]))
    }

    /// The raw `docker inspect` object.
    fn inspect(&self) -> serde_json::Value {
        let out = docker_ok(&["inspect", self.name()]);
        let mut v: serde_json::Value = serde_json::from_str(&out).expect("inspect JSON");
        v[0].take()
    }

    /// State, exit code, `OOMKilled`, restart count, health, memory limit.
    fn inspect_state(&self) -> ContainerState {
        ContainerState::from_inspect(&self.inspect())
    }

    /// Polls `inspect_state` until `cond` holds; panics after `limit` with the last state and
    /// the log tail.
    fn wait_state(
        &self,
        limit: Duration,
        what: &str,
        cond: impl Fn(&ContainerState) -> bool,
    ) -> ContainerState {
        let mut s = None;
        let reached = poll(limit, Duration::from_millis(100), || {
            let now = self.inspect_state();
            let done = cond(&now);
            s = Some(now);
            done
        });
        let s = s.expect("inspected at least once");
        if !reached {
            let logs = self.logs();
            let tail: Vec<&str> = logs.lines().rev().take(15).collect();
            panic!(
                "{}: timed out waiting for {what}; state {s:#?}\nlog tail (newest first):\n{}",
                self.name(),
                tail.join("\n")
            );
        }
        s
    }

    /// Host `redis-cli -p PORT ARGS…` (the network path the dashboard uses).
    fn cli(&self, args: &[&str]) -> Output {
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port().to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli on PATH (scripts/test installs redis-tools)")
    }

    /// `cli` stdout, trimmed.
    fn cli_str(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cli(args).stdout)
            .trim()
            .to_string()
    }

    /// PING over the published port answers PONG. (With Docker's userland proxy a TCP connect
    /// to the port succeeds while the container runs even if Redis does not listen: only a
    /// Redis reply says UP.)
    fn ping(&self) -> bool {
        self.cli_str(&["ping"]) == "PONG"
    }

    /// Waits until PING answers PONG.
    fn wait_ping(&self, limit: Duration) {
        let pong = poll(limit, Duration::from_millis(50), || self.ping());
        assert!(
            pong,
            "{}: no PONG on {} within {limit:?}; state {:#?}\nlog:\n{}",
            self.name(),
            self.port(),
            self.inspect_state(),
            self.logs()
        );
    }

    /// `CONFIG GET key` → the value.
    fn config_get(&self, key: &str) -> String {
        let out = self.cli_str(&["config", "get", key]);
        out.lines().nth(1).unwrap_or_default().to_string()
    }

    /// Engine events for this container since `since` (rounded down to the second) up to now,
    /// as `Action` strings (`kill`, `die`, `oom`, `start`, `restart`, `health_status: healthy`,
    /// `exec_start: …`).
    fn events_since(&self, since: SystemTime) -> Vec<String> {
        let since = since.duration_since(UNIX_EPOCH).expect("clock");
        let out = docker_ok(&[
            "events",
            "--since",
            // Whole seconds: `--until 0s` is "now" rounded down to the second, and the
            // daemon refuses a `since` after it.
            &since.as_secs().to_string(),
            "--until",
            "0s",
            "--filter",
            &format!("container={}", self.container_id()),
            "--format",
            "{{.Action}}",
        ]);
        out.lines().map(str::to_string).collect()
    }

    /// Polls [`Container::events_since`] until every action of `want` is there (the engine
    /// may publish `die` a moment after inspect already says `exited`); panics after `limit`.
    fn wait_events(&self, since: SystemTime, want: &[&str], limit: Duration) -> Vec<String> {
        let mut ev = Vec::new();
        let seen = poll(limit, Duration::from_millis(200), || {
            ev = self.events_since(since);
            want.iter().all(|w| ev.iter().any(|e| e == w))
        });
        assert!(
            seen,
            "{}: events {want:?} not all seen within {limit:?}: {ev:?}",
            self.name()
        );
        ev
    }
}

/// Options for [`DockerRedis::run`].
#[derive(Debug, Clone)]
pub struct RunOpts {
    /// Part of the container name (`rtt-<pid>-<n>-<label>`).
    pub label: String,
    /// `--memory` and `--memory-swap` (equal: no swap beyond the limit), e.g. `"32m"`.
    pub mem_limit: Option<String>,
    /// Extra redis-server options after the image's config (`--appendonly yes`).
    pub redis_args: Vec<String>,
    /// `--restart` policy (`always`, `on-failure`, `unless-stopped`).
    pub restart: Option<String>,
    /// Bind-mount a temp dir on /data (as the invoking uid:gid, so the test can edit and
    /// delete the files). Otherwise /data is an anonymous volume, removed with the container.
    pub bind_data: bool,
    /// Wait for PONG before returning.
    pub wait_ready: bool,
    /// Extra `docker run` arguments, before the image.
    pub docker_args: Vec<String>,
}

impl Default for RunOpts {
    fn default() -> Self {
        Self {
            label: "redis".into(),
            mem_limit: None,
            redis_args: Vec::new(),
            restart: None,
            bind_data: true,
            wait_ready: true,
            docker_args: Vec::new(),
        }
    }
}

impl RunOpts {
    pub fn label(mut self, label: &str) -> Self {
        label.clone_into(&mut self.label);
        self
    }
    pub fn mem_limit(mut self, limit: &str) -> Self {
        self.mem_limit = Some(limit.to_string());
        self
    }
    pub fn redis_args(mut self, args: &[&str]) -> Self {
        self.redis_args
            .extend(args.iter().map(|s| (*s).to_string()));
        self
    }
    pub fn restart(mut self, policy: &str) -> Self {
        self.restart = Some(policy.to_string());
        self
    }
    pub fn no_bind_data(mut self) -> Self {
        self.bind_data = false;
        self
    }
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }
    pub fn docker_args(mut self, args: &[&str]) -> Self {
        self.docker_args
            .extend(args.iter().map(|s| (*s).to_string()));
        self
    }
}

/// A Redis container started with plain `docker run -d`, removed (`rm -f -v`) on drop.
pub struct DockerRedis {
    name: String,
    port: u16,
    data: Option<tempfile::TempDir>,
}

impl DockerRedis {
    /// Starts the container on a free loopback port (retried on a port race).
    pub fn run(opts: &RunOpts) -> Self {
        let image = image();
        let data = opts
            .bind_data
            .then(|| tempfile::tempdir().expect("tempdir"));
        let name = unique_name(&opts.label);
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut a: Vec<String> = vec![
                "run".into(),
                "-d".into(),
                "--name".into(),
                name.clone(),
                "--label".into(),
                format!("{PID_LABEL}={}", std::process::id()),
                "-p".into(),
                format!("127.0.0.1:{port}:6379"),
            ];
            if let Some(m) = &opts.mem_limit {
                a.extend([
                    "--memory".into(),
                    m.clone(),
                    "--memory-swap".into(),
                    m.clone(),
                ]);
            }
            if let Some(r) = &opts.restart {
                a.extend(["--restart".into(), r.clone()]);
            }
            if let Some(d) = &data {
                a.extend(["-v".into(), format!("{}:/data", d.path().display())]);
                // SAFETY: getuid/getgid cannot fail.
                let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
                a.extend(["--user".into(), format!("{uid}:{gid}")]);
            }
            a.extend(opts.docker_args.iter().cloned());
            a.push(image.to_string());
            a.extend(opts.redis_args.iter().cloned());
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            let out = docker(&refs);
            if out.status.success() {
                let r = Self { name, port, data };
                if opts.wait_ready {
                    r.wait_ping(Duration::from_secs(20));
                }
                return r;
            }
            last = text(&out);
            let _ = docker(&["rm", "-f", "-v", &name]);
            if !(last.contains("already allocated") || last.contains("address already in use")) {
                break;
            }
        }
        panic!("docker run {name} failed: {last}");
    }

    /// The host dir bind-mounted on /data (panics with `no_bind_data`).
    pub fn data_dir(&self) -> &Path {
        self.data.as_ref().expect("bind_data").path()
    }
}

impl Container for DockerRedis {
    fn name(&self) -> &str {
        &self.name
    }
    fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for DockerRedis {
    fn drop(&mut self) {
        // `rm -v` removes the anonymous /data volume; the names are kept to make sure.
        let vols = docker(&[
            "inspect",
            "--format",
            "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} {{end}}{{end}}",
            &self.name,
        ]);
        let _ = docker(&["rm", "-f", "-v", &self.name]);
        for v in String::from_utf8_lossy(&vols.stdout).split_whitespace() {
            if docker(&["volume", "inspect", v]).status.success() {
                let _ = docker(&["volume", "rm", v]);
            }
        }
    }
}

/// Options for [`ComposeRedis::up`] (each becomes a `REDTRIAGE_TEST_*` variable of the
/// compose file).
#[derive(Debug, Clone)]
pub struct ComposeOpts {
    /// Part of the project name.
    pub label: String,
    /// `mem_limit` and `memswap_limit` (default `64m`).
    pub mem_limit: String,
    /// `restart:` policy (default `no`).
    pub restart: String,
    /// Extra redis-server options after `--appendonly yes`.
    pub redis_args: Vec<String>,
    /// Wait for PONG and a healthy health check before returning.
    pub wait_ready: bool,
}

impl Default for ComposeOpts {
    fn default() -> Self {
        Self {
            label: "redis".into(),
            mem_limit: "64m".into(),
            restart: "no".into(),
            redis_args: Vec::new(),
            wait_ready: true,
        }
    }
}

impl ComposeOpts {
    pub fn label(mut self, label: &str) -> Self {
        label.clone_into(&mut self.label);
        self
    }
    pub fn mem_limit(mut self, limit: &str) -> Self {
        limit.clone_into(&mut self.mem_limit);
        self
    }
    pub fn restart(mut self, policy: &str) -> Self {
        policy.clone_into(&mut self.restart);
        self
    }
    pub fn redis_args(mut self, args: &[&str]) -> Self {
        self.redis_args
            .extend(args.iter().map(|s| (*s).to_string()));
        self
    }
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }
}

/// The compose CLI: `REDTRIAGE_COMPOSE` (e.g. `docker compose`) or `docker-compose`.
pub fn compose_command() -> Vec<String> {
    std::env::var("REDTRIAGE_COMPOSE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map_or_else(
            || vec!["docker-compose".to_string()],
            |s| s.split_whitespace().map(str::to_string).collect(),
        )
}

/// The `redis` service of `tests/fixtures/docker/compose.yml` under a unique project name;
/// `docker-compose down -v` on drop (container, network and the data volume).
pub struct ComposeRedis {
    project: String,
    port: u16,
    name: String,
    env: Vec<(String, String)>,
}

impl ComposeRedis {
    /// `docker-compose -p PROJECT -f compose.yml up -d`, then waits for PONG and healthy.
    pub fn up(opts: &ComposeOpts) -> Self {
        let image = image();
        // Compose v1 keeps only [a-z0-9] of a project name.
        let project: String = unique_name(&opts.label)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut c = Self {
                project: project.clone(),
                port,
                name: String::new(),
                env: vec![
                    ("REDTRIAGE_TEST_IMAGE".into(), image.to_string()),
                    ("REDTRIAGE_TEST_PORT".into(), port.to_string()),
                    ("REDTRIAGE_TEST_MEM_LIMIT".into(), opts.mem_limit.clone()),
                    ("REDTRIAGE_TEST_RESTART".into(), opts.restart.clone()),
                    (
                        "REDTRIAGE_TEST_REDIS_ARGS".into(),
                        opts.redis_args.join(" "),
                    ),
                    ("REDTRIAGE_TEST_PID".into(), std::process::id().to_string()),
                ],
            };
            let out = c.compose(&["up", "-d", "--no-color"]);
            if out.status.success() {
                let id = String::from_utf8_lossy(&c.compose(&["ps", "-q", "redis"]).stdout)
                    .trim()
                    .to_string();
                assert!(!id.is_empty(), "compose ps -q redis: no container");
                c.name = docker_ok(&["inspect", "--format", "{{.Name}}", &id])
                    .trim_start_matches('/')
                    .to_string();
                if opts.wait_ready {
                    c.wait_ping(Duration::from_secs(20));
                    c.wait_state(Duration::from_secs(20), "healthy", |s| {
                        s.health.as_deref() == Some("healthy")
                    });
                }
                return c;
            }
            last = text(&out);
            // Drop runs `down -v`: removes what `up` created before failing.
            drop(c);
            if !(last.contains("already allocated") || last.contains("address already in use")) {
                break;
            }
        }
        panic!("docker-compose up ({project}) failed: {last}");
    }

    /// The compose project name (`com.docker.compose.project` label).
    pub fn project(&self) -> &str {
        &self.project
    }

    /// The named data volume (`<project>_data`).
    pub fn volume(&self) -> String {
        format!("{}_data", self.project)
    }

    /// The environment the compose file is run with.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    fn compose_cmd(&self, args: &[&str]) -> Command {
        let cli = compose_command();
        let mut c = Command::new(&cli[0]);
        c.args(&cli[1..])
            .arg("-p")
            .arg(&self.project)
            .arg("-f")
            .arg(compose_file())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    /// `docker-compose -p PROJECT -f compose.yml ARGS…`.
    pub fn compose(&self, args: &[&str]) -> Output {
        self.compose_cmd(args)
            .stdin(Stdio::null())
            .output()
            .expect("docker-compose on PATH (scripts/test installs it)")
    }

    /// Like [`ComposeRedis::compose`] with `stdin` fed (for `run -T … --fix` and its `y`).
    pub fn compose_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        output_with_stdin(&mut self.compose_cmd(args), stdin, "docker-compose")
    }

    /// `docker-compose restart -t 5 redis` (the runbook's move), panics unless it succeeds.
    pub fn restart_service(&self) {
        let out = self.compose(&["restart", "-t", "5", "redis"]);
        assert!(out.status.success(), "compose restart: {}", text(&out));
    }

    /// A tool of the image run as a one-off of the service, with the service's volume:
    /// `docker-compose run --rm --no-deps -T --entrypoint TOOL redis ARGS…`.
    pub fn run_tool(&self, tool: &str, args: &[&str], stdin: &[u8]) -> Output {
        let mut a = vec![
            "run",
            "--rm",
            "--no-deps",
            "-T",
            "--entrypoint",
            tool,
            "redis",
        ];
        a.extend_from_slice(args);
        self.compose_stdin(&a, stdin)
    }
}

impl Container for ComposeRedis {
    fn name(&self) -> &str {
        &self.name
    }
    fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for ComposeRedis {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "--remove-orphans", "-t", "1"]);
    }
}

/// Writes `n` keys through the published port (each SET answered OK).
pub fn fill(c: &impl Container, n: usize) {
    for i in 0..n {
        let k = format!("key:{i}");
        let v = format!("value-{i}-{}", "x".repeat(20));
        assert_eq!(c.cli_str(&["set", &k, &v]), "OK");
    }
}

/// Inserts `garbage` in the middle of `file` (a valid AOF becomes one Redis refuses to load
/// and `redis-check-aof` reports, unlike a truncated tail that Redis 7 loads anyway).
pub fn corrupt_middle(file: &Path, garbage: &[u8]) {
    let mut b = std::fs::read(file).expect("read AOF");
    assert!(b.len() > 2, "{} is too short to corrupt", file.display());
    let mid = b.len() / 2;
    b.splice(mid..mid, garbage.iter().copied());
    std::fs::write(file, b).expect("write AOF");
}

/// Copies `path` out of a (possibly stopped) container, lets `f` change the copy, copies it
/// back (`docker cp` both ways: works on exited containers and into their volumes).
pub fn edit_in_container(c: &impl Container, path: &str, f: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("file");
    let local_s = local.display().to_string();
    docker_ok(&["cp", &format!("{}:{path}", c.name()), &local_s]);
    f(&local);
    docker_ok(&["cp", &local_s, &format!("{}:{path}", c.name())]);
}
