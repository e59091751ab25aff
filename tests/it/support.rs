//! The one way tests start a server, plus small client helpers and an SSE reader.
//!
//! Every test starts its own server ([`start_server`]) on `127.0.0.1:0` over a real sled
//! database in a temporary directory, and drives it over real HTTP. Waiting is always for an
//! event or an answer, bounded by [`WAIT`]; nothing sleeps to let time pass.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Upper bound on any single wait; only reached when something is broken, so it is generous.
pub const WAIT: Duration = Duration::from_secs(10);

/// Password given to every account the helpers create (the minimum is 8 characters).
pub const PASSWORD: &str = "correct horse battery";

/// A server running inside the test process. Dropping it stops the server and the actors.
pub struct Server {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base: String,
    /// Shared client (keeps connections alive between calls).
    pub client: reqwest::Client,
    /// The running server; taken on drop.
    running: Option<switchboard_http::Running>,
    /// Its database, kept so [`Server::restart`] can start over it (none for a server in
    /// another process).
    store: Option<switchboard_storage::Store>,
    /// Its engine settings, for the restart.
    engine: switchboard_engine::Config,
}

/// The engine settings tests use unless they need others: two arbiters (the 2-core target),
/// no passivation during a test, and sign-ins that queue for hashing rather than being turned
/// away (the suite's parallel tests share two cores, and argon2 is slow in debug builds).
pub fn engine_config() -> switchboard_engine::Config {
    switchboard_engine::Config {
        passivate_after_secs: 300,
        arbiters: 2,
        hash_queue_ms: WAIT.as_millis() as u64,
        ..Default::default()
    }
}

/// The HTTP settings tests use unless they need others: any free port on loopback, and no
/// rate limits (every test client is 127.0.0.1; `abuse` turns them on where it tests them).
pub fn http_config() -> switchboard_http::Config {
    switchboard_http::Config {
        listen: "127.0.0.1:0".into(),
        limits: switchboard_http::limits::Config {
            enabled: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Starts a server with the test settings.
pub async fn start_server() -> Server {
    start_server_with(engine_config(), http_config()).await
}

/// Starts a server with the given settings, over a fresh on-disk store.
pub async fn start_server_with(
    engine: switchboard_engine::Config,
    http: switchboard_http::Config,
) -> Server {
    let store = switchboard_storage::Store::temporary().expect("a temporary store opens");
    serve(store, engine, http).await
}

async fn serve(
    store: switchboard_storage::Store,
    config: switchboard_engine::Config,
    http: switchboard_http::Config,
) -> Server {
    let engine = switchboard_engine::Engine::start(store.clone(), config.clone())
        .expect("the engine starts");
    let running = switchboard_http::start(engine, http)
        .await
        .expect("the server binds 127.0.0.1:0");
    Server {
        base: format!("http://{}", running.addr),
        client: reqwest::Client::new(),
        running: Some(running),
        store: Some(store),
        engine: config,
    }
}

impl Server {
    /// The server's engine, for tests that drive what runs by the clock (billing).
    pub fn engine(&self) -> &switchboard_engine::Engine {
        &self.running.as_ref().expect("the server runs").app.engine
    }

    /// The server's shared state, for tests that put it in a cluster of stand-ins.
    pub fn app(&self) -> &std::sync::Arc<switchboard_http::App> {
        &self.running.as_ref().expect("the server runs").app
    }

    /// The server's database, for tests that inspect or damage stored records.
    pub fn store(&self) -> &switchboard_storage::Store {
        self.store
            .as_ref()
            .expect("the server runs in this process")
    }

    /// Stops the server and its actors and starts new ones over the same database (on a new
    /// port): every actor's state comes back from storage.
    pub async fn restart(mut self) -> Server {
        let running = self.running.take().expect("running");
        running.shutdown().await.expect("a clean shutdown");
        serve(self.store().clone(), self.engine.clone(), http_config()).await
    }
}

impl Server {
    /// The helpers of [`Server`] for a server running elsewhere (a child process) at `base`.
    pub fn at(base: &str) -> Server {
        Server {
            base: base.to_owned(),
            client: reqwest::Client::new(),
            running: None,
            store: None,
            engine: engine_config(),
        }
    }
}

/// Starts a server with the demo company of `switchboard serve --demo` (and its `/demo` page).
pub async fn start_demo_server() -> Server {
    let server = start_server().await;
    let engine = &server.running.as_ref().expect("running").app.engine;
    switchboard_engine::demo::seed(engine)
        .await
        .expect("the demo company seeds");
    server
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            // `Running::shutdown` is async; a drop can only ask: stop accepting, end the
            // streams, stop the actors.
            running.app.shutdown.cancel();
            running.app.engine.stop();
        }
    }
}

/// An HTTP answer: status, content type, raw text and the text parsed as JSON (`Null` when
/// it is not JSON).
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// `content-type` header.
    pub content_type: String,
    /// The body as text.
    pub text: String,
    /// The body as JSON, or `Null`.
    pub body: Value,
    /// `Retry-After` header (429 and 503 answers).
    pub retry_after: Option<String>,
}

