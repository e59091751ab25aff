//! Visitor tracking and invitations: page views, the live visitor list, invitations (automatic
//! and manual), "No thanks", and the tracking script.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use switchboard_engine::engine::PageView;
use switchboard_engine::events::{Sequenced, VisitorEvent};
use switchboard_engine::model::VisitorId;

use super::visitor::{page_url, short_text, MAX_URL_CHARS};
use super::{account, event_stream, json, query_param, read_json, respond, Reply};
use crate::api;
use crate::error::ApiError;
use crate::server::App;
use crate::sse::{frame, SseBody};
use switchboard_engine::text::is_web_url;

/// The tracking script, served as it is.
const SCRIPT: &str = include_str!("../../assets/track.js");

/// Largest visitor id: ids are below 2^53 so JavaScript holds them exactly.
const MAX_VISITOR_ID: u64 = (1 << 53) - 1;

/// The tracking snippet a company puts on every page.
pub fn snippet(base_url: &str, key: &str, lang: &str) -> String {
    format!("<script src=\"{base_url}/static/track.js\" data-key=\"{key}\" data-lang=\"{lang}\" async></script>")
}

fn visitor_id(id: u64) -> Result<VisitorId, ApiError> {
    if id == 0 || id > MAX_VISITOR_ID {
        return Err(ApiError::invalid(
            "visitor_id",
            "use the id the server gave",
        ));
    }
    Ok(id)
}

/// `GET /static/track.js`.
pub fn script(_app: &Arc<App>) -> Reply {
    let mut response = respond(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        Bytes::from_static(SCRIPT.as_bytes()),
    );
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

/// `GET /v1/tracking/code?lang=`: the `<script>` snippet for the company's pages.
pub async fn code(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let snapshot = app.engine.view(tenant)?;
    let lang = query_param(&req, "lang").unwrap_or(snapshot.tenant.window.language.clone());
    if !crate::api::languages::CODES.contains(&lang.as_str()) {
        return Err(ApiError::invalid(
            "lang",
            format!("\"{lang}\" is not one of the 52 language codes"),
        ));
    }
    let html = snippet(&app.base_url, &snapshot.tenant.company.key, &lang);
    json(
        StatusCode::OK,
        &api::TrackingCode {
            html,
            tracking: snapshot.tenant.window.tracking,
        },
    )
}

/// `POST /v1/visitor/{key}/page-views`.
pub async fn page_view(app: &Arc<App>, req: Request<Incoming>, key: &str) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let body: api::PageViewRequest = read_json(app, req).await?;
    let visitor = body.visitor_id.map(visitor_id).transpose()?;
    let url = page_url("url", Some(body.url))?;
    if url.is_empty() {
        return Err(ApiError::invalid("url", "give the page's URL"));
    }
    let mut referrer = short_text("referrer", body.referrer, MAX_URL_CHARS)?;
    // A referrer is the browser's word, not the visitor's: one of another scheme (an app's
    // `android-app:` for one) is dropped rather than losing the page view.
    if !is_web_url(&referrer) {
        referrer.clear();
    }
    let view = PageView {
        visitor,
        url,
        title: short_text("title", body.title, MAX_URL_CHARS)?,
        referrer,
    };
    let id = app.engine.page_view(tenant, view).await?;
    let tracking = app.engine.view(tenant)?.tenant.window.tracking;
    json(
        StatusCode::OK,
        &api::PageViewResponse {
            visitor_id: id,
            tracked: tracking,
        },
    )
}

/// `GET /v1/visitor/{key}/visitors/{id}/events`: invitations for one visitor.
pub async fn events(app: &Arc<App>, _req: Request<Incoming>, key: &str, id: u64) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let subscription = app.engine.visitor_events(tenant, visitor_id(id)?).await?;
    Ok(event_stream(SseBody::new(
        subscription,
        encode,
        app.metrics.clone(),
        app.shutdown.clone(),
    )))
}

fn encode(event: &Sequenced<VisitorEvent>) -> Bytes {
    let data = match &event.event {
        VisitorEvent::Invitation { by } => api::VisitorEventData::Invitation { by: by.clone() },
        VisitorEvent::Availability { online } => {
            api::VisitorEventData::Availability { online: *online }
        }
    };
    frame(event.seq, data.name(), &data)
}

/// `POST /v1/visitor/{key}/visitors/{id}/decline`: "No thanks", stored before the answer.
pub async fn decline(app: &Arc<App>, _req: Request<Incoming>, key: &str, id: u64) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    app.engine
        .decline_invitations(tenant, visitor_id(id)?)
        .await?;
    json(StatusCode::OK, &serde_json::json!({ "declined": true }))
}

/// `GET /v1/visitors`: the visitors on the site, most recently active first.
pub async fn list(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let page = super::Page::of(&req)?;
    let snapshot = app.engine.snapshot(tenant).await?;
    // Most recently active first; `after` is the last visitor id of the previous page (a
    // visitor who moved since may show again or be skipped: the list is live).
    let start = page.after.map_or(0, |after| {
        snapshot
            .visitors
            .iter()
            .position(|v| v.id == after)
            .map_or(0, |i| i + 1)
    });
    let visitors: Vec<api::Visitor> = snapshot
        .visitors
        .iter()
        .skip(start)
        .take(page.limit)
        .map(|v| crate::convert::visitor(v))
        .collect();
    json(StatusCode::OK, &visitors)
}

/// `POST /v1/visitors/{id}/invite`: an operator invites a visitor who is on the site.
pub async fn invite(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, account) = account(app, &req)?;
    let by = app.engine.account(tenant, account)?.name;
    app.engine.invite(tenant, id, by).await?;
    json(StatusCode::OK, &serde_json::json!({ "invited": id }))
}
