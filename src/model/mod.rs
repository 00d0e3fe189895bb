//! The model: state, history, derived figures. Pure: no I/O, no clock reads.

pub mod ui_state;
pub mod view;
