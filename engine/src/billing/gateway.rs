//! The payment gateway: the one place a card number goes. [`PaymentGateway`] saves a card
//! as a token and charges a token; Switchboard keeps only what [`SavedCard`] holds (token,
//! brand, last four digits, expiry). The trait is synchronous and object safe, so the
//! billing code holds an `Arc<dyn PaymentGateway>` and runs a call on a blocking thread
//! when the gateway is a remote one.
//!
//! [`Sandbox`], the default, follows the common test-card conventions:
//!
//! | card                  | saving   | charging                                     |
//! |-----------------------|----------|----------------------------------------------|
//! | `4242 4242 4242 4242` | succeeds | succeeds                                     |
//! | `4000 0000 0000 0002` | succeeds | declined, `card_declined`                    |
//! | `4000 0000 0000 9995` | succeeds | declined, `insufficient_funds`               |
//! | `4000 0000 0000 0119` | succeeds | fails as unavailable (a processing error)    |
//! | any other valid card  | succeeds | succeeds                                     |
//!
//! Saving never fails in the sandbox: a decline is seen where billing meets it, when an
//! invoice is charged, which is the path that needs testing (an unpaid invoice, the panel's
//! warning). Some gateways refuse a declining card already when it is saved; callers
//! handle a [`GatewayError::Declined`] from [`PaymentGateway::tokenize`] as well.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::cards::{Brand, Card};

/// Saves cards and charges them. Implementations must never log or store a card's number
/// or CVC.
pub trait PaymentGateway: Send + Sync {
    /// Saves `card` with the gateway and returns what Switchboard may keep.
    fn tokenize(&self, card: &Card) -> Result<SavedCard, GatewayError>;

    /// Charges `amount_minor` (minor units, above zero) of `currency` (ISO 4217, upper
    /// case) to the saved card `token`. A retry with the same `idempotency_key` gets the
    /// first answer back and charges nothing more; the key with different details is
    /// refused.
    fn charge(
        &self,
        token: &str,
        amount_minor: i64,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<ChargeId, GatewayError>;
}

/// A card as Switchboard keeps it: enough to show it and charge it, nothing to copy it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCard {
    /// The gateway's handle for the card.
    pub token: String,
    /// The card's scheme.
    pub brand: Brand,
    /// The last four digits of the number.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u8,
    /// Expiry year, four digits.
    pub exp_year: u16,
}

/// The gateway's id of a successful charge, printed on the invoice's payment line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChargeId(pub String);

impl ChargeId {
    /// The id as the gateway wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChargeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a card issuer refused a charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// Refused with no reason given.
    CardDeclined,
    /// Not enough money or credit.
    InsufficientFunds,
}

impl DeclineReason {
    /// The stable name: `card_declined`, `insufficient_funds`.
    pub fn name(self) -> &'static str {
        match self {
            DeclineReason::CardDeclined => "card_declined",
            DeclineReason::InsufficientFunds => "insufficient_funds",
        }
    }
}

/// What went wrong with a gateway call. Only [`GatewayError::Unavailable`] is worth a retry
/// (with the same idempotency key).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayError {
    /// The card's issuer said no: the customer needs another card or to call their bank.
    Declined {
        /// The issuer's reason.
        reason: DeclineReason,
    },
    /// The gateway could not answer (network, outage, processing error).
    Unavailable {
        /// What the gateway said, for the log.
        message: String,
    },
    /// The request itself was wrong (unknown token, amount, currency, a reused key): a bug
    /// on this side.
    Rejected {
        /// What was wrong.
        message: String,
    },
}

impl GatewayError {
    /// Whether trying again later, with the same idempotency key, may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, GatewayError::Unavailable { .. })
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayError::Declined {
                reason: DeclineReason::CardDeclined,
            } => f.write_str("the card was declined"),
            GatewayError::Declined {
                reason: DeclineReason::InsufficientFunds,
            } => f.write_str("the card was declined for insufficient funds"),
            GatewayError::Unavailable { message } => {
                write!(f, "the payment gateway is unavailable: {message}")
            }
            GatewayError::Rejected { message } => {
                write!(f, "the payment gateway refused the request: {message}")
            }
        }
    }
}

impl std::error::Error for GatewayError {}

