//! The closed sets of the wire: each a serde enum whose JSON form is its [`name()`](Status::name),
//! so the server, the clients and the tests write each name once.

use serde::{Deserialize, Serialize};

/// An operator's status, as they set it (`PUT /v1/me/status`) and as the panel shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Takes chats (when a terminal is connected).
    Online,
    /// Signed in, takes no new chats.
    Away,
    /// Takes no chats.
    Offline,
}

impl Status {
    /// Every status, in the order a toggle cycles through them.
    pub const ALL: [Status; 3] = [Status::Online, Status::Away, Status::Offline];

    /// The wire name: `"online"`, `"away"` or `"offline"`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Away => "away",
            Status::Offline => "offline",
        }
    }

    /// The status a wire name names; None for any other text (the server answers that with
    /// its own error rather than serde's).
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What an account may do: an admin also changes the company's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Changes settings, operators and departments; takes chats with a SIP username.
    Admin,
    /// Takes chats.
    Operator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 2] = [Role::Admin, Role::Operator];

    /// The wire name: `"admin"` or `"operator"`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    /// The role a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// Where a chat is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChatState {
    /// In the queue or offered, nobody has joined yet.
    Waiting,
    /// An operator holds it.
    Connected,
    /// It ended after being answered or waited on.
    Closed,
    /// Nobody could take it: the visitor was shown the offline form.
    Offline,
}

impl ChatState {
    /// Every state.
    pub const ALL: [ChatState; 4] = [
        ChatState::Waiting,
        ChatState::Connected,
        ChatState::Closed,
        ChatState::Offline,
    ];

    /// The wire name: `"waiting"`, `"connected"`, `"closed"` or `"offline"`.
    pub fn name(self) -> &'static str {
        match self {
            ChatState::Waiting => "waiting",
            ChatState::Connected => "connected",
            ChatState::Closed => "closed",
            ChatState::Offline => "offline",
        }
    }

    /// The state a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<ChatState> {
        ChatState::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the chat is over (closed, or ended in the offline form).
    pub fn ended(self) -> bool {
        matches!(self, ChatState::Closed | ChatState::Offline)
    }
}

/// How a chat is offered: to one operator at a time, or to every available one at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// One operator at a time; the next when the offer expires or is declined.
    Single,
    /// Every available operator; the first to accept wins.
    All,
}

impl Distribution {
    /// Every distribution.
    pub const ALL: [Distribution; 2] = [Distribution::Single, Distribution::All];

    /// The wire name: `"single"` or `"all"`.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::Single => "single",
            Distribution::All => "all",
        }
    }

    /// The distribution a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<Distribution> {
        Distribution::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// How single mode picks the operator to offer a chat to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fairness {
    /// Fewest open chats, then idle longest.
    LeastBusy,
    /// In turn.
    RoundRobin,
}

impl Fairness {
    /// Every fairness.
    pub const ALL: [Fairness; 2] = [Fairness::LeastBusy, Fairness::RoundRobin];

    /// The wire name: `"least_busy"` or `"round_robin"`.
    pub fn name(self) -> &'static str {
        match self {
            Fairness::LeastBusy => "least_busy",
            Fairness::RoundRobin => "round_robin",
        }
    }

    /// The fairness a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<Fairness> {
        Fairness::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Who ended a chat (the `by` of a `closed` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ClosedBy {
    /// The visitor left the chat.
    Visitor,
    /// An operator closed it.
    Operator,
}

impl ClosedBy {
    /// Both sides.
    pub const ALL: [ClosedBy; 2] = [ClosedBy::Visitor, ClosedBy::Operator];

    /// The wire name: `"visitor"` or `"operator"`.
    pub fn name(self) -> &'static str {
        match self {
            ClosedBy::Visitor => "visitor",
            ClosedBy::Operator => "operator",
        }
    }

    /// The side a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<ClosedBy> {
        ClosedBy::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What one routing-log entry records (`RoutingEntry.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoutingKind {
    /// The chat arrived and entered routing.
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
    /// Moved on to the next department or operator of its escalation.
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

impl RoutingKind {
    /// Every kind, in the order a chat's routing usually meets them.
    pub const ALL: [RoutingKind; 13] = [
        RoutingKind::Arrived,
        RoutingKind::Offered,
        RoutingKind::Withdrawn,
        RoutingKind::Declined,
        RoutingKind::OfferExpired,
        RoutingKind::Queued,
        RoutingKind::Accepted,
        RoutingKind::Escalated,
        RoutingKind::Transferred,
        RoutingKind::Requeued,
        RoutingKind::TimedOut,
        RoutingKind::Offline,
        RoutingKind::Closed,
    ];

    /// The wire name: `"arrived"`, `"offered"`, `"withdrawn"`, `"declined"`,
    /// `"offer_expired"`, `"queued"`, `"accepted"`, `"escalated"`, `"transferred"`,
    /// `"requeued"`, `"timed_out"`, `"offline"` or `"closed"`.
    pub fn name(self) -> &'static str {
        match self {
            RoutingKind::Arrived => "arrived",
            RoutingKind::Offered => "offered",
            RoutingKind::Withdrawn => "withdrawn",
            RoutingKind::Declined => "declined",
            RoutingKind::OfferExpired => "offer_expired",
            RoutingKind::Queued => "queued",
            RoutingKind::Accepted => "accepted",
            RoutingKind::Escalated => "escalated",
            RoutingKind::Transferred => "transferred",
            RoutingKind::Requeued => "requeued",
            RoutingKind::TimedOut => "timed_out",
            RoutingKind::Offline => "offline",
            RoutingKind::Closed => "closed",
        }
    }

    /// The kind a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<RoutingKind> {
        RoutingKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A chat button's look (`ButtonCode.style`, the `style` of the button's address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    /// The image the server draws, in the button's language.
    Standard,
    /// The company's uploaded online and offline GIFs.
    Custom,
}

impl ButtonStyle {
    /// Every style, in the order a toggle cycles through them.
    pub const ALL: [ButtonStyle; 2] = [ButtonStyle::Standard, ButtonStyle::Custom];

    /// The wire name: `"standard"` or `"custom"`.
    pub fn name(self) -> &'static str {
        match self {
            ButtonStyle::Standard => "standard",
            ButtonStyle::Custom => "custom",
        }
    }

    /// The style a wire name names; None for any other text.
    pub fn parse(name: &str) -> Option<ButtonStyle> {
        ButtonStyle::ALL.into_iter().find(|s| s.name() == name)
    }
}
