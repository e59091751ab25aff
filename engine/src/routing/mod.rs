//! Who is offered which chat: a pure state machine over the roster and the waiting chats.
//!
//! The tenant actor owns one [`Router`] and feeds it every event that can change a routing
//! decision (a chat arrives, an operator accepts or declines, a timer fires, a chat closes or
//! is transferred, an operator's status, presence or roster entry changes). Each call returns
//! the [`Effect`]s to carry out: offers and withdrawals to send, timers to arm, visitors to
//! tell, notes for the chat's routing log. Nothing here touches a clock, a channel or the disk
//! (the caller passes `now`), so the rules are tested with tables and property tests.
//!
//! The rules (DESIGN.md section 4):
//! - an operator is offered a chat only while online, connected (a terminal open, or within
//!   the presence grace), serving the chat's department and below `max_chats`, counting
//!   outstanding offers: an offer reserves a slot, so chats arriving together never
//!   over-assign;
//! - the escalation ladder: the operator asked for (`operator=`) for `requested_operator_ms`,
//!   then the chat's department for `department_ms`, then the company's fallback department,
//!   and the offline form at the connection timeout; rungs nobody serves are skipped, and a
//!   chat nobody at all serves goes to the offline form at once;
//! - single mode offers to one operator (fewest open chats and offers, then idle longest; or
//!   round robin) and moves on after the offer timeout, cycling through everyone eligible; all
//!   mode offers to every eligible operator and the first accept wins;
//! - a chat nobody can take yet waits in a queue kept in arrival order (re-queued and
//!   transferred chats go to the head); whenever capacity frees, the queue is walked head
//!   first; each waiting visitor is told its position and an estimated wait;
//! - an operator who goes offline or loses presence has its offers moved on and its open chats
//!   re-queued at the head; "away" only stops new offers.

use std::collections::BTreeSet;

use crate::model::{AccountId, ChatId, DepartmentId, Distribution, Status};

/// How single mode picks (a setting, so it lives with the settings in `model`).
pub use crate::model::Fairness;

/// Routing settings of one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Single or all.
    pub distribution: Distribution,
    /// How single mode picks.
    pub fairness: Fairness,
    /// How long one operator holds a single-mode offer, in ms.
    pub offer_timeout_ms: u64,
    /// How long a chat may wait before the offline form, in ms.
    pub connection_timeout_ms: u64,
    /// How long a chat waits for the operator it asked for before its department, in ms.
    pub requested_operator_ms: u64,
    /// How long a chat waits for its department before the fallback department, in ms.
    pub department_ms: u64,
    /// The department chats fall back to; None ends the ladder at the department.
    pub fallback_department: Option<DepartmentId>,
    /// Most chats waiting for the same target; a chat beyond it gets the offline form. 0 = no limit.
    pub max_queue: usize,
    /// A chat whose estimated wait exceeds this gets the offline form, in ms. 0 = no limit.
    pub max_wait_ms: u64,
}

impl Policy {
    /// Defaults with the given distribution and timeouts (ladder rungs as long as the
    /// connection timeout, no fallback, no queue limits).
    pub fn simple(
        distribution: Distribution,
        offer_timeout_ms: u64,
        connection_timeout_ms: u64,
    ) -> Self {
        Policy {
            distribution,
            fairness: Fairness::LeastBusy,
            offer_timeout_ms,
            connection_timeout_ms,
            requested_operator_ms: connection_timeout_ms,
            department_ms: connection_timeout_ms,
            fallback_department: None,
            max_queue: 0,
            max_wait_ms: 0,
        }
    }
}

/// What a chat asks for (or, on a ladder rung, whom it is routed to).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Request {
    /// Department chosen on the welcome form.
    pub department: Option<DepartmentId>,
    /// Operator asked for with `operator=`.
    pub operator: Option<AccountId>,
}

/// What the router knows of one operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// Availability; only online operators get offers.
    pub status: Status,
    /// A terminal is connected, or was within the presence grace.
    pub connected: bool,
    /// Most chats held at once, offers included.
    pub max_chats: u32,
    /// Departments served; empty serves all.
    pub departments: Vec<DepartmentId>,
    /// Chats the operator holds.
    pub open: BTreeSet<ChatId>,
    /// Chats offered to the operator and not yet answered; each reserves a slot.
    pub offers: BTreeSet<ChatId>,
    /// When the operator last got a chat (ms); the longest idle wins ties.
    pub last_assigned: u64,
}

impl Agent {
    /// A signed-out operator with no chats.
    pub fn new(max_chats: u32, departments: Vec<DepartmentId>) -> Self {
        Agent {
            status: Status::Offline,
            connected: false,
            max_chats,
            departments,
            open: BTreeSet::new(),
            offers: BTreeSet::new(),
            last_assigned: 0,
        }
    }

    /// Chats held plus chats offered: what counts against `max_chats`.
    pub fn load(&self) -> u32 {
        (self.open.len() + self.offers.len()) as u32
    }
}

/// Whether `agent` (account `id`) answers chats routed to `target` at all, capacity aside.
pub fn serves(id: AccountId, agent: &Agent, target: &Request) -> bool {
    agent.status == Status::Online
        && agent.connected
        && target.operator.is_none_or(|wanted| wanted == id)
        && target
            .department
            .is_none_or(|d| agent.departments.is_empty() || agent.departments.contains(&d))
}

