//! The model: state, history, derived figures. Pure: no I/O, no clock reads (time comes in
//! the messages).

pub mod actions;
pub mod clients;
pub mod comms;
pub mod counters;
pub mod diagnosis;
pub mod disk_view;
pub mod docker;
#[cfg(any(test, feature = "test-support"))]
pub mod fastforward;
#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;
pub mod group;
pub mod guide;
pub mod health;
pub mod incident;
pub mod instance;
pub mod log_event;
pub mod log_steps;
pub mod offer;
pub mod on_sample;
pub mod pane_keys;
pub mod prom;
pub mod ring;
pub mod select;
pub mod snapshot;
pub mod state;
pub mod ui_state;
pub mod view;
pub mod watch;
