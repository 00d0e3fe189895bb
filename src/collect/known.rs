//! What the actions and the diagnosis need of a server's configuration while it does not
//! answer (its `dir`, its AOF's name, its log file, how it was started): remembered from the
//! last time it answered (a small state file per target), else found in its config file or
//! named by its own log. Every value says where it came from. A value holding a control byte,
//! a bidi control or invalid UTF-8 is never kept: it would be filled into a command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::serverlog::{LogFinding, LogKind};
use super::types::{ConfigValues, Info};
use crate::target::{Address, Target};

/// The keys kept: CONFIG's names, and `INFO server`'s for `config_file`, `executable`,
/// `tcp_port`, `run_id`.
pub const KEYS: [&str; 11] = [
    "dir",
    "dbfilename",
    "appendonly",
    "appenddirname",
    "appendfilename",
    "logfile",
    "config_file",
    "executable",
    "tcp_port",
    "run_id",
    "systemd_unit",
];

/// The CONFIG keys among [`KEYS`] (the rest come from `INFO server`).
const CONFIG_KEYS: [&str; 6] = [
    "dir",
    "dbfilename",
    "appendonly",
    "appenddirname",
    "appendfilename",
    "logfile",
];

/// A state file larger than this is not read.
const FILE_MAX: u64 = 64 * 1024;
/// An unchanged record is written again (its `seen` time) at most this often.
pub const REWRITE_EVERY_SECS: u64 = 600;

/// Where a known value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Source {
    /// The state file: what the server said `age_secs` before redtriage started.
    Remembered { age_secs: u64 },
    /// A config file (its path, escaped) and how that file was found.
    ConfigFile { path: String, found: String },
    /// A line of the server's own log.
    ServerLog,
    /// The server itself, now (CONFIG GET, INFO server).
    Server,
    /// The `redis-server` process serving the port on this machine (it does not answer): its
    /// working directory (Redis runs in its `dir`), its binary and the AOF files it holds open.
    Process { pid: u32 },
}

impl Source {
    /// `seen 3d04h ago`, `from /etc/redis/redis.conf (the distribution's default)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Remembered { age_secs } => {
                format!("seen {} ago", crate::format::age(*age_secs))
            }
            Self::ConfigFile { path, found } => format!("from {path} ({found})"),
            Self::ServerLog => "from the server log".into(),
            Self::Server => "from the server (CONFIG GET, INFO server)".into(),
            Self::Process { pid } => format!(
                "from the redis-server process pid {pid} (its working dir, binary, open files)"
            ),
        }
    }
}

/// The values known of a server that may not answer now, each with its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// Key ([`KEYS`]) → (the value as text, where it came from).
    pub values: BTreeMap<String, (String, Source)>,
}

impl Known {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(v, _)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Takes what the server says now over what was known; true when something changed.
    pub fn update_live(&mut self, live: &BTreeMap<String, String>) -> bool {
        let mut changed = false;
        // What the server no longer says is not true any more (an empty config_file), but
        // the binary it does not name and the unit found on this machine stay.
        let gone: Vec<String> = (self.values.keys())
            .filter(|k| {
                !live.contains_key(*k) && !matches!(k.as_str(), "executable" | "systemd_unit")
            })
            .cloned()
            .collect();
        for k in gone {
            self.values.remove(&k);
            changed = true;
        }
        for (k, v) in live {
            let same = self
                .values
                .get(k)
                .is_some_and(|(old, s)| old == v && *s == Source::Server);
            if !same {
                self.values.insert(k.clone(), (v.clone(), Source::Server));
                changed = true;
            }
        }
        changed
    }

    /// Adds the values of `from` that are not known yet, each with `source`.
    fn fill(&mut self, from: &BTreeMap<String, String>, source: &Source) {
        for (k, v) in from {
            if KEYS.contains(&k.as_str()) && !self.values.contains_key(k) {
                self.values.insert(k.clone(), (v.clone(), source.clone()));
            }
        }
    }

