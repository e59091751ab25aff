//! Operations tagged `buttons`: chat buttons: the HTML code, custom GIF buttons, the public button
//! images.

use super::schemas::{
    ButtonState, Gif, NeverCache, NoCache, RequestTimeout, Svg, Text, Unauthorized, UploadTooLarge,
    Zero,
};
use crate::api::{ButtonCode, ButtonStyle, CustomButtons, ErrorBody};

/// The chat button image, online or offline right now.
#[utoipa::path(
    get,
    path = "/button/{key}/{lang}/{style}",
    operation_id = "getButtonKeyLangStyle",
    tag = "buttons",
    params(
        ("key" = String, Path, description = "The company's public chat key."),
        (
            "lang" = String,
            Path,
            description = "Language of the standard button's text; an unknown code shows the \
                           company's default language.",
        ),
        (
            "style" = inline(ButtonStyle),
            Path,
            description = "`standard` (an SVG drawn in the language) or `custom` (the company's \
                           uploaded GIFs).",
        ),
    ),
    responses(
        (
            status = 200,
            description = "Online while at least one operator is online, else offline. \
                           `standard`: an SVG (`image/svg+xml; charset=utf-8`) with the \
                           translated `button-online` / `button-offline` text (right to left for \
                           ar, fa, he, ur, yi). `custom`: the uploaded online or offline GIF, or \
                           the standard SVG while the custom buttons are not both uploaded.",
            content((inline(Svg) = "image/svg+xml"), (inline(Gif) = "image/gif")),
            headers(
                ("Cache-Control" = inline(NeverCache)),
                ("Pragma" = inline(NoCache)),
                ("Expires" = inline(Zero)),
            ),
        ),
        (status = 400, description = "`invalid_style`: use standard or custom.", body = ErrorBody),
        (
            status = 404,
            description = "`company_not_found`: no company uses this key.",
            body = ErrorBody,
        ),
    ),
    security(()),
)]
pub(super) fn get_button_key_lang_style() {}

/// The chat button's HTML code.
#[utoipa::path(
    get,
    path = "/v1/buttons/code",
    operation_id = "getV1ButtonsCode",
    tag = "buttons",
    params(
        (
            "lang" = Option<String>,
            Query,
            description = "Language of the button and the chat window (absent or empty = the \
                           company's default language).",
        ),
        (
            "style" = inline(Option<ButtonStyle>),
            Query,
            description = "Button style (absent or empty = standard).",
        ),
    ),
    responses(
        (status = 200, description = "The code.", body = ButtonCode),
        (
            status = 400,
            description = "`invalid_style` (use standard or custom) or `invalid_lang` (not one \
                           of the 52 language codes).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (
            status = 409,
            description = "`custom_buttons_missing`: `style=custom` needs both custom GIFs \
                           uploaded.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_buttons_code() {}

/// Delete both custom buttons: back to the standard buttons (admin).
#[utoipa::path(
    delete,
    path = "/v1/buttons/custom",
    operation_id = "deleteV1ButtonsCustom",
    tag = "buttons",
    responses(
        (
            status = 200,
            description = "Deleted; nothing is uploaded and the custom style is off.",
            body = CustomButtons,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_buttons_custom() {}

/// Upload a custom button GIF (admin).
///
/// The GIF (still or animated) is checked frame by frame and stored as uploaded. Once both the
/// online and the offline GIF exist, the custom style is on.
#[utoipa::path(
    put,
    path = "/v1/buttons/custom/{state}",
    operation_id = "putV1ButtonsCustomState",
    tag = "buttons",
    params(
        (
            "state" = inline(ButtonState),
            Path,
            description = "`online` (shown while an operator is online) or `offline`.",
        ),
    ),
    request_body(
        description = "The raw GIF (not multipart), at most 2 MiB by default.",
        content(
            (inline(Gif) = "image/gif"),
            (inline(Text) = "application/octet-stream"),
        ),
    ),
    responses(
        (
            status = 200,
            description = "Stored; which buttons are uploaded now.",
            body = CustomButtons,
        ),
        (
            status = 400,
            description = "`invalid_state` (use online or offline), `body_unreadable`, \
                           `not_a_gif` (another format, or not an image), `image_too_large` \
                           (over 4096x4096 pixels, or too many frames) or `image_corrupt` \
                           (damaged, or no frames).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 413, response = UploadTooLarge),
        (
            status = 415,
            description = "`not_an_image`: a GIF the decoder cannot read.",
            body = ErrorBody,
        ),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_buttons_custom_state() {}
