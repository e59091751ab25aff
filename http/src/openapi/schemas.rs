//! What the document needs that is no wire type: the small JSON answers handlers build in
//! place, the raw bodies (pages, scripts, images), fixed header values, the path segments
//! that are a closed set, the reusable error answers and the event streams. Declared once,
//! here; the wire types themselves derive their schemas in `switchboard-api`.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder, Schema};
use utoipa::PartialSchema;

/// Declares a schema that is no Rust type of the wire: a unit struct whose schema is the
/// given expression (an [`ObjectBuilder`] or anything else that becomes a [`Schema`]).
macro_rules! schema {
    ($($(#[doc = $doc:literal])+ $name:ident = $schema:expr;)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                Schema::from($schema).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )+};
}

/// A string that is always `value`.
fn fixed(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
}

/// One of the strings `values`.
fn one_of(values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
}

/// A body of raw bytes of the media type `media`.
fn raw(media: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type(media)
}

/// An id: a non-negative 64-bit integer.
fn id(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .description(Some(description))
}

/// `true`, always.
fn yes() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
}

/// An object with the one required property `name`.
fn object(name: &str, property: impl Into<RefOr<Schema>>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(name, property)
        .required(name)
}

schema! {
    /// Text: an HTML page, a script, a style sheet, the metrics.
    Text = ObjectBuilder::new().schema_type(Type::String);
    /// A PNG image.
    Png = raw("image/png");
    /// A PDF document.
    Pdf = raw("application/pdf");
    /// A JPEG image.
    Jpeg = raw("image/jpeg");
    /// A GIF image.
    Gif = raw("image/gif");
    /// An SVG image.
    Svg = raw("image/svg+xml");

    /// `Retry-After`: whole seconds.
    Seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1));
    /// `Cache-Control: no-store`, and what every answer carries unless it says otherwise.
    NoStore = fixed("no-store");
    /// `Cache-Control: no-cache` (and `Pragma: no-cache`).
    NoCache = fixed("no-cache");
    /// `Cache-Control` of the button images, which follow the operators' presence.
    NeverCache = fixed("no-cache, no-store, must-revalidate");
    /// `Cache-Control` of the scripts and style sheets.
    FiveMinutes = fixed("public, max-age=300");
    /// `Cache-Control` of the site icon.
    OneDay = fixed("public, max-age=86400");
    /// `Expires: 0`.
    Zero = fixed("0");
    /// `X-Accel-Buffering: no`: a proxy must not hold an event stream back.
    No = fixed("no");
    /// `Access-Control-Allow-Origin: *`.
    AnyOrigin = fixed("*");

    /// A graphics part: the chat window's header or sidebar.
    GraphicsPart = one_of(&["header", "sidebar"]);
    /// A custom button's state.
    ButtonState = one_of(&["online", "offline"]);
    /// The chat window's and the demo's static files.
    StaticFile = one_of(&["chat.js", "chat.css", "demo.css"]);
    /// A graphics slot's id, or `default`.
    SlotOrDefault = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9]+$")),
        )
        .item(fixed("default"));

    /// `GET /healthz`.
    Health = object("status", fixed("ok"));
    /// `GET /openapi.json`: a JSON object.
    Document = ObjectBuilder::new().schema_type(Type::Object);
    /// `POST /v1/logout`.
    LoggedOut = object("logged_out", yes());
    /// `POST /v1/chats/{id}/typing`.
    Typing = object("typing", yes());
    /// `POST /v1/visitor/{key}/visitors/{id}/decline`.
    Declined = object("declined", yes());
    /// `DELETE` of a department or canned response.
    Deleted = object("deleted", id("The deleted id."));
    /// `DELETE /v1/chat-window/graphics/{id}`.
    DeletedSlot = object("deleted", id("The deleted slot's id."));
    /// `DELETE /v1/operators/{sip}`.
    DeletedOperator = object(
        "deleted",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("The deleted operator's SIP username.")),
    );
    /// `POST /v1/chat-window/graphics/{id}/activate`.
    ActiveSlot = object(
        "active",
        id("The active slot's id; null for the default images.")
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null])),
    );
    /// `POST /v1/visitors/{id}/invite`.
    Invited = object("invited", id("The visitor's id."));
    /// One entry of a transcript (`GET /v1/chats/{id}/messages`): the chat's events in order.
    Transcript = ArrayBuilder::new()
        .items(Ref::from_schema_name("ChatEventData"))
        .description(Some(
            "One entry of a transcript (`GET /v1/chats/{id}/messages`): the chat's events in \
             order.",
        ));
}

/// The `Retry-After` header's description.
pub const RETRY_AFTER: &str = "Whole seconds until trying again is worth it.";

/// The `Allow` header's description.
pub const ALLOW: &str = "The methods the path serves, e.g. `GET, PUT`.";

/// An error answer: [`crate::api::ErrorBody`] as JSON.
fn error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

/// Declares the reusable error answers (`#/components/responses/...`): each a unit struct
/// whose response is an [`error`] with the description and the headers given.
macro_rules! error_responses {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $description:literal $(, $header:literal: $schema:ty = $what:expr)*;
    )+) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    let response = error($description)
                        $(.header(
                            $header,
                            HeaderBuilder::new()
                                .schema(<$schema as PartialSchema>::schema())
                                .description(Some($what))
                                .build(),
                        ))*;
                    (stringify!($name), response.build().into())
                }
            }
        )+
        /// Every reusable error answer, for the document's components.
        pub fn error_responses() -> Vec<(String, RefOr<Response>)> {
            use utoipa::ToResponse;
            vec![$({
                let (name, response) = $name::response();
                (name.to_string(), response)
            }),+]
        }
    };
}

