//! `burst`: `chats` chats start at the same moment against `operators` operators with a
//! small `max_chats`, who accept every offer and close the chat `hold` later (50 ms by
//! default). The queue has to hand every chat on as slots free up.
//!
//! Measures the time to drain (the burst -> the last chat closed), routing latency (the
//! burst -> each chat's `offer`, so mostly time in the queue) and limit violations: an
//! operator holding more accepted chats than its `max_chats`, as the operators count them
//! and as the server lists them (`GET /v1/operators`, polled while it drains).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::future::join_all;
use switchboard_api::{ChatState, ChatWindowPatch};

use super::{Company, Ctx, Outcome};
use crate::metrics::{Count, Latency};
use crate::operator::Behaviour;

/// How often the server's own operator list is read while the burst drains.
const POLL: Duration = Duration::from_millis(100);

/// The scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Chats started at once.
    pub chats: usize,
    /// Operators online.
    pub operators: usize,
    /// Each operator's chat limit.
    pub max_chats: u32,
    /// How long an operator keeps a chat before closing it.
    pub hold: Duration,
    /// The longest the drain may take.
    pub duration: Duration,
}

/// Runs `burst`.
pub async fn run(ctx: Arc<Ctx>, options: Options) -> Result<Outcome> {
    let behaviour = Behaviour {
        max_chats: options.max_chats,
        hold: Some(options.hold),
        close_delay: Duration::ZERO,
        reply_every: 0,
    };
    let company = Company::new(&ctx, &ctx.run, options.operators.max(1), behaviour).await?;
    // Chats queue until the burst drains, however long that takes.
    let patch = ChatWindowPatch {
        connection_timeout_secs: Some(3600.0),
        ..ChatWindowPatch::default()
    };
    ctx.clients.chat_window(&company.admin, &patch).await?;

    ctx.begin();
    let burst = Instant::now();
    let server_violations = Arc::new(AtomicU64::new(0));
    let poller = {
        let (ctx, admin, violations) = (
            ctx.clone(),
            company.admin.clone(),
            server_violations.clone(),
        );
        tokio::spawn(async move {
            loop {
                if let Ok(operators) = ctx.clients.operators(&admin).await {
                    let over = operators
                        .iter()
                        .filter(|o| o.sip.is_some() && o.open_chats > o.max_chats)
                        .count();
                    violations.fetch_add(over as u64, Ordering::Relaxed);
                }
                tokio::time::sleep(POLL).await;
            }
        })
    };
    let starts = (0..options.chats).map(|n| {
        let (ctx, key) = (ctx.clone(), company.key.clone());
        tokio::spawn(async move {
            let name = format!("b{n}");
            ctx.metrics.expect(Latency::Routing, &name, burst);
            match ctx.clients.start_chat(&key, &name).await {
                Ok(chat) if chat.state == ChatState::Waiting => {
                    ctx.metrics.acked(Latency::Routing, &name);
                    ctx.metrics.count(Count::ChatsStarted, 1);
                }
                Ok(_) => {
                    ctx.metrics.failed(Latency::Routing, &name);
                    ctx.metrics.count(Count::Offline, 1);
                    ctx.metrics.error_kind("offline".into());
                }
                Err(failure) => {
                    ctx.metrics.failed(Latency::Routing, &name);
                    ctx.metrics.error(&failure);
                }
            }
        })
    });
    join_all(starts.collect::<Vec<_>>()).await;
    let started = ctx.metrics.get(Count::ChatsStarted);
    let deadline = burst + options.duration;
    let drain = loop {
        if ctx.metrics.get(Count::Closed) >= started {
            break Some(burst.elapsed());
        }
        if Instant::now() > deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let measured = burst.elapsed();
    poller.abort();
    drop(company);
    Ok(Outcome {
        measured,
        drain,
        undrained: Some(started.saturating_sub(ctx.metrics.get(Count::Closed))),
        server_violations: Some(server_violations.load(Ordering::Relaxed)),
        ..Outcome::default()
    })
}
