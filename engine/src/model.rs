//! The domain: companies, accounts, chats and their logs, as the actors hold them.
//!
//! Ids are plain `u64`s handed out by the store; the aliases say which kind a field holds.
//! Conversions to and from storage's records live here, next to the types they convert.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard_storage::records::{
    AccountRecord, AddressRecord, AuthorRecord, CannedRecord, ChatRecord, ChatWindowRecord,
    DepartmentRecord, FieldRecord, LogKindRecord, LogRecord, OfflineRecord, TenantRecord,
};

/// A company's id.
pub type TenantId = u64;
/// An admin's or operator's account id.
pub type AccountId = u64;
/// A chat's id.
pub type ChatId = u64;
/// A department's id.
pub type DepartmentId = u64;
/// A canned response's id.
pub type CannedId = u64;
/// A visitor's id (kept by the browser).
pub type VisitorId = u64;

/// Milliseconds since the Unix epoch, the one clock every record uses.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The account whose SIP username is `sip` (none asked for: `Ok(None)`); an unknown one is
/// an invalid `operator` field.
pub fn operator_by_sip<'a>(
    accounts: impl IntoIterator<Item = &'a Account>,
    sip: Option<&str>,
) -> crate::Result<Option<AccountId>> {
    let Some(sip) = sip else { return Ok(None) };
    accounts
        .into_iter()
        .find(|a| a.sip.as_deref() == Some(sip))
        .map(|a| Some(a.id))
        .ok_or_else(|| {
            crate::Error::invalid("operator", format!("no operator has SIP username {sip}"))
        })
}

/// What an account may do in the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Takes chats.
    Operator,
    /// Takes chats and changes every setting.
    Admin,
}

/// How single mode picks among eligible operators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fairness {
    /// Fewest open chats (offers included), then idle longest.
    #[default]
    LeastBusy,
    /// The next operator after the last one offered, in a fixed order.
    RoundRobin,
}

/// An operator's availability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Receives offers.
    Online,
    /// Keeps open chats, receives no offers.
    Away,
    /// Signed out of routing.
    #[default]
    Offline,
}

/// How a new chat is offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    /// One operator at a time, moving on after the offer timeout.
    Single,
    /// Every eligible operator at once; the first accept wins.
    All,
}

/// One welcome-screen field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Shown at all.
    pub enabled: bool,
    /// Must be filled in.
    pub required: bool,
}

/// A company's chat-window settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatWindow {
    /// Default language code.
    pub language: String,
    /// Single or all.
    pub distribution: Distribution,
    /// "Connecting..." lasts this long before the offline form.
    pub connection_timeout: Duration,
    /// One operator's offer lasts this long in single mode.
    pub offer_timeout: Duration,
    /// Canned response sent at once in single mode.
    pub auto_canned: Option<CannedId>,
    /// Welcome form before routing.
    pub welcome_screen: bool,
    /// Welcome text; empty for the translated default.
    pub welcome_message: String,
    /// Name field.
    pub name_field: Field,
    /// Email field.
    pub email_field: Field,
    /// Offline text; empty for the translated default.
    pub offline_message: String,
    /// Text after an offline message; empty for the translated default.
    pub offline_thanks: String,
    /// Page views are tracked.
    pub tracking: bool,
    /// Automatic invitation after this long on one page.
    pub invitation_delay: Option<Duration>,
    /// Active custom graphics slot; None for the defaults.
    pub active_graphics: Option<u64>,
    /// Uploaded GIF buttons replace the standard ones.
    pub custom_buttons: bool,
    /// How single mode picks an operator.
    pub fairness: Fairness,
    /// Escalation: how long a chat waits for the operator it asked for.
    pub requested_operator_timeout: Duration,
    /// Escalation: how long a chat waits for its department before the fallback.
    pub department_timeout: Duration,
    /// Escalation: the department chats fall back to.
    pub fallback_department: Option<DepartmentId>,
    /// Most chats waiting for one target; 0 = no limit.
    pub max_queue: u32,
    /// Longest estimated wait a visitor is queued for; zero = no limit.
    pub max_wait: Duration,
}

impl Default for ChatWindow {
    fn default() -> Self {
        Self {
            language: "en".into(),
            distribution: Distribution::Single,
            connection_timeout: Duration::from_secs(60),
            offer_timeout: Duration::from_secs(15),
            auto_canned: None,
            welcome_screen: true,
            welcome_message: String::new(),
            name_field: Field {
                enabled: true,
                required: true,
            },
            email_field: Field {
                enabled: true,
                required: false,
            },
            offline_message: String::new(),
            offline_thanks: String::new(),
            tracking: false,
            invitation_delay: None,
            active_graphics: None,
            custom_buttons: false,
            fairness: Fairness::LeastBusy,
            requested_operator_timeout: Duration::from_secs(30),
            department_timeout: Duration::from_secs(30),
            fallback_department: None,
            max_queue: 0,
            max_wait: Duration::ZERO,
        }
    }
}

