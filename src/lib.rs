//! redtriage: a terminal dashboard for live Redis triage.

pub mod collect;
pub mod escape;
pub mod model;
pub mod ui;
pub mod target;

pub mod cli;
pub mod config;
pub mod run;
