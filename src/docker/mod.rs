//! The Docker Engine as a third source: which container runs the Redis, its state, memory and
//! CPU, its log tail and its events. Its own task, its own timeout on every call, like the
//! Redis and Prometheus pollers; a missing socket is a message, never a failure elsewhere.

pub mod error;
pub mod find;
pub mod ops;
pub mod poller;
pub mod settings;
pub mod types;
