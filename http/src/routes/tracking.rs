//! Visitor tracking and invitations: page views, the live visitor list, invitations (automatic
//! and manual), "No thanks", and the tracking script.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::Reply;
use crate::error::ApiError;
use crate::server::App;

/// The tracking snippet a company puts on every page.
pub fn snippet(base_url: &str, key: &str, lang: &str) -> String {
    format!("<script src=\"{base_url}/static/track.js\" data-key=\"{key}\" data-lang=\"{lang}\" async></script>")
}

fn todo() -> Reply {
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "not built yet",
    ))
}

/// `GET /static/track.js`.
pub fn script(_app: &Arc<App>) -> Reply {
    todo()
}

/// `GET /v1/tracking/code`: the `<script>` snippet for the company's pages.
pub async fn code(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `POST /v1/visitor/{key}/page-views`.
pub async fn page_view(_app: &Arc<App>, _req: Request<Incoming>, _key: &str) -> Reply {
    todo()
}

/// `GET /v1/visitor/{key}/visitors/{id}/events`: invitations for one visitor.
pub async fn events(_app: &Arc<App>, _req: Request<Incoming>, _key: &str, _id: u64) -> Reply {
    todo()
}

/// `POST /v1/visitor/{key}/visitors/{id}/decline`: "No thanks".
pub async fn decline(_app: &Arc<App>, _req: Request<Incoming>, _key: &str, _id: u64) -> Reply {
    todo()
}

/// `GET /v1/visitors`: the live visitor list.
pub async fn list(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `POST /v1/visitors/{id}/invite`: an operator invites a visitor.
pub async fn invite(_app: &Arc<App>, _req: Request<Incoming>, _id: u64) -> Reply {
    todo()
}
