//! `chat`: steady conversations. `chats` chats are open at once; messages are due at `rate`
//! per second in all, each sent by the visitor of the next free chat. A chat's last message
//! (`messages_per_chat`) ends in [`LAST`]: its operator closes the chat shortly after and a
//! new visitor starts one in its place, so chats come and go at `rate / messages_per_chat`
//! per second. Operators answer every `reply_every`-th message.
//!
//! Measures message latency (due -> the message on the operator's stream), the
//! acknowledgement (due -> `201`), replies (sent -> the visitor's stream) and routing of the
//! replacement chats (sent -> `offer`); a message acknowledged but never seen on the other
//! side is lost. `tenants` runs the same load spread over several companies.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use switchboard_api::{AuthorKind, ChatEventData, ChatState};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

use super::{Company, Ctx, Outcome, DRAIN};
use crate::clients::{retried, Failure};
use crate::metrics::{Count, Latency};
use crate::operator::{Behaviour, LAST};
use crate::schedule::Schedule;
use crate::streams::{self, Flow, Stream};

/// How long a new chat may take to be joined by an operator.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The most chats an operator may hold (`PUT /v1/operators/{sip}` takes 1 to 100).
const MAX_CHATS: u32 = 100;

/// First chats opened at once while the scenario sets up.
const OPEN_AT_ONCE: usize = 32;

/// Attempts at starting the chat that replaces a closed one.
const REPLACE_ATTEMPTS: u32 = 5;

/// How long a due message may wait for a free chat before it counts as an error.
const WAIT_FOR_CHAT: Duration = Duration::from_secs(10);

/// The scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Messages per second, all chats together.
    pub rate: f64,
    /// How long messages are due.
    pub duration: Duration,
    /// Chats open at once.
    pub chats: usize,
    /// Messages each visitor sends before the chat is closed.
    pub messages_per_chat: u64,
    /// Companies the chats are spread over.
    pub tenants: usize,
    /// Operators in each company.
    pub operators: usize,
    /// Operators answer every n-th message; 0 never.
    pub reply_every: u64,
}

/// A chat whose operator has joined, ready for the visitor's next message.
pub struct LiveChat {
    /// The chat's id.
    pub id: u64,
    /// The visitor's chat token.
    pub token: String,
    /// The company it belongs to (an index into the scenario's companies).
    pub company: usize,
    /// Messages the visitor has sent.
    sent: AtomicU64,
}

/// Chats free for a message, handed out one message at a time.
#[derive(Default)]
struct Pool {
    ready: Mutex<VecDeque<Arc<LiveChat>>>,
    freed: Notify,
}

impl Pool {
    fn put(&self, chat: Arc<LiveChat>) {
        self.ready
            .lock()
            .expect("no panics under this lock")
            .push_back(chat);
        self.freed.notify_one();
    }

    async fn take(&self) -> Arc<LiveChat> {
        loop {
            let chat = self
                .ready
                .lock()
                .expect("no panics under this lock")
                .pop_front();
            if let Some(chat) = chat {
                return chat;
            }
            self.freed.notified().await;
        }
    }
}

/// The companies, the free chats and the visitors' stream tasks.
struct State {
    ctx: Arc<Ctx>,
    companies: Vec<Company>,
    pool: Pool,
    visitors: Mutex<Vec<JoinHandle<()>>>,
    names: AtomicU64,
}

/// Runs `chat` (or `tenants`, with more than one company).
pub async fn run(ctx: Arc<Ctx>, options: Options) -> Result<Outcome> {
    // Room for twice the chats (those being replaced while their successors start), with
    // more operators than asked for when `max_chats` (at most 100) cannot give it.
    let per_company = options.chats.div_ceil(options.tenants.max(1));
    let operators = options
        .operators
        .max((2 * per_company).div_ceil(MAX_CHATS as usize));
    if operators > options.operators {
        println!("{operators} operators per company: {per_company} chats need them");
    }
    let behaviour = Behaviour {
        max_chats: (2 * per_company)
            .div_ceil(operators)
            .clamp(4, MAX_CHATS as usize) as u32,
        hold: None,
        close_delay: Duration::from_millis(100),
        reply_every: options.reply_every,
    };
    let mut companies = Vec::new();
    for t in 0..options.tenants.max(1) {
        let label = format!("{}-t{t}", ctx.run);
        companies.push(Company::new(&ctx, &label, operators, behaviour).await?);
    }
    let state = Arc::new(State {
        ctx: ctx.clone(),
        companies,
        pool: Pool::default(),
        visitors: Mutex::default(),
        names: AtomicU64::new(0),
    });
    // A few at a time: each holds a connection for its stream, and a flood of them would
    // meet the server's connection cap before the run begins.
    let opened: Vec<Arc<LiveChat>> = stream::iter(0..options.chats)
        .map(|n| open_chat(state.clone(), n % state.companies.len()))
        .buffer_unordered(OPEN_AT_ONCE)
        .try_collect()
        .await
        .context("opening the first chats")?;
    for chat in opened {
        state.pool.put(chat);
    }

    ctx.begin();
    let started = Instant::now();
    let schedule = Schedule::new(options.rate, options.duration);
    let sender = state.clone();
    let stuck = schedule
        .run(&ctx.metrics, ctx.max_in_flight, DRAIN, move |tick| {
            send(sender.clone(), options.messages_per_chat, tick.n, tick.due)
        })
        .await;
    let measured = started.elapsed();
    // Deliveries still on their way get a moment before they count as lost.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for visitor in state
        .visitors
        .lock()
        .expect("no panics under this lock")
        .iter()
    {
        visitor.abort();
    }
    Ok(Outcome {
        measured,
        stuck,
        ..Outcome::default()
    })
}

