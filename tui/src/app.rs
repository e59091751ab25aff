//! The pure core: [`State`], [`Action`] and [`update`]. Nothing here touches the terminal,
//! the network or the clock: time arrives as [`Action::Tick`], server answers as actions,
//! and side effects leave as [`Action::Run`] holding a [`Command`].
//!
//! Each screen's own keys and data live in its file under `screens/`; this file routes
//! actions to them and holds what every screen shares (the signed-in account, presence,
//! the link to the server, notes).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::tz::TimeZone;
use switchboard_http::api;

use crate::client::{ButtonCode, Failure, GraphicsSlot};
use crate::command::{Command, TransferTo};
use crate::screens::dialog::Overlay;
use crate::screens::{admin, console, dashboard, dialog, history, offline, signin, signup, visitors};

/// An operator's presence, as `PUT /v1/me/status` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Takes chats.
    Online,
    /// Signed in, takes no new chats.
    Away,
    /// Takes no chats.
    Offline,
}

impl Presence {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// From the wire name; unknown names read as offline.
    pub fn parse(name: &str) -> Self {
        match name {
            "online" => Presence::Online,
            "away" => Presence::Away,
            _ => Presence::Offline,
        }
    }

    /// The next one in the toggle: online, away, offline, online...
    pub fn next(self) -> Self {
        match self {
            Presence::Online => Presence::Away,
            Presence::Away => Presence::Offline,
            Presence::Offline => Presence::Online,
        }
    }
}

/// The screens, in tab order after the two sign-in screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Email and password.
    SignIn,
    /// A new company.
    SignUp,
    /// Offers, open chats, messages.
    Console,
    /// Who is on the site.
    Visitors,
    /// Messages left while nobody was online.
    Offline,
    /// Past chats and transcripts.
    History,
    /// Charts.
    Dashboard,
    /// Company settings (admins only).
    Admin,
}

impl Screen {
    /// The tabs a signed-in account sees, with their number keys.
    pub fn tabs(admin: bool) -> &'static [Screen] {
        const ALL: [Screen; 6] = [
            Screen::Console,
            Screen::Visitors,
            Screen::Offline,
            Screen::History,
            Screen::Dashboard,
            Screen::Admin,
        ];
        if admin {
            &ALL
        } else {
            &ALL[..5]
        }
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::SignIn => "Sign in",
            Screen::SignUp => "New company",
            Screen::Console => "Console",
            Screen::Visitors => "Visitors",
            Screen::Offline => "Offline messages",
            Screen::History => "History",
            Screen::Dashboard => "Dashboard",
            Screen::Admin => "Admin",
        }
    }
}

/// The event stream's state, shown in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not signed in.
    Idle,
    /// First connection under way.
    Connecting,
    /// Events are flowing.
    Live,
    /// Lost; trying again.
    Reconnecting {
        /// Attempts so far.
        attempt: u32,
        /// Why the last one ended.
        reason: String,
        /// Unix ms the link was lost (the status bar shows for how long).
        since_ms: u64,
    },
}

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

/// How a note is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something happened.
    Info,
    /// Something to look at (a taken offer).
    Warn,
    /// Something failed.
    Error,
}

/// A one-line message in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What to say (already sanitized when it came from the server).
    pub text: String,
    /// Colour.
    pub level: Level,
    /// Unix ms it disappears.
    pub until_ms: u64,
}

/// How long a note stays, in ms.
const NOTE_MS: u64 = 6_000;

/// How long the screen flashes on a new offer, in ms.
pub const FLASH_MS: u64 = 1_500;

/// Everything that can happen: keys, time, server events and the results of commands.
#[derive(Clone, Debug)]
pub enum Action {
    /// A key press.
    Key(KeyEvent),
    /// A bracketed paste (never sends).
    Paste(String),
    /// Time passed; Unix ms now.
    Tick(u64),
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
    /// The server took the presence.
    StatusSet(Presence),
    /// The chat is ours.
    Accepted(api::Chat),
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
    /// `GET /v1/visitors`.
    Visitors(Vec<api::Visitor>),
    /// The invitation is on its way.
    Invited(u64),
    /// `GET /v1/offline-messages`.
    OfflineMessages(Vec<api::OfflineMessage>),
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
    /// A canned response's text picked for the chat input.
    InsertCanned(String),
}

