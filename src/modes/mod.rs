//! What the program was asked to do, one module a subcommand: the dashboard itself is `app`'s
//! loop; these set it up (demo, drill, replay) or run without a screen (snapshot/check, action,
//! fleet, collect, acl). `run` picks one from the settings the config layer built.

pub mod acl;
pub mod action;
pub mod collect;
pub mod demo;
pub mod demo_traffic;
pub mod drill;
pub mod fleet;
pub mod group;
pub mod replay;
pub mod run;
pub mod settings;
pub mod snapshot;
pub mod throwaway;

pub use run::run;
pub use settings::{ActionRequest, Mode, Settings};
