//! The actors: one per tenant, per signed-in operator, per visitor on the site, and per
//! invitation timer.
//!
//! A tenant's actors all run on the tenant's arbiter (the operator and visitor actors are
//! started from the tenant actor, so they land on its thread), which keeps a tenant's messages
//! on one thread. Each file holds one actor, its messages and one handler per message; the
//! visitor actor has two halves, `visitor/chat.rs` and `visitor/tracking.rs`. The invitation
//! timer is a tiny actor per page view.

pub mod billing;
pub mod invitation;
pub mod operator;
pub mod tenant;
pub mod visitor;

use tokio::sync::mpsc;

use crate::events::Sequenced;

/// A stream subscriber: the sending half of a bounded channel an HTTP response drains.
pub type Subscriber<E> = mpsc::Sender<Sequenced<E>>;

/// What a subscription starts with: events to replay, then the live channel.
pub struct Subscription<E> {
    /// Events the subscriber missed, oldest first.
    pub replay: Vec<Sequenced<E>>,
    /// Live events from now on; closed when the subscriber is dropped for falling behind.
    pub live: mpsc::Receiver<Sequenced<E>>,
}

/// Stops an actor at once, whatever it holds: its company's shard moved to another node of
/// the cluster. Its subscribers' channels close, so their event streams end and the clients
/// resume wherever the company is served now.
pub struct Halt;

impl actix::Message for Halt {
    type Result = ();
}

/// Sends `event` to every subscriber; one whose buffer is full or who hung up is dropped
/// (it resumes from its last event id, the log holds everything that matters).
pub(crate) fn publish<E: Clone>(subscribers: &mut Vec<Subscriber<E>>, event: Sequenced<E>) {
    subscribers.retain(|s| s.try_send(event.clone()).is_ok());
}