    /// What the server's log names: a damaged AOF's file (`appendonly.aof.1.incr.aof`) gives
    /// the AOF's base name and, for a multi-part AOF, Redis 7's directory name when neither
    /// is known. True when something was added.
    pub fn note_log(&mut self, findings: &[LogFinding]) -> bool {
        let Some(name) = (findings.iter().rev())
            .filter(|f| f.kind == LogKind::Aof)
            .find_map(|f| aof_name_in(&f.line))
        else {
            return false;
        };
        let mut added = false;
        if !self.values.contains_key("appendfilename") {
            self.values
                .insert("appendfilename".into(), (name.base, Source::ServerLog));
            added = true;
        }
        if name.multi_part && !self.values.contains_key("appenddirname") {
            self.values.insert(
                "appenddirname".into(),
                ("appendonlydir".into(), Source::ServerLog),
            );
            added = true;
        }
        added
    }
}

/// An AOF file named in a log line.
#[derive(Debug, PartialEq, Eq)]
struct AofName {
    /// `appendfilename`: `appendonly.aof` of `appendonly.aof.1.incr.aof`.
    base: String,
    /// A multi-part AOF (Redis 7+: a manifest and its parts in `appenddirname`).
    multi_part: bool,
}

fn aof_name_in(line: &str) -> Option<AofName> {
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    line.split(|c: char| !word(c) && c != '/')
        .filter_map(|tok| tok.rsplit('/').next())
        .map(|tok| tok.trim_end_matches('.'))
        .find_map(|tok| {
            // `<base>.<n>.incr.aof`, `<base>.<n>.base.aof|rdb`, `<base>.manifest`.
            for suffix in [".incr.aof", ".base.aof", ".base.rdb"] {
                if let Some(rest) = tok.strip_suffix(suffix)
                    && let Some((base, n)) = rest.rsplit_once('.')
                    && !base.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                {
                    return Some(AofName {
                        base: base.into(),
                        multi_part: true,
                    });
                }
            }
            if let Some(base) = tok.strip_suffix(".manifest").filter(|b| !b.is_empty()) {
                return Some(AofName {
                    base: base.into(),
                    multi_part: true,
                });
            }
            let aof = Path::new(tok).extension().is_some_and(|e| e == "aof");
            (tok.len() > 4 && aof && !tok.starts_with('.')).then(|| AofName {
                base: tok.into(),
                multi_part: false,
            })
        })
}

/// The state file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The target, as shown (no password).
    pub target: String,
    /// When the server last said these values (Unix seconds).
    pub seen_unix: u64,
    pub values: BTreeMap<String, String>,
}

pub use crate::escape::usable;

/// What the server says now: CONFIG's values (kept escaped; only printable ones are taken)
/// and `INFO server`'s. Its `executable` only when `exe_here` (the caller found that file):
/// Redis makes a bare `redis-server` found on PATH absolute against its working directory,
/// naming a file that is not there.
pub fn from_live(
    cfg: Option<&ConfigValues>,
    info: &Info,
    exe_here: bool,
) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    if let Some(c) = cfg {
        for k in CONFIG_KEYS {
            if let Some(text) = c.get(k).and_then(crate::escape::original_text) {
                v.insert(k.to_string(), text);
            }
        }
    }
    for (k, escaped) in [
        ("config_file", &info.config_file),
        ("executable", &info.executable),
        ("run_id", &info.run_id),
    ] {
        if let Some(text) = escaped.as_deref().and_then(crate::escape::original_text)
            && !text.is_empty()
            && (k != "executable" || exe_here)
        {
            v.insert(k.to_string(), text);
        }
    }
    if let Some(p) = info.tcp_port {
        v.insert("tcp_port".into(), p.to_string());
    }
    v
}

/// `$XDG_STATE_HOME/redtriage/targets` (else `~/.local/state/redtriage/targets`).
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(base.join("redtriage").join("targets"))
}

