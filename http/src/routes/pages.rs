//! HTML pages: the chat window at the chat URL, and the error pages a browser is shown.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::actors::tenant::GetSnapshot;
use switchboard_engine::Error;

use super::{respond, Reply};
use crate::chat_url::{self, ChatUrlError};
use crate::error::ApiError;
use crate::server::App;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Reply {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
        escape(title),
        escape(title),
        escape(body)
    );
    Ok(respond(
        status,
        "text/html; charset=utf-8",
        Bytes::from(html),
    ))
}

/// `GET /chat/{lang}/{key}[,vars]/{page URL}`: the chat window.
pub async fn chat_window(app: &Arc<App>, req: &Request<Incoming>) -> Reply {
    let url = match chat_url::parse(req.uri().path(), req.uri().query()) {
        Ok(url) => url,
        Err(ChatUrlError::Incomplete) => {
            return page(
                StatusCode::NOT_FOUND,
                "Chat not found",
                "This chat link is incomplete: it needs a language and a company key.",
            )
        }
        Err(ChatUrlError::Variables(why)) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Bad chat link",
                &format!("The chat link's variables are malformed: {why}."),
            )
        }
    };
    let Ok(tenant) = app.engine.tenant_by_key(&url.key) else {
        return page(
            StatusCode::NOT_FOUND,
            "Chat not found",
            "No company uses this chat key.",
        );
    };
    let snapshot = app
        .engine
        .tenant(tenant)
        .map_err(ApiError::from)?
        .send(GetSnapshot)
        .await
        .map_err(Error::from)?;
    let lang = if crate::LANGUAGES.contains(&url.lang.as_str()) {
        url.lang.clone()
    } else {
        snapshot.tenant.window.language.clone()
    };
    let dir = if crate::RTL_LANGUAGES.contains(&lang.as_str()) {
        "rtl"
    } else {
        "ltr"
    };
    let html = format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{company}</title></head>\
         <body data-key=\"{key}\" data-name=\"{name}\" data-email=\"{email}\" data-operator=\"{operator}\" data-page=\"{page}\">\
         <h1>{company}</h1></body></html>",
        company = escape(&snapshot.tenant.company.name),
        key = escape(&url.key),
        name = escape(url.name.as_deref().unwrap_or("")),
        email = escape(url.email.as_deref().unwrap_or("")),
        operator = escape(url.operator.as_deref().unwrap_or("")),
        page = escape(&url.page_url),
    );
    Ok(respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        Bytes::from(html),
    ))
}
