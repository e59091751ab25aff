//! Regression tests for what visitors, operators and admins met when they used Switchboard:
//! each test is named after the behaviour that broke and says what it was.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

/// The routing log of a chat, as the operator reads it.
async fn routing_log(server: &Server, admin: &str, chat: u64) -> Vec<Value> {
    server
        .get(&format!("/v1/chats/{chat}/routing"), Some(admin))
        .await
        .expect(200)
        .as_array()
        .expect("a routing log is a list")
        .clone()
}

/// A chat's state as history shows it.
async fn chat_state(server: &Server, admin: &str, chat: u64) -> String {
    let body = server
        .get(&format!("/v1/chats/{chat}"), Some(admin))
        .await
        .expect(200);
    body["state"].as_str().expect("a chat has a state").into()
}

// Broke: `operator=99999` (nobody has that SIP username) refused the chat with "Something went
// wrong" on every retry, and an offline requested operator sent the visitor straight to the
// off-line form with an empty routing log.
#[tokio::test]
async fn a_link_to_an_unknown_or_offline_operator_falls_to_the_department() {
    let server = start_server().await;
    let company = server.new_company("Ladder").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let _bob = server.new_operator(&company, "102", json!({})).await; // offline
    let mut events = server.go_online(&ann).await;

    let unknown = server
        .start_chat(&company.key, json!({ "name": "Uma", "operator": "99999" }))
        .await;
    assert_eq!(unknown.state, "waiting");
    events.wait_for_offer(unknown.id).await;
    let log = routing_log(&server, &company.admin, unknown.id).await;
    assert!(
        log[0]["detail"].as_str().unwrap().contains("99999"),
        "the log says the link named an unknown operator: {log:?}"
    );

    let offline = server
        .start_chat(&company.key, json!({ "name": "Olga", "operator": "102" }))
        .await;
    assert_eq!(
        offline.state, "waiting",
        "Bob is offline; Ann's department serves"
    );
    events.wait_for_offer(offline.id).await;
    let log = routing_log(&server, &company.admin, offline.id).await;
    let arrived = log
        .iter()
        .find(|e| e["kind"] == "arrived")
        .expect("arrived");
    assert!(
        arrived["detail"]
            .as_str()
            .unwrap()
            .contains("operator asked for is not available"),
        "{log:?}"
    );
}

// Broke: the browser form enforced required welcome fields, the API did not.
#[tokio::test]
async fn required_welcome_fields_are_enforced_by_the_api() {
    let server = start_server().await;
    let company = server.new_company("Fields").await;
    server
        .chat_window(
            &company.admin,
            json!({
                "welcome_screen": true,
                "name_field": { "enabled": true, "required": true },
                "email_field": { "enabled": true, "required": true },
            }),
        )
        .await;
    let path = format!("/v1/visitor/{}/chats", company.key);
    let message = server
        .post(&path, None, json!({ "email": "a@b.example" }))
        .await
        .expect_error(400, "invalid_name");
    assert!(message.contains("name"), "{message}");
    let message = server
        .post(&path, None, json!({ "name": "Ada", "email": "  " }))
        .await
        .expect_error(400, "invalid_email");
    assert!(message.contains("email"), "{message}");
    // Off, the same fields are not asked for: the chat starts at once as "Guest".
    server
        .chat_window(&company.admin, json!({ "welcome_screen": false }))
        .await;
    let chat = server.start_chat(&company.key, json!({})).await;
    assert_eq!(
        chat.state, "offline",
        "nobody is online, but the chat was admitted"
    );
}