/// The state file of `target` in `dir`: its address in safe characters
/// (`127.0.0.1_6379_db0.json`).
pub fn file_for(dir: &Path, target: &Target) -> PathBuf {
    let addr = match &target.address {
        Address::Tcp { host, port } => format!("{host}_{port}"),
        // `/run/redis_x.sock` and `/run/redis/x.sock` read alike below: the whole path's
        // hash tells them apart.
        Address::Unix { path } => {
            let bytes = path.as_os_str().as_encoded_bytes();
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("unix{}_{hash:016x}", path.display())
        }
    };
    let mut name: String = addr
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.truncate(180);
    dir.join(format!("{name}_db{}.json", target.db))
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Paths that must be absolute to be used (a relative one means nothing outside the server's
/// own working directory).
const ABSOLUTE: [&str; 4] = ["dir", "config_file", "executable", "logfile"];

/// Owned by this user and writable by nobody else: the only state files and directories
/// trusted (another user's file could name the binary a restart runs).
fn private(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.uid() == me && meta.mode() & 0o022 == 0
}

/// Reads a state file: only one this user owns, in a directory this user owns, neither
/// writable by others; a value that is not [`usable`] (or a path that is not absolute) is
/// dropped; a file that does not parse is ignored (None).
pub fn load(path: &Path) -> Option<Remembered> {
    use std::io::Read as _;
    let dir = path.parent()?;
    if !std::fs::metadata(dir).is_ok_and(|m| private(&m)) {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    if !f.metadata().is_ok_and(|m| m.is_file() && private(&m)) {
        return None;
    }
    let mut text = String::new();
    f.take(FILE_MAX).read_to_string(&mut text).ok()?;
    let mut r: Remembered = serde_json::from_str(&text).ok()?;
    r.values.retain(|k, v| {
        KEYS.contains(&k.as_str())
            && usable(v).as_deref() == Some(v.as_str())
            && (!ABSOLUTE.contains(&k.as_str()) || v.is_empty() || Path::new(v).is_absolute())
    });
    Some(r)
}

/// Writes a state file atomically: a new private temp file (created, never opened through a
/// link) renamed over it, in a private directory (one that exists with other owners or
/// permissions is refused).
pub fn save(path: &Path, r: &Remembered) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::DirBuilderExt as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if !std::fs::metadata(dir).is_ok_and(|m| private(&m)) {
        return Err(std::io::Error::other(format!(
            "{} is not private to this user",
            crate::escape::display_path(dir)
        )));
    }
    let body = serde_json::to_vec_pretty(r).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".state-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(&body)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A `redis.conf`'s directives, last one wins, keys lower case, `include`s followed (three
/// deep): values as the server reads them (quotes removed).
pub fn read_conf(path: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    read_conf_into(path, &mut out, 0)?;
    Ok(out)
}

fn read_conf_into(
    path: &Path,
    out: &mut BTreeMap<String, String>,
    depth: u8,
) -> std::io::Result<()> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(4 * 1024 * 1024)
        .read_to_string(&mut text)?;
    for (key, value) in parse_conf(&text) {
        if key == "include" {
            let inc = PathBuf::from(&value);
            if depth < 3 && inc.is_absolute() {
                // An include that cannot be read is skipped: the rest still says a lot.
                let _ = read_conf_into(&inc, out, depth + 1);
            }
        } else {
            out.insert(key, value);
        }
    }
    Ok(())
}

/// The directives of a config file's text, in order: `(key lower case, its arguments joined
/// by one space)`, quotes removed as Redis does (`"…"` with `\` escapes, `'…'`).
pub fn parse_conf(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(args) = split_args(line) else {
            continue;
        };
        if let Some((k, rest)) = args.split_first() {
            out.push((k.to_ascii_lowercase(), rest.join(" ")));
        }
    }
    out
}

/// Redis's own argument splitting for a config line; None for unbalanced quotes.
fn split_args(line: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(args);
        };
        let mut cur = String::new();
        match first {
            '"' => {
                chars.next();
                loop {
                    match chars.next()? {
                        '\\' => match chars.next()? {
                            'n' => cur.push('\n'),
                            't' => cur.push('\t'),
                            'r' => cur.push('\r'),
                            'a' => cur.push('\u{7}'),
                            'b' => cur.push('\u{8}'),
                            'x' => {
                                // `\xHH`, a byte: ASCII as itself, any other as a control
                                // character, so the value is never taken as a path.
                                let hex: String = chars.by_ref().take(2).collect();
                                match u8::from_str_radix(&hex, 16) {
                                    Ok(b) if b.is_ascii() => cur.push(char::from(b)),
                                    _ => cur.push('\u{1}'),
                                }
                            }
                            c => cur.push(c),
                        },
                        '"' => break,
                        c => cur.push(c),
                    }
                }
            }
            '\'' => {
                chars.next();
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    cur.push(c);
                    chars.next();
                }
            }
        }
        args.push(cur);
    }
}

