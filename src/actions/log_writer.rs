//! The incident log's writer: one thread of its own appends events in the order they were
//! sent, so the UI never waits on the disk and the log never has a later event before an
//! earlier one. While appends fail (disk full, directory gone) the events wait in memory and
//! are retried, so a disk that is freed during the incident loses nothing.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, SystemTime};

use super::log::append;
use crate::format::rfc3339;
use crate::model::log_event::LogEvent;
use crate::msg::LogStatus;

/// Events held in memory while the log cannot be written; the oldest go beyond that (a
/// figures event is a few KiB: this bounds the backlog to a few tens of MiB at worst).
pub const HELD_MAX: usize = 5_000;
/// How often held events are retried when no new event comes.
pub const RETRY: Duration = Duration::from_secs(2);

/// Appends events in order on its own thread; see the module doc.
pub struct LogWriter {
    tx: Option<Sender<LogEvent>>,
    thread: Option<std::thread::JoinHandle<Option<String>>>,
}

/// The writer thread's state.
struct Backlog {
    path: PathBuf,
    held: VecDeque<LogEvent>,
    cap: usize,
    dropped: u64,
    /// The last error, while failing; when it began.
    failing: Option<(String, SystemTime)>,
    written_late: usize,
    /// The target of the first event, for the writer's own note.
    target: String,
}

impl Backlog {
    fn push(&mut self, ev: LogEvent) {
        if self.target.is_empty() {
            self.target.clone_from(&ev.target);
        }
        self.held.push_back(ev);
        if self.held.len() > self.cap {
            self.held.pop_front();
            self.dropped += 1;
        }
    }

    /// Appends what is held, oldest first, until one fails.
    fn flush(&mut self, on_status: &dyn Fn(LogStatus)) {
        while let Some(ev) = self.held.front() {
            if let Err(error) = append(&self.path, ev) {
                on_status(LogStatus::Failing {
                    error: error.clone(),
                    held: self.held.len(),
                    dropped: self.dropped,
                });
                let since = self.failing.take().map_or_else(SystemTime::now, |f| f.1);
                self.failing = Some((error, since));
                return;
            }
            self.held.pop_front();
            if self.failing.is_some() {
                self.written_late += 1;
            }
        }
        if let Some((error, since)) = self.failing.take() {
            let note = LogEvent::new(
                SystemTime::now(),
                &self.target,
                "log",
                format!(
                    "the incident log could not be written from {} ({error}): {} events held \
                     and written late, {} dropped",
                    rfc3339(since),
                    self.written_late,
                    self.dropped
                ),
            );
            let _ = append(&self.path, &note);
            on_status(LogStatus::Recovered {
                written_late: self.written_late,
                dropped: self.dropped,
            });
            self.written_late = 0;
            self.dropped = 0;
        }
    }

    /// What was not written at the end, in words.
    fn left(&self) -> Option<String> {
        let (error, _) = self.failing.as_ref()?;
        Some(format!(
            "{} events not written to {} ({error}), {} dropped before",
            self.held.len(),
            self.path.display(),
            self.dropped
        ))
    }
}

/// The thread's loop; at the end, what could not be written.
fn run(
    rx: &Receiver<LogEvent>,
    mut b: Backlog,
    retry: Duration,
    on_status: &dyn Fn(LogStatus),
) -> Option<String> {
    loop {
        let next = if b.held.is_empty() {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(retry)
        };
        match next {
            Ok(ev) => b.push(ev),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                b.flush(on_status);
                return b.left();
            }
        }
        // What else is queued goes in behind it before the disk is touched.
        while let Ok(ev) = rx.try_recv() {
            b.push(ev);
        }
        b.flush(on_status);
    }
}

impl LogWriter {
    /// Starts the writer; `on_status` hears of every failed attempt and of the recovery.
    pub fn start(path: PathBuf, on_status: impl Fn(LogStatus) + Send + 'static) -> Self {
        Self::start_with(path, HELD_MAX, RETRY, on_status)
    }

