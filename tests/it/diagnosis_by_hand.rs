//! The drill scenarios' faults made by hand, without the drill code: a redis-server from the
//! test harness, the fault injected with plain commands, signals and file edits, and the same
//! diagnosis expected from `snapshot --json --server-log` as the drills give.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::diagnose::{expect_top, serial};
use crate::common::{Redis, Respawn, children_of, hold, info_field, wait_until};

/// Loops on their own threads until dropped (the app's traffic).
#[derive(Default)]
struct Traffic {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Traffic {
    fn spawn(&mut self, period: Duration, mut body: impl FnMut() + Send + 'static) {
        let stop = Arc::clone(&self.stop);
        self.threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                body();
                // Not a wait: the traffic's pace.
                std::thread::sleep(period);
            }
        }));
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A server writing its log to `dir/redis.log` (relative: redis-server has chdir'ed to dir).
fn start(extra: &[&str]) -> Redis {
    let mut args = vec!["--logfile", "redis.log"];
    args.extend_from_slice(extra);
    Redis::start(&args)
}

fn log(r: &Redis) -> PathBuf {
    r.dir.path().join("redis.log")
}

fn conn(port: u16) -> Option<redis::Connection> {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}")).ok()?;
    let conn = c.get_connection_with_timeout(Duration::from_secs(1)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    Some(conn)
}

/// Runs `cmd(i)` for i = 0, 1, 2… on a connection made on first use (and after it broke).
fn looping(port: u16, cmd: impl Fn(u64) -> redis::Cmd + Send) -> impl FnMut() + Send {
    let mut c: Option<redis::Connection> = None;
    let mut i = 0;
    move || {
        if c.is_none() {
            c = conn(port);
        }
        if let Some(con) = c.as_mut()
            && let Err(e) = cmd(i).query::<redis::Value>(con)
            && (e.is_io_error() || e.is_connection_dropped())
        {
            c = None;
        }
        i += 1;
    }
}

fn set_cmd(prefix: &'static str, size: usize) -> impl Fn(u64) -> redis::Cmd + Send {
    move |i| {
        let mut c = redis::cmd("SET");
        c.arg(format!("{prefix}:{i}")).arg("v".repeat(size));
        c
    }
}

fn get_cmd(prefix: &'static str, keys: u64) -> impl Fn(u64) -> redis::Cmd + Send {
    move |i| {
        let mut c = redis::cmd("GET");
        c.arg(format!("{prefix}:{}", (i * 7919) % keys));
        c
    }
}

/// SETs `prefix:0..n` with `size`-byte values one by one; the number written before the
/// first error reply.
fn fill(port: u16, prefix: &str, n: u64, size: usize) -> u64 {
    let mut c = conn(port).expect("connect");
    let value = "v".repeat(size);
    for i in 0..n {
        let r: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("{prefix}:{i}"))
            .arg(&value)
            .query(&mut c);
        if r.is_err() {
            return i;
        }
    }
    n
}

/// How long the fault's preparation (an eviction, a slowlog entry, the BGSAVE child) may take.
const SETUP: Duration = Duration::from_secs(20);

#[test]
fn crash_by_hand_is_a() {
    let _one = serial();
    let mut r = start(&[]);
    fill(r.port, "session", 200, 64);
    r.kill();
    expect_top(&r.url(), Some(&log(&r)), "A", Instant::now());
}

#[test]
fn oom_by_hand_is_b() {
    let _one = serial();
    let r = start(&["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"]);
    let written = fill(r.port, "fill", 20_000, 1024);
    assert!(written < 20_000, "maxmemory never refused a write");
    let mut app = Traffic::default();
    app.spawn(
        Duration::from_millis(50),
        looping(r.port, set_cmd("new", 1024)),
    );
    app.spawn(
        Duration::from_millis(50),
        looping(r.port, get_cmd("fill", written)),
    );
    expect_top(&r.url(), Some(&log(&r)), "B", Instant::now());
}

