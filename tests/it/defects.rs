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
    let sales = server.new_department(&company.admin, "Sales").await;
    let support = server.new_department(&company.admin, "Support").await;
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

// Broke: the button image showed "online" for an operator whose terminal dropped past the
// presence grace, while every chat went to the off-line form. "Online" is the routing rule:
// status online and a connected terminal; tracked pages learn of changes live.
#[tokio::test]
async fn online_means_someone_can_take_a_chat_now() {
    let mut engine = engine_config();
    engine.presence_grace_ms = 50;
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Presence").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    server
        .chat_window(&company.admin, json!({ "tracking": true }))
        .await;
    let viewed = server
        .post(
            &format!("/v1/visitor/{}/page-views", company.key),
            None,
            json!({ "url": "https://shop.example/" }),
        )
        .await
        .expect(200);
    let visitor = viewed["visitor_id"].as_u64().unwrap();
    let mut page = EventStream::open(server.client.get(server.url(&format!(
        "/v1/visitor/{}/visitors/{visitor}/events",
        company.key
    ))))
    .await;
    let button = |server: &Server| {
        let path = format!("/button/{}/en/standard", company.key);
        let url = server.url(&path);
        let client = server.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let window = format!("/v1/visitor/{}/window", company.key);
    assert!(button(&server).await.contains("offline"));

    let events = server.go_online(&ann).await;
    let (data, _) = page.wait_for("availability", WAIT).await;
    assert_eq!(data["online"], true);
    assert!(button(&server).await.contains("Live chat: online"));
    assert_eq!(server.get(&window, None).await.expect(200)["online"], true);
    let operators = server
        .get("/v1/operators", Some(&company.admin))
        .await
        .expect(200);
    let listed = operators
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["sip"] == "101")
        .unwrap();
    assert_eq!(listed["available"], true);

    drop(events); // the terminal drops; its status stays "online"
    let (data, _) = page.wait_for("availability", WAIT).await;
    assert_eq!(
        data["online"], false,
        "past the grace nobody can take a chat"
    );
    assert!(button(&server).await.contains("Live chat: offline"));
    assert_eq!(server.get(&window, None).await.expect(200)["online"], false);
    let chat = server
        .start_chat(&company.key, json!({ "name": "N" }))
        .await;
    assert_eq!(chat.state, "offline", "the button and routing agree");
}

