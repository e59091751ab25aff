//! The HTTP side: a pool of clients, one per loopback source address, and the API calls the
//! scenarios make, through the wire types of `switchboard-api`.
//!
//! A loopback connection is identified by its two addresses and ports; with every connection
//! from 127.0.0.1 the generator runs out of ephemeral ports near 28,000 connections in
//! `TIME_WAIT`. Each client binds its own 127.0.0.x, which multiplies that room.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use reqwest::{Method, StatusCode};

use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_api as api;

use crate::metrics::Metrics;

/// Why a request failed, as the error table counts it.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error status and its stable `code`.
    Status(StatusCode, String),
    /// No answer within the request timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The connection broke after the request was sent, or the answer could not be read.
    Broken(String),
    /// An answer that did not parse as the API says.
    Unexpected(String),
    /// Not the server's answer but the scenario's verdict, e.g. `no_operator_joined`.
    Scenario(&'static str),
}

impl Failure {
    /// The key errors are counted under: `409 chat_ended`, `timeout`, `connect`, `other`.
    pub fn kind(&self) -> String {
        match self {
            Failure::Status(status, code) if code.is_empty() => status.as_u16().to_string(),
            Failure::Status(status, code) => format!("{} {code}", status.as_u16()),
            Failure::Timeout => "timeout".into(),
            Failure::Connect => "connect".into(),
            Failure::Broken(_) => "broken".into(),
            Failure::Unexpected(_) => "unexpected_answer".into(),
            Failure::Scenario(kind) => (*kind).into(),
        }
    }

    /// Whether a real client would try again: no answer, a cut connection, a 5xx. A 4xx is
    /// the server's considered answer and is not asked again.
    pub fn retryable(&self) -> bool {
        match self {
            Failure::Status(status, _) => status.is_server_error(),
            Failure::Timeout | Failure::Connect | Failure::Broken(_) => true,
            Failure::Unexpected(_) | Failure::Scenario(_) => false,
        }
    }

    /// The failure of an error answer, with its body's `code`.
    pub async fn of(response: reqwest::Response) -> Failure {
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default();
        let code = serde_json::from_slice::<api::ErrorBody>(&bytes)
            .map(|e| e.code)
            .unwrap_or_default();
        Failure::Status(status, code)
    }

    /// The failure of a request that got no answer.
    pub fn from_reqwest(e: reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect
        } else {
            Failure::Broken(e.to_string())
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Broken(text) | Failure::Unexpected(text) => write!(f, "{text}"),
            other => write!(f, "{}", other.kind()),
        }
    }
}

impl std::error::Error for Failure {}

/// The result of one API call.
pub type Call<T> = std::result::Result<T, Failure>;

/// Tries of a call that may be repeated (see [`retried`]).
const ATTEMPTS: u32 = 3;

