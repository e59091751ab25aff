//! Who is offered which chat: single and all distribution, a requested operator, departments,
//! nobody online, the offer and connection timeouts, the automatic canned response.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::ops::metric;
use crate::support::{start_server, EventStream, WAIT};

/// Waits for the offer of `chat` on whichever of two streams gets it first; returns the
/// index (0 or 1) of that stream and the offer.
async fn first_offered(streams: [&mut EventStream; 2], chat: u64) -> (usize, Value) {
    let [a, b] = streams;
    tokio::select! {
        offer = a.wait_for_offer(chat) => (0, offer),
        offer = b.wait_for_offer(chat) => (1, offer),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_mode_moves_the_offer_on_after_the_offer_timeout() {
    let server = start_server().await;
    let company = server.new_company("Single").await;
    let window = server
        .chat_window(
            &company.admin,
            json!({
                "distribution": "single",
                "offer_timeout_secs": 1.0,
                "connection_timeout_secs": 60,
            }),
        )
        .await;
    assert_eq!(window["distribution"], "single");
    assert_eq!(window["offer_timeout_secs"], 1.0);
    let ops = [
        server
            .new_operator(&company, "101", json!({ "name": "Ann" }))
            .await,
        server
            .new_operator(&company, "102", json!({ "name": "Ben" }))
            .await,
    ];
    let mut streams = [
        server.go_online(&ops[0]).await,
        server.go_online(&ops[1]).await,
    ];

    let started = Instant::now();
    let chat = server
        .start_chat(
            &company.key,
            json!({
                "name": "Vera",
                "email": "vera@example.com",
                "page_url": "https://shop.example/p/1",
            }),
        )
        .await;
    assert_eq!(chat.state, "waiting");
    let [s0, s1] = &mut streams;
    let (first, offer) = first_offered([s0, s1], chat.id).await;
    let second = 1 - first;
    assert_eq!(offer["chat_id"], chat.id);
    assert_eq!(offer["name"], "Vera");
    assert_eq!(offer["email"], "vera@example.com");
    assert_eq!(offer["page_url"], "https://shop.example/p/1");
    assert_eq!(offer["department"], Value::Null);
    assert!(offer["created_at"].as_u64().unwrap_or(0) > 0, "{offer}");

    // Nobody accepts: after the offer timeout the offer moves to the other operator.
    streams[first]
        .wait_for_where("withdrawn", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the offer was withdrawn after {:?}, before the 1 s offer timeout",
        started.elapsed()
    );
    let reoffer = streams[second].wait_for_offer(chat.id).await;
    assert_eq!(reoffer["name"], "Vera");
    assert_eq!(
        streams[second].seen_named("offer").len(),
        1,
        "one offer at a time: {}",
        streams[second].names()
    );

    let accepted = server.accept(chat.id, &ops[second].token).await.expect(200);
    assert_eq!(accepted["id"], chat.id);
    assert_eq!(accepted["state"], "connected");
    assert_eq!(accepted["operator"], ops[second].id);
    // The first operator's offer is gone: the chat is someone else's now.
    server
        .accept(chat.id, &ops[first].token)
        .await
        .expect_error(409, "chat_taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_mode_offers_everyone_and_the_first_accept_wins() {
    let server = start_server().await;
    let company = server.new_company("Everyone").await;
    server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    let ann = server
        .new_operator(&company, "201", json!({ "name": "Ann" }))
        .await;
    let ben = server
        .new_operator(&company, "202", json!({ "name": "Ben" }))
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;

    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    assert_eq!(chat.state, "waiting");
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    assert_eq!(ann_events.wait_for_offer(chat.id).await["name"], "Vera");
    assert_eq!(ben_events.wait_for_offer(chat.id).await["name"], "Vera");

    let accepted = server.accept(chat.id, &ann.token).await.expect(200);
    assert_eq!(accepted["state"], "connected");
    assert_eq!(accepted["operator"], ann.id);
    ann_events
        .wait_for_where("assigned", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    ben_events
        .wait_for_where("withdrawn", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    let message = server
        .accept(chat.id, &ben.token)
        .await
        .expect_error(409, "chat_taken");
    assert!(!message.is_empty());

    let (joined, _) = visitor.wait_for("joined", WAIT).await;
    assert_eq!(joined["name"], "Ann");
    let state = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&chat.token))
        .await
        .expect(200);
    assert_eq!(state["state"], "connected");
    assert_eq!(state["operator"], ann.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_operator_is_the_only_one_offered_the_chat() {
    let server = start_server().await;
    let company = server.new_company("Requested").await;
    // All mode: without the request, both operators would be offered the chat.
    server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    let ann = server.new_operator(&company, "301", json!({})).await;
    let ben = server.new_operator(&company, "302", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;

    let asked = server
        .start_chat(&company.key, json!({ "name": "Vera", "operator": "302" }))
        .await;
    assert_eq!(asked.state, "waiting");
    ben_events.wait_for_offer(asked.id).await;
    let accepted = server.accept(asked.id, &ben.token).await.expect(200);
    assert_eq!(accepted["operator"], ben.id);
    // Ann was never offered it: she cannot take it either.
    server
        .accept(asked.id, &ann.token)
        .await
        .expect_error(409, "chat_taken");

    // A chat asking for nobody reaches Ann; it must be the first offer she ever sees.
    let open = server
        .start_chat(&company.key, json!({ "name": "Walt" }))
        .await;
    let (offer, _) = ann_events.wait_for("offer", WAIT).await;
    assert_eq!(
        offer["chat_id"],
        open.id,
        "Ann's first offer is for the open chat, not the one asking for 302: {}",
        ann_events.names()
    );
    assert!(
        ann_events
            .seen
            .iter()
            .all(|e| e.data["chat_id"] != asked.id),
        "Ann heard of the chat that asked for 302: {}",
        ann_events.names()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_for_a_department_goes_to_that_departments_operators() {
    let server = start_server().await;
    let company = server.new_company("Departments").await;
    server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    let sales = server.new_department(&company.admin, "Sales").await;
    let support = server.new_department(&company.admin, "Support").await;
    let seller = server
        .new_operator(&company, "401", json!({ "departments": [sales] }))
        .await;
    let helper = server
        .new_operator(&company, "402", json!({ "departments": [support] }))
        .await;
    let mut seller_events = server.go_online(&seller).await;
    let mut helper_events = server.go_online(&helper).await;

    let help = server
        .start_chat(
            &company.key,
            json!({ "name": "Vera", "department": support }),
        )
        .await;
    let offer = helper_events.wait_for_offer(help.id).await;
    assert_eq!(
        offer["department"],
        json!({ "id": support, "name": "Support" })
    );
    server.accept(help.id, &helper.token).await.expect(200);

    let buy = server
        .start_chat(&company.key, json!({ "name": "Walt", "department": sales }))
        .await;
    let (offer, _) = seller_events.wait_for("offer", WAIT).await;
    assert_eq!(
        offer["chat_id"],
        buy.id,
        "the Sales operator's first offer is the Sales chat: {}",
        seller_events.names()
    );
    assert_eq!(offer["department"], json!({ "id": sales, "name": "Sales" }));

    // And the Support operator's next offer is the next Support chat, not the Sales one.
    let help2 = server
        .start_chat(
            &company.key,
            json!({ "name": "Xena", "department": support }),
        )
        .await;
    let (offer, _) = helper_events.wait_for("offer", WAIT).await;
    assert_eq!(
        offer["chat_id"],
        help2.id,
        "Support operator: {}",
        helper_events.names()
    );
    assert!(
        helper_events
            .seen
            .iter()
            .all(|e| e.data["chat_id"] != buy.id),
        "the Support operator heard of the Sales chat: {}",
        helper_events.names()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nobody_online_to_serve_it_a_chat_goes_offline_at_once() {
    let server = start_server().await;
    let company = server.new_company("Nobody").await;
    let sales = server.new_department(&company.admin, "Sales").await;
    let support = server.new_department(&company.admin, "Support").await;
    let ann = server
        .new_operator(&company, "501", json!({ "departments": [sales] }))
        .await;
    let ben = server.new_operator(&company, "502", json!({})).await;

    // Nobody online at all (Ben is signed in but offline, then away).
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    assert_eq!(chat.state, "offline");
    server.set_status(&ben.token, "away").await;
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    assert_eq!(chat.state, "offline", "an away operator takes no chats");
    let stored = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&chat.token))
        .await
        .expect(200);
    assert_eq!(stored["state"], "offline");
    assert!(stored["ended_at"].as_u64().is_some(), "{stored}");

    // Ann is online for Sales only: Support and a request for Ben (away) still go offline.
    let _ann_events = server.go_online(&ann).await;
    let chat = server
        .start_chat(
            &company.key,
            json!({ "name": "Vera", "department": support }),
        )
        .await;
    assert_eq!(chat.state, "offline", "nobody online serves Support");
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera", "operator": "502" }))
        .await;
    assert_eq!(
        chat.state, "waiting",
        "the operator asked for is away: the next rung (anyone, so Ann) serves"
    );
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera", "department": sales }))
        .await;
    assert_eq!(chat.state, "waiting", "Ann serves Sales");

    let metrics = server.get("/metrics", None).await.text;
    assert_eq!(
        metric(&metrics, "switchboard_chats_offline_total"),
        Some(3.0)
    );
    assert_eq!(
        metric(&metrics, "switchboard_chats_started_total"),
        Some(5.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_timeout_sends_the_visitor_to_the_offline_form() {
    let server = start_server().await;
    let company = server.new_company("Timeout").await;
    server
        .chat_window(
            &company.admin,
            json!({
                "distribution": "single",
                "offer_timeout_secs": 60,
                "connection_timeout_secs": 0.5,
            }),
        )
        .await;
    let ann = server.new_operator(&company, "601", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;

    let started = Instant::now();
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    assert_eq!(chat.state, "waiting");
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    ann_events.wait_for_offer(chat.id).await;

    let (timeout, id) = visitor.wait_for("timeout", WAIT).await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "timed out after {:?}, before the 0.5 s connection timeout",
        started.elapsed()
    );
    assert_eq!(timeout["seq"], id, "the event id is the log position");
    ann_events
        .wait_for_where("withdrawn", |d| d["chat_id"] == chat.id, WAIT)
        .await;

    let stored = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&chat.token))
        .await
        .expect(200);
    assert_eq!(stored["state"], "offline");
    assert_eq!(stored["operator"], Value::Null);
    server
        .accept(chat.id, &ann.token)
        .await
        .expect_error(409, "chat_ended");
    let metrics = server.get("/metrics", None).await.text;
    assert_eq!(
        metric(&metrics, "switchboard_chats_timed_out_total"),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_mode_sends_the_automatic_canned_response_at_once() {
    let server = start_server().await;
    let company = server.new_company("Canned").await;
    let text = "Hello! An operator will be with you in a moment.";
    let canned = server
        .post(
            "/v1/canned-responses",
            Some(&company.admin),
            json!({ "shortcut": "#welcome", "text": text }),
        )
        .await
        .expect(201);
    assert_eq!(canned["shortcut"], "welcome");
    assert_eq!(canned["text"], text);
    let id = canned["id"].as_u64().expect("a canned response id");
    let window = server
        .chat_window(
            &company.admin,
            json!({ "distribution": "single", "auto_canned_response": id }),
        )
        .await;
    assert_eq!(window["auto_canned_response"], id);
    let ann = server.new_operator(&company, "701", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;

    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    assert_eq!(chat.state, "waiting");
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    let (message, seq) = visitor.wait_for("message", WAIT).await;
    assert_eq!(message["author"], "company");
    assert_eq!(message["text"], text);
    assert_eq!(message["seq"], seq);
    assert_eq!(seq, 1, "the canned response is the chat's first log entry");
    let transcript = server.transcript(chat.id, &chat.token).await;
    assert_eq!(transcript[0]["type"], "message", "{transcript:?}");
    assert_eq!(transcript[0]["author"], "company");
    assert_eq!(transcript[0]["text"], text);

    // All mode sends no automatic response: the first log entry is the operator joining.
    ann_events.wait_for_offer(chat.id).await;
    server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    let chat = server
        .start_chat(&company.key, json!({ "name": "Walt" }))
        .await;
    ann_events.wait_for_offer(chat.id).await;
    server.accept(chat.id, &ann.token).await.expect(200);
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    let first = visitor.next_event(WAIT).await;
    assert_eq!(first.event, "joined", "seen: {}", visitor.names());
    assert_eq!(first.id, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_accepts_have_exactly_one_winner() {
    let server = start_server().await;
    let company = server.new_company("Race").await;
    server
        .chat_window(&company.admin, json!({ "distribution": "all" }))
        .await;
    let ann = server.new_operator(&company, "801", json!({})).await;
    let ben = server.new_operator(&company, "802", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;

    for round in 0..3 {
        let chat = server
            .start_chat(&company.key, json!({ "name": format!("Visitor {round}") }))
            .await;
        ann_events.wait_for_offer(chat.id).await;
        ben_events.wait_for_offer(chat.id).await;
        let (a, b) = tokio::join!(
            server.accept(chat.id, &ann.token),
            server.accept(chat.id, &ben.token)
        );
        let (winner, loser, winner_id) = match (a.status.as_u16(), b.status.as_u16()) {
            (200, 409) => (a, b, ann.id),
            (409, 200) => (b, a, ben.id),
            other => panic!("one accept wins, one gets 409; got {other:?}: {a:?} {b:?}"),
        };
        assert_eq!(winner.body["operator"], winner_id);
        loser.expect_error(409, "chat_taken");
        let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
        let (_, id) = visitor.wait_for("joined", WAIT).await;
        assert_eq!(id, 1, "one operator joined, once");
        let stored = server
            .get(&format!("/v1/chats/{}", chat.id), Some(&chat.token))
            .await
            .expect(200);
        assert_eq!(stored["operator"], winner_id);
    }
}
