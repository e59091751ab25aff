//! The client's core against a real server.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard_api as api;
use switchboard_tui::app::{Link, Presence, Screen};
use switchboard_tui::screens::chat::Entry;
use switchboard_tui::{Action, Driver, State};

/// Upper bound on any wait; reached only when something is broken.
pub const WAIT: Duration = Duration::from_secs(15);

/// The demo company's public key.
pub const KEY: &str = "abcdef0123456789";

/// A server with the demo company, over a temporary store that outlives restarts.
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// The database, kept for a restart.
    store: switchboard_storage::Store,
    /// The running server.
    running: Option<switchboard_http::Running>,
}

impl Server {
    pub async fn start() -> Server {
        let store = switchboard_storage::Store::temporary().expect("a temporary store");
        let running = serve(store.clone(), "127.0.0.1:0", true).await;
        Server {
            base: format!("http://{}", running.addr),
            store,
            running: Some(running),
        }
    }

    /// Stops the server (streams end, connections are refused).
    async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("a clean shutdown");
        }
    }

    /// Starts it again on the same address and database.
    async fn restart(&mut self) {
        let addr = self.base.trim_start_matches("http://").to_string();
        self.running = Some(serve(self.store.clone(), &addr, false).await);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.app.shutdown.cancel();
            running.app.engine.stop();
        }
    }
}

async fn serve(
    store: switchboard_storage::Store,
    listen: &str,
    seed: bool,
) -> switchboard_http::Running {
    let engine = switchboard_engine::Engine::start(
        store,
        switchboard_engine::Config {
            arbiters: 1,
            ..Default::default()
        },
    )
    .expect("the engine starts");
    if seed {
        switchboard_engine::demo::seed(&engine)
            .await
            .expect("the demo company");
    }
    switchboard_http::start(
        engine,
        switchboard_http::Config {
            listen: listen.into(),
            ..Default::default()
        },
    )
    .await
    .expect("the server binds")
}

/// A signed-in core for one of the demo logins.
fn client(server: &Server, email: &str, password: &str) -> Driver {
    client_of(&server.base, email, password)
}

/// A core signing in to the servers in `list` (comma-separated) as one of the demo logins.
pub fn client_of(list: &str, email: &str, password: &str) -> Driver {
    let mut driver = Driver::new(
        list,
        Some(email.into()),
        Some(password.into()),
        switchboard_tui::driver::now_ms(),
    );
    driver.spawn_ticker(Duration::from_millis(200));
    driver.start();
    driver
}

/// Dispatches actions until `done` holds.
pub async fn until(driver: &mut Driver, what: &str, done: impl Fn(&State) -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done(&driver.state) {
        match tokio::time::timeout_at(deadline, driver.next()).await {
            Ok(Some(action)) => driver.dispatch(action),
            Ok(None) => panic!("the channel closed waiting for {what}"),
            Err(_) => panic!(
                "timed out waiting for {what}; note: {:?}, link: {:?}, focus: {:?}, chats: {:?}",
                driver.state.note,
                driver.state.link,
                driver.state.console.focus,
                driver
                    .state
                    .console
                    .chats
                    .iter()
                    .map(|c| (c.id, c.entries.len(), &c.pending))
                    .collect::<Vec<_>>()
            ),
        }
    }
}

