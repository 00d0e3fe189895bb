//! The model: state, history, derived figures. Pure: no I/O, no clock reads.

#[doc(hidden)]
pub mod fixtures;
pub mod ui_state;
pub mod view;
