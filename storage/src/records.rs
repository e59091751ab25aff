//! The records Switchboard keeps on disk, one type per tree.
//!
//! These are storage's own versioned shapes: the engine converts its domain types to and from
//! them, so a change in the engine never silently changes what is on disk. A record that needs
//! a new shape gets a new `VERSION` and an `upgrade` from the old bytes (old layouts live in
//! `upgrade.rs`); `golden.rs` pins every type's bytes so no layout changes unnoticed.
//!
//! Keys (all big-endian, see [`crate::Key`]):
//! - `tenants`: tenant id
//! - `keys`: public chat key (str) -> tenant id
//! - `accounts`: tenant id, account id
//! - `emails`: lower-cased email (str) -> tenant id, account id
//! - `departments`, `canned`, `offline`: tenant id, record id
//! - `chats`: tenant id, chat id
//! - `messages`: chat id, sequence number (the chat's log)
//! - `sessions`: SHA-256 of the token (32 bytes)
//! - `graphics`: tenant id, slot id
//! - `buttons`: tenant id
//! - `visitors`: tenant id, visitor id
//! - `routing`: chat id, note id (the chat's routing log)
//! - `open_chats`: tenant id, chat id (an index of the chats waiting or connected)
//! - `account_sessions`: tenant id, account id, token digest (an index of sign-ins)
//! - `counters`: a name (str) -> a counter (`event_ids`: the ceiling of stream event ids)
//! - `audit`: tenant id, entry id (a company's audit log)
//! - `secrets`: a name (str) -> a key the server made (`visitor_ids`)

use serde::{Deserialize, Serialize};

use crate::Record;

/// A company: its public key, profile and chat-window settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TenantRecord {
    /// Internal id, the first part of every key the tenant owns.
    pub id: u64,
    /// Public 16-hex key that appears in chat URLs and button code.
    pub key: String,
    /// Company name shown to operators and on invoices.
    pub name: String,
    /// Postal address.
    pub address: AddressRecord,
    /// ISO 3166-1 alpha-2 country code, upper case; empty until set.
    pub country: String,
    /// ISO 4217 currency the company is billed in.
    pub currency: String,
    /// EU VAT number as entered, empty when none.
    pub vat_number: String,
    /// IANA time zone every date is shown in.
    pub time_zone: String,
    /// Unix milliseconds of sign-up.
    pub created_at: u64,
    /// How the chat window behaves and routes.
    pub window: ChatWindowRecord,
}

impl Record for TenantRecord {
    const TREE: &'static str = "tenants";
    /// 3: the address is in lines (street, city, postcode). 2: the chat window's routing
    /// settings (`fairness` to `max_wait_ms`) are part of the layout. Version 1 values come
    /// in three layouts, told apart by their length: builds appended fields to
    /// [`ChatWindowRecord`] twice without moving the byte.
    const VERSION: u8 = 3;

    fn upgrade(version: u8, bytes: &[u8]) -> crate::Result<Self> {
        match version {
            1 => upgrade::tenant_v1(bytes),
            2 => upgrade::tenant_v2(bytes),
            found => Err(crate::Error::Version {
                tree: Self::TREE,
                found,
            }),
        }
    }
}

/// A postal address in lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRecord {
    /// Street and number (and any other lines before the city).
    pub street: String,
    /// City or town.
    pub city: String,
    /// Postcode; empty where the country has none.
    pub postcode: String,
}

/// One form field of the welcome screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRecord {
    /// Whether the field is shown at all.
    pub enabled: bool,
    /// Whether the visitor must fill it in.
    pub required: bool,
}

