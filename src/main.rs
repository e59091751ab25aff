//! The `switchboard` binary: command-line parsing and wiring only.

use std::path::PathBuf;

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
        /// Seeds the demo company (keeps all data when it exists).
        #[arg(long)]
        demo: bool,
    },
    /// The terminal client for operators and admins.
    Tui {
        /// The server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// Sign in with this email (the password is asked on screen, or read from
        /// SWITCHBOARD_PASSWORD).
        #[arg(long)]
        email: Option<String>,
    },
    /// Writes every record of a stopped server's database to one file.
    Backup {
        /// Database folder.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Backup file to write.
        file: PathBuf,
    },
    /// Loads a backup file into an empty database folder.
    Restore {
        /// Database folder (must be empty or missing).
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Backup file to read.
        file: PathBuf,
    },
}

/// config.toml: one section per crate.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Config {
    http: switchboard_http::Config,
    storage: switchboard_storage::Config,
    engine: switchboard_engine::Config,
}

fn load_config(path: Option<PathBuf>) -> anyhow::Result<Config> {
    let path = match path {
        Some(path) => path,
        None if std::path::Path::new("config.toml").exists() => PathBuf::from("config.toml"),
        None => return Ok(Config::default()),
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
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
        } => {
            let mut config = load_config(config)?;
            if let Some(listen) = listen {
                config.http.listen = listen;
            }
            if let Some(data) = data {
                config.storage.path = data;
            }
            tokio::runtime::Runtime::new()?.block_on(serve(config, demo))
        }
        Command::Tui { server, email } => switchboard_tui::run(&server, email),
        Command::Backup { data, file } => {
            let store = Store::open(&switchboard_storage::Config {
                path: data,
                ..Default::default()
            })?;
            let records = store.export(&file)?;
            println!("wrote {records} records to {}", file.display());
            Ok(())
        }
        Command::Restore { data, file } => {
            let store = Store::open(&switchboard_storage::Config {
                path: data,
                ..Default::default()
            })?;
            let records = store.import(&file)?;
            store.flush_now()?;
            println!("restored {records} records from {}", file.display());
            Ok(())
        }
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let store = Store::open(&config.storage)
        .with_context(|| format!("opening {}", config.storage.path.display()))?;
    if store.was_recovered() {
        tracing::info!(path = %config.storage.path.display(), "opened the existing database");
    }
    let engine = Engine::start(store.clone(), config.engine)?;
    let seeded = if demo {
        Some(demo::seed(&engine).await?)
    } else {
        None
    };
    let running = switchboard_http::start(engine.clone(), config.http)
        .await
        .context("binding the listen address")?;
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
        None if !engine.has_companies()? => {
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
    running.shutdown().await?;
    store.flush_now()?;
    println!("stopped cleanly");
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
