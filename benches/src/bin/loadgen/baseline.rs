//! The baseline: the same clients against `GET /healthz`, the cheapest answer the server
//! gives (routing, a store read, JSON), so every figure of a scenario can be read against
//! what the machine, the HTTP stack and the generator manage on their own.
//!
//! Three measures, each taken on the idle server before the scenario's own setup:
//! - [`open_loop`]: latency at the scenario's rate, by the scenario's own schedule;
//! - [`closed_loop`]: requests per second (and their latency) with `concurrency` requests
//!   always in flight;
//! - [`burst`]: `n` requests at once, each one's time from the burst, and until the last.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::clients::Clients;
use crate::metrics::{Count, Latency, Metrics};
use crate::schedule::Schedule;

/// `GET /healthz` at `rate` per second for `duration`, open loop: latencies as
/// [`Latency::Baseline`] in the returned metrics.
pub async fn open_loop(
    clients: &Arc<Clients>,
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
) -> Arc<Metrics> {
    let metrics = Arc::new(Metrics::new());
    let schedule = Schedule::new(rate, duration);
    let (clients, recorded) = (clients.clone(), metrics.clone());
    schedule
        .run(
            &metrics,
            max_in_flight,
            Duration::from_secs(15),
            move |tick| {
                let (clients, metrics) = (clients.clone(), recorded.clone());
                async move {
                    match clients.healthz().await {
                        Ok(()) => {
                            metrics.record(Latency::Baseline, tick.due);
                            metrics.count(Count::BaselineOk, 1);
                        }
                        Err(failure) => metrics.error(&failure),
                    }
                }
            },
        )
        .await;
    metrics
}

/// `GET /healthz` with `concurrency` requests always in flight for `duration`: answers per
/// second, and their latencies (send -> answer) as [`Latency::Baseline`].
pub async fn closed_loop(
    clients: &Arc<Clients>,
    concurrency: usize,
    duration: Duration,
) -> (f64, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers = (0..concurrency.max(1)).map(|_| {
        let (clients, metrics) = (clients.clone(), metrics.clone());
        let (done, stop) = (done.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                match clients.healthz().await {
                    Ok(()) => {
                        metrics.record(Latency::Baseline, sent);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(failure) => metrics.error(&failure),
                }
            }
        })
    });
    let workers: Vec<_> = workers.collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let counted = done.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    join_all(workers).await;
    (counted as f64 / elapsed.as_secs_f64(), metrics)
}

/// `n` requests to `GET /healthz` at once: each answer's time from the burst as
/// [`Latency::Baseline`], and the time until the last.
pub async fn burst(clients: &Arc<Clients>, n: usize) -> (Duration, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let started = Instant::now();
    let requests = (0..n).map(|_| {
        let (clients, metrics) = (clients.clone(), metrics.clone());
        tokio::spawn(async move {
            match clients.healthz().await {
                Ok(()) => metrics.record(Latency::Baseline, started),
                Err(failure) => metrics.error(&failure),
            }
        })
    });
    join_all(requests.collect::<Vec<_>>()).await;
    (started.elapsed(), metrics)
}