/// Chat-window settings of a company.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatWindowRecord {
    /// Default language code of the chat window.
    pub language: String,
    /// 0 = single (one operator at a time), 1 = all (every available operator).
    pub distribution: u8,
    /// How long a visitor sees "Connecting..." before the offline form, in milliseconds.
    pub connection_timeout_ms: u64,
    /// How long one operator is offered a chat in single mode, in milliseconds.
    pub offer_timeout_ms: u64,
    /// Canned response sent at once in single mode.
    pub auto_canned: Option<u64>,
    /// Whether the welcome form is shown before routing.
    pub welcome_screen: bool,
    /// Text above the welcome form; empty means the translated default.
    pub welcome_message: String,
    /// Name field of the welcome form.
    pub name_field: FieldRecord,
    /// Email field of the welcome form.
    pub email_field: FieldRecord,
    /// Text shown when nobody is available; empty means the translated default.
    pub offline_message: String,
    /// Text shown after an offline message is sent; empty means the translated default.
    pub offline_thanks: String,
    /// Whether page views are tracked.
    pub tracking: bool,
    /// Seconds on one page before an automatic invitation; None when off.
    pub invitation_delay_secs: Option<u32>,
    /// The active custom graphics slot; None shows the default images.
    pub active_graphics: Option<u64>,
    /// Whether the company's uploaded GIF buttons replace the standard ones.
    pub custom_buttons: bool,
    /// 0 = fewest open chats then idle longest, 1 = round robin.
    pub fairness: u8,
    /// How long a chat waits for the operator it asked for before its department, in ms.
    pub requested_operator_ms: u64,
    /// How long a chat waits for its department before the fallback department, in ms.
    pub department_ms: u64,
    /// The department chats fall back to.
    pub fallback_department: Option<u64>,
    /// Most chats waiting for one target; 0 = no limit.
    pub max_queue: u32,
    /// Longest estimated wait a visitor is queued for, in ms; 0 = no limit.
    pub max_wait_ms: u64,
}

/// An admin or operator account of a company.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// Account id, unique in the whole database.
    pub id: u64,
    /// Owning company.
    pub tenant: u64,
    /// Login name, unique in the whole database (lower-cased).
    pub email: String,
    /// Name shown to visitors when the operator joins a chat.
    pub name: String,
    /// SIP username visitors can request with `operator=`; None for accounts that take no chats.
    pub sip: Option<String>,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// 0 = operator, 1 = admin.
    pub role: u8,
    /// Most chats this operator holds at once.
    pub max_chats: u32,
    /// Departments the operator answers for; empty means every department.
    pub departments: Vec<u64>,
}

impl Record for AccountRecord {
    const TREE: &'static str = "accounts";
    const VERSION: u8 = 1;
}

/// A unique index entry pointing at a tenant (and an account for `emails`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRecord {
    /// Tenant the indexed value belongs to.
    pub tenant: u64,
    /// Account id for the email index, 0 elsewhere.
    pub account: u64,
}

/// Public chat key -> tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyIndex(pub IndexRecord);

impl Record for KeyIndex {
    const TREE: &'static str = "keys";
    const VERSION: u8 = 1;
}

/// Email -> account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailIndex(pub IndexRecord);

impl Record for EmailIndex {
    const TREE: &'static str = "emails";
    const VERSION: u8 = 1;
}

/// A department chats can be routed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentRecord {
    /// Department id.
    pub id: u64,
    /// Name shown in the welcome form's drop-down.
    pub name: String,
}

impl Record for DepartmentRecord {
    const TREE: &'static str = "departments";
    const VERSION: u8 = 1;
}

/// A canned response operators send by shortcut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedRecord {
    /// Canned response id.
    pub id: u64,
    /// Short name typed as `#shortcut`.
    pub shortcut: String,
    /// The text sent.
    pub text: String,
}

impl Record for CannedRecord {
    const TREE: &'static str = "canned";
    const VERSION: u8 = 1;
}

