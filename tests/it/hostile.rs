//! Hostile bytes in every place the real TUI shows data, on a real PTY: slowlog keys and
//! arguments, Lua error replies (INFO errorstats), ACL user and client names (CLIENT LIST;
//! CLIENT SETNAME and HELLO SETNAME), CONFIG values (action plans), Prometheus label values,
//! alert annotations and fleet instances, external command output, and the server's log. For each, the raw byte stream the terminal receives holds no
//! control sequence from the data (only what crossterm writes for ratatui, see
//! `common::pty::control_violations`, and never a payload's raw bytes), and the emulated
//! screen shows the bytes escaped exactly as `redis-cli --no-raw` prints them.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::Duration;

use crate::common::pty::{Pty, control_violations};
use crate::common::{self, Redis};

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
    // The same rule for HELLO … SETNAME.
    let hello: &[u8] = b"h'e\\l\"o;|&<>";
    let mut c = std::net::TcpStream::connect(("127.0.0.1", redis.port)).expect("connect");
    let ok = resp(&mut c, &[b"HELLO", b"2", b"SETNAME", hello]);
    assert!(ok.starts_with(b"*"), "{}", String::from_utf8_lossy(&ok));
    conns.push(c);
    want.push(cli_plain(&redis, hello));
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

/// redis-cli's rendering of `CONFIG GET name`'s value, quotes removed.
fn cli_config(redis: &Redis, name: &str) -> String {
    let out = Command::new("redis-cli")
        .args([
            "--no-raw",
            "-p",
            &redis.port.to_string(),
            "CONFIG",
            "GET",
            name,
        ])
        .output()
        .expect("redis-cli");
    let text = String::from_utf8(out.stdout).expect("ASCII");
    let line = text.lines().nth(1).expect("the value line");
    let q = line.trim_start_matches("2) ");
    q[1..q.len() - 1].to_string()
}

#[test]
fn config_dir_and_dbfilename_show_as_redis_cli_prints_them_and_are_not_passed_on() {
    let redis = Redis::start(&["--enable-protected-configs", "yes"]);
    // A real directory with a hostile name (no '/', no NUL), and a hostile file name.
    let mut dir = redis.dir.path().as_os_str().as_bytes().to_vec();
    dir.extend_from_slice(b"/d\x1b]0;PWNED3\x07\x1b[2JCLR3\xe2\x80\xae\x9b\xff");
    std::fs::create_dir(OsStr::from_bytes(&dir)).expect("mkdir");
    let file: &[u8] = b"f\x1b[31mRED3\x08\x7f\xc2\x85\r.rdb";
    for (k, v) in [(&b"dir"[..], &dir[..]), (b"dbfilename", file)] {
        let out = cli_bytes(&redis, &[b"CONFIG", b"SET", k, v]);
        assert!(out.starts_with(b"OK"), "{}", String::from_utf8_lossy(&out));
    }
    // An action whose plan is filled from CONFIG GET (as the shipped check-rdb's
    // `{rdb_path}`): the server's values exist here only escaped, so the plan names them
    // (as redis-cli prints them) and refuses to run a command on the escaped text.
    let rb = redis.dir.path().join("runbook.toml");
    let action = |name: &str, arg: &str| {
        format!(
            "[[action]]\nname = \"{name}\"\ntitle = \"{name}\"\nkind = \"external\"\n\
             commands = [[\"true\", \"{arg}\"]]\n"
        )
    };
    let text = action("show-dir", "{dir}") + &action("show-file", "{dbfilename}");
    std::fs::write(&rb, text).expect("runbook");
    let url = redis.url();
    let rb = rb.display().to_string();
    let mut tui = Pty::start(&[&url, "--interval", "200ms", "--runbook", &rb], 200, 50);
    // The slow-cadence CONFIG GET is in once the policy shows.
    tui.wait_for("policy noeviction", LIMIT);
    for (name, key) in [("show-dir", "dir"), ("show-file", "dbfilename")] {
        let want = format!("\"{}\"", cli_config(&redis, key));
        tui.keys("a");
        tui.wait_for("enter choose", LIMIT);
        tui.keys(name);
        tui.keys("\r");
        let screen = tui.wait_for(&format!("the server's {key} is"), LIMIT);
        // The dialog wraps: compare with the line breaks and borders taken out.
        let joined: String = screen
            .lines()
            .filter_map(|l| l.split('│').nth(2))
            .map(str::trim)
            .collect();
        assert!(joined.contains(&want), "{want} not in:\n{screen}");
        assert!(!screen.contains("y = run"), "{screen}");
        tui.keys("x");
        tui.wait_until("the dialog closed", LIMIT, |s| !s.contains("the server's"));
    }
    assert_stream_clean(&tui);
    quit(tui);
}

/// printf's format for `bytes` followed by a newline: octal for every non-printable byte.
fn printf_format(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut f = String::new();
    for &b in bytes {
        match b {
            b'%' => f.push_str("%%"),
            b'\\' => f.push_str("\\\\"),
            b'\'' => f.push_str("\\047"),
            0x20..=0x7e => f.push(char::from(b)),
            _ => {
                let _ = write!(f, "\\{b:03o}");
            }
        }
    }
    f.push_str("\\n");
    f
}

