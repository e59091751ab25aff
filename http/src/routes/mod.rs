//! Request dispatch and the helpers every endpoint uses: JSON in and out under a size limit,
//! bearer tokens, role checks. One file per group of endpoints.

mod account;
mod billing;
mod buttons;
mod chats;
mod graphics;
mod ops;
mod pages;
mod panel;
mod tracking;
mod visitor;
mod window;

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use hyper::HeaderMap;
use hyper::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_engine::audit::{Action, Change, NewEntry, Subject};
use switchboard_engine::model::{AccountId, Role, TenantId};
use switchboard_engine::{Error, Principal};

use crate::error::ApiError;
use crate::server::App;

/// The response body: a whole buffer or an event stream.
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, std::convert::Infallible>;

/// What a handler returns.
pub type Reply = Result<Response<Body>, ApiError>;

pub use crate::limits::Peer;

/// What handlers learn about a request that the access and audit logs need.
#[derive(Default)]
struct Note {
    /// The company the request's token acts in.
    tenant: Option<TenantId>,
    /// The signed-in account, when the token is a session's.
    account: Option<AccountId>,
    /// The admin's email, read anyway by [`admin`].
    actor: Option<String>,
    /// Whether the request is an audited change (then [`read_json`] notes the fields).
    audited: bool,
    /// Top-level field names of the JSON body of an audited change.
    fields: Vec<String>,
    /// Which record an audited change created, when the path does not say.
    target: Option<String>,
    /// Answered by another node (cluster mode), which audited it there.
    forwarded: bool,
}

tokio::task_local! {
    /// The note of the request being answered (set by [`handle`]).
    static NOTE: RefCell<Note>;
}

/// Adds to the current request's note.
fn note(f: impl FnOnce(&mut Note)) {
    // Outside `handle` (a unit test calling a handler) there is no note to add to.
    if NOTE.try_with(|n| f(&mut n.borrow_mut())).is_err() {}
}

/// Names the record an audited change created (its id is in the answer, not the path).
pub fn audit_target(target: String) {
    note(|n| n.target = Some(target));
}

/// Answers one request: routes it, records an admin change in the audit log, adds the
/// hardening headers and writes the access log line.
pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let logged_path = redact_tokens(req.uri().path_and_query().map_or("/", |p| p.as_str()));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let first = Note {
        audited: audit_action(&method, &segments, StatusCode::OK).is_some(),
        ..Note::default()
    };
    let (mut response, note) = NOTE
        .scope(RefCell::new(first), async {
            let response = dispatch(app.clone(), req).await;
            (response, NOTE.with(RefCell::take))
        })
        .await;
    if response.status().is_success() && !note.forwarded {
        if let Some((action, target)) = audit_action(&method, &segments, response.status()) {
            if let Err(e) = audit(&app, action, target, &note).await {
                tracing::error!("an admin change could not be audited: {}", e.message);
                response = error_response(&e);
            }
        }
    }
    harden(response.headers_mut());
    if let Some(peers) = app.peers() {
        // A forwarded answer keeps the name of the node that made it.
        if let Ok(node) = HeaderValue::from_str(peers.node()) {
            response
                .headers_mut()
                .entry(crate::forward::NODE_HEADER)
                .or_insert(node);
        }
    }
    tracing::info!(
        target: "switchboard::access",
        method = %method,
        path = %logged_path,
        status = response.status().as_u16(),
        duration_ms = %format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
        company = note.tenant,
    );
    response
}