/// A chat: who asked, where it was routed, how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRecord {
    /// Chat id, unique in the whole database.
    pub id: u64,
    /// Owning company.
    pub tenant: u64,
    /// Visitor who opened the chat.
    pub visitor: u64,
    /// Visitor's name ("Guest" when not asked).
    pub name: String,
    /// Visitor's email, empty when not given.
    pub email: String,
    /// Department asked for.
    pub department: Option<u64>,
    /// Operator asked for with `operator=`.
    pub requested: Option<u64>,
    /// Page the chat was opened from.
    pub page_url: String,
    /// Language of the chat window.
    pub lang: String,
    /// Unix milliseconds of creation.
    pub created_at: u64,
    /// 0 waiting, 1 connected, 2 closed, 3 offline (nobody answered or nobody online).
    pub state: u8,
    /// Operator who holds or held the chat.
    pub operator: Option<u64>,
    /// Unix milliseconds the chat ended.
    pub ended_at: Option<u64>,
}

impl Record for ChatRecord {
    const TREE: &'static str = "chats";
    const VERSION: u8 = 1;
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorRecord {
    /// The visitor of the chat.
    Visitor,
    /// An operator, by account id, with the name shown at the time.
    Operator(u64, String),
    /// The company itself (automatic canned response).
    Company,
}

/// One entry of a chat's log; its key holds the sequence number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Unix milliseconds the entry was written.
    pub at: u64,
    /// What happened.
    pub kind: LogKindRecord,
}

/// What a chat log entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogKindRecord {
    /// A message; `client_id` makes resends idempotent.
    Message {
        /// Writer of the message.
        author: AuthorRecord,
        /// Message text.
        text: String,
        /// Id the client chose, unique per author and chat.
        client_id: String,
    },
    /// An operator took the chat.
    Joined {
        /// Account id.
        operator: u64,
        /// Name shown to the visitor.
        name: String,
    },
    /// Nobody answered before the connection timeout.
    TimedOut,
    /// The chat was closed by the visitor (None) or an operator.
    Closed {
        /// Operator who closed it, None for the visitor.
        by: Option<u64>,
    },
    /// The operator went away (offline, or lost presence): the chat waits again.
    Requeued {
        /// The operator who held it.
        operator: u64,
    },
    /// The operator handed the chat on: it waits for the new target.
    Transferred {
        /// The operator who held it.
        operator: u64,
    },
}

impl Record for LogRecord {
    const TREE: &'static str = "messages";
    const VERSION: u8 = 1;
}

/// A message left with the offline form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineRecord {
    /// Offline message id.
    pub id: u64,
    /// Visitor's name.
    pub name: String,
    /// Visitor's email, to answer to.
    pub email: String,
    /// The message.
    pub message: String,
    /// Department asked for.
    pub department: Option<u64>,
    /// Operator asked for.
    pub operator: Option<u64>,
    /// Unix milliseconds it was left.
    pub at: u64,
    /// An operator marked it handled.
    pub done: bool,
}

impl Record for OfflineRecord {
    const TREE: &'static str = "offline";
    /// 2 added `done`.
    const VERSION: u8 = 2;

    fn upgrade(version: u8, bytes: &[u8]) -> crate::Result<Self> {
        /// Version 1: no `done` (nothing was ever marked handled).
        #[derive(Deserialize)]
        struct V1 {
            id: u64,
            name: String,
            email: String,
            message: String,
            department: Option<u64>,
            operator: Option<u64>,
            at: u64,
        }
        match version {
            1 => {
                let v1: V1 = crate::decode_body(Self::TREE, bytes)?;
                Ok(OfflineRecord {
                    id: v1.id,
                    name: v1.name,
                    email: v1.email,
                    message: v1.message,
                    department: v1.department,
                    operator: v1.operator,
                    at: v1.at,
                    done: false,
                })
            }
            found => Err(crate::Error::Version {
                tree: Self::TREE,
                found,
            }),
        }
    }
}

/// A bearer token's grant: an operator's sign-in or a visitor's chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Tenant the token acts in.
    pub tenant: u64,
    /// What the token may do.
    pub subject: SubjectRecord,
    /// Unix milliseconds after which the token is refused.
    pub expires_at: u64,
}

/// Who a session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectRecord {
    /// An account (operator or admin) by id.
    Account(u64),
    /// A visitor, for one chat.
    Chat(u64),
}

impl Record for SessionRecord {
    const TREE: &'static str = "sessions";
    const VERSION: u8 = 1;
}

