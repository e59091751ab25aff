//! Billing on the wire: the company's plan and next invoice, invoices, saved cards, and how
//! money and VAT rates are written for people (the invoice PDF and the terminal client write
//! them the same way).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `GET /v1/billing`: what the company pays, when it is next invoiced, and whether it can pay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Billing {
    /// ISO 4217 code invoices are in (the profile's currency).
    pub currency: String,
    /// Operator seats the next invoice counts, as things stand.
    pub seats: u32,
    /// Price of one seat for one month, in minor units of `currency`.
    pub seat_price_minor: i64,
    /// The month the next invoice bills, `YYYY-MM`.
    pub next_period: String,
    /// When that invoice is issued and charged: Unix ms.
    pub next_invoice_at: u64,
    /// Saved cards.
    pub cards: u32,
    /// Invoices not paid.
    pub unpaid: u32,
    /// What needs doing, for the panel to show: no card saved before the next invoice,
    /// invoices unpaid. Absent when nothing does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Whether an invoice is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Charged to a card.
    Paid,
    /// Not paid yet: no card, or the charge failed (`failure` says why). Charged again when
    /// a card is saved.
    Unpaid,
}

impl InvoiceStatus {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Unpaid => "unpaid",
        }
    }
}

/// Which VAT rule an invoice follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VatRule {
    /// The customer is in the seller's country: the seller's rate.
    Domestic,
    /// Another EU country, with a valid VAT number: 0 %, the customer accounts for the VAT.
    ReverseCharge,
    /// Another EU country, without a VAT number: that country's rate.
    DestinationRate,
    /// Outside the EU: 0 %, outside the scope of EU VAT.
    OutsideScope,
}

impl VatRule {
    /// The wire name, also the stored one.
    pub fn name(self) -> &'static str {
        match self {
            VatRule::Domestic => "domestic",
            VatRule::ReverseCharge => "reverse_charge",
            VatRule::DestinationRate => "destination_rate",
            VatRule::OutsideScope => "outside_scope",
        }
    }

    /// The line an invoice must carry when it charges no VAT; none when it charges VAT.
    pub fn invoice_note(self) -> Option<&'static str> {
        match self {
            VatRule::Domestic | VatRule::DestinationRate => None,
            VatRule::ReverseCharge => Some(
                "Reverse charge: VAT to be accounted for by the customer \
                 (Article 196, Council Directive 2006/112/EC)",
            ),
            VatRule::OutsideScope => Some("Outside the scope of EU VAT"),
        }
    }
}

/// An issued invoice (`GET /v1/invoices`). Money is in integer minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invoice {
    /// Invoice number: 1, 2, 3, ... per company, with no gap.
    pub number: u64,
    /// The month billed, `YYYY-MM`.
    pub period: String,
    /// Unix ms of issue.
    pub issued_at: u64,
    /// The issue date in the company's time zone, `YYYY-MM-DD`.
    pub issued: String,
    /// Operator seats billed.
    pub seats: u32,
    /// Price of one seat.
    pub unit_minor: i64,
    /// Total before VAT.
    pub net_minor: i64,
    /// VAT rule applied.
    pub vat_rule: VatRule,
    /// VAT rate in basis points (1900 = 19 %).
    pub vat_rate_bp: u32,
    /// VAT amount.
    pub vat_minor: i64,
    /// Total with VAT.
    pub gross_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Paid or unpaid.
    pub status: InvoiceStatus,
    /// Unix ms of payment, when paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<u64>,
    /// Why the last charge failed, when unpaid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Where its PDF is: `/v1/invoices/{number}.pdf`.
    pub pdf: String,
}

/// `GET /v1/invoices`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceList {
    /// The invoices.
    pub invoices: Vec<Invoice>,
}

