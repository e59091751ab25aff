//! Memory and answers that anonymous clients can grow stay bounded: every list is a page,
//! idle visitors leave the live list.

use serde_json::json;

use crate::support::*;

// Broke: transcripts, the off-line inbox and the visitor list were answered whole (the inbox
// reached 46 MB in a flood).
#[tokio::test]
async fn every_list_a_client_can_grow_is_answered_a_page_at_a_time() {
    let server = start_server().await;
    let company = server.new_company("Pages").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    for i in 0..5 {
        server
            .send(chat.id, &chat.token, &format!("m{i}"), &format!("c{i}"))
            .await;
    }
    let path = format!("/v1/chats/{}/messages", chat.id);
    let whole = server.get(&path, Some(&ann.token)).await.expect(200);
    let seqs = ids(&whole, "seq");
    assert_eq!(seqs.len(), 6, "joined and five messages: {whole}");
    let first = server
        .get(&format!("{path}?limit=2"), Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(ids(&first, "seq"), seqs[..2]);
    let next = server
        .get(
            &format!("{path}?limit=2&after={}", seqs[1]),
            Some(&ann.token),
        )
        .await
        .expect(200);
    assert_eq!(ids(&next, "seq"), seqs[2..4]);

    for i in 0..3 {
        server
            .post(
                &format!("/v1/visitor/{}/offline-messages", company.key),
                None,
                json!({ "name": format!("N{i}"), "email": "n@x.example", "message": "hi" }),
            )
            .await
            .expect(201);
    }
    let inbox = server
        .get("/v1/offline-messages?limit=2", Some(&ann.token))
        .await
        .expect(200);
    let newest = ids(&inbox, "id");
    assert_eq!(newest.len(), 2);
    assert!(newest[0] > newest[1], "newest first");
    let rest = server
        .get(
            &format!("/v1/offline-messages?after={}", newest[1]),
            Some(&ann.token),
        )
        .await
        .expect(200);
    assert_eq!(ids(&rest, "id").len(), 1);
    assert!(ids(&rest, "id")[0] < newest[1]);

    server
        .chat_window(&company.admin, json!({ "tracking": true }))
        .await;
    for page in 0..3 {
        server
            .post(
                &format!("/v1/visitor/{}/page-views", company.key),
                None,
                json!({ "url": format!("https://shop.example/{page}") }),
            )
            .await
            .expect(200);
        events.wait_for("visitor", WAIT).await;
    }
    let first = server
        .get("/v1/visitors?limit=2", Some(&ann.token))
        .await
        .expect(200);
    let shown = ids(&first, "id");
    assert_eq!(shown.len(), 2);
    let rest = server
        .get(
            &format!("/v1/visitors?limit=2&after={}", shown[1]),
            Some(&ann.token),
        )
        .await
        .expect(200);
    assert_eq!(ids(&rest, "id").len(), 1);
    assert!(!shown.contains(&ids(&rest, "id")[0]));
    server
        .get("/v1/visitors?limit=x", Some(&ann.token))
        .await
        .expect_error(400, "invalid_limit");
}

// Broke: the company's map of tracked visitors was never pruned (`VisitorLeft` was never
// sent), so 20,000 page views from one client stayed in memory for good.
#[tokio::test]
async fn idle_visitors_leave_the_live_list() {
    let mut engine = engine_config();
    engine.passivate_after_secs = 1;
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Idle").await;
    server
        .chat_window(&company.admin, json!({ "tracking": true }))
        .await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.operator_events(&ann.token).await;
    let viewed = server
        .post(
            &format!("/v1/visitor/{}/page-views", company.key),
            None,
            json!({ "url": "https://shop.example/" }),
        )
        .await
        .expect(200);
    let visitor = viewed["visitor_id"].as_u64().unwrap();
    let (left, _) = events
        .wait_for_where("visitor_left", |d| d["visitor_id"] == visitor, WAIT)
        .await;
    assert_eq!(left["visitor_id"], visitor);
    let listed = server
        .get("/v1/visitors", Some(&ann.token))
        .await
        .expect(200);
    assert!(!ids(&listed, "id").contains(&visitor), "{listed}");
}

// Broke: any client-chosen visitor id up to 2^53 created an actor and a record; 20,000 page
// views from one client made 20,000 visitors.
#[tokio::test]
async fn a_made_up_visitor_id_creates_nothing() {
    let server = start_server().await;
    let company = server.new_company("Forged").await;
    server
        .chat_window(&company.admin, json!({ "tracking": true }))
        .await;
    let path = format!("/v1/visitor/{}/page-views", company.key);
    let issued = server
        .post(&path, None, json!({ "url": "https://shop.example/" }))
        .await
        .expect(200)["visitor_id"]
        .as_u64()
        .unwrap();
    let again = server
        .post(
            &path,
            None,
            json!({ "visitor_id": issued, "url": "https://shop.example/2" }),
        )
        .await
        .expect(200);
    assert_eq!(again["visitor_id"], issued, "an issued id is kept");
    for forged in [1u64, 12345, issued ^ 1, (1 << 53) - 1] {
        let answer = server
            .post(
                &path,
                None,
                json!({ "visitor_id": forged, "url": "https://shop.example/" }),
            )
            .await
            .expect(200);
        assert_ne!(answer["visitor_id"], forged, "a made-up id is replaced");
        server
            .post(
                &format!("/v1/visitor/{}/visitors/{forged}/decline", company.key),
                None,
                json!({}),
            )
            .await
            .expect_error(404, "visitor_not_found");
        let chat = server
            .start_chat(&company.key, json!({ "name": "F", "visitor_id": forged }))
            .await;
        assert_ne!(chat.visitor_id, forged);
    }
    // Another company's visitor id is made up here too.
    let other = server.new_company("Other").await;
    server
        .chat_window(&other.admin, json!({ "tracking": true }))
        .await;
    let theirs = server
        .post(
            &format!("/v1/visitor/{}/page-views", other.key),
            None,
            json!({ "visitor_id": issued, "url": "https://other.example/" }),
        )
        .await
        .expect(200);
    assert_ne!(theirs["visitor_id"], issued);
}