/// A custom graphics slot: a header and a sidebar image, already resized, as PNG.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphicsRecord {
    /// Slot id.
    pub id: u64,
    /// Header image (290x80 PNG), once uploaded.
    pub header: Option<Vec<u8>>,
    /// Sidebar image (90x367 PNG), once uploaded.
    pub sidebar: Option<Vec<u8>>,
    /// Unix milliseconds the slot was made.
    pub created_at: u64,
}

impl Record for GraphicsRecord {
    const TREE: &'static str = "graphics";
    const VERSION: u8 = 1;
}

/// A company's custom chat buttons: two GIFs as uploaded (validated by decoding).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonsRecord {
    /// Shown while at least one operator is online.
    pub online: Option<Vec<u8>>,
    /// Shown while nobody is online.
    pub offline: Option<Vec<u8>>,
}

impl Record for ButtonsRecord {
    const TREE: &'static str = "buttons";
    const VERSION: u8 = 1;
}

/// What is remembered of a tracked visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorRecord {
    /// Visitor id (kept by the browser).
    pub id: u64,
    /// Clicked "No thanks": never invited again.
    pub declined: bool,
    /// Unix milliseconds of the first page view.
    pub first_seen: u64,
    /// Unix milliseconds of the last page view.
    pub last_seen: u64,
    /// Page views so far.
    pub page_views: u64,
}

impl Record for VisitorRecord {
    const TREE: &'static str = "visitors";
    const VERSION: u8 = 1;
}

/// One routing decision of a chat (its routing log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRecord {
    /// Unix milliseconds of the decision.
    pub at: u64,
    /// What was decided (offered, withdrawn, queued, ...).
    pub kind: String,
    /// The operator concerned.
    pub operator: Option<u64>,
    /// Why, in words.
    pub detail: String,
}

impl Record for RoutingRecord {
    const TREE: &'static str = "routing";
    const VERSION: u8 = 1;
}

/// An entry of the open-chats index: the chat in its key is waiting or connected, so a
/// company's actor finds its open chats without reading its whole history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenChat;

impl Record for OpenChat {
    const TREE: &'static str = "open_chats";
    const VERSION: u8 = 1;
}

/// An entry of the sessions-by-account index: the session whose token digest ends the key
/// belongs to the account before it, so a password change or a deletion ends them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSession;

impl Record for AccountSession {
    const TREE: &'static str = "account_sessions";
    const VERSION: u8 = 1;
}

/// The ceiling of the event ids handed out so far (operator and tracking streams): ids of a
/// later run start above it, whatever the clock says. Key: `"event_ids"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventIdCeiling(pub u64);

impl Record for EventIdCeiling {
    const TREE: &'static str = "counters";
    const VERSION: u8 = 1;
}

/// One admin change in a company's audit log (`audit`: tenant id, entry id; ids grow, so the
/// newest is last).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Unix milliseconds of the change.
    pub at: u64,
    /// The account that made it.
    pub account: u64,
    /// That account's email at the time (it may change or be deleted later).
    pub actor: String,
    /// What was done, as the engine's `Action::name()`, e.g. `operator.updated`.
    pub action: String,
    /// Which one: a SIP username, a record id, a slot and part; empty for the company-wide
    /// settings.
    pub target: String,
    /// The names of the fields the request gave, never their values.
    pub fields: Vec<String>,
}

impl Record for AuditRecord {
    const TREE: &'static str = "audit";
    const VERSION: u8 = 1;
}

/// A secret key the server made for itself (`secrets`: a name -> the key; `visitor_ids`: the
/// key that signs visitor ids). Never leaves the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecord(pub [u8; 32]);

impl Record for SecretRecord {
    const TREE: &'static str = "secrets";
    const VERSION: u8 = 1;
}

