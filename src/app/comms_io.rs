//! The effects of the communication overlay and the report key, run by the app: the OSC 52
//! clipboard write, saving a message to the incident directory, writing the report off the
//! UI thread. Results come back as `Msg::Written`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tokio::sync::mpsc;

use crate::msg::Msg;
use crate::msg::Written;

/// Writes `text` to the terminal's clipboard with OSC 52 (`ESC ] 52 ; c ; <base64> BEL`);
/// tmux passes it on with `set-clipboard on`. The text has no control bytes but newlines.
pub fn copy(text: &str) {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    );
    let _ = out.flush();
}

/// `<incident dir>/comms/<UTC time>-<name>.txt`, not overwriting an earlier one.
pub fn save_path(log: &Path, name: &str, at: SystemTime) -> PathBuf {
    let dir = log.parent().unwrap_or_else(|| Path::new(".")).join("comms");
    let stamp = crate::report::file_stamp(at);
    let mut path = dir.join(format!("{stamp}-{name}.txt"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stamp}-{name}-{n}.txt"));
        n += 1;
    }
    path
}

/// Saves a message off the UI thread; answers with `Msg::Written`.
pub fn save(log: Option<PathBuf>, name: &'static str, text: String, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let result = log
            .ok_or_else(|| "no incident log path (set --incident-log)".to_string())
            .and_then(|log| {
                let path = save_path(&log, name, SystemTime::now());
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("{}: {e}", crate::escape::display_path(dir)))?;
                }
                std::fs::write(&path, text.as_bytes())
                    .map_err(|e| format!("{}: {e}", crate::escape::display_path(&path)))?;
                Ok(crate::escape::display_path(&path))
            });
        let _ = tx.blocking_send(Msg::Written {
            what: Written::Message,
            result,
        });
    });
}

/// Writes the report of this session off the UI thread; answers with `Msg::Written`.
pub fn report(log: Option<PathBuf>, tx: mpsc::Sender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let result = crate::report::write_session(log.as_deref());
        let _ = tx.blocking_send(Msg::Written {
            what: Written::Report,
            result,
        });
    });
}
