//! `route`: chat starts due at `rate` per second against `operators` operators (in each of
//! `tenants` companies, which the starts go round), who accept every offer and close the
//! chat `hold` later. Measures routing latency: the start's due
//! time -> the `offer` on an operator's stream (queueing included, when the operators are
//! full). A start answered `offline` counts as an error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use switchboard_api::ChatState;

use super::{Company, Ctx, Outcome, DRAIN};
use crate::metrics::{Count, Latency};
use crate::operator::Behaviour;
use crate::schedule::Schedule;

/// The scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Chat starts per second.
    pub rate: f64,
    /// How long starts are due.
    pub duration: Duration,
    /// Operators online.
    pub operators: usize,
    /// Each operator's chat limit.
    pub max_chats: u32,
    /// How long an operator keeps a chat before closing it.
    pub hold: Duration,
    /// Companies the starts go round.
    pub tenants: usize,
}

/// Runs `route`.
pub async fn run(ctx: Arc<Ctx>, options: Options) -> Result<Outcome> {
    let behaviour = Behaviour {
        max_chats: options.max_chats,
        hold: Some(options.hold),
        close_delay: Duration::ZERO,
        reply_every: 0,
    };
    let mut companies = Vec::new();
    for t in 0..options.tenants.max(1) {
        let label = format!("{}-t{t}", ctx.run);
        companies.push(Company::new(&ctx, &label, options.operators.max(1), behaviour).await?);
    }
    let keys: Arc<Vec<String>> = Arc::new(companies.iter().map(|c| c.key.clone()).collect());

    ctx.begin();
    let started = Instant::now();
    let schedule = Schedule::new(options.rate, options.duration);
    let sender = ctx.clone();
    let stuck = schedule
        .run(&ctx.metrics, ctx.max_in_flight, DRAIN, move |tick| {
            let (ctx, keys) = (sender.clone(), keys.clone());
            async move {
                let key = &keys[tick.n as usize % keys.len()];
                let name = format!("r{}", tick.n);
                ctx.metrics.expect(Latency::Routing, &name, tick.due);
                match ctx.clients.start_chat(key, &name).await {
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
            }
        })
        .await;
    let measured = started.elapsed();
    // Offers for the last starts, and the last closes.
    tokio::time::sleep(Duration::from_secs(1).max(options.hold)).await;
    drop(companies);
    Ok(Outcome {
        measured,
        stuck,
        ..Outcome::default()
    })
}
