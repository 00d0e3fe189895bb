//! Prometheus as a second source: the settings, the HTTP client, the default queries, the
//! poller task, and the fleet view's runtime (attaching the dashboard to another instance).

pub mod client;
pub mod poller;
pub mod queries;
pub mod settings;
pub mod types;
