//! What the event streams carry: events for a chat's visitor and for an operator's terminal.
//!
//! Every event travels with a sequence number ([`Sequenced`]). For a chat it is the position
//! in the chat's durable log: log entries (messages, joined, timeout, closed) get the next
//! number; passing state (queue position, typing) carries the number of the last log entry, so
//! a client resuming from any event's id misses no log entry and sees none twice. For an
//! operator it is a per-operator counter that starts from the clock when the operator's actor
//! starts, so ids keep growing across restarts.

use std::sync::Arc;

use crate::model::{
    AccountId, Author, ChatId, DepartmentId, LogEntry, LogKind, OfflineMessage, VisitorId,
};

/// An event with its stream position.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequenced<E> {
    /// The SSE `id:`.
    pub seq: u64,
    /// The event.
    pub event: E,
}

/// What a visitor's chat window learns.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// Waiting in the queue at this place.
    Queued {
        /// 1 = next.
        position: usize,
        /// Estimated wait in seconds, once handling times are known.
        wait_secs: Option<u64>,
    },
    /// The operator went away; another is being found.
    Requeued {
        /// The operator who left (the last to join), "" when unknown.
        name: String,
    },
    /// The operator handed the chat on; another is being found.
    Transferred,
    /// An operator took the chat.
    Joined {
        /// Operator's name.
        name: String,
    },
    /// A message from either side.
    Message {
        /// Writer.
        author: Author,
        /// Text.
        text: String,
        /// Unix ms.
        at: u64,
        /// Client's id for it.
        client_id: String,
    },
    /// The other side is typing.
    Typing {
        /// Who types (the operator's name, or "visitor").
        who: String,
    },
    /// Nobody answered in time: show the offline form.
    Timeout,
    /// The chat ended.
    Closed {
        /// Closing operator, None for the visitor.
        by: Option<AccountId>,
    },
}

/// Turns a chat's log entries, in order, into events, naming the operator a re-queue is about
/// (the one who joined last).
#[derive(Clone, Debug, Default)]
pub struct LogEvents {
    /// Name of the operator who joined last.
    last_joined: String,
}

impl LogEvents {
    /// The event for the next entry of the log.
    pub fn event(&mut self, entry: &LogEntry) -> ChatEvent {
        match ChatEvent::from_log(entry) {
            ChatEvent::Joined { name } => {
                self.last_joined.clone_from(&name);
                ChatEvent::Joined { name }
            }
            ChatEvent::Requeued { .. } => ChatEvent::Requeued {
                name: self.last_joined.clone(),
            },
            other => other,
        }
    }
}

impl ChatEvent {
    /// The event a log entry is replayed as, on its own ([`LogEvents`] names re-queues).
    fn from_log(entry: &LogEntry) -> Self {
        match &entry.kind {
            LogKind::Message {
                author,
                text,
                client_id,
            } => ChatEvent::Message {
                author: author.clone(),
                text: text.clone(),
                at: entry.at,
                client_id: client_id.clone(),
            },
            LogKind::Joined { name, .. } => ChatEvent::Joined { name: name.clone() },
            LogKind::TimedOut => ChatEvent::Timeout,
            LogKind::Closed { by } => ChatEvent::Closed { by: *by },
            LogKind::Requeued { .. } => ChatEvent::Requeued {
                name: String::new(),
            },
            LogKind::Transferred { .. } => ChatEvent::Transferred,
        }
    }
}

/// Who is asking, shown with an offer.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferDetails {
    /// The chat.
    pub chat: ChatId,
    /// Visitor's name.
    pub name: String,
    /// Visitor's email.
    pub email: String,
    /// Department asked for, by name.
    pub department: Option<(DepartmentId, String)>,
    /// Page the chat was opened from.
    pub page_url: String,
    /// Unix ms the chat was opened, for the waiting time.
    pub created_at: u64,
    /// Name of the operator who transferred it, or who lost it; read the transcript.
    pub previous_operator: Option<String>,
}

/// What an operator's terminal learns.
#[derive(Clone, Debug, PartialEq)]
pub enum OperatorEvent {
    /// A chat this operator may accept.
    Offer(Arc<OfferDetails>),
    /// An offer is gone (taken by someone else, timed out, moved on).
    Withdrawn {
        /// The chat.
        chat: ChatId,
    },
    /// This operator no longer holds the chat (transferred, or re-queued when they went away).
    Released {
        /// The chat.
        chat: ChatId,
    },
    /// This operator holds the chat now (accepted here or from another terminal).
    Assigned {
        /// The chat.
        chat: ChatId,
    },
    /// A message in one of the operator's chats.
    Message {
        /// The chat.
        chat: ChatId,
        /// Position in the chat's log.
        seq: u64,
        /// Writer.
        author: Author,
        /// Text.
        text: String,
        /// Unix ms.
        at: u64,
    },
    /// The visitor is typing.
    Typing {
        /// The chat.
        chat: ChatId,
    },
    /// One of the operator's chats ended.
    Closed {
        /// The chat.
        chat: ChatId,
        /// Closing operator, None for the visitor.
        by: Option<AccountId>,
    },
    /// Chats waiting for anyone in the company.
    Queue {
        /// How many.
        length: usize,
    },
    /// A visitor on the site moved, started a chat, or declined invitations.
    Visitor(Arc<VisitorSummary>),
    /// A visitor left the site (their tracking went quiet).
    VisitorLeft {
        /// The visitor.
        visitor: VisitorId,
    },
    /// A panel resource changed: clients fetch it again.
    Changed(Resource),
    /// A visitor left a message with the off-line form.
    OfflineMessage {
        /// The message.
        message: Arc<OfflineMessage>,
        /// SIP username of the operator it asks for, if any.
        operator_sip: Option<String>,
    },
    /// The visitor of one of the operator's chats closed their window (`present` false, after
    /// the configured absence) or came back.
    VisitorPresence {
        /// The chat.
        chat: ChatId,
        /// Whether a chat window of theirs is open.
        present: bool,
    },
    /// Events were missed (the resume point is older than what is kept): fetch state again.
    Reset,
}

/// A panel resource named by [`OperatorEvent::Changed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// Company profile (name, time zone).
    Company,
    /// Chat-window settings.
    ChatWindow,
    /// Departments.
    Departments,
    /// Accounts, their status, presence and load.
    Operators,
    /// Canned responses.
    CannedResponses,
    /// The off-line inbox.
    OfflineMessages,
    /// Invoices, cards and the plan.
    Billing,
}

/// A page a visitor saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageSeen {
    /// The page's URL.
    pub url: String,
    /// The page's title.
    pub title: String,
    /// Unix ms the page was opened.
    pub at: u64,
}

/// What operators see of a visitor on the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorSummary {
    /// The visitor.
    pub id: VisitorId,
    /// The page they are on.
    pub page: PageSeen,
    /// Where they came from to the current page.
    pub referrer: String,
    /// Unix ms of their first page view ever.
    pub first_seen: u64,
    /// Page views so far.
    pub pages_seen: u64,
    /// The latest pages, newest first.
    pub recent: Vec<PageSeen>,
    /// Their open chat, if any.
    pub chat: Option<ChatId>,
    /// They clicked "No thanks": never invited again.
    pub declined: bool,
}

/// What the tracking script on a visitor's page learns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VisitorEvent {
    /// Show the invitation popup.
    Invitation {
        /// The inviting operator's name; None for an automatic invitation.
        by: Option<String>,
    },
    /// Whether anyone can take a chat now changed (the button image follows it).
    Availability {
        /// Someone can take a chat now.
        online: bool,
    },
}