/// Whether `agent` may be offered a chat routed to `target` now.
pub fn can_take(id: AccountId, agent: &Agent, target: &Request) -> bool {
    serves(id, agent, target) && agent.load() < agent.max_chats
}

/// The least busy operator: fewest chats (offers included), then idle longest, then lowest id.
pub fn least_busy<'a>(
    candidates: impl Iterator<Item = (AccountId, &'a Agent)>,
) -> Option<AccountId> {
    candidates
        .min_by_key(|(id, a)| (a.load(), a.last_assigned, *id))
        .map(|(id, _)| id)
}

/// Round robin: the first candidate after `last` in id order, wrapping around.
pub fn next_after<'a>(
    candidates: impl Iterator<Item = (AccountId, &'a Agent)>,
    last: Option<AccountId>,
) -> Option<AccountId> {
    let ids: Vec<AccountId> = candidates.map(|(id, _)| id).collect();
    let after = last.and_then(|l| ids.iter().find(|id| **id > l));
    after.or(ids.first()).copied()
}

/// The rungs of the escalation ladder, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rung {
    /// Only the operator the chat asked for.
    Requested,
    /// The chat's department (or everyone when it named none).
    Department,
    /// The company's fallback department.
    Fallback,
}

/// The timers a chat can arm; each carries what it was armed for, so a stale one is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// A single-mode offer ran out.
    Offer {
        /// The offer generation it was armed for.
        generation: u64,
    },
    /// The chat waited as long as the company allows since it (re-)entered waiting.
    Connection {
        /// The waiting spell it was armed for.
        generation: u64,
    },
    /// The chat's current rung ran out.
    Escalate {
        /// The rung it was armed on.
        from: Rung,
        /// The waiting spell it was armed for.
        generation: u64,
    },
}

/// What kind of decision a routing-log note records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// The chat arrived and entered routing on a rung.
    Arrived,
    /// Offered to an operator.
    Offered,
    /// An offer was withdrawn.
    Withdrawn,
    /// An operator declined.
    Declined,
    /// A single-mode offer ran out.
    OfferExpired,
    /// Waiting in the queue.
    Queued,
    /// An operator accepted.
    Accepted,
    /// Moved to the next rung of the ladder.
    Escalated,
    /// Transferred by its operator.
    Transferred,
    /// Its operator went away; back in the queue at the head.
    Requeued,
    /// Nobody answered before the connection timeout.
    TimedOut,
    /// Sent to the offline form at once.
    Offline,
    /// Ended.
    Closed,
}

/// The log name of a note kind (snake case, as the API shows it).
pub fn note_name(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Arrived => "arrived",
        NoteKind::Offered => "offered",
        NoteKind::Withdrawn => "withdrawn",
        NoteKind::Declined => "declined",
        NoteKind::OfferExpired => "offer_expired",
        NoteKind::Queued => "queued",
        NoteKind::Accepted => "accepted",
        NoteKind::Escalated => "escalated",
        NoteKind::Transferred => "transferred",
        NoteKind::Requeued => "requeued",
        NoteKind::TimedOut => "timed_out",
        NoteKind::Offline => "offline",
        NoteKind::Closed => "closed",
    }
}

/// One routing decision for a chat's log: what, for whom, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What happened.
    pub kind: NoteKind,
    /// The operator concerned.
    pub operator: Option<AccountId>,
    /// Why, in words.
    pub detail: String,
}

/// What the actor must carry out after a routing step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Tell `operator` about a chat they may accept.
    Offer {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// Tell `operator` an offer is gone.
    Withdraw {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// `operator` holds the chat now.
    Connected {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// Nobody serves this chat, or the queue is too long: offline form at once.
    Offline {
        /// The chat.
        chat: ChatId,
    },
    /// The connection timeout passed with nobody answering: offline form.
    TimedOut {
        /// The chat.
        chat: ChatId,
    },
    /// The chat waits in the queue at `position` (1 = next).
    Queued {
        /// The chat.
        chat: ChatId,
        /// 1-based place among chats waiting for the same target.
        position: usize,
        /// Estimated wait in ms, once handling times are known.
        wait_ms: Option<u64>,
    },
    /// The chat's operator left it (went offline or lost presence): it waits again.
    Requeued {
        /// The chat.
        chat: ChatId,
        /// The operator who held it.
        operator: AccountId,
    },
    /// The chat's operator handed it on: it waits for the new target.
    Transferred {
        /// The chat.
        chat: ChatId,
        /// The operator who held it.
        operator: AccountId,
    },
    /// Call [`Router::timer`] with `timer` after `after_ms`.
    Arm {
        /// The chat.
        chat: ChatId,
        /// Which timer.
        timer: Timer,
        /// Delay in ms.
        after_ms: u64,
    },
    /// Append to the chat's routing log.
    Log {
        /// The chat.
        chat: ChatId,
        /// The decision.
        note: Note,
    },
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The chat is not waiting (someone else took it, or it ended) — or, for a transfer,
    /// not held.
    Taken,
    /// The chat is waiting but was not offered to this operator.
    NotOffered,
    /// Nobody online serves the transfer's target.
    NobodyServes,
}

mod router;

pub use router::Router;

#[cfg(test)]
mod check;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
