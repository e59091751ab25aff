//! Operations tagged `billing`: the plan, invoices and their PDFs, saved cards (admin only).

use super::schemas::{PayloadTooLarge, Pdf, RequestTimeout, Unauthorized};
use crate::api::billing::{Billing, Card, CardList, CardRequest, InvoiceList};
use crate::api::ErrorBody;

/// What the company pays, when it is next invoiced, and what needs doing (admin).
#[utoipa::path(
    get,
    path = "/v1/billing",
    operation_id = "getV1Billing",
    tag = "billing",
    responses(
        (
            status = 200,
            description = "The plan. `warning` is present while no card is saved or an invoice \
                           is unpaid: the panel shows it.",
            body = Billing,
        ),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin sees billing.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_billing() {}

/// The company's invoices, newest first (admin).
#[utoipa::path(
    get,
    path = "/v1/invoices",
    operation_id = "getV1Invoices",
    tag = "billing",
    responses(
        (
            status = 200,
            description = "Each month after the sign-up month is invoiced when it ends in the \
                           company's time zone; numbers run 1, 2, 3, ... without a gap.",
            body = InvoiceList,
        ),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin sees billing.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_invoices() {}

/// An invoice as a printable A4 PDF (admin).
#[utoipa::path(
    get,
    path = "/v1/invoices/{file}",
    operation_id = "getV1InvoicesFile",
    tag = "billing",
    params(("file" = String, Path, description = "`{number}.pdf`, e.g. `1.pdf`.")),
    responses(
        (
            status = 200,
            description = "The PDF, fonts embedded: seller and customer with their VAT \
                           numbers, the seats, VAT rate and amount, totals, the reverse-charge \
                           or outside-scope note where it applies.",
            body = inline(Pdf),
            content_type = "application/pdf",
        ),
        (status = 400, description = "`invalid_number`: not `{number}.pdf`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin sees billing.", body = ErrorBody),
        (status = 404, description = "`invoice_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_invoices_file() {}

/// The saved cards, oldest first (admin).
#[utoipa::path(
    get,
    path = "/v1/cards",
    operation_id = "getV1Cards",
    tag = "billing",
    responses(
        (status = 200, description = "Brand, last four digits, expiry, holder, default.", body = CardList),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin sees billing.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn get_cards() {}

/// Save a card (admin). The number and CVC go to the payment gateway and are never stored,
/// logged or answered; the company's first card becomes the default, and unpaid invoices
/// are charged to the default card at once.
#[utoipa::path(
    post,
    path = "/v1/cards",
    operation_id = "postV1Cards",
    tag = "billing",
    request_body = CardRequest,
    responses(
        (status = 201, description = "The saved card.", body = Card),
        (
            status = 400,
            description = "`invalid_json` (without any value from the body), `invalid_number` \
                           (digits, length, brand, check digit), `invalid_exp_month`, \
                           `invalid_exp_year` (or expired), `invalid_cvc`, `invalid_holder`.",
            body = ErrorBody,
        ),
        (status = 401, response = Unauthorized),
        (
            status = 402,
            description = "`card_declined`: the gateway refused to save the card.",
            body = ErrorBody,
        ),
        (status = 403, description = "`forbidden`: only an admin manages cards.", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 408, response = RequestTimeout),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_cards() {}

/// Delete a saved card (admin); the oldest card left becomes the default if it was.
#[utoipa::path(
    delete,
    path = "/v1/cards/{id}",
    operation_id = "deleteV1CardsId",
    tag = "billing",
    params(("id" = u64, Path, description = "Card id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "`invalid_id`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin manages cards.", body = ErrorBody),
        (status = 404, description = "`card_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn delete_cards_id() {}

/// Make a card the one invoices are charged to (admin); unpaid invoices are charged to it at
/// once.
#[utoipa::path(
    post,
    path = "/v1/cards/{id}/default",
    operation_id = "postV1CardsIdDefault",
    tag = "billing",
    params(("id" = u64, Path, description = "Card id.")),
    responses(
        (status = 200, description = "The cards after the change.", body = CardList),
        (status = 400, description = "`invalid_id`.", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "`forbidden`: only an admin manages cards.", body = ErrorBody),
        (status = 404, description = "`card_not_found`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub(super) fn post_cards_id_default() {}
