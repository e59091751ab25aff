//! The chat window: its page at the chat URL, its static assets, its settings for the page's
//! script, and the demo shop page.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::Reply;
use crate::error::ApiError;
use crate::server::App;

fn todo() -> Reply {
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "not built yet",
    ))
}

/// `GET /chat/{lang}/{key}[,vars]/{page URL}`: the chat window page.
pub async fn chat_window(app: &Arc<App>, req: &Request<Incoming>) -> Reply {
    super::pages::chat_window(app, req).await
}

/// `GET /static/{file}`: the window's script, styles and default images.
pub fn asset(_file: &str) -> Reply {
    todo()
}

/// `GET /demo`: a small shop page with the chat button and the tracking script.
pub async fn demo(_app: &Arc<App>) -> Reply {
    todo()
}

/// `GET /v1/visitor/{key}/window?lang=`: what the window's script needs.
pub async fn settings(_app: &Arc<App>, _req: Request<Incoming>, _key: &str) -> Reply {
    todo()
}
