//! OperatorActor: one per operator while signed in. It keeps the operator's recent events so
//! a terminal that reconnects resumes where it stopped, the offers still open (shown to a
//! terminal that connects fresh), and the connected terminals.
//!
//! What is kept for resuming is sized in time (`resume_window_secs`): a terminal whose
//! stream was dropped for falling behind, or whose network blinked, resumes with nothing
//! lost however many events passed meanwhile. Past the window it is told to reload (`reset`),
//! and reloads everything from storage through the panel API, the offers still open first.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::mpsc;

use super::tenant::{Presence, TenantActor};
use super::{publish, Subscriber, Subscription};
use crate::events::{OperatorEvent, Sequenced};
use crate::model::{AccountId, ChatId, TenantId};
use crate::repo::Repo;

/// Most events kept for resuming whatever the window, so one operator's memory stays bounded
/// (about 8 MiB) under any flood; the company's news is coalesced, so a window rarely holds
/// more than a few thousand.
const MAX_RECENT_EVENTS: usize = 65_536;

/// One operator's event hub.
pub struct OperatorActor {
    /// Settings and metrics.
    repo: Repo,
    /// Company, for logs.
    tenant: TenantId,
    /// The company's actor, told when the operator's first terminal connects and last leaves.
    company: Addr<TenantActor>,
    /// Whose events these are.
    account: AccountId,
    /// Id of the next event.
    next_seq: u64,
    /// The events of the resume window, oldest first, with when each passed.
    recent: VecDeque<(Instant, Sequenced<OperatorEvent>)>,
    /// Offers not yet answered, replayed to a terminal that connects fresh.
    offers: BTreeMap<ChatId, Sequenced<OperatorEvent>>,
    /// Connected terminals.
    subscribers: Vec<Subscriber<OperatorEvent>>,
    /// Last time a terminal was connected or an event passed, for passivation.
    last_active: Instant,
}

impl OperatorActor {
    /// A hub for `account` of `tenant`.
    pub fn new(
        repo: Repo,
        tenant: TenantId,
        company: Addr<TenantActor>,
        account: AccountId,
    ) -> Self {
        // Above every id handed out before, across restarts and clock steps.
        let next_seq = repo.event_base();
        OperatorActor {
            repo,
            tenant,
            company,
            account,
            next_seq,
            recent: VecDeque::new(),
            offers: BTreeMap::new(),
            subscribers: Vec::new(),
            last_active: Instant::now(),
        }
    }

    /// Whether a terminal is connected.
    pub fn has_terminal(&self) -> bool {
        self.subscribers.iter().any(|s| !s.is_closed())
    }
}

impl Actor for OperatorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.repo
            .metrics()
            .operator_actors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let every = self.repo.config().idle_check_interval();
        ctx.run_interval(every, |act, ctx| {
            act.subscribers.retain(|s| !s.is_closed());
            let idle =
                act.last_active.elapsed().as_secs() >= act.repo.config().passivate_after_secs;
            if act.subscribers.is_empty() && act.offers.is_empty() && idle {
                tracing::debug!(
                    tenant = act.tenant,
                    account = act.account,
                    "operator actor passivated"
                );
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.repo
            .metrics()
            .operator_actors
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Delivers an event to the operator's terminals.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Push(pub OperatorEvent);

impl Handler<Push> for OperatorActor {
    type Result = ();

    /// Numbers the event, keeps it for resuming, tracks open offers and fans it out.
    fn handle(&mut self, Push(event): Push, _: &mut Context<Self>) {
        self.next_seq += 1;
        let sequenced = Sequenced {
            seq: self.next_seq,
            event,
        };
        match &sequenced.event {
            OperatorEvent::Offer(details) => {
                self.offers.insert(details.chat, sequenced.clone());
            }
            OperatorEvent::Withdrawn { chat }
            | OperatorEvent::Assigned { chat }
            | OperatorEvent::Released { chat } => {
                self.offers.remove(chat);
            }
            _ => {}
        }
        let now = Instant::now();
        let window = Duration::from_secs(self.repo.config().resume_window_secs);
        while self.recent.front().is_some_and(|(at, _)| {
            now.duration_since(*at) > window || self.recent.len() >= MAX_RECENT_EVENTS
        }) {
            self.recent.pop_front();
        }
        self.recent.push_back((now, sequenced.clone()));
        self.last_active = now;
        publish(&mut self.subscribers, sequenced);
    }
}

/// Connects a terminal. With `after` (its last event id) it gets what it missed; without,
/// the offers still open.
#[derive(Message)]
#[rtype(result = "Subscription<OperatorEvent>")]
pub struct Subscribe {
    /// Last event id the terminal saw.
    pub after: Option<u64>,
}

impl Handler<Subscribe> for OperatorActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) -> Self::Result {
        let (tx, live) = mpsc::channel(self.repo.config().subscriber_buffer);
        let replay = match msg.after {
            None => self.offers.values().cloned().collect(),
            Some(after) => {
                let oldest = self
                    .recent
                    .front()
                    .map_or(self.next_seq + 1, |(_, e)| e.seq);
                let mut replay: Vec<_> = self
                    .recent
                    .iter()
                    .filter(|(_, e)| e.seq > after)
                    .map(|(_, e)| e.clone())
                    .collect();
                // Older than what is kept, or newer than anything sent (a client of another
                // server, or a forged id): the terminal must reload.
                if after.saturating_add(1) < oldest || after > self.next_seq {
                    // Part of what the terminal missed is no longer kept: tell it to reload,
                    // then show the offers still open.
                    let reset = Sequenced {
                        seq: oldest.saturating_sub(1),
                        event: OperatorEvent::Reset,
                    };
                    replay = std::iter::once(reset)
                        .chain(self.offers.values().cloned())
                        .collect();
                }
                replay
            }
        };
        self.subscribers.retain(|s| !s.is_closed());
        if self.subscribers.is_empty() {
            self.company.do_send(Presence {
                account: self.account,
                connected: true,
            });
        }
        self.subscribers.push(tx);
        self.last_active = Instant::now();
        MessageResult(Subscription { replay, live })
    }
}

/// A terminal's stream ended; when it was the last, the company's actor starts the grace.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Hangup;

impl Handler<Hangup> for OperatorActor {
    type Result = ();

    fn handle(&mut self, _: Hangup, _: &mut Context<Self>) {
        let before = self.subscribers.len();
        self.subscribers.retain(|s| !s.is_closed());
        if before > 0 && self.subscribers.is_empty() {
            self.company.do_send(Presence {
                account: self.account,
                connected: false,
            });
        }
    }
}

impl actix::Handler<crate::actors::Halt> for OperatorActor {
    type Result = ();

    fn handle(&mut self, _: crate::actors::Halt, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
