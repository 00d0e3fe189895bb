//! Runbook actions: declared in a TOML runbook file, prepared (exact commands, changes,
//! blockers), confirmed in the TUI or with `--yes`, run in their own task, logged.

pub mod external;
pub mod log;
pub mod log_writer;
pub mod redis_ops;
pub mod runner;
pub mod size;
