//! The JSON bodies: every request and answer of the API (the event streams' data is in
//! `events`). The chat window, the terminal client, the load generator and the tests share
//! these shapes; `/openapi.json` documents them.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    ButtonStyle, ChatEventData, ChatState, Distribution, Fairness, Role, RoutingKind, Status,
};

/// `POST /v1/signup`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Company name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub company: String,
    /// The first admin's email.
    #[cfg_attr(feature = "openapi", schema(format = Email))]
    pub email: String,
    /// The first admin's password (8 to 256 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub password: String,
}

/// Answer to `POST /v1/signup`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupResponse {
    /// The company's public chat key.
    pub key: String,
    /// The admin's session token.
    pub token: String,
}

/// `POST /v1/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Answer to `POST /v1/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for the panel API.
    pub token: String,
    /// What the account may do.
    pub role: Role,
}

/// `GET /v1/me`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Account id.
    pub id: u64,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// SIP username.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sip: Option<String>,
    /// What the account may do.
    pub role: Role,
    /// The status the operator set.
    pub status: Status,
    /// Company name.
    pub company: String,
    /// Company's public chat key.
    pub key: String,
    /// Company's time zone.
    pub time_zone: String,
}

/// `PUT /v1/me/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// A `Status` name; text so that another answers the server's own `invalid_status`.
    #[cfg_attr(feature = "openapi", schema(value_type = Status))]
    pub status: String,
}

/// `POST /v1/chats/{id}/messages`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// The message (1 to 4000 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub text: String,
    /// The client's id for it; a resend with the same id is not stored twice.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub client_id: String,
}

/// Answer to `POST /v1/chats/{id}/messages`, sent once the message is durable.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageResponse {
    /// Position of the message in the chat's log (the SSE id it is delivered with).
    pub seq: u64,
}

/// `POST /v1/visitor/{key}/chats`. Every field is optional (`{}` is a valid body).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartChatRequest {
    /// Visitor's name; "Guest" when empty.
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: Option<String>,
    /// Visitor's email.
    pub email: Option<String>,
    /// Department id.
    pub department: Option<u64>,
    /// SIP username of the operator asked for.
    pub operator: Option<String>,
    /// Page the chat starts from.
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub page_url: Option<String>,
    /// Window language (one of the language codes; empty or absent = the company's default).
    pub lang: Option<String>,
    /// Visitor id kept by the browser.
    pub visitor_id: Option<u64>,
}

/// Answer to `POST /v1/visitor/{key}/chats`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartChatResponse {
    /// The chat.
    pub chat_id: u64,
    /// Bearer token for this chat's messages and events.
    pub token: String,
    /// `waiting` (routed) or `offline` (show the offline form).
    pub state: ChatState,
    /// The visitor's id, to keep for later chats.
    pub visitor_id: u64,
}

/// `POST /v1/visitor/{key}/offline-messages`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfflineMessageRequest {
    /// Visitor's name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Visitor's email, to answer to.
    #[cfg_attr(feature = "openapi", schema(format = Email))]
    pub email: String,
    /// The message.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10000))]
    pub message: String,
    /// Department id.
    pub department: Option<u64>,
    /// SIP username asked for.
    pub operator: Option<String>,
}

/// A stored offline message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineMessage {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Message.
    pub message: String,
    /// Department id.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub department: Option<u64>,
    /// Operator's SIP username.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub operator: Option<String>,
    /// Unix ms.
    pub at: u64,
    /// An operator marked it handled (`POST /v1/offline-messages/{id}/done`).
    #[serde(default)]
    pub done: bool,
}

/// A welcome-form field.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Shown.
    pub enabled: bool,
    /// Must be filled in.
    pub required: bool,
}

/// `GET /v1/chat-window`: the company's chat-window settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatWindow {
    /// Default language code (see `ChatWindowPatch.language`).
    pub language: String,
    /// One operator at a time, or all at once.
    pub distribution: Distribution,
    /// Seconds of "Connecting..." before the offline form.
    pub connection_timeout_secs: f64,
    /// Seconds one operator holds a single-mode offer.
    pub offer_timeout_secs: f64,
    /// Canned response id sent at once in single mode, or null.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub auto_canned_response: Option<u64>,
    /// Welcome form before routing.
    pub welcome_screen: bool,
    /// Welcome text ("" = translated default).
    pub welcome_message: String,
    /// Name field.
    pub name_field: FormField,
    /// Email field.
    pub email_field: FormField,
    /// Offline text ("" = translated default).
    pub offline_message: String,
    /// Text after an offline message ("" = translated default).
    pub offline_thanks: String,
    /// Visitor tracking on.
    pub tracking: bool,
    /// Seconds on one page before an automatic invitation, or null when off.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub invitation_delay_secs: Option<u32>,
    /// How single mode picks: least busy (fewest open chats, then idle longest; the default)
    /// or round robin.
    pub fairness: Fairness,
    /// Escalation: seconds a chat waits for the operator it asked for (`operator=`) before
    /// its department (30 by default).
    pub requested_operator_timeout_secs: f64,
    /// Escalation: seconds a chat waits for its department before the fallback department
    /// (30 by default).
    pub department_timeout_secs: f64,
    /// Escalation: the department chats fall back to, or null.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub fallback_department: Option<u64>,
    /// Most chats waiting for one department or operator; 0 = no limit. A visitor who would
    /// queue beyond it is sent to the offline form.
    #[cfg_attr(feature = "openapi", schema(maximum = 10000))]
    pub max_queue: u32,
    /// Longest estimated wait a visitor is queued for, in seconds; 0 = no limit. A visitor
    /// whose estimated wait is longer is sent to the offline form.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 86400))]
    pub max_wait_secs: f64,
}

