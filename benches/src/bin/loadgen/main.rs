//! The HTTP load generator: drives a Switchboard server over its public API, open loop, and
//! reports latency percentiles (HDR histograms) against a `GET /healthz` baseline taken by
//! the same clients in the same run.
//!
//! Work is due on a fixed schedule (`--rate`) and every latency counts from the due time,
//! so a stalled server shows up as latency rather than as fewer requests. The clients behave
//! like the real ones: operators and visitors keep their event streams open and resume them
//! with `Last-Event-ID` when they drop, operators accept offers and close chats, visitors
//! start new chats; a message acknowledged but never seen on the other side's stream is
//! counted as lost.
//!
//! Without `--server` it starts `switchboard serve --demo` from the release build on a
//! temporary data folder (rate limits off) and stops it at the end; it never builds
//! anything. Only ever point it at a server you run: every run is bounded by `--duration`
//! and a hard bound.
//!
//! # Layout
//!
//! - `main.rs`: the command line, the run's phases (server, baseline, scenario, report) and
//!   the progress line printed every second.
//! - `schedule.rs`: the open loop, [`schedule::Schedule`].
//! - `clients.rs`: HTTP clients spread over 127.0.0.x source addresses, the API calls, and
//!   [`clients::Failure`], how an error is counted.
//! - `streams.rs`: event streams read with `switchboard-api`'s parser and resumed with
//!   `Last-Event-ID`.
//! - `operator.rs`: the simulated operator.
//! - `metrics.rs`: histograms, counts, errors, and the ledgers that find lost deliveries.
//! - `baseline.rs`: `GET /healthz` open loop, closed loop and in a burst.
//! - `scenarios/`: one file per scenario — `chat`, `route`, `visitors`, `burst`,
//!   `tenants`, `restart` — and what they share (`mod.rs`).
//! - `server.rs`: the generator's own server, and `/proc` memory and CPU figures.
//! - `report.rs`: the summary, its table and its JSON; `chart.rs`: the SVG latency curves.

mod baseline;
mod chart;
mod clients;
mod metrics;
mod operator;
mod report;
mod scenarios;
mod schedule;
mod server;
mod streams;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser as _;

use crate::clients::Clients;
use crate::metrics::{Count, Latency};
use crate::report::{Baseline, Summary, Usage};
use crate::scenarios::{burst, chat, restart, route, visitors, Ctx};
use crate::server::{OwnServer, ProcStats};

