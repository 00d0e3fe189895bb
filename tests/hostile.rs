//! Hostile bytes in every place the real TUI shows data, on a real PTY: slowlog keys and
//! arguments, Lua error replies (INFO errorstats), ACL user and client names (CLIENT LIST),
//! CONFIG values (the `check-rdb` plan), Prometheus label values and alert annotations, and
//! external command output. For each, the raw byte stream the terminal receives holds no
//! control sequence from the data (only what crossterm writes for ratatui, see
//! `common::pty::control_violations`, and never a payload's raw bytes), and the emulated
//! screen shows the bytes escaped exactly as `redis-cli --no-raw` prints them.

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::Duration;

use common::Redis;
use common::pty::{Pty, control_violations};

const LIMIT: Duration = Duration::from_secs(20);

/// One word each (no space): CSI clear and colour, OSC title and OSC 52 with BEL, BEL/CR/BS/DEL,
/// raw C1 bytes, C1 as UTF-8, bidi overrides and isolates, invalid UTF-8. Each carries a marker
/// and escapes to at most 32 cells (the widest name/user column).
const PAYLOADS: &[&[u8]] = &[
    b"csi\x1b[2JCLR1",
    b"sgr\x1b[31mRED1",
    b"osc\x1b]0;PWNED1\x07",
    b"osc52\x1b]52;c;cHduZWQ=\x07",
    b"ctl\x07BEL\x08BS\x7fDEL\rCR",
    b"c1raw\x9b31m\x9d0;T\x9c",
    "c1u\u{9b}2J\u{85}".as_bytes(),
    "c1v\u{9d}0;T\u{9c}".as_bytes(),
    "bidi\u{202e}R\u{2066}".as_bytes(),
    "iso\u{2067}\u{2068}".as_bytes(),
    "pdi\u{2069}".as_bytes(),
    b"badutf8\xff\xfe\xc3(\xe2\x80",
];

/// Raw sequences that must never reach the terminal, whatever else the stream holds.
const RAW_MARKERS: &[&[u8]] = &[
    b"\x1b[2JCLR1",
    b"\x1b[31mRED1",
    b"\x1b]",
    b"\x07",
    b"\x9b",
    b"\xe2\x80\xae",
];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// redis-cli's own rendering of `bytes` (`ECHO` with `--no-raw`), quotes included.
fn cli_repr(redis: &Redis, bytes: &[u8]) -> String {
    let out = Command::new("redis-cli")
        .args(["--no-raw", "-p", &redis.port.to_string(), "ECHO"])
        .arg(OsStr::from_bytes(bytes))
        .output()
        .expect("redis-cli");
    let text = String::from_utf8(out.stdout).expect("redis-cli --no-raw prints ASCII");
    let text = text.trim_end().to_string();
    assert!(text.starts_with('"') && text.ends_with('"'), "{text}");
    text
}

/// The same without the quotes (how names and values are shown in table cells).
fn cli_plain(redis: &Redis, bytes: &[u8]) -> String {
    let q = cli_repr(redis, bytes);
    q[1..q.len() - 1].to_string()
}

/// redis-cli with raw byte arguments; stdout.
fn cli_bytes(redis: &Redis, args: &[&[u8]]) -> Vec<u8> {
    let out = Command::new("redis-cli")
        .args(["-p", &redis.port.to_string()])
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .output()
        .expect("redis-cli");
    out.stdout
}

/// The two assertions on the raw stream, with the screen for context.
fn assert_stream_clean(tui: &Pty) {
    let raw = tui.raw();
    let bad = control_violations(&raw);
    assert!(
        bad.is_empty(),
        "control sequences in the stream: {bad:?}\nscreen:\n{}",
        tui.screen()
    );
    for p in PAYLOADS.iter().chain(RAW_MARKERS) {
        assert!(
            !contains(&raw, p),
            "raw payload {:?} reached the terminal",
            String::from_utf8_lossy(p)
        );
    }
}

fn quit(mut tui: Pty) {
    tui.keys("q");
    tui.wait_gone(Duration::from_secs(10));
    assert_stream_clean(&tui);
}

