//! Several server addresses: a dead one is skipped, a node that goes away is left for the
//! next, a company moving between nodes is waited for, and the dashboard learns which node
//! serves the company from the `switchboard-node` header.
//!
//! The "nodes" are HTTP fronts over one engine, each joined to a stand-in cluster that
//! serves every company where the request arrives and names the front as a node: what a
//! client sees of a real cluster (the same token everywhere, the header on every answer,
//! `503 company_moving` during a move), without NATS.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crossterm::event::KeyCode;
use futures_util::future::BoxFuture;
use switchboard_http::forward::{Peers, Place, Report};
use switchboard_tui::app::{Link, Presence};
use switchboard_tui::client::{Route, NODE_HEADER};
use switchboard_tui::{Client, Driver};
use tokio::sync::mpsc;

use crate::e2e::{client_of, press, until, visitor_starts_at, Server};

/// A stand-in cluster as one front sees it: every company is served here, except that the
/// next `moving` requests find their company between nodes.
struct Node {
    /// The id the front answers with.
    id: String,
    /// Requests still to be answered `503 company_moving`; shared by every front.
    moving: Arc<AtomicUsize>,
}

impl Peers for Node {
    fn node(&self) -> &str {
        &self.id
    }

    fn report(&self) -> Report {
        Report {
            node: self.id.clone(),
            ..Report::default()
        }
    }

    fn place(&self, _tenant: u64) -> Place {
        match self
            .moving
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        {
            Ok(_) => Place::Moving,
            Err(_) => Place::Here,
        }
    }

    fn tenant_of_key<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Option<u64>> {
        // Unknown: the request is answered where it arrives.
        Box::pin(async { None })
    }

    fn tenant_of_email<'a>(&'a self, _email: &'a str) -> BoxFuture<'a, Option<u64>> {
        Box::pin(async { None })
    }

    fn call<'a>(
        &'a self,
        _node: &'a str,
        _request: Bytes,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Bytes, String>> {
        Box::pin(async { Err("every company is served here: nothing is forwarded".into()) })
    }

    fn stream<'a>(
        &'a self,
        _node: &'a str,
        _request: Bytes,
    ) -> BoxFuture<'a, Result<mpsc::Receiver<Bytes>, String>> {
        Box::pin(async { Err("every company is served here: nothing is forwarded".into()) })
    }
}

/// One engine with the demo company behind one HTTP front per node name.
struct Nodes {
    /// The engine every front serves.
    engine: switchboard_engine::Engine,
    /// The fronts, in the order of the names given.
    fronts: Vec<switchboard_http::Running>,
    /// How many requests from now on find their company moving.
    moving: Arc<AtomicUsize>,
    /// Keeps the database until the end of the test.
    _store: switchboard_storage::Store,
}

