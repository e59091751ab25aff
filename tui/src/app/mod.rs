//! The pure core: [`State`], [`Action`] and [`update`]. Nothing here touches the terminal,
//! the network or the clock: time arrives as [`Action::Tick`], server answers as actions,
//! and side effects leave as [`Action::Run`] holding a [`Command`].
//!
//! Each screen's own keys and data live in its file under `screens/`; this module routes
//! actions to them and holds what every screen shares (the signed-in account, presence,
//! the link to the server, notes).
//!
//! - `mod.rs`: [`State`] and [`update`], with the handling of time, the link and failures;
//! - `action.rs`: the [`Action`] enum;
//! - `keys.rs`: the global keys, then the dialog's, then the screen's;
//! - `kinds.rs`: [`Presence`], [`Screen`], [`Link`], [`Note`].

mod action;
mod keys;
mod kinds;

use jiff::tz::TimeZone;
use switchboard_api as api;

pub use action::{Action, LinkEvent};
pub use keys::go;
use kinds::NOTE_MS;
pub use kinds::{Level, Link, Note, Presence, Screen, FLASH_MS};

use crate::client::{Failure, Route};
use crate::command::Command;
use crate::screens::dialog::Overlay;
use crate::screens::{admin, console, dashboard, history, offline, signin, signup, visitors};

/// The size assumed until the terminal says otherwise: the smallest supported one.
const DEFAULT_SIZE: (u16, u16) = (80, 24);

/// The whole client state. Rendering reads it; only [`update`] changes it.
#[derive(Debug)]
pub struct State {
    /// The server addresses as given (one base URL, or several comma-separated), shown on
    /// the sign-in screen.
    pub server: String,
    /// The address answering now and the node serving the company, as the latest answers
    /// told ([`Action::Served`]); the dashboard shows them. Kept across sign-outs: the
    /// client stays where it is.
    pub route: Route,
    /// Screen shown.
    pub screen: Screen,
    /// The signed-in account; none on the sign-in screens.
    pub me: Option<api::Me>,
    /// Presence the server last confirmed.
    pub presence: Presence,
    /// Presence the operator chose; asserted again after every reconnect.
    pub wanted: Presence,
    /// Event-stream state.
    pub link: Link,
    /// A `reset` arrived: reload chats and visitors once the stream is live again.
    pub reload_on_live: bool,
    /// The terminal's columns and rows, as last measured (a page of messages is measured
    /// from it).
    pub size: (u16, u16),
    /// Unix ms, from the last tick (rendering and waiting times use it, never the clock).
    pub now_ms: u64,
    /// The company's time zone.
    pub tz: TimeZone,
    /// Status-bar message.
    pub note: Option<Note>,
    /// Unix ms until which the screen flashes (a new offer).
    pub flash_until: u64,
    /// Dialog over the screen (help, confirm, prompt, picker, form).
    pub overlay: Option<Overlay>,
    /// The prompt or form whose answer is on its way to the server: a refusal brings it
    /// back with what was typed and the reason.
    pub reopen: Option<Overlay>,
    /// Sign-in screen.
    pub signin: signin::SignIn,
    /// Sign-up screen.
    pub signup: signup::SignUp,
    /// Operator console.
    pub console: console::Console,
    /// Live visitors.
    pub visitors: visitors::Visitors,
    /// Offline messages.
    pub offline: offline::Offline,
    /// Chat history.
    pub history: history::History,
    /// Charts.
    pub dashboard: dashboard::Dashboard,
    /// Admin panels.
    pub admin: admin::Admin,
    /// The company's operators (transfer targets, dashboard load, admin list).
    pub operators: Vec<api::Operator>,
    /// The company's departments (names for ids, transfer targets).
    pub departments: Vec<api::Department>,
    /// Canned responses (`#shortcut` in the input, the picker, the admin list).
    pub canned: Vec<api::Canned>,
    /// Messages sent in this run, to make each client id unique.
    pub sent_count: u64,
    /// Set when the user quits; the loop ends.
    pub quit: bool,
}

impl State {
    /// The state at start: the sign-in screen, with the email (and password) given on the
    /// command line filled in.
    pub fn new(server: &str, email: Option<String>, password: Option<String>, now_ms: u64) -> Self {
        let first = crate::client::addresses(server)
            .into_iter()
            .next()
            .unwrap_or_default();
        State {
            server: server.to_string(),
            route: Route {
                address: first,
                node: None,
            },
            screen: Screen::SignIn,
            me: None,
            presence: Presence::Offline,
            wanted: Presence::Online,
            link: Link::Idle,
            reload_on_live: false,
            size: DEFAULT_SIZE,
            now_ms,
            tz: TimeZone::UTC,
            note: None,
            flash_until: 0,
            overlay: None,
            reopen: None,
            signin: signin::SignIn::new(email, password),
            signup: signup::SignUp::default(),
            console: console::Console::default(),
            visitors: visitors::Visitors::default(),
            offline: offline::Offline::default(),
            history: history::History::default(),
            dashboard: dashboard::Dashboard::default(),
            admin: admin::Admin::default(),
            operators: Vec::new(),
            departments: Vec::new(),
            canned: Vec::new(),
            sent_count: 0,
            quit: false,
        }
    }

