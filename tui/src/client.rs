//! The HTTP side of the client: [`Client`] has one typed method per endpoint the terminal
//! uses, over the wire types of `switchboard_api`. The event stream lives in
//! [`crate::stream`]; turning a [`crate::command::Command`] into calls, in
//! [`crate::command`].
//!
//! A client may know several addresses (the nodes of a cluster, any of which answers any
//! request with the same token). It uses one at a time, starting with the first; a call
//! that cannot reach it moves every later call to the next one, round robin, and is tried
//! there too when that is safe. A `503` with `Retry-After` (a company moving between nodes)
//! is asked again after that delay instead of failing. Every answer says which address
//! gave it and which node served the company ([`Route`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_api as api;
use tokio::sync::watch;

use crate::patch::Patch;

/// A call that takes longer than this has failed; the event stream has no such limit once
/// its answer has begun.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Connecting to the server takes at most this long (a dead address fails fast, so the
/// client moves to the next one, or the stream's reconnect loop shows "reconnecting").
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest single wait a `Retry-After` may ask for: a server stopping asks for 5 s, a
/// company moving for 1 s; anything longer is waited for only this long.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// Longest total wait for `503`s in one call: a company moves to another node within about
/// 3-5 s after its node dies, so twice that covers a move with room to spare.
const RETRY_BUDGET: Duration = Duration::from_secs(10);

/// Most `503`s one call waits out, even when they ask for no wait at all.
const MAX_RETRIES: u32 = 10;

pub use switchboard_api::NODE_HEADER;

/// Most chats the console and the dashboard ask for (the server's own cap is 500).
pub const HISTORY_LIMIT: usize = 500;

/// Chats per page of the history's search: a screenful or two; more load on demand.
pub const HISTORY_PAGE: usize = 50;

/// Why a call failed: the server's `{code, message}` or a transport error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status; none when the server was not reached.
    pub status: Option<u16>,
    /// The server's stable code (`chat_taken`...), or `network`/`bad_answer`.
    pub code: String,
    /// The sentence to show.
    pub message: String,
}