/// A postal address as an invoice prints it. Empty lines mean no address.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Address {
    /// Street and number (building, unit), one line; required when there is an address.
    pub street: String,
    /// Town or city, one line; required when there is an address.
    pub city: String,
    /// Postal code; may be empty (some countries have none).
    pub postcode: String,
}

impl Address {
    /// Whether every line is empty.
    pub fn is_empty(&self) -> bool {
        self.street.is_empty() && self.city.is_empty() && self.postcode.is_empty()
    }
}

impl From<AddressRecord> for Address {
    fn from(r: AddressRecord) -> Self {
        Address {
            street: r.street,
            city: r.city,
            postcode: r.postcode,
        }
    }
}

impl From<&Address> for AddressRecord {
    fn from(a: &Address) -> Self {
        AddressRecord {
            street: a.street.clone(),
            city: a.city.clone(),
            postcode: a.postcode.clone(),
        }
    }
}

/// A company's profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Company {
    /// Tenant id.
    pub id: TenantId,
    /// Public 16-hex chat key.
    pub key: String,
    /// Company name.
    pub name: String,
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
    /// Unix ms of sign-up.
    pub created_at: u64,
}

/// A company with its settings, as the tenant actor holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Tenant {
    /// Profile.
    pub company: Company,
    /// Chat-window settings.
    pub window: ChatWindow,
}

/// An admin or operator.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// Account id.
    pub id: AccountId,
    /// Login email (lower case).
    pub email: String,
    /// Display name.
    pub name: String,
    /// SIP username, the key visitors ask for.
    pub sip: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Admin or operator.
    pub role: Role,
    /// Most chats held at once.
    pub max_chats: u32,
    /// Departments answered for; empty means all.
    pub departments: Vec<DepartmentId>,
}

/// A department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Id.
    pub id: DepartmentId,
    /// Name.
    pub name: String,
}

/// A canned response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canned {
    /// Id.
    pub id: CannedId,
    /// `#shortcut` name.
    pub shortcut: String,
    /// Text.
    pub text: String,
}

/// Where a chat is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatState {
    /// Being offered or queued.
    Waiting,
    /// An operator holds it.
    Connected,
    /// Ended after being connected (or abandoned by the visitor).
    Closed,
    /// Nobody was online or nobody answered in time.
    Offline,
}

/// A chat's metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Chat {
    /// Id.
    pub id: ChatId,
    /// Owning company.
    pub tenant: TenantId,
    /// Visitor.
    pub visitor: VisitorId,
    /// Visitor name.
    pub name: String,
    /// Visitor email.
    pub email: String,
    /// Department asked for.
    pub department: Option<DepartmentId>,
    /// Operator asked for.
    pub requested: Option<AccountId>,
    /// Page opened from.
    pub page_url: String,
    /// Window language.
    pub lang: String,
    /// Unix ms created.
    pub created_at: u64,
    /// State.
    pub state: ChatState,
    /// Operator holding it.
    pub operator: Option<AccountId>,
    /// Unix ms ended.
    pub ended_at: Option<u64>,
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    /// The visitor.
    Visitor,
    /// An operator.
    Operator {
        /// Account id.
        id: AccountId,
        /// Name shown.
        name: String,
    },
    /// The company (automatic canned response).
    Company,
}

/// One entry of a chat's durable log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Unix ms written.
    pub at: u64,
    /// What happened.
    pub kind: LogKind,
}

/// What a log entry records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// A message.
    Message {
        /// Writer.
        author: Author,
        /// Text.
        text: String,
        /// Client's idempotency id.
        client_id: String,
    },
    /// An operator took the chat.
    Joined {
        /// Account id.
        operator: AccountId,
        /// Name.
        name: String,
    },
    /// Nobody answered in time.
    TimedOut,
    /// Closed by the visitor (None) or an operator.
    Closed {
        /// Closing operator.
        by: Option<AccountId>,
    },
    /// The operator went away; the chat waits again.
    Requeued {
        /// The operator who held it.
        operator: AccountId,
    },
    /// The operator handed the chat on; it waits for the new target.
    Transferred {
        /// The operator who held it.
        operator: AccountId,
    },
}

/// A message left with the offline form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfflineMessage {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Message.
    pub message: String,
    /// Department asked for.
    pub department: Option<DepartmentId>,
    /// Operator asked for.
    pub operator: Option<AccountId>,
    /// Unix ms left.
    pub at: u64,
    /// An operator marked it handled.
    pub done: bool,
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