// Broke: an operator could not decline an offer, the console had no queue to show, and the
// routing log showed operators as bare ids.
#[tokio::test]
async fn an_operator_declines_an_offer_and_sees_the_queue_and_the_visitor() {
    let server = start_server().await;
    let company = server.new_company("Decline").await;
    let ann = server
        .new_operator(&company, "101", json!({ "name": "Ann", "max_chats": 1 }))
        .await;
    let bob = server
        .new_operator(&company, "102", json!({ "name": "Bob", "max_chats": 1 }))
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let mut bob_events = server.go_online(&bob).await;
    let chat = server
        .start_chat(
            &company.key,
            json!({ "name": "Dee", "email": "dee@x.example" }),
        )
        .await;
    let first = tokio::select! {
        _ = ann_events.wait_for_offer(chat.id) => &ann,
        _ = bob_events.wait_for_offer(chat.id) => &bob,
    };
    let (other, other_events) = if first.sip == "101" {
        (&bob, &mut bob_events)
    } else {
        (&ann, &mut ann_events)
    };
    let path = format!("/v1/chats/{}/decline", chat.id);
    server
        .call(Method::POST, &path, Some(&other.token), None)
        .await
        .expect_error(409, "not_offered");
    let declined = server
        .call(Method::POST, &path, Some(&first.token), None)
        .await;
    assert_eq!(declined.status.as_u16(), 204, "{}", declined.text);
    other_events.wait_for_offer(chat.id).await;
    server.accept(chat.id, &other.token).await.expect(200);

    // Both hold or refused one; the next two chats queue, oldest first.
    let held = server
        .start_chat(&company.key, json!({ "name": "Q1" }))
        .await;
    let waiting = server
        .start_chat(&company.key, json!({ "name": "Q2" }))
        .await;
    if first.sip == "101" {
        ann_events.wait_for_offer(held.id).await;
    } else {
        bob_events.wait_for_offer(held.id).await;
    }
    let queue = server.get("/v1/queue", Some(&ann.token)).await.expect(200);
    assert_eq!(ids(&queue, "id"), vec![waiting.id]);

    let log = routing_log(&server, &company.admin, chat.id).await;
    let declined = log
        .iter()
        .find(|e| e["kind"] == "declined")
        .expect("declined");
    let name = if first.sip == "101" { "Ann" } else { "Bob" };
    assert_eq!(declined["operator_name"], name);

    // The visitor panel: the same email came back.
    let again = server
        .start_chat(
            &company.key,
            json!({ "name": "Dee", "email": "dee@x.example" }),
        )
        .await;
    let profile = server
        .get(&format!("/v1/chats/{}/visitor", again.id), Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(profile["email"], "dee@x.example");
    assert_eq!(ids(&profile["previous_chats"], "id"), vec![chat.id]);
}

// Broke: canned responses, the time zone, the off-line inbox and operators' presence reached
// a running terminal only after it signed in again.
#[tokio::test]
async fn panel_changes_reach_running_terminals() {
    let server = start_server().await;
    let company = server.new_company("Live").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let changed = |resource: &'static str| move |d: &Value| d["resource"] == resource;

    server
        .post(
            "/v1/canned-responses",
            Some(&company.admin),
            json!({ "shortcut": "hi", "text": "Hello!" }),
        )
        .await
        .expect(201);
    events
        .wait_for_where("changed", changed("canned_responses"), WAIT)
        .await;
    server
        .put(
            "/v1/company",
            Some(&company.admin),
            json!({ "time_zone": "Europe/Berlin" }),
        )
        .await
        .expect(200);
    events
        .wait_for_where("changed", changed("company"), WAIT)
        .await;
    let bob = server.new_operator(&company, "102", json!({})).await;
    events
        .wait_for_where("changed", changed("operators"), WAIT)
        .await;
    server.set_status(&bob.token, "away").await;
    events
        .wait_for_where("changed", changed("operators"), WAIT)
        .await;

    server
        .post(
            &format!("/v1/visitor/{}/offline-messages", company.key),
            None,
            json!({ "name": "Ola", "email": "ola@x.example", "message": "Call me", "operator": "99999" }),
        )
        .await
        .expect(201);
    let (data, _) = events.wait_for("offline_message", WAIT).await;
    assert_eq!(data["message"]["message"], "Call me");
    assert_eq!(data["message"]["done"], false);
    let id = data["message"]["id"].as_u64().unwrap();
    let done = server
        .call(
            Method::POST,
            &format!("/v1/offline-messages/{id}/done"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(done.status.as_u16(), 204, "{}", done.text);
    events
        .wait_for_where("changed", changed("offline_messages"), WAIT)
        .await;
    let inbox = server
        .get("/v1/offline-messages", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(inbox[0]["done"], true);
}

// Broke: history search looked only at names in the client; message text was not searched.
#[tokio::test]
async fn history_search_covers_message_text_in_any_script() {
    let server = start_server().await;
    let company = server.new_company("Search").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let mut chats = Vec::new();
    for (i, text) in ["Where is my ΠΑΡΑΓΓΕΛΊΑ?", "plain question", "Другой ЗАКАЗ"]
        .iter()
        .enumerate()
    {
        let chat = server.connected_chat(&company, &ann, &mut events).await;
        server
            .send(chat.id, &chat.token, text, &format!("c{i}"))
            .await;
        chats.push(chat.id);
    }
    let search = |q: &str| {
        let path = format!("/v1/chats?q={}", percent_encode(q));
        let server = &server;
        let token = ann.token.clone();
        async move { ids(&server.get(&path, Some(&token)).await.expect(200), "id") }
    };
    assert_eq!(search("παραγγελία").await, vec![chats[0]]);
    assert_eq!(search("заказ").await, vec![chats[2]]);
    assert_eq!(search("QUESTION").await, vec![chats[1]]);
    assert_eq!(
        search("vera").await,
        vec![chats[2], chats[1], chats[0]],
        "names too, newest first"
    );
    let page = server
        .get(
            &format!("/v1/chats?q=vera&limit=1&after={}", chats[2]),
            Some(&ann.token),
        )
        .await
        .expect(200);
    assert_eq!(
        page[0]["id"], chats[1],
        "the next page starts after the cursor"
    );
}

/// Percent-encodes a query value.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// Broke: a deleted operator's token kept reading chats and visitors; changing a password did
// not end the account's other sessions.
#[tokio::test]
async fn deleting_an_operator_or_changing_a_password_ends_sessions() {
    let server = start_server().await;
    let company = server.new_company("Sessions").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let second = server.login(&ann.email, PASSWORD).await;
    let wrong = server
        .put(
            "/v1/me/password",
            Some(&ann.token),
            json!({ "current": "not it at all", "new": "a new long password" }),
        )
        .await;
    wrong.expect_error(403, "wrong_password");
    let changed = server
        .put(
            "/v1/me/password",
            Some(&ann.token),
            json!({ "current": PASSWORD, "new": "a new long password" }),
        )
        .await;
    assert_eq!(changed.status.as_u16(), 204, "{}", changed.text);
    server.get("/v1/me", Some(&ann.token)).await.expect(200);
    server
        .get("/v1/me", Some(&second))
        .await
        .expect_error(401, "unauthorized");
    server
        .post(
            "/v1/login",
            None,
            json!({ "email": ann.email, "password": PASSWORD }),
        )
        .await
        .expect_error(401, "bad_credentials");
    let fresh = server.login(&ann.email, "a new long password").await;

    let deleted = server
        .call(
            Method::DELETE,
            "/v1/operators/101",
            Some(&company.admin),
            None,
        )
        .await;
    assert_eq!(deleted.status.as_u16(), 200, "{}", deleted.text);
    for token in [&ann.token, &fresh] {
        server
            .get("/v1/chats", Some(token))
            .await
            .expect_error(401, "unauthorized");
    }
}

// Broke: HEAD answered 405 on GET resources, and browsers' favicon requests got 404.
#[tokio::test]
async fn head_works_on_every_get_resource_and_there_is_a_favicon() {
    let server = start_server().await;
    let company = server.new_company("Head").await;
    for path in [
        "/healthz".to_string(),
        "/openapi.json".into(),
        "/v1/company".into(),
        "/v1/chats".into(),
        format!("/button/{}/en/standard", company.key),
    ] {
        let get = server.get(&path, Some(&company.admin)).await;
        let head = server
            .call(Method::HEAD, &path, Some(&company.admin), None)
            .await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(head.content_type, get.content_type, "{path}");
        assert!(head.text.is_empty(), "HEAD has no body: {path}");
    }
    let icon = server.get("/favicon.ico", None).await;
    assert_eq!(icon.status.as_u16(), 200);
    assert!(icon.text.starts_with("<svg"), "{}", icon.text);
    let refused = server
        .call(Method::DELETE, "/v1/chats", Some(&company.admin), None)
        .await;
    let allow = refused.text.clone();
    assert!(allow.contains("GET, HEAD"), "{allow}");
}

// Broke: closing the chat window left the chat "connected" on the server for good, unknown
// to the operator and holding a slot.
#[tokio::test]
async fn a_visitor_whose_window_is_gone_is_shown_as_left_and_the_chat_closed() {
    let mut engine = engine_config();
    engine.visitor_gone_secs = 1;
    engine.abandoned_chat_secs = 2;
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Gone").await;
    let ann = server
        .new_operator(&company, "101", json!({ "max_chats": 1 }))
        .await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;

    // A reload: the window closes and opens again before the absence counts.
    let window = server.chat_events(chat.id, &chat.token, None).await;
    drop(window);
    let window = server.chat_events(chat.id, &chat.token, None).await;
    drop(window);
    let (data, _) = events.wait_for("visitor_presence", WAIT).await;
    assert_eq!(
        data,
        json!({ "type": "visitor_presence", "chat_id": chat.id, "present": false })
    );
    let back = server.chat_events(chat.id, &chat.token, None).await;
    let (data, _) = events.wait_for("visitor_presence", WAIT).await;
    assert_eq!(data["present"], true);
    drop(back);
    events
        .wait_for_where("visitor_presence", |d| d["present"] == false, WAIT)
        .await;
    let (data, _) = events.wait_for("closed", WAIT).await;
    assert_eq!(data["chat_id"], chat.id);
    let log = routing_log(&server, &company.admin, chat.id).await;
    assert!(
        log.iter().any(|e| e["kind"] == "closed"
            && e["detail"]
                .as_str()
                .unwrap()
                .contains("no chat window open")),
        "{log:?}"
    );
    // The slot is free again.
    let next = server
        .start_chat(&company.key, json!({ "name": "Next" }))
        .await;
    events.wait_for_offer(next.id).await;
}

// Broke: the visitor was told nothing about who left when an operator went away.
#[tokio::test]
async fn the_visitor_learns_which_operator_left() {
    let mut engine = engine_config();
    engine.presence_grace_ms = 50;
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Left").await;
    let ann = server
        .new_operator(&company, "101", json!({ "name": "Alice" }))
        .await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    let mut window = server.chat_events(chat.id, &chat.token, None).await;
    window.wait_for("joined", WAIT).await;
    drop(events);
    let (data, _) = window.wait_for("requeued", WAIT).await;
    assert_eq!(data["name"], "Alice");
    let replay = server.transcript(chat.id, &chat.token).await;
    let requeued = replay.iter().find(|e| e["type"] == "requeued").unwrap();
    assert_eq!(
        requeued["name"], "Alice",
        "a reloaded window is told the same"
    );
}

// Broke: saving one chat-window field from the terminal cleared three others. The API's rule
// (omitted = unchanged, null = clear) is held here for every field of every settings form.
#[tokio::test]
async fn saving_one_setting_leaves_every_other_one_as_it_was() {
    let server = start_server().await;
    let company = server.new_company("Patch").await;
    let department = json!(server.new_department(&company.admin, "Sales").await);
    let canned = server
        .post(
            "/v1/canned-responses",
            Some(&company.admin),
            json!({ "shortcut": "hi", "text": "Hello" }),
        )
        .await
        .expect(201)["id"]
        .clone();
    // Every field away from its default first, so "unchanged" cannot pass by accident.
    server
        .chat_window(
            &company.admin,
            json!({ "tracking": true, "auto_canned_response": canned,
                    "fallback_department": department, "invitation_delay_secs": 30 }),
        )
        .await;
    let window_fields = [
        ("language", json!("de")),
        ("distribution", json!("all")),
        ("connection_timeout_secs", json!(42.0)),
        ("offer_timeout_secs", json!(7.0)),
        ("auto_canned_response", Value::Null),
        ("welcome_screen", json!(false)),
        ("welcome_message", json!("Hi there")),
        ("name_field", json!({ "enabled": true, "required": true })),
        (
            "email_field",
            json!({ "enabled": false, "required": false }),
        ),
        ("offline_message", json!("Away")),
        ("offline_thanks", json!("Thanks")),
        ("invitation_delay_secs", json!(12)),
        ("fairness", json!("round_robin")),
        ("requested_operator_timeout_secs", json!(9.0)),
        ("department_timeout_secs", json!(11.0)),
        ("fallback_department", Value::Null),
        ("max_queue", json!(5)),
        ("max_wait_secs", json!(120.0)),
        ("tracking", json!(true)),
    ];
    for (field, value) in window_fields {
        let before = server
            .get("/v1/chat-window", Some(&company.admin))
            .await
            .expect(200);
        let after = server
            .chat_window(&company.admin, json!({ field: value }))
            .await;
        for (key, old) in before.as_object().unwrap() {
            if key == field {
                assert_eq!(after[key], value, "{field} is saved");
            } else {
                assert_eq!(&after[key], old, "saving {field} changed {key}");
            }
        }
    }
    let company_fields = [
        ("name", json!("Patch Ltd")),
        (
            "address",
            json!({ "street": "1 High Street", "city": "Leeds", "postcode": "LS1 1AA" }),
        ),
        ("country", json!("DE")),
        ("currency", json!("EUR")),
        ("time_zone", json!("Europe/Berlin")),
    ];
    for (field, value) in company_fields {
        let before = server
            .get("/v1/company", Some(&company.admin))
            .await
            .expect(200);
        let after = server
            .put("/v1/company", Some(&company.admin), json!({ field: value }))
            .await
            .expect(200);
        for (key, old) in before.as_object().unwrap() {
            if key == field {
                assert_eq!(after[key], value, "{field} is saved");
            } else {
                assert_eq!(&after[key], old, "saving {field} changed {key}");
            }
        }
    }
    let ann = server
        .new_operator(
            &company,
            "101",
            json!({ "name": "Ann", "max_chats": 2, "departments": [department] }),
        )
        .await;
    let operator_fields = [
        ("name", json!("Annie")),
        ("max_chats", json!(5)),
        ("departments", json!([])),
        ("role", json!("admin")),
    ];
    for (field, value) in operator_fields {
        let list = server
            .get("/v1/operators", Some(&company.admin))
            .await
            .expect(200);
        let before = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == ann.id)
            .unwrap()
            .clone();
        let after = server
            .put(
                "/v1/operators/101",
                Some(&company.admin),
                json!({ field: value }),
            )
            .await
            .expect(200);
        for (key, old) in before.as_object().unwrap() {
            if key == field {
                assert_eq!(after[key], value, "{field} is saved");
            } else if key != "status" && key != "available" {
                assert_eq!(&after[key], old, "saving {field} changed {key}");
            }
        }
    }
}
