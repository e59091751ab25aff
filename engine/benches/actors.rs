//! One round trip to a company's actor, against reading its published view.
//!
//! The engine runs over a temporary store with one arbiter (one actor thread); a company
//! is signed up once and its actor is running before anything is measured. Calls come from
//! a tokio runtime, as HTTP handlers make them:
//!
//! - `actors/ask_queue`: [`Engine::ask`] with [`Queue`], the lightest message a tenant actor
//!   answers (its queue is empty): the cost of the round trip itself;
//! - `actors/ask_snapshot`: [`Engine::ask`] with [`GetSnapshot`], which also builds the
//!   company's view (settings, accounts, operator load) in the actor;
//! - `actors/view`: [`Engine::view`], the read model the actor publishes, with no message.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_engine::actors::tenant::{GetSnapshot, Queue};
use switchboard_engine::{Config, Engine};
use switchboard_storage::Store;

/// Samples per benchmark.
const SAMPLES: usize = 20;

/// Measurement time per benchmark.
const MEASUREMENT: Duration = Duration::from_secs(3);

/// Warm-up per benchmark.
const WARM_UP: Duration = Duration::from_secs(1);

fn actors(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let config = Config {
        arbiters: 1,
        ..Config::default()
    };
    let engine = Engine::start(Store::temporary().expect("temporary store"), config)
        .expect("the engine starts");
    let tenant = runtime.block_on(async {
        let signed = engine
            .signup("Bench", "admin@bench.example", "a long bench password")
            .await
            .expect("sign-up");
        let tenant = engine.tenant_by_key(&signed.key).expect("the new company");
        // The actor is started here, not inside the first sample.
        engine.ask(tenant, GetSnapshot).await.expect("snapshot");
        tenant
    });

    let mut group = c.benchmark_group("actors");
    group
        .sample_size(SAMPLES)
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    group.bench_function("ask_queue", |b| {
        b.to_async(&runtime)
            .iter(|| async { engine.ask(tenant, Queue { limit: 1 }).await.expect("queue") });
    });
    group.bench_function("ask_snapshot", |b| {
        b.to_async(&runtime)
            .iter(|| async { engine.ask(tenant, GetSnapshot).await.expect("snapshot") });
    });
    group.bench_function("view", |b| {
        b.iter(|| engine.view(tenant).expect("view"));
    });
    group.finish();
    engine.stop();
}

criterion_group!(benches, actors);
criterion_main!(benches);
