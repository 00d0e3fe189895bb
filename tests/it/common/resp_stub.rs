//! A hand-written RESP server for what a real one cannot be made to do: send half of an INFO
//! reply and hang up, send half and then say nothing more, or accept and never answer at all.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the stub does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers the handshake and PING; INFO gets half of its bulk string, then the close.
    HalfThenClose,
    /// Like `HalfThenClose`, but after the half nothing more, the socket held open.
    HalfThenHang,
    /// Accepts and reads, never writes a byte.
    Silent,
}

/// The stub on a free loopback port; stopped (listener and every socket closed) on drop.
pub struct Stub {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Every accepted socket, to shut down on drop (unblocks the readers).
    socks: Arc<Mutex<Vec<TcpStream>>>,
    /// Everything the clients sent, in arrival order.
    pub received: Arc<Mutex<Vec<u8>>>,
    accept: Option<JoinHandle<()>>,
}

/// An INFO body like a real server's (so the half is a realistic cut).
fn info_body() -> String {
    let mut body = String::from("# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n");
    body.push_str("uptime_in_seconds:100\r\n# Clients\r\nconnected_clients:1\r\n");
    for i in 0..200 {
        let _ = write!(body, "padding_field_{i}:{i}\r\n");
    }
    body
}

impl Stub {
    pub fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let socks = Arc::new(Mutex::new(Vec::new()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (stop, socks, received) = (stop.clone(), socks.clone(), received.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((s, _)) => {
                            s.set_nonblocking(false).expect("blocking");
                            socks
                                .lock()
                                .expect("socks")
                                .push(s.try_clone().expect("clone"));
                            let (stop, received) = (stop.clone(), received.clone());
                            std::thread::spawn(move || serve(s, mode, &stop, &received));
                        }
                        // Not a wait: the non-blocking accept loop's idle pause (it looks
                        // at the stop flag between tries).
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Self {
            port,
            stop,
            socks,
            received,
            accept: Some(accept),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// What the clients sent so far, lossy text.
    pub fn received_text(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().expect("received")).into_owned()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.socks.lock().expect("socks").len()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for s in self.socks.lock().expect("socks").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// One command: the arguments of a RESP array (or an inline line), None at EOF.
fn read_command(r: &mut BufReader<TcpStream>, log: &Mutex<Vec<u8>>) -> Option<Vec<String>> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    log.lock().expect("log").extend_from_slice(line.as_bytes());
    let Some(n) = line.strip_prefix('*') else {
        return Some(line.split_whitespace().map(str::to_owned).collect());
    };
    let n: usize = n.trim().parse().ok()?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let mut len = String::new();
        r.read_line(&mut len).ok()?;
        let len: usize = len.trim().trim_start_matches('$').parse().ok()?;
        let mut data = vec![0u8; len + 2];
        std::io::Read::read_exact(r, &mut data).ok()?;
        data.truncate(len);
        log.lock().expect("log").extend_from_slice(&data);
        log.lock().expect("log").push(b' ');
        args.push(String::from_utf8_lossy(&data).into_owned());
    }
    Some(args)
}

fn serve(s: TcpStream, mode: Mode, stop: &AtomicBool, log: &Mutex<Vec<u8>>) {
    let mut w = s.try_clone().expect("clone");
    let mut r = BufReader::new(s);
    while let Some(args) = read_command(&mut r, log) {
        if mode == Mode::Silent {
            continue;
        }
        let name = args
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        let reply: Vec<u8> = match name.as_str() {
            "PING" => b"+PONG\r\n".to_vec(),
            "CLIENT" | "AUTH" | "SELECT" => b"+OK\r\n".to_vec(),
            "INFO" => {
                let body = info_body();
                let mut half = format!("${}\r\n", body.len()).into_bytes();
                half.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
                let _ = w.write_all(&half);
                let _ = w.flush();
                if mode == Mode::HalfThenClose {
                    let _ = w.shutdown(Shutdown::Both);
                    return;
                }
                while !stop.load(Ordering::Relaxed) {
                    // Not a wait: the fault itself, the half reply held (socket open,
                    // nothing more) until the stub is dropped.
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            _ => b"-ERR unknown command\r\n".to_vec(),
        };
        if w.write_all(&reply).is_err() {
            return;
        }
    }
}