/// Open-loop load generator for Switchboard: runs one scenario against a server (its own,
/// started from the release build, unless --server is given) and reports latencies against
/// a GET /healthz baseline.
#[derive(clap::Parser, Debug)]
#[command(name = "loadgen")]
struct Args {
    /// What to run.
    #[arg(long, value_enum, default_value_t = Scenario::Chat)]
    scenario: Scenario,
    /// A running server's base URL, on this machine's loopback only (127.0.0.0/8, [::1],
    /// localhost), or several, comma-separated (the nodes of a cluster: calls go to each in
    /// turn); without it the generator starts its own from the release build.
    #[arg(long)]
    server: Option<String>,
    /// The process id of the --server, for its memory and CPU figures; several,
    /// comma-separated, are added up (a cluster's nodes and NATS servers).
    #[arg(long, requires = "server", value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// The server binary to start (default: the release build beside this one, under
    /// $CARGO_TARGET_DIR, or under the workspace's target/).
    #[arg(long, conflicts_with = "server")]
    server_bin: Option<PathBuf>,
    /// A TOML file added to the own server's configuration, e.g. `[storage]` with
    /// `durability = "relaxed"` or `[http]` with `max_connections = 4000` (it may not repeat
    /// `[http.limits]`, which the generator writes to turn rate limits off).
    #[arg(long, conflicts_with = "server")]
    server_config: Option<PathBuf>,
    /// Seconds of scheduled work (burst: the longest drain; restart: the longest fill).
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// Work due per second: messages (chat, tenants; default 1000), chat starts (route;
    /// default 50), page views (visitors; default 500).
    #[arg(long)]
    rate: Option<f64>,
    /// chat, tenants: chats open at once (default 100); burst: chats started at once
    /// (default 200); restart: chats the fill writes to (default 64).
    #[arg(long)]
    chats: Option<usize>,
    /// chat, tenants: messages each visitor sends before the chat is closed.
    #[arg(long, default_value_t = 20)]
    messages_per_chat: u64,
    /// chat, tenants: operators answer every n-th message (0: never).
    #[arg(long, default_value_t = 4)]
    reply_every: u64,
    /// Operators online (tenants: per company). Default: chat 4, tenants 1, route 8,
    /// visitors 1, burst 4; chat and tenants add operators when --chats needs them (an
    /// operator holds at most 100 chats).
    #[arg(long)]
    operators: Option<usize>,
    /// route, burst: each operator's chat limit. Default: route 20, burst 2.
    #[arg(long)]
    max_chats: Option<u32>,
    /// route, burst: ms an operator keeps a chat before closing it. Default: route 1000,
    /// burst 50.
    #[arg(long)]
    hold_ms: Option<u64>,
    /// visitors: tracked visitors.
    #[arg(long, default_value_t = 500)]
    visitors: usize,
    /// visitors: how many of them keep their tracking stream open (default: all).
    #[arg(long)]
    streams: Option<usize>,
    /// tenants: companies the chat load is spread over (default 10); route: companies the
    /// chat starts go round (default 1), each with --operators operators.
    #[arg(long)]
    tenants: Option<usize>,
    /// restart: messages stored before the restart.
    #[arg(long, default_value_t = 100_000)]
    messages: u64,
    /// restart: stop the server with SIGKILL instead of SIGTERM.
    #[arg(long)]
    kill: bool,
    /// Baseline: GET /healthz requests kept in flight for its requests per second
    /// (restart: as many as --chats, the fill's senders).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Baseline: seconds of each of its measures.
    #[arg(long, default_value_t = 3)]
    baseline_secs: u64,
    /// Seconds before a request without an answer counts as a timeout.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Loopback source addresses (127.0.0.1, .2, ...), one HTTP client each.
    #[arg(long, default_value_t = 8)]
    sources: usize,
    /// Most scheduled requests in flight at once; a due request past it is not sent and
    /// counts as a `backlog` error.
    #[arg(long, default_value_t = 10_000)]
    max_in_flight: usize,
    /// The whole run stops after this many seconds, whatever it is doing (default:
    /// twice --duration plus 180).
    #[arg(long)]
    hard_limit: Option<u64>,
    /// Writes the summary as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Draws the latency curves as SVG here.
    #[arg(long)]
    svg: Option<PathBuf>,
}

/// The scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// Steady chats and messages; message latency send -> operator's stream.
    Chat,
    /// Chat starts against N operators; start -> offer.
    Route,
    /// Tracked visitors with open tracking streams sending page views.
    Visitors,
    /// N chats at once against operators with small limits; time to drain.
    Burst,
    /// The chat load spread over several companies.
    Tenants,
    /// Fill a database, stop the server, time its start to the first 200.
    Restart,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Chat => "chat",
            Scenario::Route => "route",
            Scenario::Visitors => "visitors",
            Scenario::Burst => "burst",
            Scenario::Tenants => "tenants",
            Scenario::Restart => "restart",
        }
    }

    /// The latency the progress line follows.
    fn headline(self) -> Latency {
        match self {
            Scenario::Chat | Scenario::Tenants => Latency::Message,
            Scenario::Route | Scenario::Burst => Latency::Routing,
            Scenario::Visitors => Latency::PageView,
            Scenario::Restart => Latency::Ack,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let hard_limit = Duration::from_secs(args.hard_limit.unwrap_or(2 * args.duration + 180));
    match args.rate {
        Some(rate) if !(rate > 0.0 && rate.is_finite()) => bail!("--rate must be above 0"),
        _ => {}
    }
    if args.scenario == Scenario::Restart && args.server.is_some() {
        bail!("restart stops and starts the server: it runs only on its own (leave out --server)");
    }
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => println!("open files allowed: {limit}"),
        Err(e) => println!("open files: the limit stays as it is ({e})"),
    }

    let mut own = None;
    let (base, pid) = match &args.server {
        Some(url) => (url.clone(), args.server_pid.first().copied()),
        None => {
            let binary = server::find_binary(args.server_bin.as_deref())?;
            println!("starting {} on a temporary data folder", binary.display());
            let extra = match &args.server_config {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
                None => String::new(),
            };
            let server = tokio::task::block_in_place(|| OwnServer::start(&binary, &extra))?;
            let found = (server.base.clone(), server.pid());
            own = Some(server);
            found
        }
    };
    let clients = Arc::new(Clients::new(
        &base,
        args.sources,
        Duration::from_secs(args.timeout),
    )?);
    clients
        .healthz()
        .await
        .with_context(|| format!("{base}/healthz does not answer 200"))?;
    println!(
        "server {base}{}; {} source addresses",
        pid.map_or(String::new(), |p| format!(" (pid {p})")),
        clients.sources()
    );

    let phases = phases(&args, clients, pid, own.as_mut());
    let result = tokio::time::timeout(hard_limit, phases).await;
    if let Some(mut server) = own {
        tokio::task::block_in_place(|| server.stop(false)).ok();
    }
    match result {
        Ok(result) => result,
        Err(_) => bail!("the run passed its hard bound of {hard_limit:?} and was stopped"),
    }
}

