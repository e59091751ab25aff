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
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
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
    let reply = route(&app, &method, &segments, req).await;
    reply.unwrap_or_else(|e| error_response(&e))
}

async fn route(app: &Arc<App>, method: &Method, path: &[&str], req: Request<Incoming>) -> Reply {
    use Method as M;
    match (method, path) {
        (&M::GET, ["healthz"]) => ops::healthz(app),
        (&M::GET, ["metrics"]) => ops::metrics(app),
        (&M::GET, ["openapi.json"]) => ops::openapi(),
        (&M::GET, ["chat", ..]) => window::chat_window(app, &req).await,
        (&M::GET, ["static", "track.js"]) => tracking::script(app),
        (&M::GET, ["static", file]) => window::asset(file),
        (&M::GET, ["demo"]) => window::demo(app).await,
        (&M::GET, ["graphics", key, part]) => graphics::image(app, key, part).await,
        (&M::GET, ["button", key, lang, style]) => buttons::image(app, key, lang, style).await,

        (&M::POST, ["v1", "signup"]) => account::signup(app, req).await,
        (&M::POST, ["v1", "login"]) => account::login(app, req).await,
        (&M::POST, ["v1", "logout"]) => account::logout(app, req).await,
        (&M::GET, ["v1", "me"]) => account::me(app, req).await,
        (&M::PUT, ["v1", "me", "status"]) => account::set_status(app, req).await,
        (&M::GET, ["v1", "me", "events"]) => account::events(app, req).await,

        (&M::GET, ["v1", "company"]) => panel::company(app, req).await,
        (&M::PUT, ["v1", "company"]) => panel::update_company(app, req).await,
        (&M::GET, ["v1", "chat-window"]) => panel::chat_window(app, req).await,
        (&M::PUT, ["v1", "chat-window"]) => panel::update_chat_window(app, req).await,
        (&M::GET, ["v1", "chat-window", "graphics"]) => graphics::list(app, req).await,
        (&M::POST, ["v1", "chat-window", "graphics"]) => graphics::create_slot(app, req).await,
        (&M::PUT, ["v1", "chat-window", "graphics", id, part]) => {
            graphics::upload(app, req, id_of(id)?, part).await
        }
        (&M::POST, ["v1", "chat-window", "graphics", id, "activate"]) => {
            graphics::activate(app, req, id).await
        }
        (&M::DELETE, ["v1", "chat-window", "graphics", id]) => {
            graphics::delete(app, req, id_of(id)?).await
        }
        (&M::GET, ["v1", "buttons", "code"]) => buttons::code(app, req).await,
        (&M::PUT, ["v1", "buttons", "custom", state]) => {
            buttons::upload_custom(app, req, state).await
        }
        (&M::DELETE, ["v1", "buttons", "custom"]) => buttons::delete_custom(app, req).await,
        (&M::GET, ["v1", "tracking", "code"]) => tracking::code(app, req).await,
        (&M::GET, ["v1", "visitors"]) => tracking::list(app, req).await,
        (&M::POST, ["v1", "visitors", id, "invite"]) => {
            tracking::invite(app, req, id_of(id)?).await
        }
        (&M::GET, ["v1", "departments"]) => panel::departments(app, req).await,
        (&M::POST, ["v1", "departments"]) => panel::save_department(app, req, None).await,
        (&M::PUT, ["v1", "departments", id]) => {
            panel::save_department(app, req, Some(id_of(id)?)).await
        }
        (&M::DELETE, ["v1", "departments", id]) => {
            panel::delete_department(app, req, id_of(id)?).await
        }
        (&M::GET, ["v1", "operators"]) => panel::operators(app, req).await,
        (&M::GET, ["v1", "operators", sip]) => panel::operator(app, req, sip).await,
        (&M::PUT, ["v1", "operators", sip]) => panel::save_operator(app, req, sip).await,
        (&M::DELETE, ["v1", "operators", sip]) => panel::delete_operator(app, req, sip).await,
        (&M::GET, ["v1", "canned-responses"]) => panel::canned(app, req).await,
        (&M::POST, ["v1", "canned-responses"]) => panel::save_canned(app, req, None).await,
        (&M::PUT, ["v1", "canned-responses", id]) => {
            panel::save_canned(app, req, Some(id_of(id)?)).await
        }
        (&M::DELETE, ["v1", "canned-responses", id]) => {
            panel::delete_canned(app, req, id_of(id)?).await
        }
        (&M::GET, ["v1", "offline-messages"]) => panel::offline_messages(app, req).await,

        (&M::GET, ["v1", "chats"]) => chats::list(app, req).await,
        (&M::GET, ["v1", "chats", id]) => chats::get(app, req, id_of(id)?).await,
        (&M::POST, ["v1", "chats", id, "accept"]) => chats::accept(app, req, id_of(id)?).await,
        (&M::GET, ["v1", "chats", id, "messages"]) => chats::transcript(app, req, id_of(id)?).await,
        (&M::POST, ["v1", "chats", id, "messages"]) => chats::post(app, req, id_of(id)?).await,
        (&M::POST, ["v1", "chats", id, "typing"]) => chats::typing(app, req, id_of(id)?).await,
        (&M::POST, ["v1", "chats", id, "transfer"]) => chats::transfer(app, req, id_of(id)?).await,
        (&M::GET, ["v1", "chats", id, "routing"]) => chats::routing(app, req, id_of(id)?).await,
        (&M::POST, ["v1", "chats", id, "close"]) => chats::close(app, req, id_of(id)?).await,
        (&M::GET, ["v1", "chats", id, "events"]) => chats::events(app, req, id_of(id)?).await,

        (&M::POST, ["v1", "visitor", key, "chats"]) => visitor::start_chat(app, req, key).await,
        (&M::POST, ["v1", "visitor", key, "offline-messages"]) => {
            visitor::offline_message(app, req, key).await
        }
        (&M::GET, ["v1", "visitor", key, "window"]) => window::settings(app, req, key).await,
        (&M::POST, ["v1", "visitor", key, "page-views"]) => {
            tracking::page_view(app, req, key).await
        }
        (&M::GET, ["v1", "visitor", key, "visitors", id, "events"]) => {
            tracking::events(app, req, key, id_of(id)?).await
        }
        (&M::POST, ["v1", "visitor", key, "visitors", id, "decline"]) => {
            tracking::decline(app, req, key, id_of(id)?).await
        }

        _ if known_path(path) => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not allowed on this path"),
        )),
        _ => Err(ApiError::not_found("path")),
    }
}

