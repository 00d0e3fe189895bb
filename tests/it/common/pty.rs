//! The real binary on a pseudo-terminal, as a terminal emulator sees it: every byte it writes
//! is kept (the raw stream) and fed to a `vt100` emulator (the screen). `portable-pty` opens
//! the pair and makes the slave the child's controlling terminal (setsid + TIOCSCTTY), so a
//! resize (TIOCSWINSZ on the master) reaches the child as SIGWINCH like in a real terminal.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::poll;

/// What the reader thread shares: the raw stream and the emulator it was fed to.
struct Seen {
    raw: Vec<u8>,
    parser: vt100::Parser,
    /// The reader saw EOF: the program exited and everything it wrote is in `raw`.
    eof: bool,
}

/// `redtriage ARGS` on a PTY of a given size; killed on drop.
pub struct Pty {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    seen: Arc<Mutex<Seen>>,
}

fn nz(n: u16) -> std::num::NonZero<u16> {
    std::num::NonZero::new(n.max(1)).expect("non-zero")
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

impl Pty {
    /// Starts `redtriage ARGS` with `TERM=xterm-256color` on a `cols`×`rows` terminal.
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Self {
        Self::start_env(args, &[], cols, rows)
    }

    /// [`Pty::start`] with these environment variables set as well.
    pub fn start_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Self {
        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .expect("openpty");
        let mut cmd = CommandBuilder::new(super::bin::path());
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("REDISCLI_AUTH");
        cmd.env("XDG_STATE_HOME", super::bin::fresh_state_home());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(std::env::current_dir().expect("cwd"));
        let child = pair.slave.spawn_command(cmd).expect("spawn redtriage");
        // Only the child keeps the slave open: the reader sees EOF when it exits.
        drop(pair.slave);
        let seen = Arc::new(Mutex::new(Seen {
            raw: Vec::new(),
            parser: vt100::Parser::new(nz(rows), nz(cols), 0),
            eof: false,
        }));
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let shared = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = super::read_some(&mut reader, &mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = shared.lock().expect("lock");
                s.raw.extend_from_slice(&buf[..n]);
                s.parser.process(&buf[..n]);
            }
            shared.lock().expect("lock").eof = true;
        });
        let writer = pair.master.take_writer().expect("writer");
        Self {
            master: pair.master,
            writer,
            child,
            seen,
        }
    }

    /// Everything the program wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.seen.lock().expect("lock").raw.clone()
    }

    /// The emulated screen as text, one line per row (trailing blanks trimmed).
    pub fn screen(&self) -> String {
        self.seen.lock().expect("lock").parser.screen().contents()
    }

    /// The emulated screen's size (rows, cols).
    pub fn screen_size(&self) -> (u16, u16) {
        let (rows, cols) = self.seen.lock().expect("lock").parser.screen().size();
        (rows.get(), cols.get())
    }

    /// Types `keys` (bytes as a terminal sends them).
    pub fn keys(&mut self, keys: &str) {
        self.send(keys.as_bytes());
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush");
    }

    /// ESC alone, then a pause: ESC followed at once by a key reads as alt+key.
    pub fn esc(&mut self) {
        self.send(b"\x1b");
        // Not a wait: what an ESC closes depends on what is open, so no one sign on screen
        // follows every ESC; the pause is the gap a terminal leaves between two keys.
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Sets the terminal size (TIOCSWINSZ; the kernel sends SIGWINCH to the child's group).
    /// The emulator is resized first, as a terminal window is before its program redraws.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.seen
            .lock()
            .expect("lock")
            .parser
            .screen_mut()
            .set_size(nz(rows), nz(cols));
        self.master.resize(size(cols, rows)).expect("TIOCSWINSZ");
    }

    /// Waits until the screen contains `what`; panics with the screen after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration) -> String {
        self.wait_until(what, limit, |s| s.contains(what))
    }

    /// Waits until `cond` holds on the screen text; panics with the screen after `limit`.
    pub fn wait_until(&self, what: &str, limit: Duration, cond: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        let seen = poll(limit, Duration::from_millis(50), || {
            screen = self.screen();
            if cond(&screen) {
                return true;
            }
            assert!(
                self.alive(),
                "redtriage exited waiting for {what:?}:\n{screen}\n{}",
                String::from_utf8_lossy(&self.raw())
            );
            false
        });
        assert!(seen, "{what:?} not on screen:\n{screen}");
        screen
    }

    /// The last frame the program drew on the alternate screen before it left it: the raw
    /// stream up to its last `ESC[?1049l`, replayed into a fresh emulator of the current size.
    /// Waits (up to `limit`) for the program to exit and its output to be read to the end.
    pub fn last_frame(&mut self, limit: Duration) -> String {
        const LEAVE: &[u8] = b"\x1b[?1049l";
        self.wait_gone(limit);
        let read = poll(limit, Duration::from_millis(20), || {
            self.seen.lock().expect("lock").eof
        });
        assert!(read, "output not read to the end");
        let raw = self.raw();
        let end = (raw.windows(LEAVE.len()))
            .rposition(|w| w == LEAVE)
            .expect("the program left the alternate screen");
        let (rows, cols) = self.screen_size();
        let mut parser = vt100::Parser::new(nz(rows), nz(cols), 0);
        parser.process(&raw[..end]);
        parser.screen().contents()
    }

    /// The number of raw bytes so far (to wait for output after a key).
    pub fn len(&self) -> usize {
        self.seen.lock().expect("lock").raw.len()
    }

    pub fn alive(&self) -> bool {
        let pid = self.child.process_id().expect("pid");
        // SAFETY: signal 0 only checks that our child exists; a zombie counts as gone below.
        let exists = unsafe { libc::kill(pid as i32, 0) } == 0;
        exists && !is_zombie(pid)
    }

    /// Waits until the program has exited.
    pub fn wait_gone(&mut self, limit: Duration) {
        let gone = poll(limit, Duration::from_millis(50), || {
            self.child.try_wait().expect("try_wait").is_some()
        });
        assert!(gone, "still running");
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
    })
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a terminal may receive from redtriage: the sequences crossterm and ratatui write for
/// the full-screen dashboard (alternate screen, cursor visibility and position, clear, SGR
/// attributes and 256/RGB colours) and printable UTF-8. Returns every other thing found: any
/// C0 byte but ESC (BEL, BS, CR, LF…), DEL, OSC/DCS/APC/PM/SOS or any other ESC sequence, a
/// CSI outside that list (e.g. `ESC[31m`, which crossterm never writes for colours), invalid
/// UTF-8 (a raw C1 byte is one), C1 code points U+0080–U+009F and bidi controls.
pub fn control_violations(raw: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == 0x1b {
            if raw.get(i + 1) == Some(&b'[') {
                let end = csi_end(raw, i + 2);
                let seq =
                    String::from_utf8_lossy(&raw[i + 2..(end + 1).min(raw.len())]).into_owned();
                if end >= raw.len() {
                    // Cut off by the end of the capture: not a finding.
                    break;
                }
                if !allowed_csi(&seq) {
                    bad.push(format!("CSI {seq:?} at {i}"));
                }
                i = end + 1;
            } else {
                bad.push(format!(
                    "ESC {:?} at {i}",
                    raw.get(i + 1).map(|&c| char::from(c))
                ));
                i += 1;
            }
            continue;
        }
        if b < 0x20 || b == 0x7f {
            bad.push(format!("control byte {b:#04x} at {i}"));
            i += 1;
            continue;
        }
        let len = utf8_len(b);
        let Some(ch) = raw
            .get(i..i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.chars().next())
        else {
            if i + len > raw.len() {
                break;
            }
            bad.push(format!("invalid UTF-8 {b:#04x} at {i}"));
            i += 1;
            continue;
        };
        if ('\u{80}'..='\u{9f}').contains(&ch)
            || ('\u{202a}'..='\u{202e}').contains(&ch)
            || ('\u{2066}'..='\u{2069}').contains(&ch)
            || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{061c}')
        {
            bad.push(format!("control character {ch:?} at {i}"));
        }
        i += len;
    }
    bad
}