/// A saved card: what the payment gateway handed back; never the number or the CVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// Card id.
    pub id: u64,
    /// Brand, e.g. `visa`.
    pub brand: String,
    /// Last four digits of the number.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u8,
    /// Expiry year, four digits.
    pub exp_year: u16,
    /// Name on the card.
    pub holder: String,
    /// Whether invoices are charged to it.
    pub default: bool,
    /// Unix ms it was saved.
    pub added_at: u64,
}

/// `GET /v1/cards`, and the answer to a change of the default card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardList {
    /// The cards, oldest first.
    pub cards: Vec<Card>,
}

/// `POST /v1/cards`. The number and CVC go to the payment gateway and nowhere else; this
/// type's `Debug` shows only the last four digits.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardRequest {
    /// Card number; spaces and dashes are allowed.
    pub number: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u32,
    /// Expiry year, four digits (two are read as 20xx).
    pub exp_year: u32,
    /// Security code, 3 digits (4 for American Express).
    pub cvc: String,
    /// Name on the card.
    pub holder: String,
}

impl fmt::Debug for CardRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
        let last4 = &digits[digits.len().saturating_sub(4)..];
        f.debug_struct("CardRequest")
            .field("number", &format_args!("…{last4}"))
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &format_args!("…"))
            .field("holder", &self.holder)
            .finish()
    }
}

/// Formats an amount in minor units of a two-decimal currency: `€1,234.50`, `-£5.00`,
/// `$0.99`; a currency without a symbol here is written as its code, `CHF 119.00`.
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut units = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            units.push(',');
        }
        units.push(digit);
    }
    let amount = format!("{units}.{:02}", abs % 100);
    match currency {
        "GBP" => format!("{sign}£{amount}"),
        "EUR" => format!("{sign}€{amount}"),
        "USD" => format!("{sign}${amount}"),
        code => format!("{sign}{code} {amount}"),
    }
}

/// Formats a rate in basis points as printed next to "VAT": `19 %`, `25.5 %`, `0 %`.
pub fn format_vat_rate(basis_points: u32) -> String {
    let whole = basis_points / 100;
    match basis_points % 100 {
        0 => format!("{whole} %"),
        hundredths if hundredths.is_multiple_of(10) => format!("{whole}.{} %", hundredths / 10),
        hundredths => format!("{whole}.{hundredths:02} %"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_money_writes_the_symbol_thousands_and_two_decimals() {
        let cases = [
            (11_900, "EUR", "€119.00"),
            (0, "EUR", "€0.00"),
            (5, "GBP", "£0.05"),
            (123_456_789, "USD", "$1,234,567.89"),
            (100_000, "GBP", "£1,000.00"),
            (99_999, "GBP", "£999.99"),
            (-500, "EUR", "-€5.00"),
            (11_900, "CHF", "CHF 119.00"),
            (-1, "SEK", "-SEK 0.01"),
            (i64::MIN, "EUR", "-€92,233,720,368,547,758.08"),
        ];
        for (minor, currency, expected) in cases {
            assert_eq!(
                format_money(minor, currency),
                expected,
                "{minor} {currency}"
            );
        }
    }

    #[test]
    fn format_vat_rate_shows_only_the_decimals_it_needs() {
        let cases = [
            (1900, "19 %"),
            (0, "0 %"),
            (2550, "25.5 %"),
            (770, "7.7 %"),
            (2125, "21.25 %"),
            (5, "0.05 %"),
        ];
        for (basis_points, expected) in cases {
            assert_eq!(format_vat_rate(basis_points), expected, "{basis_points}");
        }
    }

    #[test]
    fn a_card_request_never_prints_its_number_or_cvc() {
        let request = CardRequest {
            number: "4242 4242 4242 4242".into(),
            exp_month: 12,
            exp_year: 2030,
            cvc: "123".into(),
            holder: "Ada".into(),
        };
        let printed = format!("{request:?}");
        assert!(!printed.contains("4242 4242"), "{printed}");
        assert!(!printed.contains("123"), "{printed}");
        assert!(printed.contains("…4242"), "{printed}");
    }
}
