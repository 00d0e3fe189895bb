//! Data sources: one poller task per source, each sending owned parsed samples.

pub mod parse;
pub mod types;
