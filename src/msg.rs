//! Messages into the one event loop: something that happened.

use std::time::Instant;

use crate::collect::types::{CollectError, Sample};

/// Index of a target in `State::instances` (one instance is a fleet of one).
pub type TargetId = usize;

/// What happened to a poller's connection.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// Connected, authenticated and named.
    Connected,
    /// Nothing accepts the connection (refused, unreachable, connect timeout).
    Down(CollectError),
    /// The socket is open but the server did not answer; `last_reply` is the last time it did.
    NoReply { last_reply: Option<Instant> },
    /// AUTH was rejected; escaped server text.
    AuthFailed(String),
    /// The handshake or a poll failed otherwise (TLS, protocol, INFO refused…).
    Failed(CollectError),
}

/// Something that happened, with the time it happened (the model never reads the clock).
#[derive(Debug, Clone)]
pub enum Msg {
    Link {
        target: TargetId,
        at: Instant,
        event: LinkEvent,
    },
    Sample {
        target: TargetId,
        sample: Box<Sample>,
    },
    Key(crossterm::event::KeyEvent),
    Resize,
    /// The 1 s clock, so since-timers move without data.
    Tick(Instant),
    /// Something the Prometheus poller learned.
    Prom(Box<crate::prom::types::PromMsg>),
}