/// The request line's path and query with every `token=` value replaced, so the access log
/// never holds a credential.
fn redact_tokens(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let query: Vec<&str> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("token", _)) => "token=[redacted]",
            _ => pair,
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The audited change a request makes, and which record it names (empty for the
/// company-wide settings): every admin change to the company's settings, operators,
/// departments, canned responses, graphics, buttons and cards, and password changes.
/// `status` tells a created operator (201) from a changed one.
fn audit_action(method: &Method, path: &[&str], status: StatusCode) -> Option<(Action, String)> {
    use Change::*;
    use Subject::*;
    let change = match *method {
        Method::POST => Created,
        Method::PUT => Updated,
        Method::DELETE => Deleted,
        _ => return None,
    };
    let (subject, change, target) = match (path, change) {
        (["v1", "company"], Updated) => (Company, Updated, String::new()),
        (["v1", "chat-window"], Updated) => (ChatWindow, Updated, String::new()),
        (["v1", "chat-window", "graphics"], Created) => (Graphics, Created, String::new()),
        (["v1", "chat-window", "graphics", id], Deleted) => (Graphics, Deleted, id.to_string()),
        (["v1", "chat-window", "graphics", id, "activate"], Created) => {
            (Graphics, Updated, id.to_string())
        }
        (["v1", "chat-window", "graphics", id, part], Updated) => {
            (Graphics, Updated, format!("{id}/{part}"))
        }
        (["v1", "buttons", "custom"], Deleted) => (Buttons, Deleted, String::new()),
        (["v1", "buttons", "custom", state], Updated) => (Buttons, Updated, state.to_string()),
        (["v1", "departments"], Created) => (Department, Created, String::new()),
        (["v1", "departments", id], Updated | Deleted) => (Department, change, id.to_string()),
        (["v1", "operators", sip], Updated) if status == StatusCode::CREATED => {
            (Operator, Created, sip.to_string())
        }
        (["v1", "operators", sip], Updated | Deleted) => (Operator, change, sip.to_string()),
        (["v1", "canned-responses"], Created) => (CannedResponse, Created, String::new()),
        (["v1", "canned-responses", id], Updated | Deleted) => {
            (CannedResponse, change, id.to_string())
        }
        (["v1", "cards", rest @ ..], _) => (Card, change, rest.join("/")),
        (["v1", "me", "password"], Updated) => (Password, Updated, String::new()),
        _ => return None,
    };
    Some((Action { subject, change }, target))
}

/// Appends an audited change to the company's log; returns once it is durable.
async fn audit(app: &App, action: Action, target: String, note: &Note) -> Result<(), ApiError> {
    let (Some(tenant), Some(account)) = (note.tenant, note.account) else {
        // Every audited path needs a session, so a success always noted one.
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an audited change without a signed-in account",
        ));
    };
    let actor = match &note.actor {
        Some(email) => email.clone(),
        None => app.engine.account(tenant, account)?.email,
    };
    let entry = NewEntry {
        account,
        actor,
        action,
        target: note.target.clone().unwrap_or(target),
        fields: note.fields.clone(),
    };
    Ok(app.engine.audit(tenant, entry).await?)
}

/// Headers every answer carries. Nothing Switchboard serves is meant to be framed: the chat
/// window opens as a popup (the button code calls `window.open`), the panel is the terminal
/// client, the rest is JSON, images and scripts. So framing is denied everywhere (clickjacking
/// a chat window or a panel page is then impossible), and browsers must not guess a content
/// type other than the one given (an uploaded image never runs as HTML or script).
fn harden(headers: &mut HeaderMap) {
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A page with its own policy (the chat window) gets the directive added to it.
    let policy = match headers
        .get(CONTENT_SECURITY_POLICY)
        .map(HeaderValue::to_str)
    {
        None => Some("frame-ancestors 'none'".to_string()),
        Some(Ok(p)) if !p.contains("frame-ancestors") => {
            Some(format!("{p}; frame-ancestors 'none'"))
        }
        Some(_) => None,
    };
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
}