#[test]
fn slowlog_keys_and_arguments_show_as_redis_cli_prints_them() {
    let redis = Redis::start(&["--slowlog-log-slower-than", "0"]);
    let mut want = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        // The ECHO itself is logged: an argument. The SET: a key name.
        let repr = cli_repr(&redis, p);
        cli_bytes(&redis, &[b"SET", p, format!("v{i}").as_bytes()]);
        want.push(format!("\"ECHO\" {repr}"));
        want.push(format!("\"SET\" {repr} \"v{i}\""));
    }
    // Only these entries: redtriage's own commands would push them out.
    redis.cli(&["CONFIG", "SET", "slowlog-log-slower-than", "100000000"]);
    let url = redis.url();
    let mut tui = Pty::start(&[&url, "--interval", "200ms"], 200, 50);
    tui.wait_for("UP", LIMIT);
    tui.keys("3");
    tui.keys("\r");
    let screen = tui.wait_until("every hostile slowlog entry", LIMIT, |s| {
        want.iter().all(|w| s.contains(w.as_str()))
    });
    assert!(screen.contains("Slowlog"), "{screen}");
    assert_stream_clean(&tui);
    quit(tui);
}

#[test]
fn lua_error_prefixes_show_as_redis_cli_prints_them() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    let mut tui = Pty::start(&[&url, "--interval", "200ms"], 200, 50);
    tui.wait_for("UP", LIMIT);
    for p in PAYLOADS {
        let mut reply = p.to_vec();
        reply.extend_from_slice(b" the rest");
        cli_bytes(
            &redis,
            &[b"EVAL", b"return redis.error_reply(ARGV[1])", b"0", &reply],
        );
    }
    // The prefixes as the server stored them (INFO is raw even with --no-raw), then their
    // redis-cli rendering.
    let info = cli_bytes(&redis, &[b"INFO", b"errorstats"]);
    let mut want = Vec::new();
    for line in info.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"errorstat_") {
            let end = rest
                .windows(7)
                .rposition(|w| w == b":count=")
                .expect(":count=");
            want.push(cli_plain(&redis, &rest[..end]));
        }
    }
    assert_eq!(
        want.len(),
        PAYLOADS.len(),
        "{}",
        String::from_utf8_lossy(&info)
    );
    tui.keys("6");
    tui.keys("\r");
    tui.wait_until("every hostile error prefix", LIMIT, |s| {
        want.iter().all(|w| s.contains(w.as_str()))
    });
    assert_stream_clean(&tui);
    quit(tui);
}

/// Sends one RESP command with raw arguments; reads the first reply line.
fn resp(conn: &mut std::net::TcpStream, args: &[&[u8]]) -> Vec<u8> {
    use std::io::{BufRead, Write};
    let mut cmd = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        cmd.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        cmd.extend_from_slice(a);
        cmd.extend_from_slice(b"\r\n");
    }
    conn.write_all(&cmd).expect("write");
    let mut line = Vec::new();
    std::io::BufReader::new(conn.try_clone().expect("clone"))
        .read_until(b'\n', &mut line)
        .expect("reply");
    line
}

#[test]
fn acl_user_and_client_names_show_as_redis_cli_prints_them() {
    let redis = Redis::start(&[]);
    let mut conns = Vec::new();
    let mut want = Vec::new();
    // ACL user names refuse spaces, CR/LF and NUL only: everything else is a user here.
    for p in PAYLOADS.iter().filter(|p| !p.contains(&b'\r')) {
        let out = cli_bytes(&redis, &[b"ACL", b"SETUSER", p, b"on", b"nopass", b"+@all"]);
        assert!(out.starts_with(b"OK"), "{}", String::from_utf8_lossy(&out));
        let mut c = std::net::TcpStream::connect(("127.0.0.1", redis.port)).expect("connect");
        let ok = resp(&mut c, &[b"AUTH", p, b"x"]);
        assert!(ok.starts_with(b"+OK"), "{}", String::from_utf8_lossy(&ok));
        want.push(cli_plain(&redis, p));
        conns.push(c);
    }
    // Client names refuse everything outside '!'..='~': quotes, backslashes and shell.
    let name: &[u8] = b"n\"q\\b$(x)`y`";
    let mut c = std::net::TcpStream::connect(("127.0.0.1", redis.port)).expect("connect");
    let ok = resp(&mut c, &[b"CLIENT", b"SETNAME", name]);
    assert!(ok.starts_with(b"+OK"), "{}", String::from_utf8_lossy(&ok));
    conns.push(c);
    let name_want = cli_plain(&redis, name);
    let url = redis.url();
    let mut tui = Pty::start(&[&url, "--interval", "200ms"], 200, 50);
    tui.wait_for("UP", LIMIT);
    tui.keys("2");
    tui.keys("\r");
    // Single clients: one row each, with name and user.
    tui.keys("g");
    tui.wait_until("every hostile user and the name", LIMIT, |s| {
        want.iter().all(|w| s.contains(w.as_str())) && s.contains(&name_want)
    });
    assert_stream_clean(&tui);
    quit(tui);
    drop(conns);
}
