//! Operations tagged `visitor`: the visitor's public side, scoped by the company's chat key: start
//! a chat, leave an offline message, the chat window's settings.

use super::schemas::{AnyOrigin, PayloadTooLarge, RequestTimeout, TooManyRequests};
use crate::api::{
    ErrorBody, OfflineMessage, OfflineMessageRequest, StartChatRequest, StartChatResponse,
    WindowSettings,
};

/// Start a chat.
///
/// Answers once the chat and its token are durable. `state` says whether it is waiting for an
/// operator or the offline form should be shown. `page_url`, when given, must be an absolute
/// `http://` or `https://` URL (400 `invalid_page_url`). Control characters and escape sequences
/// are stripped from `name`.
#[utoipa::path(
    post,
    path = "/v1/visitor/{key}/chats",
    operation_id = "postV1VisitorKeyChats",
    tag = "visitor",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
    ),
    request_body = StartChatRequest,
    responses(
        (status = 201, description = "Started.", body = StartChatResponse),
        (
            status = 400,
            description = "`invalid_json`, `invalid_lang`, `invalid_name`, `invalid_email`, \
                           `invalid_page_url`, `invalid_department`, `invalid_operator`.",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(()),
)]
pub(super) fn post_visitor_key_chats() {}

/// Leave an offline message.
#[utoipa::path(
    post,
    path = "/v1/visitor/{key}/offline-messages",
    operation_id = "postV1VisitorKeyOfflineMessages",
    tag = "visitor",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
    ),
    request_body = OfflineMessageRequest,
    responses(
        (
            status = 201,
            description = "Stored; listed for the company's operators.",
            body = OfflineMessage,
        ),
        (
            status = 400,
            description = "`invalid_json`, `invalid_name`, `invalid_email`, `invalid_message` (1 \
                           to 10000 characters), `invalid_department`, `invalid_operator`.",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(()),
)]
pub(super) fn post_visitor_key_offline_messages() {}

/// The chat window's settings and texts.
///
/// The same settings the chat window page carries inline.
#[utoipa::path(
    get,
    path = "/v1/visitor/{key}/window",
    operation_id = "getV1VisitorKeyWindow",
    tag = "visitor",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
        (
            "lang" = Option<String>,
            Query,
            description = "Language asked for (any case); an unknown or absent code gives the \
                           company's default language.",
        ),
    ),
    responses(
        (
            status = 200,
            description = "The settings, in the resolved language.",
            body = WindowSettings,
            headers(
                ("Access-Control-Allow-Origin" = inline(AnyOrigin), description = "Any origin \
                                                                                   may read it: \
                                                                                   the tracking \
                                                                                   script \
                                                                                   fetches it \
                                                                                   from the \
                                                                                   company's \
                                                                                   site for the \
                                                                                   invitation's \
                                                                                   texts."),
            ),
        ),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_visitor_key_window() {}
