//! The company's routing timers in one queue: offer, connection and escalation deadlines of
//! every waiting chat, with one actor timer armed for the earliest. Arming a chat's timer of
//! a kind replaces the one it had (the router would ignore the older one anyway), and a chat
//! that stops waiting drops its timers, so a wake-up costs the timers that are due — not one
//! poll of every deadline ever armed, as a `run_later` per timer did.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use actix::{AsyncContext, SpawnHandle};

use super::TenantActor;
use crate::model::ChatId;
use crate::routing::Timer;

/// Which of a chat's timers: a chat has at most one of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Offer,
    Connection,
    Escalate,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Offer, Kind::Connection, Kind::Escalate];

    fn of(timer: &Timer) -> Kind {
        match timer {
            Timer::Offer { .. } => Kind::Offer,
            Timer::Connection { .. } => Kind::Connection,
            Timer::Escalate { .. } => Kind::Escalate,
        }
    }
}

/// A deadline, told apart from others at the same instant by the order it was armed in.
type Slot = (Instant, u64);

/// The deadlines, earliest first, and the one actor timer that wakes for the earliest.
#[derive(Default)]
pub(super) struct Timers {
    due: BTreeMap<Slot, (ChatId, Timer)>,
    armed: HashMap<(ChatId, Kind), Slot>,
    armed_count: u64,
    wake: Option<(Instant, SpawnHandle)>,
}

impl Timers {
    /// Arms `timer` for `chat` at `at`, replacing the chat's timer of the same kind.
    pub(super) fn arm(&mut self, chat: ChatId, timer: Timer, at: Instant) {
        let slot = (at, self.armed_count);
        self.armed_count += 1;
        if let Some(old) = self.armed.insert((chat, Kind::of(&timer)), slot) {
            self.due.remove(&old);
        }
        self.due.insert(slot, (chat, timer));
    }

    /// Drops every timer of `chat`.
    pub(super) fn forget(&mut self, chat: ChatId) {
        for kind in Kind::ALL {
            if let Some(slot) = self.armed.remove(&(chat, kind)) {
                self.due.remove(&slot);
            }
        }
    }

    /// Takes the timers due at `now`, earliest first.
    fn expired(&mut self, now: Instant) -> Vec<(ChatId, Timer)> {
        let later = self.due.split_off(&(now, u64::MAX));
        let expired = std::mem::replace(&mut self.due, later);
        expired
            .into_values()
            .inspect(|(chat, timer)| {
                self.armed.remove(&(*chat, Kind::of(timer)));
            })
            .collect()
    }

    /// How many deadlines are armed.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.due.len()
    }
}

impl TenantActor {
    /// Arms the actor timer for the earliest deadline, when it is not armed for it already.
    pub(super) fn wake_for_timers(&mut self, ctx: &mut actix::Context<Self>) {
        let next = self.timers.due.keys().next().map(|(at, _)| *at);
        if self.timers.wake.map(|(at, _)| at) == next {
            return;
        }
        if let Some((_, handle)) = self.timers.wake.take() {
            ctx.cancel_future(handle);
        }
        if let Some(at) = next {
            let delay = at.saturating_duration_since(Instant::now());
            let handle = ctx.run_later(delay, |act, ctx| {
                act.timers.wake = None;
                act.fire_timers(ctx);
            });
            self.timers.wake = Some((at, handle));
        }
    }

    /// Hands every due timer to the router and carries out what it decides.
    fn fire_timers(&mut self, ctx: &mut actix::Context<Self>) {
        for (chat, timer) in self.timers.expired(Instant::now()) {
            let effects = self.router.timer(chat, timer);
            self.apply(effects, ctx);
        }
        self.wake_for_timers(ctx);
    }
}

/// When `after_ms` from now is.
pub(super) fn deadline(after_ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(after_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rearmed_timer_replaces_the_old_one_and_a_forgotten_chat_drops_its_own() {
        let mut timers = Timers::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        timers.arm(1, Timer::Offer { generation: 1 }, at(100));
        timers.arm(1, Timer::Offer { generation: 2 }, at(300));
        timers.arm(1, Timer::Connection { generation: 1 }, at(200));
        timers.arm(2, Timer::Connection { generation: 1 }, at(100));
        assert_eq!(timers.len(), 3, "the second offer timer replaced the first");
        assert_eq!(
            timers.expired(at(250)),
            vec![
                (2, Timer::Connection { generation: 1 }),
                (1, Timer::Connection { generation: 1 })
            ],
            "due ones, earliest first"
        );
        timers.forget(1);
        assert_eq!(timers.len(), 0);
        assert!(timers.expired(at(10_000)).is_empty());
        // Two deadlines at the same instant both fire.
        timers.arm(3, Timer::Offer { generation: 1 }, at(50));
        timers.arm(4, Timer::Offer { generation: 1 }, at(50));
        assert_eq!(timers.expired(at(50)).len(), 2);
    }
}
