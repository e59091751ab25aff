//! The front door: accepts connections, serves each with hyper's HTTP/1 under the limits
//! below, and shuts down gracefully when told.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::{Deserialize, Serialize};
use switchboard_engine::Engine;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::limits::{self, Limits, Peer, Streams};
use crate::routes;

/// HTTP settings, the `[http]` section of config.toml.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Public base URL used in generated links; defaults to `http://<listen address>`.
    pub base_url: Option<String>,
    /// Largest request body accepted for JSON calls, in bytes; a chat message is 4000
    /// characters at most, so 64 KiB leaves room without letting a client fill memory.
    pub max_body_bytes: usize,
    /// Largest image upload (graphics, custom buttons), in bytes; decoding is bounded
    /// separately by pixel count.
    pub max_upload_bytes: usize,
    /// A client must send its request headers within this many seconds (slow-loris guard).
    pub header_read_timeout_secs: u64,
    /// A client must send a whole request body within this many seconds of its headers
    /// (a 2 MiB upload at 1 Mbit/s takes 17 s); past it, 408 and the connection closes. Bodies
    /// dripped a byte at a time held connections forever.
    pub body_read_timeout_secs: u64,
    /// Connections served at once (mini-redis's `MAX_CONNECTIONS`). Each holds a file
    /// descriptor and some buffers; 900 plus the overflow lane stays under the 1024 open
    /// files a process gets by default (raise `ulimit -n` with it).
    pub max_connections: usize,
    /// Event streams one token may hold open: an operator's terminal and a few browser tabs,
    /// a visitor's chat window reopened a few times.
    pub max_streams_per_token: usize,
    /// On shutdown, open connections get this many seconds to finish.
    pub shutdown_grace_secs: u64,
    /// Bearer token that opens `/metrics` to a client that is not on loopback (a scraper on
    /// another host, or behind a proxy); without it `/metrics` answers on loopback only.
    pub metrics_token: Option<String>,
    /// Rate limits and sign-in lockout, the `[http.limits]` table.
    pub limits: limits::Config,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            base_url: None,
            max_body_bytes: 64 * 1024,
            max_upload_bytes: 2 * 1024 * 1024,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_connections: 900,
            max_streams_per_token: 8,
            shutdown_grace_secs: 5,
            metrics_token: None,
            limits: limits::Config::default(),
        }
    }
}

/// Everything a request handler needs.
pub struct App {
    /// The engine.
    pub engine: Engine,
    /// HTTP settings.
    pub config: Config,
    /// Base URL for generated links, without a trailing slash.
    pub base_url: String,
    /// Cancelled when the server shuts down (ends event streams).
    pub shutdown: CancellationToken,
    /// Shared with event streams for their gauge.
    pub metrics: Arc<switchboard_engine::Metrics>,
    /// Rate limits and sign-in lockout.
    pub limits: Limits,
    /// Event streams open per token.
    pub streams: Arc<Streams>,
    /// Cluster mode: the other nodes, where requests for their companies go.
    peers: std::sync::OnceLock<Arc<dyn crate::forward::Peers>>,
}

impl App {
    /// An app for a server listening on `local`.
    pub fn new(
        engine: Engine,
        config: Config,
        local: SocketAddr,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let base_url = config
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"))
            .trim_end_matches('/')
            .to_string();
        let metrics = engine.metrics_arc();
        let limits = Limits::new(config.limits.clone());
        Arc::new(App {
            engine,
            base_url,
            shutdown,
            metrics,
            limits,
            streams: Arc::new(Streams::new(config.max_streams_per_token)),
            config,
            peers: std::sync::OnceLock::new(),
        })
    }

    /// Cluster mode: requests for companies served on other nodes go there through
    /// `peers`. Set once, before serving.
    pub fn join_cluster(&self, peers: Arc<dyn crate::forward::Peers>) {
        if self.peers.set(peers).is_err() {
            tracing::error!("the server already belongs to a cluster");
        }
    }

    /// The other nodes of the cluster, in cluster mode.
    pub fn peers(&self) -> Option<&Arc<dyn crate::forward::Peers>> {
        self.peers.get()
    }
}

/// Connections accepted past `max_connections` that may still be served: only `/healthz`
/// is answered on them (so a load balancer sees the server alive while it is full), anything
/// else gets 503. Past these, a connection is closed as soon as it is accepted.
const OVERFLOW_CONNECTIONS: usize = 16;

/// An overflow connection must send its request headers this fast: a health check does, a
/// slow client trying to hold the lane does not.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `listener` until `app.shutdown` is cancelled, then lets open requests finish for
/// the grace period.
pub async fn serve(listener: TcpListener, app: Arc<App>) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(app.config.header_read_timeout_secs))
        .max_buf_size(64 * 1024);
    let mut overflow_builder = builder.clone();
    overflow_builder
        .header_read_timeout(OVERFLOW_HEADER_TIMEOUT)
        .keep_alive(false);
    let connections = Arc::new(Semaphore::new(app.config.max_connections));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    tokio::spawn(prune_limits(app.clone()));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = app.shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let (permit, full) = match connections.clone().try_acquire_owned() {
            Ok(permit) => (permit, false),
            Err(_) => match overflow.clone().try_acquire_owned() {
                Ok(permit) => (permit, true),
                // Dropping the stream closes it: refused.
                Err(_) => continue,
            },
        };
        let app = app.clone();
        let service = service_fn(move |mut req: Request<Incoming>| {
            let app = app.clone();
            req.extensions_mut().insert(Peer(peer));
            async move {
                if full && req.uri().path() != "/healthz" {
                    return Ok::<_, Infallible>(routes::overloaded());
                }
                Ok::<_, Infallible>(routes::handle(app, req).await)
            }
        });
        let builder = if full { &overflow_builder } else { &builder };
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // The slot is free again when the connection ends.
            let _permit = permit;
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    let grace = Duration::from_secs(app.config.shutdown_grace_secs);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {grace:?}; closing them");
    }
    Ok(())
}

/// Drops rate-limit state nobody needs any more, every [`limits::PRUNE_EVERY`], until
/// shutdown.
async fn prune_limits(app: Arc<App>) {
    let mut every = tokio::time::interval(limits::PRUNE_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => app.limits.prune(),
            _ = app.shutdown.cancelled() => return,
        }
    }
}

/// A server started by [`start`].
pub struct Running {
    /// The address it listens on (the real port when the config asked for port 0).
    pub addr: SocketAddr,
    /// Its state.
    pub app: Arc<App>,
    /// The serving task.
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, ends event streams, lets requests finish, stops the actors.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.app.shutdown.cancel();
        let served = self
            .task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.app.engine.stop();
        served
    }
}

/// Binds `config.listen` and serves in the background.
pub async fn start(engine: Engine, config: Config) -> std::io::Result<Running> {
    let listener = TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    let app = App::new(engine, config, addr, CancellationToken::new());
    let task = tokio::spawn(serve(listener, app.clone()));
    Ok(Running { addr, app, task })
}