/// `PUT /v1/chat-window`: a patch. An omitted field keeps its value; `null` clears a nullable
/// one (`auto_canned_response`, `invitation_delay_secs`, `fallback_department`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChatWindowPatch {
    /// Default language code, one of: sq ar az eu be bg ca zh hr cs da nl en et fi fr gl ka de
    /// el he hi hu is id ga it ja ko lv lt mk ms mt no fa pl pt ro ru sr sk sl es sv th tr uk ur
    /// vi cy yi.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// "single" or "all" (a `Distribution` name); text, so the server answers any other with
    /// `invalid_distribution`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Distribution>))]
    pub distribution: Option<String>,
    /// Seconds (0.1 to 3600).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.1, maximum = 3600))]
    pub connection_timeout_secs: Option<f64>,
    /// Seconds (0.1 to 3600).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.1, maximum = 3600))]
    pub offer_timeout_secs: Option<f64>,
    /// Canned response id, or null to turn off (absent = unchanged).
    #[serde(default, deserialize_with = "some")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_canned_response: Option<Option<u64>>,
    /// Welcome form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welcome_screen: Option<bool>,
    /// Welcome text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub welcome_message: Option<String>,
    /// Name field (`required` is kept only when `enabled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_field: Option<FormField>,
    /// Email field (`required` is kept only when `enabled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_field: Option<FormField>,
    /// Offline text.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub offline_message: Option<String>,
    /// Text after an offline message.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub offline_thanks: Option<String>,
    /// Visitor tracking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<bool>,
    /// Invitation delay in seconds, or null to turn off (absent = unchanged). Needs `tracking`
    /// on.
    #[serde(default, deserialize_with = "some")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3600))]
    pub invitation_delay_secs: Option<Option<u32>>,
    /// "least_busy" or "round_robin" (a `Fairness` name); text, so the server answers any other
    /// with `invalid_fairness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Fairness>))]
    pub fairness: Option<String>,
    /// Seconds (0.1 to 3600).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.1, maximum = 3600))]
    pub requested_operator_timeout_secs: Option<f64>,
    /// Seconds (0.1 to 3600).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.1, maximum = 3600))]
    pub department_timeout_secs: Option<f64>,
    /// Department id, or null for none (absent = unchanged); must name an existing department.
    #[serde(default, deserialize_with = "some")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_department: Option<Option<u64>>,
    /// 0 to 10000; 0 = no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 10000))]
    pub max_queue: Option<u32>,
    /// Seconds, 0 to 86400; 0 = no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 86400))]
    pub max_wait_secs: Option<f64>,
}

/// `POST /v1/chats/{id}/transfer`: to an operator or a department (at least one of the two;
/// with both, the chat waits for the operator first, then escalates to the department).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// SIP username of the operator to hand the chat to ("" = none).
    pub operator: Option<String>,
    /// Department id to hand the chat to.
    pub department: Option<u64>,
}

/// One decision of a chat's routing log (`GET /v1/chats/{id}/routing`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingEntry {
    /// Unix ms.
    pub at: u64,
    /// What was decided.
    pub kind: RoutingKind,
    /// The operator concerned (account id).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub operator: Option<u64>,
    /// Why, in words.
    pub detail: String,
    /// The operator's name, when `operator` is set and the account still exists.
    #[serde(default)]
    pub operator_name: Option<String>,
}

/// Tells a present `null` (Some(None)) from an absent field (None).
fn some<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `GET /v1/company`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Company {
    /// Name.
    pub name: String,
    /// Public chat key.
    pub key: String,
    /// Postal address.
    pub address: Address,
    /// ISO country code.
    pub country: String,
    /// ISO currency code.
    pub currency: String,
    /// EU VAT number.
    pub vat_number: String,
    /// IANA time zone.
    pub time_zone: String,
}

