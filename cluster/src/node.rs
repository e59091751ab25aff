//! A node's ownership loop: every heartbeat it says it is alive, reads the live nodes,
//! works out which shards it should own ([`rendezvous`]), gives up the
//! ones that now belong to a node that joined, renews its leases and takes the shards that
//! are its own and free. What it owns is published on a watch channel, for the engine to
//! start or stop serving those shards' companies.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{stream, StreamExt};
use tokio::sync::watch;

use crate::{rendezvous, Cluster, Error, Lease, Result};

/// How many lease operations run at once: a node renews a third of 1,024 shards each beat.
const IN_FLIGHT: usize = 64;

/// What a node knows of the cluster and its part in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// The live nodes at the last beat, sorted.
    pub live: Vec<String>,
    /// The addresses the live nodes advertise, by node id.
    pub addresses: Vec<(String, String)>,
    /// The shards this node holds the lease of.
    pub owned: BTreeSet<u16>,
    /// Shards this node has taken since it started.
    pub taken: u64,
    /// Leases this node lost without giving them up (it stalled past the lease).
    pub lost: u64,
}

/// A running ownership loop; it stops (without releasing, as a crash would) when dropped,
/// or gives up its shards cleanly with [`Node::leave`].
pub struct Node {
    status: watch::Receiver<Status>,
    task: tokio::task::JoinHandle<()>,
    leave: Arc<tokio::sync::Notify>,
}

impl Node {
    /// Starts the loop for `cluster`'s node over `shards` shards, one beat every `beat`.
    pub fn start(cluster: Cluster, shards: u16, beat: Duration) -> Node {
        let (tell, status) = watch::channel(Status::default());
        let leave = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn(run(cluster, shards, beat, tell, leave.clone()));
        Node {
            status,
            task,
            leave,
        }
    }

    /// The node's status, updated every beat.
    pub fn status(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// Releases every lease so other nodes take the shards at once, then stops.
    pub async fn leave(self) {
        self.leave.notify_one();
        let mut status = self.status.clone();
        let _ = status
            .wait_for(|s| s.owned.is_empty() && s.live.is_empty())
            .await;
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    cluster: Cluster,
    shards: u16,
    beat: Duration,
    tell: watch::Sender<Status>,
    leave: Arc<tokio::sync::Notify>,
) {
    let mut leases: BTreeMap<u16, Lease> = BTreeMap::new();
    // Nodes started together see each other before any takes a shard: the first beat only
    // says this node is alive, so none takes every shard only to hand most over at once.
    if let Err(e) = cluster.heartbeat().await {
        tracing::warn!("cannot say this node is alive: {e}");
    }
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = leave.notified() => {
                if let Err(e) = cluster.depart().await {
                    tracing::warn!("cannot say this node leaves: {e}");
                }
                release(&cluster, std::mem::take(&mut leases)).await;
                tell.send_replace(Status::default());
                return;
            }
        }
        if let Err(e) = step(&cluster, shards, &mut leases, &tell).await {
            tracing::warn!("cluster beat failed: {e}");
        }
    }
}

/// One beat. A failure leaves the leases as they were: renewals are tried again next beat,
/// and a lease not renewed in time is lost, which the next renewal finds out.
async fn step(
    cluster: &Cluster,
    shards: u16,
    leases: &mut BTreeMap<u16, Lease>,
    tell: &watch::Sender<Status>,
) -> Result<()> {
    cluster.heartbeat().await?;
    let mut live = cluster.live_nodes().await?;
    if !live.iter().any(|n| n == cluster.node()) {
        live.push(cluster.node().to_owned());
        live.sort();
    }
    let addresses = cluster.addresses(&live).await?;
    let wanted: BTreeSet<u16> = rendezvous::owned(cluster.node(), &live, shards)
        .into_iter()
        .collect();

    // Shards that belong to a node that joined: handed over at once.
    let (keep, give): (BTreeMap<_, _>, BTreeMap<_, _>) = std::mem::take(leases)
        .into_iter()
        .partition(|(shard, _)| wanted.contains(shard));
    release(cluster, give).await;

    // Renew the rest; a lease found lost is dropped.
    let renewed: Vec<(u16, Result<Lease>)> = stream::iter(keep)
        .map(|(shard, mut lease)| async move {
            let renewed = cluster.renew(&mut lease).await.map(|()| lease);
            (shard, renewed)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut lost = 0;
    let mut failure = None;
    for (shard, renewed) in renewed {
        match renewed {
            Ok(lease) => {
                leases.insert(shard, lease);
            }
            Err(Error::LeaseLost(_)) => lost += 1,
            Err(e) => failure = Some(e),
        }
    }

    // Take the free shards that are this node's.
    let missing: Vec<u16> = wanted
        .iter()
        .copied()
        .filter(|s| !leases.contains_key(s))
        .collect();
    let taken: Vec<Result<Option<Lease>>> = stream::iter(missing)
        .map(|shard| cluster.acquire(shard))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut took = 0;
    for lease in taken {
        match lease {
            Ok(Some(lease)) => {
                leases.insert(lease.shard, lease);
                took += 1;
            }
            Ok(None) => {}
            Err(e) => failure = Some(e),
        }
    }
    tell.send_modify(|status| {
        status.live = live;
        status.addresses = addresses;
        status.owned = leases.keys().copied().collect();
        status.taken += took;
        status.lost += lost;
    });
    failure.map_or(Ok(()), Err)
}

async fn release(cluster: &Cluster, leases: BTreeMap<u16, Lease>) {
    stream::iter(leases.into_values())
        .for_each_concurrent(IN_FLIGHT, |lease| async move {
            if let Err(e) = cluster.release(lease).await {
                tracing::warn!("cannot release a lease: {e}");
            }
        })
        .await;
}
