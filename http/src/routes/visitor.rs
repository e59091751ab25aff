//! The visitor's public API, scoped by the company's chat key: start a chat, leave an
//! offline message.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::engine::StartChat;
use switchboard_engine::model::{operator_by_sip, ChatState, OfflineMessage};
use switchboard_engine::text::{is_web_url, multi_line, one_line};

use super::{json, read_json, Reply};
use crate::api;
use crate::error::ApiError;
use crate::server::App;

/// Longest page URL, title or referrer kept; browsers allow more, but nobody needs it in a
/// chat record or a visitor's page list.
pub const MAX_URL_CHARS: usize = 2048;

/// Longest visitor name.
const MAX_NAME_CHARS: usize = 100;

/// Longest offline message, in characters.
pub const MAX_OFFLINE_CHARS: usize = 10_000;

/// A short text field: control characters and escape sequences stripped (line breaks and
/// tabs become spaces), trimmed, bounded.
pub fn short_text(
    field: &'static str,
    value: Option<String>,
    max: usize,
) -> Result<String, ApiError> {
    let value = one_line(&value.unwrap_or_default());
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("use at most {max} characters"),
        ));
    }
    Ok(value)
}

/// A page URL: empty, or an absolute http(s) URL of at most [`MAX_URL_CHARS`]; `javascript:`
/// and every other scheme are refused, since operators open page URLs as links.
pub fn page_url(field: &'static str, value: Option<String>) -> Result<String, ApiError> {
    let url = short_text(field, value, MAX_URL_CHARS)?;
    if !url.is_empty() && !is_web_url(&url) {
        return Err(ApiError::invalid(
            field,
            "use an absolute http:// or https:// URL",
        ));
    }
    Ok(url)
}

/// An optional email: empty, or a valid address.
fn optional_email(value: Option<String>) -> Result<String, ApiError> {
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        Some(email) => Ok(switchboard_engine::engine::normalize_email(&email)?),
        None => Ok(String::new()),
    }
}

/// `POST /v1/visitor/{key}/chats`: starts a chat; `state` says waiting or offline.
pub async fn start_chat(app: &Arc<App>, req: Request<Incoming>, key: &str) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let body: api::StartChatRequest = read_json(app, req).await?;
    let lang = match body.lang {
        Some(lang) if crate::api::languages::CODES.contains(&lang.as_str()) => lang,
        Some(lang) if !lang.is_empty() => {
            return Err(ApiError::invalid(
                "lang",
                format!("\"{lang}\" is not a supported language code"),
            ))
        }
        _ => app.engine.view(tenant)?.tenant.window.language.clone(),
    };
    let started = app
        .engine
        .start_chat(
            tenant,
            StartChat {
                visitor: body.visitor_id,
                name: short_text("name", body.name, MAX_NAME_CHARS)?,
                email: optional_email(body.email)?,
                department: body.department,
                operator: body.operator.filter(|o| !o.is_empty()),
                page_url: page_url("page_url", body.page_url)?,
                lang,
            },
        )
        .await?;
    started.ticket.durable().await?;
    // A started chat is routed (waiting, whether or not it was offered yet) or offline.
    let state = if started.chat.state == ChatState::Offline {
        api::ChatState::Offline
    } else {
        api::ChatState::Waiting
    };
    json(
        StatusCode::CREATED,
        &api::StartChatResponse {
            chat_id: started.chat.id,
            token: started.token,
            state,
            visitor_id: started.chat.visitor,
        },
    )
}

/// `POST /v1/visitor/{key}/offline-messages`: stored, and listed for the company's operators.
pub async fn offline_message(app: &Arc<App>, req: Request<Incoming>, key: &str) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let body: api::OfflineMessageRequest = read_json(app, req).await?;
    let name = short_text("name", Some(body.name), MAX_NAME_CHARS)?;
    if name.is_empty() {
        return Err(ApiError::invalid("name", "give your name"));
    }
    let email = switchboard_engine::engine::normalize_email(&body.email)?;
    let message = multi_line(&body.message).trim().to_string();
    if message.is_empty() || message.chars().count() > MAX_OFFLINE_CHARS {
        return Err(ApiError::invalid(
            "message",
            format!("give 1 to {MAX_OFFLINE_CHARS} characters"),
        ));
    }
    let snapshot = app.engine.view(tenant)?;
    if let Some(d) = body.department {
        if !snapshot.departments.iter().any(|x| x.id == d) {
            return Err(ApiError::invalid(
                "department",
                format!("no department has id {d}"),
            ));
        }
    }
    let sip = body.operator.filter(|o| !o.is_empty());
    // A link naming an unknown operator still leaves its message with the company.
    let operator = operator_by_sip(&snapshot.accounts, sip.as_deref()).unwrap_or(None);
    let stored = app
        .engine
        .leave_offline_message(
            tenant,
            OfflineMessage {
                id: 0,
                name,
                email,
                message,
                department: body.department,
                operator,
                at: 0,
                done: false,
            },
        )
        .await?;
    json(
        StatusCode::CREATED,
        &crate::routes::panel::offline_message_wire(&stored, &snapshot),
    )
}
