//! Security hygiene: sessions end when credentials change, tokens stay out of URLs, sign-up
//! does not tell who has an account, stored text is free of control characters, every answer
//! carries the browser hardening headers, `/metrics` is private, and admin changes are
//! audited. Each test is named after what was broken.

use serde_json::json;

use crate::support::{start_server, PASSWORD};

// Regression: an admin changing an operator's email left the operator's sessions working, so
// whoever held one kept acting under the old identity.
#[tokio::test]
async fn an_email_change_by_the_admin_ends_the_operators_sessions() {
    let server = start_server().await;
    let company = server.new_company("Mailco").await;
    let operator = server.new_operator(&company, "201", json!({})).await;
    server
        .get("/v1/me", Some(&operator.token))
        .await
        .expect(200);

    let new_email = format!("renamed@{}.example", company.key);
    server
        .put(
            "/v1/operators/201",
            Some(&company.admin),
            json!({ "email": new_email }),
        )
        .await
        .expect(200);

    server
        .get("/v1/me", Some(&operator.token))
        .await
        .expect_error(401, "unauthorized");
    server.get("/v1/me", Some(&company.admin)).await.expect(200);
    // The new email signs in; the old one no longer does.
    server.login(&new_email, PASSWORD).await;
    server
        .post(
            "/v1/login",
            None,
            json!({ "email": operator.email, "password": PASSWORD }),
        )
        .await
        .expect_error(401, "bad_credentials");

    // A change that keeps the email (a new name) ends nothing.
    let token = server.login(&new_email, PASSWORD).await;
    server
        .put(
            "/v1/operators/201",
            Some(&company.admin),
            json!({ "email": new_email, "name": "Renamed" }),
        )
        .await
        .expect(200);
    server.get("/v1/me", Some(&token)).await.expect(200);
}

// Regression: `?token=` worked on every endpoint (`PUT /v1/company?token=...` changed the
// company), putting session tokens in URLs where only the event streams need them.
#[tokio::test]
async fn a_query_token_is_refused_outside_event_streams() {
    let server = start_server().await;
    let company = server.new_company("Querytok").await;
    let token = &company.admin;

    let reply = server
        .put(
            &format!("/v1/company?token={token}"),
            None,
            json!({ "name": "Hijacked" }),
        )
        .await;
    let message = reply.expect_error(400, "token_in_query");
    assert!(message.contains("Authorization"), "{message}");
    server
        .get(&format!("/v1/company?token={token}"), None)
        .await
        .expect_error(400, "token_in_query");
    let name = server.get("/v1/company", Some(token)).await.expect(200)["name"].clone();
    assert_eq!(name, "Querytok", "the refused change did not happen");

    // The event streams still take it, as EventSource needs.
    let response = server
        .client
        .get(server.url(&format!("/v1/me/events?token={token}")))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    // `chat_events` sends `?token=` and asserts a 200 event stream.
    server.chat_events(chat.id, &chat.token, None).await;
}

// Regression: sign-up with a taken email answered 409 `email_taken`, "x already has an
// account", telling anyone which addresses are customers.
#[tokio::test]
async fn sign_up_does_not_say_whether_an_email_has_an_account() {
    let server = start_server().await;
    let company = server.new_company("Known").await;
    let taken = server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Probe", "email": company.email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.text);
    assert_eq!(taken.body["code"], "signup_refused");
    let message = taken.body["message"].as_str().expect("a message");
    assert!(
        !message.contains(&company.email) && !message.contains("already has"),
        "the refusal names no account: {message}"
    );
    // No other refusal of the same request tells more: the same code and words in any case.
    let upper = server
        .post(
            "/v1/signup",
            None,
            json!({ "company": "Probe", "email": company.email.to_uppercase(), "password": "another password" }),
        )
        .await;
    assert_eq!(upper.status, 409);
    assert_eq!(upper.body, taken.body);
    // A free address still signs up at once.
    server
        .signup("Fresh", "someone@fresh.example", PASSWORD)
        .await;
}
