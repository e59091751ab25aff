//! Operations tagged `tracking`: visitor tracking and invitations: page views, the visitor's
//! invitation stream, "No thanks", the live visitor list, manual invitations, the tracking script
//! and its code.

use super::schemas::{
    Declined, FiveMinutes, Invited, PayloadTooLarge, RequestTimeout, Text, TooManyRequests,
    Unauthorized, VisitorStream,
};
use crate::api::{ErrorBody, PageViewRequest, PageViewResponse, TrackingCode, Visitor};

/// The visitor tracking script.
#[utoipa::path(
    get,
    path = "/static/track.js",
    operation_id = "getStaticTrackJs",
    tag = "tracking",
    responses(
        (
            status = 200,
            description = "The script (`text/javascript; charset=utf-8`). Put on every page with \
                           the tag of `GET /v1/tracking/code`; it reports page views, keeps the \
                           visitor's id in localStorage, listens for invitations, adds \
                           `,visitor=<id>` to chat links and posts \"No thanks\".",
            body = inline(Text),
            content_type = "text/javascript",
            headers(
                ("Cache-Control" = inline(FiveMinutes)),
            ),
        ),
    ),
    security(()),
)]
pub(super) fn get_static_track_js() {}

/// The tracking script's `<script>` tag.
#[utoipa::path(
    get,
    path = "/v1/tracking/code",
    operation_id = "getV1TrackingCode",
    tag = "tracking",
    params(
        (
            "lang" = Option<String>,
            Query,
            description = "Language code, one of the 52 of ChatWindowPatch.language; absent = \
                           the company's default language.",
        ),
    ),
    responses(
        (status = 200, description = "The code.", body = TrackingCode),
        (
            status = 400,
            description = "`invalid_lang`: not one of the 52 language codes.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_tracking_code() {}

/// The visitors on the site now, most recently active first.
///
/// Changes arrive on the operator's event stream as `visitor` and `visitor_left` events.
#[utoipa::path(
    get,
    path = "/v1/visitors",
    operation_id = "getV1Visitors",
    tag = "tracking",
    params(
        (
            "limit" = Option<u32>,
            Query,
            description = "Most items to answer (default 100, at most 500).",
        ),
        (
            "after" = Option<u64>,
            Query,
            description = "The last visitor id of the previous page (most recently active first; \
                           the list is live).",
        ),
    ),
    responses(
        (status = 200, description = "The visitors.", body = Vec<Visitor>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_visitors() {}

/// Invite a visitor who is on the site to chat.
///
/// Any operator or admin. No body.
#[utoipa::path(
    post,
    path = "/v1/visitors/{id}/invite",
    operation_id = "postV1VisitorsIdInvite",
    tag = "tracking",
    params(
        ("id" = u64, Path, description = "Visitor id."),
    ),
    responses(
        (
            status = 200,
            description = "Invited: the visitor's tracking stream shows an `invitation` with the \
                           operator's name.",
            body = inline(Invited),
        ),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`visitor_not_found`: no such visitor on the site now (or \
                           `account_not_found`).",
            body = ErrorBody,
        ),
        (
            status = 409,
            description = "`invitations_declined` (the visitor clicked \"No thanks\"), `in_chat` \
                           (already in a chat) or `visitor_gone` (no longer on the site).",
            body = ErrorBody,
        ),
        (status = 429, response = TooManyRequests),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_visitors_id_invite() {}

/// Report a page view (the tracking script).
///
/// Updates the company's visitor list (operators get a `visitor` event) and restarts the automatic
/// invitation timer when invitations are on. When `tracked` is true the script opens the visitor's
/// tracking stream. `url` must be an absolute `http://` or `https://` URL (400 `invalid_url`
/// otherwise: `javascript:`, `data:`, relative URLs); a `referrer` of another scheme is stored
/// empty. Control characters and escape sequences are stripped from the title.
#[utoipa::path(
    post,
    path = "/v1/visitor/{key}/page-views",
    operation_id = "postV1VisitorKeyPageViews",
    tag = "tracking",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
    ),
    request_body = PageViewRequest,
    responses(
        (
            status = 200,
            description = "Recorded (or not, when tracking is off); the visitor's id to keep.",
            body = PageViewResponse,
        ),
        (
            status = 400,
            description = "`invalid_json`, `invalid_visitor_id` (0 or not below 2^53: use the id \
                           the server gave), `invalid_url` (empty, over 2048 characters or \
                           control characters), `invalid_title`, `invalid_referrer`.",
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
pub(super) fn post_visitor_key_page_views() {}

/// The visitor's tracking stream: invitations and availability (server-sent events).
///
/// Events: invitation (automatic, after `invitation_delay_secs` on one page, with `by` null; or
/// from an operator, with their name) and availability (whether anyone can take a chat now
/// changed: the chat button's image is worth reloading). Each `data:` is the JSON of
/// VisitorEventData. Live only:
/// nothing is replayed and `Last-Event-ID` is ignored. While the stream is open the visitor counts
/// as on the site for operators' invitations. Keep-alive comment lines (`: keep-alive`) every 15 s
/// on an idle stream.
#[utoipa::path(
    get,
    path = "/v1/visitor/{key}/visitors/{id}/events",
    operation_id = "getV1VisitorKeyVisitorsIdEvents",
    tag = "tracking",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
        (
            "id" = u64,
            Path,
            minimum = 1,
            maximum = 9007199254740991_u64,
            description = "The visitor's id, as `POST /v1/visitor/{key}/page-views` gave it (1 \
                           to 2^53-1).",
        ),
    ),
    responses(
        (status = 200, response = inline(VisitorStream)),
        (
            status = 400,
            description = "`invalid_id` (not a number) or `invalid_visitor_id` (0 or not below \
                           2^53).",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_visitor_key_visitors_id_events() {}

/// "No thanks": the visitor is never invited again.
///
/// No body (any body is ignored). Cancels a pending automatic invitation.
#[utoipa::path(
    post,
    path = "/v1/visitor/{key}/visitors/{id}/decline",
    operation_id = "postV1VisitorKeyVisitorsIdDecline",
    tag = "tracking",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
        (
            "id" = u64,
            Path,
            minimum = 1,
            maximum = 9007199254740991_u64,
            description = "The visitor's id, as `POST /v1/visitor/{key}/page-views` gave it (1 \
                           to 2^53-1).",
        ),
    ),
    responses(
        (
            status = 200,
            description = "Stored (durable before the answer, kept across restarts).",
            body = inline(Declined),
        ),
        (
            status = 400,
            description = "`invalid_id` (not a number) or `invalid_visitor_id` (0 or not below \
                           2^53).",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn post_visitor_key_visitors_id_decline() {}