/// Message `n`, due at `due`, from the visitor of the next free chat.
async fn send(state: Arc<State>, per_chat: u64, n: u64, due: Instant) {
    let metrics = &state.ctx.metrics;
    let Ok(chat) = tokio::time::timeout(WAIT_FOR_CHAT, state.pool.take()).await else {
        metrics.error_kind("no_free_chat".into());
        return;
    };
    let last = chat.sent.fetch_add(1, Ordering::Relaxed) + 1 >= per_chat;
    let text = if last {
        format!("m{n}{LAST}")
    } else {
        format!("m{n}")
    };
    metrics.expect(Latency::Message, &text, due);
    metrics.count(Count::MessagesSent, 1);
    // Resent with the same client id after a failure the window would resend after.
    let sent = retried(metrics, || {
        state.ctx.clients.message(chat.id, &chat.token, &text)
    })
    .await;
    match sent {
        Ok(_) => {
            metrics.record(Latency::Ack, due);
            metrics.acked(Latency::Message, &text);
            metrics.count(Count::MessagesAcked, 1);
        }
        Err(failure) => {
            metrics.failed(Latency::Message, &text);
            metrics.error(&failure);
        }
    }
    if !last {
        state.pool.put(chat);
        return;
    }
    // The operator closes this one; a new visitor takes its place, trying again a few
    // times (as a visitor clicks again) so a refused start does not shrink the pool.
    for attempt in 1..=REPLACE_ATTEMPTS {
        match open_chat(state.clone(), chat.company).await {
            Ok(next) => return state.pool.put(next),
            Err(failure) => metrics.error(&failure),
        }
        tokio::time::sleep(Duration::from_millis(200) * attempt).await;
    }
}

/// A visitor of company `company` starts a chat, opens its event stream and waits for an
/// operator to join.
async fn open_chat(state: Arc<State>, company: usize) -> Result<Arc<LiveChat>, Failure> {
    let ctx = &state.ctx;
    let name = format!("v{}", state.names.fetch_add(1, Ordering::Relaxed));
    ctx.metrics.expect(Latency::Routing, &name, Instant::now());
    let key = &state.companies[company].key;
    let started = match ctx.clients.start_chat(key, &name).await {
        Ok(started) if started.state == ChatState::Waiting => started,
        Ok(_) => {
            ctx.metrics.failed(Latency::Routing, &name);
            ctx.metrics.count(Count::Offline, 1);
            return Err(Failure::Scenario("offline"));
        }
        Err(failure) => {
            ctx.metrics.failed(Latency::Routing, &name);
            return Err(failure);
        }
    };
    ctx.metrics.acked(Latency::Routing, &name);
    ctx.metrics.count(Count::ChatsStarted, 1);
    let (joined, is_joined) = oneshot::channel();
    let task = follow_chat(ctx, started.chat_id, &started.token, joined);
    state
        .visitors
        .lock()
        .expect("no panics under this lock")
        .push(task);
    match tokio::time::timeout(JOIN_TIMEOUT, is_joined).await {
        Ok(Ok(())) => Ok(Arc::new(LiveChat {
            id: started.chat_id,
            token: started.token,
            company,
            sent: AtomicU64::new(0),
        })),
        _ => Err(Failure::Scenario("no_operator_joined")),
    }
}

/// The visitor's side of a chat: its event stream, resumed from the last id when it drops,
/// until the chat closes. `joined` is told when an operator joins; operators' replies are
/// seen here.
pub fn follow_chat(
    ctx: &Ctx,
    chat: u64,
    token: &str,
    joined: oneshot::Sender<()>,
) -> JoinHandle<()> {
    let metrics = ctx.metrics.clone();
    let mut joined = Some(joined);
    let stream = Stream {
        path: format!("/v1/chats/{chat}/events"),
        token: Some(token.into()),
        resume: true,
    };
    tokio::spawn(streams::follow(
        ctx.clients.clone(),
        ctx.metrics.clone(),
        stream,
        None,
        move |event, at| {
            match serde_json::from_str::<ChatEventData>(&event.data) {
                Ok(ChatEventData::Joined { .. }) => {
                    if let Some(joined) = joined.take() {
                        let _ = joined.send(());
                    }
                }
                Ok(ChatEventData::Message {
                    author: AuthorKind::Operator,
                    text,
                    ..
                }) => {
                    metrics.seen(Latency::Reply, &text, at);
                }
                Ok(ChatEventData::Closed { .. }) => return Flow::Stop,
                _ => {}
            }
            Flow::Continue
        },
    ))
}
