//! Actors come and go: a company's actors passivate when idle and come back from storage on
//! the next request, with nothing lost.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

/// The value of a gauge in `/metrics`.
async fn gauge(server: &Server, name: &str) -> i64 {
    let text = server.get("/metrics", None).await.text;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} is in /metrics: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_actors_passivate_and_come_back_from_storage() {
    let engine = switchboard_engine::Config {
        passivate_after_secs: 1,
        ..engine_config()
    };
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Sleepy").await;
    let ann = server.new_operator(&company, "601", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    server
        .send(chat.id, &chat.token, "before the nap", "v-1")
        .await;
    let close = format!("/v1/chats/{}/close", chat.id);
    server
        .call(reqwest::Method::POST, &close, Some(&ann.token), None)
        .await
        .expect(200);
    server.set_status(&ann.token, "offline").await;
    drop(events);
    assert!(gauge(&server, "switchboard_tenant_actors").await >= 1);

    // Nothing to do: the visitor, the operator's hub and then the company's actor stop.
    let deadline = Instant::now() + WAIT;
    while gauge(&server, "switchboard_tenant_actors").await > 0 {
        assert!(
            Instant::now() < deadline,
            "the idle company never passivated"
        );
        tokio::time::sleep(Duration::from_millis(100)).await; // polling /metrics, bounded
    }
    assert_eq!(gauge(&server, "switchboard_visitor_actors").await, 0);
    assert_eq!(gauge(&server, "switchboard_operator_actors").await, 0);

    // The next request wakes the company from storage with everything in place.
    let transcript = server.transcript(chat.id, &ann.token).await;
    assert_eq!(transcript[1]["text"], "before the nap");
    let stored = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(stored["state"], "closed");
    // The visitor's message goes to a visitor actor started again, not the stopped one
    // that carried its messages before.
    let late = server
        .post_message(chat.id, &chat.token, "after the nap", "v-2")
        .await;
    late.expect_error(409, "chat_ended");
    let mut events = server.go_online(&ann).await;
    let again = server.connected_chat(&company, &ann, &mut events).await;
    assert_ne!(again.id, chat.id);
    assert!(gauge(&server, "switchboard_tenant_actors").await >= 1);
}
