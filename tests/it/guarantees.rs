//! The routing guarantees over real HTTP: limits and queue order under a burst, the positions
//! visitors see, presence with a grace period, transfers and the routing log.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::support::*;

/// Chats in the burst.
const BURST: usize = 200;

/// A burst of simultaneous chats against operators with small limits: every limit holds,
/// every operator is offered chats oldest first, the positions visitors see count down from
/// the right place, and every chat is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_chats_holds_every_limit_and_serves_the_queue_in_order() {
    let server = start_server().await;
    let company = server.new_company("Burst").await;
    server
        .chat_window(
            &company.admin,
            json!({ "connection_timeout_secs": 600.0, "offer_timeout_secs": 600.0 }),
        )
        .await;
    let mut operators = Vec::new();
    for sip in ["201", "202", "203"] {
        let operator = server
            .new_operator(&company, sip, json!({ "max_chats": 2 }))
            .await;
        let events = server.go_online(&operator).await;
        operators.push((operator, events));
    }
    let seats = 6;

    let started = join_all((0..BURST).map(|n| {
        let server = &server;
        let key = company.key.clone();
        async move {
            server
                .start_chat(&key, json!({ "name": format!("Visitor {n}") }))
                .await
        }
    }))
    .await;
    let mut chats: Vec<Chat> = started;
    chats.sort_by_key(|c| c.id); // chat ids are handed out in arrival order
    assert!(chats.iter().all(|c| c.state == "waiting"));

    // The positions visitors see before anyone answers: arrival order after the six offered.
    let sample = [seats, 49, 99, 149, BURST - 1];
    let mut watchers = Vec::new();
    for index in sample {
        let chat = &chats[index];
        let mut events = server.chat_events(chat.id, &chat.token, None).await;
        let (queued, _) = events.wait_for("queued", WAIT).await;
        assert_eq!(
            queued["position"],
            index + 1 - seats,
            "position of the chat that arrived #{}",
            index + 1
        );
        watchers.push((chat.clone(), events));
    }

    // Each operator accepts and closes whatever it is offered, one at a time, checking its
    // load never passes its limit and its offers come oldest first, until every chat of the
    // burst was accepted by someone (a count, not a quiet period: a slow machine may pause).
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    let served = join_all(operators.iter_mut().map(|(operator, events)| {
        let server = &server;
        let accepted = &accepted;
        async move {
            let mut load = 0i64;
            let mut last_offered = 0;
            let mut held = Vec::new();
            let mut order = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            let all_accepted = || accepted.load(std::sync::atomic::Ordering::SeqCst) >= BURST;
            while !all_accepted() && Instant::now() < deadline {
                // A short wait, then the count is read again (another operator may have
                // taken the last chat).
                let event = match events.try_next(Duration::from_millis(200)).await {
                    Ok(event) => event,
                    Err(NoEvent::Timeout) => continue,
                    Err(why) => panic!("operator {}'s stream ended: {why:?}", operator.sip),
                };
                match event.event.as_str() {
                    "offer" => {
                        load += 1;
                        let chat = event.data["chat_id"].as_u64().unwrap();
                        assert!(
                            chat > last_offered,
                            "operator {} offered chat {chat} after {last_offered}",
                            operator.sip
                        );
                        last_offered = chat;
                        order.push(chat);
                        server.accept(chat, &operator.token).await.expect(200);
                        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        held.push(chat);
                    }
                    "closed" | "withdrawn" => load -= 1,
                    _ => {}
                }
                assert!(
                    load <= 2,
                    "operator {} holds {load} with max_chats 2",
                    operator.sip
                );
                for chat in held.drain(..) {
                    let path = format!("/v1/chats/{chat}/close");
                    server
                        .call(reqwest::Method::POST, &path, Some(&operator.token), None)
                        .await
                        .expect(200);
                    load -= 1;
                }
            }
            order
        }
    }))
    .await;
    let mut all: Vec<u64> = served.into_iter().flatten().collect();
    all.sort();
    assert_eq!(
        all,
        chats.iter().map(|c| c.id).collect::<Vec<_>>(),
        "every chat was served once"
    );

    for (chat, mut events) in watchers {
        let mut positions = Vec::new();
        loop {
            let event = events.next_event(WAIT).await;
            match event.event.as_str() {
                "queued" => positions.push(event.data["position"].as_u64().unwrap()),
                "joined" => break,
                _ => {}
            }
        }
        assert!(
            positions.windows(2).all(|w| w[1] < w[0]),
            "chat {}: positions only count down: {positions:?}",
            chat.id
        );
    }
    let metrics = server.get("/metrics", None).await.text;
    assert!(metrics.contains("switchboard_queue_length 0"), "{metrics}");
}

