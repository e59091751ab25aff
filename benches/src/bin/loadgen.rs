//! The HTTP load generator: drives a Switchboard server over its public API and reports
//! latency percentiles (HDR histograms).
//!
//! `roundtrip`: one company, one operator, `--chats` chats at once; each visitor sends
//! `--messages` messages one after another. Measured per chat: routing (start chat -> the
//! operator's `offer`), and per message: the acknowledgement (`201` once durable) and the
//! relay (send -> the message on the operator's event stream).
//!
//! Only ever point it at a server you run; every run is bounded by its counts and `--timeout`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser as _;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use switchboard_api::sse;
use switchboard_api::{self as api, OperatorEventData};
use tokio::sync::oneshot;

/// Drives a Switchboard server and reports latencies.
#[derive(clap::Parser)]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Chats running at once.
    #[arg(long, default_value_t = 10)]
    chats: usize,
    /// Messages each visitor sends.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// Gives up on any one wait after this many seconds.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Waits registered by the drivers (before the request that causes the event), resolved by
/// the operator's event stream.
type Waits = Arc<Mutex<HashMap<String, oneshot::Sender<Instant>>>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::new();
    let base = args.server.trim_end_matches('/').to_string();
    let run = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    );

    let signup: api::SignupResponse = post(&client, &format!("{base}/v1/signup"), None, &json!({
        "company": format!("Load {run}"), "email": format!("admin-{run}@load.example"), "password": "load-test-password"
    })).await?;
    put(&client, &format!("{base}/v1/operators/load1"), &signup.token, &json!({
        "name": "Load", "email": format!("op-{run}@load.example"), "password": "load-test-password",
        "max_chats": args.chats.clamp(1, 100)
    })).await?;
    let login: api::LoginResponse = post(
        &client,
        &format!("{base}/v1/login"),
        None,
        &json!({
            "email": format!("op-{run}@load.example"), "password": "load-test-password"
        }),
    )
    .await?;
    let operator = login.token;

    let waits: Waits = Arc::default();
    let stream = client
        .get(format!("{base}/v1/me/events"))
        .bearer_auth(&operator)
        .send()
        .await?
        .error_for_status()?;
    tokio::spawn(listen(stream, waits.clone()));
    put(
        &client,
        &format!("{base}/v1/me/status"),
        &operator,
        &json!({"status": api::Status::Online.name()}),
    )
    .await?;

    let started = Instant::now();
    let mut drivers = Vec::new();
    for chat in 0..args.chats {
        let (client, base, operator, waits, key) = (
            client.clone(),
            base.clone(),
            operator.clone(),
            waits.clone(),
            signup.key.clone(),
        );
        let (messages, timeout) = (args.messages, Duration::from_secs(args.timeout));
        drivers.push(tokio::spawn(async move {
            drive(
                &client, &base, &key, &operator, &waits, chat, messages, timeout,
            )
            .await
        }));
    }
    let mut route = Histogram::<u64>::new(3)?;
    let mut ack = Histogram::<u64>::new(3)?;
    let mut relay = Histogram::<u64>::new(3)?;
    for driver in drivers {
        let (r, a, l) = driver.await??;
        route.add(r)?;
        ack.add(a)?;
        relay.add(l)?;
    }
    let elapsed = started.elapsed();
    println!(
        "roundtrip: {} chats x {} messages in {:.2} s ({:.0} messages/s)",
        args.chats,
        args.messages,
        elapsed.as_secs_f64(),
        relay.len() as f64 / elapsed.as_secs_f64()
    );
    report("route (start chat -> offer)", &route);
    report("ack (message -> 201, durable)", &ack);
    report("relay (message -> operator stream)", &relay);
    Ok(())
}

/// One chat: start, accept, then messages one after another.
#[allow(clippy::too_many_arguments)]
async fn drive(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    operator: &str,
    waits: &Waits,
    chat: usize,
    messages: usize,
    timeout: Duration,
) -> Result<(Histogram<u64>, Histogram<u64>, Histogram<u64>)> {
    let (mut route, mut ack, mut relay) =
        (Histogram::new(3)?, Histogram::new(3)?, Histogram::new(3)?);
    let name = format!("Visitor {chat}");
    let offer = register(waits, format!("offer:{name}"));
    let sent = Instant::now();
    let started: api::StartChatResponse = post(
        client,
        &format!("{base}/v1/visitor/{key}/chats"),
        None,
        &json!({"name": name, "operator": "load1"}),
    )
    .await?;
    let offered = tokio::time::timeout(timeout, offer)
        .await
        .context("the chat was never offered")??;
    route.record(micros(offered - sent))?;
    post::<Value>(
        client,
        &format!("{base}/v1/chats/{}/accept", started.chat_id),
        Some(operator),
        &json!({}),
    )
    .await?;
    for n in 0..messages {
        let text = format!("c{chat}m{n}");
        let arrived = register(waits, text.clone());
        let sent = Instant::now();
        post::<api::MessageResponse>(
            client,
            &format!("{base}/v1/chats/{}/messages", started.chat_id),
            Some(&started.token),
            &json!({"text": text, "client_id": text}),
        )
        .await?;
        ack.record(micros(sent.elapsed()))?;
        let at = tokio::time::timeout(timeout, arrived)
            .await
            .context("message never reached the operator")??;
        relay.record(micros(at - sent))?;
    }
    post::<Value>(
        client,
        &format!("{base}/v1/chats/{}/close", started.chat_id),
        Some(operator),
        &json!({}),
    )
    .await?;
    Ok((route, ack, relay))
}

/// Reads the operator's stream and resolves the waits it matches.
async fn listen(response: reqwest::Response, waits: Waits) {
    let mut parser = sse::Parser::new();
    let mut body = response.bytes_stream();
    while let Some(Ok(chunk)) = body.next().await {
        let now = Instant::now();
        for event in parser.feed(&chunk) {
            let key = match serde_json::from_str::<OperatorEventData>(&event.data) {
                Ok(OperatorEventData::Offer { name, .. }) => format!("offer:{name}"),
                Ok(OperatorEventData::Message { text, .. }) => text,
                _ => continue,
            };
            let waiter = waits
                .lock()
                .expect("no panics under this lock")
                .remove(&key);
            if let Some(waiter) = waiter {
                let _ = waiter.send(now);
            }
        }
    }
}

fn register(waits: &Waits, key: String) -> oneshot::Receiver<Instant> {
    let (tx, rx) = oneshot::channel();
    waits
        .lock()
        .expect("no panics under this lock")
        .insert(key, tx);
    rx
}

fn micros(d: Duration) -> u64 {
    d.as_micros().max(1) as u64
}

fn report(name: &str, h: &Histogram<u64>) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "  {name:<38} n={:<6} p50={:>7.2} ms  p90={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        h.len(),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        h.max() as f64 / 1000.0
    );
}

async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<T> {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("POST {url}: {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

async fn put(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> Result<Value> {
    let response = client.put(url).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("PUT {url}: {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}