impl From<&Tenant> for TenantRecord {
    fn from(t: &Tenant) -> Self {
        let (c, w) = (&t.company, &t.window);
        TenantRecord {
            id: c.id,
            key: c.key.clone(),
            name: c.name.clone(),
            address: AddressRecord::from(&c.address),
            country: c.country.clone(),
            currency: c.currency.clone(),
            vat_number: c.vat_number.clone(),
            time_zone: c.time_zone.clone(),
            created_at: c.created_at,
            window: ChatWindowRecord {
                language: w.language.clone(),
                distribution: match w.distribution {
                    Distribution::Single => 0,
                    Distribution::All => 1,
                },
                connection_timeout_ms: ms(w.connection_timeout),
                offer_timeout_ms: ms(w.offer_timeout),
                auto_canned: w.auto_canned,
                welcome_screen: w.welcome_screen,
                welcome_message: w.welcome_message.clone(),
                name_field: FieldRecord {
                    enabled: w.name_field.enabled,
                    required: w.name_field.required,
                },
                email_field: FieldRecord {
                    enabled: w.email_field.enabled,
                    required: w.email_field.required,
                },
                offline_message: w.offline_message.clone(),
                offline_thanks: w.offline_thanks.clone(),
                tracking: w.tracking,
                invitation_delay_secs: w.invitation_delay.map(|d| d.as_secs() as u32),
                active_graphics: w.active_graphics,
                custom_buttons: w.custom_buttons,
                fairness: match w.fairness {
                    Fairness::LeastBusy => 0,
                    Fairness::RoundRobin => 1,
                },
                requested_operator_ms: ms(w.requested_operator_timeout),
                department_ms: ms(w.department_timeout),
                fallback_department: w.fallback_department,
                max_queue: w.max_queue,
                max_wait_ms: ms(w.max_wait),
            },
        }
    }
}

impl From<TenantRecord> for Tenant {
    fn from(r: TenantRecord) -> Self {
        let w = r.window;
        Tenant {
            company: Company {
                id: r.id,
                key: r.key,
                name: r.name,
                address: r.address.into(),
                country: r.country,
                currency: r.currency,
                vat_number: r.vat_number,
                time_zone: r.time_zone,
                created_at: r.created_at,
            },
            window: ChatWindow {
                language: w.language,
                distribution: if w.distribution == 1 {
                    Distribution::All
                } else {
                    Distribution::Single
                },
                connection_timeout: Duration::from_millis(w.connection_timeout_ms),
                offer_timeout: Duration::from_millis(w.offer_timeout_ms),
                auto_canned: w.auto_canned,
                welcome_screen: w.welcome_screen,
                welcome_message: w.welcome_message,
                name_field: Field {
                    enabled: w.name_field.enabled,
                    required: w.name_field.required,
                },
                email_field: Field {
                    enabled: w.email_field.enabled,
                    required: w.email_field.required,
                },
                offline_message: w.offline_message,
                offline_thanks: w.offline_thanks,
                tracking: w.tracking,
                invitation_delay: w
                    .invitation_delay_secs
                    .map(|s| Duration::from_secs(s.into())),
                active_graphics: w.active_graphics,
                custom_buttons: w.custom_buttons,
                fairness: if w.fairness == 1 {
                    Fairness::RoundRobin
                } else {
                    Fairness::LeastBusy
                },
                requested_operator_timeout: Duration::from_millis(w.requested_operator_ms),
                department_timeout: Duration::from_millis(w.department_ms),
                fallback_department: w.fallback_department,
                max_queue: w.max_queue,
                max_wait: Duration::from_millis(w.max_wait_ms),
            },
        }
    }
}

impl Account {
    /// The stored record of this account in `tenant`.
    pub fn to_record(&self, tenant: TenantId) -> AccountRecord {
        AccountRecord {
            id: self.id,
            tenant,
            email: self.email.clone(),
            name: self.name.clone(),
            sip: self.sip.clone(),
            password_hash: self.password_hash.clone(),
            role: match self.role {
                Role::Operator => 0,
                Role::Admin => 1,
            },
            max_chats: self.max_chats,
            departments: self.departments.clone(),
        }
    }
}

impl From<AccountRecord> for Account {
    fn from(r: AccountRecord) -> Self {
        Account {
            id: r.id,
            email: r.email,
            name: r.name,
            sip: r.sip,
            password_hash: r.password_hash,
            role: if r.role == 1 {
                Role::Admin
            } else {
                Role::Operator
            },
            max_chats: r.max_chats,
            departments: r.departments,
        }
    }
}

impl From<&Department> for DepartmentRecord {
    fn from(d: &Department) -> Self {
        DepartmentRecord {
            id: d.id,
            name: d.name.clone(),
        }
    }
}

