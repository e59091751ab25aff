//! Golden bytes: one fixed value of every record type and the exact bytes it is stored as.
//!
//! A change to a record's layout changes its bytes and fails here. The fix is never to
//! paste the new bytes over the old: bump the record's `VERSION`, move the old layout into
//! `upgrade.rs` with a conversion, keep the old bytes below as an upgrade test, and add the
//! new ones. (The company record once grew six fields under an unchanged version byte; these
//! tests exist so that cannot happen again.)

use std::fmt::Debug;

use serde::Serialize;
use tempfile::TempDir;

use super::*;
use crate::codec::{decode, encode};
use crate::{Config, Key, Store};

/// Asserts that `value` is stored as `hex` (version byte first) and that `hex` reads back
/// as `value`.
fn golden<R: Record + PartialEq + Debug>(value: &R, hex: &str) {
    let bytes = encode(value).unwrap();
    assert_eq!(
        to_hex(&bytes),
        hex,
        "the stored layout of {} changed: bump its VERSION and add an upgrade (see this \
         module's doc) instead of changing these bytes",
        R::TREE
    );
    assert_eq!(&decode::<R>(&from_hex(hex)).unwrap(), value, "{}", R::TREE);
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn window() -> ChatWindowRecord {
    ChatWindowRecord {
        language: "de".into(),
        distribution: 1,
        connection_timeout_ms: 60_000,
        offer_timeout_ms: 15_000,
        auto_canned: Some(3),
        welcome_screen: true,
        welcome_message: "Hallo".into(),
        name_field: FieldRecord {
            enabled: true,
            required: true,
        },
        email_field: FieldRecord {
            enabled: true,
            required: false,
        },
        offline_message: "Weg".into(),
        offline_thanks: "Danke".into(),
        tracking: true,
        invitation_delay_secs: Some(20),
        active_graphics: Some(9),
        custom_buttons: true,
        fairness: 1,
        requested_operator_ms: 10_000,
        department_ms: 20_000,
        fallback_department: Some(4),
        max_queue: 5,
        max_wait_ms: 300_000,
    }
}

fn tenant() -> TenantRecord {
    TenantRecord {
        id: 1,
        key: "abcdef0123456789".into(),
        name: "Acme".into(),
        address: AddressRecord {
            street: "1 Road".into(),
            city: "Berlin".into(),
            postcode: "10115".into(),
        },
        country: "DE".into(),
        currency: "EUR".into(),
        vat_number: "DE123".into(),
        time_zone: "Europe/Berlin".into(),
        created_at: 1_700_000_000_000,
        window: window(),
    }
}

#[test]
fn tenant_bytes() {
    golden(&tenant(), "030110616263646566303132333435363738390441636d65063120526f6164064265726c696e053130313135024445034555520544453132330d4575726f70652f4265726c696efd0068e5cf8b01000002646501fb60eafb983a0103010548616c6c6f01010100035765670544616e6b6501011401090101fb1027fb204e010405fce0930400");
}

/// Today's company as the address was stored before it had lines: one text.
fn tenant_with_address_text() -> TenantRecord {
    TenantRecord {
        address: AddressRecord {
            street: "1 Road".into(),
            ..AddressRecord::default()
        },
        ..tenant()
    }
}

// Version 2 kept the address as one text; it reads as the street.
#[test]
fn a_version_2_company_reads_with_its_address_as_the_street() {
    let v2 = from_hex("020110616263646566303132333435363738390441636d65063120526f6164024445034555520544453132330d4575726f70652f4265726c696efd0068e5cf8b01000002646501fb60eafb983a0103010548616c6c6f01010100035765670544616e6b6501011401090101fb1027fb204e010405fce0930400");
    assert_eq!(
        decode::<TenantRecord>(&v2).unwrap(),
        tenant_with_address_text()
    );
}

#[test]
fn account_bytes() {
    golden(
        &AccountRecord {
            id: 10,
            tenant: 1,
            email: "bob@acme.example".into(),
            name: "Bob".into(),
            sip: Some("10002".into()),
            password_hash: "$argon2id$x".into(),
            role: 0,
            max_chats: 4,
            departments: vec![2, 3],
        },
        "010a0110626f624061636d652e6578616d706c6503426f62010531303030320b246172676f6e32696424780004020203",
    );
}

#[test]
fn index_bytes() {
    let index = IndexRecord {
        tenant: 1,
        account: 10,
    };
    golden(&KeyIndex(index), "01010a");
    golden(&EmailIndex(index), "01010a");
}

#[test]
fn department_and_canned_bytes() {
    golden(
        &DepartmentRecord {
            id: 2,
            name: "Sales".into(),
        },
        "01020553616c6573",
    );
    golden(
        &CannedRecord {
            id: 3,
            shortcut: "hi".into(),
            text: "Hello!".into(),
        },
        "01030268690648656c6c6f21",
    );
}

#[test]
fn chat_bytes() {
    golden(
        &ChatRecord {
            id: 100,
            tenant: 1,
            visitor: 55,
            name: "Guest".into(),
            email: "g@example.com".into(),
            department: Some(2),
            requested: None,
            page_url: "https://acme.example/".into(),
            lang: "en".into(),
            created_at: 1_700_000_000_000,
            state: 2,
            operator: Some(10),
            ended_at: Some(1_700_000_060_000),
        },
        "016401370547756573740d67406578616d706c652e636f6d0102001568747470733a2f2f61636d652e6578616d706c652f02656efd0068e5cf8b01000002010a01fd6052e6cf8b010000",
    );
}

#[test]
fn log_bytes_of_every_kind() {
    let at = 1_700_000_000_000;
    let kinds = [
        (
            LogKindRecord::Message {
                author: AuthorRecord::Operator(10, "Bob".into()),
                text: "Hi".into(),
                client_id: "c1".into(),
            },
            "01fd0068e5cf8b01000000010a03426f62024869026331",
        ),
        (
            LogKindRecord::Message {
                author: AuthorRecord::Visitor,
                text: "Yo".into(),
                client_id: "c2".into(),
            },
            "01fd0068e5cf8b010000000002596f026332",
        ),
        (
            LogKindRecord::Message {
                author: AuthorRecord::Company,
                text: "Auto".into(),
                client_id: String::new(),
            },
            "01fd0068e5cf8b0100000002044175746f00",
        ),
        (
            LogKindRecord::Joined {
                operator: 10,
                name: "Bob".into(),
            },
            "01fd0068e5cf8b010000010a03426f62",
        ),
        (LogKindRecord::TimedOut, "01fd0068e5cf8b01000002"),
        (
            LogKindRecord::Closed { by: Some(10) },
            "01fd0068e5cf8b01000003010a",
        ),
        (
            LogKindRecord::Requeued { operator: 10 },
            "01fd0068e5cf8b010000040a",
        ),
        (
            LogKindRecord::Transferred { operator: 10 },
            "01fd0068e5cf8b010000050a",
        ),
    ];
    for (kind, hex) in kinds {
        golden(&LogRecord { at, kind }, hex);
    }
}

#[test]
fn offline_bytes() {
    golden(
        &OfflineRecord {
            id: 7,
            name: "Ola".into(),
            email: "ola@example.com".into(),
            message: "Call me".into(),
            department: Some(3),
            operator: None,
            at: 1_700_000_000_000,
            done: true,
        },
        "0207034f6c610f6f6c61406578616d706c652e636f6d0743616c6c206d65010300fd0068e5cf8b01000001",
    );
}

#[test]
fn session_bytes() {
    for (subject, hex) in [
        (SubjectRecord::Account(10), "0101000afd00505c18a3010000"),
        (SubjectRecord::Chat(100), "01010164fd00505c18a3010000"),
    ] {
        golden(
            &SessionRecord {
                tenant: 1,
                subject,
                expires_at: 1_800_000_000_000,
            },
            hex,
        );
    }
}

#[test]
fn graphics_buttons_and_visitor_bytes() {
    golden(
        &GraphicsRecord {
            id: 9,
            header: Some(vec![0x89, b'P', b'N', b'G']),
            sidebar: None,
            created_at: 1_700_000_000_000,
        },
        "0109010489504e4700fd0068e5cf8b010000",
    );
    golden(
        &ButtonsRecord {
            online: Some(b"GIF89a".to_vec()),
            offline: None,
        },
        "01010647494638396100",
    );
    golden(
        &VisitorRecord {
            id: 55,
            declined: true,
            first_seen: 1_700_000_000_000,
            last_seen: 1_700_000_100_000,
            page_views: 3,
        },
        "013701fd0068e5cf8b010000fda0eee6cf8b01000003",
    );
}

#[test]
fn routing_and_index_entry_bytes() {
    golden(
        &RoutingRecord {
            at: 1_700_000_000_000,
            kind: "offered".into(),
            operator: Some(10),
            detail: "least busy".into(),
        },
        "01fd0068e5cf8b010000076f666665726564010a0a6c656173742062757379",
    );
    golden(&OpenChat, "01");
    golden(&AccountSession, "01");
    golden(
        &EventIdCeiling(1_800_000_000_000_000),
        "01fd0080982817650600",
    );
}

#[test]
fn secret_bytes() {
    golden(
        &SecretRecord([7; 32]),
        "010707070707070707070707070707070707070707070707070707070707070707",
    );
}

#[test]
fn audit_entry_bytes() {
    golden(
        &AuditRecord {
            at: 1_700_000_000_000,
            account: 7,
            actor: "admin@acme.example".into(),
            action: "operator.updated".into(),
            target: "10001".into(),
            fields: vec!["name".into(), "max_chats".into()],
        },
        "01fd0068e5cf8b010000071261646d696e4061636d652e6578616d706c65106f70657261746f722e7570646174656405313030303102046e616d65096d61785f6368617473",
    );
}

#[test]
fn billing_bytes() {
    golden(
        &CardRecord {
            token: "tok_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2030,
            holder: "Ada".into(),
            added_at: 1_700_000_000_000,
            default: true,
        },
        "0105746f6b5f31047669736104343234320cfbee0703416461fd0068e5cf8b01000001",
    );
    let party = |name: &str, country: &str, vat: &str| PartyRecord {
        name: name.into(),
        address: AddressRecord {
            street: "1 Road".into(),
            city: "Town".into(),
            postcode: "123".into(),
        },
        country: country.into(),
        vat_number: vat.into(),
    };
    let invoice = |status| InvoiceRecord {
        year: 2026,
        month: 10,
        issued_at: 1_700_000_000_000,
        time_zone: "Europe/Berlin".into(),
        seller: party("Switchboard Ltd", "IE", "IE1234567T"),
        customer: party("Acme GmbH", "DE", "DE123456789"),
        seats: 3,
        unit_minor: 1500,
        currency: "EUR".into(),
        net_minor: 4500,
        vat_rule: 1,
        vat_rate_bp: 0,
        vat_minor: 0,
        gross_minor: 4500,
        status,
    };
    golden(
        &invoice(InvoiceStatusRecord::Unpaid {
            attempts: 1,
            reason: "declined".into(),
        }),
        "01fbea070afd0068e5cf8b0100000d4575726f70652f4265726c696e0f537769746368626f617264204c7464063120526f616404546f776e033132330249450a494531323334353637540941636d6520476d6248063120526f616404546f776e033132330244450b444531323334353637383903fbb80b03455552fb2823010000fb28230001086465636c696e6564",
    );
    golden(
        &invoice(InvoiceStatusRecord::Paid {
            charge: "ch_1".into(),
            at: 1_700_000_000_001,
        }),
        "01fbea070afd0068e5cf8b0100000d4575726f70652f4265726c696e0f537769746368626f617264204c7464063120526f616404546f776e033132330249450a494531323334353637540941636d6520476d6248063120526f616404546f776e033132330244450b444531323334353637383903fbb80b03455552fb2823010000fb2823010463685f31fd0168e5cf8b010000",
    );
    golden(&InvoicePeriod(7), "0107");
}

/// Every `impl Record for` in `records.rs` has golden bytes in this file, so a new record
/// type cannot skip them.
#[test]
fn every_record_type_has_golden_bytes() {
    let records = include_str!("../records.rs");
    let tests = include_str!("golden.rs");
    let types: Vec<&str> = records
        .lines()
        .filter_map(|l| l.strip_prefix("impl Record for "))
        .filter_map(|l| l.strip_suffix(" {"))
        .collect();
    assert_eq!(types.len(), 22, "record types found: {types:?}");
    for name in types {
        assert!(tests.contains(name), "{name} has no golden bytes test");
    }
}

/// The window as the first builds wrote it (13 fields), for building version 1 values.
#[derive(Serialize)]
struct OldestWindow {
    language: &'static str,
    distribution: u8,
    connection_timeout_ms: u64,
    offer_timeout_ms: u64,
    auto_canned: Option<u64>,
    welcome_screen: bool,
    welcome_message: &'static str,
    name_field: FieldRecord,
    email_field: FieldRecord,
    offline_message: &'static str,
    offline_thanks: &'static str,
    tracking: bool,
    invitation_delay_secs: Option<u32>,
}

/// A version 1 company around one of the old windows.
#[derive(Serialize)]
struct OldTenant<W> {
    id: u64,
    key: &'static str,
    name: &'static str,
    address: &'static str,
    country: &'static str,
    currency: &'static str,
    vat_number: &'static str,
    time_zone: &'static str,
    created_at: u64,
    window: W,
}

fn oldest_window() -> OldestWindow {
    OldestWindow {
        language: "de",
        distribution: 1,
        connection_timeout_ms: 60_000,
        offer_timeout_ms: 15_000,
        auto_canned: Some(3),
        welcome_screen: true,
        welcome_message: "Hallo",
        name_field: FieldRecord {
            enabled: true,
            required: true,
        },
        email_field: FieldRecord {
            enabled: true,
            required: false,
        },
        offline_message: "Weg",
        offline_thanks: "Danke",
        tracking: true,
        invitation_delay_secs: Some(20),
    }
}

fn old_tenant<W>(window: W) -> OldTenant<W> {
    OldTenant {
        id: 1,
        key: "abcdef0123456789",
        name: "Acme",
        address: "1 Road",
        country: "DE",
        currency: "EUR",
        vat_number: "DE123",
        time_zone: "Europe/Berlin",
        created_at: 1_700_000_000_000,
        window,
    }
}

/// `[1] ++ bincode(value)`: a value as a version 1 build stored it.
fn v1<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = vec![1];
    bytes.extend(bincode::serde::encode_to_vec(value, bincode::config::standard()).unwrap());
    bytes
}

