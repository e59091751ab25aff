//! The billing calls: the plan and its warning, invoices and their PDFs, cards. Writes go
//! through the billing worker ([`crate::actors::billing`]); the answers are the wire's own
//! billing types, which hold nothing the engine keeps to itself.

use switchboard_api::billing as wire;
use switchboard_storage::records::{CardRecord, InvoiceRecord, InvoiceStatusRecord, PartyRecord};

use super::*;
use crate::actors::billing::{rule_of, Issued};
use crate::billing::cards::{self, CardForm};
use crate::billing::countries;
use crate::billing::gateway::GatewayError;
use crate::billing::pdf::{self, InvoiceDocument, InvoiceLine, Party, PaymentStatus};
use crate::billing::period::{date_in, long_date, zone};
use crate::billing::Period;

impl Engine {
    /// What the company pays, when it is next invoiced, and what needs doing first.
    pub fn billing(&self, tenant: TenantId) -> Result<wire::Billing> {
        let company = self.view(tenant)?.tenant.company.clone();
        let tz = zone(&company.time_zone);
        let now = now_ms();
        let first = Period::of(company.created_at, &tz).next();
        let mut next = Period::of(now, &tz).max(first);
        while self.invoiced(tenant, next)?.is_some() {
            next = next.next();
        }
        let next_invoice_at = next.end(&tz);
        let cards = self.cards(tenant)?.len() as u32;
        let unpaid = self
            .invoices(tenant)?
            .iter()
            .filter(|(_, i)| matches!(i.status, InvoiceStatusRecord::Unpaid { .. }))
            .count() as u32;
        let due = long_date(next_invoice_at, &tz);
        let warning = if cards == 0 && unpaid > 0 {
            Some(format!(
                "{unpaid} invoice(s) unpaid: save a card and they are charged to it at once"
            ))
        } else if cards == 0 {
            Some(format!(
                "No card is saved: save one before {due}, when the next invoice is due"
            ))
        } else if unpaid > 0 {
            Some(format!(
                "{unpaid} invoice(s) unpaid: the last charge failed; save another card or make \
                 it the default"
            ))
        } else {
            None
        };
        let seat_price_minor = self
            .config()
            .billing
            .seat_price
            .get(&company.currency)
            .copied()
            .unwrap_or(0);
        Ok(wire::Billing {
            currency: company.currency,
            seats: self.seats(tenant)?,
            seat_price_minor,
            next_period: next.to_string(),
            next_invoice_at,
            cards,
            unpaid,
            warning,
        })
    }

    /// The company's invoices, newest first.
    pub fn invoice_list(&self, tenant: TenantId) -> Result<wire::InvoiceList> {
        let invoices = self.invoices(tenant)?;
        Ok(wire::InvoiceList {
            invoices: invoices
                .into_iter()
                .map(|(number, record)| invoice_wire(number, &record))
                .collect(),
        })
    }

    /// One invoice as a printable A4 PDF (rendered on the blocking pool).
    pub async fn invoice_pdf(&self, tenant: TenantId, number: u64) -> Result<Vec<u8>> {
        let record = self.invoice(tenant, number)?;
        let document = invoice_document(number, &record);
        tokio::task::spawn_blocking(move || pdf::render(&document))
            .await
            .map_err(|e| Error::Internal(format!("rendering stopped: {e}")))?
            .map_err(|e| Error::Internal(format!("cannot render invoice {number}: {e}")))
    }

    /// The company's saved cards, oldest first.
    pub fn card_list(&self, tenant: TenantId) -> Result<wire::CardList> {
        Ok(wire::CardList {
            cards: self
                .cards(tenant)?
                .iter()
                .map(|(id, c)| card_wire(*id, c))
                .collect(),
        })
    }

    /// Checks a card form, hands the number and CVC to the payment gateway (and nowhere
    /// else), and saves what it answers; unpaid invoices are then charged to the default
    /// card.
    pub async fn add_card(&self, tenant: TenantId, form: wire::CardRequest) -> Result<wire::Card> {
        let company = self.view(tenant)?.tenant.company.clone();
        let today = date_in(now_ms(), &zone(&company.time_zone));
        let holder = crate::text::one_line(&form.holder);
        let card = cards::check(
            &CardForm {
                number: &form.number,
                exp_month: form.exp_month,
                exp_year: form.exp_year,
                cvc: &form.cvc,
                holder: &holder,
            },
            today,
        )
        .map_err(|e| Error::invalid(e.field(), e.to_string()))?;
        drop(form);
        let gateway = self.inner.gateway.clone();
        let saved = tokio::task::spawn_blocking(move || gateway.tokenize(&card))
            .await
            .map_err(|e| Error::Internal(format!("the payment call failed: {e}")))?
            .map_err(payment_error)?;
        let id = self.inner.billing.save_card(tenant, saved, holder).await?;
        let cards = self.cards(tenant)?;
        let (_, record) = cards
            .iter()
            .find(|(c, _)| *c == id)
            .ok_or(Error::NotFound("card"))?;
        Ok(card_wire(id, record))
    }

