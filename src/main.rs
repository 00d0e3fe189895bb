//! `redtriage`: arguments → settings → run. Bad flags and config files are reported here,
//! before the terminal changes mode.

use std::process::ExitCode;

use redtriage::config::{self, ConfigError};

fn main() -> color_eyre::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok();
    let mut settings = match config::settings_from_args(std::env::args_os(), &env) {
        Ok(settings) => settings,
        // --help, --version and clap's usage errors print themselves (usage errors exit 2).
        Err(ConfigError::Args(e)) => e.exit(),
        Err(e) => {
            eprintln!("redtriage: {e}");
            return Ok(ExitCode::from(2));
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
        return Ok(ExitCode::from(2));
    }
    color_eyre::install()?;
    redtriage::modes::run::run(settings)
}
