//! A `docker` action's step: the container (from `{container}`) and the filled command.

use super::placeholders;
use super::prepare::{Context, Step, shell_words};

/// The container (from `{container}`) and the filled command of a `docker` action.
pub(super) fn step(
    op: crate::docker::ops::DockerOp,
    command: &[String],
    stdin: Option<&String>,
    ctx: &Context<'_>,
) -> Result<(Step, Vec<String>), String> {
    use crate::docker::ops::DockerOp;
    let vars = ctx.vars();
    let container = placeholders::fill("{container}", &vars)?;
    let command = placeholders::fill_argv(command, &vars)?;
    let display = match op {
        DockerOp::Restart => format!("restart container {container} (Engine API)"),
        DockerOp::Exec => format!(
            "exec in {container} (Engine API): {}",
            shell_words(&command)
        ),
    };
    let step = Step::Docker {
        op,
        container,
        command,
        stdin: stdin.cloned(),
    };
    Ok((step, vec![display]))
}