/// A postal address in lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    #[serde(default)]
    pub street: String,
    /// City or town.
    #[serde(default)]
    pub city: String,
    /// Postcode; empty where the country has none.
    #[serde(default)]
    pub postcode: String,
}

/// `PUT /v1/company`: a patch. An omitted field keeps its value.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// Postal address: all its lines at once (a line left out is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO currency code, one of those the server's billing configuration names (GBP, EUR
    /// and USD by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// EU VAT number, checked against the country's format (e.g. DE followed by 9 digits;
    /// EL for Greece, XI for Northern Ireland); only for a company in the EU or Northern
    /// Ireland. The prefix may be left out; "" clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20))]
    pub vat_number: Option<String>,
    /// IANA time zone name (e.g. Europe/Dublin), from the tz database; every date shown to
    /// the company and on its invoices is in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub time_zone: Option<String>,
}

/// A department.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// `POST /v1/departments`, `PUT /v1/departments/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    /// Name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
}

/// An operator (or admin) account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operator {
    /// Account id.
    pub id: u64,
    /// SIP username; null for an admin who takes no chats.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sip: Option<String>,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// Chat limit.
    pub max_chats: u32,
    /// Department ids; empty = all.
    pub departments: Vec<u64>,
    /// The status the operator set (offline for one never signed in).
    pub status: Status,
    /// Chats held now.
    pub open_chats: u32,
    /// Can take a chat now: online with a connected terminal (the rule routing, the button and
    /// the window use).
    #[serde(default)]
    pub available: bool,
}

/// `PUT /v1/operators/{sip}`: creates (email and password required) or patches: an omitted
/// field keeps its value. A new password signs the operator out everywhere.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OperatorRequest {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: Option<String>,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New password.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub password: Option<String>,
    /// Chat limit (1 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_chats: Option<u32>,
    /// Department ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departments: Option<Vec<u64>>,
    /// A `Role` name; text so that another answers the server's own `invalid_role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Role>))]
    pub role: Option<String>,
}

/// A canned response.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Canned {
    /// Id.
    pub id: u64,
    /// `#shortcut`.
    pub shortcut: String,
    /// Text.
    pub text: String,
}

/// `POST /v1/canned-responses`, `PUT /v1/canned-responses/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CannedRequest {
    /// `#shortcut` (letters, digits, - and _).
    pub shortcut: String,
    /// Text.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4000))]
    pub text: String,
}

/// A chat as listed in history.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chat {
    /// Id.
    pub id: u64,
    /// Where the chat is in its life.
    pub state: ChatState,
    /// Visitor's name.
    pub name: String,
    /// Visitor's email.
    pub email: String,
    /// Department id.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub department: Option<u64>,
    /// Operator's account id.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub operator: Option<u64>,
    /// Page.
    pub page_url: String,
    /// Language.
    pub lang: String,
    /// Unix ms.
    pub created_at: u64,
    /// Unix ms, once ended.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ended_at: Option<u64>,
    /// The visitor who opened it, when known.
    #[serde(default)]
    pub visitor_id: Option<u64>,
}

/// `GET /v1/chats/{id}/visitor`: who the visitor of a chat is, for the operator's side panel.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorProfile {
    /// Name the visitor gave ("Guest" when none).
    pub name: String,
    /// Email the visitor gave ("" when none).
    pub email: String,
    /// The visitor as tracking sees them (pages visited), when tracked now.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub visitor: Option<Visitor>,
    /// The same visitor's earlier chats (by visitor id, else by email), newest first, at most 20.
    pub previous_chats: Vec<Chat>,
}

/// `PUT /v1/me/password`: change one's own password; the account's other sessions end.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now.
    pub current: String,
    /// The new password (8 to 256 characters).
    pub new: String,
}

/// One entry of a transcript (`GET /v1/chats/{id}/messages`): the chat's events in order.
pub type Transcript = Vec<ChatEventData>;

/// `POST /v1/visitor/{key}/page-views`. Texts are trimmed and must have no control characters.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageViewRequest {
    /// The id the browser keeps; omit (or null) on the first visit.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 9007199254740991_u64)
    )]
    pub visitor_id: Option<u64>,
    /// The page's URL.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2048))]
    pub url: String,
    /// The page's title.
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub title: Option<String>,
    /// Where the visitor came from.
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub referrer: Option<String>,
}

/// Answer to a page view.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageViewResponse {
    /// The visitor's id, to keep (the one sent, or a new one below 2^53).
    pub visitor_id: u64,
    /// False when the company has visitor tracking off (nothing was recorded).
    pub tracked: bool,
}

