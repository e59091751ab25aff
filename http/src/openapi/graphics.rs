//! Operations tagged `graphics`: the chat window's header (290x80) and sidebar (90x367) images:
//! slots, uploads, the active slot, the public images.

use super::schemas::{
    ActiveSlot, DeletedSlot, Gif, GraphicsPart, Jpeg, NoCache, Png, RequestTimeout, SlotOrDefault,
    Text, Unauthorized, UnsupportedMediaType, UploadTooLarge,
};
use crate::api::{ErrorBody, GraphicsSlot};

/// The chat window's header or sidebar image.
#[utoipa::path(
    get,
    path = "/graphics/{key}/{part}",
    operation_id = "getGraphicsKeyPart",
    tag = "graphics",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
        (
            "part" = inline(GraphicsPart),
            Path,
            description = "`header` (290x80) or `sidebar` (90x367).",
        ),
    ),
    responses(
        (
            status = 200,
            description = "The active slot's image of this part, or the default image (no slot \
                           active, or the active slot lacks this part).",
            body = inline(Png),
            content_type = "image/png",
            headers(
                ("Cache-Control" = inline(NoCache), description = "The active slot can change at \
                                                                   any time."),
            ),
        ),
        (status = 400, description = "`invalid_part`: use header or sidebar.", body = ErrorBody),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_graphics_key_part() {}

/// The graphics slots, oldest first.
#[utoipa::path(
    get,
    path = "/v1/chat-window/graphics",
    operation_id = "getV1ChatWindowGraphics",
    tag = "graphics",
    responses(
        (status = 200, description = "Every slot.", body = Vec<GraphicsSlot>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chat_window_graphics() {}

/// Make a new empty slot (admin).
///
/// No body.
#[utoipa::path(
    post,
    path = "/v1/chat-window/graphics",
    operation_id = "postV1ChatWindowGraphics",
    tag = "graphics",
    responses(
        (status = 201, description = "Created (not active).", body = GraphicsSlot),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (
            status = 409,
            description = "`too_many_slots`: a company keeps at most 50 graphics slots; delete \
                           one first.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chat_window_graphics() {}

/// Delete a slot (admin); deleting the active slot brings back the default images.
#[utoipa::path(
    delete,
    path = "/v1/chat-window/graphics/{id}",
    operation_id = "deleteV1ChatWindowGraphicsId",
    tag = "graphics",
    params(
        ("id" = u64, Path, description = "Graphics slot id."),
    ),
    responses(
        (status = 200, description = "Deleted.", body = inline(DeletedSlot)),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`graphics_slot_not_found` (also another company's slot).",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_chat_window_graphics_id() {}

/// Make a slot the active one, or go back to the default images (admin).
///
/// No body. The chat window shows the active slot's images at once; a part the slot lacks shows the
/// default image.
#[utoipa::path(
    post,
    path = "/v1/chat-window/graphics/{id}/activate",
    operation_id = "postV1ChatWindowGraphicsIdActivate",
    tag = "graphics",
    params(
        (
            "id" = inline(SlotOrDefault),
            Path,
            example = "default",
            description = "Slot id, or `default` for the default images.",
        ),
    ),
    responses(
        (status = 200, description = "Activated.", body = inline(ActiveSlot)),
        (
            status = 400,
            description = "`invalid_id`: not a slot id or \"default\".",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`graphics_slot_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_chat_window_graphics_id_activate() {}

/// Upload a slot's header or sidebar image (admin).
///
/// The image is resized to cover the part's size and centre-cropped (no letterbox bars), EXIF
/// orientation applied, an animated GIF's first frame taken, and stored as PNG. The slot keeps its
/// old image unless the new one decodes.
#[utoipa::path(
    put,
    path = "/v1/chat-window/graphics/{id}/{part}",
    operation_id = "putV1ChatWindowGraphicsIdPart",
    tag = "graphics",
    params(
        ("id" = u64, Path, description = "Graphics slot id."),
        (
            "part" = inline(GraphicsPart),
            Path,
            description = "`header` (stored at 290x80) or `sidebar` (stored at 90x367).",
        ),
    ),
    request_body(
        description = "The raw image (not multipart): PNG, JPEG or GIF, at most 4096x4096 pixels \
                       and 2 MiB by default. The format is read from the bytes; `Content-Type` \
                       is not checked.",
        content(
            (inline(Png) = "image/png"),
            (inline(Jpeg) = "image/jpeg"),
            (inline(Gif) = "image/gif"),
            (inline(Text) = "application/octet-stream"),
        ),
    ),
    responses(
        (status = 200, description = "Stored; the slot.", body = GraphicsSlot),
        (
            status = 400,
            description = "`invalid_id`, `invalid_part` (use header or sidebar), \
                           `body_unreadable`, `image_too_large` (over 4096x4096 pixels or 64 MiB \
                           to decode) or `image_corrupt` (damaged or incomplete).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (
            status = 404,
            description = "`graphics_slot_not_found` (checked before the upload is read).",
            body = ErrorBody,
        ),
        (status = 413, response = UploadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_chat_window_graphics_id_part() {}
