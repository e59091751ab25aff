//! Operations tagged `account`: sign-up, sign-in, the signed-in operator and their event stream.

use super::schemas::{
    LoggedOut, OperatorStream, PayloadTooLarge, RequestTimeout, TooManyRequests, Unauthorized,
};
use crate::api::{
    ErrorBody, LoginRequest, LoginResponse, Me, PasswordChange, SignupRequest, SignupResponse,
    StatusBody,
};

/// Create a company and its first admin.
#[utoipa::path(
    post,
    path = "/v1/signup",
    operation_id = "postV1Signup",
    tag = "account",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Created; the admin is signed in.", body = SignupResponse),
        (
            status = 400,
            description = "`invalid_json`, `invalid_company`, `invalid_email`, `invalid_password`.",
            body = ErrorBody,
        ),
        (
            status = 409,
            description = "`signup_refused`: the email or the generated key cannot be used. The \
                           same code and words whatever the reason, so the answer does not say \
                           whether an email has an account.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(()),
)]
pub(super) fn post_signup() {}

/// Sign in.
#[utoipa::path(
    post,
    path = "/v1/login",
    operation_id = "postV1Login",
    tag = "account",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = LoginResponse),
        (status = 400, description = "`invalid_json`.", body = ErrorBody),
        (
            status = 401,
            description = "`bad_credentials`: the email or the password is wrong.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(()),
)]
pub(super) fn post_login() {}

/// Sign out: the token stops working.
#[utoipa::path(
    post,
    path = "/v1/logout",
    operation_id = "postV1Logout",
    tag = "account",
    responses(
        (status = 200, description = "Signed out.", body = inline(LoggedOut)),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_logout() {}

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/v1/me",
    operation_id = "getV1Me",
    tag = "account",
    responses(
        (status = 200, description = "The account, its status and its company.", body = Me),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (status = 404, description = "`account_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_me() {}

/// Set the signed-in operator's status.
///
/// "online" gets offers (with an open event stream); "away" stops new offers but keeps open chats;
/// "offline" hands open chats back to the queue (their visitors get `requeued`).
#[utoipa::path(
    put,
    path = "/v1/me/status",
    operation_id = "putV1MeStatus",
    tag = "account",
    request_body = StatusBody,
    responses(
        (status = 200, description = "The status set (the request echoed).", body = StatusBody),
        (
            status = 400,
            description = "`invalid_json` or `invalid_status` (use online, away or offline).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token, or the account has no SIP \
                           username so takes no chats.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_me_status() {}

/// The signed-in operator's event stream (server-sent events).
///
/// Events: offer, withdrawn, released, assigned, message, typing, closed, queue, visitor,
/// visitor_left, changed, offline_message, visitor_presence, reset. Each `data:` is the JSON of
/// OperatorEventData; every frame has an `id:`.
/// Without a last event id the stream replays the offers still open; with one, the events after it
/// (the latest 1024 are kept), led by a `reset` when some of them are no longer kept. `visitor` and
/// `visitor_left` follow the company's tracked visitors (when tracking is on). An operator needs an
/// open stream to get offers: when their last stream closes they keep their chats for a grace
/// period, then the chats are re-queued (`released`). Keep-alive comment lines (`: keep-alive`)
/// every 15 s on an idle stream.
#[utoipa::path(
    get,
    path = "/v1/me/events",
    operation_id = "getV1MeEvents",
    tag = "account",
    params(
        (
            "Last-Event-ID" = Option<u64>,
            Header,
            description = "Resume after this event id (sent by EventSource on reconnect).",
        ),
        (
            "last_event_id" = Option<u64>,
            Query,
            description = "Same as the Last-Event-ID header, which wins when both are given.",
        ),
        (
            "token" = Option<String>,
            Query,
            description = "The bearer token, when no Authorization header is sent.",
        ),
    ),
    responses(
        (status = 200, response = inline(OperatorStream)),
        (status = 400, description = "`invalid_last_event_id`: not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (status = 404, description = "`account_not_found`.", body = ErrorBody),
        (status = 429, response = TooManyRequests),
    ),
    security(("bearer" = []), ("tokenQuery" = [])),
)]
pub(super) fn get_me_events() {}

/// Change your own password; your other sessions end.
#[utoipa::path(
    put,
    path = "/v1/me/password",
    operation_id = "putV1MePassword",
    tag = "account",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed."),
        (
            status = 400,
            description = "`invalid_password`: the new password is not 8 to 256 characters.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`wrong_password`: the current password is wrong.",
            body = ErrorBody,
        ),
        (status = 429, response = TooManyRequests),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_me_password() {}
