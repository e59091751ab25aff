//! The scenarios, one per file, and what they share: a company of the generator's own with
//! its simulated operators, and what a scenario hands back besides its metrics.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::future::try_join_all;
use tokio::task::JoinHandle;

use crate::clients::Clients;
use crate::metrics::Metrics;
use crate::operator::{Behaviour, Operator};
use crate::server::{self, ProcStats};

pub mod burst;
pub mod chat;
pub mod restart;
pub mod route;
pub mod tenants;
pub mod visitors;

/// In-flight work gets this long after the last tick, and deliveries this long after that,
/// before anything still missing counts as lost.
pub const DRAIN: Duration = Duration::from_secs(5);

/// What every scenario works with.
pub struct Ctx {
    /// The clients, spread over source addresses.
    pub clients: Arc<Clients>,
    /// The measured phase's metrics.
    pub metrics: Arc<Metrics>,
    /// A label unique to this run, for company names and emails.
    pub run: String,
    /// The most requests in flight at once.
    pub max_in_flight: usize,
    /// The server's process id, for its `/proc` figures; 0 when unknown.
    pub server_pid: AtomicU32,
    /// More server processes (the other nodes of a cluster, its NATS servers), whose
    /// figures are added to the server's.
    pub more_pids: Vec<u32>,
    /// The server's and the generator's `/proc` figures when the measured phase began.
    began: Mutex<Option<Began>>,
}

/// `/proc` figures when the measured phase began.
#[derive(Clone, Copy, Debug, Default)]
pub struct Began {
    /// The server's.
    pub server: Option<ProcStats>,
    /// The generator's own.
    pub generator: Option<ProcStats>,
    /// The machine's CPU pressure.
    pub pressure: Option<(Instant, u64)>,
}

impl Ctx {
    /// The context of a run against the server with process id `pid` (0: unknown).
    pub fn new(clients: Arc<Clients>, run: String, max_in_flight: usize, pid: u32) -> Ctx {
        Ctx {
            clients,
            metrics: Arc::new(Metrics::new()),
            run,
            max_in_flight,
            server_pid: AtomicU32::new(pid),
            more_pids: Vec::new(),
            began: Mutex::default(),
        }
    }

    /// The server's `/proc` figures, summed over its processes; `None` when one is gone.
    pub fn server_stats(&self) -> Option<ProcStats> {
        let first = ProcStats::read(self.server_pid.load(Ordering::Relaxed))?;
        self.more_pids.iter().try_fold(first, |sum, pid| {
            let more = ProcStats::read(*pid)?;
            Some(ProcStats {
                rss_bytes: sum.rss_bytes + more.rss_bytes,
                peak_rss_bytes: sum.peak_rss_bytes + more.peak_rss_bytes,
                cpu_seconds: sum.cpu_seconds + more.cpu_seconds,
            })
        })
    }

    /// The measured phase begins: the metrics forget the setup, and the CPU figures start
    /// counting.
    pub fn begin(&self) {
        self.metrics.restart_clock();
        *self.began.lock().expect("no panics under this lock") = Some(Began {
            server: self.server_stats(),
            generator: ProcStats::read(std::process::id()),
            pressure: server::cpu_pressure(),
        });
    }

    /// The figures taken by [`Ctx::begin`].
    pub fn began(&self) -> Began {
        self.began
            .lock()
            .expect("no panics under this lock")
            .unwrap_or_default()
    }
}

/// What a scenario reports besides its metrics.
#[derive(Debug, Default)]
pub struct Outcome {
    /// How long the measured phase lasted (rates are per second of it).
    pub measured: Duration,
    /// `burst`: from the burst to the last chat closed.
    pub drain: Option<Duration>,
    /// `burst`: chats not closed when the run ended.
    pub undrained: Option<u64>,
    /// `burst`: operators the server itself listed with more open chats than `max_chats`.
    pub server_violations: Option<u64>,
    /// `restart`: the figures of the restart.
    pub restart: Option<restart::Figures>,
    /// Work still in flight when the run gave up waiting for it.
    pub stuck: usize,
}

/// A company of the generator's own with its operators online.
pub struct Company {
    /// The public chat key.
    pub key: String,
    /// The admin's token.
    pub admin: String,
    /// The operators' stream tasks (each holds its operator).
    pub streams: Vec<JoinHandle<()>>,
}

impl Company {
    /// Signs up a company labelled `label` with `operators` operators working by
    /// `behaviour`.
    pub async fn new(
        ctx: &Ctx,
        label: &str,
        operators: usize,
        behaviour: Behaviour,
    ) -> Result<Company> {
        let signup = ctx.clients.signup(label).await?;
        let admin = &signup.token;
        let started = try_join_all((0..operators).map(|n| async move {
            let sip = format!("{label}-{}", n + 1);
            Operator::start(
                ctx.clients.clone(),
                ctx.metrics.clone(),
                admin,
                &sip,
                behaviour,
            )
            .await
        }))
        .await?;
        Ok(Company {
            key: signup.key,
            admin: signup.token,
            streams: started.into_iter().map(|(_, stream)| stream).collect(),
        })
    }
}

impl Drop for Company {
    fn drop(&mut self) {
        for stream in &self.streams {
            stream.abort();
        }
    }
}
