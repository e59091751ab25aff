//! Cluster mode: any node answers any request. A request for a company another node serves
//! is sent there whole ([`Peers::call`]), and answered there by the same handlers a local
//! request meets, through an in-memory HTTP connection ([`answer`]); an event stream comes
//! back frame by frame ([`Peers::stream`]) and is relayed until the client leaves or the
//! company moves to another node (then the client resumes with `Last-Event-ID`, wherever it
//! lands).
//!
//! Which company a request is for, before any handler runs: the public key in the path
//! (visitor API, chat window, images), the company named by the bearer token
//! ([`auth::token_tenant`]), or for sign-in the email in the body. Sign-up, health, metrics
//! and static files are answered where they arrive.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use switchboard_engine::auth;
use switchboard_engine::model::TenantId;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::limits::Peer;
use crate::routes::{self, Body};
use crate::server::App;

/// How long a forwarded call may take (an upload's decoding, a PDF) before 504.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a relayed stream checks that its company is still served where it was.
const PLACE_CHECK: Duration = Duration::from_millis(250);

/// Where a company is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// Here.
    Here,
    /// On this other node.
    There(String),
    /// Nowhere right now: its shard is moving between nodes.
    Moving,
}

/// What the HTTP layer needs of the cluster.
pub trait Peers: Send + Sync + 'static {
    /// This node's id.
    fn node(&self) -> &str;
    /// This node's part in the cluster now, for `/healthz` and `/metrics`.
    fn report(&self) -> Report;
    /// Where `tenant` is served now.
    fn place(&self, tenant: TenantId) -> Place;
    /// The company whose public chat key is `key`.
    fn tenant_of_key<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<TenantId>>;
    /// The company of the account whose sign-in email is `email` (normalised).
    fn tenant_of_email<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Option<TenantId>>;
    /// Sends a request to `node` and waits for its answer.
    fn call<'a>(
        &'a self,
        node: &'a str,
        request: Bytes,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Bytes, String>>;
    /// Sends a stream request to `node`: the answer's head, then its frames.
    fn stream<'a>(
        &'a self,
        node: &'a str,
        request: Bytes,
    ) -> BoxFuture<'a, Result<mpsc::Receiver<Bytes>, String>>;
}

/// A node's part in the cluster, as `/healthz` shows it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    /// This node's id.
    pub node: String,
    /// The nodes whose heartbeat is recent.
    pub live_nodes: Vec<String>,
    /// The addresses the live nodes serve HTTP at (a client that loses one moves to
    /// another).
    pub addresses: Vec<String>,
    /// Shards whose lease this node holds.
    pub leases: usize,
    /// Shards this node serves (lease held and log replayed).
    pub shards: usize,
    /// Shards taken over since the node started.
    pub takeovers: u64,
    /// How long the last takeover took (replaying the logs and fencing), in milliseconds.
    pub last_takeover_ms: u64,
    /// Shards given up because an append was refused or failed.
    pub given_up: u64,
    /// Leases lost without giving them up (this node stalled past a lease).
    pub leases_lost: u64,
    /// Writes made here and not yet stored in their shard's log.
    pub log_pending: usize,
}

pub use crate::api::NODE_HEADER;

/// Marks a request that another node forwarded: it is answered here or not at all, and
/// only while the company it was sent for (when the sender knew it) is served here.
#[derive(Clone, Copy, Debug)]
pub struct Relayed {
    /// The company the sending node found for the request.
    pub tenant: Option<TenantId>,
}

/// A request as it travels.
#[derive(Serialize, Deserialize)]
struct Head {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    peer: SocketAddr,
    /// The company the request is for, as the sending node found it.
    tenant: Option<TenantId>,
}

/// An answer's head as it travels.
#[derive(Serialize, Deserialize)]
struct ReplyHead {
    status: u16,
    headers: Vec<(String, String)>,
    /// An event stream: frames follow, one message each, an empty one ending it.
    stream: bool,
}

fn pack<T: Serialize>(head: &T, body: &[u8]) -> Bytes {
    let head = serde_json::to_vec(head).expect("a head always serialises");
    let mut bytes = BytesMut::with_capacity(4 + head.len() + body.len());
    bytes.put_u32(head.len() as u32);
    bytes.put_slice(&head);
    bytes.put_slice(body);
    bytes.freeze()
}

fn unpack<T: for<'de> Deserialize<'de>>(mut bytes: Bytes) -> Result<(T, Bytes), String> {
    if bytes.len() < 4 {
        return Err("a truncated message".into());
    }
    let len = bytes.get_u32() as usize;
    if bytes.len() < len {
        return Err("a truncated message".into());
    }
    let head = bytes.split_to(len);
    let head = serde_json::from_slice(&head).map_err(|e| e.to_string())?;
    Ok((head, bytes))
}

fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect()
}

fn set_headers(target: &mut hyper::HeaderMap, pairs: Vec<(String, String)>) {
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            target.append(name, value);
        }
    }
}

/// Answers `req` elsewhere when its company is served on another node (or nowhere right
/// now); gives it back when it is to be answered here.
pub async fn elsewhere(
    app: &Arc<App>,
    peers: &Arc<dyn Peers>,
    segments: &[&str],
    req: Request<Incoming>,
) -> Result<Request<Incoming>, Response<Body>> {
    let key = match segments {
        ["v1", "visitor", key, ..] | ["graphics", key, ..] | ["button", key, ..] => {
            Some((*key).to_owned())
        }
        ["chat", _, key, ..] => key.split(',').next().map(str::to_owned),
        ["demo"] => Some(switchboard_engine::demo::KEY.to_owned()),
        _ => None,
    };
    let tenant = match (key, segments) {
        (Some(key), _) => peers.tenant_of_key(&key).await,
        (None, ["v1", "login"]) => return Err(sign_in(app, peers, req).await),
        (None, ["v1", "signup"]) => None,
        (None, _) => {
            routes::token_of(req.headers(), req.uri()).and_then(|t| auth::token_tenant(&t))
        }
    };
    let Some(tenant) = tenant else { return Ok(req) };
    match peers.place(tenant) {
        Place::Here => Ok(req),
        Place::Moving => Err(routes::error_response(&moving())),
        Place::There(node) => {
            let stream = segments.last() == Some(&"events");
            let answered = match buffer(app, req).await {
                Ok((mut head, body)) => {
                    head.tenant = Some(tenant);
                    forward(app, peers.clone(), tenant, node, head, body, stream).await
                }
                Err(e) => Err(e),
            };
            Err(answered.unwrap_or_else(|e| routes::error_response(&e)))
        }
    }
}

/// Sign-in names its company only by the email in its body: read it, then answer where
/// the account's company is served (here too through an in-memory connection, since the
/// body has been read).
async fn sign_in(app: &Arc<App>, peers: &Arc<dyn Peers>, req: Request<Incoming>) -> Response<Body> {
    let (head, body) = match buffer(app, req).await {
        Ok(buffered) => buffered,
        Err(e) => return routes::error_response(&e),
    };
    let email = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("email")?.as_str().map(str::to_owned))
        .and_then(|e| switchboard_engine::engine::normalize_email(&e).ok());
    let tenant = match email {
        Some(email) => peers.tenant_of_email(&email).await,
        None => None,
    };
    let place = tenant.map(|t| (t, peers.place(t)));
    let mut head = head;
    head.tenant = tenant;
    let answered = match place {
        Some((tenant, Place::There(node))) => {
            forward(app, peers.clone(), tenant, node, head, body, false).await
        }
        Some((_, Place::Moving)) => Err(moving()),
        // Here, or an unknown email: the handler gives the usual answer.
        _ => match loopback(app.clone(), head, body).await {
            Ok(response) => {
                let (parts, body) = response.into_parts();
                let body = body
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                Ok(Response::from_parts(parts, Full::new(body).boxed_unsync()))
            }
            Err(e) => {
                tracing::warn!("cannot answer a sign-in: {e}");
                Err(moving())
            }
        },
    };
    answered.unwrap_or_else(|e| routes::error_response(&e))
}

/// The request's head and whole body, within the upload limit.
async fn buffer(app: &App, req: Request<Incoming>) -> Result<(Head, Bytes), ApiError> {
    let peer = req
        .extensions()
        .get::<Peer>()
        .map_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)), |p| p.0);
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, app.config.max_upload_bytes)
        .collect()
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is too large",
            )
        })?
        .to_bytes();
    let head = Head {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: header_pairs(&parts.headers),
        peer,
        tenant: None,
    };
    Ok((head, body))
}

/// The answer while a company is moving between nodes: the engine's own `Moved` (503
/// `company_moving`, try again in a second).
pub fn moving() -> ApiError {
    ApiError::from(switchboard_engine::Error::Moved)
}

