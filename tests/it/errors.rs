//! Refusals: every bad request is a 4xx with a stable code and a sentence (HTML pages for the
//! browser-facing chat URL), and a refused write leaves the earlier good data as it was.

use reqwest::Method;
use serde_json::json;

use crate::support::{start_server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_json_bodies_are_refused_with_400_or_413() {
    let server = start_server().await;
    let company = server.new_company("Bodies").await;
    let before = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);

    // Malformed JSON.
    server
        .raw(
            Method::PUT,
            "/v1/chat-window",
            Some(&company.admin),
            Some(br#"{"distribution": "all""#.to_vec()),
        )
        .await
        .expect_error(400, "invalid_json");
    // No body at all.
    server
        .raw(Method::PUT, "/v1/chat-window", Some(&company.admin), None)
        .await
        .expect_error(400, "invalid_json");
    // A field the API does not know (a typo must not be silently ignored).
    let message = server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "distribution": "all", "distrbution_mode": "all" }),
        )
        .await
        .expect_error(400, "invalid_json");
    assert!(message.contains("distrbution_mode"), "{message}");
    // A wrongly typed field.
    server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "offer_timeout_secs": "ten" }),
        )
        .await
        .expect_error(400, "invalid_json");
    // Over 64 KiB.
    let huge = json!({ "welcome_message": "x".repeat(70 * 1024) });
    server
        .put("/v1/chat-window", Some(&company.admin), huge)
        .await
        .expect_error(413, "body_too_large");
    // Values out of range.
    server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "distribution": "round-robin" }),
        )
        .await
        .expect_error(400, "invalid_distribution");
    server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "offer_timeout_secs": 0.05 }),
        )
        .await
        .expect_error(400, "invalid_offer_timeout_secs");
    server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "language": "xx" }),
        )
        .await
        .expect_error(400, "invalid_language");

    let after = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(after, before, "refused writes changed the chat window");
    // The server still takes a good write afterwards.
    let changed = server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    assert_eq!(changed["distribution"], "all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_and_up_is_refused_clearly() {
    let server = start_server().await;
    let company = server.new_company("Accounts").await;

    // No token, or one the server never issued.
    server
        .get("/v1/me", None)
        .await
        .expect_error(401, "unauthorized");
    server
        .get("/v1/me", Some("not-a-real-token"))
        .await
        .expect_error(401, "unauthorized");
    server
        .get("/v1/chats", None)
        .await
        .expect_error(401, "unauthorized");

    // A wrong password and an unknown email look the same.
    server
        .post(
            "/v1/login",
            None,
            json!({ "email": company.email, "password": "wrong password" }),
        )
        .await
        .expect_error(401, "bad_credentials");
    server
        .post(
            "/v1/login",
            None,
            json!({ "email": "nobody@accounts.example", "password": PASSWORD }),
        )
        .await
        .expect_error(401, "bad_credentials");

    // A taken email (in any letter case), a short password, a bad email.
    server
        .post(
            "/v1/signup",
            None,
            json!({
                "company": "Copycat",
                "email": company.email.to_uppercase(),
                "password": PASSWORD,
            }),
        )
        .await
        .expect_error(409, "signup_refused");
    let message = server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Shorty", "email": "short@shorty.example", "password": "short" }),
        )
        .await
        .expect_error(400, "invalid_password");
    assert!(
        message.contains('8'),
        "the message says how long: {message}"
    );
    server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Typo", "email": "not-an-email", "password": PASSWORD }),
        )
        .await
        .expect_error(400, "invalid_email");

    // The first company is intact: its admin still signs in and owns its key.
    let token = server.login(&company.email, PASSWORD).await;
    let me = server.get("/v1/me", Some(&token)).await.expect(200);
    assert_eq!(me["company"], "Accounts");
    assert_eq!(me["key"], company.key.as_str());
    assert_eq!(me["role"], "admin");
    // The short-password company was not half-created: its email is still free.
    server
        .signup("Shorty", "short@shorty.example", PASSWORD)
        .await;

    // A logged-out token stops working.
    server
        .call(Method::POST, "/v1/logout", Some(&token), None)
        .await
        .expect(200);
    server
        .get("/v1/me", Some(&token))
        .await
        .expect_error(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_in_chat_calls_are_400_and_unknown_things_404() {
    let server = start_server().await;
    let company = server.new_company("Values").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;

    server
        .put(
            "/v1/me/status",
            Some(&ann.token),
            json!({ "status": "busy" }),
        )
        .await
        .expect_error(400, "invalid_status");
    let me = server.get("/v1/me", Some(&ann.token)).await.expect(200);
    assert_eq!(me["status"], "online", "the refused status changed nothing");

    server
        .post(
            "/v1/visitor/0123456789abcdef/chats",
            None,
            json!({ "name": "Vera" }),
        )
        .await
        .expect_error(404, "company_not_found");
    server
        .post(
            "/v1/visitor/0123456789abcdef/offline-messages",
            None,
            json!({ "name": "Vera", "email": "vera@example.com", "message": "hi" }),
        )
        .await
        .expect_error(404, "company_not_found");

    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let good = server.send(chat.id, &chat.token, "kept", "k-1").await;
    for text in ["", "   \n ", &"y".repeat(4001)] {
        server
            .post_message(chat.id, &chat.token, text, "bad")
            .await
            .expect_error(400, "invalid_text");
    }
    // 4000 characters (multi-byte ones) is the limit, not beyond.
    let longest = "é".repeat(4000);
    let last = server.send(chat.id, &ann.token, &longest, "k-2").await;
    assert_eq!(last, good + 1, "the refused messages took no log positions");
    server
        .post_message(chat.id, &chat.token, "no id", "")
        .await
        .expect_error(400, "invalid_client_id");
    server
        .get("/v1/chats/not-a-number", Some(&ann.token))
        .await
        .expect_error(400, "invalid_id");
    server
        .get(
            &format!("/v1/chats/{}/events?last_event_id=seven", chat.id),
            Some(&chat.token),
        )
        .await
        .expect_error(400, "invalid_last_event_id");
    let transcript = server.transcript(chat.id, &chat.token).await;
    let texts: Vec<&str> = transcript
        .iter()
        .filter(|e| e["type"] == "message")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["kept", longest.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_wrong_methods_answer_json() {
    let server = start_server().await;
    let reply = server.get("/v1/nothing-here", None).await;
    assert!(reply.content_type.starts_with("application/json"));
    reply.expect_error(404, "not_found");
    server
        .get("/nope", None)
        .await
        .expect_error(404, "not_found");

    server
        .call(Method::DELETE, "/v1/signup", None, None)
        .await
        .expect_error(405, "method_not_allowed");
    server
        .call(Method::POST, "/healthz", None, Some(json!({})))
        .await
        .expect_error(405, "method_not_allowed");
    server
        .call(Method::PATCH, "/v1/chat-window", None, Some(json!({})))
        .await
        .expect_error(405, "method_not_allowed");
}

/// Paths the server serves, each with a method it does not serve there.
const WRONG_METHODS: [(&str, &str); 9] = [
    ("DELETE", "/v1/signup"),
    ("POST", "/healthz"),
    ("PATCH", "/v1/chat-window"),
    ("GET", "/v1/chats/1/accept"),
    ("GET", "/v1/visitor/abcdef0123456789/chats"),
    ("POST", "/chat/en/abcdef0123456789/"),
    ("POST", "/demo"),
    ("POST", "/v1/buttons/code"),
    ("DELETE", "/v1/visitors"),
];

/// Regression: `POST /chat/..`, `POST /demo`, `POST /v1/buttons/code` and
/// `DELETE /v1/visitors` answered 404 `not_found`: the list of known paths lagged the routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_served_path_answers_a_wrong_method_with_405() {
    let server = start_server().await;
    let mut wrong = Vec::new();
    for (method, path) in WRONG_METHODS {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let reply = server.call(method.clone(), path, None, None).await;
        if reply.status != 405 || reply.body["code"] != "method_not_allowed" {
            wrong.push(format!(
                "{method} {path} -> {} {}",
                reply.status, reply.text
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "served paths must answer other methods with 405 method_not_allowed:\n{}",
        wrong.join("\n")
    );
}

/// Regression: 405 answers had no `Allow` header, which RFC 9110 (section 15.5.6) requires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_405_names_the_allowed_methods() {
    let server = start_server().await;
    let response = server
        .client
        .delete(server.url("/v1/chat-window"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let allow = allow.expect("a 405 has an Allow header");
    assert!(
        allow.contains("GET") && allow.contains("PUT"),
        "Allow: {allow}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_url_page_explains_bad_links_in_html() {
    let server = start_server().await;
    let company = server.new_company("Pages").await;
    let key = &company.key;

    // Unknown key: a 404 page, not a crash and not JSON.
    let reply = server
        .get("/chat/en/0123456789abcdef/https://shop.example/", None)
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{:?}",
        reply.content_type
    );
    assert!(reply.text.contains("<html"), "{}", reply.text);

    // Malformed variables: a 400 page naming the problem.
    let reply = server
        .get(&format!("/chat/en/{key},colour=red/"), None)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(
        reply.text.contains("colour"),
        "names the bad variable: {}",
        reply.text
    );
    let reply = server.get(&format!("/chat/en/{key},name/"), None).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.text.contains("name"), "{}", reply.text);

    // The manual's link form: 200, in the link's language, variables decoded.
    let reply = server
        .get(
            &format!(
                "/chat/en/{key},{}/{}",
                "name=Visitor+Name,email=visitor@email.com", "https://shop.example/p/1?size=9"
            ),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(reply.text.contains(r#"lang="en""#), "{}", reply.text);
    assert!(reply.text.contains("Visitor Name"), "{}", reply.text);
    assert!(
        reply.text.contains("https://shop.example/p/1?size=9"),
        "{}",
        reply.text
    );
    // Right-to-left languages say so.
    let reply = server.get(&format!("/chat/ar/{key}/"), None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains(r#"lang="ar""#), "{}", reply.text);
    assert!(reply.text.contains(r#"dir="rtl""#), "{}", reply.text);

    // An unknown language falls back to the company's default.
    server
        .chat_window(&company.admin, json!({ "language": "de" }))
        .await;
    let reply = server.get(&format!("/chat/xx/{key}/"), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.contains(r#"lang="de""#), "{}", reply.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_without_tracking_are_refused_and_nothing_changes() {
    let server = start_server().await;
    let company = server.new_company("Invites").await;
    let before = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(before["tracking"], false);

    let message = server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "invitation_delay_secs": 30, "distribution": "all" }),
        )
        .await
        .expect_error(400, "invalid_invitation_delay_secs");
    assert!(message.contains("tracking"), "says why: {message}");
    let after = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(
        after, before,
        "the refused PUT changed nothing, not even distribution"
    );

    // With tracking on it is accepted; turning tracking off again with invitations on is not.
    let on = server
        .chat_window(
            &company.admin,
            json!({ "tracking": true, "invitation_delay_secs": 30 }),
        )
        .await;
    assert_eq!(on["tracking"], true);
    assert_eq!(on["invitation_delay_secs"], 30);
    let message = server
        .put(
            "/v1/chat-window",
            Some(&company.admin),
            json!({ "tracking": false }),
        )
        .await
        .expect_error(400, "invalid_invitation_delay_secs");
    assert!(message.contains("tracking"), "{message}");
    let kept = server
        .get("/v1/chat-window", Some(&company.admin))
        .await
        .expect(200);
    assert_eq!(kept, on);
    // Null turns invitations off; then tracking can go.
    let off = server
        .chat_window(
            &company.admin,
            json!({ "invitation_delay_secs": null, "tracking": false }),
        )
        .await;
    assert_eq!(off["invitation_delay_secs"], serde_json::Value::Null);
    assert_eq!(off["tracking"], false);
}