    /// The first action: signing in at once when both email and password were given.
    pub fn start(&self) -> Option<Action> {
        signin::auto(self)
    }

    /// Whether the signed-in account is an admin.
    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.role == api::Role::Admin)
    }

    /// Whether the signed-in account takes chats (has a SIP username).
    pub fn takes_chats(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.sip.is_some())
    }

    /// Shows a note in the status bar.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.note = Some(Note {
            text: text.into(),
            level,
            until_ms: self.now_ms + NOTE_MS,
        });
    }

    /// A department's name by id.
    pub fn department_name(&self, id: Option<u64>) -> Option<String> {
        let id = id?;
        Some(
            self.departments
                .iter()
                .find(|d| d.id == id)
                .map_or_else(|| format!("#{id}"), |d| d.name.clone()),
        )
    }

    /// An operator's name by account id.
    pub fn operator_name(&self, id: Option<u64>) -> Option<String> {
        let id = id?;
        Some(
            self.operators
                .iter()
                .find(|o| o.id == id)
                .map_or_else(|| format!("#{id}"), |o| o.name.clone()),
        )
    }
}

/// A side effect as the result of an update.
pub fn run(command: Command) -> Option<Action> {
    Some(Action::Run(command))
}

/// Several side effects.
pub fn batch(commands: Vec<Command>) -> Option<Action> {
    Some(Action::Run(Command::Batch(commands)))
}

/// Applies one action; returns the next one (a follow-up, or [`Action::Run`] for the loop).
pub fn update(state: &mut State, action: Action) -> Option<Action> {
    match action {
        Action::Key(key) => keys::on_key(state, key),
        Action::Paste(text) => keys::paste(state, &text),
        Action::Tick(now) => tick(state, now),
        Action::Link(event) => link(state, event),
        Action::Server(event) => console::server_event(state, event),
        Action::Run(command) => run(command),
        Action::Quit => {
            state.quit = true;
            None
        }
        Action::Noop => None,
        Action::Served(seen) => {
            served(state, seen);
            None
        }
        Action::Resize(width, height) => {
            state.size = (width, height);
            None
        }
        Action::Note(text) => {
            state.say(Level::Info, text);
            None
        }
        Action::Done(text, reload) => {
            state.say(Level::Info, text);
            run(*reload)
        }
        Action::Failed { command, error } => failed(state, *command, error),
        Action::SignedIn(_) | Action::SignedUp(_) | Action::SignedOut | Action::Me(_) => {
            signin::result(state, action)
        }
        Action::SetPresence(presence) => {
            state.wanted = presence;
            run(Command::SetStatus(presence))
        }
        Action::StatusSet(presence) => {
            state.presence = presence;
            None
        }
        Action::Accepted(_)
        | Action::Declined(_)
        | Action::Queue(_)
        | Action::Profile { .. }
        | Action::Sent { .. }
        | Action::ClosedByMe(_)
        | Action::Transferred { .. }
        | Action::ChatInfo(_)
        | Action::Routing { .. }
        | Action::InsertCanned { .. } => console::result(state, action),
        Action::Transcript { chat, entries } => {
            history::transcript(state, chat, &entries);
            console::result(state, Action::Transcript { chat, entries })
        }
        Action::Chats(chats) => {
            let follow = console::sync_chats(state, &chats);
            state.dashboard.chats = chats;
            follow
        }
        Action::ChatPage {
            query,
            after,
            chats,
        } => history::page(state, &query, after, chats),
        Action::Visitors(list) => visitors::loaded(state, list),
        Action::Invited(_) => {
            state.say(Level::Info, "Invitation sent");
            None
        }
        Action::OfflineMessages(list) => offline::loaded(state, list),
        Action::OfflineDone(id) => offline::done(state, id),
        Action::Operators(list) => {
            state.operators = list;
            dashboard::operators_loaded(state);
            console::refresh_transfer(state);
            None
        }
        Action::Departments(list) => {
            state.departments = list;
            console::refresh_transfer(state);
            None
        }
        Action::Canned(list) => {
            state.canned = list;
            admin::canned_loaded(state)
        }
        Action::Language { target, code } => admin::language(state, target, code),
        Action::Company(_)
        | Action::CompanySaved(_)
        | Action::Window(_)
        | Action::WindowSaved(_)
        | Action::Graphics(_)
        | Action::ButtonCode(_)
        | Action::CustomButtons { .. }
        | Action::TrackingCode(_)
        | Action::Billing(_)
        | Action::Invoices(_)
        | Action::Cards { .. } => admin::result(state, action),
    }
}

/// An answer came from `seen.address`: that is the address in use now. Its node replaces
/// the one shown only when it names one, so an answer without the header (a server outside
/// a cluster, or an older node) leaves the latest node seen.
fn served(state: &mut State, seen: Route) {
    state.route.address = seen.address;
    if seen.node.is_some() {
        state.route.node = seen.node;
    }
}

