//! One company's tokens never reach another company's chats; a visitor's token opens one
//! chat and no panel; operators cannot change admin settings.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{start_server, Server};

/// Every chat endpoint with the method it takes and a body when it needs one.
fn chat_calls(chat: u64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/v1/chats/{chat}"), None),
        (Method::GET, format!("/v1/chats/{chat}/messages"), None),
        (
            Method::POST,
            format!("/v1/chats/{chat}/messages"),
            Some(json!({ "text": "intruder", "client_id": "x-1" })),
        ),
        (Method::POST, format!("/v1/chats/{chat}/accept"), None),
        (Method::POST, format!("/v1/chats/{chat}/typing"), None),
        (Method::POST, format!("/v1/chats/{chat}/close"), None),
        (Method::GET, format!("/v1/chats/{chat}/events"), None),
    ]
}

/// Asserts that every chat endpoint answers `token` for `chat` with 404. A visitor's chat
/// token is refused accepting any chat (403: accepting is an operator's act), so for
/// `visitor` tokens that one call answers 403.
async fn all_not_found(server: &Server, token: &str, chat: u64, who: &str, visitor: bool) {
    for (method, path, body) in chat_calls(chat) {
        let reply = server.call(method.clone(), &path, Some(token), body).await;
        if visitor && path.ends_with("/accept") {
            reply.expect_error(403, "forbidden");
            continue;
        }
        assert_eq!(
            reply.status, 404,
            "{who}: {method} {path} must be 404, got {}: {}",
            reply.status, reply.text
        );
        reply.expect_error(404, "chat_not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_companys_tokens_find_no_chat_of_ours() {
    let server = start_server().await;
    let ours = server.new_company("Ours").await;
    let ann = server.new_operator(&ours, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&ours, &ann, &mut ann_events).await;
    let seq = server.send(chat.id, &chat.token, "private", "p-1").await;

    let theirs = server.new_company("Theirs").await;
    let eve = server.new_operator(&theirs, "101", json!({})).await;
    let _eve_events = server.go_online(&eve).await;
    let their_chat = server
        .start_chat(&theirs.key, json!({ "name": "Mallory" }))
        .await;

    all_not_found(&server, &theirs.admin, chat.id, "their admin", false).await;
    all_not_found(&server, &eve.token, chat.id, "their operator", false).await;
    all_not_found(&server, &their_chat.token, chat.id, "their visitor", true).await;
    // A chat id that exists nowhere answers the same as another company's.
    all_not_found(
        &server,
        &theirs.admin,
        999_999_999,
        "nonexistent chat",
        false,
    )
    .await;

    // Our chat is untouched.
    let transcript = server.transcript(chat.id, &ann.token).await;
    let messages: Vec<&Value> = transcript
        .iter()
        .filter(|e| e["type"] == "message")
        .collect();
    assert_eq!(messages.len(), 1, "{transcript:?}");
    assert_eq!(messages[0]["text"], "private");
    assert_eq!(messages[0]["seq"], seq);
    let state = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(state["state"], "connected");
    assert_eq!(state["operator"], ann.id);
    // And their history does not list it.
    let listed = server
        .get("/v1/chats", Some(&theirs.admin))
        .await
        .expect(200);
    let ids: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(their_chat.id)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_token_opens_its_own_chat_and_nothing_else() {
    let server = start_server().await;
    let company = server.new_company("Visitors").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let _ann_events = server.go_online(&ann).await;
    let mine = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    let other = server
        .start_chat(&company.key, json!({ "name": "Walt" }))
        .await;
    server
        .send(other.id, &other.token, "Walt's secret", "w-1")
        .await;

    assert_ne!(mine.visitor_id, other.visitor_id, "two visitors, two ids");

    // Its own chat opens.
    let own = server
        .get(&format!("/v1/chats/{}", mine.id), Some(&mine.token))
        .await
        .expect(200);
    assert_eq!(own["id"], mine.id);
    assert_eq!(own["name"], "Vera");

    // Another visitor's chat of the same company does not.
    all_not_found(&server, &mine.token, other.id, "another visitor", true).await;
    let theirs = server.transcript(other.id, &other.token).await;
    assert_eq!(theirs.len(), 1, "Walt's chat is untouched: {theirs:?}");
    assert_eq!(theirs[0]["text"], "Walt's secret");

    // No panel endpoint accepts a chat token.
    let panel: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/v1/me", None),
        (
            Method::PUT,
            "/v1/me/status",
            Some(json!({ "status": "online" })),
        ),
        (Method::GET, "/v1/me/events", None),
        (Method::GET, "/v1/company", None),
        (Method::GET, "/v1/chat-window", None),
        (
            Method::PUT,
            "/v1/chat-window",
            Some(json!({ "distribution": "all" })),
        ),
        (Method::GET, "/v1/operators", None),
        (Method::GET, "/v1/chats", None),
        (Method::GET, "/v1/offline-messages", None),
        (Method::GET, "/v1/canned-responses", None),
    ];
    for (method, path, body) in panel {
        let reply = server
            .call(method.clone(), path, Some(&mine.token), body)
            .await;
        assert_eq!(
            reply.status, 403,
            "{method} {path} with a chat token: {}",
            reply.text
        );
        reply.expect_error(403, "forbidden");
    }
    // Accepting is an operator's act, even on the visitor's own chat.
    server
        .accept(mine.id, &mine.token)
        .await
        .expect_error(403, "forbidden");
    let window = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(window["distribution"], "single");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_cannot_change_admin_settings() {
    let server = start_server().await;
    let company = server.new_company("Roles").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let before = server
        .get("/v1/chat-window", Some(&ann.token))
        .await
        .expect(200);

    server
        .put(
            "/v1/chat-window",
            Some(&ann.token),
            json!({ "distribution": "all", "connection_timeout_secs": 5 }),
        )
        .await
        .expect_error(403, "forbidden");
    server
        .put(
            "/v1/company",
            Some(&ann.token),
            json!({ "name": "Hijacked" }),
        )
        .await
        .expect_error(403, "forbidden");
    server
        .post(
            "/v1/departments",
            Some(&ann.token),
            json!({ "name": "Mine" }),
        )
        .await
        .expect_error(403, "forbidden");
    server
        .put(
            "/v1/operators/102",
            Some(&ann.token),
            json!({ "email": "sock@roles.example", "password": "sock puppet" }),
        )
        .await
        .expect_error(403, "forbidden");
    server
        .put(
            "/v1/operators/101",
            Some(&ann.token),
            json!({ "role": "admin" }),
        )
        .await
        .expect_error(403, "forbidden");

    let after = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(after, before, "the refused change left the settings alone");
    let company_now = server
        .get("/v1/company", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(company_now["name"], "Roles");
    let me = server.get("/v1/me", Some(&ann.token)).await.expect(200);
    assert_eq!(me["role"], "operator");
    assert_eq!(me["email"], ann.email.as_str());
    let operators = server
        .get("/v1/operators", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(
        operators.as_array().unwrap().len(),
        2,
        "admin and Ann only: {operators}"
    );
}