/// A killed operator stream: after the grace period the chat is re-queued at the head and
/// another operator gets it, with the visitor told; a stream back within the grace keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_operator_stream_reroutes_after_the_grace_period() {
    let grace = Duration::from_millis(400);
    let engine = switchboard_engine::Config {
        presence_grace_ms: grace.as_millis() as u64,
        ..engine_config()
    };
    let server = start_server_with(engine, http_config()).await;
    let company = server.new_company("Presence").await;
    let ann = server
        .new_operator(&company, "301", json!({ "name": "Ann" }))
        .await;
    let ben = server
        .new_operator(&company, "302", json!({ "name": "Ben" }))
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let mut ben_events = server.go_online(&ben).await;
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    visitor.wait_for("joined", WAIT).await;

    // Back within the grace: nothing moves.
    drop(ann_events);
    let ann_events = server.operator_events(&ann.token).await;
    assert_eq!(
        visitor.try_next(grace * 3).await.err(),
        Some(NoEvent::Timeout),
        "a terminal back within the grace keeps its chats: {}",
        visitor.names()
    );

    // Gone past the grace: the chat moves to Ben, the visitor is told.
    let lost = Instant::now();
    drop(ann_events);
    let offer = ben_events.wait_for_offer(chat.id).await;
    assert!(
        lost.elapsed() >= grace,
        "re-routed only after the grace period ({:?})",
        lost.elapsed()
    );
    assert_eq!(offer["previous_operator"], "Ann");
    visitor.wait_for("requeued", WAIT).await;
    server.accept(chat.id, &ben.token).await.expect(200);
    let (joined, _) = visitor.wait_for("joined", WAIT).await;
    assert_eq!(joined["name"], "Ben");
    let log = server
        .get(&format!("/v1/chats/{}/routing", chat.id), Some(&ben.token))
        .await
        .expect(200);
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"requeued"),
        "the routing log records the re-queue: {kinds:?}"
    );
}

