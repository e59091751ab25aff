//! Cluster mode: three real `switchboard serve` processes on a three-server NATS JetStream
//! cluster (loopback), the demo company on one of them, its visitor and operator connected
//! to the others; the owning node killed with SIGKILL mid-chat while messages keep coming.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::nats::NatsCluster;
use crate::process::Process;
use crate::support::{NoEvent, Server, WAIT};

/// A node's settings: the NATS servers, its id, no rate limits (every client is loopback).
fn node_config(nats: &NatsCluster, id: usize) -> String {
    let servers = nats
        .urls()
        .iter()
        .map(|u| format!("{u:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "[http.limits]\nenabled = false\n\n[cluster]\nservers = [{servers}]\nnode_id = \"n{id}\"\n"
    )
}

/// How long the cluster may take to settle on a loaded machine: every node serving its share.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// What the issue promises for a takeover, with room for a loaded test machine.
const TAKEOVER_WITHIN: Duration = Duration::from_secs(15);

/// Polls `/healthz` of every node until `serving` holds for their reports (bounded).
async fn wait_for_cluster(nodes: &[&Process], what: &str, serving: impl Fn(&[Value]) -> bool) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + SETTLE_WITHIN;
    loop {
        let mut reports = Vec::new();
        for node in nodes {
            let health = client
                .get(format!("{}/healthz", node.base))
                .send()
                .await
                .ok();
            let body: Value = match health {
                Some(reply) => reply.json().await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            reports.push(body["cluster"].clone());
        }
        if serving(&reports) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the cluster did not reach: {what}; last reports: {reports:?}\n{}",
            nodes
                .iter()
                .map(|n| n.log_text())
                .collect::<Vec<_>>()
                .join("\n-----\n")
        );
        // Polling a condition that has no event to wait on, bounded by the deadline.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every node serves some shards and together they serve all 1,024, once each.
fn all_served(reports: &[Value]) -> bool {
    let shards: Vec<u64> = reports
        .iter()
        .map(|r| r["shards"].as_u64().unwrap_or(0))
        .collect();
    shards.iter().all(|s| *s > 0) && shards.iter().sum::<u64>() == 1024
}

/// `POST` until the cluster answers other than 503 (a shard moving); returns the answer and
/// the node that made it.
async fn post_retrying(
    server: &Server,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value, String) {
    let deadline = Instant::now() + TAKEOVER_WITHIN;
    loop {
        let mut request = server.client.post(server.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Ok(reply) = request.send().await {
            let status = reply.status().as_u16();
            let node = reply
                .headers()
                .get("switchboard-node")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            if status != 503 {
                return (status, body, node);
            }
        }
        assert!(
            Instant::now() < deadline,
            "{path}: still 503 after {TAKEOVER_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn start(nats: &NatsCluster, dir: &Path, id: usize, run: u32) -> Process {
    let data = dir.join(format!("node{id}"));
    Process::spawn(&data, dir, run, &node_config(nats, id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_spans_nodes_and_loses_nothing_when_its_node_is_killed() {
    let nats = NatsCluster::start(3);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut nodes: Vec<Option<Process>> = Vec::new();
    for id in 0..3 {
        let mut node = start(&nats, dir.path(), id, id as u32);
        node.listening().await;
        nodes.push(Some(node));
    }
    let live = |nodes: &[Option<Process>]| {
        nodes
            .iter()
            .flatten()
            .map(|n| n.base.clone())
            .collect::<Vec<_>>()
    };
    {
        let all: Vec<&Process> = nodes.iter().flatten().collect();
        wait_for_cluster(&all, "three nodes serving every shard", all_served).await;
    }
    let servers: Vec<Server> = live(&nodes).iter().map(|b| Server::at(b)).collect();

    // Alice signs in through node 0; the answer names the node serving the demo company.
    let (status, login, owner) = post_retrying(
        &servers[0],
        "/v1/login",
        None,
        json!({ "email": "alice@demo.example", "password": "demo-10001" }),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let alice = login["token"].as_str().expect("a token").to_owned();
    let owner: usize = owner
        .trim_start_matches('n')
        .parse()
        .expect("a node id n0..n2");
    let (a, b) = match owner {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    };

    // An admin change made through a node that does not serve the company is made and
    // audited once, where the company is.
    let admin = servers[a].login("admin@demo.example", "demo-admin").await;
    servers[a]
        .create_operator(
            &admin,
            "10009",
            "carol@demo.example",
            json!({ "name": "Carol" }),
        )
        .await;
    let log = servers[b]
        .get("/v1/audit-log", Some(&admin))
        .await
        .expect(200);
    let created: Vec<&Value> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "operator.created" && e["target"] == "10009")
        .collect();
    assert_eq!(created.len(), 1, "{log}");

    // Alice's terminal on node a, the visitor's window on node b: neither serves the company.
    let mut operator = servers[a].operator_events(&alice).await;
    servers[b].set_status(&alice, "online").await;
    let chat = servers[b]
        .start_chat(
            "abcdef0123456789",
            json!({ "name": "Vera", "operator": "10001" }),
        )
        .await;
    operator.wait_for_offer(chat.id).await;
    let accepted = servers[a].accept(chat.id, &alice).await.expect(200);
    assert_eq!(accepted["state"], "connected");
    let mut window = servers[b].chat_events(chat.id, &chat.token, None).await;
    window.wait_for("joined", WAIT).await;
    servers[b]
        .send(chat.id, &chat.token, "hello from node b", "v-0")
        .await;
    let (seen, _) = operator
        .wait_for_where("message", |d| d["text"] == "hello from node b", WAIT)
        .await;
    assert_eq!(
        seen["chat_id"], chat.id,
        "the operator on node a hears the visitor on node b"
    );
    servers[a]
        .send(chat.id, &alice, "hello from node a", "o-0")
        .await;
    window
        .wait_for_where("message", |d| d["text"] == "hello from node a", WAIT)
        .await;

    // Alice takes one chat at a time, so three more chats wait, in order.
    servers[a]
        .put(
            "/v1/operators/10001",
            Some(&admin),
            json!({ "max_chats": 1 }),
        )
        .await
        .expect(200);
    let mut queued = Vec::new();
    for i in 0..3 {
        let waiting = servers[b]
            .start_chat("abcdef0123456789", json!({ "name": format!("Queued {i}") }))
            .await;
        assert_eq!(waiting.state, "waiting");
        queued.push(waiting.id);
    }
    let queue_ids = |queue: &Value| -> Vec<u64> {
        queue
            .as_array()
            .expect("a queue")
            .iter()
            .map(|c| c["id"].as_u64().expect("an id"))
            .collect()
    };
    let queue = servers[a].get("/v1/queue", Some(&alice)).await.expect(200);
    assert_eq!(queue_ids(&queue), queued);

    // Messages keep coming from the visitor (alternating nodes a and b) while the owner is
    // killed; each is resent with its client id until acknowledged.
    let mut acked: Vec<String> = Vec::new();
    let mut killed_at = None;
    let mut takeover = None;
    for i in 1..=60 {
        if i == 20 {
            nodes[owner].take().expect("the owner runs").kill().await;
            killed_at = Some(Instant::now());
        }
        let text = format!("message {i}");
        let via = &servers[if i % 2 == 0 { a } else { b }];
        let (status, body, _) = post_retrying(
            via,
            &format!("/v1/chats/{}/messages", chat.id),
            Some(&chat.token),
            json!({ "text": text, "client_id": format!("v-{i}") }),
        )
        .await;
        assert_eq!(status, 201, "message {i}: {body}");
        if let (Some(at), None) = (killed_at, takeover) {
            takeover = Some(at.elapsed());
        }
        acked.push(text);
    }
    let takeover = takeover.expect("messages were sent after the kill");
    println!("takeover after SIGKILL: {} ms", takeover.as_millis());
    assert!(takeover < TAKEOVER_WITHIN, "takeover took {takeover:?}");

    // The node serving the company now says so: its takeovers in /healthz and /metrics,
    // and (once the dead node's heartbeat has lapsed) two live nodes.
    let (_, _, now_serving) = post_retrying(
        &servers[a],
        &format!("/v1/chats/{}/typing", chat.id),
        Some(&chat.token),
        json!({}),
    )
    .await;
    let serving: usize = now_serving
        .trim_start_matches('n')
        .parse()
        .expect("a node id");
    assert_ne!(serving, owner);
    let deadline = Instant::now() + TAKEOVER_WITHIN;
    let report = loop {
        let report = servers[serving].get("/healthz", None).await.expect(200)["cluster"].clone();
        if report["live_nodes"].as_array().map(Vec::len) == Some(2) {
            break report;
        }
        assert!(Instant::now() < deadline, "n{owner} never left: {report}");
        // The heartbeat bucket drops the dead node by age; nothing to wait on but time.
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(report["takeovers"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["shards"].as_u64().unwrap() > 0, "{report}");
    let metrics = servers[serving].get("/metrics", None).await;
    assert_eq!(metrics.status, 200);
    let metric = |name| crate::ops::metric(&metrics.text, name).unwrap_or(-1.0);
    assert!(
        metric("switchboard_cluster_takeovers_total") >= 1.0,
        "{}",
        metrics.text
    );
    assert_eq!(
        metric("switchboard_cluster_live_nodes"),
        2.0,
        "{}",
        metrics.text
    );
    assert_eq!(
        metric("switchboard_cluster_shards"),
        report["shards"].as_f64().unwrap()
    );

    // The window's stream (relayed by node b) ended when the company moved; resumed with
    // Last-Event-ID it delivers every message once, in order.
    let mut seqs: Vec<u64> = window
        .seen
        .iter()
        .filter(|e| e.event == "message")
        .map(|e| e.data["seq"].as_u64().unwrap())
        .collect();
    let mut last = window.seen.last().map(|e| e.id).expect("events were seen");
    let mut texts: Vec<String> = window
        .seen
        .iter()
        .filter(|e| e.event == "message")
        .map(|e| e.data["text"].as_str().unwrap().to_owned())
        .collect();
    let want = acked.last().cloned().expect("acked");
    let deadline = Instant::now() + TAKEOVER_WITHIN;
    while !texts.contains(&want) {
        match window.try_next(Duration::from_secs(2)).await {
            Ok(event) => {
                last = event.id;
                if event.event == "message" {
                    seqs.push(event.data["seq"].as_u64().unwrap());
                    texts.push(event.data["text"].as_str().unwrap().to_owned());
                }
            }
            Err(NoEvent::Timeout) => {}
            Err(NoEvent::Ended | NoEvent::Broken) => {
                window = servers[b]
                    .chat_events(chat.id, &chat.token, Some(last))
                    .await;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the window did not catch up: {texts:?}"
        );
    }
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        seqs, sorted,
        "window events repeated or out of order: {seqs:?}"
    );

    // The transcript, read through a surviving node, holds every acknowledged message once.
    let transcript = servers[a].transcript(chat.id, &alice).await;
    let stored: Vec<&str> = transcript
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    for text in &acked {
        assert_eq!(
            stored.iter().filter(|t| *t == text).count(),
            1,
            "{text} in {stored:?}"
        );
    }

    // The killed node comes back and takes its share again; the chat goes on meanwhile.
    let mut again = start(&nats, dir.path(), owner, 10);
    again.listening().await;
    nodes[owner] = Some(again);
    {
        let all: Vec<&Process> = nodes.iter().flatten().collect();
        wait_for_cluster(&all, "the restarted node serving its share", all_served).await;
    }
    let back = Server::at(&nodes[owner].as_ref().expect("restarted").base);
    let (status, body, _) = post_retrying(
        &back,
        &format!("/v1/chats/{}/messages", chat.id),
        Some(&chat.token),
        json!({ "text": "after the rejoin", "client_id": "v-rejoin" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let transcript = back.transcript(chat.id, &alice).await;
    assert_eq!(
        transcript
            .iter()
            .filter(|e| e["text"].as_str().is_some())
            .count(),
        acked.len() + 3
    );
    let state = back
        .get(&format!("/v1/chats/{}", chat.id), Some(&alice))
        .await
        .expect(200);
    assert_eq!(
        state["state"], "connected",
        "the chat is still Alice's after two moves"
    );

    // The queue came through both moves in its order, and Alice's limit still holds: the
    // waiting chats were not handed to her; once her chat closes she is offered the first.
    let queue = back.get("/v1/queue", Some(&alice)).await.expect(200);
    assert_eq!(queue_ids(&queue), queued, "the queue after two moves");
    for id in &queued {
        let waiting = back
            .get(&format!("/v1/chats/{id}"), Some(&alice))
            .await
            .expect(200);
        assert_eq!(waiting["operator"], Value::Null, "{waiting}");
    }
    // Her terminal reconnects and says she is online again, as the terminal client does
    // after every reconnect (a status lives in the company's actor, not in storage).
    let mut operator = servers[a].operator_events(&alice).await;
    servers[b].set_status(&alice, "online").await;
    let closed = back
        .post(
            &format!("/v1/chats/{}/close", chat.id),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let (offer, _) = operator.wait_for("offer", WAIT).await;
    assert_eq!(offer["chat_id"], queued[0], "FIFO: the first waiting chat");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_every_node_loses_no_acknowledged_message() {
    let nats = NatsCluster::start(3);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut nodes: Vec<Process> = Vec::new();
    for id in 0..3 {
        let mut node = start(&nats, dir.path(), id, id as u32);
        node.listening().await;
        nodes.push(node);
    }
    wait_for_cluster(
        &nodes.iter().collect::<Vec<_>>(),
        "three nodes serving",
        all_served,
    )
    .await;
    let entry = Server::at(&nodes[0].base);
    let (status, login, _) = post_retrying(
        &entry,
        "/v1/login",
        None,
        json!({ "email": "bob@demo.example", "password": "demo-10002" }),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let bob = login["token"].as_str().expect("a token").to_owned();
    let mut operator = entry.operator_events(&bob).await;
    entry.set_status(&bob, "online").await;
    let chat = entry
        .start_chat(
            "abcdef0123456789",
            json!({ "name": "Vera", "operator": "10002" }),
        )
        .await;
    operator.wait_for_offer(chat.id).await;
    entry.accept(chat.id, &bob).await.expect(200);
    drop(operator);

    // Each node in turn is stopped (SIGTERM: it hands its shards over first) and started
    // again, while the visitor writes through a node that stays up.
    let mut acked = Vec::new();
    for (round, id) in [0usize, 1, 2].into_iter().enumerate() {
        let through = Server::at(&nodes[(id + 1) % 3].base);
        let mut old = std::mem::replace(
            &mut nodes[id],
            start(&nats, dir.path(), id, 100 + round as u32),
        );
        old.signal("-TERM");
        let (exit, log) = old.exit().await;
        assert!(exit.success(), "node {id} stopped cleanly: {log}");
        for i in 0..5 {
            let text = format!("round {round} message {i}");
            let (status, body, _) = post_retrying(
                &through,
                &format!("/v1/chats/{}/messages", chat.id),
                Some(&chat.token),
                json!({ "text": text, "client_id": format!("r{round}-{i}") }),
            )
            .await;
            assert_eq!(status, 201, "{text}: {body}");
            acked.push(text);
        }
        nodes[id].listening().await;
        wait_for_cluster(
            &nodes.iter().collect::<Vec<_>>(),
            "the restarted node serving",
            all_served,
        )
        .await;
    }
    let transcript = Server::at(&nodes[2].base).transcript(chat.id, &bob).await;
    let stored: Vec<&str> = transcript
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(stored, acked, "every acknowledged message once, in order");
}
