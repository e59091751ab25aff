//! Cluster mode's wiring: the store replicates to the shard logs, the engine serves only
//! the shards this node has taken over, the HTTP server sends other companies' requests
//! to the nodes serving them, and answers what other nodes send here.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{stream, StreamExt};
use switchboard_cluster::{directory, Cluster, Ids, IdsFor, Node, Owners, ShardLog, Status};
use switchboard_engine::placement::{shard, Serving, SHARDS};
use switchboard_engine::Engine;
use switchboard_http::forward::{Peers, Place, Report};
use switchboard_storage::records::SecretRecord;
use switchboard_storage::{Key, Store};
use tokio::sync::{mpsc, watch};

/// Shards replayed at once while taking over.
const TAKING_AT_ONCE: usize = 16;

/// A node of the cluster, joined.
pub struct Joined {
    pub cluster: Cluster,
    pub serving: Arc<Serving>,
    pub node: Node,
    log: ShardLog,
    given_up: mpsc::UnboundedReceiver<u16>,
    ids: Arc<Ids>,
    stats: Arc<Stats>,
}

/// What the node has done, for `/healthz` and `/metrics`.
#[derive(Default)]
struct Stats {
    takeovers: AtomicU64,
    last_takeover_ms: AtomicU64,
    given_up: AtomicU64,
}

/// How long a node keeps trying to join a cluster that is not ready.
const JOIN_WITHIN: Duration = Duration::from_secs(60);

/// Connects and reads (or sets) the visitor-id secret all nodes share: visitor ids signed
/// on one node are checked on another.
async fn connect(
    config: &switchboard_cluster::Config,
) -> switchboard_cluster::Result<(Cluster, Bytes)> {
    let cluster = Cluster::connect(config).await?;
    let name = switchboard_engine::repo::VISITOR_IDS_KEY;
    let mine = switchboard_engine::auth::new_secret();
    let shared = cluster
        .claim(
            &format!("secret.{}", String::from_utf8_lossy(name)),
            Bytes::copy_from_slice(&mine),
        )
        .await?;
    Ok((cluster, shared))
}