/// The values a config file gives, the path itself as `config_file` (made absolute). A
/// relative `dir` is left out: it depends on the directory the server was started from.
fn conf_values(path: &Path, conf: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    for k in CONFIG_KEYS {
        if let Some(val) = conf.get(k).and_then(|s| usable(s)) {
            if k == "dir" && !Path::new(&val).is_absolute() {
                continue;
            }
            v.insert(k.to_string(), val);
        }
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(p) = abs.to_str().and_then(usable) {
        v.insert("config_file".into(), p);
    }
    let port = conf.get("port").map_or("6379", String::as_str);
    if port.parse::<u16>().is_ok() {
        v.insert("tcp_port".into(), port.to_string());
    }
    v
}

/// Whether a config file describes the server at `target` (its `port`, or its `unixsocket`).
fn serves(conf: &BTreeMap<String, String>, target: &Target) -> bool {
    match &target.address {
        Address::Tcp { port, .. } => {
            conf.get("port").map_or("6379", String::as_str) == port.to_string()
        }
        Address::Unix { path } => conf.get("unixsocket").is_some_and(|s| Path::new(s) == path),
    }
}

/// Where to look for the config file: the given one, the remembered one, and for a server on
/// this machine the `redis-server` processes' and systemd units' config files and the
/// distribution's default paths. Each with how it was found, and whether its port must match.
fn candidates(
    target: &Target,
    given: Option<&Path>,
    remembered: Option<&Remembered>,
) -> Vec<(PathBuf, String, bool)> {
    let mut out = Vec::new();
    if let Some(g) = given {
        out.push((g.to_path_buf(), "--redis-conf".into(), false));
    }
    if let Some(c) = remembered.and_then(|r| r.values.get("config_file")) {
        out.push((
            PathBuf::from(c),
            "the file it was started with".into(),
            false,
        ));
    }
    if !target.is_local() {
        return out;
    }
    for (unit, conf) in unit_confs() {
        let unit = crate::escape::plain_str(&unit);
        out.push((conf, format!("systemd unit {unit}"), true));
    }
    for p in ["/etc/redis/redis.conf", "/etc/redis.conf"] {
        out.push((p.into(), "the distribution's default".into(), true));
    }
    out
}

fn is_conf(arg: &str) -> bool {
    Path::new(arg).extension().is_some_and(|e| e == "conf")
}

/// The process listening on `target`'s port on this machine (found through the socket, not
/// its name: any user can call a process `redis-server`), when it is a Redis server run by
/// root or by this user in this machine's root filesystem (not a container's), and what it
/// shows of itself: its working directory (`dir`: Redis changes into it), its binary, the
/// config file on its command line, the AOF files it holds open.
fn process_values(target: &Target) -> Option<(u32, BTreeMap<String, String>)> {
    use std::os::unix::fs::MetadataExt as _;
    let Address::Tcp { port, .. } = &target.address else {
        return None;
    };
    let inodes = listening_inodes(*port);
    if inodes.is_empty() {
        return None;
    }
    // SAFETY: geteuid cannot fail.
    let me = unsafe { libc::geteuid() };
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let base = e.path();
        let trusted = std::fs::metadata(&base).is_ok_and(|m| m.uid() == 0 || m.uid() == me)
            && std::fs::read_link(base.join("root")).is_ok_and(|r| r == Path::new("/"));
        let comm = std::fs::read_to_string(base.join("comm")).unwrap_or_default();
        if !trusted || !matches!(comm.trim(), "redis-server" | "valkey-server") {
            continue;
        }
        if !holds_socket(&base, &inodes) {
            continue;
        }
        let cwd = std::fs::read_link(base.join("cwd")).ok();
        let cmdline = std::fs::read(base.join("cmdline")).unwrap_or_default();
        let conf = (cmdline.split(|&b| b == 0).skip(1))
            .filter_map(|a| std::str::from_utf8(a).ok())
            .find(|a| is_conf(a))
            .map(|c| {
                let p = PathBuf::from(c);
                match (&cwd, p.is_relative()) {
                    (Some(d), true) => d.join(p),
                    _ => p,
                }
            });
        let mut v = BTreeMap::new();
        let text = |p: &Path| p.to_str().and_then(usable);
        if let Some(d) = cwd.as_deref().and_then(text) {
            v.insert("dir".to_string(), d);
        }
        if let Some(x) = (std::fs::read_link(base.join("exe")).ok())
            .map(|x| server_binary(&x, comm.trim()))
            .as_deref()
            .and_then(text)
        {
            v.insert(
                "executable".into(),
                x.trim_end_matches(" (deleted)").to_string(),
            );
        }
        if let Some(c) = conf.as_deref().and_then(text) {
            v.insert("config_file".into(), c);
        }
        v.insert("tcp_port".into(), port.to_string());
        open_aof(&base, cwd.as_deref(), &mut v);
        return Some((pid, v));
    }
    None
}