impl Reply {
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text
        );
        self.body
    }

    /// Asserts a JSON error answer `{code, message}` with this status and code; returns the
    /// message.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            self.text
        );
        assert!(
            self.content_type.starts_with("application/json"),
            "an error is JSON, got content-type {:?}: {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.body["code"], code, "error body: {}", self.text);
        let message = self.body["message"]
            .as_str()
            .unwrap_or_else(|| panic!("an error has a message: {}", self.text));
        assert!(!message.is_empty(), "the error message is empty");
        message.to_string()
    }
}

/// A company created by [`Server::new_company`].
#[derive(Clone, Debug)]
pub struct Company {
    /// Public chat key.
    pub key: String,
    /// The admin's token.
    pub admin: String,
    /// The admin's email.
    pub email: String,
}

/// An operator created by [`Server::new_operator`].
#[derive(Clone, Debug)]
pub struct Operator {
    /// SIP username.
    pub sip: String,
    /// Account id.
    pub id: u64,
    /// Login email.
    pub email: String,
    /// Session token.
    pub token: String,
}

/// A chat started by [`Server::start_chat`].
#[derive(Clone, Debug)]
pub struct Chat {
    /// Chat id.
    pub id: u64,
    /// The visitor's chat token.
    pub token: String,
    /// "waiting" or "offline".
    pub state: String,
    /// The visitor's id.
    pub visitor_id: u64,
}