/// A page a visitor saw.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page {
    /// URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Unix ms it was opened.
    pub at: u64,
}

/// A visitor on the site (`GET /v1/visitors`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visitor {
    /// Visitor id.
    pub id: u64,
    /// Current page URL.
    pub page_url: String,
    /// Current page title.
    pub title: String,
    /// Referrer of the current page.
    pub referrer: String,
    /// Unix ms the current page was opened.
    pub on_page_since: u64,
    /// Seconds on the current page.
    pub time_on_page_secs: u64,
    /// Page views so far.
    pub pages_seen: u64,
    /// The latest pages (at most 20), newest first.
    pub pages: Vec<Page>,
    /// Unix ms of the first visit.
    pub first_seen: u64,
    /// The visitor's open chat, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub chat_id: Option<u64>,
    /// Clicked "No thanks".
    pub declined: bool,
}

/// `GET /v1/tracking/code`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingCode {
    /// The `<script>` tag to put on every page:
    /// `<script src="BASE/static/track.js" data-key="KEY" data-lang="LANG" async></script>`.
    pub html: String,
    /// Whether tracking is on (the script records nothing while it is off).
    pub tracking: bool,
}

/// An error body. Every 4xx/5xx JSON answer has this shape.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code: invalid_json, body_unreadable, body_too_large, upload_too_large,
    /// invalid_<field> (e.g. invalid_email, invalid_id, invalid_limit, invalid_last_event_id,
    /// invalid_lang, invalid_operator, invalid_department, invalid_fallback_department,
    /// invalid_visitor_id, invalid_url, invalid_page_url, invalid_after, invalid_part,
    /// invalid_state, invalid_style), image_too_large, image_corrupt, not_a_gif, not_an_image,
    /// unauthorized, bad_credentials, forbidden, <thing>_not_found (chat, company, department,
    /// operator, canned_response, account, visitor, graphics_slot, demo), not_found (unknown
    /// path or static file), method_not_allowed, chat_taken, not_offered, chat_ended,
    /// chat_not_connected, nobody_available, email_taken (operators only), signup_refused,
    /// token_in_query, metrics_forbidden, department_exists, shortcut_exists, too_many_slots,
    /// custom_buttons_missing, invitations_declined, in_chat, visitor_gone, unavailable,
    /// internal.
    #[cfg_attr(
        feature = "openapi",
        schema(examples("invalid_json", "chat_taken", "operator_not_found"))
    )]
    pub code: String,
    /// What was wrong.
    pub message: String,
}

/// A chat-window graphics slot (`GET /v1/chat-window/graphics`): a header and a sidebar
/// image, at most one slot active. A part the active slot lacks shows the default image.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphicsSlot {
    /// Slot id.
    pub id: u64,
    /// A header image (290x80) is uploaded.
    pub header: bool,
    /// A sidebar image (90x367) is uploaded.
    pub sidebar: bool,
    /// This is the slot the chat window shows.
    pub active: bool,
    /// Unix ms the slot was made.
    pub created_at: u64,
}

/// `GET /v1/buttons/code`: a chat button's HTML.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ButtonCode {
    /// Language of the button and the chat window it opens.
    pub lang: String,
    /// The button's look.
    pub style: ButtonStyle,
    /// The HTML to paste into the company's pages: an `<img>` of `image_url` whose click opens
    /// `chat_url` + the page's URL in a 300x400 window.
    pub html: String,
    /// The button image: `BASE/button/{key}/{lang}/{style}`.
    pub image_url: String,
    /// The chat window, before the page URL is appended: `BASE/chat/{lang}/{key}/`.
    pub chat_url: String,
}

/// Which custom buttons are uploaded (`PUT`/`DELETE /v1/buttons/custom`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomButtons {
    /// The online GIF is uploaded.
    pub online: bool,
    /// The offline GIF is uploaded.
    pub offline: bool,
    /// Both are, so the custom style's code works.
    pub custom_buttons: bool,
}

/// One admin change (`GET /v1/audit-log`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Entry id; increasing.
    pub id: u64,
    /// Unix ms of the change.
    pub at: u64,
    /// Id of the account that made it.
    pub account_id: u64,
    /// That account's email at the time.
    pub actor: String,
    /// `<subject>.<change>`: subject one of company, chat_window, graphics, buttons,
    /// department, operator, canned_response, card, password; change one of created, updated,
    /// deleted.
    #[cfg_attr(feature = "openapi", schema(example = "operator.updated"))]
    pub action: String,
    /// Which one: SIP username, department or canned-response id, graphics slot (and part),
    /// button state, card; "" for company-wide settings.
    pub target: String,
    /// Names of the fields the request's JSON body gave, never their values.
    pub fields: Vec<String>,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `?after=` for the next (older) page; null on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next: Option<String>,
}
