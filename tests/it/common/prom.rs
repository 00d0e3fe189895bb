//! Prometheus test harness: a real redis exporter and a real Prometheus (1 s scrapes, a
//! `RedisDown` rule on `redis_up == 0`) on free loopback ports in temp dirs, stopped on drop;
//! a hand-written HTTP stub for the failure modes only; a driver running the real Redis and
//! Prometheus pollers (and the fleet runtime) into one real `State`.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redtriage::app::prom_runtime::{PromLaunch, PromRuntime};
use redtriage::model::state::{State, update};
use redtriage::model::view::Snapshot;
use redtriage::msg::Msg;
use redtriage::prom::settings::PromSettings;
use redtriage::target::{PollSettings, Target, Thresholds};
use tokio::sync::mpsc;

use super::{Respawn, free_port, poll};

fn wait_listening(port: u16, what: &str) {
    let listening = poll(Duration::from_secs(20), Duration::from_millis(50), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(listening, "{what} did not listen on {port}");
}

/// A `prometheus-redis-exporter` for one Redis.
pub struct Exporter {
    pub port: u16,
    redis_port: u16,
    child: Option<Child>,
}

impl Exporter {
    pub fn start(redis_port: u16) -> Self {
        let mut e = Self {
            port: free_port(),
            redis_port,
            child: None,
        };
        e.spawn();
        e
    }

    /// Stopped for good (SIGKILL, reaped): `exporter DOWN` while Redis is up.
    pub fn stop(&mut self) {
        self.kill();
    }
}

impl Respawn for Exporter {
    fn child(&mut self) -> &mut Option<Child> {
        &mut self.child
    }

    fn spawn(&mut self) {
        let child = Command::new("prometheus-redis-exporter")
            .arg(format!(
                "--redis.addr=redis://127.0.0.1:{}",
                self.redis_port
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-redis-exporter on PATH (scripts/test installs it)");
        self.child = Some(child);
        wait_listening(self.port, "exporter");
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A real Prometheus scraping exporters every second; each target's `instance` label is set
/// to its Redis address (the exporter's multi-target convention).
pub struct Prometheus {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

const RULES: &str = "groups:\n  - name: redis\n    interval: 1s\n    rules:\n      - alert: RedisDown\n        expr: redis_up == 0\n        for: 1s\n        labels: {severity: critical}\n        annotations: {summary: \"Redis down on {{ $labels.instance }}\"}\n";

impl Prometheus {
    /// `targets`: (exporter port, Redis port).
    pub fn start(targets: &[(u16, u16)]) -> Self {
        let labels: Vec<(u16, String)> = targets
            .iter()
            .map(|(exporter, redis)| (*exporter, format!("instance: \"127.0.0.1:{redis}\"")))
            .collect();
        Self::start_custom(&labels, "")
    }

    /// Like [`Prometheus::start`] with each target's static labels given as YAML flow-map
    /// entries (`instance: "…", evil: "\e]0;x\a"`) and `extra_rules` (rule list items,
    /// indented 6) after the `RedisDown` rule.
    pub fn start_custom(targets: &[(u16, String)], extra_rules: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = String::from(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: redis\n    static_configs:\n",
        );
        for (exporter, labels) in targets {
            let _ = writeln!(
                cfg,
                "      - targets: [\"127.0.0.1:{exporter}\"]\n        labels: {{{labels}}}"
            );
        }
        std::fs::write(dir.path().join("prometheus.yml"), cfg).expect("config");
        std::fs::write(
            dir.path().join("rules.yml"),
            format!("{RULES}{extra_rules}"),
        )
        .expect("rules");
        let mut p = Self {
            port: free_port(),
            dir,
            child: None,
        };
        p.spawn();
        p
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until an instant query returns at least `n` series.
    pub fn wait_series(&self, query: &str, n: usize, limit: Duration) {
        let path = format!("/api/v1/query?query={}", encode(query));
        let mut body = String::new();
        let found = poll(limit, Duration::from_millis(200), || {
            body = http_get(self.port, &path).unwrap_or_default();
            body.matches("\"metric\"").count() >= n
        });
        assert!(found, "no {n} series for {query}: {body}");
    }
}

/// `kill` (SIGKILL, reaped: Prometheus dies without a goodbye) and `start_again` (same port,
/// config and data).
impl Respawn for Prometheus {
    fn child(&mut self) -> &mut Option<Child> {
        &mut self.child
    }

    fn spawn(&mut self) {
        let dir = self.dir.path();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus on PATH (scripts/test installs it)");
        self.child = Some(child);
        wait_listening(self.port, "prometheus");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.kill();
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A plain HTTP/1.0 GET on loopback; the body.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// How the stub misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubMode {
    /// Accepts and never answers.
    Hang,
    /// HTTP 500 with a text body.
    Status500,
    /// 200 with a body that is not JSON.
    BadJson,
    /// Prometheus's error body for a bad query.
    QueryError,
    /// Instant queries succeed (no series); `query_range` gets the 11,000-points error.
    PointLimit,
    /// 200 announcing a 1 GiB body and sending it as fast as the client reads.
    Endless,
}

/// A hand-written HTTP server that fails in one way (failure modes only).
pub struct Stub {
    pub port: u16,
}

impl Stub {
    pub fn start(mode: StubMode) -> Self {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in l.incoming().flatten() {
                if mode == StubMode::Hang {
                    held.push(conn);
                    continue;
                }
                std::thread::spawn(move || answer(conn, mode));
            }
        });
        Self { port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn answer(mut conn: TcpStream, mode: StubMode) {
    let mut buf = [0u8; 4096];
    let n = super::read_some(&mut conn, &mut buf).unwrap_or(0);
    let req = String::from_utf8_lossy(&buf[..n]).to_string();
    let ok_empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
    let (status, body) = match mode {
        StubMode::Hang => return,
        StubMode::Endless => {
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"status\":\"success\",\"data\":",
                1u64 << 30
            );
            let spaces = vec![b' '; 64 * 1024];
            while conn.write_all(&spaces).is_ok() {}
            return;
        }
        StubMode::Status500 => ("500 Internal Server Error", "upstream broke".to_string()),
        StubMode::BadJson => ("200 OK", "<html>not json</html>".to_string()),
        StubMode::QueryError => (
            "400 Bad Request",
            r#"{"status":"error","errorType":"bad_data","error":"parse error at char 9: unexpected \"}\""}"#.to_string(),
        ),
        StubMode::PointLimit if req.contains("query_range") => (
            "400 Bad Request",
            r#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}"#.to_string(),
        ),
        StubMode::PointLimit if req.contains("/alerts") => (
            "200 OK",
            r#"{"status":"success","data":{"alerts":[]}}"#.to_string(),
        ),
        StubMode::PointLimit => ("200 OK", ok_empty.to_string()),
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Prometheus settings for tests: 1 s poll, 1 s timeout.
pub fn prom_settings(url: &str, selector: &str) -> PromSettings {
    let mut s = PromSettings::new(url, selector);
    s.interval = Duration::from_millis(500);
    s.timeout = Duration::from_secs(1);
    s
}

/// The real Redis poller and Prometheus poller (through the app's runtime, so attaching from
/// the fleet works) applying their messages to one real `State`.
pub struct ProDriver {
    pub state: State,
    rx: mpsc::Receiver<Msg>,
    rt: PromRuntime,
    pollers: redtriage::app::pollers::Pollers,
    pub samples: usize,
}

impl ProDriver {
    /// `target` None: the fleet alone (`redtriage fleet`).
    pub fn start(target: Option<Target>, prom: PromSettings, poll: &PollSettings) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let targets: Vec<Target> = target.iter().cloned().collect();
        let mut state = State::new(&targets, Thresholds::default(), Instant::now());
        let pollers = redtriage::app::pollers::Pollers::start(&targets, poll, &tx);
        let launch = PromLaunch {
            settings: prom,
            fleet_only: target.is_none(),
            base: target.unwrap_or_else(Target::local_default),
        };
        state.prom = Some(launch.initial_state());
        let rt = PromRuntime::start(&launch, &tx).expect("runtime");
        Self {
            state,
            rx,
            rt,
            pollers,
            samples: 0,
        }
    }

    /// The current view (`None` in fleet-only mode).
    pub fn view(&mut self) -> Option<Snapshot> {
        self.state.now = self.state.now.max(Instant::now());
        self.state.view(60)
    }

    /// Applies one message (or a key) and lets the runtime follow.
    pub fn apply(&mut self, m: Msg) {
        if matches!(m, Msg::Sample { .. }) {
            self.samples += 1;
        }
        let effects = update(&mut self.state, m);
        self.rt.carry(&effects);
        self.pollers.carry(&effects);
    }

    /// Applies messages until `cond` holds on the state, or panics after `limit`.
    pub async fn wait_state(&mut self, limit: Duration, what: &str, cond: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            self.state.now = self.state.now.max(Instant::now());
            if cond(&self.state) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let view = self.state.view(60);
                let pv = self.state.prom_view(None);
                panic!("timed out waiting for {what}; view: {view:#?} prom: {pv:#?}");
            }
            if let Ok(Some(m)) =
                tokio::time::timeout(left.min(Duration::from_millis(100)), self.rx.recv()).await
            {
                self.apply(m);
            }
        }
    }

    /// Like [`ProDriver::wait_state`] on the view.
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        what: &str,
        cond: impl Fn(&Snapshot) -> bool,
    ) -> Snapshot {
        let check = |s: &State| s.view(60).is_some_and(|v| cond(&v));
        self.wait_state(limit, what, check).await;
        self.view().expect("view")
    }

    /// Applies messages until `n` more Redis samples arrived.
    pub async fn more_samples(&mut self, n: usize) {
        let target = self.samples + n;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.samples < target {
            assert!(Instant::now() < deadline, "no Redis samples");
            if let Ok(Some(m)) =
                tokio::time::timeout(Duration::from_millis(500), self.rx.recv()).await
            {
                self.apply(m);
            }
        }
    }

    /// Presses a key.
    pub fn key(&mut self, code: crossterm::event::KeyCode) {
        let k = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
        self.apply(Msg::Key(k));
    }
}