impl Server {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional bearer token and raw body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.expect("the body is readable text");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            text,
            body,
            retry_after,
        }
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map(|b| serde_json::to_vec(&b).expect("JSON serializes"));
        self.raw(method, path, token, body).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    /// Signs a company up; asserts 201.
    pub async fn signup(&self, company: &str, email: &str, password: &str) -> Company {
        let body = self
            .post(
                "/v1/signup",
                None,
                json!({ "company": company, "email": email, "password": password }),
            )
            .await
            .expect(201);
        Company {
            key: body["key"].as_str().expect("signup gives a key").into(),
            admin: body["token"].as_str().expect("signup gives a token").into(),
            email: email.into(),
        }
    }

    /// Signs up a company named `name` with admin `admin@<name>.example`.
    pub async fn new_company(&self, name: &str) -> Company {
        let email = format!("admin@{}.example", name.to_lowercase());
        self.signup(name, &email, PASSWORD).await
    }

    /// Logs in; asserts 200 and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .post(
                "/v1/login",
                None,
                json!({ "email": email, "password": password }),
            )
            .await
            .expect(200);
        body["token"].as_str().expect("login gives a token").into()
    }

    /// `PUT /v1/operators/{sip}` as admin creating an operator: `extra` fields (name,
    /// departments, max_chats...) are merged into `{email, password}`. Asserts 201.
    pub async fn create_operator(
        &self,
        admin: &str,
        sip: &str,
        email: &str,
        extra: Value,
    ) -> Value {
        let mut body = json!({ "email": email, "password": PASSWORD });
        if let Value::Object(extra) = extra {
            body.as_object_mut().expect("an object").extend(extra);
        }
        let created = self
            .put(&format!("/v1/operators/{sip}"), Some(admin), body)
            .await
            .expect(201);
        assert_eq!(created["sip"], sip);
        assert_eq!(created["role"], "operator");
        created
    }

    /// Creates operator `sip` (email `<sip>@<company key>.example`) and signs them in.
    pub async fn new_operator(&self, company: &Company, sip: &str, extra: Value) -> Operator {
        let email = format!("op{sip}@{}.example", company.key);
        let created = self
            .create_operator(&company.admin, sip, &email, extra)
            .await;
        let token = self.login(&email, PASSWORD).await;
        Operator {
            sip: sip.into(),
            id: created["id"].as_u64().expect("an operator has an id"),
            email,
            token,
        }
    }

    /// `PUT /v1/me/status`; asserts 200 and that the answer echoes the status.
    pub async fn set_status(&self, token: &str, status: &str) {
        let body = self
            .put("/v1/me/status", Some(token), json!({ "status": status }))
            .await
            .expect(200);
        assert_eq!(body["status"], status);
    }

    /// Opens the operator's event stream, then goes online: from then on offers reach the
    /// returned stream.
    pub async fn go_online(&self, operator: &Operator) -> EventStream {
        let events = self.operator_events(&operator.token).await;
        self.set_status(&operator.token, "online").await;
        events
    }

    /// `POST /v1/departments` as admin; asserts 201 and returns the new department's id.
    pub async fn new_department(&self, admin: &str, name: &str) -> u64 {
        let body = self
            .post("/v1/departments", Some(admin), json!({ "name": name }))
            .await
            .expect(201);
        assert_eq!(body["name"], name);
        body["id"].as_u64().expect("a department id")
    }

    /// `PUT /v1/chat-window` as admin; asserts 200 and returns the settings.
    pub async fn chat_window(&self, admin: &str, patch: Value) -> Value {
        self.put("/v1/chat-window", Some(admin), patch)
            .await
            .expect(200)
    }

    /// `POST /v1/visitor/{key}/chats`; asserts 201.
    pub async fn start_chat(&self, key: &str, body: Value) -> Chat {
        let body = self
            .post(&format!("/v1/visitor/{key}/chats"), None, body)
            .await
            .expect(201);
        Chat {
            id: body["chat_id"].as_u64().expect("a chat id"),
            token: body["token"].as_str().expect("a chat token").into(),
            state: body["state"].as_str().expect("a state").into(),
            visitor_id: body["visitor_id"].as_u64().expect("a visitor id"),
        }
    }

    /// Starts a chat asking for `operator` (online, with `events` open), waits for the offer
    /// and accepts it: a connected chat.
    pub async fn connected_chat(
        &self,
        company: &Company,
        operator: &Operator,
        events: &mut EventStream,
    ) -> Chat {
        let chat = self
            .start_chat(
                &company.key,
                json!({ "name": "Vera", "operator": operator.sip }),
            )
            .await;
        assert_eq!(chat.state, "waiting");
        events.wait_for_offer(chat.id).await;
        let accepted = self.accept(chat.id, &operator.token).await.expect(200);
        assert_eq!(accepted["state"], "connected");
        chat
    }

    /// `POST /v1/chats/{id}/accept`.
    pub async fn accept(&self, chat: u64, token: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/v1/chats/{chat}/accept"),
            Some(token),
            None,
        )
        .await
    }

    /// `POST /v1/chats/{id}/messages`.
    pub async fn post_message(&self, chat: u64, token: &str, text: &str, client_id: &str) -> Reply {
        self.post(
            &format!("/v1/chats/{chat}/messages"),
            Some(token),
            json!({ "text": text, "client_id": client_id }),
        )
        .await
    }

    /// Posts a message, asserts 201 and returns its seq.
    pub async fn send(&self, chat: u64, token: &str, text: &str, client_id: &str) -> u64 {
        let body = self
            .post_message(chat, token, text, client_id)
            .await
            .expect(201);
        body["seq"].as_u64().expect("a message has a seq")
    }

    /// `GET /v1/chats/{id}/messages`; asserts 200.
    pub async fn transcript(&self, chat: u64, token: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/v1/chats/{chat}/messages"), Some(token))
            .await
            .expect(200);
        body.as_array().expect("a transcript is a list").clone()
    }

    /// `GET /v1/me/events` with a bearer token.
    pub async fn operator_events(&self, token: &str) -> EventStream {
        let request = self
            .client
            .get(self.url("/v1/me/events"))
            .bearer_auth(token);
        EventStream::open(request).await
    }

    /// `GET /v1/chats/{id}/events?token=` (as EventSource does), resuming after
    /// `last_event_id` through the `Last-Event-ID` header.
    pub async fn chat_events(
        &self,
        chat: u64,
        token: &str,
        last_event_id: Option<u64>,
    ) -> EventStream {
        let mut request = self
            .client
            .get(self.url(&format!("/v1/chats/{chat}/events?token={token}")));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        EventStream::open(request).await
    }
}

/// One server-sent event.
#[derive(Clone, Debug)]
pub struct Event {
    /// `id:`.
    pub id: u64,
    /// `event:`.
    pub event: String,
    /// `data:` parsed as JSON.
    pub data: Value,
}

/// Why no event came.
#[derive(Debug, PartialEq, Eq)]
pub enum NoEvent {
    /// Nothing within the time given.
    Timeout,
    /// The server ended the stream.
    Ended,
    /// The connection broke (the server was killed).
    Broken,
}

