//! Billing, for the company's admin: the plan and its warning, invoices with their PDFs, and
//! saved cards. A card's number and CVC pass through here to the engine's payment gateway
//! and are never logged, stored or answered.

use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_DISPOSITION};
use hyper::{Request, StatusCode};

use super::{admin, json, no_content, read_secret_json, respond, Reply};
use crate::api::billing::CardRequest;
use crate::error::ApiError;
use crate::server::App;

/// `GET /v1/billing`.
pub async fn billing(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    json(StatusCode::OK, &app.engine.billing(tenant)?)
}

/// `GET /v1/invoices`: newest first.
pub async fn invoices(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    json(StatusCode::OK, &app.engine.invoice_list(tenant)?)
}

/// `GET /v1/invoices/{number}.pdf`.
pub async fn invoice_pdf(app: &Arc<App>, req: Request<Incoming>, file: &str) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let number = file
        .strip_suffix(".pdf")
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "number",
                format!("\"{file}\" is not an invoice's PDF: ask for /v1/invoices/NUMBER.pdf"),
            )
        })?;
    let pdf = app.engine.invoice_pdf(tenant, number).await?;
    let mut response = respond(StatusCode::OK, "application/pdf", Bytes::from(pdf));
    let name = format!("inline; filename=\"invoice-{number}.pdf\"");
    response.headers_mut().insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&name).expect("digits and ASCII"),
    );
    Ok(response)
}

/// `GET /v1/cards`.
pub async fn cards(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    json(StatusCode::OK, &app.engine.card_list(tenant)?)
}

/// `POST /v1/cards`.
pub async fn add_card(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let form: CardRequest = read_secret_json(
        app,
        req,
        "give number and cvc as strings, exp_month and exp_year as numbers, and holder",
    )
    .await?;
    json(
        StatusCode::CREATED,
        &app.engine.add_card(tenant, form).await?,
    )
}

/// `POST /v1/cards/{id}/default`.
pub async fn default_card(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    json(
        StatusCode::OK,
        &app.engine.set_default_card(tenant, id).await?,
    )
}

/// `DELETE /v1/cards/{id}`.
pub async fn delete_card(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    app.engine.delete_card(tenant, id).await?;
    Ok(no_content())
}