/// The sandbox's test card that succeeds.
pub const CARD_SUCCEEDS: &str = "4242424242424242";
/// The sandbox's test card declined on charge, `card_declined`.
pub const CARD_DECLINED: &str = "4000000000000002";
/// The sandbox's test card declined on charge, `insufficient_funds`.
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";
/// The sandbox's test card whose charges fail as unavailable.
pub const CARD_PROCESSING_ERROR: &str = "4000000000000119";

/// Every sandbox token starts with this.
const TOKEN_PREFIX: &str = "tok_sandbox_";

/// What charging a sandbox card does; written into its token, since the sandbox keeps no
/// card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeds,
    Declined(DeclineReason),
    ProcessingError,
}

impl Outcome {
    fn of(number: &str) -> Outcome {
        match number {
            CARD_DECLINED => Outcome::Declined(DeclineReason::CardDeclined),
            CARD_INSUFFICIENT_FUNDS => Outcome::Declined(DeclineReason::InsufficientFunds),
            CARD_PROCESSING_ERROR => Outcome::ProcessingError,
            _ => Outcome::Succeeds,
        }
    }

    /// The token's marker.
    fn marker(self) -> &'static str {
        match self {
            Outcome::Succeeds => "ok",
            Outcome::Declined(DeclineReason::CardDeclined) => "declined",
            Outcome::Declined(DeclineReason::InsufficientFunds) => "funds",
            Outcome::ProcessingError => "error",
        }
    }

    /// The outcome a token carries; `None` for a token the sandbox did not issue.
    fn of_token(token: &str) -> Option<Outcome> {
        let (marker, random) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
        let outcome = [
            Outcome::Succeeds,
            Outcome::Declined(DeclineReason::CardDeclined),
            Outcome::Declined(DeclineReason::InsufficientFunds),
            Outcome::ProcessingError,
        ]
        .into_iter()
        .find(|o| o.marker() == marker)?;
        let well_formed = random.len() == 32 && random.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then_some(outcome)
    }
}

/// A charge the sandbox made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxCharge {
    /// Its id.
    pub id: ChargeId,
    /// The card's token.
    pub token: String,
    /// Minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The key it was made under.
    pub idempotency_key: String,
}

/// The default gateway: no network, no stored cards, charges kept in memory.
#[derive(Debug, Default)]
pub struct Sandbox {
    ledger: Mutex<Ledger>,
}

/// What the sandbox remembers: its answers by idempotency key, and the charges made.
#[derive(Debug, Default)]
struct Ledger {
    /// Key -> the request and its answer. Unavailable answers are not kept, so a retry is
    /// tried afresh.
    by_key: HashMap<String, Answered>,
    /// Successful charges, oldest first.
    charges: Vec<SandboxCharge>,
}

#[derive(Debug)]
struct Answered {
    token: String,
    amount_minor: i64,
    currency: String,
    answer: Result<ChargeId, GatewayError>,
}

impl Sandbox {
    /// An empty sandbox.
    pub fn new() -> Sandbox {
        Sandbox::default()
    }