/// The company record grew six routing fields under version 1 (and two before that), so a
/// database could hold three layouts behind the same byte; a build that bumped nothing read
/// the older ones as corrupt. Each is written to a real database, which is closed and opened
/// again, and reads as today's record with the defaults of its time.
#[test]
fn a_database_written_by_older_company_layouts_opens_and_reads() {
    // serde's `flatten` is not something bincode can encode, so the 15-field window is
    // checked in as bytes: the oldest company's bytes with `None` (0) and `false` (0)
    // appended, exactly what that build wrote.
    let oldest = v1(&old_tenant(oldest_window()));
    let mut with_graphics = oldest.clone();
    with_graphics.extend([0, 0]);
    let v2_under_1 = v1(&old_tenant(window()));

    let dir = TempDir::new().unwrap();
    let config = Config {
        path: dir.path().join("db"),
        ..Config::default()
    };
    let keys: Vec<Vec<u8>> = (1..=3).map(|t| Key::new().u64(t).finish()).collect();
    {
        let store = Store::open(&config).unwrap();
        let table = store.table::<TenantRecord>().unwrap();
        for (key, value) in keys.iter().zip([&oldest, &with_graphics, &v2_under_1]) {
            table.raw().insert(key, value.clone()).unwrap();
        }
        store.flush_now().unwrap();
    }
    let store = Store::open(&config).unwrap();
    let table = store.table::<TenantRecord>().unwrap();
    let read: Vec<TenantRecord> = keys
        .iter()
        .map(|k| table.get(k).unwrap().expect("the company is there"))
        .collect();

    let mut expected_old = tenant_with_address_text();
    expected_old.window.active_graphics = None;
    expected_old.window.custom_buttons = false;
    expected_old.window.fairness = 0;
    expected_old.window.requested_operator_ms = 30_000;
    expected_old.window.department_ms = 30_000;
    expected_old.window.fallback_department = None;
    expected_old.window.max_queue = 0;
    expected_old.window.max_wait_ms = 0;
    assert_eq!(read[0], expected_old, "the oldest layout");
    assert_eq!(
        read[1], expected_old,
        "the layout with graphics and buttons"
    );
    assert_eq!(
        read[2],
        tenant_with_address_text(),
        "version 2's layout under the old byte"
    );

    // A rewrite stores the current version.
    let _ticket = table.insert(&keys[0], &read[0]).unwrap();
    assert_eq!(table.raw().get(&keys[0]).unwrap().unwrap()[0], 3);
}

/// Bytes that fit none of the three version 1 layouts are an error naming the tree, never a
/// company with made-up fields.
#[test]
fn a_version_1_company_of_no_known_layout_is_refused() {
    let mut bytes = v1(&old_tenant(oldest_window()));
    bytes.push(0);
    let err = decode::<TenantRecord>(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            crate::Error::Decode {
                tree: "tenants",
                ..
            }
        ),
        "{err}"
    );
}