/// A transfer to a department: the chat keeps its history, the new operator sees who had it,
/// the routing log tells the whole story in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_keeps_the_history_and_the_routing_log_tells_it() {
    let server = start_server().await;
    let company = server.new_company("Transfers").await;
    let sales = server
        .post(
            "/v1/departments",
            Some(&company.admin),
            json!({ "name": "Sales" }),
        )
        .await
        .expect(201);
    let support = server
        .post(
            "/v1/departments",
            Some(&company.admin),
            json!({ "name": "Support" }),
        )
        .await
        .expect(201);
    let ann = server
        .new_operator(
            &company,
            "401",
            json!({ "name": "Ann", "departments": [sales["id"]] }),
        )
        .await;
    let ben = server
        .new_operator(
            &company,
            "402",
            json!({ "name": "Ben", "departments": [support["id"]] }),
        )
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;
    let chat = server
        .start_chat(
            &company.key,
            json!({ "name": "Tom", "department": sales["id"] }),
        )
        .await;
    ann_events.wait_for_offer(chat.id).await;
    server.accept(chat.id, &ann.token).await.expect(200);
    server
        .send(chat.id, &chat.token, "I need help with an invoice", "t-1")
        .await;

    let path = format!("/v1/chats/{}/transfer", chat.id);
    server
        .post(
            &path,
            Some(&ben.token),
            json!({ "department": support["id"] }),
        )
        .await
        .expect_error(403, "forbidden");
    server
        .post(&path, Some(&ann.token), json!({ "department": 999_999 }))
        .await
        .expect_error(400, "invalid_department");
    server
        .post(
            &path,
            Some(&ann.token),
            json!({ "department": support["id"] }),
        )
        .await
        .expect(200);
    ann_events
        .wait_for_where("released", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    let offer = ben_events.wait_for_offer(chat.id).await;
    assert_eq!(offer["previous_operator"], "Ann");
    server.accept(chat.id, &ben.token).await.expect(200);
    let transcript = server.transcript(chat.id, &ben.token).await;
    let types: Vec<&str> = transcript
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["joined", "message", "transferred", "joined"]);
    assert_eq!(transcript[1]["text"], "I need help with an invoice");

    let log = server
        .get(&format!("/v1/chats/{}/routing", chat.id), Some(&ben.token))
        .await
        .expect(200);
    let story: Vec<(String, Option<u64>)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["operator"].as_u64(),
            )
        })
        .collect();
    let expected = [
        ("arrived", None),
        ("offered", Some(ann.id)),
        ("accepted", Some(ann.id)),
        ("transferred", Some(ann.id)),
        ("offered", Some(ben.id)),
        ("accepted", Some(ben.id)),
    ];
    let expected: Vec<(String, Option<u64>)> =
        expected.iter().map(|(k, o)| (k.to_string(), *o)).collect();
    assert_eq!(story, expected);
    let other = server.new_company("Elsewhere").await;
    server
        .get(
            &format!("/v1/chats/{}/routing", chat.id),
            Some(&other.admin),
        )
        .await
        .expect_error(404, "chat_not_found");
}

/// The ladder: a chat for an operator who does not answer moves to the department after
/// the requested-operator timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_operator_who_does_not_answer_hands_over_to_the_department() {
    let server = start_server().await;
    let company = server.new_company("Ladder").await;
    server
        .chat_window(
            &company.admin,
            json!({ "requested_operator_timeout_secs": 0.3, "distribution": "all" }),
        )
        .await;
    let ann = server.new_operator(&company, "501", json!({})).await;
    let ben = server.new_operator(&company, "502", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;
    let chat = server
        .start_chat(&company.key, json!({ "name": "Lia", "operator": "501" }))
        .await;
    ann_events.wait_for_offer(chat.id).await;
    let offer = ben_events.wait_for_offer(chat.id).await;
    assert_eq!(offer["name"], "Lia");
    // Rung one ended: Ann's offer was withdrawn, then the department (Ann and Ben) offered.
    ann_events
        .wait_for_where("withdrawn", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    server.accept(chat.id, &ben.token).await.expect(200);
    let log = server
        .get(&format!("/v1/chats/{}/routing", chat.id), Some(&ben.token))
        .await
        .expect(200);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "escalated"),
        "{log}"
    );
}

/// A burst of chats changes the queue's length sixty times; operators hear of it at most
/// once per window (the first change at once, the rest folded into one telling at the
/// window's end), and the last telling is the length as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_news_is_coalesced_and_ends_on_the_true_length() {
    let server = start_server().await;
    let company = server.new_company("Coalesce").await;
    let busy = server
        .new_operator(&company, "301", json!({ "max_chats": 1 }))
        .await;
    let mut events = server.go_online(&busy).await;
    server.connected_chat(&company, &busy, &mut events).await;
    let started = std::time::Instant::now();
    let starts = (0..60).map(|i| {
        let body = json!({ "name": format!("Burst {i}") });
        let key = company.key.clone();
        let server = &server;
        async move { server.start_chat(&key, body).await }
    });
    let chats = futures_util::future::join_all(starts).await;
    let elapsed = started.elapsed();
    assert!(chats.iter().all(|c| c.state == "waiting"));
    events
        .wait_for_where("queue", |d| d["length"] == 60, WAIT)
        .await;
    let told = events.seen_named("queue").len();
    // One telling per window the burst spanned, plus the first and the last.
    let windows = (elapsed.as_millis() / 250) as usize + 2;
    assert!(
        told <= windows.min(59),
        "{told} queue events for a burst of {elapsed:?}: {}",
        events.names()
    );
}
