//! The HTTP side of the client: [`Client`] has one typed method per endpoint the terminal
//! uses, over the wire types of `switchboard_api`. The event stream lives in
//! [`crate::stream`]; turning a [`crate::command::Command`] into calls, in
//! [`crate::command`].

use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_api as api;

use crate::patch::Patch;

/// A call that takes longer than this has failed; the event stream has no such limit.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Connecting to the server takes at most this long (a dead address fails fast, so the
/// stream's reconnect loop can show "reconnecting").
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

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

/// The panel API of one server, signed in or not. Cheap to clone: the stream task and the
/// command tasks share the connection pool and the token.
#[derive(Clone, Debug)]
pub struct Client {
    /// Connection pool.
    http: reqwest::Client,
    /// Base URL without a trailing slash.
    base: String,
    /// The session token once signed in; shared so a sign-in is seen by the stream task.
    token: Arc<RwLock<Option<String>>>,
}

impl Client {
    /// A client of the server at `base` (`http://host:port`).
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: Arc::default(),
        }
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

    /// A request to `path` with the token when there is one.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match self.token() {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request and reads a successful answer's body with its status, or the
    /// server's error.
    async fn body(&self, builder: RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let response = builder
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| Failure::local("network", network_message(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::local("network", network_message(&e)))?;
        if status.is_success() {
            return Ok((status, bytes.into()));
        }
        Err(error_of(status, &bytes))
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
        let response = builder
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| Failure::local("network", network_message(&e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::local("network", network_message(&e)))?;
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
    /// No overall timeout: the stream stays open; the caller watches for silence.
    pub async fn events(&self, last_id: Option<u64>) -> Result<reqwest::Response> {
        let mut builder = self
            .request(Method::GET, "/v1/me/events")
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_id {
            builder = builder.header("Last-Event-ID", id.to_string());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| Failure::local("network", network_message(&e)))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default();
        Err(error_of(status, &bytes))
    }
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
}