/// The whole client state. Rendering reads it; only [`update`] changes it.
#[derive(Debug)]
pub struct State {
    /// Server base URL, shown on the sign-in screen.
    pub server: String,
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
        State {
            server: server.to_string(),
            screen: Screen::SignIn,
            me: None,
            presence: Presence::Offline,
            wanted: Presence::Online,
            link: Link::Idle,
            reload_on_live: false,
            now_ms,
            tz: TimeZone::UTC,
            note: None,
            flash_until: 0,
            overlay: None,
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
        self.me.as_ref().is_some_and(|m| m.role == "admin")
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
        Action::Key(key) => on_key(state, key),
        Action::Paste(text) => paste(state, &text),
        Action::Tick(now) => tick(state, now),
        Action::Link(event) => link(state, event),
        Action::Server(event) => console::server_event(state, event),
        Action::Run(command) => run(command),
        Action::Quit => {
            state.quit = true;
            None
        }
        Action::Noop => None,
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
        Action::StatusSet(presence) => {
            state.presence = presence;
            None
        }
        Action::Accepted(_)
        | Action::Sent { .. }
        | Action::ClosedByMe(_)
        | Action::Transferred { .. }
        | Action::ChatInfo(_)
        | Action::Routing { .. }
        | Action::InsertCanned(_) => console::result(state, action),
        Action::Transcript { chat, entries } => {
            history::transcript(state, chat, &entries);
            console::result(state, Action::Transcript { chat, entries })
        }
        Action::Chats(chats) => {
            let follow = console::sync_chats(state, &chats);
            history::loaded(state, chats);
            follow
        }
        Action::Visitors(list) => visitors::loaded(state, list),
        Action::Invited(_) => {
            state.say(Level::Info, "Invitation sent");
            None
        }
        Action::OfflineMessages(list) => offline::loaded(state, list),
        Action::Operators(list) => {
            state.operators = list;
            dashboard::operators_loaded(state);
            None
        }
        Action::Departments(list) => {
            state.departments = list;
            None
        }
        Action::Canned(list) => {
            state.canned = list;
            admin::canned_loaded(state)
        }
        Action::Company(_)
        | Action::CompanySaved(_)
        | Action::Window(_)
        | Action::WindowSaved(_)
        | Action::Graphics(_)
        | Action::ButtonCode(_) => admin::result(state, action),
    }
}

/// A failed command: the screen that asked explains it; anything else becomes a note.
fn failed(state: &mut State, command: Command, error: Failure) -> Option<Action> {
    let message = crate::sanitize::line(&error.message);
    match command {
        Command::Login { .. } | Command::Signup(_) | Command::Me => {
            signin::failed(state, &command, &message)
        }
        Command::Accept(_)
        | Command::Send { .. }
        | Command::Transfer { .. }
        | Command::Close(_)
        | Command::Routing(_)
        | Command::Transcript(_)
        | Command::Chat(_) => console::failed(state, &command, &error, &message),
        Command::SaveCompany(_) | Command::SaveWindow(_) => admin::failed(state, &message),
        // Typing notices are best effort.
        Command::Typing(_) => None,
        _ if error.status == Some(401) => signin::expired(state),
        _ => {
            state.say(Level::Error, message);
            None
        }
    }
}

/// Time passes: notes expire, and some screens refresh.
fn tick(state: &mut State, now: u64) -> Option<Action> {
    let before = state.now_ms;
    state.now_ms = now;
    if state.note.as_ref().is_some_and(|n| n.until_ms <= now) {
        state.note = None;
    }
    if state.me.is_none() {
        return None;
    }
    dashboard::sample(state);
    // Every 15 s the dashboard refreshes the operators' load.
    if state.screen == Screen::Dashboard && before / 15_000 != now / 15_000 {
        return run(Command::Operators);
    }
    None
}

