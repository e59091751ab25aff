//! The `data:` of every server-sent event, one enum per stream. Each has one `name()`: the
//! SSE `event:` name the server writes, the same as the JSON `type` a client reads.

use serde::{Deserialize, Serialize};

use crate::{ClosedBy, OfflineMessage, Visitor};

/// Who wrote a message: `visitor` (the visitor), `operator` (an operator), `company` (the
/// company: automatic canned response).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AuthorKind {
    /// The visitor.
    Visitor,
    /// An operator.
    Operator,
    /// The company (automatic canned response).
    Company,
}

/// `data:` of the visitor's event stream; `type` is also the SSE `event:` name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEventData {
    /// Waiting in the queue.
    #[cfg_attr(feature = "openapi", schema(title = "queued"))]
    Queued {
        /// 1 = next.
        #[cfg_attr(feature = "openapi", schema(minimum = 1))]
        position: usize,
        /// Estimated wait in seconds, once the company's handling times are known; null
        /// before.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        wait_secs: Option<u64>,
    },
    /// The operator went away; another one is being found (the chat is back in the queue,
    /// at its head).
    #[cfg_attr(feature = "openapi", schema(title = "requeued"))]
    Requeued {
        /// Log position.
        seq: u64,
        /// Name of the operator who left ("" when unknown).
        #[serde(default)]
        name: String,
    },
    /// The operator transferred the chat; another one is being found.
    #[cfg_attr(feature = "openapi", schema(title = "transferred"))]
    Transferred {
        /// Log position.
        seq: u64,
    },
    /// An operator took the chat.
    #[cfg_attr(feature = "openapi", schema(title = "joined"))]
    Joined {
        /// Log position.
        seq: u64,
        /// Operator's name.
        name: String,
    },
    /// A message.
    #[cfg_attr(feature = "openapi", schema(title = "message"))]
    Message {
        /// Log position.
        seq: u64,
        /// Writer.
        author: AuthorKind,
        /// Writer's name ("" for the visitor).
        name: String,
        /// Text.
        text: String,
        /// Unix ms.
        at: u64,
        /// Client's id.
        client_id: String,
    },
    /// The operator is typing.
    #[cfg_attr(feature = "openapi", schema(title = "typing"))]
    Typing {
        /// Operator's name.
        who: String,
    },
    /// Nobody answered in time: show the offline form.
    #[cfg_attr(feature = "openapi", schema(title = "timeout"))]
    Timeout {
        /// Log position.
        seq: u64,
    },
    /// The chat ended.
    #[cfg_attr(feature = "openapi", schema(title = "closed"))]
    Closed {
        /// Log position.
        seq: u64,
        /// Who ended it.
        by: ClosedBy,
    },
}

impl ChatEventData {
    /// The SSE `event:` name, the same as the JSON `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Queued { .. } => "queued",
            Self::Requeued { .. } => "requeued",
            Self::Transferred { .. } => "transferred",
            Self::Joined { .. } => "joined",
            Self::Message { .. } => "message",
            Self::Typing { .. } => "typing",
            Self::Timeout { .. } => "timeout",
            Self::Closed { .. } => "closed",
        }
    }

    /// The log position of an entry of the chat's log; None for passing state (queue
    /// position, typing).
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::Requeued { seq, .. }
            | Self::Transferred { seq }
            | Self::Joined { seq, .. }
            | Self::Message { seq, .. }
            | Self::Timeout { seq }
            | Self::Closed { seq, .. } => Some(*seq),
            Self::Queued { .. } | Self::Typing { .. } => None,
        }
    }
}

