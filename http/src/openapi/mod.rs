//! The API document, `openapi.json`, generated from the code: the wire types derive their
//! schemas in `switchboard-api` (feature `openapi`), and every operation is declared here.
//!
//! The router is a hand-written match on path segments (`routes/mod.rs`), with no handler
//! signature a generator could read, so each operation is a `#[utoipa::path]` on an empty
//! documentation function in the file of its tag: path, method, operation id, parameters,
//! request body, every answer with its headers, and security (`bearer`, or `security(())` for
//! a public one). Answers that are the same everywhere (401, 413, 429, ...) are the reusable
//! responses of [`schemas`]; a per-operation description of one is written inline with
//! [`crate::api::ErrorBody`].
//!
//! The server does not build the document at start-up: `GET /openapi.json` serves the
//! checked-in `http/openapi.json`, and the test `openapi_json_is_up_to_date` keeps that file
//! equal to [`json`] (it rewrites the file and fails when they differ, so a changed type
//! fails CI until the new file is committed). Another test checks that the document and the
//! router name the same paths and methods.
//!
//! # Layout
//! - `api.md`: the document's introduction (`info.description`).
//! - [`schemas`]: what is no wire type: the small answers built in place, raw bodies, fixed
//!   header values, closed sets of path segments, the reusable error answers, the event
//!   streams.
//! - `account`, `panel`, `billing`, `chats`, `visitor`, `tracking`, `graphics`, `buttons`, `pages`,
//!   `ops`: the operations, one file per tag.

// The operations' functions are never called: only their attributes are read.
#[allow(dead_code)]
mod account;
#[allow(dead_code)]
mod billing;
#[allow(dead_code)]
mod buttons;
#[allow(dead_code)]
mod chats;
#[allow(dead_code)]
mod graphics;
#[allow(dead_code)]
mod ops;
#[allow(dead_code)]
mod pages;
#[allow(dead_code)]
mod panel;
pub mod schemas;
#[allow(dead_code)]
mod tracking;
#[allow(dead_code)]
mod visitor;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::{Modify, OpenApi as _};

/// The document: operations, tags, the reusable answers, the security schemes.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Switchboard",
        description = include_str!("api.md").trim_end(),
    ),
    paths(
        ops::get_healthz,
        ops::get_metrics,
        ops::get_openapi_json,
        pages::get_chat_lang_key_and_variables_page_url,
        tracking::get_static_track_js,
        pages::get_static_file,
        pages::get_demo,
        graphics::get_graphics_key_part,
        buttons::get_button_key_lang_style,
        account::post_signup,
        account::post_login,
        account::post_logout,
        account::get_me,
        account::put_me_status,
        account::get_me_events,
        panel::get_company,
        panel::put_company,
        panel::get_chat_window,
        panel::put_chat_window,
        graphics::get_chat_window_graphics,
        graphics::post_chat_window_graphics,
        graphics::delete_chat_window_graphics_id,
        graphics::post_chat_window_graphics_id_activate,
        graphics::put_chat_window_graphics_id_part,
        buttons::get_buttons_code,
        buttons::delete_buttons_custom,
        buttons::put_buttons_custom_state,
        tracking::get_tracking_code,
        tracking::get_visitors,
        tracking::post_visitors_id_invite,
        panel::get_departments,
        panel::post_departments,
        panel::put_departments_id,
        panel::delete_departments_id,
        panel::get_operators,
        panel::get_operators_sip,
        panel::put_operators_sip,
        panel::delete_operators_sip,
        panel::get_canned_responses,
        panel::post_canned_responses,
        panel::put_canned_responses_id,
        panel::delete_canned_responses_id,
        panel::get_offline_messages,
        chats::get_chats,
        chats::get_chats_id,
        chats::post_chats_id_accept,
        chats::get_chats_id_messages,
        chats::post_chats_id_messages,
        chats::post_chats_id_typing,
        chats::post_chats_id_transfer,
        chats::get_chats_id_routing,
        chats::post_chats_id_close,
        chats::get_chats_id_events,
        visitor::post_visitor_key_chats,
        visitor::post_visitor_key_offline_messages,
        visitor::get_visitor_key_window,
        tracking::post_visitor_key_page_views,
        tracking::get_visitor_key_visitors_id_events,
        tracking::post_visitor_key_visitors_id_decline,
        chats::get_queue,
        chats::post_chats_id_decline,
        chats::get_chats_id_visitor,
        account::put_me_password,
        panel::post_offline_messages_id_done,
        ops::get_favicon,
        panel::get_audit_log,
        billing::get_billing,
        billing::get_invoices,
        billing::get_invoices_file,
        billing::get_cards,
        billing::post_cards,
        billing::delete_cards_id,
        billing::post_cards_id_default,
    ),
    // Named by the event streams' `x-sse-data` and by the transcript, which the derive does
    // not follow.
    components(schemas(
        crate::api::ChatEventData,
        crate::api::OperatorEventData,
        crate::api::VisitorEventData,
        schemas::Transcript,
    )),
    tags(
        (
            name = "account",
            description = "Sign-up, sign-in, the signed-in operator and their event stream.",
        ),
        (
            name = "panel",
            description = "Company settings and lists; reads need a session, changes an admin.",
        ),
        (
            name = "chats",
            description = "History, accept, messages both ways, typing, transfer, routing log, \
                           close, the chat's event stream.",
        ),
        (
            name = "visitor",
            description = "The visitor's public side, scoped by the company's chat key: start a \
                           chat, leave an offline message, the chat window's settings.",
        ),
        (
            name = "tracking",
            description = "Visitor tracking and invitations: page views, the visitor's invitation \
                           stream, \"No thanks\", the live visitor list, manual invitations, the \
                           tracking script and its code.",
        ),
        (
            name = "graphics",
            description = "The chat window's header (290x80) and sidebar (90x367) images: slots, \
                           uploads, the active slot, the public images.",
        ),
        (
            name = "buttons",
            description = "Chat buttons: the HTML code, custom GIF buttons, the public button \
                           images.",
        ),
        (
            name = "pages",
            description = "HTML pages and static files: the chat window, its script and styles, \
                           the demo shop.",
        ),
        (
            name = "billing",
            description = "My Account's payments: the plan and its warning, monthly invoices \
                           and their PDFs, saved cards (admin only).",
        ),
        (name = "operations", description = "Health, metrics, this document."),
    ),
    security(("bearer" = [])),
    modifiers(&Components),
)]
struct Document;

/// Adds what the derive has no attribute for: the security schemes and every reusable error
/// answer (an operation names only those it answers).
struct Components;

impl Modify for Components {
    fn modify(&self, document: &mut OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A session token (signup, login) or a visitor's chat token (start chat).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "tokenQuery",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "The same token as a query parameter, for EventSource clients: read only on \
                 `GET /v1/me/events` and `GET /v1/chats/{id}/events`. Anywhere else `?token=` \
                 without an `Authorization` header is refused with 400 `token_in_query`.",
            ))),
        );
        components.responses.extend(schemas::error_responses());
    }
}

/// The API document.
pub fn document() -> OpenApi {
    Document::openapi()
}

/// The API document as `http/openapi.json` holds it: pretty-printed, ending in a newline.
pub fn json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the document serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