/// Sends a request to `node` and turns its answer into this node's response.
async fn forward(
    app: &Arc<App>,
    peers: Arc<dyn Peers>,
    tenant: TenantId,
    node: String,
    head: Head,
    body: Bytes,
    stream: bool,
) -> Result<Response<Body>, ApiError> {
    let request = pack(&head, &body);
    let unreachable = |e: String| {
        tracing::warn!(node, "cannot reach the node serving a company: {e}");
        moving()
    };
    if !stream {
        let answer = peers
            .call(&node, request, CALL_TIMEOUT)
            .await
            .map_err(unreachable)?;
        let (head, body) = unpack::<ReplyHead>(answer).map_err(unreachable)?;
        return Ok(response(head, Full::new(body).boxed_unsync()));
    }
    let mut frames = peers.stream(&node, request).await.map_err(unreachable)?;
    let first = tokio::time::timeout(CALL_TIMEOUT, frames.recv())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| unreachable("no answer".into()))?;
    let (head, _) = unpack::<ReplyHead>(first).map_err(unreachable)?;
    if !head.stream {
        return Err(unreachable("a stream answered as a call".into()));
    }
    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(16);
    let shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        let mut check = tokio::time::interval(PLACE_CHECK);
        loop {
            tokio::select! {
                frame = frames.recv() => match frame {
                    Some(frame) if !frame.is_empty() => {
                        if tx.send(Ok(Frame::data(frame))).await.is_err() {
                            return;
                        }
                    }
                    _ => return,
                },
                _ = check.tick() => {
                    // The company moved: end the stream, the client resumes where it is now.
                    if peers.place(tenant) != Place::There(node.clone()) {
                        return;
                    }
                }
                _ = tx.closed() => return,
                _ = shutdown.cancelled() => return,
            }
        }
    });
    let body = StreamBody::new(tokio_stream_of(rx)).boxed_unsync();
    Ok(response(head, body))
}

fn tokio_stream_of<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn response(head: ReplyHead, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(head.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_headers(response.headers_mut(), head.headers);
    response
}

/// Answers a request another node forwarded, through an in-memory HTTP connection to this
/// node's own handlers; `send` gets the answer — head and body in one message for a call;
/// for a stream (the flag set) the head, then each frame, then an empty frame — and
/// returns false once nobody listens.
pub async fn answer<F, Fut>(app: Arc<App>, request: Bytes, mut send: F)
where
    F: FnMut(Bytes, bool) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let failed = |status: StatusCode, message: &str| {
        let error = ApiError::new(status, "forwarding_failed", message);
        let body = serde_json::to_vec(&error.body()).unwrap_or_default();
        pack(
            &ReplyHead {
                status: status.as_u16(),
                headers: vec![(CONTENT_TYPE.to_string(), "application/json".into())],
                stream: false,
            },
            &body,
        )
    };
    let Ok((head, body)) = unpack::<Head>(request) else {
        send(
            failed(StatusCode::BAD_REQUEST, "a forwarded request is unreadable"),
            false,
        )
        .await;
        return;
    };
    let response = match loopback(app, head, body).await {
        Ok(response) => response,
        Err(e) => {
            tracing::warn!("cannot answer a forwarded request: {e}");
            send(
                failed(StatusCode::BAD_GATEWAY, "the forwarded request failed"),
                false,
            )
            .await;
            return;
        }
    };
    let stream = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let (parts, mut body) = response.into_parts();
    let head = ReplyHead {
        status: parts.status.as_u16(),
        headers: header_pairs(&parts.headers),
        stream,
    };
    if !stream {
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        send(pack(&head, &body), false).await;
        return;
    }
    if !send(pack(&head, &[]), true).await {
        return;
    }
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            if !data.is_empty() && !send(data, true).await {
                return;
            }
        }
    }
    send(Bytes::new(), true).await;
}

/// [`routes::handle`] behind a named future type: a forwarded sign-in is answered through
/// it from inside `handle` itself, and the compiler needs the cycle cut to see it is `Send`.
fn handle(app: Arc<App>, req: Request<Incoming>) -> BoxFuture<'static, Response<Body>> {
    Box::pin(routes::handle(app, req))
}

/// Runs `head` and `body` through this node's handlers over an in-memory connection.
async fn loopback(app: Arc<App>, head: Head, body: Bytes) -> Result<Response<Incoming>, String> {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let peer = head.peer;
    let relayed = Relayed {
        tenant: head.tenant,
    };
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let app = app.clone();
        req.extensions_mut().insert(Peer(peer));
        req.extensions_mut().insert(relayed);
        let answered = handle(app, req);
        async move { Ok::<_, std::convert::Infallible>(answered.await) }
    });
    tokio::spawn(async move {
        let served = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(server), service)
            .await;
        if let Err(e) = served {
            tracing::debug!("a forwarded request's connection ended: {e}");
        }
    });
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(client))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(head.method.as_str())
        .uri(head.uri.as_str())
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    set_headers(request.headers_mut(), head.headers);
    sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())
}