impl From<DepartmentRecord> for Department {
    fn from(r: DepartmentRecord) -> Self {
        Department {
            id: r.id,
            name: r.name,
        }
    }
}

impl From<&Canned> for CannedRecord {
    fn from(c: &Canned) -> Self {
        CannedRecord {
            id: c.id,
            shortcut: c.shortcut.clone(),
            text: c.text.clone(),
        }
    }
}

impl From<CannedRecord> for Canned {
    fn from(r: CannedRecord) -> Self {
        Canned {
            id: r.id,
            shortcut: r.shortcut,
            text: r.text,
        }
    }
}

impl From<&Chat> for ChatRecord {
    fn from(c: &Chat) -> Self {
        ChatRecord {
            id: c.id,
            tenant: c.tenant,
            visitor: c.visitor,
            name: c.name.clone(),
            email: c.email.clone(),
            department: c.department,
            requested: c.requested,
            page_url: c.page_url.clone(),
            lang: c.lang.clone(),
            created_at: c.created_at,
            state: match c.state {
                ChatState::Waiting => 0,
                ChatState::Connected => 1,
                ChatState::Closed => 2,
                ChatState::Offline => 3,
            },
            operator: c.operator,
            ended_at: c.ended_at,
        }
    }
}

impl From<ChatRecord> for Chat {
    fn from(r: ChatRecord) -> Self {
        Chat {
            id: r.id,
            tenant: r.tenant,
            visitor: r.visitor,
            name: r.name,
            email: r.email,
            department: r.department,
            requested: r.requested,
            page_url: r.page_url,
            lang: r.lang,
            created_at: r.created_at,
            state: match r.state {
                0 => ChatState::Waiting,
                1 => ChatState::Connected,
                2 => ChatState::Closed,
                _ => ChatState::Offline,
            },
            operator: r.operator,
            ended_at: r.ended_at,
        }
    }
}

impl LogEntry {
    /// The stored record (the sequence number lives in the key).
    pub fn to_record(&self) -> LogRecord {
        let kind = match &self.kind {
            LogKind::Message {
                author,
                text,
                client_id,
            } => LogKindRecord::Message {
                author: match author {
                    Author::Visitor => AuthorRecord::Visitor,
                    Author::Operator { id, name } => AuthorRecord::Operator(*id, name.clone()),
                    Author::Company => AuthorRecord::Company,
                },
                text: text.clone(),
                client_id: client_id.clone(),
            },
            LogKind::Joined { operator, name } => LogKindRecord::Joined {
                operator: *operator,
                name: name.clone(),
            },
            LogKind::TimedOut => LogKindRecord::TimedOut,
            LogKind::Closed { by } => LogKindRecord::Closed { by: *by },
            LogKind::Requeued { operator } => LogKindRecord::Requeued {
                operator: *operator,
            },
            LogKind::Transferred { operator } => LogKindRecord::Transferred {
                operator: *operator,
            },
        };
        LogRecord { at: self.at, kind }
    }

    /// The entry at `seq` from its stored record.
    pub fn from_record(seq: u64, r: LogRecord) -> Self {
        let kind = match r.kind {
            LogKindRecord::Message {
                author,
                text,
                client_id,
            } => LogKind::Message {
                author: match author {
                    AuthorRecord::Visitor => Author::Visitor,
                    AuthorRecord::Operator(id, name) => Author::Operator { id, name },
                    AuthorRecord::Company => Author::Company,
                },
                text,
                client_id,
            },
            LogKindRecord::Joined { operator, name } => LogKind::Joined { operator, name },
            LogKindRecord::TimedOut => LogKind::TimedOut,
            LogKindRecord::Closed { by } => LogKind::Closed { by },
            LogKindRecord::Requeued { operator } => LogKind::Requeued { operator },
            LogKindRecord::Transferred { operator } => LogKind::Transferred { operator },
        };
        LogEntry {
            seq,
            at: r.at,
            kind,
        }
    }
}

impl From<&OfflineMessage> for OfflineRecord {
    fn from(m: &OfflineMessage) -> Self {
        OfflineRecord {
            id: m.id,
            name: m.name.clone(),
            email: m.email.clone(),
            message: m.message.clone(),
            department: m.department,
            operator: m.operator,
            at: m.at,
            done: m.done,
        }
    }
}

impl From<OfflineRecord> for OfflineMessage {
    fn from(r: OfflineRecord) -> Self {
        OfflineMessage {
            id: r.id,
            name: r.name,
            email: r.email,
            message: r.message,
            department: r.department,
            operator: r.operator,
            at: r.at,
            done: r.done,
        }
    }
}
