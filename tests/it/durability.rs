//! The real binary, killed with SIGKILL, keeps every message it acknowledged.

use serde_json::{json, Value};

use crate::ops::metric;
use crate::process::{Process, NO_LIMITS};
use crate::support::{EventStream, WAIT};

/// Messages posted before the kill.
const MESSAGES: usize = 50;

/// A small JSON client for a process.
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(process: &Process) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: process.base.clone(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a readable body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        want: u16,
    ) -> Value {
        let (status, body) = self.call(method.clone(), path, token, body).await;
        assert_eq!(status, want, "{method} {path}: {body}");
        body
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_a_sigkill() {
    use reqwest::Method;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");

    let process = Process::start(&data, dir.path(), 1, NO_LIMITS).await;
    let client = Client::new(&process);
    let login = client
        .ok(
            Method::POST,
            "/v1/login",
            None,
            Some(json!({ "email": "bob@demo.example", "password": "demo-10002" })),
            200,
        )
        .await;
    assert_eq!(login["role"], "operator");
    let bob = login["token"].as_str().unwrap().to_string();
    let mut bob_events = EventStream::open(
        client
            .http
            .get(format!("{}/v1/me/events", client.base))
            .bearer_auth(&bob),
    )
    .await;
    client
        .ok(
            Method::PUT,
            "/v1/me/status",
            Some(&bob),
            Some(json!({ "status": "online" })),
            200,
        )
        .await;
    let me = client
        .ok(Method::GET, "/v1/me", Some(&bob), None, 200)
        .await;
    let bob_id = me["id"].as_u64().unwrap();

    let started = client
        .ok(
            Method::POST,
            "/v1/visitor/abcdef0123456789/chats",
            None,
            Some(json!({ "name": "Durable Visitor", "operator": "10002" })),
            201,
        )
        .await;
    assert_eq!(started["state"], "waiting");
    let chat = started["chat_id"].as_u64().unwrap();
    let visitor = started["token"].as_str().unwrap().to_string();
    bob_events.wait_for_offer(chat).await;
    client
        .ok(
            Method::POST,
            &format!("/v1/chats/{chat}/accept"),
            Some(&bob),
            None,
            200,
        )
        .await;

    // (seq, author, text), as acknowledged.
    let mut acknowledged = Vec::new();
    for i in 0..MESSAGES {
        let (author, token) = if i % 2 == 0 {
            ("visitor", &visitor)
        } else {
            ("operator", &bob)
        };
        let text = format!("durable message {i} from the {author}");
        let body = client
            .ok(
                Method::POST,
                &format!("/v1/chats/{chat}/messages"),
                Some(token),
                Some(json!({ "text": text, "client_id": format!("d-{i}") })),
                201,
            )
            .await;
        acknowledged.push((body["seq"].as_u64().expect("a seq"), author, text));
    }
    let seqs: Vec<u64> = acknowledged.iter().map(|a| a.0).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive seqs: {seqs:?}"
    );

    let (_, metrics) = client.call(Method::GET, "/metrics", None, None).await;
    let metrics = metrics.as_str().expect("metrics are text").to_string();
    assert_eq!(
        metric(&metrics, "switchboard_messages_total"),
        Some(MESSAGES as f64),
        "{metrics}"
    );
    let flushes = metric(&metrics, "switchboard_storage_flushes_total").expect("flushes");
    assert!(
        flushes >= 1.0,
        "acknowledged messages were flushed: {metrics}"
    );
    assert_eq!(
        metric(&metrics, "switchboard_chats_started_total"),
        Some(1.0)
    );
    assert_eq!(
        metric(&metrics, "switchboard_chats_routed_total"),
        Some(1.0)
    );

    // The reference manual's example link works on the demo company.
    let link = format!(
        "{}/chat/en/abcdef0123456789,{}/{}/demo",
        client.base, "name=Visitor+Name,email=visitor@email.com,operator=10002", client.base
    );
    let page = client
        .http
        .get(&link)
        .send()
        .await
        .expect("the page answers");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("an HTML page");
    assert!(html.contains(r#"lang="en""#), "{html}");
    assert!(html.contains("Visitor Name"), "{html}");

    drop(bob_events);
    process.kill().await;

    let process = Process::start(&data, dir.path(), 2, NO_LIMITS).await;
    let client = Client::new(&process);
    let transcript = client
        .ok(
            Method::GET,
            &format!("/v1/chats/{chat}/messages"),
            Some(&visitor),
            None,
            200,
        )
        .await;
    let messages: Vec<&Value> = transcript
        .as_array()
        .expect("a transcript is a list")
        .iter()
        .filter(|e| e["type"] == "message")
        .collect();
    assert_eq!(
        messages.len(),
        MESSAGES,
        "every acknowledged message is back: {transcript}"
    );
    for (entry, (seq, author, text)) in messages.iter().zip(&acknowledged) {
        assert_eq!(entry["seq"], *seq);
        assert_eq!(entry["author"], *author);
        assert_eq!(entry["text"], text.as_str());
    }

    // The visitor's window, resuming from the start, gets all of them again.
    let mut stream = EventStream::open(
        client
            .http
            .get(format!("{}/v1/chats/{chat}/events", client.base))
            .bearer_auth(&visitor)
            .header("Last-Event-ID", "0"),
    )
    .await;
    let (joined, _) = stream.wait_for("joined", WAIT).await;
    assert_eq!(joined["name"], "Bob");
    for (seq, author, text) in &acknowledged {
        let (message, id) = stream.wait_for("message", WAIT).await;
        assert_eq!(id, *seq, "{}", stream.names());
        assert_eq!(message["author"], *author);
        assert_eq!(message["text"], text.as_str());
    }

    // The client ids survived: a resend of an acknowledged message is not stored again.
    let resent = client
        .ok(
            Method::POST,
            &format!("/v1/chats/{chat}/messages"),
            Some(&visitor),
            Some(json!({ "text": acknowledged[0].2, "client_id": "d-0" })),
            201,
        )
        .await;
    assert_eq!(resent["seq"], acknowledged[0].0);

    // Bob's session and the chat's state survived too.
    let state = client
        .ok(
            Method::GET,
            &format!("/v1/chats/{chat}"),
            Some(&bob),
            None,
            200,
        )
        .await;
    assert_eq!(state["state"], "connected");
    assert_eq!(state["operator"], bob_id);
    process.kill().await;
}
