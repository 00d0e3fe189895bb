//! `--record FILE`: the [`Recorder`] the message loop calls with every message, just before
//! `update` consumes it. It clones the messages worth recording into a bounded channel; a
//! writer thread turns them into lines and writes them through a buffer flushed once a second,
//! so nothing is serialized or written on the UI path. A write error stops the recording (the
//! dashboard keeps running) and is kept for the header: [`Recorder::error`].

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::format::{FORMAT, FileHeader, Line};
use crate::msg::Msg;
use crate::target::{Target, Thresholds};

/// Messages queued for the writer thread before the recording gives up (it fell behind).
const QUEUE: usize = 4096;
/// The buffer is flushed at least this often.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// A message and the wall time it was seen.
struct Entry {
    wall: SystemTime,
    msg: Msg,
}

/// Records the messages the model consumes; see the module doc.
pub struct Recorder {
    tx: Option<SyncSender<Entry>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<String>>>,
    path: PathBuf,
}

impl Recorder {
    /// Creates (truncates) `path` and writes the header line. `base` is the instant the model
    /// started (`State::new`'s `now`): message times are written relative to it. Fails with a
    /// message quoting the path, before the terminal changes mode.
    pub fn create(
        path: &Path,
        base: Instant,
        targets: &[Target],
        thresholds: &Thresholds,
        group: Option<&crate::model::group::GroupState>,
    ) -> Result<Self, String> {
        let shown = crate::escape::display_path(path);
        let fail = |e: &dyn std::fmt::Display| format!("--record {shown}: {e}");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(crate::actions::log::PRIVATE)
            .open(path)
            .map_err(|e| fail(&e))?;
        let mut out = std::io::BufWriter::new(file);
        let started = SystemTime::now()
            .checked_sub(base.elapsed())
            .unwrap_or_else(SystemTime::now);
        let header = FileHeader {
            redtriage_recording: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            started: crate::format::rfc3339(started),
            targets: targets.iter().map(Target::display).collect(),
            thresholds: Some(thresholds.clone()),
            group: group.map(super::group::RecGroupHeader::of),
        };
        serde_json::to_writer(&mut out, &header).map_err(|e| fail(&e))?;
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(|e| fail(&e))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let error = Arc::new(Mutex::new(None));
        let err = Arc::clone(&error);
        let name = shown.clone();
        let thread = std::thread::Builder::new()
            .name("redtriage-record".into())
            .spawn(move || write_loop(&rx, out, base, &name, &err))
            .map_err(|e| fail(&e))?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
            error,
            path: path.to_path_buf(),
        })
    }

    /// Queues `msg` if it is recorded (samples, link events, clock ticks, actions). Never blocks; a
    /// writer that fell behind stops the recording.
    pub fn observe(&mut self, msg: &Msg) {
        let recorded = matches!(
            msg,
            Msg::Sample { .. }
                | Msg::Link { .. }
                | Msg::Tick(_)
                | Msg::Action { .. }
                | Msg::ActionStarted { .. }
                | Msg::Group(_)
        );
        if !recorded {
            return;
        }
        let Some(tx) = &self.tx else {
            return;
        };
        let entry = Entry {
            wall: SystemTime::now(),
            msg: msg.clone(),
        };
        match tx.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.set_error("recording fell behind the samples; stopped".into());
                self.tx = None;
            }
            // The writer stopped on an error it already stored.
            Err(TrySendError::Disconnected(_)) => self.tx = None,
        }
    }

    /// Why the recording stopped, if it did (`RECORDING STOPPED: …` in the header).
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes what is queued, flushes and closes the file; returns the error, if any.
    pub fn finish(&mut self) -> Option<String> {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.error()
    }

    fn set_error(&self, e: String) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(e);
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The writer thread: lines out, flushed once a second and at the end; stops on an error.
fn write_loop(
    rx: &Receiver<Entry>,
    mut out: std::io::BufWriter<std::fs::File>,
    base: Instant,
    shown: &str,
    error: &Mutex<Option<String>>,
) {
    let mut last_cost = Vec::new();
    let mut last_flush = Instant::now();
    let result = loop {
        let entry = match rx.recv_timeout(FLUSH_EVERY) {
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break out.flush(),
        };
        if let Some(e) = entry
            && let Some(line) = Line::from_msg(base, e.wall, &e.msg, &mut last_cost)
        {
            let written = serde_json::to_writer(&mut out, &line)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"));
            if let Err(e) = written {
                break Err(e);
            }
        }
        if last_flush.elapsed() >= FLUSH_EVERY {
            last_flush = Instant::now();
            if let Err(e) = out.flush() {
                break Err(e);
            }
        }
    };
    if let Err(e) = result
        && let Ok(mut slot) = error.lock()
    {
        slot.get_or_insert(format!("{shown}: {e}"));
    }
}
