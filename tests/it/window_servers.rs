//! The chat window across a cluster's servers: the chat calls it makes with its chat token
//! answer any origin (it moves to another node's origin when its own node dies) and the rest
//! of the API does not; in a cluster its settings name the live nodes and its page's policy
//! lets it reach them; and, in the real browser of `browser`'s test, a window whose server
//! dies carries on at the next one.
//!
//! Three real nodes are `cluster`'s business. Here one server stands for every node: a
//! stand-in [`Peers`] says which nodes live and where the company is, and the window's own
//! node is a TCP proxy in front of the server that the test kills. The chat's data is then
//! the same on every "node", as in a cluster, and the window's server dies as under SIGKILL.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use fantoccini::Client;
use futures_util::future::BoxFuture;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard_http::forward::{Peers, Place, Report};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::browser::{until, KEY};
use crate::support::*;

/// A cluster as one server sees it, without NATS: every company is served here (or, while
/// `moving`, nowhere), and the live nodes listen at `addresses`.
struct StandIn {
    /// The live nodes' HTTP addresses, as `/healthz` reports them.
    addresses: Vec<String>,
    /// While set, every company is between nodes: its calls are answered 503.
    moving: AtomicBool,
    /// How many calls were answered 503 because of `moving`, for a test to wait on.
    refused: watch::Sender<usize>,
}

impl StandIn {
    fn new(addresses: Vec<String>) -> Arc<StandIn> {
        Arc::new(StandIn {
            addresses,
            moving: AtomicBool::new(false),
            refused: watch::channel(0).0,
        })
    }
}

impl Peers for StandIn {
    fn node(&self) -> &str {
        "n0"
    }

    fn report(&self) -> Report {
        Report {
            node: "n0".into(),
            live_nodes: vec!["n0".into()],
            addresses: self.addresses.clone(),
            ..Report::default()
        }
    }

    fn place(&self, _: u64) -> Place {
        if self.moving.load(Ordering::SeqCst) {
            self.refused.send_modify(|n| *n += 1);
            Place::Moving
        } else {
            Place::Here
        }
    }

    fn tenant_of_key<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<u64>> {
        // Unknown here: the visitor API is answered where it arrives.
        Box::pin(async { None })
    }

    fn tenant_of_email<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<u64>> {
        Box::pin(async { None })
    }

    fn call<'a>(
        &'a self,
        _: &'a str,
        _: Bytes,
        _: std::time::Duration,
    ) -> BoxFuture<'a, Result<Bytes, String>> {
        Box::pin(async { Err("there is no other node".into()) })
    }

    fn stream<'a>(
        &'a self,
        _: &'a str,
        _: Bytes,
    ) -> BoxFuture<'a, Result<mpsc::Receiver<Bytes>, String>> {
        Box::pin(async { Err("there is no other node".into()) })
    }
}

/// A node the test can kill: a TCP proxy to the server, on a port of its own.
struct Node {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    base: String,
    /// Accepts and relays connections; aborting it closes them all.
    task: tokio::task::JoinHandle<()>,
}