/// The pause before the second try; the third waits twice as long.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Makes `call` up to three times while it fails in a way the real clients try again after
/// ([`Failure::retryable`]), as the chat window resends a message with the same client id
/// and an operator presses accept again. Each failure but the last is counted in `metrics`;
/// the last is the caller's.
pub async fn retried<T, Fut>(metrics: &Metrics, mut call: impl FnMut() -> Fut) -> Call<T>
where
    Fut: Future<Output = Call<T>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(failure) if failure.retryable() && attempt < ATTEMPTS => {
                metrics.error(&failure);
                tokio::time::sleep(RETRY_PAUSE * attempt).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Clients spread over loopback source addresses, handed out in turn, and calls spread
/// over the servers given (the nodes of a cluster, any of which answers any call).
pub struct Clients {
    clients: Vec<reqwest::Client>,
    next: AtomicUsize,
    bases: Vec<String>,
    next_base: AtomicUsize,
    timeout: Duration,
}

impl Clients {
    /// `sources` clients for `bases` (comma-separated server URLs; one client when they
    /// are not IPv4 addresses, whose loopback range gives the source addresses); every call
    /// but an event stream gives up after `timeout`. A server anywhere but on this
    /// machine's loopback is refused.
    pub fn new(bases: &str, sources: usize, timeout: Duration) -> Result<Clients> {
        let bases: Vec<String> = bases
            .split(',')
            .map(|b| b.trim().trim_end_matches('/').to_string())
            .collect();
        let mut v4 = true;
        for base in &bases {
            let url = reqwest::Url::parse(base).with_context(|| format!("server URL {base}"))?;
            let host = url.host_str().unwrap_or_default();
            let loopback_v4 = host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
            if !(loopback_v4 || host == "localhost" || host == "[::1]") {
                bail!(
                    "{base}: the load generator drives only servers on this machine's \
                     loopback (127.0.0.0/8, [::1], localhost)"
                );
            }
            v4 &= loopback_v4;
        }
        let sources = if v4 { sources.clamp(1, 250) } else { 1 };
        let mut clients = Vec::with_capacity(sources);
        for n in 0..sources {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .pool_idle_timeout(Duration::from_secs(30))
                .tcp_nodelay(true);
            if v4 {
                builder = builder.local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n as u8 + 1)));
            }
            clients.push(builder.build().context("building an HTTP client")?);
        }
        Ok(Clients {
            clients,
            next: AtomicUsize::new(0),
            bases,
            next_base: AtomicUsize::new(0),
            timeout,
        })
    }

    /// How many source addresses the clients use.
    pub fn sources(&self) -> usize {
        self.clients.len()
    }

    /// The next client in turn.
    pub fn client(&self) -> &reqwest::Client {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        &self.clients[n % self.clients.len()]
    }

    /// The full URL of an API path, on the next server in turn.
    pub fn url(&self, path: &str) -> String {
        let n = self.next_base.fetch_add(1, Ordering::Relaxed);
        format!("{}{path}", self.bases[n % self.bases.len()])
    }

    /// One call: `body` as JSON, the answer parsed as `T`; an error status is a [`Failure`]
    /// carrying the error body's `code`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Call<T> {
        let mut request = self
            .client()
            .request(method, self.url(path))
            .timeout(self.timeout);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(Failure::from_reqwest)?;
        if !response.status().is_success() {
            return Err(Failure::of(response).await);
        }
        let bytes = response.bytes().await.map_err(Failure::from_reqwest)?;
        serde_json::from_slice(&bytes).map_err(|e| Failure::Unexpected(format!("{path}: {e}")))
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Call<()> {
        self.call::<serde_json::Value>(Method::GET, "/healthz", None, None::<&()>)
            .await
            .map(drop)
    }

    /// `POST /v1/signup`: a company of its own, named after `label`.
    pub async fn signup(&self, label: &str) -> Result<api::SignupResponse> {
        let body = api::SignupRequest {
            company: format!("Load {label}"),
            email: format!("admin-{label}@load.example"),
            password: PASSWORD.into(),
        };
        self.call(Method::POST, "/v1/signup", None, Some(&body))
            .await
            .context("signing up a company")
    }

    /// `PUT /v1/operators/{sip}` then `POST /v1/login`: a signed-in operator of the admin's
    /// company.
    pub async fn operator(&self, admin: &str, sip: &str, max_chats: u32) -> Result<String> {
        let email = format!("op-{sip}@load.example");
        let body = api::OperatorRequest {
            name: Some(format!("Operator {sip}")),
            email: Some(email.clone()),
            password: Some(PASSWORD.into()),
            max_chats: Some(max_chats),
            ..Default::default()
        };
        self.call::<api::Operator>(
            Method::PUT,
            &format!("/v1/operators/{sip}"),
            Some(admin),
            Some(&body),
        )
        .await
        .with_context(|| format!("creating operator {sip}"))?;
        let login = api::LoginRequest {
            email,
            password: PASSWORD.into(),
        };
        let login: api::LoginResponse = self
            .call(Method::POST, "/v1/login", None, Some(&login))
            .await
            .with_context(|| format!("signing operator {sip} in"))?;
        Ok(login.token)
    }

    /// `PUT /v1/me/status`.
    pub async fn status(&self, token: &str, status: api::Status) -> Result<()> {
        let body = api::StatusBody {
            status: status.name().into(),
        };
        self.call::<serde_json::Value>(Method::PUT, "/v1/me/status", Some(token), Some(&body))
            .await
            .context("setting the operator's status")?;
        Ok(())
    }

    /// `PUT /v1/chat-window`.
    pub async fn chat_window(&self, admin: &str, patch: &api::ChatWindowPatch) -> Result<()> {
        self.call::<serde_json::Value>(Method::PUT, "/v1/chat-window", Some(admin), Some(patch))
            .await
            .context("changing the chat-window settings")?;
        Ok(())
    }

    /// `GET /v1/operators`.
    pub async fn operators(&self, admin: &str) -> Call<Vec<api::Operator>> {
        self.call(Method::GET, "/v1/operators", Some(admin), None::<&()>)
            .await
    }

    /// `POST /v1/visitor/{key}/chats` for a visitor called `name`.
    pub async fn start_chat(&self, key: &str, name: &str) -> Call<api::StartChatResponse> {
        let body = api::StartChatRequest {
            name: Some(name.into()),
            page_url: Some("https://shop.example/".into()),
            ..Default::default()
        };
        self.call(
            Method::POST,
            &format!("/v1/visitor/{key}/chats"),
            None,
            Some(&body),
        )
        .await
    }

    /// `POST /v1/chats/{id}/messages`; `text` is its client id too.
    pub async fn message(&self, chat: u64, token: &str, text: &str) -> Call<api::MessageResponse> {
        let body = api::MessageRequest {
            text: text.into(),
            client_id: text.into(),
        };
        self.call(
            Method::POST,
            &format!("/v1/chats/{chat}/messages"),
            Some(token),
            Some(&body),
        )
        .await
    }

    /// `POST /v1/chats/{id}/accept` or `.../close`.
    pub async fn chat_action(&self, chat: u64, token: &str, action: &str) -> Call<()> {
        self.call::<serde_json::Value>(
            Method::POST,
            &format!("/v1/chats/{chat}/{action}"),
            Some(token),
            None::<&()>,
        )
        .await
        .map(drop)
    }

    /// `POST /v1/visitor/{key}/page-views`.
    pub async fn page_view(
        &self,
        key: &str,
        visitor: Option<u64>,
        url: &str,
    ) -> Call<api::PageViewResponse> {
        let body = api::PageViewRequest {
            visitor_id: visitor,
            url: url.into(),
            title: Some("Load".into()),
            referrer: None,
        };
        self.call(
            Method::POST,
            &format!("/v1/visitor/{key}/page-views"),
            None,
            Some(&body),
        )
        .await
    }
}