/// The baseline, the scenario, the report.
async fn phases(
    args: &Args,
    clients: Arc<Clients>,
    pid: Option<u32>,
    own: Option<&mut OwnServer>,
) -> Result<()> {
    let scenario = args.scenario;
    let duration = Duration::from_secs(args.duration);
    let rate = args.rate.unwrap_or(match scenario {
        Scenario::Route => 50.0,
        Scenario::Visitors => 500.0,
        _ => 1000.0,
    });
    let chats = args.chats.unwrap_or(match scenario {
        Scenario::Burst => 200,
        Scenario::Restart => 64,
        _ => 100,
    });
    let operators = args.operators.unwrap_or(match scenario {
        Scenario::Chat | Scenario::Burst => 4,
        Scenario::Route => 8,
        _ => 1,
    });
    let burst = scenario == Scenario::Burst;
    let max_chats = args.max_chats.unwrap_or(if burst { 2 } else { 20 });
    let hold = Duration::from_millis(args.hold_ms.unwrap_or(if burst { 50 } else { 1000 }));

    // The baseline, on the idle server: its latencies are taken the way the scenario
    // takes its own (open loop at its rate; from the burst; closed loop for the fill).
    let baseline_secs = Duration::from_secs(args.baseline_secs.max(1));
    let concurrency = if scenario == Scenario::Restart {
        chats
    } else {
        args.concurrency
    };
    println!("baseline: GET /healthz, {concurrency} in flight");
    let (rps, closed) = baseline::closed_loop(&clients, concurrency, baseline_secs).await;
    let mut baseline = Baseline {
        rps,
        ..Baseline::default()
    };
    let latencies = match scenario {
        Scenario::Burst => {
            println!("baseline: {chats} GET /healthz at once");
            let (took, measured) = baseline::burst(&clients, chats).await;
            baseline.burst = Some(took);
            measured
        }
        Scenario::Restart => closed,
        _ => {
            println!("baseline: GET /healthz at {rate} per second");
            baseline::open_loop(&clients, rate, baseline_secs, args.max_in_flight).await
        }
    };
    baseline.latency = latencies.histogram(Latency::Baseline);

    let mut ctx = Ctx::new(clients, run_label(), args.max_in_flight, pid.unwrap_or(0));
    ctx.more_pids = args.server_pid.iter().skip(1).copied().collect();
    let ctx = Arc::new(ctx);
    let progress = tokio::spawn(progress(ctx.clone(), scenario));
    let mut settings = BTreeMap::new();
    let mut set = |k: &str, v: &dyn ToString| {
        settings.insert(k.to_string(), v.to_string());
    };
    set("duration_secs", &args.duration);
    println!("{}: setting up", scenario.name());
    let outcome = match scenario {
        Scenario::Chat | Scenario::Tenants => {
            let tenants = if scenario == Scenario::Tenants {
                args.tenants.unwrap_or(10).max(1)
            } else {
                1
            };
            set("rate", &rate);
            set("chats", &chats);
            set("messages_per_chat", &args.messages_per_chat);
            set("operators", &operators);
            set("reply_every", &args.reply_every);
            set("tenants", &tenants);
            let options = chat::Options {
                rate,
                duration,
                chats,
                messages_per_chat: args.messages_per_chat.max(1),
                tenants,
                operators,
                reply_every: args.reply_every,
            };
            if tenants > 1 {
                scenarios::tenants::run(ctx.clone(), options).await?
            } else {
                chat::run(ctx.clone(), options).await?
            }
        }
        Scenario::Route => {
            set("rate", &rate);
            set("operators", &operators);
            set("max_chats", &max_chats);
            set("hold_ms", &hold.as_millis());
            let tenants = args.tenants.unwrap_or(1).max(1);
            set("tenants", &tenants);
            let options = route::Options {
                rate,
                duration,
                operators,
                max_chats,
                hold,
                tenants,
            };
            route::run(ctx.clone(), options).await?
        }
        Scenario::Visitors => {
            set("rate", &rate);
            set("visitors", &args.visitors);
            let streams = args.streams.unwrap_or(args.visitors).min(args.visitors);
            set("streams", &streams);
            set("operators", &operators);
            let options = visitors::Options {
                rate,
                duration,
                visitors: args.visitors,
                streams,
                operators,
            };
            visitors::run(ctx.clone(), options).await?
        }
        Scenario::Burst => {
            set("chats", &chats);
            set("operators", &operators);
            set("max_chats", &max_chats);
            set("hold_ms", &hold.as_millis());
            let options = burst::Options {
                chats,
                operators,
                max_chats,
                hold,
                duration,
            };
            burst::run(ctx.clone(), options).await?
        }
        Scenario::Restart => {
            set("messages", &args.messages);
            set("chats", &chats);
            set("stop", &if args.kill { "SIGKILL" } else { "SIGTERM" });
            let Some(server) = own else {
                bail!("restart runs only on the generator's own server");
            };
            let options = restart::Options {
                messages: args.messages,
                chats,
                kill: args.kill,
                duration,
            };
            restart::run(ctx.clone(), server, options).await?
        }
    };
    progress.abort();

    let began = ctx.began();
    let usage = Usage {
        // After a restart the process is a new one: its CPU time is all its start's.
        server_before: if scenario == Scenario::Restart {
            Some(ProcStats::default())
        } else {
            began.server
        },
        server_after: ctx.server_stats(),
        loadgen_cpu_seconds: began
            .generator
            .zip(ProcStats::read(std::process::id()))
            .map(|(before, after)| after.cpu_seconds - before.cpu_seconds),
        cpu_pressure_pct: began
            .pressure
            .zip(server::cpu_pressure())
            .map(|(before, after)| server::pressure_between(before, after)),
    };
    let summary = Summary::new(
        scenario.name(),
        settings,
        &ctx.metrics,
        &baseline,
        &outcome,
        &usage,
    );
    summary.print();
    if let Some(path) = &args.json {
        summary.write_json(path)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.svg {
        let settings: Vec<String> = summary
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let title = format!("loadgen {}: {}", scenario.name(), settings.join(" "));
        chart::draw(path, &title, &ctx.metrics, baseline.latency.as_ref())?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Prints a line a second: counts, the headline latency so far, errors, the server's
/// memory and CPU.
async fn progress(ctx: Arc<Ctx>, scenario: Scenario) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut last_cpu: Option<(Instant, f64)> = None;
    loop {
        tick.tick().await;
        let m = &ctx.metrics;
        let mut parts = vec![format!("[{:>4.0} s]", m.elapsed().as_secs_f64())];
        for count in [
            Count::ChatsStarted,
            Count::Closed,
            Count::MessagesAcked,
            Count::MessagesSeen,
            Count::PageViews,
        ] {
            let n = m.get(count);
            if n > 0 {
                parts.push(format!("{} {n}", count.name()));
            }
        }
        let headline = scenario.headline();
        if let Some(p99) = m.quantile_ms(headline, 0.99) {
            parts.push(format!("{} p99 {p99:.1} ms", headline.name()));
        }
        let errors: u64 = m.errors().values().sum();
        parts.push(format!("errors {errors}"));
        let resumes = m.get(Count::Resumes);
        if resumes > 0 {
            parts.push(format!("resumes {resumes}"));
        }
        if let Some(stats) = ctx.server_stats() {
            let now = Instant::now();
            let cores = last_cpu
                .map(|(at, cpu)| (stats.cpu_seconds - cpu) / now.duration_since(at).as_secs_f64());
            last_cpu = Some((now, stats.cpu_seconds));
            parts.push(format!(
                "server {:.0} MiB{}",
                stats.rss_bytes as f64 / 1048576.0,
                cores.map_or(String::new(), |c| format!(", {c:.2} cores"))
            ));
        }
        println!("{}", parts.join("  "));
    }
}

/// A label no earlier run used, for company names and emails.
fn run_label() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}", nanos % (1 << 40))
}
