//! Acknowledged writes per second with group commit against one flush per write.
//!
//! Each acknowledged write is an insert of a ~200-byte [`BenchMessage`] followed by waiting
//! until it is on disk, done by 1, 16 and 64 concurrent writers on a two-worker tokio
//! runtime. `group_commit` waits on the write's `Ticket`, so concurrent writers share
//! flushes; `flush_per_write` has every writer flush for itself after its insert (on the
//! blocking pool, so writers still flush concurrently). Throughput is writes per second.
//!
//! `group_commit_batch` measures one group commit on its own: K = 1, 16 and 256 inserts,
//! then all K tickets awaited at once, so a single flush covers the batch. The time is per
//! batch (throughput: writes per second); the flushes made are counted to show there was one
//! per batch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::future::join_all;
use switchboard_benches::BenchMessage;
use switchboard_storage::{Key, Store, Table};

/// Writes per batch in `group_commit_batch`: one alone, a busy moment, a burst.
const BATCHES: [u64; 3] = [1, 16, 256];

/// Concurrent writers measured: one alone, a busy server, a burst.
const WRITERS: [u64; 3] = [1, 16, 64];

/// Tokio workers, as on a small two-core server.
const RUNTIME_WORKERS: usize = 2;

/// Samples per benchmark: criterion's minimum, to keep the whole bench near a minute.
const SAMPLES: usize = 10;

/// Measurement time per benchmark; six benchmarks stay well under a minute.
const MEASUREMENT: Duration = Duration::from_secs(3);

/// Warm-up per benchmark, enough for sled's cache and the flusher to settle.
const WARM_UP: Duration = Duration::from_secs(1);

/// How a writer waits for its write to reach disk.
#[derive(Clone, Copy, Debug)]
enum Ack {
    /// Await the write's ticket: one flush serves every writer waiting at the time.
    GroupCommit,
    /// Flush synchronously after the insert: one flush per write.
    FlushPerWrite,
}

impl Ack {
    /// The variant's name in criterion's report.
    fn name(self) -> &'static str {
        match self {
            Ack::GroupCommit => "group_commit",
            Ack::FlushPerWrite => "flush_per_write",
        }
    }
}

/// One store and table per benchmark, and the next message number so keys never repeat.
struct Target {
    /// The store, for flushing and counting flushes.
    store: Store,
    /// Where the messages go.
    messages: Table<BenchMessage>,
    /// Next message number, shared by all writers.
    next: Arc<AtomicU64>,
}

/// Inserts one message and waits until it is on disk.
async fn acknowledged_write(target: &Target, ack: Ack) {
    let seq = target.next.fetch_add(1, Ordering::Relaxed);
    let key = Key::new().u64(42).u64(seq);
    let message = BenchMessage::new(seq);
    let ticket = target
        .messages
        .insert(key.as_ref(), &message)
        .expect("insert");
    match ack {
        Ack::GroupCommit => ticket.durable().await.expect("durable"),
        Ack::FlushPerWrite => {
            // The ticket is not awaited, so the group-commit flusher stays idle.
            drop(ticket);
            let store = target.store.clone();
            tokio::task::spawn_blocking(move || store.flush_now())
                .await
                .expect("flush task")
                .expect("flush");
        }
    }
}

/// `total` acknowledged writes spread over `writers` concurrent tasks; returns the time taken.
async fn run(target: Arc<Target>, ack: Ack, writers: u64, total: u64) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let share = total / writers + u64::from(w < total % writers);
            let target = Arc::clone(&target);
            tokio::spawn(async move {
                for _ in 0..share {
                    acknowledged_write(&target, ack).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writer task");
    }
    started.elapsed()
}

fn ack_writes(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(RUNTIME_WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut group = c.benchmark_group("ack_writes");
    group
        .sample_size(SAMPLES)
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .throughput(Throughput::Elements(1));
    for writers in WRITERS {
        for ack in [Ack::GroupCommit, Ack::FlushPerWrite] {
            let store = Store::temporary().expect("temporary store");
            let target = Arc::new(Target {
                messages: store.table().expect("table"),
                store,
                next: Arc::new(AtomicU64::new(0)),
            });
            group.bench_with_input(BenchmarkId::new(ack.name(), writers), &writers, |b, &n| {
                b.to_async(&runtime)
                    .iter_custom(|total| run(Arc::clone(&target), ack, n, total));
            });
            let writes = target.next.load(Ordering::Relaxed);
            let flushes = target.store.flush_count().max(1);
            eprintln!(
                "ack_writes/{}/{writers}: {writes} writes, {flushes} flushes, {:.1} writes per flush",
                ack.name(),
                writes as f64 / flushes as f64
            );
        }
    }
    group.finish();
}

/// Inserts `k` messages, then waits on all `k` tickets together: one flush covers them.
async fn batch(target: &Target, k: u64) {
    let tickets: Vec<_> = (0..k)
        .map(|_| {
            let seq = target.next.fetch_add(1, Ordering::Relaxed);
            let key = Key::new().u64(42).u64(seq);
            target
                .messages
                .insert(key.as_ref(), &BenchMessage::new(seq))
                .expect("insert")
        })
        .collect();
    for durable in join_all(tickets.into_iter().map(|t| t.durable())).await {
        durable.expect("durable");
    }
}

fn group_commit_batch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(RUNTIME_WORKERS)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut group = c.benchmark_group("group_commit_batch");
    group
        .sample_size(SAMPLES)
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    for k in BATCHES {
        let store = Store::temporary().expect("temporary store");
        let target = Target {
            messages: store.table().expect("table"),
            store,
            next: Arc::new(AtomicU64::new(0)),
        };
        group.throughput(Throughput::Elements(k));
        group.bench_with_input(BenchmarkId::from_parameter(k), &k, |b, &k| {
            b.to_async(&runtime).iter(|| batch(&target, k));
        });
        let writes = target.next.load(Ordering::Relaxed);
        let flushes = target.store.flush_count().max(1);
        eprintln!(
            "group_commit_batch/{k}: {writes} writes, {flushes} flushes, {:.1} writes per flush",
            writes as f64 / flushes as f64
        );
    }
    group.finish();
}

criterion_group!(benches, ack_writes, group_commit_batch);
criterion_main!(benches);
