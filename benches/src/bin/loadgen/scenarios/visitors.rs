//! `visitors`: `visitors` tracked visitors on a company's site, the first `streams` of them
//! (all, by default) with their tracking stream open (`GET /v1/visitor/{key}/visitors/{id}/events`, opened again when it drops),
//! send page views due at `rate` per second in all, in turn; an operator watches the live
//! visitor list on its own stream.
//!
//! Measures the page view (due -> `200`) and its arrival in the operator's list (due -> the
//! `visitor` event naming the page); a page view answered `200` that no `visitor` event ever
//! named is counted as unseen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use switchboard_api::ChatWindowPatch;
use tokio::task::JoinHandle;

use super::{Company, Ctx, Outcome, DRAIN};
use crate::metrics::{Count, Latency};
use crate::operator::Behaviour;
use crate::schedule::Schedule;
use crate::streams::{self as sse, Flow, Stream};

/// First page views sent at once while the visitors arrive.
const ARRIVALS_AT_ONCE: usize = 32;

/// The scenario's settings.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Page views per second, all visitors together.
    pub rate: f64,
    /// How long page views are due.
    pub duration: Duration,
    /// Visitors on the site.
    pub visitors: usize,
    /// How many of them keep a tracking stream open (a tracked visitor needs none).
    pub streams: usize,
    /// Operators watching the visitor list.
    pub operators: usize,
}

/// Runs `visitors`.
pub async fn run(ctx: Arc<Ctx>, options: Options) -> Result<Outcome> {
    let behaviour = Behaviour {
        max_chats: 4,
        hold: None,
        close_delay: Duration::ZERO,
        reply_every: 0,
    };
    let company = Company::new(&ctx, &ctx.run, options.operators.max(1), behaviour).await?;
    let patch = ChatWindowPatch {
        tracking: Some(true),
        ..ChatWindowPatch::default()
    };
    ctx.clients.chat_window(&company.admin, &patch).await?;
    let key = Arc::new(company.key.clone());

    // Each visitor arrives: a first page view gives its id, then its tracking stream opens.
    let arrivals = stream::iter(0..options.visitors.max(1))
        .map(|n| {
            let (ctx, key) = (ctx.clone(), key.clone());
            async move {
                let url = format!("https://shop.example/arrive/{n}");
                let view = ctx.clients.page_view(&key, None, &url).await?;
                anyhow::ensure!(view.tracked, "tracking is off");
                let stream = (n < options.streams).then(|| track(&ctx, &key, view.visitor_id));
                Ok((view.visitor_id, stream))
            }
        })
        .buffer_unordered(ARRIVALS_AT_ONCE)
        .try_collect::<Vec<(u64, Option<JoinHandle<()>>)>>()
        .await
        .context("the visitors' first page views")?;
    let ids: Arc<Vec<u64>> = Arc::new(arrivals.iter().map(|(id, _)| *id).collect());

    ctx.begin();
    let started = Instant::now();
    let schedule = Schedule::new(options.rate, options.duration);
    let sender = ctx.clone();
    let stuck = schedule
        .run(&ctx.metrics, ctx.max_in_flight, DRAIN, move |tick| {
            let (ctx, key, ids) = (sender.clone(), key.clone(), ids.clone());
            async move {
                let visitor = ids[tick.n as usize % ids.len()];
                let url = format!("https://shop.example/p/{}", tick.n);
                ctx.metrics.expect(Latency::PageViewSeen, &url, tick.due);
                match ctx.clients.page_view(&key, Some(visitor), &url).await {
                    Ok(_) => {
                        ctx.metrics.record(Latency::PageView, tick.due);
                        ctx.metrics.acked(Latency::PageViewSeen, &url);
                        ctx.metrics.count(Count::PageViews, 1);
                    }
                    Err(failure) => {
                        ctx.metrics.failed(Latency::PageViewSeen, &url);
                        ctx.metrics.error(&failure);
                    }
                }
            }
        })
        .await;
    let measured = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for stream in arrivals.iter().filter_map(|(_, s)| s.as_ref()) {
        stream.abort();
    }
    drop(company);
    Ok(Outcome {
        measured,
        stuck,
        ..Outcome::default()
    })
}

/// A visitor's tracking stream: live only, opened again when it drops.
fn track(ctx: &Arc<Ctx>, key: &str, visitor: u64) -> JoinHandle<()> {
    let metrics = ctx.metrics.clone();
    let stream = Stream {
        path: format!("/v1/visitor/{key}/visitors/{visitor}/events"),
        token: None,
        resume: false,
    };
    tokio::spawn(sse::follow(
        ctx.clients.clone(),
        ctx.metrics.clone(),
        stream,
        None,
        move |_, _| {
            metrics.count(Count::TrackingEvents, 1);
            Flow::Continue
        },
    ))
}
