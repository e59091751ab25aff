//! Chat-window graphics: custom header and sidebar images in slots, one slot active.

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

/// `GET /v1/chat-window/graphics`.
pub async fn list(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `POST /v1/chat-window/graphics`: a new empty slot.
pub async fn create_slot(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `PUT /v1/chat-window/graphics/{id}/{header|sidebar}`: an image upload.
pub async fn upload(_app: &Arc<App>, _req: Request<Incoming>, _id: u64, _part: &str) -> Reply {
    todo()
}

/// `POST /v1/chat-window/graphics/{id|default}/activate`.
pub async fn activate(_app: &Arc<App>, _req: Request<Incoming>, _id: &str) -> Reply {
    todo()
}

/// `DELETE /v1/chat-window/graphics/{id}`.
pub async fn delete(_app: &Arc<App>, _req: Request<Incoming>, _id: u64) -> Reply {
    todo()
}

/// `GET /graphics/{key}/{header|sidebar}`: the active image, or the default.
pub async fn image(_app: &Arc<App>, _key: &str, _part: &str) -> Reply {
    todo()
}