    /// Makes a card the one invoices are charged to (unpaid ones at once).
    pub async fn set_default_card(&self, tenant: TenantId, id: u64) -> Result<wire::CardList> {
        self.inner.billing.default_card(tenant, id).await?;
        self.card_list(tenant)
    }

    /// Deletes a saved card.
    pub async fn delete_card(&self, tenant: TenantId, id: u64) -> Result<()> {
        self.inner.billing.delete_card(tenant, id).await
    }

    /// Issues (and charges) every invoice due at `now`, Unix ms: what the worker does each
    /// minute by the clock.
    pub async fn bill_due(&self, now: u64) -> Result<Vec<Issued>> {
        self.inner.billing.due(now).await
    }

    /// Issues `period`'s invoice for every company that has none (`switchboard billing run`).
    pub async fn bill_period(&self, period: Period) -> Result<Vec<Issued>> {
        self.inner.billing.period(period).await
    }
}

/// A gateway's refusal as the engine's error: a decline is the customer's to fix (402), an
/// outage is worth retrying (503).
fn payment_error(e: GatewayError) -> Error {
    match e {
        GatewayError::Declined { .. } => Error::Declined(e.to_string()),
        GatewayError::Unavailable { .. } => Error::Overloaded,
        GatewayError::Rejected { .. } => Error::Internal(e.to_string()),
    }
}

fn card_wire(id: u64, c: &CardRecord) -> wire::Card {
    wire::Card {
        id,
        brand: c.brand.clone(),
        last4: c.last4.clone(),
        exp_month: c.exp_month,
        exp_year: c.exp_year,
        holder: c.holder.clone(),
        default: c.default,
        added_at: c.added_at,
    }
}

fn period_of(r: &InvoiceRecord) -> Period {
    Period {
        year: r.year as i16,
        month: r.month as i8,
    }
}

fn invoice_wire(number: u64, r: &InvoiceRecord) -> wire::Invoice {
    let (status, paid_at, failure) = match &r.status {
        InvoiceStatusRecord::Paid { at, .. } => (wire::InvoiceStatus::Paid, Some(*at), None),
        InvoiceStatusRecord::Unpaid { reason, .. } => (
            wire::InvoiceStatus::Unpaid,
            None,
            Some(if reason.is_empty() {
                "no card is saved".to_string()
            } else {
                reason.clone()
            }),
        ),
    };
    wire::Invoice {
        number,
        period: period_of(r).to_string(),
        issued_at: r.issued_at,
        issued: date_in(r.issued_at, &zone(&r.time_zone)).to_string(),
        seats: r.seats,
        unit_minor: r.unit_minor,
        net_minor: r.net_minor,
        vat_rule: rule_of(r.vat_rule),
        vat_rate_bp: r.vat_rate_bp,
        vat_minor: r.vat_minor,
        gross_minor: r.gross_minor,
        currency: r.currency.clone(),
        status,
        paid_at,
        failure,
        pdf: format!("/v1/invoices/{number}.pdf"),
    }
}

/// What the PDF prints of an invoice; dates in the time zone the company had at issue.
fn invoice_document(number: u64, r: &InvoiceRecord) -> InvoiceDocument {
    let tz = zone(&r.time_zone);
    let day = |ms: u64| long_date(ms, &tz);
    let period = period_of(r);
    let month = period.first_day().strftime("%B %Y").to_string();
    InvoiceDocument {
        number: number.to_string(),
        issued: day(r.issued_at),
        period: month.clone(),
        status: match &r.status {
            InvoiceStatusRecord::Paid { at, .. } => PaymentStatus::Paid { on: day(*at) },
            InvoiceStatusRecord::Unpaid { .. } => PaymentStatus::Unpaid {
                due: day(r.issued_at),
            },
        },
        seller: party(&r.seller),
        customer: party(&r.customer),
        lines: vec![InvoiceLine {
            description: format!("Operator seats, {month}"),
            quantity: r.seats,
            unit_minor: r.unit_minor,
            amount_minor: r.net_minor,
        }],
        currency: r.currency.clone(),
        net_minor: r.net_minor,
        vat_rate_bp: r.vat_rate_bp,
        vat_minor: r.vat_minor,
        gross_minor: r.gross_minor,
        vat_note: rule_of(r.vat_rule).invoice_note().map(String::from),
    }
}

fn party(p: &PartyRecord) -> Party {
    let a = &p.address;
    let town = [a.postcode.as_str(), a.city.as_str()]
        .iter()
        .filter(|l| !l.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    Party {
        name: p.name.clone(),
        address_lines: [a.street.clone(), town]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
        country_name: countries::country(&p.country)
            .map_or(p.country.clone(), |c| c.name.to_string()),
        vat_number: (!p.vat_number.is_empty()).then(|| p.vat_number.clone()),
    }
}
