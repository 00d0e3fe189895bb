//! The model: state, history, derived figures. Pure: no I/O, no clock reads (time comes in
//! the messages).

pub mod action_cancel;
pub mod action_flow;
pub mod actions;
pub mod actions_view;
pub mod body;
pub mod clients;
pub mod comms;
pub mod comms_editor;
pub mod comms_facts;
pub mod comms_flow;
pub mod counters;
pub mod derive;
pub mod diagnosis;
pub mod disk_view;
pub mod docker;
#[doc(hidden)]
pub mod fastforward;
#[doc(hidden)]
pub mod fixtures;
pub mod guide;
pub mod health;
pub mod incident;
pub mod instance;
pub mod log_event;
pub mod prom;
pub mod prom_view;
pub mod ring;
pub mod sample_flow;
pub mod select;
pub mod state;
pub mod ui_state;
pub mod view;
pub mod watch;
