//! [`Action`]: everything that can happen, as one enum.

use crossterm::event::KeyEvent;
use switchboard_api as api;

use super::Presence;
use crate::client::{ButtonCode, Failure, GraphicsSlot, Route};
use crate::command::{Command, TransferTo};

/// What the stream task reports about its connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkEvent {
    /// Connected; events follow.
    Live,
    /// The connection ended; retrying.
    Reconnecting {
        /// Attempts so far.
        attempt: u32,
        /// Why it ended.
        reason: String,
    },
    /// The session token is refused.
    Unauthorized,
}

/// Everything that can happen: keys, time, server events and the results of commands.
#[derive(Clone, Debug)]
pub enum Action {
    /// A key press.
    Key(KeyEvent),
    /// A bracketed paste (never sends).
    Paste(String),
    /// Time passed; Unix ms now.
    Tick(u64),
    /// The terminal's columns and rows.
    Resize(u16, u16),
    /// An answer came from another address, or named another node serving the company
    /// (its `switchboard-node` header; none outside a cluster).
    Served(Route),
    /// The event stream's connection changed.
    Link(LinkEvent),
    /// An event from the operator's stream.
    Server(api::OperatorEventData),
    /// Carry out this side effect.
    Run(Command),
    /// Leave the program.
    Quit,
    /// Nothing to do (a command whose success needs no change).
    Noop,
    /// A note to show.
    Note(String),
    /// A command failed.
    Failed {
        /// What was tried.
        command: Box<Command>,
        /// Why it failed.
        error: Failure,
    },
    /// A side effect succeeded: show the note and reload with the command.
    Done(String, Box<Command>),
    /// Signed in.
    SignedIn(api::LoginResponse),
    /// A company was created and its admin signed in.
    SignedUp(api::SignupResponse),
    /// Signed out.
    SignedOut,
    /// `GET /v1/me`.
    Me(api::Me),
    /// The operator chose a presence (after a confirmation when it drops chats).
    SetPresence(Presence),
    /// The server took the presence.
    StatusSet(Presence),
    /// The chat is ours.
    Accepted(api::Chat),
    /// The offer was declined; it moves on.
    Declined(u64),
    /// `GET /v1/queue`.
    Queue(Vec<api::Chat>),
    /// `GET /v1/chats/{id}/visitor`.
    Profile {
        /// The chat.
        chat: u64,
        /// Its visitor.
        profile: api::VisitorProfile,
    },
    /// A message is durable at `seq`.
    Sent {
        /// The chat.
        chat: u64,
        /// The message's client id.
        client_id: String,
        /// Its log position.
        seq: u64,
    },
    /// We closed the chat.
    ClosedByMe(u64),
    /// The chat went to someone else.
    Transferred {
        /// The chat.
        chat: u64,
        /// To whom.
        to: TransferTo,
    },
    /// `GET /v1/chats/{id}`.
    ChatInfo(api::Chat),
    /// `GET /v1/chats/{id}/messages`.
    Transcript {
        /// The chat.
        chat: u64,
        /// Its log.
        entries: api::Transcript,
    },
    /// `GET /v1/chats/{id}/routing`: `None` when the server answered 404.
    Routing {
        /// The chat.
        chat: u64,
        /// The entries.
        entries: Option<Vec<serde_json::Value>>,
    },
    /// `GET /v1/chats`.
    Chats(Vec<api::Chat>),
    /// A page of `GET /v1/chats?q=&after=` for the history.
    ChatPage {
        /// What was searched ("" for every chat).
        query: String,
        /// The cursor the page follows (none for the first page).
        after: Option<u64>,
        /// The chats, newest first.
        chats: Vec<api::Chat>,
    },
    /// `GET /v1/visitors`.
    Visitors(Vec<api::Visitor>),
    /// The invitation is on its way.
    Invited(u64),
    /// `GET /v1/offline-messages`.
    OfflineMessages(Vec<api::OfflineMessage>),
    /// An off-line message was marked done.
    OfflineDone(u64),
    /// `GET /v1/company`.
    Company(api::Company),
    /// `PUT /v1/company` answered.
    CompanySaved(api::Company),
    /// `GET /v1/chat-window`.
    Window(api::ChatWindow),
    /// `PUT /v1/chat-window` answered.
    WindowSaved(api::ChatWindow),
    /// `GET /v1/chat-window/graphics`.
    Graphics(Vec<GraphicsSlot>),
    /// `GET /v1/departments`.
    Departments(Vec<api::Department>),
    /// `GET /v1/operators`.
    Operators(Vec<api::Operator>),
    /// `GET /v1/canned-responses`.
    Canned(Vec<api::Canned>),
    /// `GET /v1/buttons/code`.
    ButtonCode(ButtonCode),
    /// Custom buttons uploaded or deleted: which are there now.
    CustomButtons {
        /// What the server has.
        buttons: api::CustomButtons,
        /// What to say.
        note: String,
    },
    /// `GET /v1/tracking/code`.
    TrackingCode(api::TrackingCode),
    /// `GET /v1/billing`.
    Billing(api::billing::Billing),
    /// `GET /v1/invoices`, newest first.
    Invoices(Vec<api::billing::Invoice>),
    /// `GET /v1/cards`, or the cards after a change of the default one.
    Cards {
        /// The saved cards, oldest first.
        cards: Vec<api::billing::Card>,
        /// What to say, if anything.
        note: Option<String>,
    },
    /// A language picked in the language picker.
    Language {
        /// What it is for.
        target: crate::screens::admin::LanguageFor,
        /// Its code.
        code: String,
    },
    /// A canned response's text picked for a chat's draft.
    InsertCanned {
        /// The chat whose draft it goes into.
        chat: u64,
        /// The response's text.
        text: String,
    },
}