/// The server's binary by the name it runs as. `/proc/PID/exe` is the file the link points
/// to: on Debian `redis-server` is a link to the multi-call `redis-check-rdb`, and starting
/// that would check an RDB instead of serving. The name (`comm`) beside it, when it exists.
fn server_binary(exe: &Path, comm: &str) -> PathBuf {
    let named = exe.file_name().and_then(|n| n.to_str()) == Some(comm);
    match exe.parent().map(|d| d.join(comm)) {
        Some(beside) if !named && beside.exists() => beside,
        _ => exe.to_path_buf(),
    }
}

/// The inodes of the sockets listening on `port` (`/proc/net/tcp`, `tcp6`).
fn listening_inodes(port: u16) -> Vec<u64> {
    let mut out = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the 10th field.
            let (Some(local), Some(st), Some(inode)) = (f.get(1), f.get(3), f.get(9)) else {
                continue;
            };
            let listening_here = *st == "0A"
                && local
                    .rsplit_once(':')
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                    == Some(port);
            if listening_here && let Ok(i) = inode.parse::<u64>() {
                out.push(i);
            }
        }
    }
    out
}

/// Whether the process at `base` (`/proc/PID`) holds one of the sockets `inodes`.
fn holds_socket(base: &Path, inodes: &[u64]) -> bool {
    let Ok(fds) = std::fs::read_dir(base.join("fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path()).ok().is_some_and(|l| {
            (l.to_str())
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|i| inodes.contains(&i))
        })
    })
}

/// `appendfilename` (and `appenddirname` for a multi-part AOF) from the AOF files the process
/// holds open under its working directory.
fn open_aof(base: &Path, cwd: Option<&Path>, v: &mut BTreeMap<String, String>) {
    let (Some(cwd), Ok(fds)) = (cwd, std::fs::read_dir(base.join("fd"))) else {
        return;
    };
    for fd in fds.flatten() {
        let Ok(target) = std::fs::read_link(fd.path()) else {
            continue;
        };
        let Ok(rel) = target.strip_prefix(cwd) else {
            continue;
        };
        let Some(name) = rel
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(aof_name_in)
        else {
            continue;
        };
        let parent = rel
            .parent()
            .and_then(Path::to_str)
            .filter(|p| !p.is_empty());
        if name.multi_part {
            let Some(dir) = parent.and_then(usable) else {
                continue;
            };
            v.insert("appenddirname".into(), dir);
        }
        if let Some(base) = usable(&name.base) {
            v.insert("appendfilename".into(), base);
        }
        return;
    }
}

/// The config files named by `ExecStart` of the systemd units for Redis.
fn unit_confs() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for dir in [
        "/etc/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !(name.starts_with("redis") || name.starts_with("valkey"))
                || !name.ends_with(".service")
            {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let conf = (text.lines())
                .filter_map(|l| l.trim().strip_prefix("ExecStart="))
                .flat_map(str::split_whitespace)
                .find(|a| is_conf(a) && a.starts_with('/'));
            if let Some(c) = conf {
                out.push((name, PathBuf::from(c)));
            }
        }
    }
    out
}