/// Reads an event stream frame by frame. Every frame is checked: it has an `id:`, an
/// `event:` equal to the data's `type`, and JSON data.
pub struct EventStream {
    /// The response body.
    body: Pin<Box<dyn Stream<Item = Result<Vec<u8>, reqwest::Error>> + Send>>,
    /// The shared client-side parser.
    parser: switchboard_http::api::sse::Parser,
    /// Parsed events not yet handed out.
    ready: VecDeque<Event>,
    /// Every event handed out so far, oldest first.
    pub seen: Vec<Event>,
}

impl EventStream {
    /// Sends `request` and checks the answer is an event stream.
    pub async fn open(request: reqwest::RequestBuilder) -> EventStream {
        let response = tokio::time::timeout(WAIT, request.send())
            .await
            .expect("the event stream answers in time")
            .expect("the event stream request succeeds");
        let status = response.status();
        if status != StatusCode::OK {
            let text = response.text().await.unwrap_or_default();
            panic!("the event stream was refused: {status}: {text}");
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "event stream content type: {content_type:?}"
        );
        EventStream {
            body: Box::pin(response.bytes_stream().map(|r| r.map(|b| b.to_vec()))),
            parser: switchboard_http::api::sse::Parser::new(),
            ready: VecDeque::new(),
            seen: Vec::new(),
        }
    }

    /// The next event within `timeout`, or why none came.
    pub async fn try_next(&mut self, timeout: Duration) -> Result<Event, NoEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.ready.pop_front() {
                self.seen.push(event.clone());
                return Ok(event);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.body.next()).await {
                Err(_) => return Err(NoEvent::Timeout),
                Ok(None) => return Err(NoEvent::Ended),
                Ok(Some(Err(_))) => return Err(NoEvent::Broken),
                Ok(Some(Ok(bytes))) => {
                    let events = self.parser.feed(&bytes);
                    self.ready.extend(events.into_iter().map(checked));
                }
            }
        }
    }

    /// The next event; panics when none comes within `timeout`.
    pub async fn next_event(&mut self, timeout: Duration) -> Event {
        match self.try_next(timeout).await {
            Ok(event) => event,
            Err(why) => panic!("no event ({why:?}); seen so far: {}", self.names()),
        }
    }

    /// Skips events until one named `name`; returns its data and id. Panics after `timeout`.
    pub async fn wait_for(&mut self, name: &str, timeout: Duration) -> (Value, u64) {
        self.wait_for_where(name, |_| true, timeout).await
    }

    /// Skips events until one named `name` whose data satisfies `matches`.
    pub async fn wait_for_where(
        &mut self,
        name: &str,
        matches: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> (Value, u64) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.try_next(left).await {
                Ok(event) if event.event == name && matches(&event.data) => {
                    return (event.data, event.id)
                }
                Ok(_) => {}
                Err(why) => panic!(
                    "no matching `{name}` event ({why:?}); seen so far: {}",
                    self.names()
                ),
            }
        }
    }

    /// Waits for the `offer` of `chat`.
    pub async fn wait_for_offer(&mut self, chat: u64) -> Value {
        self.wait_for_where("offer", |d| d["chat_id"] == chat, WAIT)
            .await
            .0
    }

    /// The events seen so far, as `event(data)` text for failure messages.
    pub fn names(&self) -> String {
        self.seen
            .iter()
            .map(|e| format!("{}#{}{}", e.event, e.id, e.data))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The events seen so far named `name`.
    pub fn seen_named(&self, name: &str) -> Vec<&Event> {
        self.seen.iter().filter(|e| e.event == name).collect()
    }
}

/// Checks one event read off a stream: it has an `id:`, an `event:` equal to the data's
/// `type`, and JSON data.
fn checked(read: switchboard_http::api::sse::ReadEvent) -> Event {
    let data: Value = serde_json::from_str(&read.data)
        .unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {read:?}"));
    let id = read
        .id
        .as_deref()
        .unwrap_or_else(|| panic!("every event has an id: {read:?}"))
        .parse()
        .unwrap_or_else(|_| panic!("the id is a number: {read:?}"));
    assert_eq!(
        data["type"], read.event,
        "`event:` equals the data's type: {read:?}"
    );
    Event {
        id,
        event: read.event,
        data,
    }
}

/// The numbers in `field` of every item of the JSON list `list` (ids, `seq`s), in order.
pub fn ids(list: &Value, field: &str) -> Vec<u64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v[field].as_u64().expect("a number"))
        .collect()
}
