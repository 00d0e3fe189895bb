//! Where a source task sends what it learned. A poller holds an `Outbox<ItsEvent>`; the app
//! makes one from its `mpsc::Sender<Msg>`, and `Msg: From<ItsEvent>` maps the event into a
//! message on the way. So a source never names the app's message type (the layers in
//! docs/ARCHITECTURE.md), and a test can take the events of one source on a channel of them.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::mpsc;

/// A channel's sending half, with the event mapped into the channel's item type.
trait Port<E>: Send + Sync {
    fn send(&self, event: E) -> BoxFuture<'_, bool>;
    fn is_closed(&self) -> bool;
}

impl<E: Send + 'static, M: From<E> + Send + 'static> Port<E> for mpsc::Sender<M> {
    fn send(&self, event: E) -> BoxFuture<'_, bool> {
        Box::pin(async move { mpsc::Sender::send(self, M::from(event)).await.is_ok() })
    }

    fn is_closed(&self) -> bool {
        mpsc::Sender::is_closed(self)
    }
}

/// Sends `E`s into a channel of any type that is `From<E>`. Cheap to clone.
pub struct Outbox<E>(Arc<dyn Port<E>>);

impl<E> Clone for Outbox<E> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<E: Send + 'static> Outbox<E> {
    pub fn new<M: From<E> + Send + 'static>(tx: mpsc::Sender<M>) -> Self {
        Self(Arc::new(tx))
    }

    /// Waits for room in the channel; false once the receiver is gone.
    pub async fn send(&self, event: E) -> bool {
        self.0.send(event).await
    }

    /// The receiver is gone (the app quit): the source should stop.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl<E: Send + 'static, M: From<E> + Send + 'static> From<mpsc::Sender<M>> for Outbox<E> {
    fn from(tx: mpsc::Sender<M>) -> Self {
        Self::new(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Wrapped(u8);

    impl From<u8> for Wrapped {
        fn from(v: u8) -> Self {
            Self(v)
        }
    }

    #[tokio::test]
    async fn events_arrive_mapped_and_closing_is_seen() {
        let (tx, mut rx) = mpsc::channel::<Wrapped>(1);
        let out = Outbox::<u8>::new(tx);
        assert!(out.send(7).await);
        assert_eq!(rx.recv().await, Some(Wrapped(7)));
        assert!(!out.is_closed());
        drop(rx);
        assert!(out.is_closed());
        assert!(!out.send(8).await);
    }
}
