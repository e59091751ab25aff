//! A simulated operator, acting as the terminal client does: an open event stream that is
//! resumed with `Last-Event-ID` when it drops, online, every offer accepted, chats closed
//! when their conversation is over, some messages answered.
//!
//! It is also where deliveries to operators are seen: offers (routing latency), visitors'
//! messages (message latency) and visitor updates (page views reaching the live list).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use switchboard_api::sse::ReadEvent;
use switchboard_api::{self as api, AuthorKind, OperatorEventData};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clients::{retried, Clients};
use crate::metrics::{Count, Latency, Metrics};
use crate::streams::{self, Flow, Stream};

/// A visitor's message ending in this is the last of its chat: the operator closes the chat
/// once it has arrived.
pub const LAST: &str = " bye";

/// How an operator works.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    /// The operator's chat limit (`max_chats`).
    pub max_chats: u32,
    /// Close a chat this long after accepting it; `None`: after the visitor's last message.
    pub hold: Option<Duration>,
    /// The pause between the visitor's last message and the close.
    pub close_delay: Duration,
    /// Answer every n-th visitor message; 0 never.
    pub reply_every: u64,
}

/// Rounds of [`retried`] a transcript read after a `reset` gets before it counts as failed.
const RELOAD_TRIES: usize = 5;

/// One signed-in operator.
pub struct Operator {
    /// SIP username.
    pub sip: String,
    /// Session token.
    pub token: String,
    clients: Arc<Clients>,
    metrics: Arc<Metrics>,
    behaviour: Behaviour,
    /// Chats accepted, or being accepted, and not yet asked to close.
    held: Mutex<HashSet<u64>>,
    /// Visitor messages seen, for `reply_every`.
    messages: AtomicU64,
}

impl Operator {
    /// Creates operator `sip` in the admin's company, signs it in, opens its event stream
    /// and goes online. The stream's task runs until aborted.
    pub async fn start(
        clients: Arc<Clients>,
        metrics: Arc<Metrics>,
        admin: &str,
        sip: &str,
        behaviour: Behaviour,
    ) -> Result<(Arc<Operator>, JoinHandle<()>)> {
        let token = clients.operator(admin, sip, behaviour.max_chats).await?;
        let operator = Arc::new(Operator {
            sip: sip.into(),
            token: token.clone(),
            clients: clients.clone(),
            metrics: metrics.clone(),
            behaviour,
            held: Mutex::default(),
            messages: AtomicU64::new(0),
        });
        let (opened, is_open) = oneshot::channel();
        let reader = operator.clone();
        let stream = Stream {
            path: "/v1/me/events".into(),
            token: Some(token.clone()),
            resume: true,
        };
        let task = tokio::spawn(streams::follow(
            clients.clone(),
            metrics,
            stream,
            Some(opened),
            move |event, at| reader.on_event(event, at),
        ));
        tokio::time::timeout(Duration::from_secs(10), is_open)
            .await
            .with_context(|| format!("operator {sip}'s event stream did not open"))?
            .ok();
        clients.status(&token, api::Status::Online).await?;
        Ok((operator, task))
    }

    /// Chats held now.
    pub fn held(&self) -> usize {
        self.held.lock().expect("no panics under this lock").len()
    }

    fn on_event(self: &Arc<Self>, event: &ReadEvent, at: Instant) -> Flow {
        let Ok(data) = serde_json::from_str::<OperatorEventData>(&event.data) else {
            return Flow::Continue;
        };
        match data {
            OperatorEventData::Offer { chat_id, name, .. } => {
                let fresh = self
                    .held
                    .lock()
                    .expect("no panics under this lock")
                    .insert(chat_id);
                // An offer may come again: a stream started afresh (after `reset`) is told
                // the open offers again, and a chat whose node died before it was accepted
                // is offered again by the node that takes it over.
                self.metrics.seen_again_ok(Latency::Routing, &name, at);
                if fresh {
                    tokio::spawn(self.clone().accept(chat_id));
                }
            }
            OperatorEventData::Message {
                chat_id,
                author: AuthorKind::Visitor,
                text,
                ..
            } => {
                if self.metrics.seen(Latency::Message, &text, at) {
                    self.metrics.count(Count::MessagesSeen, 1);
                }
                if text.ends_with(LAST) && self.behaviour.hold.is_none() {
                    tokio::spawn(self.clone().close(chat_id, self.behaviour.close_delay));
                } else {
                    let n = self.messages.fetch_add(1, Ordering::Relaxed) + 1;
                    let every = self.behaviour.reply_every;
                    if every > 0 && n.is_multiple_of(every) {
                        tokio::spawn(self.clone().reply(chat_id, n));
                    }
                }
            }
            OperatorEventData::Visitor { visitor } => {
                for page in &visitor.pages {
                    self.metrics
                        .seen_again_ok(Latency::PageViewSeen, &page.url, at);
                }
            }
            OperatorEventData::Closed { chat_id, .. }
            | OperatorEventData::Released { chat_id }
            | OperatorEventData::Withdrawn { chat_id } => {
                self.held
                    .lock()
                    .expect("no panics under this lock")
                    .remove(&chat_id);
            }
            OperatorEventData::Reset => {
                // As the terminal client does: the stream goes on live from here, so the
                // operator says their status again (a company that moved to another node
                // has forgotten it) and the held chats are read again: what passed before
                // is in their transcripts.
                self.metrics.count(Count::Resets, 1);
                let held: Vec<u64> = self
                    .held
                    .lock()
                    .expect("no panics under this lock")
                    .iter()
                    .copied()
                    .collect();
                tokio::spawn(self.clone().reload(held));
            }
            _ => {}
        }
        Flow::Continue
    }

