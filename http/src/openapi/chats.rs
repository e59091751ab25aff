//! Operations tagged `chats`: history, accept, messages both ways, typing, transfer, routing log,
//! close, the chat's event stream.

use super::schemas::{
    ChatStream, PayloadTooLarge, RequestTimeout, TooManyRequests, Transcript, Typing, Unauthorized,
};
use crate::api::{
    Chat, ErrorBody, MessageRequest, MessageResponse, RoutingEntry, TransferRequest, VisitorProfile,
};

/// Chat history, newest first; `q` searches visitor names, emails and message text.
#[utoipa::path(
    get,
    path = "/v1/chats",
    operation_id = "getV1Chats",
    tag = "chats",
    params(
        (
            "limit" = Option<u32>,
            Query,
            description = "Most chats to list (default 100; more than 500 lists 500).",
        ),
        (
            "q" = Option<String>,
            Query,
            description = "Keep chats whose visitor name, email or any message contains this, \
                           ignoring case in any script (at most 200 characters).",
        ),
        (
            "after" = Option<u64>,
            Query,
            description = "The last chat id of the previous page: list older chats.",
        ),
    ),
    responses(
        (status = 200, description = "The chats.", body = Vec<Chat>),
        (status = 400, description = "`invalid_limit`: not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chats() {}

/// One chat.
///
/// A session token of the company, or the visitor's token for this chat.
#[utoipa::path(
    get,
    path = "/v1/chats/{id}",
    operation_id = "getV1ChatsId",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "The chat.", body = Chat),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 404,
            description = "`chat_not_found` (also another company's chat, or another chat's \
                           visitor token).",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chats_id() {}

/// Accept an offered chat.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/accept",
    operation_id = "postV1ChatsIdAccept",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "The chat, now held by the caller.", body = Chat),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (
            status = 409,
            description = "`chat_taken` (another operator took it), `not_offered` (it is waiting \
                           for another operator) or `chat_ended`.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chats_id_accept() {}

/// The transcript: every log entry in order.
///
/// A session token of the company, or the visitor's token for this chat. The log entries as
/// ChatEventData: joined, message, requeued, transferred, timeout, closed (never queued or typing,
/// which are not logged).
#[utoipa::path(
    get,
    path = "/v1/chats/{id}/messages",
    operation_id = "getV1ChatsIdMessages",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
        (
            "limit" = Option<u32>,
            Query,
            description = "Most entries to answer (default and most 500).",
        ),
        (
            "after" = Option<u64>,
            Query,
            description = "The last `seq` of the previous page: later entries.",
        ),
    ),
    responses(
        (status = 200, description = "The transcript.", body = Transcript),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chats_id_messages() {}

/// Send a message.
///
/// The visitor with this chat's token, or the operator holding the chat. Answers once the message
/// is durable; a resend with the same `client_id` answers the first one's `seq` without storing it
/// again.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/messages",
    operation_id = "postV1ChatsIdMessages",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    request_body = MessageRequest,
    responses(
        (status = 201, description = "Stored.", body = MessageResponse),
        (
            status = 400,
            description = "`invalid_id`, `invalid_json`, `invalid_text` (1 to 4000 characters) \
                           or `invalid_client_id` (1 to 100 characters).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only the operator holding the chat can write in it.",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (status = 409, description = "`chat_ended`: the chat has ended.", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chats_id_messages() {}

/// Tell the other side you are typing.
///
/// The visitor with this chat's token, or the operator holding the chat. No body.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/typing",
    operation_id = "postV1ChatsIdTyping",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "Sent.", body = inline(Typing)),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only the operator holding the chat can type in it.",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chats_id_typing() {}

/// Transfer a chat to an operator or a department.
///
/// By the operator holding the chat, or an admin. The chat keeps its history and goes to the head
/// of the queue for the new operator or department: the old operator gets `released`, the visitor
/// `transferred` and then `queued`, the new operator an `offer` naming `previous_operator`.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/transfer",
    operation_id = "postV1ChatsIdTransfer",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "Transferred; the chat.", body = Chat),
        (
            status = 400,
            description = "`invalid_id`, `invalid_json`, `invalid_operator` (no such SIP \
                           username, neither field given, or the chat is already with that \
                           operator) or `invalid_department` (no such department).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only the operator holding the chat or an admin can \
                           transfer it (or a visitor's chat token was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (
            status = 409,
            description = "`nobody_available` (nobody online can take the chat there; it stays \
                           with you) or `chat_not_connected` (only a connected chat can be \
                           transferred).",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chats_id_transfer() {}

/// The chat's routing log: every routing decision, oldest first.
#[utoipa::path(
    get,
    path = "/v1/chats/{id}/routing",
    operation_id = "getV1ChatsIdRouting",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "The log.", body = Vec<RoutingEntry>),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chats_id_routing() {}

/// End a chat.
///
/// By the visitor with this chat's token, the operator holding the chat, or an admin. Closing an
/// ended chat changes nothing. No body.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/close",
    operation_id = "postV1ChatsIdClose",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "The chat.", body = Chat),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only the operator holding the chat or an admin can close \
                           it.",
            body = ErrorBody,
        ),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chats_id_close() {}

/// The chat's event stream (server-sent events).
///
/// The visitor's token for this chat (or a session token of the company). Events: queued, requeued,
/// transferred, joined, message, typing, timeout, closed. Each `data:` is the JSON of
/// ChatEventData; every frame has an `id:` (the chat's log position; queued and typing, which are
/// not in the log, repeat the latest one). Replays the log after the last event id (the whole log
/// without one), then a `queued` (position and estimated wait) while waiting, then live events.
/// After `requeued` or `transferred` the chat waits again: `queued` events follow until the next
/// `joined`. Keep-alive comment lines (`: keep-alive`) every 15 s on an idle stream.
#[utoipa::path(
    get,
    path = "/v1/chats/{id}/events",
    operation_id = "getV1ChatsIdEvents",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
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
        (status = 200, response = inline(ChatStream)),
        (status = 400, description = "`invalid_id` or `invalid_last_event_id`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (status = 429, response = TooManyRequests),
    ),
    security(("bearer" = []), ("tokenQuery" = [])),
)]
pub(super) fn get_chats_id_events() {}

/// Chats waiting with no offer, head of the queue first.
#[utoipa::path(
    get,
    path = "/v1/queue",
    operation_id = "getV1Queue",
    tag = "chats",
    params(
        (
            "limit" = Option<u32>,
            Query,
            description = "Most chats to list (default 100, at most 500).",
        ),
    ),
    responses(
        (status = 200, description = "The waiting chats.", body = Vec<Chat>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_queue() {}

/// Turn down an offer: it moves on to the next operator at once.
#[utoipa::path(
    post,
    path = "/v1/chats/{id}/decline",
    operation_id = "postV1ChatsIdDecline",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 204, description = "Declined."),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (
            status = 409,
            description = "`not_offered`: the chat is not offered to you.",
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
pub(super) fn post_chats_id_decline() {}

/// The chat's visitor: pages seen and earlier chats.
#[utoipa::path(
    get,
    path = "/v1/chats/{id}/visitor",
    operation_id = "getV1ChatsIdVisitor",
    tag = "chats",
    params(
        ("id" = u64, Path, description = "Chat id."),
    ),
    responses(
        (status = 200, description = "The visitor.", body = VisitorProfile),
        (status = 404, description = "`chat_not_found`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chats_id_visitor() {}
