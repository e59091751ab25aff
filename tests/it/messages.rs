//! Messages: both ways on both streams, resuming a stream without loss or duplicates,
//! idempotent resends, who may write, offline messages.

use serde_json::{json, Value};

use crate::support::{start_server, Event, EventStream, WAIT};

/// Reads `stream` until `count` `message` events arrived; returns them.
async fn messages(stream: &mut EventStream, count: usize) -> Vec<Event> {
    let mut found = Vec::new();
    while found.len() < count {
        let event = stream.next_event(WAIT).await;
        if event.event == "message" {
            found.push(event);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_both_ways_reach_both_streams_in_order() {
    let server = start_server().await;
    let company = server.new_company("Flow").await;
    let ann = server
        .new_operator(&company, "101", json!({ "name": "Ann" }))
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    let (joined, joined_seq) = visitor.wait_for("joined", WAIT).await;
    assert_eq!(joined["name"], "Ann");

    // (author, text, client id, seq acknowledged)
    let mut sent: Vec<(&str, String, String, u64)> = Vec::new();
    for i in 0..6 {
        let (author, token) = if i % 2 == 0 {
            ("visitor", &chat.token)
        } else {
            ("operator", &ann.token)
        };
        let text = format!("{author} line {i}");
        let client_id = format!("{author}-{i}");
        let seq = server.send(chat.id, token, &text, &client_id).await;
        sent.push((author, text, client_id, seq));
    }
    let seqs: Vec<u64> = sent.iter().map(|s| s.3).collect();
    let expected: Vec<u64> = (joined_seq + 1..=joined_seq + 6).collect();
    assert_eq!(seqs, expected, "messages take the next log positions");

    let on_visitor = messages(&mut visitor, 6).await;
    let on_operator = messages(&mut ann_events, 6).await;
    for ((author, text, client_id, seq), (v, o)) in
        sent.iter().zip(on_visitor.iter().zip(&on_operator))
    {
        assert_eq!(v.id, *seq, "visitor stream: {}", visitor.names());
        assert_eq!(v.data["seq"], *seq);
        assert_eq!(v.data["author"], *author);
        assert_eq!(v.data["text"], *text);
        assert_eq!(v.data["client_id"], *client_id);
        assert!(v.data["at"].as_u64().unwrap_or(0) > 0);
        let name = if *author == "operator" { "Ann" } else { "" };
        assert_eq!(v.data["name"], name);

        assert_eq!(
            o.data["chat_id"],
            chat.id,
            "operator stream: {}",
            ann_events.names()
        );
        assert_eq!(o.data["seq"], *seq);
        assert_eq!(o.data["author"], *author);
        assert_eq!(o.data["text"], *text);
        assert_eq!(o.data["name"], name);
        assert_eq!(o.data["at"], v.data["at"]);
    }
    let operator_ids: Vec<u64> = on_operator.iter().map(|e| e.id).collect();
    assert!(
        operator_ids.windows(2).all(|w| w[0] < w[1]),
        "operator event ids increase: {operator_ids:?}"
    );

    // The transcript holds the same, after the operator joined.
    let transcript = server.transcript(chat.id, &ann.token).await;
    assert_eq!(transcript.len(), 7, "{transcript:?}");
    assert_eq!(transcript[0]["type"], "joined");
    for (entry, (author, text, _, seq)) in transcript[1..].iter().zip(&sent) {
        assert_eq!(entry["type"], "message");
        assert_eq!(entry["seq"], *seq);
        assert_eq!(entry["author"], *author);
        assert_eq!(entry["text"], *text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_resumed_after_an_event_id_replays_exactly_what_followed() {
    let server = start_server().await;
    let company = server.new_company("Resume").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;

    let mut seqs = Vec::new();
    for i in 1..=5 {
        seqs.push(
            server
                .send(
                    chat.id,
                    &chat.token,
                    &format!("message {i}"),
                    &format!("m{i}"),
                )
                .await,
        );
    }
    let mut first = server.chat_events(chat.id, &chat.token, None).await;
    let all = messages(&mut first, 5).await;
    let ids: Vec<u64> = all.iter().map(|e| e.id).collect();
    assert_eq!(ids, seqs, "a fresh stream replays every message");
    let after = all[1].id;
    drop(first);

    // With the Last-Event-ID header (the token in the query, as EventSource sends it).
    let mut resumed = server.chat_events(chat.id, &chat.token, Some(after)).await;
    let marker = server.send(chat.id, &chat.token, "marker 1", "k1").await;
    let got = messages(&mut resumed, 4).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|e| e.data["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["message 3", "message 4", "message 5", "marker 1"],
        "replay after id {after}: {}",
        resumed.names()
    );
    let ids: Vec<u64> = got.iter().map(|e| e.id).collect();
    assert_eq!(ids, [seqs[2], seqs[3], seqs[4], marker]);
    assert!(
        resumed.seen.iter().all(|e| e.id > after),
        "nothing at or before {after} comes back: {}",
        resumed.names()
    );

    // With `?last_event_id=` (and the token as a bearer header).
    let request = server
        .client
        .get(server.url(&format!(
            "/v1/chats/{}/events?last_event_id={after}",
            chat.id
        )))
        .bearer_auth(&chat.token);
    let mut resumed = EventStream::open(request).await;
    let marker2 = server.send(chat.id, &chat.token, "marker 2", "k2").await;
    let got = messages(&mut resumed, 5).await;
    let ids: Vec<u64> = got.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [seqs[2], seqs[3], seqs[4], marker, marker2],
        "replay after ?last_event_id={after}: {}",
        resumed.names()
    );
    assert!(resumed.seen.iter().all(|e| e.id > after));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_with_the_same_client_id_is_stored_and_delivered_once() {
    let server = start_server().await;
    let company = server.new_company("Idempotent").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;

    let first = server.send(chat.id, &chat.token, "hello", "c-1").await;
    let again = server.send(chat.id, &chat.token, "hello", "c-1").await;
    assert_eq!(again, first, "a resend answers the original seq");
    let after = server.send(chat.id, &chat.token, "after", "c-2").await;
    assert_eq!(after, first + 1, "the resend took no log position");

    let transcript = server.transcript(chat.id, &chat.token).await;
    let hellos: Vec<&Value> = transcript
        .iter()
        .filter(|e| e["client_id"] == "c-1")
        .collect();
    assert_eq!(hellos.len(), 1, "{transcript:?}");
    assert_eq!(hellos[0]["seq"], first);

    // The operator hears "hello" once, then "after".
    let got = messages(&mut ann_events, 2).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|e| e.data["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello", "after"], "{}", ann_events.names());

    // Resends racing each other (a client retrying before the first answer) also store one.
    let (x, y, z) = tokio::join!(
        server.send(chat.id, &chat.token, "racing", "c-3"),
        server.send(chat.id, &chat.token, "racing", "c-3"),
        server.send(chat.id, &chat.token, "racing", "c-3"),
    );
    assert_eq!((x, y), (z, z), "every resend answers the same seq");
    let end = server.send(chat.id, &chat.token, "end", "c-4").await;
    assert_eq!(end, z + 1);
    let got = messages(&mut ann_events, 2).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|e| e.data["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["racing", "end"], "{}", ann_events.names());
    let transcript = server.transcript(chat.id, &chat.token).await;
    let racing = transcript
        .iter()
        .filter(|e| e["client_id"] == "c-3")
        .count();
    assert_eq!(racing, 1, "{transcript:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_messages_get_distinct_seqs_and_arrive_in_seq_order() {
    let server = start_server().await;
    let company = server.new_company("Burst").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;

    let sends = (0..20).map(|i| {
        let (token, who) = if i % 2 == 0 {
            (&chat.token, "v")
        } else {
            (&ann.token, "o")
        };
        let server = &server;
        async move {
            let text = format!("burst {who}{i}");
            (
                server.send(chat.id, token, &text, &format!("b{i}")).await,
                text,
            )
        }
    });
    let mut acknowledged = futures_util::future::join_all(sends).await;
    acknowledged.sort();
    let seqs: Vec<u64> = acknowledged.iter().map(|a| a.0).collect();
    let first = seqs[0];
    assert_eq!(
        seqs,
        (first..first + 20).collect::<Vec<_>>(),
        "distinct, no gaps"
    );

    for stream in [&mut visitor, &mut ann_events] {
        let got = messages(stream, 20).await;
        let order: Vec<(u64, String)> = got
            .iter()
            .map(|e| {
                (
                    e.data["seq"].as_u64().unwrap(),
                    e.data["text"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            order,
            acknowledged,
            "delivered in seq order: {}",
            stream.names()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_chat_ends_it_for_both_sides() {
    let server = start_server().await;
    let company = server.new_company("Closing").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let ben = server.new_operator(&company, "102", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let _ben_events = server.go_online(&ben).await;

    // The visitor closes.
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    server.send(chat.id, &chat.token, "bye", "v-1").await;
    let closed = server
        .call(
            reqwest::Method::POST,
            &format!("/v1/chats/{}/close", chat.id),
            Some(&chat.token),
            None,
        )
        .await
        .expect(200);
    assert_eq!(closed["id"], chat.id);
    // The state the answer reports is checked in
    // `chat_state_is_current_right_after_accept_and_close`.
    let (event, id) = visitor.wait_for("closed", WAIT).await;
    assert_eq!(event["by"], "visitor");
    assert_eq!(event["seq"], id);
    let stored = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&chat.token))
        .await
        .expect(200);
    assert_eq!(stored["state"], "closed");
    assert!(stored["ended_at"].as_u64().is_some(), "{stored}");
    let (event, _) = ann_events
        .wait_for_where("closed", |d| d["chat_id"] == chat.id, WAIT)
        .await;
    assert_eq!(event["by"], "visitor");
    for token in [&chat.token, &ann.token] {
        server
            .post_message(chat.id, token, "anyone there?", "late")
            .await
            .expect_error(409, "chat_ended");
    }
    let me = server
        .get("/v1/operators/101", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(
        me["open_chats"], 0,
        "the closed chat freed Ann's slot: {me}"
    );

    // The holding operator closes; another operator may not.
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    let mut visitor = server.chat_events(chat.id, &chat.token, None).await;
    visitor.wait_for("joined", WAIT).await;
    let close = format!("/v1/chats/{}/close", chat.id);
    server
        .call(reqwest::Method::POST, &close, Some(&ben.token), None)
        .await
        .expect_error(403, "forbidden");
    let still = server
        .get(&format!("/v1/chats/{}", chat.id), Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(still["state"], "connected");
    server
        .call(reqwest::Method::POST, &close, Some(&ann.token), None)
        .await
        .expect(200);
    let (event, _) = visitor.wait_for("closed", WAIT).await;
    assert_eq!(event["by"], "operator");
    let transcript = server.transcript(chat.id, &chat.token).await;
    let kinds: Vec<&str> = transcript
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["joined", "closed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_operator_holding_a_chat_can_write_in_it() {
    let server = start_server().await;
    let company = server.new_company("Holder").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let ben = server.new_operator(&company, "102", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let mut ben_events = server.go_online(&ben).await;
    let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
    server.send(chat.id, &ann.token, "Ann here", "a-1").await;

    server
        .post_message(chat.id, &ben.token, "Ben butting in", "b-1")
        .await
        .expect_error(403, "forbidden");
    server
        .post_message(chat.id, &company.admin, "Admin butting in", "x-1")
        .await
        .expect_error(403, "forbidden");
    // A chat still waiting for Ben (offered, not accepted) is not his to write in yet.
    let waiting = server
        .start_chat(&company.key, json!({ "name": "Walt", "operator": "102" }))
        .await;
    ben_events.wait_for_offer(waiting.id).await;
    server
        .post_message(waiting.id, &ben.token, "too early", "b-2")
        .await
        .expect_error(403, "forbidden");

    let transcript = server.transcript(chat.id, &ann.token).await;
    let texts: Vec<&str> = transcript
        .iter()
        .filter(|e| e["type"] == "message")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Ann here"]);
    assert!(server.transcript(waiting.id, &ben.token).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_messages_are_listed_for_the_companys_operators() {
    let server = start_server().await;
    let company = server.new_company("Offline").await;
    let sales = server.new_department(&company.admin, "Sales").await;
    let ann = server.new_operator(&company, "101", json!({})).await;

    let path = format!("/v1/visitor/{}/offline-messages", company.key);
    let first = server
        .post(
            &path,
            None,
            json!({
                "name": "Vera", "email": "vera@example.com",
                "message": "Call me back about my order, please.",
                "department": sales, "operator": "101",
            }),
        )
        .await
        .expect(201);
    assert!(first["id"].as_u64().is_some(), "{first}");
    assert_eq!(first["name"], "Vera");
    assert_eq!(first["email"], "vera@example.com");
    assert_eq!(first["message"], "Call me back about my order, please.");
    assert_eq!(first["department"], sales);
    assert_eq!(first["operator"], "101");
    assert!(first["at"].as_u64().unwrap_or(0) > 0);
    // A refused one is not stored.
    server
        .post(
            &path,
            None,
            json!({ "name": "Vera", "email": "not an email", "message": "lost?" }),
        )
        .await
        .expect_error(400, "invalid_email");
    server
        .post(
            &path,
            None,
            json!({ "name": "Vera", "email": "vera@example.com", "message": "  " }),
        )
        .await
        .expect_error(400, "invalid_message");
    let second = server
        .post(
            &path,
            None,
            json!({
                "name": "Walt",
                "email": "walt@example.com",
                "message": "Do you ship to Malta?",
            }),
        )
        .await
        .expect(201);
    assert_eq!(second["department"], Value::Null);
    assert_eq!(second["operator"], Value::Null);

    // An operator (not only the admin) reads them, newest first, with the same fields.
    let listed = server
        .get("/v1/offline-messages", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(listed, json!([second, first]));

    // Another company sees none of them.
    let other = server.new_company("Elsewhere").await;
    let theirs = server
        .get("/v1/offline-messages", Some(&other.admin))
        .await
        .expect(200);
    assert_eq!(theirs, json!([]));
}

/// Regression: `POST /v1/chats/{id}/close` answered 200 with the chat as it was before the
/// close (`state: "connected"`, `ended_at: null`), and `GET /v1/chats/{id}` right after an
/// accept or a close could still show the previous state: both read the chat record that the
/// chat's actor writes later. A race, so it is tried on several chats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_state_is_current_right_after_accept_and_close() {
    let server = start_server().await;
    let company = server.new_company("Answers").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut ann_events = server.go_online(&ann).await;
    let mut stale = Vec::new();
    for round in 0..20 {
        let chat = server.connected_chat(&company, &ann, &mut ann_events).await;
        let path = format!("/v1/chats/{}", chat.id);
        let now = server.get(&path, Some(&chat.token)).await.expect(200);
        if now["state"] != "connected" || now["operator"] != ann.id {
            stale.push(format!("round {round}: GET right after accept: {now}"));
        }
        let (closer, who) = if round % 2 == 0 {
            (&chat.token, "visitor")
        } else {
            (&ann.token, "operator")
        };
        let closed = server
            .call(
                reqwest::Method::POST,
                &format!("{path}/close"),
                Some(closer),
                None,
            )
            .await
            .expect(200);
        if closed["state"] != "closed" || !closed["ended_at"].is_u64() {
            stale.push(format!(
                "round {round}: close by the {who} answered {closed}"
            ));
        }
        let now = server.get(&path, Some(&chat.token)).await.expect(200);
        if now["state"] != "closed" {
            stale.push(format!("round {round}: GET right after close: {now}"));
        }
    }
    assert!(stale.is_empty(), "stale chat states:\n{}", stale.join("\n"));
}

/// What an operator's terminal may resume is sized in time, not in events: a terminal away
/// while more than a thousand events passed (the old fixed window) resumes with every one of
/// them, in order, and no `reset`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_away_for_many_events_resumes_with_all_of_them() {
    let server = start_server().await;
    let company = server.new_company("Window").await;
    let ann = server.new_operator(&company, "101", json!({})).await;
    let mut events = server.go_online(&ann).await;
    let chat = server.connected_chat(&company, &ann, &mut events).await;
    let (_, last_seen) = events.wait_for("assigned", WAIT).await;
    drop(events);
    let count = 1_100;
    for i in 0..count {
        server
            .send(chat.id, &chat.token, &format!("m{i}"), &format!("c{i}"))
            .await;
    }
    let mut resumed = EventStream::open(
        server
            .client
            .get(server.url("/v1/me/events"))
            .bearer_auth(&ann.token)
            .header("Last-Event-ID", last_seen.to_string()),
    )
    .await;
    for i in 0..count {
        let (data, _) = resumed.wait_for("message", WAIT).await;
        assert_eq!(data["text"], format!("m{i}"), "in order, none missing");
    }
    assert!(
        resumed.seen_named("reset").is_empty(),
        "{}",
        resumed.names()
    );
}
