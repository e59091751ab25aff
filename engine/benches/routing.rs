//! One routing decision of a busy company, at 10, 1,000 and 10,000 queued chats.
//!
//! The company has [`OPERATORS`] operators online, each holding [`MAX_CHATS`] chats, so every
//! seat is taken and the queue only grows. Two events are measured on that state:
//!
//! - `routing/close`: an operator closes a chat; the freed seat goes to the head of the
//!   queue (an offer), and every other queued visitor is told its new position;
//! - `routing/arrive`: a chat arrives and joins the queue at its tail.
//!
//! Each iteration runs on its own copy of the router, made outside the timing, so every
//! decision sees the same queue. `routing/close_by_operators` repeats the close at 1,000
//! queued chats with 10, 50 and 200 operators, to show how the cost follows the roster.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use switchboard_engine::model::{ChatId, Distribution, Status};
use switchboard_engine::routing::{Effect, Policy, Request, Router};

/// Queue lengths measured.
const QUEUES: [usize; 3] = [10, 1_000, 10_000];

/// Operators online in the main benches.
const OPERATORS: u64 = 50;

/// Roster sizes of `close_by_operators`.
const ROSTERS: [u64; 3] = [10, 50, 200];

/// Queue length of `close_by_operators`.
const ROSTER_QUEUE: usize = 1_000;

/// Chats an operator holds at once.
const MAX_CHATS: u32 = 3;

/// Samples per benchmark: criterion's minimum, so the whole bench stays short.
const SAMPLES: usize = 10;

/// Measurement time per benchmark.
const MEASUREMENT: Duration = Duration::from_secs(3);

/// Warm-up per benchmark.
const WARM_UP: Duration = Duration::from_secs(1);

/// When the measured events happen (ms): five minutes after every chat was accepted, so the
/// running handling time, and with it the estimated waits, is known.
const NOW: u64 = 300_000;

/// Ids of the chats the operators hold start here; queued chats are numbered from 1.
const HELD: ChatId = 1_000_000;

/// Id of the chat `routing/arrive` brings.
const ARRIVING: ChatId = 2_000_000;

/// A company with `operators` online operators whose seats are all taken and `queued`
/// chats waiting, in the state a real company reaches: the handling time is known, and the
/// queue was built by chats arriving while nobody could take them.
fn busy_company(operators: u64, queued: usize) -> Router {
    let mut router = Router::new(Policy::simple(Distribution::Single, 15_000, 600_000));
    // The chats the operators will hold, then the queue behind them. Restored chats wait
    // even with nobody online, so the queue is built without a drain over the whole roster
    // per chat (arrivals with every seat taken would do the same work, only slower).
    let held = operators * u64::from(MAX_CHATS);
    for chat in (HELD..HELD + held).chain(1..=queued as ChatId) {
        router.restore_waiting(chat, Request::default());
    }
    for id in 1..=operators {
        router.upsert_agent(id, MAX_CHATS, vec![]);
        router.set_connected(id, true, 0);
        let offers = router.set_status(id, Status::Online, 0);
        accept_offers(&mut router, offers, 0);
    }
    assert_eq!(router.queue_len(), queued, "every seat is taken");
    // One chat ends and the next takes its seat, so the handling time is known.
    let freed = router.close(HELD, NOW);
    accept_offers(&mut router, freed, NOW);
    router.arrive(ARRIVING - 1, Request::default());
    assert_eq!(router.queue_len(), queued);
    router
}

/// Accepts every offer among `effects`.
fn accept_offers(router: &mut Router, effects: Vec<Effect>, now: u64) {
    for effect in effects {
        if let Effect::Offer { chat, operator } = effect {
            router
                .accept(chat, operator, now)
                .expect("an offered chat can be accepted");
        }
    }
}

/// Benches closing one held chat of `router`: the freed seat goes to the head of the queue.
fn bench_close(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    router: &Router,
) {
    group.bench_function(id, |b| {
        b.iter_batched(
            || router.clone(),
            |mut router| {
                let effects = router.close(HELD + 1, NOW);
                debug_assert!(effects.iter().any(|e| matches!(e, Effect::Offer { .. })));
                (router, effects)
            },
            BatchSize::LargeInput,
        );
    });
}

fn routing(c: &mut Criterion) {
    let mut group = c.benchmark_group("routing");
    group
        .sample_size(SAMPLES)
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    for queued in QUEUES {
        let router = busy_company(OPERATORS, queued);
        bench_close(&mut group, BenchmarkId::new("close", queued), &router);
        group.bench_function(BenchmarkId::new("arrive", queued), |b| {
            b.iter_batched(
                || router.clone(),
                |mut router| {
                    let effects = router.arrive(ARRIVING, Request::default());
                    debug_assert!(effects.iter().any(|e| matches!(e, Effect::Queued { .. })));
                    (router, effects)
                },
                BatchSize::LargeInput,
            );
        });
    }
    for operators in ROSTERS {
        let router = busy_company(operators, ROSTER_QUEUE);
        let id = BenchmarkId::new("close_by_operators", operators);
        bench_close(&mut group, id, &router);
    }
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