/// Routes one request; a [`cross_origin`] path gets its preflight and CORS headers here.
async fn dispatch(app: Arc<App>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    let cross_origin = cross_origin(&segments);
    if cross_origin && method == Method::OPTIONS {
        return preflight();
    }
    // Every answer of such a path says so, a node's own refusal (the company moving) too:
    // without it the browser hides the answer and the caller sees a network failure.
    let mut response = answer(&app, method, &segments, req).await;
    if cross_origin {
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        // The window waits out a company moving between nodes for as long as it says.
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    response
}

/// Whether a page on another origin may call `path`: the visitor API, which the tracking
/// script calls from the company's own site, and the chat calls the window makes with its
/// chat token, which go to another node's origin in cluster mode when the window's own
/// node fails. Neither reads a cookie (the token is a bearer header, or `?token=` on the
/// stream), so a foreign page has nothing to borrow and any origin may call them.
fn cross_origin(path: &[&str]) -> bool {
    matches!(
        path,
        ["v1", "visitor", ..] | ["v1", "chats", _, "messages" | "events" | "typing" | "close"]
    )
}

/// Answers a request here, or on the node serving its company; HEAD as GET without the body.
async fn answer(
    app: &Arc<App>,
    method: Method,
    segments: &[&str],
    req: Request<Incoming>,
) -> Response<Body> {
    // HEAD is GET without the body: the same status and headers, so every GET resource
    // answers it.
    let head = method == Method::HEAD;
    let routed_as = if head { Method::GET } else { method };
    let relayed = req.extensions().get::<crate::forward::Relayed>().copied();
    let req = match (app.peers(), relayed) {
        (Some(peers), None) => match crate::forward::elsewhere(app, peers, segments, req).await {
            Ok(req) => req,
            Err(answered) => {
                note(|n| n.forwarded = true);
                return answered;
            }
        },
        // Sent here for a company this node does not serve (any more, or not yet): nothing
        // here may answer for it.
        (_, Some(crate::forward::Relayed { tenant: Some(t) })) if !app.engine.serves(t) => {
            return error_response(&crate::forward::moving());
        }
        _ => req,
    };
    let mut response = route(app, &routed_as, segments, req)
        .await
        .unwrap_or_else(|e| error_response(&e));
    if head {
        let (parts, _) = response.into_parts();
        response = Response::from_parts(parts, Full::new(Bytes::new()).boxed_unsync());
    }
    response
}

/// The answer to a browser's CORS preflight for a [`cross_origin`] path: any site may call
/// it, with the chat token as a bearer header (never a cookie) and `Last-Event-ID` when an
/// event stream resumes.
fn preflight() -> Response<Body> {
    let mut response = respond(StatusCode::NO_CONTENT, "text/plain", Bytes::new());
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, last-event-id"),
    );
    // Browsers may reuse the answer for ten minutes.
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

/// Serves `method` on a matched path from the listed handlers, or answers 405 naming them.
macro_rules! methods {
    ($method:expr, { $($m:ident => $handler:expr),+ $(,)? }) => {
        match *$method {
            $(Method::$m => $handler,)+
            _ => Err(not_allowed($method, &[$(stringify!($m)),+])),
        }
    };
}

/// Dispatch: the path picks the resource, the method its handler.
async fn route(app: &Arc<App>, method: &Method, path: &[&str], req: Request<Incoming>) -> Reply {
    crate::limits::before(app, method, path, &req)?;
    match path {
        ["healthz"] => methods!(method, { GET => ops::healthz(app) }),
        ["favicon.ico"] => methods!(method, { GET => ops::favicon() }),
        ["metrics"] => methods!(method, { GET => ops::metrics(app, &req) }),
        ["openapi.json"] => methods!(method, { GET => ops::openapi() }),
        ["chat", ..] => methods!(method, { GET => window::chat_window(app, &req).await }),
        ["static", "track.js"] => methods!(method, { GET => tracking::script(app) }),
        ["static", file] => methods!(method, { GET => window::asset(file) }),
        ["demo"] => methods!(method, { GET => window::demo(app).await }),
        ["graphics", key, part] => {
            methods!(method, { GET => graphics::image(app, key, part).await })
        }
        ["button", key, lang, style] => {
            methods!(method, { GET => buttons::image(app, key, lang, style).await })
        }

        ["v1", "signup"] => methods!(method, { POST => account::signup(app, req).await }),
        ["v1", "login"] => methods!(method, { POST => account::login(app, req).await }),
        ["v1", "logout"] => methods!(method, { POST => account::logout(app, req).await }),
        ["v1", "me"] => methods!(method, { GET => account::me(app, req).await }),
        ["v1", "me", "status"] => methods!(method, { PUT => account::set_status(app, req).await }),
        ["v1", "me", "password"] => {
            methods!(method, { PUT => account::change_password(app, req).await })
        }
        ["v1", "me", "events"] => methods!(method, { GET => account::events(app, req).await }),
        ["v1", "audit-log"] => methods!(method, { GET => panel::audit_log(app, req).await }),
        ["v1", "billing"] => methods!(method, { GET => billing::billing(app, req).await }),
        ["v1", "invoices"] => methods!(method, { GET => billing::invoices(app, req).await }),
        ["v1", "invoices", file] => {
            methods!(method, { GET => billing::invoice_pdf(app, req, file).await })
        }
        ["v1", "cards"] => methods!(method, {
            GET => billing::cards(app, req).await,
            POST => billing::add_card(app, req).await,
        }),
        ["v1", "cards", id] => {
            methods!(method, { DELETE => billing::delete_card(app, req, id_of(id)?).await })
        }
        ["v1", "cards", id, "default"] => {
            methods!(method, { POST => billing::default_card(app, req, id_of(id)?).await })
        }

        ["v1", "company"] => methods!(method, {
            GET => panel::company(app, req).await,
            PUT => panel::update_company(app, req).await,
        }),
        ["v1", "chat-window"] => methods!(method, {
            GET => panel::chat_window(app, req).await,
            PUT => panel::update_chat_window(app, req).await,
        }),
        ["v1", "chat-window", "graphics"] => methods!(method, {
            GET => graphics::list(app, req).await,
            POST => graphics::create_slot(app, req).await,
        }),
        ["v1", "chat-window", "graphics", id] => {
            methods!(method, { DELETE => graphics::delete(app, req, id_of(id)?).await })
        }
        ["v1", "chat-window", "graphics", id, "activate"] => {
            methods!(method, { POST => graphics::activate(app, req, id).await })
        }
        ["v1", "chat-window", "graphics", id, part] => {
            methods!(method, { PUT => graphics::upload(app, req, id_of(id)?, part).await })
        }
        ["v1", "buttons", "code"] => methods!(method, { GET => buttons::code(app, req).await }),
        ["v1", "buttons", "custom"] => {
            methods!(method, { DELETE => buttons::delete_custom(app, req).await })
        }
        ["v1", "buttons", "custom", state] => {
            methods!(method, { PUT => buttons::upload_custom(app, req, state).await })
        }
        ["v1", "tracking", "code"] => methods!(method, { GET => tracking::code(app, req).await }),
        ["v1", "visitors"] => methods!(method, { GET => tracking::list(app, req).await }),
        ["v1", "visitors", id, "invite"] => {
            methods!(method, { POST => tracking::invite(app, req, id_of(id)?).await })
        }
        ["v1", "departments"] => methods!(method, {
            GET => panel::departments(app, req).await,
            POST => panel::save_department(app, req, None).await,
        }),
        ["v1", "departments", id] => methods!(method, {
            PUT => panel::save_department(app, req, Some(id_of(id)?)).await,
            DELETE => panel::delete_department(app, req, id_of(id)?).await,
        }),
        ["v1", "operators"] => methods!(method, { GET => panel::operators(app, req).await }),
        ["v1", "operators", sip] => methods!(method, {
            GET => panel::operator(app, req, sip).await,
            PUT => panel::save_operator(app, req, sip).await,
            DELETE => panel::delete_operator(app, req, sip).await,
        }),
        ["v1", "canned-responses"] => methods!(method, {
            GET => panel::canned(app, req).await,
            POST => panel::save_canned(app, req, None).await,
        }),
        ["v1", "canned-responses", id] => methods!(method, {
            PUT => panel::save_canned(app, req, Some(id_of(id)?)).await,
            DELETE => panel::delete_canned(app, req, id_of(id)?).await,
        }),
        ["v1", "offline-messages"] => {
            methods!(method, { GET => panel::offline_messages(app, req).await })
        }
        ["v1", "offline-messages", id, "done"] => {
            methods!(method, { POST => panel::offline_done(app, req, id_of(id)?).await })
        }

        ["v1", "chats"] => methods!(method, { GET => chats::list(app, req).await }),
        ["v1", "queue"] => methods!(method, { GET => chats::queue(app, req).await }),
        ["v1", "chats", id, "decline"] => {
            methods!(method, { POST => chats::decline(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "visitor"] => {
            methods!(method, { GET => chats::visitor(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id] => methods!(method, { GET => chats::get(app, req, id_of(id)?).await }),
        ["v1", "chats", id, "accept"] => {
            methods!(method, { POST => chats::accept(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "messages"] => methods!(method, {
            GET => chats::transcript(app, req, id_of(id)?).await,
            POST => chats::post(app, req, id_of(id)?).await,
        }),
        ["v1", "chats", id, "typing"] => {
            methods!(method, { POST => chats::typing(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "transfer"] => {
            methods!(method, { POST => chats::transfer(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "routing"] => {
            methods!(method, { GET => chats::routing(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "close"] => {
            methods!(method, { POST => chats::close(app, req, id_of(id)?).await })
        }
        ["v1", "chats", id, "events"] => {
            methods!(method, { GET => chats::events(app, req, id_of(id)?).await })
        }

        ["v1", "visitor", key, "chats"] => {
            methods!(method, { POST => visitor::start_chat(app, req, key).await })
        }
        ["v1", "visitor", key, "offline-messages"] => {
            methods!(method, { POST => visitor::offline_message(app, req, key).await })
        }
        ["v1", "visitor", key, "window"] => {
            methods!(method, { GET => window::settings(app, req, key).await })
        }
        ["v1", "visitor", key, "page-views"] => {
            methods!(method, { POST => tracking::page_view(app, req, key).await })
        }
        ["v1", "visitor", key, "visitors", id, "events"] => {
            methods!(method, { GET => tracking::events(app, req, key, id_of(id)?).await })
        }
        ["v1", "visitor", key, "visitors", id, "decline"] => {
            methods!(method, { POST => tracking::decline(app, req, key, id_of(id)?).await })
        }

        _ => Err(ApiError::not_found("path")),
    }
}

/// 503 for a request on a connection over the server's cap (see `server::serve`).
pub fn overloaded() -> Response<Body> {
    let mut error = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too_many_connections",
        "the server has too many open connections; try again in a moment",
    );
    // Slots free as soon as other clients finish.
    error.retry_after = Some(std::time::Duration::from_secs(1));
    let mut response = error_response(&error);
    response
        .headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// 405 for `method`, naming the methods the path serves (also in the `Allow` header).
fn not_allowed(method: &Method, allowed: &[&str]) -> ApiError {
    let mut allowed = allowed.to_vec();
    if allowed.contains(&"GET") {
        allowed.push("HEAD");
    }
    let allow = allowed.join(", ");
    let mut error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed here; use {allow}"),
    );
    error.allow = Some(allow);
    error
}

/// Most items one page of a list holds: bounds what one request reads and sends.
pub const MAX_LIST: usize = 500;

/// A page of a list: `?limit=` (at most a maximum) and `?after=` (the last id, or `seq`, of
/// the previous page).
pub struct Page {
    /// Most items to answer.
    pub limit: usize,
    /// The previous page's last id.
    pub after: Option<u64>,
}

impl Page {
    /// `?limit=` (100 when absent, at most [`MAX_LIST`]) and `?after=`.
    pub fn of(req: &Request<Incoming>) -> Result<Page, ApiError> {
        Self::of_up_to(req, 100, MAX_LIST)
    }

    /// `?limit=` (`default` when absent, at most `max`) and `?after=`.
    pub fn of_up_to(req: &Request<Incoming>, default: usize, max: usize) -> Result<Page, ApiError> {
        let number = |name: &'static str| {
            query_param(req, name)
                .map(|raw| {
                    raw.parse::<u64>()
                        .map_err(|_| ApiError::invalid(name, "must be a number"))
                })
                .transpose()
        };
        Ok(Page {
            limit: number("limit")?.map_or(default, |l| (l as usize).min(max)),
            after: number("after")?,
        })
    }
}

/// 204: done, nothing to say.
pub fn no_content() -> Response<Body> {
    respond(StatusCode::NO_CONTENT, "text/plain", Bytes::new())
}

/// A numeric id from a path segment.
fn id_of(segment: &str) -> Result<u64, ApiError> {
    segment
        .parse()
        .map_err(|_| ApiError::invalid("id", format!("\"{segment}\" is not a numeric id")))
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(respond(status, "application/json", Bytes::from(body)))
}

/// A response with a whole body.
pub fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(body).boxed_unsync());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The JSON error response of `error`.
pub fn error_response(error: &ApiError) -> Response<Body> {
    let mut response = respond(error.status, "application/json", Bytes::from(error.body()));
    if let Some(allow) = error
        .allow
        .as_deref()
        .and_then(|a| HeaderValue::from_str(a).ok())
    {
        response.headers_mut().insert(hyper::header::ALLOW, allow);
    }
    if let Some(secs) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(hyper::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if [StatusCode::PAYLOAD_TOO_LARGE, StatusCode::REQUEST_TIMEOUT].contains(&error.status) {
        // The rest of the body was never read: the connection cannot carry another request,
        // and a pooled client must be told so rather than find out mid-request.
        response
            .headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Reads a whole body of at most `limit` bytes within the body read timeout; `code` names
/// the refusal when it is over.
async fn read_body(
    app: &App,
    req: Request<Incoming>,
    limit: usize,
    code: &str,
) -> Result<Bytes, ApiError> {
    let timeout = std::time::Duration::from_secs(app.config.body_read_timeout_secs);
    let collect = Limited::new(req.into_body(), limit).collect();
    let body = tokio::time::timeout(timeout, collect)
        .await
        .map_err(|_| {
            let message = format!("the request body did not arrive within {timeout:?}");
            ApiError::new(StatusCode::REQUEST_TIMEOUT, "body_timeout", message)
        })?
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                let message = format!("the request body is over {limit} bytes");
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
            } else {
                let message = "the request body could not be read";
                ApiError::new(StatusCode::BAD_REQUEST, "body_unreadable", message)
            }
        })?;
    Ok(body.to_bytes())
}

/// Reads and parses a JSON body under the configured size limit.
pub async fn read_json<T: DeserializeOwned>(
    app: &App,
    req: Request<Incoming>,
) -> Result<T, ApiError> {
    read_json_saying(app, req, |e| format!("the JSON body is not valid: {e}")).await
}

/// [`read_json`] for a body that holds secrets (a card's number and CVC): a body it cannot
/// read is refused with where and how it is wrong, never with a value from it.
pub async fn read_secret_json<T: DeserializeOwned>(
    app: &App,
    req: Request<Incoming>,
    expected: &str,
) -> Result<T, ApiError> {
    read_json_saying(app, req, |e| {
        format!(
            "the JSON body is not valid at line {} column {}: {expected}",
            e.line(),
            e.column()
        )
    })
    .await
}

async fn read_json_saying<T: DeserializeOwned>(
    app: &App,
    req: Request<Incoming>,
    say: impl FnOnce(&serde_json::Error) -> String,
) -> Result<T, ApiError> {
    let bytes = read_body(app, req, app.config.max_body_bytes, "body_too_large").await?;
    if bytes.is_empty() {
        let message = "the request needs a JSON body";
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            message,
        ));
    }
    note(|n| {
        if n.audited {
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes) {
                n.fields = map.keys().cloned().collect();
            }
        }
    });
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", say(&e)))
}

/// Reads a raw body (an upload) of at most `max_upload_bytes`.
pub async fn read_upload(app: &App, req: Request<Incoming>) -> Result<Bytes, ApiError> {
    read_body(app, req, app.config.max_upload_bytes, "upload_too_large").await
}

/// The bearer token: `Authorization: Bearer ..`, or `?token=` on the event streams only
/// (EventSource cannot set headers; anywhere else a token in the URL would end up in
/// histories, proxies' logs and `Referer` headers for nothing).
pub fn token(req: &Request<Incoming>) -> Option<String> {
    token_of(req.headers(), req.uri())
}

/// [`token`] from a request's headers and URI.
pub fn token_of(headers: &HeaderMap, uri: &hyper::Uri) -> Option<String> {
    if let Some(value) = headers.get(hyper::header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
            .map(|t| t.trim().to_string());
    }
    if query_token_allowed(uri.path()) {
        uri_param(uri, "token")
    } else {
        None
    }
}

/// Whether `path` is an event stream, the only place `?token=` is read.
fn query_token_allowed(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["v1", "me", "events"] | ["v1", "chats", _, "events"]
    )
}

/// A query parameter, percent-decoded.
pub fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    uri_param(req.uri(), name)
}

/// A query parameter of `uri`, percent-decoded.
fn uri_param(uri: &hyper::Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// Who sent the request.
pub fn principal(app: &App, req: &Request<Incoming>) -> Result<Principal, ApiError> {
    let Some(token) = token(req) else {
        if query_param(req, "token").is_some() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "token_in_query",
                "?token= is accepted only on event streams; send Authorization: Bearer",
            ));
        }
        return Err(Error::Unauthorized.into());
    };
    let principal = app.engine.authenticate(&token)?;
    note(|n| {
        n.tenant = Some(principal.tenant());
        if let Principal::Account { account, .. } = principal {
            n.account = Some(account);
        }
    });
    Ok(principal)
}

/// The signed-in account (operator or admin).
pub fn account(app: &App, req: &Request<Incoming>) -> Result<(TenantId, AccountId), ApiError> {
    match principal(app, req)? {
        Principal::Account { tenant, account } => Ok((tenant, account)),
        Principal::Visitor { .. } => {
            Err(Error::Forbidden("a visitor's chat token cannot use the panel").into())
        }
    }
}

/// The signed-in admin.
pub fn admin(app: &App, req: &Request<Incoming>) -> Result<(TenantId, AccountId), ApiError> {
    let (tenant, id) = account(app, req)?;
    let me = app.engine.account(tenant, id)?;
    match me.role {
        Role::Admin => {
            note(|n| n.actor = Some(me.email));
            Ok((tenant, id))
        }
        Role::Operator => Err(Error::Forbidden("only an admin can change this").into()),
    }
}

/// The `Last-Event-ID` header or `?last_event_id=`.
pub fn last_event_id(req: &Request<Incoming>) -> Result<Option<u64>, ApiError> {
    let raw = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .or_else(|| query_param(req, "last_event_id"));
    raw.filter(|r| !r.is_empty())
        .map(|r| {
            let digits = r.trim();
            match digits.parse() {
                Ok(id) => Ok(id),
                // Saturating: a number past u64 is "later than anything".
                Err(_) if digits.bytes().all(|b| b.is_ascii_digit()) => Ok(u64::MAX),
                Err(_) => Err(ApiError::invalid("last_event_id", "must be a number")),
            }
        })
        .transpose()
}

/// An event-stream response.
pub fn event_stream<B>(body: B) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes, Error = std::convert::Infallible> + Send + 'static,
{
    let mut response = Response::new(body.boxed_unsync());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_values_never_reach_the_access_log() {
        let cases = [
            ("/v1/me/events", "/v1/me/events"),
            ("/v1/me/events?token=abc", "/v1/me/events?token=[redacted]"),
            (
                "/v1/chats/9/events?last_event_id=3&token=abc&x=1",
                "/v1/chats/9/events?last_event_id=3&token=[redacted]&x=1",
            ),
            ("/v1/chats?q=token", "/v1/chats?q=token"),
            ("/v1/x?token", "/v1/x?token"),
            (
                "/v1/x?token=a&token=b",
                "/v1/x?token=[redacted]&token=[redacted]",
            ),
        ];
        for (raw, logged) in cases {
            assert_eq!(redact_tokens(raw), logged);
        }
    }

    #[test]
    fn admin_changes_are_audited_and_nothing_else() {
        let ok = StatusCode::OK;
        let name = |m: Method, path: &str, status| {
            let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            audit_action(&m, &segments, status).map(|(a, t)| format!("{} {t}", a.name()))
        };
        let cases = [
            (Method::PUT, "/v1/company", ok, Some("company.updated ")),
            (Method::GET, "/v1/company", ok, None),
            (
                Method::PUT,
                "/v1/chat-window",
                ok,
                Some("chat_window.updated "),
            ),
            (
                Method::POST,
                "/v1/chat-window/graphics",
                ok,
                Some("graphics.created "),
            ),
            (
                Method::PUT,
                "/v1/chat-window/graphics/5/header",
                ok,
                Some("graphics.updated 5/header"),
            ),
            (
                Method::POST,
                "/v1/chat-window/graphics/5/activate",
                ok,
                Some("graphics.updated 5"),
            ),
            (
                Method::DELETE,
                "/v1/chat-window/graphics/5",
                ok,
                Some("graphics.deleted 5"),
            ),
            (
                Method::PUT,
                "/v1/buttons/custom/online",
                ok,
                Some("buttons.updated online"),
            ),
            (
                Method::DELETE,
                "/v1/buttons/custom",
                ok,
                Some("buttons.deleted "),
            ),
            (
                Method::POST,
                "/v1/departments",
                ok,
                Some("department.created "),
            ),
            (
                Method::PUT,
                "/v1/departments/3",
                ok,
                Some("department.updated 3"),
            ),
            (
                Method::DELETE,
                "/v1/departments/3",
                ok,
                Some("department.deleted 3"),
            ),
            (
                Method::PUT,
                "/v1/operators/10002",
                StatusCode::CREATED,
                Some("operator.created 10002"),
            ),
            (
                Method::PUT,
                "/v1/operators/10002",
                ok,
                Some("operator.updated 10002"),
            ),
            (
                Method::DELETE,
                "/v1/operators/10002",
                ok,
                Some("operator.deleted 10002"),
            ),
            (
                Method::POST,
                "/v1/canned-responses",
                ok,
                Some("canned_response.created "),
            ),
            (
                Method::DELETE,
                "/v1/canned-responses/4",
                ok,
                Some("canned_response.deleted 4"),
            ),
            (Method::POST, "/v1/cards", ok, Some("card.created ")),
            (Method::DELETE, "/v1/cards/8", ok, Some("card.deleted 8")),
            (
                Method::PUT,
                "/v1/me/password",
                ok,
                Some("password.updated "),
            ),
            (Method::PUT, "/v1/me/status", ok, None),
            (Method::POST, "/v1/chats/1/messages", ok, None),
            (Method::POST, "/v1/offline-messages/1/done", ok, None),
            (Method::POST, "/v1/login", ok, None),
            (Method::POST, "/v1/visitor/abc/chats", ok, None),
        ];
        for (method, path, status, want) in cases {
            assert_eq!(
                name(method.clone(), path, status).as_deref(),
                want,
                "{method} {path}"
            );
        }
    }
}