#[test]
fn evictions_by_hand_is_b() {
    let _one = serial();
    let r = start(&["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    fill(r.port, "fill", 6000, 1024);
    let mut app = Traffic::default();
    app.spawn(
        Duration::from_millis(2),
        looping(r.port, set_cmd("new", 1024)),
    );
    wait_until("an eviction", SETUP, || {
        info_field(&r, "stats", "evicted_keys")
            .unwrap_or_default()
            .parse::<u64>()
            .unwrap_or(0)
            > 0
    });
    expect_top(&r.url(), Some(&log(&r)), "B", Instant::now());
}

#[test]
fn client_flood_by_hand_is_c() {
    let _one = serial();
    let r = start(&["--maxclients", "16"]);
    let mut held = Vec::new();
    while let Some(s) = hold(r.port, Duration::from_secs(1)) {
        held.push(s);
        assert!(held.len() < 100, "maxclients never refused");
    }
    let port = r.port;
    let mut app = Traffic::default();
    app.spawn(Duration::from_secs(1), move || {
        if let Some(s) = hold(port, Duration::from_secs(1)) {
            held.push(s);
        }
    });
    expect_top(&r.url(), Some(&log(&r)), "C", Instant::now());
}

#[test]
fn slow_commands_by_hand_is_slow() {
    let _one = serial();
    let r = start(&[
        "--slowlog-log-slower-than",
        "10000",
        "--enable-debug-command",
        "local",
    ]);
    let mut app = Traffic::default();
    app.spawn(
        Duration::from_millis(400),
        looping(r.port, |i| {
            if i % 2 == 0 {
                let mut c = redis::cmd("DEBUG");
                c.arg("SLEEP").arg("0.02");
                c
            } else {
                let mut c = redis::cmd("EVAL");
                c.arg("local i = 0 while i < 1500000 do i = i + 1 end return i")
                    .arg(0);
                c
            }
        }),
    );
    wait_until("a slowlog entry", SETUP, || {
        r.cli(&["SLOWLOG", "LEN"]).trim() != "0"
    });
    expect_top(&r.url(), Some(&log(&r)), "slow", Instant::now());
}

#[test]
fn bgsave_fail_by_hand_is_e() {
    let _one = serial();
    let r = start(&["--save", "3600", "1", "--rdb-key-save-delay", "100000"]);
    fill(r.port, "order", 300, 128);
    assert!(r.cli(&["BGSAVE"]).contains("started"));
    wait_until("the BGSAVE child", SETUP, || {
        !children_of(r.pid()).is_empty()
    });
    for child in children_of(r.pid()) {
        // SAFETY: kill(2) on the BGSAVE child of our own server.
        unsafe {
            libc::kill(child, libc::SIGKILL);
        }
    }
    wait_until("rdb_last_bgsave_status:err", SETUP, || {
        info_field(&r, "persistence", "rdb_last_bgsave_status").as_deref() == Some("err")
    });
    let mut app = Traffic::default();
    app.spawn(
        Duration::from_millis(100),
        looping(r.port, set_cmd("order", 128)),
    );
    expect_top(&r.url(), Some(&log(&r)), "E", Instant::now());
}

#[test]
fn aof_corrupt_by_hand_is_e() {
    let _one = serial();
    let mut r = start(&["--appendonly", "yes", "--appendfsync", "always"]);
    fill(r.port, "cart", 500, 64);
    r.kill();
    crate::common::insert_garbage(&crate::common::incr_file(r.dir.path()));
    let status = std::process::Command::new("redis-server")
        .args(["--port", &r.port.to_string(), "--bind", "127.0.0.1"])
        .arg("--dir")
        .arg(r.dir.path())
        .args(["--appendonly", "yes", "--logfile", "redis.log"])
        .status()
        .expect("redis-server");
    assert!(!status.success(), "the server started on a damaged AOF");
    let text = std::fs::read_to_string(log(&r)).expect("log");
    assert!(
        text.contains("Bad file format reading the append only file"),
        "{text}"
    );
    expect_top(&r.url(), Some(&log(&r)), "E", Instant::now());
}

#[test]
fn hung_by_hand_is_d() {
    let _one = serial();
    let r = start(&[]);
    fill(r.port, "session", 100, 64);
    r.signal(libc::SIGSTOP);
    expect_top(&r.url(), Some(&log(&r)), "D", Instant::now());
}

#[test]
fn hit_rate_collapse_by_hand_is_hit_rate() {
    let _one = serial();
    let r = start(&[]);
    fill(r.port, "cache", 2000, 256);
    let mut app = Traffic::default();
    for _ in 0..2 {
        app.spawn(
            Duration::from_millis(5),
            looping(r.port, get_cmd("cache", 2000)),
        );
    }
    // Not a wait: four seconds of hits, the history the FLUSHALL then collapses.
    std::thread::sleep(Duration::from_secs(4));
    assert!(r.cli(&["FLUSHALL"]).contains("OK"));
    expect_top(&r.url(), Some(&log(&r)), "hit_rate", Instant::now());
}
