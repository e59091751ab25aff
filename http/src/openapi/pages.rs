//! Operations tagged `pages`: hTML pages and static files: the chat window, its script and styles,
//! the demo shop.

use super::schemas::{FiveMinutes, StaticFile, Text};
use crate::api::ErrorBody;

/// The visitor's chat window (HTML).
///
/// The chat URL `/chat/{lang}/{key}[,name=..][,email=..][,operator=..][,visitor=..]/{page URL}`.
/// The page URL is everything after the key segment's slash (it may contain slashes and be empty,
/// and the trailing `/{page_url}` may be left out), plus the request's query string. Variable
/// values use `+` for spaces and percent-escapes; each at most 200 printable characters and given
/// at most once. Every path under `/chat` is this page (a link without a language or a key answers
/// the 404 page). The page carries the company's WindowSettings inline; errors are HTML pages, not
/// JSON.
#[utoipa::path(
    get,
    path = "/chat/{lang}/{key_and_variables}/{page_url}",
    operation_id = "getChatLangKeyAndVariablesPageUrl",
    tag = "pages",
    params(
        (
            "lang" = String,
            Path,
            description = "Window language code (case-insensitive); an unknown code falls back \
                           to the company's default language.",
        ),
        (
            "key_and_variables" = String,
            Path,
            example = "abcdef0123456789,name=Visitor+Name,email=visitor@email.com,operator=10002",
            description = "The company's public chat key, optionally followed by \
                           `,name=<value>`, `,email=<value>`, `,operator=<SIP username>` \
                           (pre-fill the welcome form; `operator` sends the chat to that \
                           operator, bypassing routing) and `,visitor=<id>` (a number: the \
                           tracked visitor's id, added by the tracking script so the chat is \
                           linked to the visitor list).",
        ),
        (
            "page_url" = String,
            Path,
            example = "https://shop.example/p/1",
            description = "The page the visitor was on, appended raw (may contain `/`; may be \
                           empty).",
        ),
    ),
    responses(
        (
            status = 200,
            description = "The chat window.",
            body = inline(Text),
            content_type = "text/html",
            headers(
                ("Content-Security-Policy" = String, description = "Only this server's script, \
                                                                    styles and images; nothing \
                                                                    inline runs."),
            ),
        ),
        (
            status = 400,
            description = "Bad chat link: the variables are malformed (not name=value, unknown \
                           name, given twice, bad percent-encoding, too long or control \
                           characters, or a `visitor` that is not a number).",
            body = inline(Text),
            content_type = "text/html",
            headers(
                ("Content-Security-Policy" = String, description = "Only this server's script, \
                                                                    styles and images; nothing \
                                                                    inline runs."),
            ),
        ),
        (
            status = 404,
            description = "Chat not found: the link is incomplete (no language or key) or no \
                           company uses the key.",
            body = inline(Text),
            content_type = "text/html",
            headers(
                ("Content-Security-Policy" = String, description = "Only this server's script, \
                                                                    styles and images; nothing \
                                                                    inline runs."),
            ),
        ),
    ),
    security(()),
)]
pub(super) fn get_chat_lang_key_and_variables_page_url() {}

/// The chat window's script and styles.
#[utoipa::path(
    get,
    path = "/static/{file}",
    operation_id = "getStaticFile",
    tag = "pages",
    params(
        (
            "file" = inline(StaticFile),
            Path,
            description = "The file name.",
        ),
    ),
    responses(
        (
            status = 200,
            description = "The file: `chat.js` as `text/javascript; charset=utf-8`, `chat.css` \
                           and `demo.css` as `text/css; charset=utf-8`.",
            content((inline(Text) = "text/javascript"), (inline(Text) = "text/css")),
            headers(
                ("Cache-Control" = inline(FiveMinutes)),
            ),
        ),
        (status = 404, description = "`not_found`: no such static file.", body = ErrorBody),
    ),
    security(()),
)]
pub(super) fn get_static_file() {}

/// The demo shop page.
#[utoipa::path(
    get,
    path = "/demo",
    operation_id = "getDemo",
    tag = "pages",
    responses(
        (
            status = 200,
            description = "A small shop page with the demo company's chat button (English, \
                           standard style) and the tracking script.",
            body = inline(Text),
            content_type = "text/html",
        ),
        (
            status = 404,
            description = "`demo_not_found`: the demo company does not exist; start the server \
                           with `--demo`.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_demo() {}