    /// The charges made so far, oldest first.
    pub fn charges(&self) -> Vec<SandboxCharge> {
        self.ledger().charges.clone()
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // No code panics while holding the lock; if one did, the ledger is still whole.
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// 32 random hex digits.
fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn rejected(message: &str) -> GatewayError {
    GatewayError::Rejected {
        message: message.to_string(),
    }
}

impl PaymentGateway for Sandbox {
    fn tokenize(&self, card: &Card) -> Result<SavedCard, GatewayError> {
        let outcome = Outcome::of(card.number());
        Ok(SavedCard {
            token: format!("{TOKEN_PREFIX}{}_{}", outcome.marker(), random_hex()),
            brand: card.brand(),
            last4: card.last4().to_string(),
            exp_month: card.exp_month(),
            exp_year: card.exp_year(),
        })
    }

    fn charge(
        &self,
        token: &str,
        amount_minor: i64,
        currency: &str,
        idempotency_key: &str,
    ) -> Result<ChargeId, GatewayError> {
        if amount_minor <= 0 {
            return Err(rejected("the amount must be above zero"));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(rejected("the currency must be an upper-case ISO 4217 code"));
        }
        if idempotency_key.is_empty() {
            return Err(rejected("an idempotency key is required"));
        }
        let outcome = Outcome::of_token(token).ok_or_else(|| rejected("no such card token"))?;

        let mut ledger = self.ledger();
        if let Some(earlier) = ledger.by_key.get(idempotency_key) {
            let same = earlier.token == token
                && earlier.amount_minor == amount_minor
                && earlier.currency == currency;
            return if same {
                earlier.answer.clone()
            } else {
                Err(rejected(
                    "the idempotency key was used for a different charge",
                ))
            };
        }
        let answer = match outcome {
            Outcome::Succeeds => Ok(ChargeId(format!("ch_sandbox_{}", random_hex()))),
            Outcome::Declined(reason) => Err(GatewayError::Declined { reason }),
            Outcome::ProcessingError => {
                return Err(GatewayError::Unavailable {
                    message: "processing error (sandbox test card)".to_string(),
                })
            }
        };
        if let Ok(id) = &answer {
            ledger.charges.push(SandboxCharge {
                id: id.clone(),
                token: token.to_string(),
                amount_minor,
                currency: currency.to_string(),
                idempotency_key: idempotency_key.to_string(),
            });
        }
        ledger.by_key.insert(
            idempotency_key.to_string(),
            Answered {
                token: token.to_string(),
                amount_minor,
                currency: currency.to_string(),
                answer: answer.clone(),
            },
        );
        answer
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::billing::cards::{check, CardForm};

    fn card(number: &str) -> Card {
        let form = CardForm {
            number,
            exp_month: 9,
            exp_year: 2031,
            cvc: if number.starts_with("37") {
                "1234"
            } else {
                "123"
            },
            holder: "Ada Lovelace",
        };
        check(&form, jiff::civil::date(2026, 1, 1)).unwrap()
    }

    fn saved(sandbox: &Sandbox, number: &str) -> SavedCard {
        sandbox.tokenize(&card(number)).unwrap()
    }

    #[test]
    fn each_test_card_saves_and_charges_as_the_convention_says() {
        let declined = |reason| Err(GatewayError::Declined { reason });
        let table = [
            (CARD_SUCCEEDS, Ok(())),
            (CARD_DECLINED, declined(DeclineReason::CardDeclined)),
            (
                CARD_INSUFFICIENT_FUNDS,
                declined(DeclineReason::InsufficientFunds),
            ),
            (
                CARD_PROCESSING_ERROR,
                Err(GatewayError::Unavailable {
                    message: "processing error (sandbox test card)".into(),
                }),
            ),
            ("5555555555554444", Ok(())),
            ("378282246310005", Ok(())),
            ("6011111111111117", Ok(())),
        ];
        let sandbox = Sandbox::new();
        for (i, (number, expected)) in table.into_iter().enumerate() {
            let saved = saved(&sandbox, number);
            let got = sandbox.charge(&saved.token, 1_500, "EUR", &format!("invoice-{i}"));
            assert_eq!(got.map(|_| ()), expected, "{number}");
        }
        assert_eq!(sandbox.charges().len(), 4, "only the successes are charges");
    }

    #[test]
    fn a_saved_card_keeps_brand_last_four_and_expiry_and_never_the_number() {
        let sandbox = Sandbox::new();
        let c = card("5555 5555 5555 4444");
        let first = sandbox.tokenize(&c).unwrap();
        assert!(
            first.token.starts_with("tok_sandbox_ok_"),
            "{}",
            first.token
        );
        assert!(!first.token.contains(c.number()));
        assert_eq!(first.brand, Brand::Mastercard);
        assert_eq!(first.last4, "4444");
        assert_eq!((first.exp_month, first.exp_year), (9, 2031));
        let second = sandbox.tokenize(&c).unwrap();
        assert_ne!(first.token, second.token, "each save is a new token");
        assert!(sandbox.charges().is_empty(), "saving charges nothing");
    }

    #[test]
    fn a_charge_is_recorded_once_per_idempotency_key() {
        let sandbox = Sandbox::new();
        let token = saved(&sandbox, CARD_SUCCEEDS).token;
        let first = sandbox.charge(&token, 2_299, "GBP", "invoice-7").unwrap();
        let again = sandbox.charge(&token, 2_299, "GBP", "invoice-7").unwrap();
        assert_eq!(first, again);
        assert!(first.as_str().starts_with("ch_sandbox_"));
        assert_eq!(
            sandbox.charges(),
            vec![SandboxCharge {
                id: first.clone(),
                token: token.clone(),
                amount_minor: 2_299,
                currency: "GBP".into(),
                idempotency_key: "invoice-7".into(),
            }]
        );
        let other = sandbox.charge(&token, 2_299, "GBP", "invoice-8").unwrap();
        assert_ne!(first, other, "another key is another charge");
        assert_eq!(sandbox.charges().len(), 2);
    }

    #[test]
    fn a_key_reused_for_a_different_charge_is_rejected_and_a_decline_is_remembered() {
        let sandbox = Sandbox::new();
        let good = saved(&sandbox, CARD_SUCCEEDS).token;
        let bad = saved(&sandbox, CARD_DECLINED).token;
        sandbox.charge(&good, 1_000, "EUR", "k").unwrap();
        for (token, amount, currency) in [
            (&good, 1_001, "EUR"),
            (&good, 1_000, "USD"),
            (&bad, 1_000, "EUR"),
        ] {
            let e = sandbox.charge(token, amount, currency, "k").unwrap_err();
            assert!(matches!(e, GatewayError::Rejected { .. }), "{e:?}");
            assert!(!e.is_retryable());
        }
        let declined = sandbox.charge(&bad, 1_000, "EUR", "d").unwrap_err();
        assert_eq!(
            sandbox.charge(&bad, 1_000, "EUR", "d").unwrap_err(),
            declined
        );
        assert!(!declined.is_retryable());
        assert_eq!(sandbox.charges().len(), 1);
    }

    #[test]
    fn an_unavailable_answer_is_retryable_and_not_remembered() {
        let sandbox = Sandbox::new();
        let token = saved(&sandbox, CARD_PROCESSING_ERROR).token;
        for _ in 0..2 {
            let e = sandbox
                .charge(&token, 1_000, "EUR", "retry-me")
                .unwrap_err();
            assert!(e.is_retryable(), "{e:?}");
        }
        assert!(sandbox.ledger().by_key.is_empty());
    }

    #[test]
    fn malformed_requests_are_rejected() {
        let sandbox = Sandbox::new();
        let token = saved(&sandbox, CARD_SUCCEEDS).token;
        let forged = format!("tok_sandbox_ok_{}", "z".repeat(32));
        let table = [
            (token.as_str(), 0, "EUR", "k"),
            (token.as_str(), -100, "EUR", "k"),
            (token.as_str(), 100, "eur", "k"),
            (token.as_str(), 100, "EURO", "k"),
            (token.as_str(), 100, "EUR", ""),
            ("tok_other_ok_0123", 100, "EUR", "k"),
            (
                "tok_sandbox_gold_00000000000000000000000000000000",
                100,
                "EUR",
                "k",
            ),
            (forged.as_str(), 100, "EUR", "k"),
            ("", 100, "EUR", "k"),
        ];
        for (token, amount, currency, key) in table {
            let e = sandbox.charge(token, amount, currency, key).unwrap_err();
            assert!(
                matches!(e, GatewayError::Rejected { .. }),
                "{token} {amount} {currency} {key:?}: {e:?}"
            );
        }
        assert!(sandbox.charges().is_empty());
    }

    #[test]
    fn the_gateway_is_object_safe_and_shared_across_threads() {
        let gateway: Arc<dyn PaymentGateway> = Arc::new(Sandbox::new());
        let worker = {
            let gateway = Arc::clone(&gateway);
            std::thread::spawn(move || {
                let saved = gateway.tokenize(&card(CARD_SUCCEEDS)).unwrap();
                gateway.charge(&saved.token, 100, "USD", "thread").unwrap()
            })
        };
        assert!(worker.join().unwrap().as_str().starts_with("ch_sandbox_"));
    }

    #[test]
    fn decline_reason_names_are_the_serde_names() {
        for reason in [
            DeclineReason::CardDeclined,
            DeclineReason::InsufficientFunds,
        ] {
            #[derive(Serialize)]
            struct One {
                reason: DeclineReason,
            }
            let text = toml::to_string(&One { reason }).unwrap();
            assert_eq!(text.trim(), format!("reason = \"{}\"", reason.name()));
        }
    }
}
