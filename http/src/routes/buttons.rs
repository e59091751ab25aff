//! Chat buttons: the HTML code, the standard online/offline images in every language, and
//! custom GIF buttons.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};

use super::Reply;
use crate::error::ApiError;
use crate::server::App;

/// The chat button's HTML: the button image, opening the chat window with exactly the
/// reference product's `window.open` call.
pub fn button_html(base_url: &str, key: &str, lang: &str, style: &str) -> String {
    format!(
        "<img src=\"{base_url}/button/{key}/{lang}/{style}\" alt=\"Live chat\" style=\"cursor:pointer;border:0\" \
         onclick=\"window.open('{base_url}/chat/{lang}/{key}/'+document.location.href,'','height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\">"
    )
}

fn todo() -> Reply {
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "not built yet",
    ))
}

/// `GET /v1/buttons/code?lang=&style=`.
pub async fn code(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `PUT /v1/buttons/custom/{online|offline}`: a GIF upload.
pub async fn upload_custom(_app: &Arc<App>, _req: Request<Incoming>, _state: &str) -> Reply {
    todo()
}

/// `DELETE /v1/buttons/custom`: back to the standard buttons.
pub async fn delete_custom(_app: &Arc<App>, _req: Request<Incoming>) -> Reply {
    todo()
}

/// `GET /button/{key}/{lang}/{style}`: the button image, online or offline right now.
pub async fn image(_app: &Arc<App>, _key: &str, _lang: &str, _style: &str) -> Reply {
    todo()
}