    /// Reads the transcripts of the chats held when a `reset` came: visitor messages found
    /// there count as seen (late), and a chat whose last message is there is closed.
    async fn reload(self: Arc<Self>, held: Vec<u64>) {
        let body = api::StatusBody {
            status: api::Status::Online.name().into(),
        };
        let online = retried(&self.metrics, || {
            self.clients.call::<serde_json::Value>(
                reqwest::Method::PUT,
                "/v1/me/status",
                Some(&self.token),
                Some(&body),
            )
        })
        .await;
        if let Err(failure) = online {
            self.metrics.error(&failure);
        }
        for chat in held {
            let path = format!("/v1/chats/{chat}/messages?limit=500");
            // Read until it answers, as the terminal client does: during a move a call
            // can meet the node that died, or a company still being replayed.
            let read = || {
                retried(&self.metrics, || {
                    self.clients.call::<api::Transcript>(
                        reqwest::Method::GET,
                        &path,
                        Some(&self.token),
                        None::<&()>,
                    )
                })
            };
            let mut transcript = read().await;
            for _ in 0..RELOAD_TRIES {
                match &transcript {
                    Err(failure) if failure.retryable() => self.metrics.error(failure),
                    _ => break,
                }
                transcript = read().await;
            }
            let entries = match transcript {
                Ok(entries) => entries,
                Err(failure) => {
                    self.metrics.error(&failure);
                    continue;
                }
            };
            for entry in entries {
                if let api::ChatEventData::Message {
                    author: AuthorKind::Visitor,
                    text,
                    ..
                } = entry
                {
                    if self
                        .metrics
                        .seen_again_ok(Latency::Message, &text, Instant::now())
                    {
                        self.metrics.count(Count::MessagesSeen, 1);
                        if text.ends_with(LAST) && self.behaviour.hold.is_none() {
                            tokio::spawn(self.clone().close(chat, self.behaviour.close_delay));
                        }
                    }
                }
            }
        }
    }

    /// Accepts an offer; a chat held beyond `max_chats` is a limit violation.
    async fn accept(self: Arc<Self>, chat: u64) {
        let accepted = retried(&self.metrics, || {
            self.clients.chat_action(chat, &self.token, "accept")
        })
        .await;
        match accepted {
            Ok(()) => {
                self.metrics.count(Count::Accepted, 1);
                if self.held() > self.behaviour.max_chats as usize {
                    self.metrics.count(Count::LimitViolations, 1);
                }
                if let Some(hold) = self.behaviour.hold {
                    self.close(chat, hold).await;
                }
            }
            Err(failure) => {
                self.held
                    .lock()
                    .expect("no panics under this lock")
                    .remove(&chat);
                self.metrics.error(&failure);
            }
        }
    }

    /// Closes a chat after `delay`.
    async fn close(self: Arc<Self>, chat: u64, delay: Duration) {
        tokio::time::sleep(delay).await;
        self.held
            .lock()
            .expect("no panics under this lock")
            .remove(&chat);
        let closed = retried(&self.metrics, || {
            self.clients.chat_action(chat, &self.token, "close")
        })
        .await;
        match closed {
            Ok(()) => self.metrics.count(Count::Closed, 1),
            Err(failure) => self.metrics.error(&failure),
        }
    }

    /// Answers in a chat; the reply is expected on the visitor's stream.
    async fn reply(self: Arc<Self>, chat: u64, n: u64) {
        let text = format!("r{}-{n}", self.sip);
        self.metrics.expect(Latency::Reply, &text, Instant::now());
        let sent = retried(&self.metrics, || {
            self.clients.message(chat, &self.token, &text)
        })
        .await;
        match sent {
            Ok(_) => {
                self.metrics.acked(Latency::Reply, &text);
                self.metrics.count(Count::RepliesAcked, 1);
            }
            Err(failure) => {
                self.metrics.failed(Latency::Reply, &text);
                self.metrics.error(&failure);
            }
        }
    }
}
