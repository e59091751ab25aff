//! Operations: health, Prometheus metrics, the OpenAPI document.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;

use super::{json, respond, Reply};
use crate::server::App;

/// The API description, kept next to the code it describes.
const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /healthz`: 200 `{"status":"ok"}` when the server answers, storage reads and takes
/// writes; 503 `disk_full` while the disk is full (reads still work, writes are refused until
/// space is freed and the store has reopened the database), 503 `storage_unavailable` when
/// storage does not read.
pub fn healthz(app: &Arc<App>) -> Reply {
    if app.engine.store().health() == switchboard_storage::Health::DiskFull {
        return Err(crate::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "disk_full",
            "the disk holding the database is full: writes are refused until space is freed",
        ));
    }
    // A key no company has: the lookup reads the store and finds nothing.
    match app.engine.tenant_by_key("0000000000000000") {
        Ok(_) | Err(switchboard_engine::Error::NotFound(_)) => {
            json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
        }
        Err(e) => {
            tracing::error!("health check: storage does not read: {e}");
            Err(crate::error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "storage does not answer",
            ))
        }
    }
}

/// The site icon: a speech bubble in the chat button's green.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M4 4h24a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" fill="#1a7f37"/><circle cx="10" cy="13.5" r="2" fill="#fff"/><circle cx="16" cy="13.5" r="2" fill="#fff"/><circle cx="22" cy="13.5" r="2" fill="#fff"/></svg>"##;

/// `GET /favicon.ico`: an SVG icon, so browsers stop asking and logs stop showing 404s.
pub fn favicon() -> Reply {
    let mut response = respond(
        StatusCode::OK,
        "image/svg+xml",
        Bytes::from_static(FAVICON.as_bytes()),
    );
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

/// `GET /metrics`: Prometheus text format.
pub fn metrics(app: &Arc<App>) -> Reply {
    let m = app.engine.metrics();
    let mut out = String::new();
    let counters = [
        (
            "switchboard_chats_started_total",
            "Chats visitors started.",
            m.chats_started.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_routed_total",
            "Chats an operator accepted.",
            m.chats_routed.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_timed_out_total",
            "Chats that reached the connection timeout.",
            m.chats_timed_out.load(Ordering::Relaxed),
        ),
        (
            "switchboard_chats_offline_total",
            "Chats sent to the offline form at once.",
            m.chats_offline.load(Ordering::Relaxed),
        ),
        (
            "switchboard_messages_total",
            "Messages written to chat logs.",
            m.messages.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in counters {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        );
    }
    let gauges = [
        (
            "switchboard_open_streams",
            "Open event streams.",
            m.open_streams.load(Ordering::Relaxed),
        ),
        (
            "switchboard_queue_length",
            "Chats waiting in queues.",
            m.queue_length.load(Ordering::Relaxed),
        ),
        (
            "switchboard_tenant_actors",
            "Companies active in memory.",
            m.tenant_actors.load(Ordering::Relaxed),
        ),
        (
            "switchboard_operator_actors",
            "Operator hubs running.",
            m.operator_actors.load(Ordering::Relaxed),
        ),
        (
            "switchboard_visitor_actors",
            "Visitor actors running.",
            m.visitor_actors.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        );
    }
    Ok(respond(
        StatusCode::OK,
        "text/plain; version=0.0.4",
        Bytes::from(out),
    ))
}

/// `GET /openapi.json`.
pub fn openapi() -> Reply {
    Ok(respond(
        StatusCode::OK,
        "application/json",
        Bytes::from_static(OPENAPI.as_bytes()),
    ))
}
