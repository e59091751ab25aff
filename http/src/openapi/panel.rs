//! Operations tagged `panel`: company settings and lists; reads need a session, changes an admin.

use super::schemas::{
    Deleted, DeletedOperator, PayloadTooLarge, RequestTimeout, TooManyRequests, Unauthorized,
};
use crate::api::{
    AuditLog, Canned, CannedRequest, ChatWindow, ChatWindowPatch, Company, CompanyPatch,
    Department, DepartmentRequest, ErrorBody, OfflineMessage, Operator, OperatorRequest,
};

/// The company profile.
#[utoipa::path(
    get,
    path = "/v1/company",
    operation_id = "getV1Company",
    tag = "panel",
    responses(
        (status = 200, description = "The company.", body = Company),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_company() {}

/// Change the company profile (admin).
#[utoipa::path(
    put,
    path = "/v1/company",
    operation_id = "putV1Company",
    tag = "panel",
    request_body = CompanyPatch,
    responses(
        (status = 200, description = "The updated company.", body = Company),
        (
            status = 400,
            description = "`invalid_json`, `invalid_name`, `invalid_address.street`, `invalid_address.city`, \
                           `invalid_address.postcode`, `invalid_country`, \
                           `invalid_currency`, `invalid_vat_number`, `invalid_time_zone`.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_company() {}

/// The chat-window settings.
#[utoipa::path(
    get,
    path = "/v1/chat-window",
    operation_id = "getV1ChatWindow",
    tag = "panel",
    responses(
        (status = 200, description = "The settings.", body = ChatWindow),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_chat_window() {}

/// Change the chat-window settings (admin).
#[utoipa::path(
    put,
    path = "/v1/chat-window",
    operation_id = "putV1ChatWindow",
    tag = "panel",
    request_body = ChatWindowPatch,
    responses(
        (status = 200, description = "The updated settings.", body = ChatWindow),
        (
            status = 400,
            description = "`invalid_json`, `invalid_language`, `invalid_distribution`, \
                           `invalid_connection_timeout_secs`, `invalid_offer_timeout_secs`, \
                           `invalid_welcome_message`, `invalid_offline_message`, \
                           `invalid_offline_thanks`, `invalid_invitation_delay_secs` (out of \
                           range, or tracking is off), `invalid_auto_canned_response` (no such \
                           canned response), `invalid_fairness`, \
                           `invalid_requested_operator_timeout_secs`, \
                           `invalid_department_timeout_secs`, `invalid_fallback_department` (no \
                           such department), `invalid_max_queue`, `invalid_max_wait_secs`.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_chat_window() {}

/// The departments.
#[utoipa::path(
    get,
    path = "/v1/departments",
    operation_id = "getV1Departments",
    tag = "panel",
    responses(
        (status = 200, description = "Every department.", body = Vec<Department>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_departments() {}

/// Create a department (admin).
#[utoipa::path(
    post,
    path = "/v1/departments",
    operation_id = "postV1Departments",
    tag = "panel",
    request_body = DepartmentRequest,
    responses(
        (status = 201, description = "Created.", body = Department),
        (
            status = 400,
            description = "`invalid_json` or `invalid_name` (1 to 100 characters).",
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
            status = 409,
            description = "`department_exists`: a department has that name.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_departments() {}

/// Rename a department (admin).
#[utoipa::path(
    put,
    path = "/v1/departments/{id}",
    operation_id = "putV1DepartmentsId",
    tag = "panel",
    params(
        ("id" = u64, Path, description = "Numeric id."),
    ),
    request_body = DepartmentRequest,
    responses(
        (status = 200, description = "Renamed.", body = Department),
        (
            status = 400,
            description = "`invalid_id`, `invalid_json` or `invalid_name`.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`department_not_found`.", body = ErrorBody),
        (
            status = 409,
            description = "`department_exists`: another department has that name.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_departments_id() {}

/// Delete a department (admin); operators serving it lose it.
#[utoipa::path(
    delete,
    path = "/v1/departments/{id}",
    operation_id = "deleteV1DepartmentsId",
    tag = "panel",
    params(
        ("id" = u64, Path, description = "Numeric id."),
    ),
    responses(
        (status = 200, description = "Deleted.", body = inline(Deleted)),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`department_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_departments_id() {}

/// Every account, admins included.
#[utoipa::path(
    get,
    path = "/v1/operators",
    operation_id = "getV1Operators",
    tag = "panel",
    responses(
        (status = 200, description = "The accounts.", body = Vec<Operator>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_operators() {}

/// One operator.
#[utoipa::path(
    get,
    path = "/v1/operators/{sip}",
    operation_id = "getV1OperatorsSip",
    tag = "panel",
    params(
        (
            "sip" = String,
            Path,
            pattern = "^[A-Za-z0-9._-]{1,32}$",
            description = "The operator's SIP username.",
        ),
    ),
    responses(
        (status = 200, description = "The operator.", body = Operator),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
        (status = 404, description = "`operator_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_operators_sip() {}

/// Create or change an operator (admin).
///
/// Creates the operator when no account has this SIP username (email and password required; name
/// defaults to the SIP username, role to operator, departments to all), otherwise changes the
/// fields given. A new password or a new email ends every session of the account at once (the
/// admin's own current session survives a change to their own account).
#[utoipa::path(
    put,
    path = "/v1/operators/{sip}",
    operation_id = "putV1OperatorsSip",
    tag = "panel",
    params(
        (
            "sip" = String,
            Path,
            pattern = "^[A-Za-z0-9._-]{1,32}$",
            description = "The operator's SIP username.",
        ),
    ),
    request_body = OperatorRequest,
    responses(
        (status = 200, description = "Changed.", body = Operator),
        (status = 201, description = "Created.", body = Operator),
        (
            status = 400,
            description = "`invalid_sip` (1 to 32 letters, digits, `.`, `_`, `-`), \
                           `invalid_json`, `invalid_email` (bad, or missing for a new operator), \
                           `invalid_password`, `invalid_name`, `invalid_role`, \
                           `invalid_max_chats`, `invalid_departments`.",
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
            status = 409,
            description = "`email_taken`: the email already has an account.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 429, response = TooManyRequests),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_operators_sip() {}

/// Delete an operator (admin).
#[utoipa::path(
    delete,
    path = "/v1/operators/{sip}",
    operation_id = "deleteV1OperatorsSip",
    tag = "panel",
    params(
        (
            "sip" = String,
            Path,
            pattern = "^[A-Za-z0-9._-]{1,32}$",
            description = "The operator's SIP username.",
        ),
    ),
    responses(
        (status = 200, description = "Deleted.", body = inline(DeletedOperator)),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`operator_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_operators_sip() {}

/// The canned responses.
#[utoipa::path(
    get,
    path = "/v1/canned-responses",
    operation_id = "getV1CannedResponses",
    tag = "panel",
    responses(
        (status = 200, description = "Every canned response.", body = Vec<Canned>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_canned_responses() {}

/// Create a canned response (admin).
#[utoipa::path(
    post,
    path = "/v1/canned-responses",
    operation_id = "postV1CannedResponses",
    tag = "panel",
    request_body = CannedRequest,
    responses(
        (status = 201, description = "Created.", body = Canned),
        (
            status = 400,
            description = "`invalid_json`, `invalid_shortcut` or `invalid_text`.",
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
            status = 409,
            description = "`shortcut_exists`: the shortcut is taken.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_canned_responses() {}

/// Change a canned response (admin).
#[utoipa::path(
    put,
    path = "/v1/canned-responses/{id}",
    operation_id = "putV1CannedResponsesId",
    tag = "panel",
    params(
        ("id" = u64, Path, description = "Numeric id."),
    ),
    request_body = CannedRequest,
    responses(
        (status = 200, description = "Changed.", body = Canned),
        (
            status = 400,
            description = "`invalid_id`, `invalid_json`, `invalid_shortcut` or `invalid_text`.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`canned_response_not_found`.", body = ErrorBody),
        (
            status = 409,
            description = "`shortcut_exists`: the shortcut is taken.",
            body = ErrorBody,
        ),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn put_canned_responses_id() {}

/// Delete a canned response (admin); clears `auto_canned_response` if it pointed here.
#[utoipa::path(
    delete,
    path = "/v1/canned-responses/{id}",
    operation_id = "deleteV1CannedResponsesId",
    tag = "panel",
    params(
        ("id" = u64, Path, description = "Numeric id."),
    ),
    responses(
        (status = 200, description = "Deleted.", body = inline(Deleted)),
        (status = 400, description = "`invalid_id`: the id is not a number.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can change this (or a visitor's chat token \
                           was used).",
            body = ErrorBody,
        ),
        (status = 404, description = "`canned_response_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_canned_responses_id() {}

/// Offline messages, newest first.
#[utoipa::path(
    get,
    path = "/v1/offline-messages",
    operation_id = "getV1OfflineMessages",
    tag = "panel",
    params(
        (
            "limit" = Option<u32>,
            Query,
            description = "Most items to answer (default 100, at most 500).",
        ),
        (
            "after" = Option<u64>,
            Query,
            description = "The last id of the previous page: older messages (newest first).",
        ),
    ),
    responses(
        (status = 200, description = "The messages.", body = Vec<OfflineMessage>),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_offline_messages() {}

/// Mark an off-line message handled.
#[utoipa::path(
    post,
    path = "/v1/offline-messages/{id}/done",
    operation_id = "postV1OfflineMessagesIdDone",
    tag = "panel",
    params(
        ("id" = u64, Path, description = "The off-line message."),
    ),
    responses(
        (
            status = 204,
            description = "Marked; connected terminals get `changed offline_messages`.",
        ),
        (status = 404, description = "`offline_message_not_found`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: a visitor's chat token cannot use the panel.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_offline_messages_id_done() {}

/// The company's audit log: who changed which setting, operator, department, canned response,
/// graphics, buttons, card or password, and when; newest first. Admins only; only the company's own
/// entries.
#[utoipa::path(
    get,
    path = "/v1/audit-log",
    operation_id = "getV1AuditLog",
    tag = "panel",
    params(
        (
            "limit" = Option<u32>,
            Query,
            minimum = 1,
            maximum = 200,
            description = "Entries per page, 1 to 200 (default 50).",
        ),
        ("after" = Option<String>, Query, description = "The `next` of the previous page."),
    ),
    responses(
        (status = 200, description = "A page of entries.", body = AuditLog),
        (
            status = 400,
            description = "`invalid_limit` (not 1 to 200), `invalid_after` (not a cursor this \
                           endpoint gave).",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 403,
            description = "`forbidden`: only an admin can read the audit log.",
            body = ErrorBody,
        ),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_audit_log() {}