/// A failed command: the screen that asked explains it; anything else becomes a note.
fn failed(state: &mut State, command: Command, error: Failure) -> Option<Action> {
    let message = crate::sanitize::line(&error.message);
    match command {
        Command::Login { .. } | Command::Signup(_) | Command::Me => {
            signin::failed(state, &command, &message)
        }
        // Panels the server may not offer yet stay empty rather than fill the status bar.
        Command::Queue | Command::VisitorProfile(_) if error.status != Some(401) => None,
        Command::Accept(_)
        | Command::Decline(_)
        | Command::Send { .. }
        | Command::Transfer { .. }
        | Command::Close(_)
        | Command::Routing(_)
        | Command::Transcript(_)
        | Command::Chat(_) => console::failed(state, &command, &error, &message),
        Command::SaveCompany(_) => {
            admin::company::refused(state, &error.code);
            admin::failed(state, &message)
        }
        Command::SaveWindow(_) => admin::failed(state, &message),
        // The plan also loads in the background: a server without billing stays quiet
        // unless the payments panel is shown.
        Command::Billing | Command::Invoices | Command::Cards if error.status != Some(401) => {
            admin::payments::load_failed(state, &message)
        }
        // A refused card: the form comes back without its number and code.
        Command::AddCard(_) if error.status != Some(401) => {
            admin::payments::card_refused(state, &error, &message)
        }
        Command::SaveInvoice { number, .. } if error.status != Some(401) => {
            admin::payments::pdf_failed(state, number, &message)
        }
        // A dialog's answer refused: the dialog comes back with what was typed.
        Command::SaveOperator { .. }
        | Command::SaveCanned { .. }
        | Command::SaveDepartment { .. }
        | Command::Upload { .. }
        | Command::UploadButton { .. }
        | Command::ChangePassword(_)
        | Command::SaveFile { .. }
            if error.status != Some(401) && crate::screens::dialog::reopen(state, &message) =>
        {
            None
        }
        // Typing notices are best effort.
        Command::Typing(_) => None,
        _ if error.status == Some(401) => signin::expired(state),
        _ => {
            state.say(Level::Error, message);
            None
        }
    }
}

/// A `changed` event: the resource is fetched again, and every screen showing it follows
/// when the answer arrives.
pub fn changed(state: &mut State, resource: api::Resource) -> Option<Action> {
    use api::Resource as R;
    let command = match resource {
        R::Company => Command::Company,
        R::ChatWindow if state.is_admin() => Command::Window,
        // Only the admin panel shows the chat window's settings.
        R::ChatWindow => return None,
        R::Departments => Command::Departments,
        R::Operators => Command::Operators,
        R::CannedResponses => Command::Canned,
        R::OfflineMessages => Command::OfflineMessages,
        // Admins see the plan's warning wherever they are.
        R::Billing if state.is_admin() => return batch(admin::payments::reload(state)),
        R::Billing => return None,
    };
    // The plan follows the company's currency and its operator seats.
    if state.is_admin() && matches!(resource, R::Company | R::Operators) {
        return run(Command::Batch(vec![command, Command::Billing]));
    }
    run(command)
}

/// Time passes: notes expire, and some screens refresh.
fn tick(state: &mut State, now: u64) -> Option<Action> {
    let before = state.now_ms;
    state.now_ms = now;
    if state.note.as_ref().is_some_and(|n| n.until_ms <= now) {
        state.note = None;
    }
    // Signed out, nothing moves.
    state.me.as_ref()?;
    dashboard::sample(state);
    // Every 15 s the dashboard refreshes the operators' load.
    if state.screen == Screen::Dashboard && before / 15_000 != now / 15_000 {
        return run(Command::Operators);
    }
    None
}

/// The event stream's connection changed.
fn link(state: &mut State, event: LinkEvent) -> Option<Action> {
    // A stream still ending after a sign-out changes nothing.
    state.me.as_ref()?;
    match event {
        LinkEvent::Live => {
            let was_down = matches!(state.link, Link::Reconnecting { .. });
            state.link = Link::Live;
            if was_down {
                state.say(Level::Info, "Reconnected");
            }
            let mut commands = Vec::new();
            // The server forgets presence when it restarts or after the grace period:
            // say again what the operator chose.
            if state.takes_chats() {
                commands.push(Command::SetStatus(state.wanted));
            }
            if std::mem::take(&mut state.reload_on_live) {
                commands.extend([Command::Chats, Command::Visitors]);
                if state.takes_chats() {
                    commands.push(Command::Queue);
                }
                if state.is_admin() {
                    commands.extend(admin::payments::reload(state));
                }
            }
            batch(commands)
        }
        LinkEvent::Reconnecting { attempt, reason } => {
            let since_ms = match &state.link {
                Link::Reconnecting { since_ms, .. } => *since_ms,
                _ => state.now_ms,
            };
            state.link = Link::Reconnecting {
                attempt,
                reason: crate::sanitize::line(&reason),
                since_ms,
            };
            None
        }
        LinkEvent::Unauthorized => signin::expired(state),
    }
}