/// Whether some method serves `path` (for 405 rather than 404).
fn known_path(path: &[&str]) -> bool {
    matches!(
        path,
        ["healthz" | "metrics" | "openapi.json"]
            | [
                "v1",
                "signup" | "login" | "logout" | "me" | "company" | "chat-window"
            ]
            | [
                "v1",
                "departments" | "operators" | "canned-responses" | "offline-messages" | "chats",
                ..
            ]
            | ["v1", "me", _]
            | ["v1", "visitor", _, _]
    )
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
    respond(error.status, "application/json", Bytes::from(error.body()))
}

/// Reads and parses a JSON body under the configured size limit.
pub async fn read_json<T: DeserializeOwned>(
    app: &App,
    req: Request<Incoming>,
) -> Result<T, ApiError> {
    let limit = app.config.max_body_bytes;
    let body = Limited::new(req.into_body(), limit)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("the request body is over {limit} bytes"),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    "the request body could not be read",
                )
            }
        })?;
    let bytes = body.to_bytes();
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "the request needs a JSON body",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the JSON body is not valid: {e}"),
        )
    })
}

/// Reads a raw body (an upload) of at most `max_upload_bytes`.
pub async fn read_upload(app: &App, req: Request<Incoming>) -> Result<Bytes, ApiError> {
    let limit = app.config.max_upload_bytes;
    let body = Limited::new(req.into_body(), limit)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "upload_too_large",
                    format!("the upload is over {limit} bytes"),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    "the request body could not be read",
                )
            }
        })?;
    Ok(body.to_bytes())
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
