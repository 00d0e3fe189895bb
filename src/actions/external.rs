//! External commands: argv lists without a shell, each in its own process group; output lines
//! escaped and streamed; the group is stopped (TERM, then KILL) at the timeout or the user's
//! cancel, and killed on quit.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;

use super::runner::Sink;

/// Process groups of running actions, killed when redtriage quits.
static GROUPS: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// Grace between SIGTERM and SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);

fn register(pgid: i32, add: bool) {
    if let Ok(mut g) = GROUPS.lock() {
        let set = g.get_or_insert_with(HashSet::new);
        if add {
            set.insert(pgid);
        } else {
            set.remove(&pgid);
        }
    }
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) on a process group we created.
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

/// Kills every running action's process group (called on quit).
pub fn kill_all() {
    let groups: Vec<i32> = GROUPS
        .lock()
        .ok()
        .and_then(|g| g.as_ref().map(|s| s.iter().copied().collect()))
        .unwrap_or_default();
    for g in groups {
        signal_group(g, libc::SIGKILL);
    }
}

/// Runs the commands in order; stops at the first failure. Returns the last exit code.
pub async fn run_all(
    commands: &[Vec<String>],
    stdin: Option<&str>,
    limit: Duration,
    sink: &Sink,
) -> Result<(Option<i32>, String), String> {
    let mut last = (Some(0), String::new());
    for argv in commands {
        sink.line(format!("$ {}", crate::runbook::prepare::shell_words(argv)))
            .await;
        last = run_one(argv, stdin, limit, sink).await?;
        if last.0 != Some(0) {
            break;
        }
    }
    Ok(last)
}

async fn pump<R: AsyncRead + Unpin>(r: R, sink: Sink) {
    let mut lines = BufReader::new(r).split(b'\n');
    while let Ok(Some(line)) = lines.next_segment().await {
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        sink.line(crate::escape::plain(line)).await;
    }
}

async fn run_one(
    argv: &[String],
    stdin: Option<&str>,
    limit: Duration,
    sink: &Sink,
) -> Result<(Option<i32>, String), String> {
    let (prog, rest) = argv.split_first().ok_or("empty command")?;
    let mut cmd = Command::new(prog);
    cmd.args(rest)
        .process_group(0)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        format!(
            "cannot start {}: {e}",
            crate::escape::quoted(prog.as_bytes())
        )
    })?;
    let pgid = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
    register(pgid, true);
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        let _ = input.write_all(text.as_bytes()).await;
        drop(input);
    }
    let out = child
        .stdout
        .take()
        .map(|o| tokio::spawn(pump(o, sink.clone())));
    let err = child
        .stderr
        .take()
        .map(|e| tokio::spawn(pump(e, sink.clone())));
    let stopped = tokio::select! {
        s = tokio::time::timeout(limit, child.wait()) => match s {
            Ok(s) => Ok(s),
            Err(_) => Err(format!("timed out after {limit:?}")),
        },
        () = sink.cancelled() => Err("cancelled by the user".to_string()),
    };
    let status = match stopped {
        Ok(s) => s.map_err(|e| e.to_string()),
        Err(why) => return Err(stop_group(&mut child, pgid, &why).await),
    };
    // The group is left alone after a normal exit: a daemon the command started (a restart's
    // `redis-server --daemonize yes`) may not have left it yet. Grandchildren holding the
    // pipes open only delay the drain below, which is bounded.
    register(pgid, false);
    for h in [out, err].into_iter().flatten() {
        let _ = tokio::time::timeout(Duration::from_secs(2), h).await;
    }
    let status = status?;
    let code = status.code();
    let summary = match code {
        Some(c) => format!("{} exited with {c}", crate::escape::quoted(prog.as_bytes())),
        None => format!(
            "{} killed by a signal",
            crate::escape::quoted(prog.as_bytes())
        ),
    };
    Ok((code.or(Some(-1)), summary))
}

/// TERM to the group, KILL after the grace (and KILL again for children that outlived the
/// leader); says how it ended, after `why`.
async fn stop_group(child: &mut tokio::process::Child, pgid: i32, why: &str) -> String {
    signal_group(pgid, libc::SIGTERM);
    let how = if tokio::time::timeout(TERM_GRACE, child.wait())
        .await
        .is_err()
    {
        signal_group(pgid, libc::SIGKILL);
        let _ = child.wait().await;
        format!("SIGTERM ignored for {TERM_GRACE:?}, process group killed (SIGKILL)")
    } else {
        "process group stopped (SIGTERM)".to_string()
    };
    // Children that ignored TERM and outlived the leader.
    signal_group(pgid, libc::SIGKILL);
    register(pgid, false);
    format!("{why}: {how}")
}
