//! redtriage: a terminal dashboard for live Redis triage.

pub mod acl;
pub mod actions;
pub mod app;
pub mod cli;
pub mod collect;
pub mod collect_mode;
pub mod comms_io;
pub mod config;
pub mod demo;
pub mod demo_traffic;
pub mod docker;
pub mod drill;
pub mod escape;
pub mod headless;
pub mod headless_action;
pub mod model;
pub mod msg;
pub mod prom;
pub mod record;
pub mod report;
pub mod run;
pub mod scrub;
pub mod target;
pub mod throwaway;
pub mod ui;
