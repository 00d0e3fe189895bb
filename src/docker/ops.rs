//! Runbook actions on the container through the Engine API (`kind = "docker"`): restart, and
//! exec of a command inside it (`redis-cli ping`, `redis-check-aof …`) with its output streamed
//! to the output panel and its exit code read back from the exec. Same timeout and escaping as
//! every action; the runner reports the outcome.

use std::time::Duration;

use bollard::Docker;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::RestartContainerOptions;
use futures::StreamExt as _;
use serde::Deserialize;
use tokio::io::AsyncWriteExt as _;

use crate::escape;

/// Where an op's output lines go, escaped, as they come (the action runner's sink streams them
/// to the output panel).
pub trait Lines: Sync {
    fn line(&self, text: String) -> impl Future<Output = ()> + Send;
}

/// What a `docker` action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DockerOp {
    /// `POST /containers/{id}/restart`.
    Restart,
    /// `POST /containers/{id}/exec` of `command`, stdin fed from `stdin`.
    Exec,
}

/// `(exit code, summary)` like every runner, or the escaped reason it could not run.
pub type OpResult = Result<(Option<i32>, String), String>;

fn client() -> Result<Docker, String> {
    Docker::connect_with_defaults().map_err(|e| escape::plain_str(&format!("Docker: {e}")))
}

/// Restarts `container` (10 s for Redis to stop before SIGKILL, as `docker restart`).
pub async fn restart(container: &str, limit: Duration, sink: &impl Lines) -> OpResult {
    let docker = client()?;
    let shown = escape::plain_str(container);
    sink.line(format!("restarting container {shown} (Engine API)"))
        .await;
    let opts = RestartContainerOptions {
        t: Some(10),
        ..RestartContainerOptions::default()
    };
    match tokio::time::timeout(limit, docker.restart_container(container, Some(opts))).await {
        Err(_) => Err(format!(
            "restart of {shown}: no answer within {}s",
            limit.as_secs()
        )),
        Ok(Err(e)) => Err(escape::plain_str(&format!("restart of {container}: {e}"))),
        Ok(Ok(())) => Ok((Some(0), format!("container {shown} restarted"))),
    }
}

/// Runs `argv` inside `container`, feeding `stdin`, streaming every output line.
pub async fn exec(
    container: &str,
    argv: &[String],
    stdin: Option<&str>,
    limit: Duration,
    sink: &impl Lines,
) -> OpResult {
    let docker = client()?;
    let shown = escape::plain_str(&argv.join(" "));
    match tokio::time::timeout(limit, exec_inner(&docker, container, argv, stdin, sink)).await {
        Err(_) => Err(format!("{shown}: no answer within {}s", limit.as_secs())),
        Ok(r) => r,
    }
}

async fn exec_inner(
    docker: &Docker,
    container: &str,
    argv: &[String],
    stdin: Option<&str>,
    sink: &impl Lines,
) -> OpResult {
    let err = |e: bollard::errors::Error| escape::plain_str(&format!("exec in {container}: {e}"));
    let config = ExecConfig {
        attach_stdin: Some(stdin.is_some()),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        cmd: Some(argv.to_vec()),
        ..ExecConfig::default()
    };
    let id = docker.create_exec(container, config).await.map_err(err)?.id;
    let opts = StartExecOptions {
        detach: false,
        tty: false,
        output_capacity: None,
    };
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = docker.start_exec(&id, Some(opts)).await.map_err(err)?
    else {
        return Err("exec started detached".into());
    };
    if let Some(text) = stdin {
        let _ = input.write_all(text.as_bytes()).await;
        let _ = input.shutdown().await;
    }
    drop(input);
    let mut last = String::new();
    let mut pending = Vec::new();
    while let Some(chunk) = output.next().await {
        let bytes = chunk.map_err(err)?.into_bytes();
        pending.extend_from_slice(&bytes);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            last = escape::plain(line.trim_ascii_end());
            sink.line(last.clone()).await;
        }
    }
    if !pending.is_empty() {
        last = escape::plain(pending.trim_ascii_end());
        sink.line(last.clone()).await;
    }
    let code = docker.inspect_exec(&id).await.map_err(err)?.exit_code;
    let code = code.and_then(|c| i32::try_from(c).ok());
    let word = match code {
        Some(0) => "ok".to_string(),
        Some(c) => format!("exit {c}"),
        None => "exit code unknown".to_string(),
    };
    let cmd = escape::plain_str(&argv.join(" "));
    Ok((
        code,
        format!(
            "{cmd}: {word}{}",
            if last.is_empty() {
                String::new()
            } else {
                format!(" ({last})")
            }
        ),
    ))
}
