//! redtriage: a terminal dashboard for live Redis triage.

pub mod actions;
pub mod app;
pub mod collect;
pub mod config;
pub mod docker;
pub mod escape;
pub mod format;
pub mod model;
pub mod modes;
pub mod msg;
pub mod outbox;
pub mod prom;
pub mod record;
pub mod report;
pub mod runbook;
pub mod scrub;
pub mod target;
pub mod ui;
