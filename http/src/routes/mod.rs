//! Request dispatch and the helpers every endpoint uses: JSON in and out under a size limit,
//! bearer tokens, role checks. One file per group of endpoints.

mod account;
mod buttons;
mod chats;
mod graphics;
mod ops;
mod pages;
mod panel;
mod tracking;
mod visitor;
mod window;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, CACHE_CONTROL, CONTENT_TYPE,
};
use hyper::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_engine::model::{AccountId, Role, TenantId};
use switchboard_engine::{Error, Principal};

use crate::error::ApiError;
use crate::server::App;

/// The response body: a whole buffer or an event stream.
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, std::convert::Infallible>;

/// What a handler returns.
pub type Reply = Result<Response<Body>, ApiError>;

/// Answers one request.
pub async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();
    // The visitor API is called by the tracking script from the company's own site.
    let cross_origin = matches!(segments.as_slice(), ["v1", "visitor", ..]);
    if cross_origin && method == Method::OPTIONS {
        return preflight();
    }
    // HEAD is GET without the body: the same status and headers, so every GET resource
    // answers it.
    let head = method == Method::HEAD;
    let routed_as = if head { Method::GET } else { method };
    let mut response = route(&app, &routed_as, &segments, req)
        .await
        .unwrap_or_else(|e| error_response(&e));
    if head {
        let (parts, _) = response.into_parts();
        response = Response::from_parts(parts, Full::new(Bytes::new()).boxed_unsync());
    }
    if cross_origin {
        response
            .headers_mut()
            .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    response
}

/// The answer to a browser's CORS preflight for the public visitor API: any site may call
/// it (it is scoped by the company's public key and carries no credentials).
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
        HeaderValue::from_static("content-type, last-event-id"),
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
        ["metrics"] => methods!(method, { GET => ops::metrics(app) }),
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

/// 204: done, nothing to say.
fn no_content() -> Response<Body> {
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
    let bytes = read_body(app, req, app.config.max_body_bytes, "body_too_large").await?;
    if bytes.is_empty() {
        let message = "the request needs a JSON body";
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            message,
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let message = format!("the JSON body is not valid: {e}");
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
    })
}

/// Reads a raw body (an upload) of at most `max_upload_bytes`.
pub async fn read_upload(app: &App, req: Request<Incoming>) -> Result<Bytes, ApiError> {
    read_body(app, req, app.config.max_upload_bytes, "upload_too_large").await
}

/// The bearer token: `Authorization: Bearer ..`, or `?token=` (EventSource cannot set headers).
pub fn token(req: &Request<Incoming>) -> Option<String> {
    if let Some(value) = req.headers().get(hyper::header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
            .map(|t| t.trim().to_string());
    }
    query_param(req, "token")
}

/// A query parameter, percent-decoded.
pub fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query()?.split('&').find_map(|pair| {
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
    let token = token(req).ok_or(Error::Unauthorized)?;
    Ok(app.engine.authenticate(&token)?)
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
    match app.engine.account(tenant, id)?.role {
        Role::Admin => Ok((tenant, id)),
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
            r.trim()
                .parse()
                .map_err(|_| ApiError::invalid("last_event_id", "must be a number"))
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
