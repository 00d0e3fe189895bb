//! The servers around the target: its replicas, its master, the Sentinels that watch it. One
//! task per node and per Sentinel (`tasks`), kept to the plan the model asks for
//! (`supervisor`), Sentinel's replies parsed (`sentinel`), and the events of one Sentinel
//! followed. Nothing here decides anything: the model (`model::group`) does.

pub mod cluster;
pub mod cluster_types;
pub mod sentinel;
pub mod supervisor;
pub mod tasks;
pub mod types;
