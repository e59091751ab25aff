//! The actor shell never loses an error: a record that cannot be read or written fails the
//! request and leaves what is stored as it was.

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_storage::records::{LogRecord, VisitorRecord};
use switchboard_storage::{Key, Record};

use crate::support::*;

/// Declares a record type stored under `$record`'s tree with a version byte no reader
/// understands: a record a later build wrote, or one damaged on disk.
macro_rules! unreadable_in {
    ($name:ident, $record:ty) => {
        #[derive(Serialize, Deserialize)]
        struct $name(u8);
        impl Record for $name {
            const TREE: &'static str = <$record as Record>::TREE;
            const VERSION: u8 = 250;
        }
    };
}

unreadable_in!(BadLogEntry, LogRecord);
unreadable_in!(BadVisitor, VisitorRecord);

// Broke: when a chat's log could not be read, the actor carried on with an empty log; the next
// message got seq 1 and every new message overwrote an old one while answering 201.
#[tokio::test]
async fn an_unreadable_log_entry_fails_the_chat_and_overwrites_nothing() {
    let server = start_server().await;
    let company = server.new_company("Unreadable").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    let mut seqs = Vec::new();
    for i in 0..3 {
        seqs.push(
            server
                .send(chat.id, &chat.token, &format!("m{i}"), &format!("c{i}"))
                .await,
        );
    }
    let damaged = Key::new().u64(chat.id).u64(seqs[1]).finish();
    let _ticket = server
        .store()
        .table::<BadLogEntry>()
        .unwrap()
        .insert(&damaged, &BadLogEntry(0))
        .unwrap();
    let server = server.restart().await; // the chat's session is read from storage again
    let ann_token = server.login(&ann.email, PASSWORD).await;
    for i in 0..5 {
        let reply = server
            .post_message(chat.id, &chat.token, "lost?", &format!("new{i}"))
            .await;
        assert_eq!(reply.status.as_u16(), 500, "{}", reply.text);
        assert_eq!(reply.body["code"], "internal");
    }
    server
        .get(&format!("/v1/chats/{}/messages", chat.id), Some(&ann_token))
        .await
        .expect_error(500, "storage_error");
    // Everything stored is as it was: the entries around the damaged one, and nothing after.
    let log = server.store().table::<LogRecord>().unwrap();
    let text = |seq: u64| match log.get(&Key::new().u64(chat.id).u64(seq).finish()) {
        Ok(Some(record)) => format!("{:?}", record.kind),
        other => format!("{other:?}"),
    };
    assert!(text(seqs[0]).contains("m0"), "{}", text(seqs[0]));
    assert!(text(seqs[2]).contains("m2"), "{}", text(seqs[2]));
    assert_eq!(
        text(seqs[2] + 1),
        "Ok(None)",
        "no entry was added after the last"
    );
}

// Broke: a visitor record that could not be read became a fresh one, so the next page view
// saved over a stored "No thanks".
#[tokio::test]
async fn an_unreadable_visitor_record_is_never_replaced() {
    let server = start_server().await;
    let company = server.new_company("Visitors").await;
    server
        .chat_window(&company.admin, json!({ "tracking": true }))
        .await;
    let path = format!("/v1/visitor/{}/page-views", company.key);
    let page_view =
        |visitor: Option<u64>| json!({ "visitor_id": visitor, "url": "https://shop.example/" });
    let visitor = server.post(&path, None, page_view(None)).await.expect(200)["visitor_id"]
        .as_u64()
        .unwrap();
    let server = server.restart().await; // the visitor actor reads its record again
    let tenant = company_id(&server, &company).await;
    let key = Key::new().u64(tenant).u64(visitor).finish();
    let _ticket = server
        .store()
        .table::<BadVisitor>()
        .unwrap()
        .insert(&key, &BadVisitor(7))
        .unwrap();
    server
        .post(&path, None, page_view(Some(visitor)))
        .await
        .expect(200);
    // The page view is answered (tracking is best effort) but the stored bytes are untouched.
    let events = EventStream::open(server.client.get(server.url(&format!(
        "/v1/visitor/{}/visitors/{visitor}/events",
        company.key
    ))))
    .await;
    drop(events);
    let decline = server
        .post(
            &format!("/v1/visitor/{}/visitors/{visitor}/decline", company.key),
            None,
            json!({}),
        )
        .await;
    assert_eq!(decline.status.as_u16(), 500, "{}", decline.text);
    let raw = server
        .store()
        .table::<BadVisitor>()
        .unwrap()
        .get(&key)
        .unwrap();
    assert!(
        matches!(raw, Some(BadVisitor(7))),
        "the record is as planted"
    );
}

/// The company's id, from its key's index.
async fn company_id(server: &Server, company: &Company) -> u64 {
    let index = server
        .store()
        .table::<switchboard_storage::records::KeyIndex>()
        .unwrap()
        .get(&Key::new().str(&company.key).finish())
        .unwrap()
        .expect("the key is indexed");
    index.0.tenant
}

// Broke: a 500 carried the storage library's own text to the client.
#[tokio::test]
async fn a_storage_failure_answers_500_without_internals() {
    let server = start_server().await;
    let company = server.new_company("Quiet").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    let seq = server.send(chat.id, &chat.token, "hello", "c0").await;
    let _ticket = server
        .store()
        .table::<BadLogEntry>()
        .unwrap()
        .insert(&Key::new().u64(chat.id).u64(seq).finish(), &BadLogEntry(0))
        .unwrap();
    let reply = server
        .get(&format!("/v1/chats/{}/messages", chat.id), Some(&ann.token))
        .await;
    let message = reply.expect_error(500, "storage_error");
    for leak in ["version", "messages", "storage", "decode", "sled"] {
        assert!(!message.to_lowercase().contains(leak), "{message}");
    }
}

// Broke: a `Last-Event-ID` of u64::MAX overflowed (`after + 1`); an id from the future must
// make the terminal reload, never leave it silently missing events.
#[tokio::test]
async fn an_event_id_from_the_future_resets_the_terminal() {
    let server = start_server().await;
    let company = server.new_company("Future").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    for id in [u64::MAX.to_string(), "99999999999999999999999".to_string()] {
        let mut events = EventStream::open(
            server
                .client
                .get(server.url("/v1/me/events"))
                .bearer_auth(&ann.token)
                .header("Last-Event-ID", id),
        )
        .await;
        let first = events.next_event(WAIT).await;
        assert_eq!(first.event, "reset", "{}", events.names());
    }
}