/// A saved card (`cards`: tenant id, card id): what the payment gateway handed back for it.
/// The card number and CVC are never part of it; nothing in Switchboard stores them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRecord {
    /// The gateway's token that charges this card.
    pub token: String,
    /// Card brand, e.g. `visa`.
    pub brand: String,
    /// The number's last four digits.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u8,
    /// Expiry year, four digits.
    pub exp_year: u16,
    /// Name on the card.
    pub holder: String,
    /// Unix milliseconds it was saved.
    pub added_at: u64,
    /// Whether invoices are charged to it (one card of a company at most).
    pub default: bool,
}

impl Record for CardRecord {
    const TREE: &'static str = "cards";
    const VERSION: u8 = 1;
}

/// Seller or customer as printed on an invoice, copied at issue so a later change of either
/// never alters an issued invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRecord {
    /// Company name.
    pub name: String,
    /// Postal address.
    pub address: AddressRecord,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// VAT number with its prefix; empty when none.
    pub vat_number: String,
}

/// Whether an invoice is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceStatusRecord {
    /// Not paid: no card, or charges failed.
    Unpaid {
        /// Charges tried so far.
        attempts: u32,
        /// Why the last one failed; empty when none was tried.
        reason: String,
    },
    /// Paid by a charge.
    Paid {
        /// The gateway's charge id.
        charge: String,
        /// Unix milliseconds of the charge.
        at: u64,
    },
}

/// An issued invoice (`invoices`: tenant id, invoice number; numbers run 1, 2, 3, ... per
/// company with no gap). Money is in integer minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRecord {
    /// The billed month: year.
    pub year: u16,
    /// The billed month: 1 to 12.
    pub month: u8,
    /// Unix milliseconds of issue.
    pub issued_at: u64,
    /// The company's IANA time zone at issue: the invoice's dates are shown in it.
    pub time_zone: String,
    /// Who sells.
    pub seller: PartyRecord,
    /// Who is billed.
    pub customer: PartyRecord,
    /// Operator seats billed.
    pub seats: u32,
    /// Price of one seat for the month.
    pub unit_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Total before VAT.
    pub net_minor: i64,
    /// Which VAT rule applied: 0 domestic, 1 reverse charge, 2 the customer's country's
    /// rate, 3 outside the scope.
    pub vat_rule: u8,
    /// VAT rate in basis points (1900 = 19 %).
    pub vat_rate_bp: u32,
    /// VAT amount.
    pub vat_minor: i64,
    /// Total with VAT.
    pub gross_minor: i64,
    /// Paid or not.
    pub status: InvoiceStatusRecord,
}

impl Record for InvoiceRecord {
    const TREE: &'static str = "invoices";
    const VERSION: u8 = 1;
}

/// Which invoice bills a month (`invoice_periods`: tenant id, year, month -> number): written
/// with the invoice, and only where absent, so a month is invoiced once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePeriod(pub u64);

impl Record for InvoicePeriod {
    const TREE: &'static str = "invoice_periods";
    const VERSION: u8 = 1;
}

#[cfg(test)]
mod golden;
mod upgrade;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Key, Store};

    // An offline message stored before `done` existed (version 1) still reads, as not done.
    #[test]
    fn an_offline_message_of_version_1_reads_as_not_done() {
        #[derive(Serialize)]
        struct V1 {
            id: u64,
            name: String,
            email: String,
            message: String,
            department: Option<u64>,
            operator: Option<u64>,
            at: u64,
        }
        let old = V1 {
            id: 7,
            name: "Ola".into(),
            email: "ola@example.com".into(),
            message: "Call me".into(),
            department: Some(3),
            operator: None,
            at: 1_700_000_000_000,
        };
        let mut value = vec![1u8];
        value.extend(bincode::serde::encode_to_vec(&old, bincode::config::standard()).unwrap());
        let store = Store::temporary().unwrap();
        let table = store.table::<OfflineRecord>().unwrap();
        let key = Key::new().u64(1).u64(7).finish();
        table.raw().insert(&key, value).unwrap();
        let read = table.get(&key).unwrap().unwrap();
        assert_eq!(read.message, "Call me");
        assert_eq!(read.department, Some(3));
        assert!(!read.done);
    }
}