// Broke: the router refused a chat over `max_queue`, but the shell saved it as waiting,
// answered "waiting", armed no timer and never ended it (a restart re-queued it).
#[tokio::test]
async fn a_full_queue_sends_the_visitor_to_the_offline_form() {
    let server = start_server().await;
    let company = server.new_company("Full").await;
    let ann = server
        .new_operator(&company, "101", json!({ "max_chats": 1 }))
        .await;
    server
        .chat_window(&company.admin, json!({ "max_queue": 1 }))
        .await;
    let mut events = server.go_online(&ann).await;
    let first = server
        .start_chat(&company.key, json!({ "name": "A" }))
        .await;
    events.wait_for_offer(first.id).await;
    let second = server
        .start_chat(&company.key, json!({ "name": "B" }))
        .await;
    assert_eq!(second.state, "waiting");
    let third = server
        .start_chat(&company.key, json!({ "name": "C" }))
        .await;
    assert_eq!(third.state, "offline", "the queue holds one");
    assert_eq!(
        chat_state(&server, &company.admin, third.id).await,
        "offline"
    );
    let log = routing_log(&server, &company.admin, third.id).await;
    assert!(
        log.iter()
            .any(|e| e["kind"] == "offline" && e["detail"].as_str().unwrap().contains("full")),
        "{log:?}"
    );
    // After a restart the refused chat stays ended and the queue holds only the second.
    let server = server.restart().await;
    assert_eq!(
        chat_state(&server, &company.admin, third.id).await,
        "offline"
    );
    assert_eq!(
        chat_state(&server, &company.admin, second.id).await,
        "waiting"
    );
}

// Broke: the same for `max_wait_secs`: an estimated wait over the limit answered "waiting".
#[tokio::test]
async fn a_wait_over_the_limit_sends_the_visitor_to_the_offline_form() {
    let server = start_server().await;
    let company = server.new_company("Slow").await;
    let ann = server
        .new_operator(&company, "101", json!({ "max_chats": 1 }))
        .await;
    server
        .chat_window(&company.admin, json!({ "max_wait_secs": 0.001 }))
        .await;
    let mut events = server.go_online(&ann).await;
    // One handled chat gives the company a handling time (longer than the 1 ms limit).
    let handled = server.connected_chat(&company, &ann, &mut events).await;
    tokio::time::sleep(Duration::from_millis(20)).await; // the chat's length, not a wait
    server
        .call(
            Method::POST,
            &format!("/v1/chats/{}/close", handled.id),
            Some(&ann.token),
            None,
        )
        .await
        .expect(200);
    let held = server
        .start_chat(&company.key, json!({ "name": "H" }))
        .await;
    events.wait_for_offer(held.id).await;
    let late = server
        .start_chat(&company.key, json!({ "name": "L" }))
        .await;
    assert_eq!(
        late.state, "offline",
        "one place takes ~20 ms, the limit is 1 ms"
    );
    let log = routing_log(&server, &company.admin, late.id).await;
    assert!(
        log.iter()
            .any(|e| e["kind"] == "offline"
                && e["detail"].as_str().unwrap().contains("estimated wait")),
        "{log:?}"
    );
}

// Broke: the fallback department was only reached by escalation, never at arrival when the
// chat's own department had nobody online.
#[tokio::test]
async fn the_fallback_department_takes_a_chat_at_arrival() {
    let server = start_server().await;
    let company = server.new_company("Fallback").await;
    let sales = server
        .post(
            "/v1/departments",
            Some(&company.admin),
            json!({ "name": "Sales" }),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let support = server
        .post(
            "/v1/departments",
            Some(&company.admin),
            json!({ "name": "Support" }),
        )
        .await
        .expect(201)["id"]
        .as_u64()
        .unwrap();
    let sam = server
        .new_operator(&company, "101", json!({ "departments": [support] }))
        .await;
    server
        .chat_window(&company.admin, json!({ "fallback_department": support }))
        .await;
    let mut events = server.go_online(&sam).await;
    let chat = server
        .start_chat(&company.key, json!({ "name": "F", "department": sales }))
        .await;
    assert_eq!(chat.state, "waiting");
    events.wait_for_offer(chat.id).await;
    let log = routing_log(&server, &company.admin, chat.id).await;
    assert!(
        log[0]["detail"].as_str().unwrap().contains("fallback"),
        "{log:?}"
    );
}
