//! Tests of the pure core and the screens: `update` for every action, snapshots of every
//! screen on a fixed-size `TestBackend`, and visitor text that must stay inert.
//! `update_payments` also keeps card numbers out of every frame and out of the state.

mod inert;
mod screens;
mod update_admin;
mod update_console;
mod update_payments;
mod update_session;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use switchboard_api as api;

use crate::app::{update, Action, Presence, Screen, State};

/// 2025-01-15 12:30:00 UTC, a Wednesday: every test's "now".
pub const NOW: u64 = 1_736_944_200_000;

/// The account the tests sign in as: Alice, operator 10001 of the demo company.
pub fn alice() -> api::Me {
    api::Me {
        id: 2,
        email: "alice@demo.example".into(),
        name: "Alice".into(),
        sip: Some("10001".into()),
        role: switchboard_api::Role::Operator,
        status: switchboard_api::Status::Online,
        company: "Demo Shop".into(),
        key: "abcdef0123456789".into(),
        time_zone: "Europe/Dublin".into(),
    }
}

/// The demo admin (no SIP username).
pub fn admin() -> api::Me {
    api::Me {
        id: 1,
        email: "admin@demo.example".into(),
        name: "Demo Admin".into(),
        sip: None,
        role: switchboard_api::Role::Admin,
        ..alice()
    }
}

/// A state signed in as `me`, on the console, live, with the demo departments, operators
/// and canned responses loaded.
pub fn signed_in(me: api::Me) -> State {
    let mut state = State::new("http://127.0.0.1:8080", None, None, NOW);
    state.tz = crate::time::zone(&me.time_zone);
    state.me = Some(me);
    state.presence = Presence::Online;
    state.link = crate::app::Link::Live;
    state.screen = Screen::Console;
    state.departments = vec![
        api::Department {
            id: 10,
            name: "Sales".into(),
        },
        api::Department {
            id: 11,
            name: "Support".into(),
        },
    ];
    state.operators = vec![
        operator(1, None, "Demo Admin", "offline", 0, 4),
        operator(2, Some("10001"), "Alice", "online", 1, 4),
        operator(3, Some("10002"), "Bob", "away", 3, 4),
    ];
    state.canned = vec![
        api::Canned {
            id: 20,
            shortcut: "hello".into(),
            text: "Hello! How can I help you today?".into(),
        },
        api::Canned {
            id: 21,
            shortcut: "bye".into(),
            text: "Thanks for chatting with us.".into(),
        },
    ];
    state
}

/// An operator as `GET /v1/operators` lists them.
pub fn operator(
    id: u64,
    sip: Option<&str>,
    name: &str,
    status: &str,
    open: u32,
    max: u32,
) -> api::Operator {
    api::Operator {
        id,
        sip: sip.map(str::to_string),
        name: name.into(),
        email: format!("{}@demo.example", name.to_lowercase().replace(' ', ".")),
        role: if sip.is_some() {
            api::Role::Operator
        } else {
            api::Role::Admin
        },
        max_chats: max,
        departments: vec![10, 11],
        status: api::Status::parse(status).expect("a status name"),
        open_chats: open,
        available: status == "online",
    }
}

/// An offer event.
pub fn offer(chat_id: u64, name: &str, waited_secs: u64) -> api::OperatorEventData {
    api::OperatorEventData::Offer {
        chat_id,
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        department: Some(api::DepartmentRef {
            id: 10,
            name: "Sales".into(),
        }),
        page_url: "https://shop.example/products/blue-kettle".into(),
        created_at: NOW - waited_secs * 1000,
        previous_operator: None,
    }
}

/// A chat record.
pub fn chat(id: u64, name: &str, state: &str, operator: Option<u64>, created_at: u64) -> api::Chat {
    api::Chat {
        id,
        state: api::ChatState::parse(state).expect("a chat state name"),
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        department: Some(10),
        operator,
        page_url: "https://shop.example/checkout".into(),
        lang: "en".into(),
        created_at,
        ended_at: None,
        visitor_id: None,
    }
}

/// A message of a transcript.
pub fn message(
    seq: u64,
    author: api::AuthorKind,
    name: &str,
    text: &str,
    at: u64,
) -> api::ChatEventData {
    api::ChatEventData::Message {
        seq,
        author,
        name: name.into(),
        text: text.into(),
        at,
        client_id: format!("c{seq}"),
    }
}

/// A key press.
pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A key press with Ctrl.
pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types text key by key.
pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, key(KeyCode::Char(c)));
    }
}

/// Applies actions in turn, following up everything but commands; returns the commands.
pub fn apply(state: &mut State, action: Action) -> Vec<crate::command::Command> {
    let mut commands = Vec::new();
    let mut next = Some(action);
    while let Some(action) = next.take() {
        next = match update(state, action) {
            Some(Action::Run(crate::command::Command::Batch(many))) => {
                commands.extend(many);
                None
            }
            Some(Action::Run(command)) => {
                commands.push(command);
                None
            }
            other => other,
        };
    }
    commands
}

/// The console holding one chat with Maria: an exchange and a routing log.
pub fn with_chat(state: &mut State) {
    apply(
        state,
        Action::Accepted(chat(7, "Maria Rossi", "connected", Some(2), NOW - 300_000)),
    );
    let entries = vec![
        api::ChatEventData::Joined { seq: 1, name: "Alice".into() },
        message(2, api::AuthorKind::Visitor, "", "Hi, is the blue kettle in stock?", NOW - 240_000),
        message(3, api::AuthorKind::Operator, "Alice", "Yes, we have 4 left. Shall I reserve one?", NOW - 200_000),
        message(4, api::AuthorKind::Visitor, "", "Yes please, and does it come with a 2-year warranty? I would like it delivered to Cork.", NOW - 60_000),
    ];
    apply(state, Action::Transcript { chat: 7, entries });
    let routing = vec![
        serde_json::json!({"at": NOW - 300_000, "kind": "arrived", "operator": null, "detail": "department Sales"}),
        serde_json::json!({"at": NOW - 299_000, "kind": "offered", "operator": 2, "detail": "least busy"}),
    ];
    apply(
        state,
        Action::Routing {
            chat: 7,
            entries: Some(routing),
        },
    );
    // Into the message box, as the operator would.
    update(state, key(KeyCode::Char('i')));
}

/// The state drawn on a `width` x `height` test terminal.
pub fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|f| f.render_widget(state, f.area()))
        .expect("drawing succeeds");
    terminal
}

/// A failed call's error as the client reports it.
pub fn failure(status: u16, code: &str, message: &str) -> crate::client::Failure {
    crate::client::Failure {
        status: Some(status),
        code: code.into(),
        message: message.into(),
    }
}

/// The action a failed `command` comes back as.
pub fn failed(command: crate::command::Command, error: crate::client::Failure) -> Action {
    Action::Failed {
        command: Box::new(command),
        error,
    }
}

/// The selected chat's draft ("" when no chat is selected).
pub fn draft(state: &State) -> String {
    state
        .console
        .draft()
        .map_or(String::new(), |d| d.text.clone())
}