impl Node {
    async fn start(server: &Server) -> Node {
        let to: SocketAddr = server
            .base
            .trim_start_matches("http://")
            .parse()
            .expect("the server's address");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().expect("a local address"));
        let task = tokio::spawn(async move {
            // Dropped with the task: every relayed connection ends with it.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Node { base, task }
    }

    /// Dies as under SIGKILL: its port refuses connections and every open one closes.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// A browser's CORS preflight for `method path` sending `headers`, from another node's origin.
async fn preflight(server: &Server, path: &str, method: &str, headers: &str) -> reqwest::Response {
    server
        .client
        .request(Method::OPTIONS, server.url(path))
        .header("origin", "http://127.0.0.1:1")
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("the server answers")
}

/// `method path` as a script on another origin sends it.
async fn from_elsewhere(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = server
        .client
        .request(method, server.url(path))
        .header("origin", "http://127.0.0.1:1");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_windows_chat_calls_answer_any_origin_and_the_rest_does_not() {
    let server = start_server().await;
    let company = server.new_company("Cors").await;
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    let id = chat.id;

    // Every call the window makes, with the headers it sends.
    let window_calls = [
        (
            format!("/v1/chats/{id}/messages"),
            "POST",
            "authorization,content-type",
        ),
        (format!("/v1/chats/{id}/messages"), "GET", "authorization"),
        (format!("/v1/chats/{id}/typing"), "POST", "authorization"),
        (format!("/v1/chats/{id}/close"), "POST", "authorization"),
        (format!("/v1/chats/{id}/events"), "GET", "last-event-id"),
        (
            format!("/v1/visitor/{}/chats", company.key),
            "POST",
            "content-type",
        ),
        (
            format!("/v1/visitor/{}/offline-messages", company.key),
            "POST",
            "content-type",
        ),
    ];
    for (path, method, headers) in &window_calls {
        let answer = preflight(&server, path, method, headers).await;
        assert_eq!(answer.status(), 204, "{method} {path}");
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        let methods = header(&answer, "access-control-allow-methods").unwrap_or("");
        assert!(
            methods.split(", ").any(|m| m == *method),
            "{method} {path}: {methods}"
        );
        let allowed = header(&answer, "access-control-allow-headers").unwrap_or("");
        for wanted in headers.split(',') {
            assert!(
                allowed.split(", ").any(|a| a == wanted),
                "{method} {path} needs {wanted}: {allowed}"
            );
        }
    }

    // The answers themselves, a refusal too (the window must read why), and Retry-After
    // readable by the script.
    let messages = format!("/v1/chats/{id}/messages");
    let answers = [
        from_elsewhere(&server, Method::GET, &messages, Some(&chat.token)).await,
        from_elsewhere(&server, Method::GET, &messages, Some("not-a-token")).await,
        from_elsewhere(
            &server,
            Method::POST,
            &format!("/v1/chats/{id}/typing"),
            Some(&chat.token),
        )
        .await,
        from_elsewhere(
            &server,
            Method::GET,
            &format!("/v1/chats/{id}/events?token={}", chat.token),
            None,
        )
        .await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(statuses[..2], [200, 401], "{statuses:?}");
    assert_eq!(statuses[3], 200, "the stream opens: {statuses:?}");
    for answer in &answers {
        assert_eq!(
            header(answer, "access-control-allow-origin"),
            Some("*"),
            "{}",
            answer.url()
        );
        assert_eq!(
            header(answer, "access-control-expose-headers"),
            Some("retry-after"),
            "{}",
            answer.url()
        );
    }
    drop(answers);

    // Everything else stays same-origin: no preflight, no CORS header.
    for path in [
        format!("/v1/chats/{id}/accept"),
        format!("/v1/chats/{id}/transfer"),
        format!("/v1/chats/{id}"),
        "/v1/chats".to_string(),
        "/v1/me".to_string(),
        "/v1/company".to_string(),
        "/v1/login".to_string(),
    ] {
        let answer = preflight(&server, &path, "POST", "authorization").await;
        assert_eq!(answer.status(), 405, "{path}: OPTIONS is no method there");
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            None,
            "{path}"
        );
        let answer = from_elsewhere(&server, Method::GET, &path, Some(&company.admin)).await;
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            None,
            "{path}"
        );
    }
    let accepted = from_elsewhere(
        &server,
        Method::POST,
        &format!("/v1/chats/{id}/accept"),
        Some(&company.admin),
    )
    .await;
    assert_eq!(header(&accepted, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_server_running_alone_names_no_other_servers() {
    let server = start_server().await;
    let company = server.new_company("Alone").await;
    let settings = server
        .get(&format!("/v1/visitor/{}/window", company.key), None)
        .await
        .expect(200);
    assert_eq!(settings["servers"], json!([]), "{settings}");

    let (boot, policy) = window_page(&server, &company.key).await;
    assert_eq!(boot["settings"]["servers"], json!([]));
    assert!(
        policy.contains("connect-src 'self';"),
        "the window talks to its own server only: {policy}"
    );
}

#[tokio::test]
async fn in_a_cluster_the_window_knows_the_live_nodes_and_may_reach_them() {
    let server = start_server().await;
    let company = server.new_company("Nodes").await;
    let other = "http://127.0.0.1:9";
    let stand_in = StandIn::new(vec![format!("{}/", server.base), other.into()]);
    server.app().join_cluster(stand_in.clone());

    let settings = server
        .get(&format!("/v1/visitor/{}/window", company.key), None)
        .await
        .expect(200);
    assert_eq!(
        settings["servers"],
        json!([server.base, other]),
        "{settings}"
    );
    let (boot, policy) = window_page(&server, &company.key).await;
    assert_eq!(boot["settings"]["servers"], json!([server.base, other]));
    assert!(
        policy.contains(&format!("connect-src 'self' {} {other};", server.base)),
        "{policy}"
    );

    // While the company moves between nodes, this node refuses the window's calls itself:
    // the refusal still carries the CORS headers, or the window would see a network failure
    // and could not read how long to wait.
    let chat = server
        .start_chat(&company.key, json!({ "name": "Vera" }))
        .await;
    stand_in.moving.store(true, Ordering::SeqCst);
    let refused = from_elsewhere(
        &server,
        Method::GET,
        &format!("/v1/chats/{}/messages", chat.id),
        Some(&chat.token),
    )
    .await;
    assert_eq!(refused.status(), 503);
    assert_eq!(header(&refused, "retry-after"), Some("1"));
    assert_eq!(header(&refused, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        header(&refused, "access-control-expose-headers"),
        Some("retry-after")
    );
    let body: Value = refused.json().await.expect("a JSON error");
    assert_eq!(body["code"], "company_moving");
}

/// The chat window page of `key`: its boot JSON and its content security policy.
async fn window_page(server: &Server, key: &str) -> (Value, String) {
    let page = server
        .client
        .get(server.url(&format!("/chat/en/{key}/https://shop.example/")))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(page.status(), 200);
    let policy = header(&page, "content-security-policy")
        .expect("the window has a policy")
        .to_owned();
    let html = page.text().await.expect("the page reads");
    let boot = html
        .split_once(r#"<script type="application/json" id="boot">"#)
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(json, _)| json)
        .expect("the page carries its boot JSON");
    (
        serde_json::from_str(boot).expect("the boot JSON parses"),
        policy,
    )
}

/// Sends `text` from the window's composer as the visitor's Enter would, without typing
/// (typing would also tell the operator, a call of its own).
async fn submit(browser: &Client, text: &str) {
    browser
        .execute(
            "document.querySelector('#input').value = arguments[0]; \
             document.querySelector('#composer').requestSubmit();",
            vec![json!(text)],
        )
        .await
        .expect("the page answers");
}

/// The window's server dies mid-chat: the window carries on at the next server (its stream
/// resumes there, its calls go there), so the operator's reply arrives, the visitor's next
/// message is delivered and nothing shows twice. Before that, while the company is between
/// nodes (503 with Retry-After), a message waits quietly instead of failing. Run by
/// `browser`'s test, over its browser.
pub async fn the_window_moves_to_another_server_when_its_own_dies(browser: &Client) {
    let server = start_demo_server().await;
    let bob = server.login("bob@demo.example", "demo-10002").await;
    let mut bob_events = server.operator_events(&bob).await;
    server.set_status(&bob, "online").await;
    // The window's node first, as a node's own address would be among the live ones.
    let node = Node::start(&server).await;
    let stand_in = StandIn::new(vec![node.base.clone(), server.base.clone()]);
    server.app().join_cluster(stand_in.clone());

    let link = format!(
        "{}/chat/en/{KEY},name=Nora,email=nora@example.com/https://shop.example/",
        node.base
    );
    browser.goto(&link).await.expect("the chat window opens");
    let offer = bob_events
        .wait_for_where("offer", |d| d["name"] == "Nora", WAIT)
        .await
        .0;
    let chat = offer["chat_id"].as_u64().expect("the offer names the chat");
    server.accept(chat, &bob).await.expect(200);
    until(
        browser,
        "document.querySelector('#app').dataset.state === 'chatting'",
        "the chat",
    )
    .await;

    // The company between nodes: the message waits out the 503s, shown as pending.
    stand_in.moving.store(true, Ordering::SeqCst);
    let mut refused = stand_in.refused.subscribe();
    submit(browser, "Anyone there?").await;
    tokio::time::timeout(WAIT, refused.wait_for(|n| *n >= 2))
        .await
        .expect("the window asks again after Retry-After")
        .expect("the stand-in lives");
    let shown = browser
        .execute(
            "return [document.querySelector('[data-client-id]').dataset.state, \
             document.querySelector('#error').hidden]",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        shown,
        json!(["pending", true]),
        "a company moving is no error"
    );
    stand_in.moving.store(false, Ordering::SeqCst);
    bob_events
        .wait_for_where("message", |d| d["text"] == "Anyone there?", WAIT)
        .await;

    // The window's server dies; the operator answers through another.
    node.kill().await;
    server.send(chat, &bob, "Still with you", "bob-1").await;
    until(
        browser,
        "[...document.querySelectorAll('[data-author=operator]')].some(m => m.textContent.includes('Still with you'))",
        "the reply, through the next server",
    )
    .await;
    submit(browser, "Great, thanks").await;
    bob_events
        .wait_for_where("message", |d| d["text"] == "Great, thanks", WAIT)
        .await;
    until(
        browser,
        "[...document.querySelectorAll('[data-author=visitor]')].every(m => m.dataset.state === 'sent')",
        "the visitor's messages confirmed",
    )
    .await;
    let items = browser
        .execute(
            "return document.querySelectorAll('#messages [data-author]').length",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        items,
        json!(4),
        "joined, two messages from the visitor and the reply, each once"
    );

    // The rule the window moves by: round robin over the live nodes, never back to the one
    // that failed, "" for the page's own server.
    let moves = browser
        .execute(
            "const next = window.switchboard.nextServer; const own = 'http://a:1';
             const nodes = [own, 'http://b:2', 'http://c:3'];
             return [
               next([], '', own),
               next([own], '', own),
               next(nodes, '', own),
               next(nodes, 'http://b:2', own),
               next(nodes, 'http://c:3', own),
               next(['http://b:2', 'http://c:3'], '', own),
               next(['http://b:2'], 'http://b:2', own),
             ];",
            vec![],
        )
        .await
        .expect("the page answers");
    assert_eq!(
        moves,
        json!([
            "",
            "",
            "http://b:2",
            "http://c:3",
            "",
            "http://b:2",
            "http://b:2"
        ])
    );
}
