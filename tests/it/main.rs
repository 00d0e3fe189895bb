//! The integration tests, one test binary (`cargo test --test it`): each former
//! `tests/NAME.rs` is the module `NAME` here (`cargo test --test it faults_conn::` runs one),
//! sharing the harness in `common`. Built and linked once instead of once per file.
//!
//! Kept out, in a process of its own: `tests/memory.rs` (it measures this process's RSS, which
//! other tests running beside it would move).

mod common;

mod acl;
mod action_flow;
mod actions;
mod actions_aof;
mod cli;
mod cluster;
mod collector;
mod comms_tui;
mod diagnosis_by_hand;
mod docker;
mod docker_actions;
mod docker_infra;
mod down_at_start;
mod drill_review;
mod drills;
mod faults_conn;
mod faults_conn_slow;
mod faults_state;
mod faults_state_local;
mod governor;
mod headless;
mod hostile;
mod layers;
mod managed;
mod password_hygiene;
mod prometheus;
mod properties;
mod quit;
mod record;
mod report;
mod resize;
mod sentinel;
mod tls;
mod tui;
mod versions;
