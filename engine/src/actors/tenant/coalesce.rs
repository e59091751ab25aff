//! Passing news — the queue's length and a visitor's latest page to operators, the places of
//! the chats that moved up the queue to their visitors — told at most every [`EVERY`] per
//! kind: the first change at once, later ones folded into one telling
//! at the end of the window with the state as it is then. A burst of chats or page views
//! costs each operator a few events a second, not one per change, so no terminal's stream
//! overflows on news it would overwrite anyway.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use actix::AsyncContext;

use super::{OperatorEvent, Push, TenantActor};
use crate::model::VisitorId;

/// The shortest time between two tellings of one kind.
pub(super) const EVERY: Duration = Duration::from_millis(250);

/// When the next telling of one kind may go.
#[derive(Debug, Default)]
pub(super) struct Throttle {
    last: Option<Instant>,
    scheduled: bool,
}

/// What a [`Throttle`] says of a change.
#[derive(Debug, PartialEq, Eq)]
enum Tell {
    /// Tell now.
    Now,
    /// Tell after this long (arm a timer).
    After(Duration),
    /// A telling is already armed; it will carry this change.
    Armed,
}

impl Throttle {
    fn poll(&mut self, now: Instant) -> Tell {
        if self.scheduled {
            return Tell::Armed;
        }
        match self.last {
            Some(last) if now.duration_since(last) < EVERY => {
                self.scheduled = true;
                Tell::After(EVERY - now.duration_since(last))
            }
            _ => {
                self.last = Some(now);
                Tell::Now
            }
        }
    }

    /// The armed telling goes now.
    fn fired(&mut self, now: Instant) {
        self.scheduled = false;
        self.last = Some(now);
    }
}

/// The operator-wide news waiting for its window.
#[derive(Debug, Default)]
pub(super) struct News {
    queue: Throttle,
    /// The queue length operators were last told.
    told_queue: usize,
    visitors: Throttle,
    /// Visitors whose summary changed since the last telling.
    changed_visitors: BTreeSet<VisitorId>,
    positions: Throttle,
}

impl TenantActor {
    /// The queue's length changed: operators hear of it within the window.
    pub(super) fn tell_queue(&mut self, ctx: &mut actix::Context<Self>) {
        self.throttled(|news| &mut news.queue, Self::send_queue, ctx);
    }

    /// A visitor's summary changed: operators get its latest within the window.
    pub(super) fn tell_visitor(&mut self, visitor: VisitorId, ctx: &mut actix::Context<Self>) {
        self.news.changed_visitors.insert(visitor);
        self.throttled(|news| &mut news.visitors, Self::send_visitors, ctx);
    }

    /// Queued chats moved up: their visitors hear their new places within the window.
    pub(super) fn tell_positions(&mut self, ctx: &mut actix::Context<Self>) {
        self.throttled(|news| &mut news.positions, Self::send_positions, ctx);
    }

    /// Runs `send` now, or once at the end of the window of the throttle `which` picks.
    fn throttled(
        &mut self,
        which: fn(&mut News) -> &mut Throttle,
        send: fn(&mut Self, &mut actix::Context<Self>),
        ctx: &mut actix::Context<Self>,
    ) {
        match which(&mut self.news).poll(Instant::now()) {
            Tell::Armed => {}
            Tell::After(delay) => {
                ctx.run_later(delay, move |act, ctx| {
                    which(&mut act.news).fired(Instant::now());
                    send(act, ctx);
                });
            }
            Tell::Now => send(self, ctx),
        }
    }

    fn send_queue(&mut self, _: &mut actix::Context<Self>) {
        let length = self.router.queue_len();
        if length != self.news.told_queue {
            self.news.told_queue = length;
            self.broadcast(OperatorEvent::Queue { length });
        }
    }

    fn send_positions(&mut self, ctx: &mut actix::Context<Self>) {
        let effects = self.router.positions();
        self.apply(effects, ctx);
    }

    fn send_visitors(&mut self, _: &mut actix::Context<Self>) {
        for id in std::mem::take(&mut self.news.changed_visitors) {
            // Gone since (it left): its `visitor_left` was told instead.
            if let Some(summary) = self.tracked.get(&id) {
                for hub in self.operators.values() {
                    hub.do_send(Push(OperatorEvent::Visitor(summary.clone())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_change_goes_at_once_and_the_rest_of_the_window_waits_for_one_telling() {
        let mut throttle = Throttle::default();
        let start = Instant::now();
        assert_eq!(throttle.poll(start), Tell::Now);
        let soon = start + Duration::from_millis(100);
        assert_eq!(throttle.poll(soon), Tell::After(Duration::from_millis(150)));
        assert_eq!(throttle.poll(soon), Tell::Armed, "one telling is armed");
        throttle.fired(start + EVERY);
        assert_eq!(
            throttle.poll(start + EVERY + EVERY / 2),
            Tell::After(EVERY / 2)
        );
        throttle.fired(start + EVERY * 2);
        assert_eq!(
            throttle.poll(start + EVERY * 3),
            Tell::Now,
            "a quiet window passed"
        );
    }
}