/// Connects, makes the store replicate to the shard logs and starts the ownership loop.
/// Call before the engine starts: it also puts the cluster's shared secrets in the store.
pub async fn join(config: &switchboard_cluster::Config, store: &Store) -> anyhow::Result<Joined> {
    // Nodes starting together create the buckets and the stream at the same moment, and a
    // fresh replicated stream answers only once its replicas have elected a leader.
    let started = std::time::Instant::now();
    let (cluster, shared) = loop {
        match connect(config).await {
            Ok(joined) => break joined,
            Err(e) if started.elapsed() < JOIN_WITHIN => {
                tracing::info!("the cluster is not ready yet ({e}); trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e).context("joining the cluster"),
        }
    };
    let name = switchboard_engine::repo::VISITOR_IDS_KEY;
    let shared: [u8; 32] = shared
        .as_ref()
        .try_into()
        .context("the cluster's visitor-id secret is not 32 bytes")?;
    // The folder is only a view of the shards this node serves: whatever an earlier run
    // left is stale (its shards may have moved), and each shard taken is replayed anyway.
    let stale = store.wipe_shards(|_| true)?;
    if stale > 0 {
        tracing::info!(records = stale, "cleared what an earlier run left");
    }
    let _local = store
        .table::<SecretRecord>()?
        .insert(name, &SecretRecord(shared))?;
    store.flush_now()?;
    let serving = Arc::new(Serving::none());
    let (log, given_up) = ShardLog::new(cluster.clone(), tokio::runtime::Handle::current());
    let serves = {
        let serving = serving.clone();
        Box::new(move |s: u16| serving.serves(s))
    };
    let ids = Ids::start(cluster.clone(), serves).await?;
    store.replicate_to(Arc::new(log.clone()), Arc::new(IdsFor(ids.clone())));
    let beat = Duration::from_millis(config.heartbeat_ms);
    let node = Node::start(cluster.clone(), SHARDS, beat);
    Ok(Joined {
        cluster,
        serving,
        node,
        log,
        given_up,
        ids,
        stats: Arc::default(),
    })
}

impl Joined {
    /// Serves the shards the ownership loop takes and stops serving those it loses, until
    /// the process ends. The receiver tells how many shards are served.
    pub fn run(self, engine: Engine, store: Store) -> (ClusterPeers, Node, watch::Receiver<usize>) {
        let Joined {
            cluster,
            serving,
            node,
            log,
            mut given_up,
            ids,
            stats,
        } = self;
        let peers = ClusterPeers {
            cluster: cluster.clone(),
            owners: None,
            serving: serving.clone(),
            status: node.status(),
            log: log.clone(),
            stats: stats.clone(),
            known: Mutex::default(),
        };
        let mut status = node.status();
        let (tell, count) = watch::channel(0);
        tokio::spawn(async move {
            let mut served: BTreeSet<u16> = BTreeSet::new();
            loop {
                let owned = status.borrow_and_update().owned.clone();
                let lost: BTreeSet<u16> = served.difference(&owned).copied().collect();
                let gained: BTreeSet<u16> = owned.difference(&served).copied().collect();
                if !lost.is_empty() {
                    stop(&engine, &serving, &log, &store, &lost).await;
                    served.retain(|s| !lost.contains(s));
                }
                if !gained.is_empty() {
                    let started = std::time::Instant::now();
                    let taken = take(&store, &serving, &log, &gained, &status).await;
                    if !taken.is_empty() {
                        stats
                            .takeovers
                            .fetch_add(taken.len() as u64, Ordering::Relaxed);
                        let ms = started.elapsed().as_millis() as u64;
                        stats.last_takeover_ms.store(ms, Ordering::Relaxed);
                        if let Err(e) = ids.renew().await {
                            tracing::warn!("cannot reserve fresh ids: {e}");
                        }
                    }
                    served.extend(taken);
                }
                tell.send_replace(served.len());
                tokio::select! {
                    changed = status.changed() => if changed.is_err() { return },
                    Some(shard) = given_up.recv() => {
                        // An append failed: stop at once; taken again from the log next
                        // beat if the lease is still this node's.
                        stats.given_up.fetch_add(1, Ordering::Relaxed);
                        stop(&engine, &serving, &log, &store, &BTreeSet::from([shard])).await;
                        served.remove(&shard);
                        tell.send_replace(served.len());
                    }
                }
            }
        });
        (peers, node, count)
    }
}

/// Removes the local records of `shards`: a walk over every tree, so on a blocking thread,
/// not on a worker that answers requests.
async fn wipe(store: &Store, shards: &BTreeSet<u16>) -> switchboard_storage::Result<u64> {
    let (store, shards) = (store.clone(), shards.clone());
    tokio::task::spawn_blocking(move || store.wipe_shards(|s| shards.contains(&s)))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

async fn stop(
    engine: &Engine,
    serving: &Serving,
    log: &ShardLog,
    store: &Store,
    lost: &BTreeSet<u16>,
) {
    for shard in lost {
        serving.set(*shard, false);
        log.stop(*shard);
    }
    engine.halt_shards(|s| lost.contains(&s));
    tracing::info!(shards = lost.len(), "stopped serving shards");
    if let Err(e) = wipe(store, lost).await {
        tracing::warn!("cannot remove the records of shards given up: {e}");
    }
}

/// Replays `gained` from their logs and serves them; returns those taken.
async fn take(
    store: &Store,
    serving: &Serving,
    log: &ShardLog,
    gained: &BTreeSet<u16>,
    status: &watch::Receiver<Status>,
) -> Vec<u16> {
    let ours = |shard: u16| status.borrow().owned.contains(&shard);
    let started = std::time::Instant::now();
    if let Err(e) = wipe(store, gained).await {
        tracing::error!("cannot clear shards before taking them over: {e}");
        return Vec::new();
    }
    let results: Vec<(u16, switchboard_cluster::Result<u64>)> =
        stream::iter(gained.iter().copied())
            .map(|shard| async move { (shard, log.take(shard, store, || ours(shard)).await) })
            .buffer_unordered(TAKING_AT_ONCE)
            .collect()
            .await;
    let mut taken = Vec::new();
    let mut records = 0;
    for (shard, result) in results {
        match result {
            // Given up while it was replayed: the lease is another node's now.
            Ok(_) if !ours(shard) => log.stop(shard),
            Ok(replayed) => {
                serving.set(shard, true);
                records += replayed;
                taken.push(shard);
            }
            Err(e) => tracing::warn!(shard, "cannot take the shard over: {e}"),
        }
    }
    tracing::info!(
        shards = taken.len(),
        records,
        ms = started.elapsed().as_millis() as u64,
        "serving shards"
    );
    taken
}

/// Whether the demo company exists somewhere in the cluster (its key is in the directory).
pub async fn demo_exists(cluster: &Cluster) -> anyhow::Result<bool> {
    let key = Key::new().str(switchboard_engine::demo::KEY).finish();
    Ok(cluster
        .lookup(&directory::entry_name("keys", &key))
        .await?
        .is_some())
}

/// The HTTP server's view of the cluster.
pub struct ClusterPeers {
    cluster: Cluster,
    /// Who holds each lease, once [`ClusterPeers::watch`] has started watching.
    owners: Option<watch::Receiver<Arc<Owners>>>,
    serving: Arc<Serving>,
    status: watch::Receiver<Status>,
    log: ShardLog,
    stats: Arc<Stats>,
    /// Directory answers: a key or an email names the same company for good (ids are
    /// never reused), so they are kept.
    known: Mutex<HashMap<String, u64>>,
}

impl ClusterPeers {
    /// Starts following who holds each lease.
    pub async fn watch(mut self) -> anyhow::Result<ClusterPeers> {
        self.owners = Some(self.cluster.owners().await?);
        Ok(self)
    }

    /// The connection to the cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    async fn lookup(&self, tree: &str, key: &[u8]) -> Option<u64> {
        let name = directory::entry_name(tree, key);
        if let Some(tenant) = self
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&name)
        {
            return Some(*tenant);
        }
        let value = self.cluster.lookup(&name).await.ok()??;
        let tenant = String::from_utf8_lossy(&value).parse().ok()?;
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, tenant);
        Some(tenant)
    }
}