/// The password of every account the generator makes.
const PASSWORD: &str = "load-test-password";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_by_kind_and_retried_as_clients_do() {
        let taken = Failure::Status(StatusCode::CONFLICT, "chat_taken".into());
        assert_eq!(taken.kind(), "409 chat_taken");
        assert!(!taken.retryable());
        let full = Failure::Status(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_connections".into(),
        );
        assert_eq!(full.kind(), "503 too_many_connections");
        assert!(full.retryable());
        assert_eq!(
            Failure::Status(StatusCode::BAD_GATEWAY, String::new()).kind(),
            "502"
        );
        assert!(Failure::Timeout.retryable() && Failure::Connect.retryable());
        assert!(!Failure::Scenario("offline").retryable());
        assert_eq!(Failure::Scenario("offline").kind(), "offline");
    }

    #[tokio::test]
    async fn a_call_is_tried_three_times_at_most() {
        let metrics = Metrics::new();
        let tries = std::sync::atomic::AtomicU32::new(0);
        let outcome: Call<()> = retried(&metrics, || {
            tries.fetch_add(1, Ordering::Relaxed);
            async { Err(Failure::Connect) }
        })
        .await;
        assert!(matches!(outcome, Err(Failure::Connect)));
        assert_eq!(tries.load(Ordering::Relaxed), 3);
        // The caller counts the last failure; the two before it are counted here.
        assert_eq!(metrics.errors().get("connect"), Some(&2));
    }
}