    /// [`LogWriter::start`] with the backlog's size and the retry period.
    pub fn start_with(
        path: PathBuf,
        cap: usize,
        retry: Duration,
        on_status: impl Fn(LogStatus) + Send + 'static,
    ) -> Self {
        let (tx, rx) = channel::<LogEvent>();
        let thread = std::thread::Builder::new()
            .name("incident-log".into())
            .spawn(move || {
                let b = Backlog {
                    path,
                    held: VecDeque::new(),
                    cap: cap.max(1),
                    dropped: 0,
                    failing: None,
                    written_late: 0,
                    target: String::new(),
                };
                run(&rx, b, retry, &on_status)
            })
            .ok();
        Self {
            tx: Some(tx),
            thread,
        }
    }

    /// Queues `ev` (never blocks).
    pub fn send(&self, ev: LogEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(ev);
        }
    }

    /// Writes what is queued (one last try for what is held) and stops; says what could not
    /// be written, if anything.
    pub fn finish(&mut self) -> Option<String> {
        self.tx = None;
        self.thread.take().and_then(|t| t.join().ok().flatten())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn event(i: usize) -> LogEvent {
        LogEvent::new(std::time::UNIX_EPOCH, "t", "state", format!("event {i}"))
    }

    fn details(path: &std::path::Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        (text.lines())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["kind"] == "state")
            .map(|v| v["detail"].as_str().unwrap().to_string())
            .collect()
    }

    fn want(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("event {i}")).collect()
    }

    #[test]
    fn events_land_in_the_order_they_were_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        let mut w = LogWriter::start(path.clone(), |_| {});
        for i in 0..200 {
            w.send(event(i));
        }
        assert_eq!(w.finish(), None);
        assert_eq!(details(&path), want(0..200));
    }

    /// The directory replaced by a file (root writes through any mode bits) and put back.
    #[test]
    fn events_held_while_the_log_fails_are_written_in_order_once_it_works() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("incidents");
        let path = dir.join("log.jsonl");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let mut w = LogWriter::start_with(path.clone(), 3, Duration::from_millis(20), move |st| {
            s.lock().unwrap().push(st);
        });
        w.send(event(0));
        std::thread::sleep(Duration::from_millis(100));
        std::fs::rename(&dir, tmp.path().join("away")).unwrap();
        std::fs::write(&dir, "not a dir").unwrap();
        for i in 1..6 {
            w.send(event(i));
        }
        std::thread::sleep(Duration::from_millis(100));
        let failing = seen.lock().unwrap().last().cloned();
        let Some(LogStatus::Failing {
            error,
            held,
            dropped,
        }) = failing
        else {
            panic!("{failing:?}")
        };
        assert!(error.contains("incidents"), "{error}");
        assert_eq!((held, dropped), (3, 2));
        std::fs::remove_file(&dir).unwrap();
        std::fs::rename(tmp.path().join("away"), &dir).unwrap();
        // The retry alone writes them: no new event is needed.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| matches!(s, LogStatus::Recovered { .. }))
        {
            assert!(std::time::Instant::now() < deadline, "no recovery");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            seen.lock().unwrap().last(),
            Some(&LogStatus::Recovered {
                written_late: 3,
                dropped: 2
            })
        );
        assert_eq!(w.finish(), None);
        // The oldest two of the outage were dropped (the cap is 3); the rest kept their order.
        assert_eq!(details(&path), ["event 0", "event 3", "event 4", "event 5"]);
        let text = std::fs::read_to_string(&path).unwrap();
        let note = text.lines().last().unwrap();
        assert!(note.contains("\"kind\":\"log\""), "{note}");
        assert!(
            note.contains("3 events held and written late, 2 dropped"),
            "{note}"
        );
    }

    #[test]
    fn what_cannot_be_written_at_the_end_is_said() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("file").join("log.jsonl");
        std::fs::write(tmp.path().join("file"), "x").unwrap();
        let mut w = LogWriter::start(path, |_| {});
        w.send(event(0));
        w.send(event(1));
        let left = w.finish().expect("a summary");
        assert!(left.starts_with("2 events not written to "), "{left}");
        assert!(left.contains("file"), "{left}");
    }
}
