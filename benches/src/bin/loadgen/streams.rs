//! Event streams read the way the real clients read them: parsed with `switchboard-api`'s
//! [`sse::Parser`], and opened again when they end under the reader (the server drops a
//! subscriber that falls behind its buffer), with the last `id:` seen as `Last-Event-ID` so
//! nothing is missed and nothing repeats.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use switchboard_api::sse::{self, ReadEvent};
use tokio::sync::oneshot;

use crate::clients::{Clients, Failure};
use crate::metrics::{Count, Metrics};

/// The first pause before opening a dropped stream again; doubled after each failed attempt
/// up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// The longest pause between attempts (the server's own `retry:` hint).
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// One stream to follow.
pub struct Stream {
    /// The API path, e.g. `/v1/me/events`.
    pub path: String,
    /// The bearer token, if the stream needs one.
    pub token: Option<String>,
    /// Whether to resume with `Last-Event-ID` (the operator's and the chat's streams); the
    /// tracking stream is live only and is simply opened again.
    pub resume: bool,
}

/// What the reader wants after an event.
pub enum Flow {
    /// Keep reading.
    Continue,
    /// The stream is done with (the chat closed): stop for good.
    Stop,
}

/// Follows `stream` until `on_event` says [`Flow::Stop`] or the task is aborted; `opened`
/// is told once the first answer's head arrived. Each event comes with the time its bytes
/// arrived.
pub async fn follow(
    clients: Arc<Clients>,
    metrics: Arc<Metrics>,
    stream: Stream,
    mut opened: Option<oneshot::Sender<()>>,
    mut on_event: impl FnMut(&ReadEvent, Instant) -> Flow,
) {
    let mut last_id: Option<String> = None;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let mut request = clients.client().get(clients.url(&stream.path));
        if let Some(token) = &stream.token {
            request = request.bearer_auth(token);
        }
        if let (true, Some(id)) = (stream.resume, &last_id) {
            request = request.header("Last-Event-ID", id);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                if let Some(opened) = opened.take() {
                    let _ = opened.send(());
                }
                backoff = FIRST_BACKOFF;
                let mut parser = sse::Parser::new();
                let mut body = response.bytes_stream();
                while let Some(Ok(chunk)) = body.next().await {
                    let at = Instant::now();
                    for event in parser.feed(&chunk) {
                        if let Some(id) = &event.id {
                            last_id = Some(id.clone());
                        }
                        if let Flow::Stop = on_event(&event, at) {
                            return;
                        }
                    }
                }
                metrics.count(Count::Resumes, 1);
            }
            Ok(response) => {
                metrics.error(&Failure::of(response).await);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(e) => {
                metrics.error(&Failure::from_reqwest(e));
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        tokio::time::sleep(backoff).await;
    }
}