pub fn press(driver: &mut Driver, code: KeyCode) {
    driver.dispatch(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(driver: &mut Driver, text: &str) {
    for c in text.chars() {
        press(driver, KeyCode::Char(c));
    }
}

/// A visitor starts a chat once the server can route it; returns the answer.
async fn visitor_starts(
    http: &reqwest::Client,
    server: &Server,
    name: &str,
) -> api::StartChatResponse {
    visitor_starts_at(http, &server.base, name).await
}

/// A visitor starts a chat through the server at `base` once it can route it.
pub async fn visitor_starts_at(
    http: &reqwest::Client,
    base: &str,
    name: &str,
) -> api::StartChatResponse {
    // The terminal shows "live" once its stream answers; the server counts the terminal a
    // moment later. Until the window says someone can take a chat, a start would go to the
    // off-line form, so ask the server (each ask is a request, not a quiet period).
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let window: serde_json::Value = http
            .get(format!("{base}/v1/visitor/{KEY}/window"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if window["online"] == true {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nobody became available: {window}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let body = api::StartChatRequest {
        name: Some(name.into()),
        page_url: Some("https://shop.example/kettles".into()),
        ..Default::default()
    };
    let response = http
        .post(format!("{base}/v1/visitor/{KEY}/chats"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

fn has_message(state: &State, chat: u64, text: &str) -> bool {
    state.console.chats.iter().any(|c| {
        c.id == chat
            && c.entries
                .values()
                .any(|e| matches!(e, Entry::Message { text: t, .. } if t == text))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_accepts_an_offer_chats_and_an_admin_changes_a_setting() {
    let server = Server::start().await;
    let http = reqwest::Client::new();

    let mut alice = client(&server, "alice@demo.example", "demo-10001");
    until(&mut alice, "alice online", |s| {
        s.link == Link::Live && s.presence == Presence::Online
    })
    .await;
    assert_eq!(alice.state.screen, Screen::Console);

    let chat = visitor_starts(&http, &server, "Eve Visitor").await;
    until(&mut alice, "the offer", |s| {
        s.console.offers.iter().any(|o| o.chat_id == chat.chat_id)
    })
    .await;
    let offer = &alice.state.console.offers[0];
    assert_eq!(offer.name, "Eve Visitor");
    assert_eq!(offer.page_url, "https://shop.example/kettles");

    press(&mut alice, KeyCode::Enter);
    until(&mut alice, "the accepted chat", |s| {
        s.console.chats.iter().any(|c| c.id == chat.chat_id)
    })
    .await;
    assert!(alice.state.console.offers.is_empty());

    let message = api::MessageRequest {
        text: "Is the blue kettle in stock?".into(),
        client_id: "v-1".into(),
    };
    let sent = http
        .post(format!(
            "{}/v1/chats/{}/messages",
            server.base, chat.chat_id
        ))
        .bearer_auth(&chat.token)
        .json(&message)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    until(&mut alice, "the visitor's message", |s| {
        has_message(s, chat.chat_id, "Is the blue kettle in stock?")
    })
    .await;

    // Accepting selects the chat; `i` writes in it.
    press(&mut alice, KeyCode::Char('i'));
    type_text(&mut alice, "Yes, 4 left.");
    press(&mut alice, KeyCode::Enter);
    until(&mut alice, "our message stored", |s| {
        has_message(s, chat.chat_id, "Yes, 4 left.")
            && s.console.chats.iter().all(|c| c.pending.is_empty())
    })
    .await;
    let transcript: api::Transcript = http
        .get(format!(
            "{}/v1/chats/{}/messages",
            server.base, chat.chat_id
        ))
        .bearer_auth(&chat.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operator_said = transcript.iter().any(|e| {
        matches!(e, api::ChatEventData::Message { author: api::AuthorKind::Operator, text, .. } if text == "Yes, 4 left.")
    });
    assert!(
        operator_said,
        "the visitor sees the operator's message: {transcript:?}"
    );

    // The status is one key away.
    press(&mut alice, KeyCode::F(2));
    until(&mut alice, "away", |s| s.presence == Presence::Away).await;

    // An admin changes the connection timeout on the chat-window panel.
    let mut admin = client(&server, "admin@demo.example", "demo-admin");
    until(&mut admin, "the admin screen", |s| {
        s.screen == Screen::Admin && s.admin.company.loaded.is_some()
    })
    .await;
    press(&mut admin, KeyCode::Down);
    until(&mut admin, "the chat window", |s| {
        s.admin.window.loaded.is_some()
    })
    .await;
    press(&mut admin, KeyCode::Enter);
    press(&mut admin, KeyCode::Down);
    press(&mut admin, KeyCode::Down);
    press(&mut admin, KeyCode::Enter);
    admin.dispatch(Action::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    type_text(&mut admin, "45");
    press(&mut admin, KeyCode::Enter);
    press(&mut admin, KeyCode::Char('w'));
    until(&mut admin, "the saved window", |s| {
        s.admin
            .window
            .loaded
            .as_ref()
            .is_some_and(|w| w.connection_timeout_secs == 45.0)
    })
    .await;
    let window: api::ChatWindow = http
        .get(format!("{}/v1/chat-window", server.base))
        .bearer_auth(admin.client().token().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(window.connection_timeout_secs, 45.0);

    // Invitations without tracking are refused, and the server's sentence is shown.
    for _ in 0..5 {
        press(&mut admin, KeyCode::Char(']'));
    }
    press(&mut admin, KeyCode::Down);
    press(&mut admin, KeyCode::Enter);
    type_text(&mut admin, "30");
    press(&mut admin, KeyCode::Enter);
    press(&mut admin, KeyCode::Char('w'));
    until(&mut admin, "the refusal", |s| s.admin.error.is_some()).await;
    assert!(
        admin
            .state
            .admin
            .error
            .as_ref()
            .unwrap()
            .contains("tracking"),
        "{:?}",
        admin.state.admin.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_taken_by_another_operator_disappears_with_a_note() {
    let server = Server::start().await;
    let http = reqwest::Client::new();
    // Every available operator is offered the chat.
    let login: api::LoginResponse = http
        .post(format!("{}/v1/login", server.base))
        .json(&api::LoginRequest {
            email: "admin@demo.example".into(),
            password: "demo-admin".into(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let patch = api::ChatWindowPatch {
        distribution: Some("all".into()),
        ..Default::default()
    };
    let answer = http
        .put(format!("{}/v1/chat-window", server.base))
        .bearer_auth(&login.token)
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    let mut alice = client(&server, "alice@demo.example", "demo-10001");
    let mut bob = client(&server, "bob@demo.example", "demo-10002");
    until(&mut alice, "alice online", |s| {
        s.presence == Presence::Online
    })
    .await;
    until(&mut bob, "bob online", |s| s.presence == Presence::Online).await;

    let chat = visitor_starts(&http, &server, "Walter").await;
    until(&mut alice, "alice's offer", |s| {
        !s.console.offers.is_empty()
    })
    .await;
    until(&mut bob, "bob's offer", |s| !s.console.offers.is_empty()).await;
    press(&mut bob, KeyCode::Enter);
    until(&mut bob, "bob holds it", |s| {
        s.console.chats.iter().any(|c| c.id == chat.chat_id)
    })
    .await;
    until(&mut alice, "the offer gone", |s| {
        s.console.offers.is_empty()
    })
    .await;
    let note = alice.state.note.clone().expect("a note says why");
    assert!(note.text.contains("Walter"), "{note:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_rides_out_a_server_restart() {
    let mut server = Server::start().await;
    let http = reqwest::Client::new();
    let mut alice = client(&server, "alice@demo.example", "demo-10001");
    until(&mut alice, "alice online", |s| {
        s.link == Link::Live && s.presence == Presence::Online
    })
    .await;

    server.stop().await;
    until(&mut alice, "reconnecting", |s| {
        matches!(s.link, Link::Reconnecting { .. })
    })
    .await;
    server.restart().await;
    until(&mut alice, "live again", |s| s.link == Link::Live).await;
    until(&mut alice, "online again", |s| {
        s.presence == Presence::Online
    })
    .await;

    // Routing works for the reconnected terminal: the session and presence survived.
    let chat = visitor_starts(&http, &server, "After Restart").await;
    until(&mut alice, "an offer after the restart", |s| {
        s.console.offers.iter().any(|o| o.chat_id == chat.chat_id)
    })
    .await;
}