/// What is known of `target` before it answers: the given config file's values, then the
/// remembered ones, then the first config file found that serves the target's port.
pub fn discover(target: &Target, given: Option<&Path>, remembered: Option<&Remembered>) -> Known {
    let mut known = Known::default();
    let from_conf = |known: &mut Known, path: &Path, found: &str, must_serve: bool| {
        let Ok(conf) = read_conf(path) else {
            return false;
        };
        if must_serve && !serves(&conf, target) {
            return false;
        }
        let source = Source::ConfigFile {
            path: crate::escape::display_path(path),
            found: found.into(),
        };
        known.fill(&conf_values(path, &conf), &source);
        true
    };
    let cands = candidates(target, given, remembered);
    let mut rest = cands.iter();
    if given.is_some()
        && let Some((p, found, must)) = rest.next()
    {
        from_conf(&mut known, p, found, *must);
    }
    if let Some(r) = remembered {
        let age_secs = now_unix().saturating_sub(r.seen_unix);
        known.fill(&r.values, &Source::Remembered { age_secs });
    }
    if target.is_local()
        && let Some((pid, values)) = process_values(target)
    {
        known.fill(&values, &Source::Process { pid });
    }
    // How it runs: the systemd unit whose config file serves the port, kept apart from the
    // config file itself (which may be remembered), for the restart that fits.
    if target.is_local() {
        let unit = unit_confs().into_iter().find_map(|(unit, conf)| {
            let c = read_conf(&conf).ok()?;
            serves(&c, target).then_some((unit, conf))
        });
        if let Some((unit, conf)) = unit.filter(|(u, _)| usable(u).is_some()) {
            let source = Source::ConfigFile {
                path: crate::escape::display_path(&conf),
                found: format!("systemd unit {unit}"),
            };
            known.values.insert("systemd_unit".into(), (unit, source));
        }
    }
    for (p, found, must) in rest {
        if from_conf(&mut known, p, found, *must) {
            break;
        }
    }
    known
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(line: &str) -> LogFinding {
        LogFinding {
            kind: LogKind::Aof,
            line: line.into(),
        }
    }

    #[test]
    fn a_log_line_names_the_aof() {
        let mut k = Known::default();
        let line = "1:M 03 Dec 2026 10:00:00.000 # Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>";
        assert!(k.note_log(&[finding(line)]));
        assert_eq!(k.get("appendfilename"), Some("appendonly.aof"));
        assert_eq!(k.get("appenddirname"), Some("appendonlydir"));
        // Redis 6: one file, no directory.
        let mut k = Known::default();
        k.note_log(&[finding(
            "# Bad file format reading the append only file /data/my.aof",
        )]);
        assert_eq!(k.get("appendfilename"), Some("my.aof"));
        assert_eq!(k.get("appenddirname"), None);
        // Known values stay.
        let mut k = Known::default();
        k.values.insert(
            "appendfilename".into(),
            ("x.aof".into(), Source::Remembered { age_secs: 1 }),
        );
        k.note_log(&[finding(
            "reading the append only file appendonly.aof.3.base.rdb",
        )]);
        assert_eq!(k.get("appendfilename"), Some("x.aof"));
        assert!(!Known::default().note_log(&[finding("append only file: nothing named")]));
    }

    #[test]
    fn config_lines_split_as_redis_does() {
        let text = "# c\nport 7001\ndir \"/srv/my data\"\nsave 900 1\nappendfilename 'a b.aof'\nbad \"open\nPORT 7002\n";
        let got = parse_conf(text);
        assert_eq!(
            got,
            vec![
                ("port".into(), "7001".into()),
                ("dir".into(), "/srv/my data".into()),
                ("save".into(), "900 1".into()),
                ("appendfilename".into(), "a b.aof".into()),
                ("port".into(), "7002".into()),
            ]
        );
    }

    #[test]
    fn a_state_file_round_trips_privately_and_hostile_values_are_dropped() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = crate::target::parse_url("redis://127.0.0.1:7001/2").expect("url");
        let path = file_for(&dir.path().join("targets"), &target);
        assert!(path.ends_with("127.0.0.1_7001_db2.json"), "{path:?}");
        let mut values = BTreeMap::new();
        values.insert("dir".into(), "/srv/data".into());
        values.insert("logfile".into(), "/var/log/r\u{1b}]0;x\u{7}.log".into());
        values.insert("password".into(), "never".into());
        let r = Remembered {
            target: target.display(),
            seen_unix: 1,
            values,
        };
        save(&path, &r).expect("save");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dmode = std::fs::metadata(path.parent().expect("dir"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(dmode & 0o777, 0o700);
        let back = load(&path).expect("load");
        assert_eq!(
            back.values.get("dir").map(String::as_str),
            Some("/srv/data")
        );
        assert!(!back.values.contains_key("logfile"), "{back:?}");
        assert!(!back.values.contains_key("password"), "{back:?}");
        // Writable by others: not trusted (it could name the binary a restart runs).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).expect("chmod");
        assert!(load(&path).is_none());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(load(&path).is_some());
        // A relative path is dropped.
        let mut rel = r.clone();
        rel.values.insert("config_file".into(), "redis.conf".into());
        save(&path, &rel).expect("save");
        assert!(
            !load(&path)
                .expect("load")
                .values
                .contains_key("config_file")
        );
        std::fs::write(&path, "{not json").expect("write");
        assert!(load(&path).is_none());
        // Two sockets whose paths differ only in `/` and `_` get two files.
        let a = crate::target::parse_url("unix:///run/redis_x.sock").expect("url");
        let b = crate::target::parse_url("unix:///run/redis/x.sock").expect("url");
        assert_ne!(file_for(dir.path(), &a), file_for(dir.path(), &b));
    }

    #[test]
    fn a_multi_call_binary_is_named_as_the_server_it_runs_as() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("redis-check-rdb");
        std::fs::write(&real, "").unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("redis-server")).unwrap();
        assert_eq!(
            server_binary(&real, "redis-server"),
            dir.path().join("redis-server")
        );
        // A binary of its own name, or nothing of that name beside it: the file itself.
        assert_eq!(server_binary(&real, "valkey-server"), real);
        let own = dir.path().join("redis-server");
        assert_eq!(server_binary(&own, "redis-server"), own);
    }

    #[test]
    fn a_given_config_file_fills_what_is_not_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("r.conf");
        std::fs::write(
            &conf,
            "port 7001\ndir /srv/data\nappendonly yes\nappenddirname aofs\nlogfile r.log\n",
        )
        .expect("write");
        let target = crate::target::parse_url("redis://10.0.0.5:7001").expect("url");
        let mut values = BTreeMap::new();
        values.insert("dir".into(), "/old".into());
        values.insert("executable".into(), "/usr/bin/redis-server".into());
        let r = Remembered {
            target: target.display(),
            seen_unix: now_unix() - 3600,
            values,
        };
        let k = discover(&target, Some(&conf), Some(&r));
        // The given file first, then what was remembered.
        assert_eq!(k.get("dir"), Some("/srv/data"));
        assert_eq!(k.get("appenddirname"), Some("aofs"));
        assert_eq!(k.get("executable"), Some("/usr/bin/redis-server"));
        assert_eq!(k.get("config_file"), conf.to_str());
        let (_, src) = &k.values["executable"];
        assert_eq!(src.describe(), "seen 1h00m ago");
        let (_, src) = &k.values["dir"];
        assert!(src.describe().ends_with("(--redis-conf)"), "{src:?}");
        // Remote and nothing given: only what was remembered.
        let k = discover(&target, None, Some(&r));
        assert_eq!(k.get("dir"), Some("/old"));
        // A hostile byte in a config file's path is never kept; a relative dir neither.
        std::fs::write(
            &conf,
            "port 7001\ndir \"/srv/x\\x1b]0;PWNED\\x07\"\nappendfilename \"a\u{202e}b.aof\"\n",
        )
        .expect("write");
        let k = discover(&target, Some(&conf), None);
        assert_eq!(k.get("dir"), None, "{k:?}");
        assert_eq!(k.get("appendfilename"), None, "{k:?}");
        std::fs::write(&conf, "port 7001\ndir ./data\n").expect("write");
        assert_eq!(discover(&target, Some(&conf), None).get("dir"), None);
    }
}
