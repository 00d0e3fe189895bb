//! `redtriage`: arguments → settings → run. Bad flags and config files are reported here,
//! before the terminal changes mode.

use std::process::ExitCode;

use redtriage::config::{self, ConfigError};

fn main() -> color_eyre::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // 2, or 3 for `check` (UNKNOWN to a monitoring system: it could not run).
    let usage = config::usage_exit_code(&args);
    let mut settings = match config::settings_from_args(args, &env) {
        Ok(settings) => settings,
        // --help and --version print themselves and exit 0; usage errors print themselves.
        Err(ConfigError::Args(e)) if !e.use_stderr() => e.exit(),
        Err(ConfigError::Args(e)) => {
            let _ = e.print();
            return Ok(ExitCode::from(usage));
        }
        Err(e) => {
            eprintln!("redtriage: {e}");
            return Ok(ExitCode::from(usage));
        }
    };
    // Before any thread exists: the password out of `ps` and /proc/<pid>/cmdline.
    if let Err(e) = redtriage::scrub::scrub_own_cmdline() {
        eprintln!("redtriage: could not hide the password from ps: {e}");
    }
    for warning in &settings.warnings {
        eprintln!("{warning}");
    }
    if let Err(e) = config::ask_password(&mut settings) {
        eprintln!("redtriage: --askpass: cannot read the password: {e}");
        return Ok(ExitCode::from(usage));
    }
    color_eyre::install()?;
    redtriage::modes::run::run(settings)
}