impl Peers for ClusterPeers {
    fn node(&self) -> &str {
        self.cluster.node()
    }

    fn report(&self) -> Report {
        let status = self.status.borrow().clone();
        Report {
            node: self.cluster.node().to_owned(),
            live_nodes: status.live,
            addresses: status
                .addresses
                .into_iter()
                .map(|(_, a)| a)
                .filter(|a| !a.is_empty())
                .collect(),
            leases: status.owned.len(),
            shards: self.serving.count(),
            takeovers: self.stats.takeovers.load(Ordering::Relaxed),
            last_takeover_ms: self.stats.last_takeover_ms.load(Ordering::Relaxed),
            given_up: self.stats.given_up.load(Ordering::Relaxed),
            leases_lost: status.lost,
            log_pending: self.log.pending(),
        }
    }

    fn place(&self, tenant: u64) -> Place {
        let shard = shard(tenant);
        if self.serving.serves(shard) {
            return Place::Here;
        }
        let Some(owners) = &self.owners else {
            return Place::Moving;
        };
        match owners.borrow().of(shard) {
            Some(node) if node != self.cluster.node() => Place::There(node.to_owned()),
            // Ours but not replayed yet, or nobody's: moving.
            _ => Place::Moving,
        }
    }

    fn tenant_of_key<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<u64>> {
        Box::pin(async move { self.lookup("keys", &Key::new().str(key).finish()).await })
    }

    fn tenant_of_email<'a>(&'a self, email: &'a str) -> BoxFuture<'a, Option<u64>> {
        Box::pin(async move { self.lookup("emails", &Key::new().str(email).finish()).await })
    }

    fn call<'a>(
        &'a self,
        node: &'a str,
        request: Bytes,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Bytes, String>> {
        Box::pin(async move {
            self.cluster
                .call(node, request, timeout)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn stream<'a>(
        &'a self,
        node: &'a str,
        request: Bytes,
    ) -> BoxFuture<'a, Result<mpsc::Receiver<Bytes>, String>> {
        Box::pin(async move {
            self.cluster
                .stream(node, request)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Answers the calls other nodes send here, until the connection closes.
pub async fn answer_calls(
    cluster: Cluster,
    app: Arc<switchboard_http::server::App>,
) -> anyhow::Result<()> {
    let mut calls = cluster.calls().await?;
    tokio::spawn(async move {
        while let Some(call) = calls.recv().await {
            let app = app.clone();
            tokio::spawn(async move {
                let call = Arc::new(call);
                let payload = call.payload.clone();
                switchboard_http::forward::answer(app, payload, move |bytes, stream| {
                    let call = call.clone();
                    async move {
                        // A call's answer goes back as its reply; a stream's frames each
                        // wait for the relaying node's acknowledgement.
                        if stream {
                            call.frame(bytes).await
                        } else {
                            call.answer(bytes).await.is_ok()
                        }
                    }
                })
                .await;
            });
        }
    });
    Ok(())
}