impl Failure {
    /// A failure that never reached the server (or whose answer was unreadable).
    pub fn local(code: &str, message: impl Into<String>) -> Self {
        Failure {
            status: None,
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub use switchboard_api::{ButtonCode, GraphicsSlot};

/// What a call returns.
pub type Result<T> = std::result::Result<T, Failure>;

/// Where calls go: the address in use and the node that served the company, as the latest
/// answer told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// The base URL that gave the latest answer (the first address until one does).
    pub address: String,
    /// That answer's `switchboard-node` header; none from a server outside a cluster.
    pub node: Option<String>,
}

/// The panel API of a server (or of any node of a cluster), signed in or not. Cheap to
/// clone: the stream task and the command tasks share the connection pool, the token and
/// the address in use.
#[derive(Clone, Debug)]
pub struct Client {
    /// Connection pool.
    http: reqwest::Client,
    /// Base URLs without a trailing slash, in the order given; never empty.
    addresses: Arc<[String]>,
    /// Index in `addresses` of the one in use; shared so one call's failover moves them all.
    current: Arc<AtomicUsize>,
    /// The session token once signed in; shared so a sign-in is seen by the stream task.
    token: Arc<RwLock<Option<String>>>,
    /// The latest answer's address and node, for [`Client::routes`].
    route: Arc<watch::Sender<Route>>,
}

/// The base URLs in a comma-separated list (`http://a:8080, http://b:8080/`), as written
/// but without spaces or a trailing slash; empty entries are skipped. Never empty: a list
/// without any address gives itself, which then fails as a bad URL when used.
pub fn addresses(list: &str) -> Vec<String> {
    let found: Vec<String> = list
        .split(',')
        .map(|a| normalize(a.trim()))
        .filter(|a| !a.is_empty())
        .collect();
    if found.is_empty() {
        return vec![list.trim().to_string()];
    }
    found
}

/// A base URL as requests built on it start (the URL parser's spelling), without the
/// trailing slash; left as written when it does not parse.
fn normalize(address: &str) -> String {
    let spelled = Url::parse(address).map_or_else(|_| address.to_string(), String::from);
    spelled.trim_end_matches('/').to_string()
}

/// Why one attempt got no answer.
struct Lost {
    /// The sentence to show.
    message: String,
    /// Whether the request surely never reached the server (it could not connect), so
    /// sending it elsewhere cannot make it happen twice.
    unsent: bool,
}

impl Client {
    /// A client of the servers in `list`: one base URL (`http://host:port`) or several,
    /// comma-separated.
    pub fn new(list: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default();
        let addresses: Arc<[String]> = addresses(list).into();
        let (route, _) = watch::channel(Route {
            address: addresses[0].clone(),
            node: None,
        });
        Client {
            http,
            addresses,
            current: Arc::default(),
            token: Arc::default(),
            route: Arc::new(route),
        }
    }

    /// The base URL calls go to now.
    pub fn address(&self) -> &str {
        &self.addresses[self.current.load(Ordering::Relaxed) % self.addresses.len()]
    }

    /// Follows the latest answer's address and node: the receiver sees a change whenever
    /// an answer comes from another address or names another node.
    pub fn routes(&self) -> watch::Receiver<Route> {
        self.route.subscribe()
    }

    /// The session token, if signed in.
    pub fn token(&self) -> Option<String> {
        self.token.read().map(|t| t.clone()).unwrap_or_default()
    }

    /// Keeps (or forgets) the session token.
    pub fn set_token(&self, token: Option<String>) {
        if let Ok(mut slot) = self.token.write() {
            *slot = token;
        }
    }

    /// A request to `path` with the token when there is one. It is built on the first
    /// address; [`Client::exchange`] sends it to the one in use.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self
            .http
            .request(method, format!("{}{path}", self.addresses[0]));
        match self.token() {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request to the address in use and gives back the answer (body unread) with
    /// the index of the address that gave it.
    ///
    /// - When the address gives no answer (refused, reset, timed out) the client moves on
    ///   to the next one, and the request is tried there if it surely never arrived or is
    ///   idempotent (`GET`, `PUT`, `DELETE`), each address at most once.
    /// - A `503` with `Retry-After` is asked again after that delay, within
    ///   [`RETRY_BUDGET`].
    /// - `head_timeout` bounds the wait for the answer's head (the event stream, which has
    ///   no overall timeout); calls carry their own.
    async fn exchange(
        &self,
        builder: RequestBuilder,
        head_timeout: Option<Duration>,
    ) -> Result<(Response, usize)> {
        let request = builder
            .build()
            .map_err(|e| Failure::local("network", network_message(&e)))?;
        let idempotent = request.method().is_idempotent();
        let mut spare = Some(request);
        let (mut unreachable, mut retries, mut waited) = (0, 0, Duration::ZERO);
        loop {
            let at = self.current.load(Ordering::Relaxed) % self.addresses.len();
            let Some(template) = spare.as_ref() else {
                return Err(Failure::local(
                    "network",
                    "the request could not be sent again",
                ));
            };
            // Bodies here are bytes in memory, so a request clones; one that did not
            // would be sent once, as it is.
            let mut attempt = match template.try_clone() {
                Some(copy) => copy,
                None => spare.take().expect("checked just above"),
            };
            if let Some(url) = rebase(attempt.url(), &self.addresses[0], &self.addresses[at]) {
                *attempt.url_mut() = url;
            }
            match self.attempt(attempt, head_timeout).await {
                Ok(response) => {
                    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                        if let Some(wait) = retry_after(response.headers()) {
                            if retries < MAX_RETRIES && waited + wait <= RETRY_BUDGET {
                                retries += 1;
                                waited += wait;
                                drop(response);
                                tokio::time::sleep(wait).await;
                                continue;
                            }
                        }
                    }
                    self.observe(at, &response);
                    return Ok((response, at));
                }
                Err(lost) => {
                    self.fail_over(at);
                    unreachable += 1;
                    if unreachable >= self.addresses.len() || !(lost.unsent || idempotent) {
                        return Err(Failure::local("network", lost.message));
                    }
                }
            }
        }
    }

    /// One try at one address.
    async fn attempt(
        &self,
        request: Request,
        head_timeout: Option<Duration>,
    ) -> std::result::Result<Response, Lost> {
        let lost = |e: reqwest::Error| Lost {
            message: network_message(&e),
            unsent: e.is_connect(),
        };
        match head_timeout {
            None => self.http.execute(request).await.map_err(lost),
            Some(limit) => match tokio::time::timeout(limit, self.http.execute(request)).await {
                Ok(sent) => sent.map_err(lost),
                Err(_) => Err(Lost {
                    message: "the server did not answer in time".into(),
                    unsent: false,
                }),
            },
        }
    }

    /// The address at `failed` gave no answer: calls move to the next one, unless another
    /// call has moved them already.
    fn fail_over(&self, failed: usize) {
        let next = (failed + 1) % self.addresses.len();
        let _ = self
            .current
            .compare_exchange(failed, next, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Notes where an answer came from. A 5xx is left out: it may come from the node that
    /// received the request rather than the company's (`company_moving` while nobody
    /// serves it), so its header would name the wrong node.
    fn observe(&self, at: usize, response: &Response) {
        if response.status().is_server_error() {
            return;
        }
        let seen = Route {
            address: self.addresses[at].clone(),
            node: response
                .headers()
                .get(NODE_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        };
        self.route.send_if_modified(|last| {
            let changed = *last != seen;
            *last = seen;
            changed
        });
    }

    /// Sends a request and reads a successful answer's body with its status, or the
    /// server's error.
    async fn body(&self, builder: RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let (response, at) = self.exchange(builder.timeout(CALL_TIMEOUT), None).await?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.broke(at, &e))?;
        if status.is_success() {
            return Ok((status, bytes.into()));
        }
        Err(error_of(status, &bytes))
    }

    /// An answer broke off while its body was read: the next calls go to the next address
    /// (the call itself is not sent again: it has been answered, if only in part).
    fn broke(&self, at: usize, error: &reqwest::Error) -> Failure {
        self.fail_over(at);
        Failure::local("network", network_message(error))
    }

    /// Sends a request and reads a JSON answer, or the server's error.
    async fn send<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T> {
        let (status, bytes) = self.body(builder).await?;
        serde_json::from_slice(&bytes).map_err(|e| Failure {
            status: Some(status.as_u16()),
            code: "bad_answer".into(),
            message: format!("the server's answer was not understood: {e}"),
        })
    }

    /// A JSON call with a body.
    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(self.request(method, path).json(body)).await
    }

    /// A call answered with no body (204), or with one that is not needed.
    async fn empty(&self, method: Method, path: &str) -> Result<()> {
        self.none(self.request(method, path)).await
    }

    /// Sends a request whose answer's body is not read (204 No Content has none).
    async fn none(&self, builder: RequestBuilder) -> Result<()> {
        let (response, at) = self.exchange(builder.timeout(CALL_TIMEOUT), None).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await.map_err(|e| self.broke(at, &e))?;
        Err(error_of(status, &bytes))
    }

    /// A call without a body.
    async fn get<T: DeserializeOwned>(&self, method: Method, path: &str) -> Result<T> {
        self.send(self.request(method, path)).await
    }

    /// `POST /v1/login`; keeps the token.
    pub async fn login(&self, email: &str, password: &str) -> Result<api::LoginResponse> {
        let body = api::LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        let answer: api::LoginResponse = self.call(Method::POST, "/v1/login", &body).await?;
        self.set_token(Some(answer.token.clone()));
        Ok(answer)
    }

    /// `POST /v1/signup`; keeps the new admin's token.
    pub async fn signup(&self, body: &api::SignupRequest) -> Result<api::SignupResponse> {
        let answer: api::SignupResponse = self.call(Method::POST, "/v1/signup", body).await?;
        self.set_token(Some(answer.token.clone()));
        Ok(answer)
    }

    /// `POST /v1/logout`; forgets the token.
    pub async fn logout(&self) -> Result<()> {
        let answer: Result<serde_json::Value> = self.get(Method::POST, "/v1/logout").await;
        self.set_token(None);
        answer.map(drop)
    }

    /// `GET /v1/me`.
    pub async fn me(&self) -> Result<api::Me> {
        self.get(Method::GET, "/v1/me").await
    }

    /// `PUT /v1/me/status`.
    pub async fn set_status(&self, status: &str) -> Result<()> {
        let body = api::StatusBody {
            status: status.into(),
        };
        self.call::<_, serde_json::Value>(Method::PUT, "/v1/me/status", &body)
            .await
            .map(drop)
    }

    /// `POST /v1/chats/{id}/accept` (409 `chat_taken` when someone was faster).
    pub async fn accept(&self, chat: u64) -> Result<api::Chat> {
        self.get(Method::POST, &format!("/v1/chats/{chat}/accept"))
            .await
    }

    /// `POST /v1/chats/{id}/decline` (204): the offer moves on.
    pub async fn decline(&self, chat: u64) -> Result<()> {
        self.empty(Method::POST, &format!("/v1/chats/{chat}/decline"))
            .await
    }

    /// `GET /v1/queue?limit=`: the chats waiting, head of the queue first.
    pub async fn queue(&self, limit: usize) -> Result<Vec<api::Chat>> {
        self.get(Method::GET, &format!("/v1/queue?limit={limit}"))
            .await
    }

    /// `GET /v1/chats/{id}/visitor`: who the chat's visitor is.
    pub async fn visitor_profile(&self, chat: u64) -> Result<api::VisitorProfile> {
        self.get(Method::GET, &format!("/v1/chats/{chat}/visitor"))
            .await
    }

    /// `POST /v1/chats/{id}/messages`, answered once the message is durable.
    pub async fn post_message(
        &self,
        chat: u64,
        body: &api::MessageRequest,
    ) -> Result<api::MessageResponse> {
        self.call(Method::POST, &format!("/v1/chats/{chat}/messages"), body)
            .await
    }

    /// `POST /v1/chats/{id}/typing`.
    pub async fn typing(&self, chat: u64) -> Result<()> {
        self.get::<serde_json::Value>(Method::POST, &format!("/v1/chats/{chat}/typing"))
            .await
            .map(drop)
    }

    /// `POST /v1/chats/{id}/close`.
    pub async fn close(&self, chat: u64) -> Result<api::Chat> {
        self.get(Method::POST, &format!("/v1/chats/{chat}/close"))
            .await
    }

    /// `POST /v1/chats/{id}/transfer`: `{"operator": sip}` or `{"department": id}`.
    pub async fn transfer(&self, chat: u64, body: &api::TransferRequest) -> Result<()> {
        self.call::<_, serde_json::Value>(Method::POST, &format!("/v1/chats/{chat}/transfer"), body)
            .await
            .map(drop)
    }

    /// `GET /v1/chats/{id}`.
    pub async fn chat(&self, chat: u64) -> Result<api::Chat> {
        self.get(Method::GET, &format!("/v1/chats/{chat}")).await
    }

    /// `GET /v1/chats/{id}/messages`.
    pub async fn transcript(&self, chat: u64) -> Result<api::Transcript> {
        // A page at a time, until one comes back short.
        const PAGE: usize = 500;
        let mut all: api::Transcript = Vec::new();
        loop {
            let after = all.iter().rev().find_map(|e| e.seq()).unwrap_or(0);
            let page: api::Transcript = self
                .get(
                    Method::GET,
                    &format!("/v1/chats/{chat}/messages?after={after}&limit={PAGE}"),
                )
                .await?;
            let done = page.len() < PAGE;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }

    /// `GET /v1/chats/{id}/routing`: the chat's routing log, or `None` when the server
    /// answers 404 (a server without the endpoint, or a chat without a log).
    pub async fn routing(&self, chat: u64) -> Result<Option<Vec<serde_json::Value>>> {
        match self
            .get(Method::GET, &format!("/v1/chats/{chat}/routing"))
            .await
        {
            Ok(entries) => Ok(Some(entries)),
            Err(Failure {
                status: Some(404), ..
            }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// `GET /v1/chats?limit=`: newest first.
    pub async fn chats(&self, limit: usize) -> Result<Vec<api::Chat>> {
        self.get(Method::GET, &format!("/v1/chats?limit={limit}"))
            .await
    }

    /// `GET /v1/chats?q=&limit=&after=`: the server's search over names, emails and
    /// message text, newest first; `after` is the last id of the page before.
    pub async fn search_chats(
        &self,
        query: &str,
        limit: usize,
        after: Option<u64>,
    ) -> Result<Vec<api::Chat>> {
        let mut path = format!("/v1/chats?limit={limit}");
        if !query.trim().is_empty() {
            path.push_str(&format!("&q={}", segment(query.trim())));
        }
        if let Some(after) = after {
            path.push_str(&format!("&after={after}"));
        }
        self.get(Method::GET, &path).await
    }

    /// `GET /v1/visitors`.
    pub async fn visitors(&self) -> Result<Vec<api::Visitor>> {
        self.get(Method::GET, "/v1/visitors").await
    }

    /// `POST /v1/visitors/{id}/invite`.
    pub async fn invite(&self, visitor: u64) -> Result<()> {
        self.get::<serde_json::Value>(Method::POST, &format!("/v1/visitors/{visitor}/invite"))
            .await
            .map(drop)
    }

    /// `GET /v1/offline-messages`.
    pub async fn offline_messages(&self) -> Result<Vec<api::OfflineMessage>> {
        self.get(Method::GET, "/v1/offline-messages").await
    }

    /// `POST /v1/offline-messages/{id}/done` (204).
    pub async fn offline_done(&self, id: u64) -> Result<()> {
        self.empty(Method::POST, &format!("/v1/offline-messages/{id}/done"))
            .await
    }

    /// `GET /v1/company`.
    pub async fn company(&self) -> Result<api::Company> {
        self.get(Method::GET, "/v1/company").await
    }

    /// `PUT /v1/company`.
    pub async fn save_company(&self, patch: &Patch) -> Result<api::Company> {
        self.call(Method::PUT, "/v1/company", patch).await
    }

    /// `GET /v1/chat-window`.
    pub async fn chat_window(&self) -> Result<api::ChatWindow> {
        self.get(Method::GET, "/v1/chat-window").await
    }

    /// `PUT /v1/chat-window`.
    pub async fn save_chat_window(&self, patch: &Patch) -> Result<api::ChatWindow> {
        self.call(Method::PUT, "/v1/chat-window", patch).await
    }

    /// `GET /v1/chat-window/graphics`.
    pub async fn graphics(&self) -> Result<Vec<GraphicsSlot>> {
        self.get(Method::GET, "/v1/chat-window/graphics").await
    }

    /// `POST /v1/chat-window/graphics`: a new empty slot.
    pub async fn create_slot(&self) -> Result<GraphicsSlot> {
        self.get(Method::POST, "/v1/chat-window/graphics").await
    }

    /// `PUT /v1/chat-window/graphics/{id}/{header|sidebar}` with the image's bytes.
    pub async fn upload(&self, slot: u64, part: &str, bytes: Vec<u8>) -> Result<GraphicsSlot> {
        let path = format!("/v1/chat-window/graphics/{slot}/{}", segment(part));
        self.send(
            self.request(Method::PUT, &path)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes),
        )
        .await
    }

    /// `POST /v1/chat-window/graphics/{id|default}/activate`.
    pub async fn activate(&self, slot: Option<u64>) -> Result<()> {
        let id = slot.map_or("default".to_string(), |s| s.to_string());
        self.get::<serde_json::Value>(
            Method::POST,
            &format!("/v1/chat-window/graphics/{id}/activate"),
        )
        .await
        .map(drop)
    }

    /// `DELETE /v1/chat-window/graphics/{id}`.
    pub async fn delete_slot(&self, slot: u64) -> Result<()> {
        self.empty(Method::DELETE, &format!("/v1/chat-window/graphics/{slot}"))
            .await
    }

    /// `PUT /v1/buttons/custom/{online|offline}` with the GIF's bytes.
    pub async fn upload_button(&self, state: &str, bytes: Vec<u8>) -> Result<api::CustomButtons> {
        let path = format!("/v1/buttons/custom/{}", segment(state));
        self.send(
            self.request(Method::PUT, &path)
                .header(reqwest::header::CONTENT_TYPE, "image/gif")
                .body(bytes),
        )
        .await
    }

    /// `DELETE /v1/buttons/custom`: both custom images go.
    pub async fn delete_buttons(&self) -> Result<api::CustomButtons> {
        self.get(Method::DELETE, "/v1/buttons/custom").await
    }

    /// `GET /v1/tracking/code`: the tracking snippet.
    pub async fn tracking_code(&self) -> Result<api::TrackingCode> {
        self.get(Method::GET, "/v1/tracking/code").await
    }

    /// `PUT /v1/me/password` (204); a wrong current password is 403 `wrong_password`.
    pub async fn change_password(&self, body: &api::PasswordChange) -> Result<()> {
        self.none(self.request(Method::PUT, "/v1/me/password").json(body))
            .await
    }

    /// `GET /v1/billing`: the plan, the next invoice, and what needs doing.
    pub async fn billing(&self) -> Result<api::billing::Billing> {
        self.get(Method::GET, "/v1/billing").await
    }

    /// `GET /v1/invoices`: newest first.
    pub async fn invoices(&self) -> Result<Vec<api::billing::Invoice>> {
        let list: api::billing::InvoiceList = self.get(Method::GET, "/v1/invoices").await?;
        Ok(list.invoices)
    }

    /// `GET /v1/invoices/{number}.pdf`: the invoice's PDF. An answer that is not a PDF is
    /// refused rather than saved under a `.pdf` name.
    pub async fn invoice_pdf(&self, number: u64) -> Result<Vec<u8>> {
        let path = format!("/v1/invoices/{number}.pdf");
        let (status, bytes) = self.body(self.request(Method::GET, &path)).await?;
        if !bytes.starts_with(b"%PDF-") {
            return Err(Failure {
                status: Some(status.as_u16()),
                code: "bad_answer".into(),
                message: format!("the server's answer to {path} is not a PDF"),
            });
        }
        Ok(bytes)
    }

    /// `GET /v1/cards`: oldest first.
    pub async fn cards(&self) -> Result<Vec<api::billing::Card>> {
        let list: api::billing::CardList = self.get(Method::GET, "/v1/cards").await?;
        Ok(list.cards)
    }

    /// `POST /v1/cards` (201): a bad field is 400 `invalid_<field>`, a declined card 402
    /// `card_declined`.
    pub async fn add_card(&self, body: &api::billing::CardRequest) -> Result<api::billing::Card> {
        self.call(Method::POST, "/v1/cards", body).await
    }

    /// `DELETE /v1/cards/{id}` (204).
    pub async fn delete_card(&self, id: u64) -> Result<()> {
        self.empty(Method::DELETE, &format!("/v1/cards/{id}")).await
    }

    /// `POST /v1/cards/{id}/default`: invoices are charged to that card; the cards as they
    /// are now.
    pub async fn default_card(&self, id: u64) -> Result<Vec<api::billing::Card>> {
        let list: api::billing::CardList = self
            .get(Method::POST, &format!("/v1/cards/{id}/default"))
            .await?;
        Ok(list.cards)
    }

    /// `GET /v1/departments`.
    pub async fn departments(&self) -> Result<Vec<api::Department>> {
        self.get(Method::GET, "/v1/departments").await
    }

    /// `POST /v1/departments` (new) or `PUT /v1/departments/{id}` (rename).
    pub async fn save_department(&self, id: Option<u64>, name: &str) -> Result<api::Department> {
        let body = api::DepartmentRequest { name: name.into() };
        match id {
            None => self.call(Method::POST, "/v1/departments", &body).await,
            Some(id) => {
                self.call(Method::PUT, &format!("/v1/departments/{id}"), &body)
                    .await
            }
        }
    }

    /// `DELETE /v1/departments/{id}`.
    pub async fn delete_department(&self, id: u64) -> Result<()> {
        self.get::<serde_json::Value>(Method::DELETE, &format!("/v1/departments/{id}"))
            .await
            .map(drop)
    }

    /// `GET /v1/operators`.
    pub async fn operators(&self) -> Result<Vec<api::Operator>> {
        self.get(Method::GET, "/v1/operators").await
    }

    /// `PUT /v1/operators/{sip}`: creates or changes.
    pub async fn save_operator(&self, sip: &str, body: &Patch) -> Result<api::Operator> {
        self.call(
            Method::PUT,
            &format!("/v1/operators/{}", segment(sip)),
            body,
        )
        .await
    }

    /// `DELETE /v1/operators/{sip}`.
    pub async fn delete_operator(&self, sip: &str) -> Result<()> {
        self.get::<serde_json::Value>(Method::DELETE, &format!("/v1/operators/{}", segment(sip)))
            .await
            .map(drop)
    }

    /// `GET /v1/canned-responses`.
    pub async fn canned(&self) -> Result<Vec<api::Canned>> {
        self.get(Method::GET, "/v1/canned-responses").await
    }

    /// `POST /v1/canned-responses` (new) or `PUT /v1/canned-responses/{id}`.
    pub async fn save_canned(
        &self,
        id: Option<u64>,
        body: &api::CannedRequest,
    ) -> Result<api::Canned> {
        match id {
            None => self.call(Method::POST, "/v1/canned-responses", body).await,
            Some(id) => {
                self.call(Method::PUT, &format!("/v1/canned-responses/{id}"), body)
                    .await
            }
        }
    }

    /// `DELETE /v1/canned-responses/{id}`.
    pub async fn delete_canned(&self, id: u64) -> Result<()> {
        self.get::<serde_json::Value>(Method::DELETE, &format!("/v1/canned-responses/{id}"))
            .await
            .map(drop)
    }

    /// `GET /v1/buttons/code?lang=&style=`.
    pub async fn button_code(&self, lang: &str, style: api::ButtonStyle) -> Result<ButtonCode> {
        let path = format!(
            "/v1/buttons/code?lang={}&style={}",
            segment(lang),
            segment(style.name())
        );
        self.get(Method::GET, &path).await
    }

    /// Opens `GET /v1/me/events`, resuming after `last_id` (the `Last-Event-ID` header).
    /// No overall timeout: the stream stays open; the caller watches for silence. Its
    /// answer's head must come within the call timeout (a server that accepts and never
    /// answers is as dead as one that refuses).
    pub async fn events(&self, last_id: Option<u64>) -> Result<reqwest::Response> {
        let mut builder = self
            .request(Method::GET, "/v1/me/events")
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_id {
            builder = builder.header("Last-Event-ID", id.to_string());
        }
        let (response, _) = self.exchange(builder, Some(CALL_TIMEOUT)).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default();
        Err(error_of(status, &bytes))
    }
}

/// `url`, built on the base `from`, moved to the base `to`; none when it does not start
/// with `from` (then it is sent as it is).
fn rebase(url: &Url, from: &str, to: &str) -> Option<Url> {
    if from == to {
        return None;
    }
    let rest = url.as_str().strip_prefix(from)?;
    Url::parse(&format!("{to}{rest}")).ok()
}

/// How long a `Retry-After` header asks to wait (whole seconds), at most
/// [`MAX_RETRY_WAIT`]; none without one, or with a date instead of seconds.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_WAIT))
}

/// The failure an error answer describes (`{code, message}`), or a generic one.
fn error_of(status: StatusCode, bytes: &[u8]) -> Failure {
    match serde_json::from_slice::<api::ErrorBody>(bytes) {
        Ok(body) => Failure {
            status: Some(status.as_u16()),
            code: body.code,
            message: body.message,
        },
        Err(_) => Failure {
            status: Some(status.as_u16()),
            code: format!("http_{}", status.as_u16()),
            message: format!("the server answered {status}"),
        },
    }
}

/// A short sentence for a transport error (reqwest's own chain is long).
fn network_message(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the server did not answer in time".into()
    } else if error.is_connect() {
        "cannot reach the server".into()
    } else {
        format!("network error: {error}")
    }
}

/// Percent-encodes a path segment or query value (SIP usernames are digits in practice, but
/// nothing stops an admin typing a slash).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(segment("10001"), "10001");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn error_bodies_become_failures() {
        let f = error_of(
            StatusCode::CONFLICT,
            br#"{"code":"chat_taken","message":"another operator has already taken this chat"}"#,
        );
        assert_eq!(f.status, Some(409));
        assert_eq!(f.code, "chat_taken");
        let f = error_of(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(f.code, "http_502");
    }

    #[test]
    fn a_server_list_is_split_at_commas() {
        let cases: [(&str, &[&str]); 6] = [
            ("http://127.0.0.1:8080", &["http://127.0.0.1:8080"]),
            (
                "http://a:8081, http://b:8082/ ,",
                &["http://a:8081", "http://b:8082"],
            ),
            ("HTTP://Node-1:8080/", &["http://node-1:8080"]),
            ("http://a/api/,http://b", &["http://a/api", "http://b"]),
            // Not URLs: kept as written, to fail as bad URLs when used.
            ("not a url", &["not a url"]),
            (" , ", &[","]),
        ];
        for (list, expected) in cases {
            assert_eq!(addresses(list), expected, "{list:?}");
        }
    }

    #[test]
    fn a_request_moves_to_another_address_with_its_path_and_query() {
        let client = Client::new("http://a:8081,http://b:8082/api");
        let url = client
            .request(Method::GET, "/v1/queue?limit=5")
            .build()
            .unwrap()
            .url()
            .clone();
        assert_eq!(url.as_str(), "http://a:8081/v1/queue?limit=5");
        let moved = rebase(&url, "http://a:8081", "http://b:8082/api").unwrap();
        assert_eq!(moved.as_str(), "http://b:8082/api/v1/queue?limit=5");
        assert_eq!(rebase(&url, "http://a:8081", "http://a:8081"), None);
        assert_eq!(rebase(&url, "http://c:1", "http://b:8082"), None);
    }

    #[test]
    fn failing_over_goes_round_robin_and_once_per_failure() {
        let client = Client::new("http://a,http://b,http://c");
        assert_eq!(client.address(), "http://a");
        client.fail_over(0);
        assert_eq!(client.address(), "http://b");
        // A second call that also failed on the first address does not skip the second.
        client.fail_over(0);
        assert_eq!(client.address(), "http://b");
        client.fail_over(1);
        client.fail_over(2);
        assert_eq!(client.address(), "http://a");
        // Clones share the address in use.
        let clone = client.clone();
        clone.fail_over(0);
        assert_eq!(client.address(), "http://b");
    }

    #[test]
    fn retry_after_is_whole_seconds_and_capped() {
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(header("1"), Some(Duration::from_secs(1)));
        assert_eq!(header("0"), Some(Duration::ZERO));
        assert_eq!(header("3600"), Some(MAX_RETRY_WAIT));
        assert_eq!(header("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(header("-1"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