#[test]
fn external_command_output_shows_as_redis_cli_prints_it() {
    let redis = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let format: String = PAYLOADS.iter().map(|p| printf_format(p)).collect();
    let rb = tmp.path().join("runbook.toml");
    std::fs::write(
        &rb,
        format!(
            "[[action]]\nname = \"evil-output\"\ntitle = \"evil output\"\nkind = \"external\"\n\
             commands = [[\"printf\", '{format}']]\n"
        ),
    )
    .expect("runbook");
    let want: Vec<String> = PAYLOADS.iter().map(|p| cli_plain(&redis, p)).collect();
    let url = redis.url();
    let log = tmp.path().join("log.jsonl");
    let (rb, log) = (rb.display().to_string(), log.display().to_string());
    let args = [
        &url,
        "--interval",
        "200ms",
        "--runbook",
        &rb,
        "--incident-log",
        &log,
    ];
    let mut tui = Pty::start(&args, 200, 50);
    tui.wait_for("UP", LIMIT);
    tui.keys("a");
    tui.wait_for("enter choose", LIMIT);
    tui.keys("evil-output");
    tui.keys("\r");
    tui.wait_for("y = run", LIMIT);
    tui.keys("y");
    tui.wait_until("every output line", LIMIT, |s| {
        want.iter().all(|w| s.contains(w.as_str()))
    });
    assert_stream_clean(&tui);
    quit(tui);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_labels_and_alert_annotations_show_escaped() {
    use crate::common::prom::{Exporter, Prometheus};
    let redis = Redis::start(&[]);
    let exporter = Exporter::start(redis.port);
    let instance = format!("127.0.0.1:{}", redis.port);
    // YAML double-quoted escapes: \e ESC, \a BEL, \b BS, \r CR, \x7f DEL, \x9b U+009B.
    let label = r"l\e]0;PWNED4\a\x9b\u202e";
    let sev = r"s\e[31mRED4\x85\u2066";
    let summary = r"a\e[2JCLR4 \e]52;c;cHduZWQ=\a \b\x7f\r \u2069\u2067";
    let fleet_instance = r"i\e[2JCLR5\e]0;PWNED5\a\u202e";
    let targets = vec![
        (
            exporter.port,
            format!("instance: \"{instance}\", evil: \"{label}\""),
        ),
        (exporter.port, format!("instance: \"{fleet_instance}\"")),
    ];
    let rules = format!(
        "      - alert: Hostile\n        expr: redis_up == 1\n        for: 0s\n        \
         labels: {{sev: \"{sev}\"}}\n        annotations: {{summary: \"{summary}\"}}\n"
    );
    let prom = Prometheus::start_custom(&targets, &rules);
    prom.wait_series("ALERTS{alertname=\"Hostile\"}", 2, Duration::from_secs(60));
    // What the strings are once YAML has decoded them, rendered by redis-cli.
    let decode = |s: &str| -> Vec<u8> {
        s.replace(r"\e", "\x1b")
            .replace(r"\a", "\x07")
            .replace(r"\b", "\x08")
            .replace(r"\r", "\r")
            .replace(r"\x7f", "\x7f")
            .replace(r"\x9b", "\u{9b}")
            .replace(r"\x85", "\u{85}")
            .replace(r"\u202e", "\u{202e}")
            .replace(r"\u2066", "\u{2066}")
            .replace(r"\u2067", "\u{2067}")
            .replace(r"\u2069", "\u{2069}")
            .into_bytes()
    };
    let want_alert = [
        cli_plain(&redis, &decode(label)),
        cli_plain(&redis, &decode(sev)),
        cli_plain(&redis, &decode(summary)),
    ];
    let want_fleet = cli_plain(&redis, &decode(fleet_instance));
    let url = redis.url();
    let (purl, sel) = (prom.url(), format!("instance=\"{instance}\""));
    let args = [
        &url,
        "--interval",
        "200ms",
        "--prometheus",
        &purl,
        "--prom-selector",
        &sel,
    ];
    let mut tui = Pty::start(&args, 280, 50);
    tui.wait_for("UP", LIMIT);
    tui.keys("A");
    tui.wait_until(
        "the hostile alert's labels and summary",
        Duration::from_secs(60),
        |s| want_alert.iter().all(|w| s.contains(w.as_str())),
    );
    tui.keys("A");
    tui.keys("F");
    tui.wait_until(
        "the hostile instance in the fleet",
        Duration::from_secs(60),
        |s| s.contains(&want_fleet),
    );
    assert_stream_clean(&tui);
    tui.esc();
    quit(tui);
}

#[test]
fn server_log_lines_show_as_redis_cli_prints_them() {
    // Nothing listens on the target: the diagnosis reads the server's log (every 2 s) and
    // names its newest finding. Each round appends a new start and one hostile line.
    let renderer = Redis::start(&[]);
    let tmp = tempfile::tempdir().expect("tmp");
    let log = tmp.path().join("redis.log");
    std::fs::write(&log, b"").expect("log");
    let url = format!("redis://127.0.0.1:{}", common::free_port());
    let log_s = log.display().to_string();
    let args = [&url, "--interval", "200ms", "--server-log", &log_s];
    let mut tui = Pty::start(&args, 280, 40);
    tui.wait_for("DOWN", LIMIT);
    tui.keys("d");
    for chunk in PAYLOADS.chunks(4) {
        let mut line = b"1:M 01 Jan 2026 00:00:01.000 # Short read or OOM loading DB.".to_vec();
        for p in chunk {
            line.push(b' ');
            line.extend_from_slice(p);
        }
        let want = cli_plain(&renderer, &line);
        let mut text = std::fs::read(&log).expect("log");
        text.extend_from_slice(b"1:C 01 Jan 2026 00:00:00.000 # oO0OoO0OoO0Oo Redis is starting\n");
        text.extend_from_slice(&line);
        text.push(b'\n');
        std::fs::write(&log, &text).expect("log");
        tui.wait_for(&want, LIMIT);
    }
    assert_stream_clean(&tui);
    tui.esc();
    quit(tui);
}