fn utf8_len(b: u8) -> usize {
    match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Index of a CSI's final byte (0x40–0x7e), from just after `ESC [`.
fn csi_end(raw: &[u8], mut j: usize) -> usize {
    while j < raw.len() && !(0x40..=0x7e).contains(&raw[j]) {
        j += 1;
    }
    j
}

/// The CSIs crossterm writes for ratatui (seen in the captured stream and in crossterm's
/// source): `?1049h/l`, `?25h/l`, `2J`, `row;colH`, and SGR with the attributes ratatui sets
/// plus 256/RGB colours. Plain 8-colour SGR (30–37, 40–47, 90–97) is not among them.
fn allowed_csi(seq: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if let Some(p) = seq.strip_suffix('H') {
        return p.split(';').all(digits) && p.split(';').count() == 2;
    }
    if let Some(p) = seq.strip_suffix('m') {
        return sgr_allowed(p);
    }
    matches!(seq, "?1049h" | "?1049l" | "?25h" | "?25l" | "2J")
}

fn sgr_allowed(params: &str) -> bool {
    let mut it = params.split(';');
    while let Some(p) = it.next() {
        let ok = match p {
            "38" | "48" | "58" => match it.next() {
                Some("5") => it.next().is_some_and(|n| n.parse::<u8>().is_ok()),
                Some("2") => (0..3).all(|_| it.next().is_some_and(|c| c.parse::<u8>().is_ok())),
                _ => false,
            },
            _ => matches!(
                p,
                "0" | "1"
                    | "2"
                    | "3"
                    | "4"
                    | "5"
                    | "7"
                    | "8"
                    | "9"
                    | "21"
                    | "22"
                    | "23"
                    | "24"
                    | "25"
                    | "27"
                    | "28"
                    | "29"
                    | "39"
                    | "49"
                    | "59"
            ),
        };
        if !ok {
            return false;
        }
    }
    true
}
