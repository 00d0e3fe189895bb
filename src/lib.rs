//! redtriage: a terminal dashboard for live Redis triage.

pub mod collect;
pub mod escape;
pub mod model;
pub mod msg;
pub mod ui;
pub mod target;
