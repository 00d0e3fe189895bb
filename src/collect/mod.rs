//! Data sources: one poller task per source, each sending owned parsed samples.

pub mod connect;
pub mod disk;
pub mod governor;
pub mod group;
pub mod known;
pub mod ops;
pub mod parse;
pub mod poller;
pub mod reserve;
pub mod serverlog;
pub mod tls;
pub mod types;