error_responses! {
    /// 400.
    BadRequest = "`invalid_json` (no body, malformed JSON, wrong types or unknown fields), \
                  `body_unreadable`, or `invalid_<field>` naming the bad field.";
    /// 401.
    Unauthorized = "`unauthorized`: the token is missing, expired or unknown.";
    /// 403.
    Forbidden = "`forbidden`: signed in but not allowed (a visitor's chat token on a panel \
                 endpoint, an operator on an admin-only change, or an operator acting on a chat \
                 they do not hold).";
    /// 404.
    NotFound = "`<thing>_not_found`, e.g. `chat_not_found` (also for another company's chat).";
    /// 409.
    Conflict = "The request clashes with the current state; the code says how.";
    /// 413 for a JSON body.
    PayloadTooLarge = "`body_too_large`: the body is over the configured limit (64 KiB by \
                       default).";
    /// 405, for any path.
    MethodNotAllowed = "`method_not_allowed`: the path exists but not with this method (unknown \
                        paths answer 404 `not_found`). The `Allow` header names the methods the \
                        path serves.",
        "Allow": String = ALLOW;
    /// 413 for an upload.
    UploadTooLarge = "`upload_too_large`: the upload is over the configured limit \
                      (`max_upload_bytes`, 2 MiB by default).";
    /// 415.
    UnsupportedMediaType = "`not_an_image`: the bytes are not a PNG, JPEG or GIF the server can \
                            read (the format is read from the bytes, never from `Content-Type`).";
    /// 429.
    TooManyRequests = "A limit was reached; `Retry-After` says when to try again. `rate_limited`: \
                       too many of these calls from this address or for this company \
                       (`[http.limits]` in config.toml); `locked_out` (sign-in): too many wrong \
                       passwords for this account in a row, a lockout that doubles with each \
                       further one; `busy` (sign-in, sign-up, password changes): too many \
                       passwords being checked at once (`hash_queue_ms`); `too_many_streams` \
                       (event streams): the token holds `max_streams_per_token` streams already.",
        "Retry-After": Seconds = RETRY_AFTER;
    /// 408.
    RequestTimeout = "`body_timeout`: the request body did not arrive whole within \
                      `body_read_timeout_secs` (30 s by default); the connection closes.";
    /// 503 past the connection cap.
    ServiceUnavailable = "`too_many_connections`: the server holds `max_connections` connections; \
                          on the extra ones only `/healthz` is answered, anything else gets this \
                          and the connection closes.",
        "Retry-After": Seconds = RETRY_AFTER;
}

/// The 200 of an event stream: `text/event-stream` whose frames' `data:` is one line of the
/// JSON of the schema `data` and whose `event:` names are `events` (also in the `x-sse-data`
/// and `x-sse-events` extensions, for tools); `resumes` when a client reconnects with the last
/// id it saw.
fn event_stream(data: &str, events: &[&str], resumes: bool) -> Response {
    let mut frames = format!(
        "A stream of SSE frames: first `retry: 1000`, then frames \
         `id: <n>\\nevent: <name>\\ndata: <JSON>\\n\\n` where `<name>` is one of {} (the \
         JSON's `type`) and `<JSON>` is one line of {data}; `: keep-alive` comment lines after \
         15 s without events. The stream ends when the server shuts down or the client falls \
         behind",
        events.join(", "),
    );
    frames.push_str(if resumes {
        "; reconnect with the last `id:` as `Last-Event-ID`."
    } else {
        "."
    });
    let data = serde_json::json!({ "$ref": format!("#/components/schemas/{data}") });
    let content = ContentBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(frames)),
        ))
        .extensions(Some(
            ExtensionsBuilder::new().add("x-sse-data", data).build(),
        ))
        .build();
    let fixed = |schema: RefOr<Schema>| HeaderBuilder::new().schema(schema).build();
    ResponseBuilder::new()
        .description("The event stream.")
        .header("Cache-Control", fixed(<NoStore as PartialSchema>::schema()))
        .header("X-Accel-Buffering", fixed(<No as PartialSchema>::schema()))
        .content("text/event-stream", content)
        .extensions(Some(
            ExtensionsBuilder::new()
                .add("x-sse-events", serde_json::json!(events))
                .build(),
        ))
        .build()
}

/// Declares the 200 answers of the event streams, each used inline by its operation.
macro_rules! streams {
    ($($(#[doc = $doc:literal])+ $name:ident = $response:expr;)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), $response.into())
            }
        }
    )+};
}

streams! {
    /// `GET /v1/me/events`: [`crate::api::OperatorEventData`].
    OperatorStream = event_stream(
        "OperatorEventData",
        &[
            "offer", "withdrawn", "released", "assigned", "message", "typing", "closed", "queue",
            "visitor", "visitor_left", "changed", "offline_message", "visitor_presence", "reset",
        ],
        true,
    );
    /// `GET /v1/chats/{id}/events`: [`crate::api::ChatEventData`].
    ChatStream = event_stream(
        "ChatEventData",
        &[
            "queued", "requeued", "transferred", "joined", "message", "typing", "timeout", "closed",
        ],
        true,
    );
    /// `GET /v1/visitor/{key}/visitors/{id}/events`: [`crate::api::VisitorEventData`].
    VisitorStream = event_stream("VisitorEventData", &["invitation", "availability"], false);
}