impl Nodes {
    async fn start(names: &[&str]) -> Nodes {
        let store = switchboard_storage::Store::temporary().expect("a temporary store");
        let engine = switchboard_engine::Engine::start(
            store.clone(),
            switchboard_engine::Config {
                arbiters: 1,
                ..Default::default()
            },
        )
        .expect("the engine starts");
        switchboard_engine::demo::seed(&engine)
            .await
            .expect("the demo company");
        let moving = Arc::new(AtomicUsize::new(0));
        let mut fronts = Vec::new();
        for name in names {
            let running = switchboard_http::start(
                engine.clone(),
                switchboard_http::Config {
                    listen: "127.0.0.1:0".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("the front binds");
            running.app.join_cluster(Arc::new(Node {
                id: name.to_string(),
                moving: moving.clone(),
            }));
            fronts.push(running);
        }
        Nodes {
            engine,
            fronts,
            moving,
            _store: store,
        }
    }

    /// Front `i`'s base URL.
    fn base(&self, i: usize) -> String {
        format!("http://{}", self.fronts[i].addr)
    }

    /// Every front's base URL, comma-separated, as `--server` takes them.
    fn list(&self) -> String {
        (0..self.fronts.len())
            .map(|i| self.base(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Front `i` goes away: it stops accepting and its event streams end.
    fn stop(&self, i: usize) {
        self.fronts[i].app.shutdown.cancel();
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for front in &self.fronts {
            front.app.shutdown.cancel();
        }
        self.engine.stop();
    }
}

/// An address where nothing listens: a port the system gave out and that was closed again.
fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_address_is_skipped_and_the_next_one_serves() {
    let server = Server::start().await;
    let http = reqwest::Client::new();
    let list = format!("{},{}", dead_address(), server.base);
    let mut alice = client_of(&list, "alice@demo.example", "demo-10001");
    until(&mut alice, "alice signed in and online", |s| {
        s.link == Link::Live && s.presence == Presence::Online
    })
    .await;
    assert_eq!(alice.client().address(), server.base);
    until(&mut alice, "the dashboard's address", |s| {
        s.route.address == server.base
    })
    .await;
    // A server outside a cluster names no node.
    assert_eq!(alice.state.route.node, None);

    // Everything works through the second address: an offer arrives and is accepted.
    accept_a_new_chat(&mut alice, &http, &server.base, "Second Address").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_its_node_goes_away_the_client_moves_to_the_next_and_resumes() {
    let nodes = Nodes::start(&["n1", "n2"]).await;
    let http = reqwest::Client::new();
    let mut alice = client_of(&nodes.list(), "alice@demo.example", "demo-10001");
    until(&mut alice, "alice online through n1", |s| {
        s.link == Link::Live
            && s.presence == Presence::Online
            && s.route.node.as_deref() == Some("n1")
    })
    .await;
    assert_eq!(alice.state.route.address, nodes.base(0));

    nodes.stop(0);
    until(&mut alice, "the stream lost", |s| {
        matches!(s.link, Link::Reconnecting { .. })
    })
    .await;
    let second = Route {
        address: nodes.base(1),
        node: Some("n2".into()),
    };
    until(&mut alice, "live again through n2", |s| {
        s.link == Link::Live && s.route == second
    })
    .await;
    assert_eq!(alice.client().address(), nodes.base(1));

    // The same session goes on at the second address: an offer arrives on the resumed
    // stream and is accepted.
    accept_a_new_chat(&mut alice, &http, &nodes.base(1), "After The Move").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_moving_is_waited_for_not_shown_as_a_failure() {
    let nodes = Nodes::start(&["n1"]).await;
    // A bare client, so that no other request of a terminal takes the 503 meant for this
    // call.
    let client = Client::new(&nodes.list());
    client
        .login("alice@demo.example", "demo-10001")
        .await
        .expect("signed in");

    // The next request finds the company between nodes: 503 with `Retry-After: 1`.
    nodes.moving.store(1, Ordering::SeqCst);
    let operators = client.operators().await;
    assert_eq!(nodes.moving.load(Ordering::SeqCst), 0, "a 503 was answered");
    assert!(
        operators.is_ok_and(|list| !list.is_empty()),
        "the call was asked again and answered"
    );
    // The 503 came from the node the request reached, not necessarily the company's: it
    // names no node for the dashboard, the answer after it does.
    assert_eq!(client.routes().borrow().node.as_deref(), Some("n1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reads_the_header_the_server_sends() {
    let nodes = Nodes::start(&["n7"]).await;
    let answer = reqwest::get(format!("{}/healthz", nodes.base(0)))
        .await
        .expect("an answer");
    assert_eq!(
        answer.headers().get(NODE_HEADER).map(|v| v.as_bytes()),
        Some(&b"n7"[..]),
        "{:?}",
        answer.headers()
    );
}

/// A visitor starts a chat at `base`; it reaches the operator as an offer, which they
/// accept with Enter.
async fn accept_a_new_chat(
    operator: &mut Driver,
    http: &reqwest::Client,
    base: &str,
    visitor: &str,
) {
    let chat = visitor_starts_at(http, base, visitor).await;
    until(operator, "the offer", |s| {
        s.console.offers.iter().any(|o| o.chat_id == chat.chat_id)
    })
    .await;
    press(operator, KeyCode::Enter);
    until(operator, "the accepted chat", |s| {
        s.console.chats.iter().any(|c| c.id == chat.chat_id)
    })
    .await;
}
