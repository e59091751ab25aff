//! Encoding and decoding the records written most: a chat log entry and the company.
//!
//! A chat log entry ([`LogRecord`]) is written for every message, join and close; the
//! company ([`TenantRecord`], settings and chat window) is read whenever its actor starts
//! and written on every settings change. Each is measured through the codec every table uses
//! (version byte + bincode), without the database; throughput is the stored value's bytes.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use switchboard_benches::MESSAGE_TEXT_LEN;
use switchboard_storage::records::{
    AddressRecord, AuthorRecord, ChatWindowRecord, FieldRecord, LogKindRecord, LogRecord,
    TenantRecord,
};
use switchboard_storage::{decode, encode, Record};

/// Samples per benchmark.
const SAMPLES: usize = 20;

/// Measurement time per benchmark.
const MEASUREMENT: Duration = Duration::from_secs(3);

/// Warm-up per benchmark.
const WARM_UP: Duration = Duration::from_secs(1);

/// A visitor's message of the usual length, as the chat log stores it.
fn log_message() -> LogRecord {
    LogRecord {
        at: 1_700_000_000_000,
        kind: LogKindRecord::Message {
            author: AuthorRecord::Visitor,
            text: "x".repeat(MESSAGE_TEXT_LEN),
            client_id: "c-0123456789abcdef".to_owned(),
        },
    }
}

/// A company with its profile filled in and every chat-window text set.
fn company() -> TenantRecord {
    let field = FieldRecord {
        enabled: true,
        required: false,
    };
    TenantRecord {
        id: 1,
        key: "abcdef0123456789".to_owned(),
        name: "Acme Widgets GmbH".to_owned(),
        address: AddressRecord {
            street: "Friedrichstraße 123".to_owned(),
            city: "Berlin".to_owned(),
            postcode: "10117".to_owned(),
        },
        country: "DE".to_owned(),
        currency: "EUR".to_owned(),
        vat_number: "DE136695976".to_owned(),
        time_zone: "Europe/Berlin".to_owned(),
        created_at: 1_700_000_000_000,
        window: ChatWindowRecord {
            language: "de".to_owned(),
            distribution: 0,
            connection_timeout_ms: 60_000,
            offer_timeout_ms: 15_000,
            auto_canned: Some(3),
            welcome_screen: true,
            welcome_message: "Willkommen! Wie können wir helfen?".to_owned(),
            name_field: field,
            email_field: field,
            offline_message: "Gerade ist niemand da. Hinterlassen Sie uns eine Nachricht."
                .to_owned(),
            offline_thanks: "Danke, wir melden uns.".to_owned(),
            tracking: true,
            invitation_delay_secs: Some(30),
            active_graphics: Some(9),
            custom_buttons: false,
            fairness: 0,
            requested_operator_ms: 30_000,
            department_ms: 60_000,
            fallback_department: Some(4),
            max_queue: 20,
            max_wait_ms: 600_000,
        },
    }
}

/// Benches `encode` and `decode` of `record` as `<name>/encode` and `<name>/decode`.
fn bench_record<R: Record + PartialEq + std::fmt::Debug>(c: &mut Criterion, name: &str, record: R) {
    let bytes = encode(&record).expect("encode");
    assert_eq!(decode::<R>(&bytes).expect("decode"), record);
    let mut group = c.benchmark_group(format!("records/{name}"));
    group
        .sample_size(SAMPLES)
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| encode(black_box(&record)).expect("encode"));
    });
    group.bench_function("decode", |b| {
        b.iter(|| decode::<R>(black_box(&bytes)).expect("decode"));
    });
    group.finish();
    eprintln!("records/{name}: {} bytes stored", bytes.len());
}

fn records(c: &mut Criterion) {
    bench_record(c, "log_message", log_message());
    bench_record(c, "company", company());
}

criterion_group!(benches, records);
criterion_main!(benches);