/// The event stream's connection changed.
fn link(state: &mut State, event: LinkEvent) -> Option<Action> {
    if state.me.is_none() {
        return None;
    }
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

/// Pastes go to whichever text field has the focus; they never send.
fn paste(state: &mut State, text: &str) -> Option<Action> {
    if let Some(overlay) = &mut state.overlay {
        dialog::paste(overlay, text);
        return None;
    }
    match state.screen {
        Screen::SignIn => state.signin.paste(text),
        Screen::SignUp => state.signup.paste(text),
        Screen::Console => console::paste(state, text),
        Screen::History => state.history.paste(text),
        Screen::Admin => admin::paste(state, text),
        Screen::Visitors | Screen::Offline | Screen::Dashboard => {}
    }
    None
}

/// Whether the screen is taking text (so letters and digits are not commands).
fn typing(state: &State) -> bool {
    match state.screen {
        Screen::SignIn | Screen::SignUp => true,
        Screen::Console => state.console.focus == console::Pane::Input,
        Screen::History => state.history.searching,
        Screen::Admin => admin::typing(state),
        Screen::Visitors | Screen::Offline | Screen::Dashboard => false,
    }
}

/// A key: global keys first (unless a text field has it), then the overlay, then the
/// screen.
fn on_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match state.screen {
        Screen::SignIn => return signin::key(state, key),
        Screen::SignUp => return signup::key(state, key),
        _ => {}
    }
    if key.code == KeyCode::F(2) {
        return toggle_presence(state);
    }
    if state.overlay.is_some() {
        return dialog::key(state, key);
    }
    if !typing(state) && !ctrl {
        match key.code {
            KeyCode::Char('?') => {
                state.overlay = Some(Overlay::Help);
                return None;
            }
            KeyCode::Char('s') => return toggle_presence(state),
            KeyCode::Char('q') | KeyCode::Esc => return back(state),
            KeyCode::Char(c @ '1'..='9') => {
                let tabs = Screen::tabs(state.is_admin());
                let index = usize::from(c as u8 - b'1');
                if let Some(&screen) = tabs.get(index) {
                    return go(state, screen);
                }
                return None;
            }
            _ => {}
        }
    }
    match state.screen {
        Screen::Console => console::key(state, key),
        Screen::Visitors => visitors::key(state, key),
        Screen::Offline => offline::key(state, key),
        Screen::History => history::key(state, key),
        Screen::Dashboard => None,
        Screen::Admin => admin::key(state, key),
        Screen::SignIn | Screen::SignUp => None,
    }
}

/// The next presence, asked of the server (operators only).
fn toggle_presence(state: &mut State) -> Option<Action> {
    if !state.takes_chats() {
        state.say(Level::Warn, "Only operators with a SIP username take chats");
        return None;
    }
    state.wanted = state.presence.next();
    run(Command::SetStatus(state.wanted))
}

/// `q`/Esc: the screen backs out one level, else back to the console, else quit.
fn back(state: &mut State) -> Option<Action> {
    let consumed = match state.screen {
        Screen::History => state.history.back(),
        Screen::Admin => state.admin.back(),
        Screen::Console => state.console.back(),
        _ => false,
    };
    if consumed {
        return None;
    }
    if state.screen != Screen::Console {
        state.screen = Screen::Console;
        return None;
    }
    let open = state.console.chats.iter().filter(|c| c.closed.is_none()).count();
    if open > 0 {
        state.overlay = Some(Overlay::Confirm {
            question: format!("{open} chat(s) still open. Quit anyway?"),
            then: Box::new(Action::Quit),
        });
        return None;
    }
    Some(Action::Quit)
}

/// Shows a screen and loads what it shows.
pub fn go(state: &mut State, screen: Screen) -> Option<Action> {
    state.screen = screen;
    match screen {
        Screen::Console => {
            console::seen(state);
            None
        }
        Screen::Visitors => run(Command::Visitors),
        Screen::Offline => run(Command::OfflineMessages),
        Screen::History => run(Command::Chats),
        Screen::Dashboard => batch(vec![Command::Chats, Command::Operators, Command::Visitors]),
        Screen::Admin => admin::enter(state),
        Screen::SignIn | Screen::SignUp => None,
    }
}
