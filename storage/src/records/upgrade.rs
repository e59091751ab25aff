//! Older layouts of the records, and how each becomes today's.
//!
//! A layout that was ever written to disk stays here for as long as a database may hold it:
//! deleting one makes such values unreadable.

use serde::Deserialize;

use super::{AddressRecord, ChatWindowRecord, FieldRecord, TenantRecord};
use crate::{decode_body, Error, Record, Result};

/// What the routing settings were before they were stored: the engine's defaults of the
/// time (least busy first, 30 s on the requested operator and on the department, no
/// fallback, no queue or wait limit).
const ROUTING_DEFAULTS: RoutingV2 = RoutingV2 {
    fairness: 0,
    requested_operator_ms: 30_000,
    department_ms: 30_000,
    fallback_department: None,
    max_queue: 0,
    max_wait_ms: 0,
};

/// The six fields version 2 of [`TenantRecord`] requires of its window.
struct RoutingV2 {
    fairness: u8,
    requested_operator_ms: u64,
    department_ms: u64,
    fallback_department: Option<u64>,
    max_queue: u32,
    max_wait_ms: u64,
}

/// A version 1 or 2 company: the address as one text, and a window `W` (today's in version 2,
/// an older one in version 1).
#[derive(Deserialize)]
struct TenantV1<W> {
    id: u64,
    key: String,
    name: String,
    address: String,
    country: String,
    currency: String,
    vat_number: String,
    time_zone: String,
    created_at: u64,
    window: W,
}

/// The first window layout (before graphics, buttons and routing settings).
#[derive(Deserialize)]
struct WindowV1a {
    language: String,
    distribution: u8,
    connection_timeout_ms: u64,
    offer_timeout_ms: u64,
    auto_canned: Option<u64>,
    welcome_screen: bool,
    welcome_message: String,
    name_field: FieldRecord,
    email_field: FieldRecord,
    offline_message: String,
    offline_thanks: String,
    tracking: bool,
    invitation_delay_secs: Option<u32>,
}

/// The second window layout: [`WindowV1a`] and the graphics slot and custom buttons.
#[derive(Deserialize)]
struct WindowV1b {
    language: String,
    distribution: u8,
    connection_timeout_ms: u64,
    offer_timeout_ms: u64,
    auto_canned: Option<u64>,
    welcome_screen: bool,
    welcome_message: String,
    name_field: FieldRecord,
    email_field: FieldRecord,
    offline_message: String,
    offline_thanks: String,
    tracking: bool,
    invitation_delay_secs: Option<u32>,
    active_graphics: Option<u64>,
    custom_buttons: bool,
}

impl From<WindowV1a> for WindowV1b {
    fn from(w: WindowV1a) -> WindowV1b {
        WindowV1b {
            language: w.language,
            distribution: w.distribution,
            connection_timeout_ms: w.connection_timeout_ms,
            offer_timeout_ms: w.offer_timeout_ms,
            auto_canned: w.auto_canned,
            welcome_screen: w.welcome_screen,
            welcome_message: w.welcome_message,
            name_field: w.name_field,
            email_field: w.email_field,
            offline_message: w.offline_message,
            offline_thanks: w.offline_thanks,
            tracking: w.tracking,
            invitation_delay_secs: w.invitation_delay_secs,
            // No slot and the standard buttons: what every company had then.
            active_graphics: None,
            custom_buttons: false,
        }
    }
}

impl From<WindowV1b> for ChatWindowRecord {
    fn from(w: WindowV1b) -> ChatWindowRecord {
        let r = ROUTING_DEFAULTS;
        ChatWindowRecord {
            language: w.language,
            distribution: w.distribution,
            connection_timeout_ms: w.connection_timeout_ms,
            offer_timeout_ms: w.offer_timeout_ms,
            auto_canned: w.auto_canned,
            welcome_screen: w.welcome_screen,
            welcome_message: w.welcome_message,
            name_field: w.name_field,
            email_field: w.email_field,
            offline_message: w.offline_message,
            offline_thanks: w.offline_thanks,
            tracking: w.tracking,
            invitation_delay_secs: w.invitation_delay_secs,
            active_graphics: w.active_graphics,
            custom_buttons: w.custom_buttons,
            fairness: r.fairness,
            requested_operator_ms: r.requested_operator_ms,
            department_ms: r.department_ms,
            fallback_department: r.fallback_department,
            max_queue: r.max_queue,
            max_wait_ms: r.max_wait_ms,
        }
    }
}

impl<W> TenantV1<W> {
    /// Today's record, with the window converted by `window`.
    fn into_record(self, window: impl FnOnce(W) -> ChatWindowRecord) -> TenantRecord {
        TenantRecord {
            id: self.id,
            key: self.key,
            name: self.name,
            address: AddressRecord::from_text(&self.address),
            country: self.country,
            currency: self.currency,
            vat_number: self.vat_number,
            time_zone: self.time_zone,
            created_at: self.created_at,
            window: window(self.window),
        }
    }
}

/// Reads a version 1 company in whichever of its three layouts it was written. The window is
/// the record's last field and each layout only appended to it, so exactly one layout reads
/// the bytes to their end: a shorter one leaves bytes over, a longer one runs out.
pub(super) fn tenant_v1(bytes: &[u8]) -> Result<TenantRecord> {
    const TREE: &str = TenantRecord::TREE;
    if let Ok(v2) = decode_body::<TenantV1<ChatWindowRecord>>(TREE, bytes) {
        return Ok(v2.into_record(|w| w));
    }
    if let Ok(old) = decode_body::<TenantV1<WindowV1b>>(TREE, bytes) {
        return Ok(old.into_record(ChatWindowRecord::from));
    }
    match decode_body::<TenantV1<WindowV1a>>(TREE, bytes) {
        Ok(oldest) => Ok(oldest.into_record(|w| WindowV1b::from(w).into())),
        Err(_) => Err(Error::Decode {
            tree: TREE,
            reason: "a version 1 company matches none of the three layouts of version 1".to_owned(),
        }),
    }
}

/// Reads a version 2 company: the address was one text.
pub(super) fn tenant_v2(bytes: &[u8]) -> Result<TenantRecord> {
    let v2: TenantV1<ChatWindowRecord> = decode_body(TenantRecord::TREE, bytes)?;
    Ok(v2.into_record(|w| w))
}

impl AddressRecord {
    /// An address that was one text: its lines, joined, become the street; city and
    /// postcode are left for the company to fill in.
    fn from_text(text: &str) -> AddressRecord {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        AddressRecord {
            street: lines.join(", "),
            city: String::new(),
            postcode: String::new(),
        }
    }
}
