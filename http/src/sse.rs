//! Server-sent event responses: a replay of missed events, then live ones, with keep-alive
//! comments so idle streams survive proxies, ending when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use serde::Serialize;
use switchboard_engine::engine::Subscription;
use switchboard_engine::events::Sequenced;
use switchboard_engine::Metrics;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// A comment line is sent this often on an idle stream; proxies commonly cut connections
/// silent for 30 to 60 seconds.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// How long a browser waits before reconnecting a dropped stream, in ms.
const RETRY_MS: u64 = 1000;

/// One SSE frame: `id:`, `event:` (the data's `type`) and a JSON `data:` line.
pub fn frame<T: Serialize>(seq: u64, name: &str, data: &T) -> Bytes {
    let json = serde_json::to_string(data).expect("wire types always serialize");
    Bytes::from(format!("id: {seq}\nevent: {name}\ndata: {json}\n\n"))
}

/// Counts the stream as open for `/metrics` until dropped, then runs the close hook.
struct OpenStream(Arc<Metrics>, Option<OnClose>);

/// Something to run when a stream ends (the client went away or the server stops).
pub type OnClose = Box<dyn FnOnce() + Send>;

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0
            .open_streams
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(on_close) = self.1.take() {
            on_close();
        }
    }
}

/// The body of an event-stream response.
pub struct SseBody<E> {
    /// Frames to send before live ones.
    replay: VecDeque<Bytes>,
    /// Live events.
    live: mpsc::Receiver<Sequenced<E>>,
    /// Turns an event into its frame.
    encode: fn(&Sequenced<E>) -> Bytes,
    /// Keep-alive ticks.
    keepalive: tokio::time::Interval,
    /// Resolves when the server shuts down.
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    /// Gauge guard.
    _open: OpenStream,
}

impl<E> SseBody<E> {
    /// A stream that replays `subscription.replay`, then forwards live events.
    pub fn new(
        subscription: Subscription<E>,
        encode: fn(&Sequenced<E>) -> Bytes,
        metrics: Arc<Metrics>,
        shutdown: CancellationToken,
    ) -> Self {
        metrics
            .open_streams
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut replay: VecDeque<Bytes> = subscription.replay.iter().map(encode).collect();
        replay.push_front(Bytes::from(format!("retry: {RETRY_MS}\n\n")));
        let mut keepalive = tokio::time::interval(KEEPALIVE);
        keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        keepalive.reset();
        SseBody {
            replay,
            live: subscription.live,
            encode,
            keepalive,
            shutdown: Box::pin(shutdown.cancelled_owned()),
            _open: OpenStream(metrics, None),
        }
    }

    /// Runs `on_close` when the stream ends.
    pub fn on_close(mut self, on_close: OnClose) -> Self {
        self._open.1 = Some(on_close);
        self
    }
}

impl<E> Body for SseBody<E> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if let Some(bytes) = this.replay.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        if this.shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        match this.live.poll_recv(cx) {
            Poll::Ready(Some(event)) => {
                this.keepalive.reset();
                return Poll::Ready(Some(Ok(Frame::data((this.encode)(&event)))));
            }
            // The sender dropped us (we fell behind, or the chat's actor stopped): end the
            // stream; the client resumes from its last id.
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if this.keepalive.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
                b": keep-alive\n\n",
            )))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_api::sse::{Parser, ReadEvent};

    #[test]
    fn frames_parse_back_whatever_the_chunking() {
        let mut stream = b"retry: 1000\n\n: keep-alive\n\n".to_vec();
        stream.extend_from_slice(&frame(
            7,
            "message",
            &serde_json::json!({"text": "a\u{2028}b"}),
        ));
        stream.extend_from_slice(&frame(8, "closed", &serde_json::json!({})));
        for chunk in [1, 3, 7, stream.len()] {
            let mut parser = Parser::new();
            let events: Vec<ReadEvent> =
                stream.chunks(chunk).flat_map(|c| parser.feed(c)).collect();
            assert_eq!(events.len(), 2, "chunk size {chunk}");
            assert_eq!(events[0].id.as_deref(), Some("7"));
            assert_eq!(events[0].event, "message");
            let data: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
            assert_eq!(data["text"], "a\u{2028}b");
            assert_eq!(events[1].event, "closed");
        }
    }
}
