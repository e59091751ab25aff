//! The `switchboard` binary: command-line parsing and wiring only.

mod cluster;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use switchboard_engine::{demo, Engine};
use switchboard_storage::Store;

/// Live-chat routing engine.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        /// Configuration file (default: ./config.toml when present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on, overriding the config.
        #[arg(long)]
        listen: Option<String>,
        /// Database folder, overriding the config.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Seeds the demo company (keeps all data when it exists; once per cluster).
        #[arg(long)]
        demo: bool,
        /// Cluster mode: the NATS servers, comma-separated (nats://host:port,...),
        /// overriding the config's [cluster] servers.
        #[arg(long, value_delimiter = ',')]
        cluster: Vec<String>,
        /// This node's id in the cluster (letters, digits, - and _), overriding the config.
        #[arg(long)]
        node_id: Option<String>,
    },
    /// The terminal client for operators and admins.
    Tui {
        /// The server's base URL, or several comma-separated (the nodes of a cluster): the
        /// client uses the first, and moves to the next when one cannot be reached.
        #[arg(
            long,
            value_name = "URL[,URL...]",
            default_value = "http://127.0.0.1:8080"
        )]
        server: String,
        /// Sign in with this email (the password is asked on screen, or read from
        /// SWITCHBOARD_PASSWORD).
        #[arg(long)]
        email: Option<String>,
    },
    /// Writes every record of a stopped server's database to one checksummed file (private
    /// to its owner), or with --verify checks such a file.
    Backup {
        /// Database folder; it must exist and hold a database.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Only check FILE: every record's checksum, the count and the whole file's digest.
        #[arg(long)]
        verify: bool,
        /// Backup file to write (or to check).
        file: PathBuf,
    },
    /// Billing on a stopped server's database.
    Billing {
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Checks a backup file whole, then loads it into an empty database folder; a file that
    /// fails the check is refused with nothing written.
    Restore {
        /// Database folder (must be empty or missing).
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Backup file to read.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum BillingCommand {
    /// Issues the invoice of a month (YYYY-MM) for every company that has none, and charges
    /// it to the company's default card; a month already invoiced is left as it is, so
    /// running it again changes nothing.
    Run {
        /// Database folder; it must hold a database.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The month to bill, e.g. 2026-10.
        #[arg(long)]
        period: String,
        /// Configuration file (default: ./config.toml when present): its [billing] section.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// config.toml: one section per crate.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Config {
    http: switchboard_http::Config,
    storage: switchboard_storage::Config,
    engine: switchboard_engine::Config,
    billing: switchboard_engine::billing::Config,
    cluster: switchboard_cluster::Config,
}

fn load_config(path: Option<PathBuf>) -> anyhow::Result<Config> {
    let path = match path {
        Some(path) => path,
        None if std::path::Path::new("config.toml").exists() => PathBuf::from("config.toml"),
        None => return Ok(Config::default()),
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut config: Config =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    config
        .billing
        .check()
        .with_context(|| format!("the [billing] section of {}", path.display()))?;
    config.engine.billing = std::mem::take(&mut config.billing);
    Ok(config)
}

fn main() {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Tui { .. }) {
        // The terminal belongs to the client: no log lines over its screen.
        if let Err(e) = run(cli) {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sled=warn".into()),
        )
        // Colours for a person at a terminal; plain text for a log file or a collector.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            config,
            listen,
            data,
            demo,
            cluster,
            node_id,
        } => {
            let mut config = load_config(config)?;
            if !cluster.is_empty() {
                config.cluster.servers = cluster;
            }
            if let Some(node_id) = node_id {
                config.cluster.node_id = node_id;
            }
            if let Some(listen) = listen {
                config.http.listen = listen;
            }
            if let Some(data) = data {
                config.storage.path = data;
            }
            tokio::runtime::Runtime::new()?.block_on(serve(config, demo))
        }
        Command::Tui { server, email } => switchboard_tui::run(&server, email),
        Command::Backup {
            verify: true, file, ..
        } => {
            let summary = switchboard_storage::verify_backup(&file)?;
            if summary.checksummed {
                println!(
                    "{}: {} records, every checksum matches",
                    file.display(),
                    summary.records
                );
            } else {
                println!(
                    "{}: {} records in the old format without checksums: it reads, but make a new backup",
                    file.display(),
                    summary.records
                );
            }
            Ok(())
        }
        Command::Backup { data, file, .. } => {
            // sled writes `conf` first in every database it creates; opening a folder without
            // one would create an empty database and back up nothing.
            if !data.join("conf").is_file() {
                anyhow::bail!("{} holds no Switchboard database", data.display());
            }
            let store = Store::open(&switchboard_storage::Config {
                path: data.clone(),
                ..Default::default()
            })
            .with_context(|| format!("opening {}", data.display()))?;
            let records = store.export(&file)?;
            println!("wrote {records} records to {}", file.display());
            Ok(())
        }
        Command::Restore { data, file } => restore(&data, &file),
        Command::Billing {
            command:
                BillingCommand::Run {
                    data,
                    period,
                    config,
                },
        } => {
            let period = switchboard_engine::billing::Period::parse(&period)
                .with_context(|| format!("--period {period:?}: give a month as YYYY-MM"))?;
            if !data.join("conf").is_file() {
                anyhow::bail!("{} holds no Switchboard database", data.display());
            }
            let config = load_config(config)?;
            let store = Store::open(&switchboard_storage::Config {
                path: data.clone(),
                ..config.storage
            })
            .with_context(|| format!("opening {}", data.display()))?;
            tokio::runtime::Runtime::new()?.block_on(async {
                let engine = Engine::start(store, config.engine)?;
                let issued = engine.bill_period(period).await;
                engine.stop();
                let issued = issued?;
                for i in &issued {
                    let status = if i.paid { "paid" } else { "unpaid" };
                    println!(
                        "company {}: invoice {} for {} ({status})",
                        i.tenant, i.number, i.period
                    );
                }
                println!("{period}: {} invoice(s) issued", issued.len());
                anyhow::Ok(())
            })
        }
    }
}

/// Restores `file` into the database folder `data`, which must be missing or empty; on
/// failure the folder is left as it was found (missing or empty), never half loaded.
fn restore(data: &std::path::Path, file: &std::path::Path) -> anyhow::Result<()> {
    let existed = data.exists();
    if existed
        && std::fs::read_dir(data)
            .with_context(|| format!("reading {}", data.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} is not empty: restore into a new or empty folder",
            data.display()
        );
    }
    let restored = Store::open(&switchboard_storage::Config {
        path: data.to_owned(),
        ..Default::default()
    })
    .and_then(|store| store.import(file));
    match restored {
        Ok(records) => {
            println!("restored {records} records from {}", file.display());
            Ok(())
        }
        Err(error) => {
            // The store has closed; what it created goes, so a retry starts clean.
            let cleaned = if existed {
                std::fs::read_dir(data).and_then(|entries| {
                    entries.into_iter().try_for_each(|entry| {
                        let path = entry?.path();
                        if path.is_dir() {
                            std::fs::remove_dir_all(path)
                        } else {
                            std::fs::remove_file(path)
                        }
                    })
                })
            } else {
                std::fs::remove_dir_all(data)
            };
            if let Err(e) = cleaned {
                eprintln!("could not clean {} up: {e}", data.display());
            }
            Err(error).with_context(|| format!("restoring {}", file.display()))
        }
    }
}

async fn serve(mut config: Config, demo: bool) -> anyhow::Result<()> {
    let clustered = !config.cluster.servers.is_empty();
    if clustered {
        // The shard logs are the durable copy; the local database is a view rebuilt from
        // them, so it need not wait for its own disk.
        config.storage.durability = switchboard_storage::Durability::Relaxed;
    }
    let store = Store::open(&config.storage)
        .with_context(|| format!("opening {}", config.storage.path.display()))?;
    if store.was_recovered() {
        tracing::info!(path = %config.storage.path.display(), "opened the existing database");
    }
    let joined = match clustered {
        true => Some(cluster::join(&config.cluster, &store).await?),
        false => None,
    };
    let engine = Engine::start(store.clone(), config.engine)?;
    let running = switchboard_http::start(engine.clone(), config.http)
        .await
        .context("binding the listen address")?;
    let mut node = None;
    let seeded = match joined {
        Some(joined) => {
            let serving = joined.serving.clone();
            engine.serve_only(serving.clone());
            let (peers, joined_node, mut served) = joined.run(engine.clone(), store.clone());
            node = Some(joined_node);
            let peers = peers.watch().await?;
            let cluster = peers.cluster().clone();
            cluster.advertise(&running.app.base_url);
            running.app.join_cluster(Arc::new(peers));
            cluster::answer_calls(cluster.clone(), running.app.clone()).await?;
            println!("Node {} joined the cluster", cluster.node());
            match demo {
                true => {
                    // Seeded once per cluster: by the first node to claim it, once it
                    // serves some shards; never again once the directory knows its key.
                    served.wait_for(|n| *n > 0).await?;
                    let ours = !cluster::demo_exists(&cluster).await?
                        && cluster
                            .claim("demo", bytes::Bytes::from(cluster.node().to_owned()))
                            .await?
                            == cluster.node().as_bytes();
                    Some(ours && demo::seed(&engine).await?)
                }
                false => None,
            }
        }
        None if demo => Some(demo::seed(&engine).await?),
        None => None,
    };
    let base = running.app.base_url.clone();
    println!("Switchboard listening on {base}");
    match seeded {
        Some(created) => {
            println!(
                "Demo company {} (key {}):",
                if created { "created" } else { "kept" },
                demo::KEY
            );
            for (email, password, sip, _) in demo::LOGINS {
                let who = sip.map_or("admin".to_string(), |s| format!("operator {s}"));
                println!("  {who:<15} {email} / {password}");
            }
            println!(
                "  chat link:      {base}/chat/en/{},name=Visitor+Name,email=visitor@email.com,operator=10002/{base}/demo",
                demo::KEY
            );
        }
        None if !clustered && !engine.has_companies()? => {
            println!("No company yet. Sign one up:");
            println!(
                "  curl -s -X POST {base}/v1/signup -H 'content-type: application/json' \\\n    -d '{{\"company\":\"Acme\",\"email\":\"you@acme.example\",\"password\":\"a long password\"}}'"
            );
            println!("or restart with --demo for a ready-made company.");
        }
        None => {}
    }
    let signal = shutdown_signal().await?;
    println!("shutting down on {signal}: finishing open requests");
    if let Some(node) = node {
        // Other nodes take this node's shards at once.
        node.leave().await;
    }
    running.shutdown().await?;
    store.flush_now()?;
    println!("stopped cleanly");
    if clustered {
        // Everything has stopped and is flushed. Dropping the runtime would drop the NATS
        // connection under the lease watch, which async-nats 0.51 answers with a panic in
        // that task ("async fn resumed after completion"): leave without it.
        std::process::exit(0);
    }
    Ok(())
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM, the signal service managers and `kill` send, and
/// names the one that came.
async fn shutdown_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => {
                interrupted.context("listening for Ctrl-C")?;
                Ok("Ctrl-C")
            }
            _ = term.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .context("listening for Ctrl-C")?;
        Ok("Ctrl-C")
    }
}