/// A department as shown with an offer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentRef {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// `data:` of the operator's event stream; `type` is also the SSE `event:` name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorEventData {
    /// A chat to accept.
    #[cfg_attr(feature = "openapi", schema(title = "offer"))]
    Offer {
        /// The chat.
        chat_id: u64,
        /// Visitor's name.
        name: String,
        /// Visitor's email.
        email: String,
        /// Department asked for.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        department: Option<DepartmentRef>,
        /// Page.
        page_url: String,
        /// Unix ms the chat started (waiting time = now - this).
        created_at: u64,
        /// Name of the operator who had the chat before (a transfer, or one who went away):
        /// read the transcript with `GET /v1/chats/{id}/messages`; null for a new chat.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        previous_operator: Option<String>,
    },
    /// An offer is gone.
    #[cfg_attr(feature = "openapi", schema(title = "withdrawn"))]
    Withdrawn {
        /// The chat.
        chat_id: u64,
    },
    /// You no longer hold the chat (you transferred it, or it was re-queued while you were
    /// away).
    #[cfg_attr(feature = "openapi", schema(title = "released"))]
    Released {
        /// The chat.
        chat_id: u64,
    },
    /// You hold the chat now.
    #[cfg_attr(feature = "openapi", schema(title = "assigned"))]
    Assigned {
        /// The chat.
        chat_id: u64,
    },
    /// A message in one of your chats.
    #[cfg_attr(feature = "openapi", schema(title = "message"))]
    Message {
        /// The chat.
        chat_id: u64,
        /// Log position.
        seq: u64,
        /// Writer.
        author: AuthorKind,
        /// Writer's name.
        name: String,
        /// Text.
        text: String,
        /// Unix ms.
        at: u64,
    },
    /// The visitor is typing.
    #[cfg_attr(feature = "openapi", schema(title = "typing"))]
    Typing {
        /// The chat.
        chat_id: u64,
    },
    /// One of your chats ended.
    #[cfg_attr(feature = "openapi", schema(title = "closed"))]
    Closed {
        /// The chat.
        chat_id: u64,
        /// Who ended it.
        by: ClosedBy,
    },
    /// Chats waiting with no offer.
    #[cfg_attr(feature = "openapi", schema(title = "queue"))]
    Queue {
        /// How many.
        length: usize,
    },
    /// A visitor on the site moved, started a chat or declined invitations.
    #[cfg_attr(feature = "openapi", schema(title = "visitor"))]
    Visitor {
        /// The visitor as the live list shows them.
        visitor: Visitor,
    },
    /// A visitor left the site.
    #[cfg_attr(feature = "openapi", schema(title = "visitor_left"))]
    VisitorLeft {
        /// The visitor.
        visitor_id: u64,
    },
    /// A panel resource changed (canned responses, company and time zone, operators' status
    /// and presence, departments, chat-window settings, the off-line inbox): fetch it again.
    #[cfg_attr(feature = "openapi", schema(title = "changed"))]
    Changed {
        /// Which one.
        resource: Resource,
    },
    /// A visitor left an off-line message.
    #[cfg_attr(feature = "openapi", schema(title = "offline_message"))]
    OfflineMessage {
        /// The message.
        message: OfflineMessage,
    },
    /// The visitor of one of your chats closed their window (`present: false`, after
    /// `visitor_gone_secs`) or came back (`present: true`).
    #[cfg_attr(feature = "openapi", schema(title = "visitor_presence"))]
    VisitorPresence {
        /// The chat.
        chat_id: u64,
        /// Whether the visitor's chat window is open.
        present: bool,
    },
    /// Events were missed: reload your state.
    #[cfg_attr(feature = "openapi", schema(title = "reset"))]
    Reset,
}

impl OperatorEventData {
    /// The SSE `event:` name, the same as the JSON `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Offer { .. } => "offer",
            Self::Withdrawn { .. } => "withdrawn",
            Self::Assigned { .. } => "assigned",
            Self::Released { .. } => "released",
            Self::Message { .. } => "message",
            Self::Typing { .. } => "typing",
            Self::Closed { .. } => "closed",
            Self::Queue { .. } => "queue",
            Self::Visitor { .. } => "visitor",
            Self::VisitorLeft { .. } => "visitor_left",
            Self::Changed { .. } => "changed",
            Self::OfflineMessage { .. } => "offline_message",
            Self::VisitorPresence { .. } => "visitor_presence",
            Self::Reset => "reset",
        }
    }
}

/// A panel resource named by `changed` events: fetch it again.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// `GET /v1/company` (name, time zone).
    Company,
    /// `GET /v1/chat-window`.
    ChatWindow,
    /// `GET /v1/departments`.
    Departments,
    /// `GET /v1/operators` (accounts, status, presence, load).
    Operators,
    /// `GET /v1/canned-responses`.
    CannedResponses,
    /// `GET /v1/offline-messages`.
    OfflineMessages,
    /// `GET /v1/billing`, `/v1/invoices`, `/v1/cards` (an invoice issued or paid, a card
    /// saved or deleted).
    Billing,
}

/// `data:` of a visitor's tracking stream (`GET /v1/visitor/{key}/visitors/{id}/events`);
/// `type` is also the SSE `event:` name.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorEventData {
    /// Show the invitation popup.
    #[cfg_attr(feature = "openapi", schema(title = "invitation"))]
    Invitation {
        /// The inviting operator's name; null for an automatic invitation.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        by: Option<String>,
    },
    /// Whether anyone can take a chat now changed: refresh the chat button's image.
    #[cfg_attr(feature = "openapi", schema(title = "availability"))]
    Availability {
        /// Someone can take a chat now (the rule routing uses).
        online: bool,
    },
}

impl VisitorEventData {
    /// The SSE `event:` name, the same as the JSON `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Invitation { .. } => "invitation",
            Self::Availability { .. } => "availability",
        }
    }
}
