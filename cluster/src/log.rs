//! The shard logs as the store's replication target: every write a node makes is queued
//! for its shard's log and appended, many writes to one record, behind the expected last
//! sequence; a node taking a shard over replays the log into its store and fences the old
//! owner with a record of its own.
//!
//! One append is in flight per shard at a time, carrying every change queued meanwhile
//! (group commit over JetStream): the changes of a shard reach the log in the order the
//! store made them, and a busy shard makes one round trip per batch, not per write.
//!
//! A shard whose append was refused ([`Error::Fenced`]) or whose outcome is unknown (the
//! cluster did not answer) is given up at once: its pending writes fail, and the shard is
//! reported on [`ShardLog::given_up`] so the node stops serving it. Its local records are
//! then stale; they are replaced by a replay when the node takes the shard again.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use switchboard_storage::replica::{Change, Receipt, Replicate, Settle, SHARDS};
use switchboard_storage::Store;
use tokio::sync::mpsc;

use crate::{Cluster, Error, Result, ShardWriter};

/// One record of a shard's log: the changes of one append, and who made them.
#[derive(Debug, Serialize, Deserialize)]
struct Batch {
    /// The node that appended it.
    node: String,
    /// The store's changes, in the order it made them (none: a takeover's fencing record).
    changes: Vec<Change>,
}

fn encode(batch: &Batch) -> Bytes {
    let bytes = bincode::serde::encode_to_vec(batch, bincode::config::standard())
        .expect("a batch of byte strings always encodes");
    Bytes::from(bytes)
}

fn decode(shard: u16, sequence: u64, bytes: &[u8]) -> Result<Batch> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(batch, _)| batch)
        .map_err(|e| {
            Error::Nats(format!(
                "record {sequence} of shard {shard} is unreadable: {e}"
            ))
        })
}

/// The shard logs this node writes; cheap to clone.
#[derive(Clone)]
pub struct ShardLog(Arc<Inner>);

struct Inner {
    cluster: Cluster,
    runtime: tokio::runtime::Handle,
    shards: Vec<Mutex<Shard>>,
    given_up: mpsc::UnboundedSender<u16>,
}

#[derive(Default)]
struct Shard {
    /// Where this node appends, while it serves the shard; taken out while an append runs.
    writer: Option<ShardWriter>,
    /// Whether the shard is served here (an append may be running with the writer out).
    serving: bool,
    /// Changes waiting for the next append.
    queue: Vec<(Change, Settle)>,
    /// An append task is running.
    busy: bool,
}

impl ShardLog {
    /// The logs of `cluster`'s shards; appends run on `runtime`. The receiver tells of
    /// shards given up because an append failed.
    pub fn new(
        cluster: Cluster,
        runtime: tokio::runtime::Handle,
    ) -> (ShardLog, mpsc::UnboundedReceiver<u16>) {
        let (given_up, receiver) = mpsc::unbounded_channel();
        let shards = (0..SHARDS).map(|_| Mutex::default()).collect();
        let log = ShardLog(Arc::new(Inner {
            cluster,
            runtime,
            shards,
            given_up,
        }));
        (log, receiver)
    }

    fn shard(&self, shard: u16) -> std::sync::MutexGuard<'_, Shard> {
        self.0.shards[usize::from(shard)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `shard` over into `store`: replays every record of its log (the caller wiped
    /// the shard's local records first), then appends a fencing record, so an old owner's
    /// next append is refused; replays again what an old owner appended meanwhile. From
    /// then on this node's writes to the shard are appended. Returns the records replayed.
    /// `still_ours` is asked before fencing: a lease given up meanwhile (a node joined)
    /// must not fence out its new holder.
    pub async fn take(
        &self,
        shard: u16,
        store: &Store,
        still_ours: impl Fn() -> bool,
    ) -> Result<u64> {
        let cluster = &self.0.cluster;
        let mut applied = 0;
        let mut replayed = 0;
        loop {
            let mut writer = cluster.open_log(shard).await?;
            for (sequence, bytes) in cluster.read_log_to(shard, applied, writer.last).await? {
                let batch = decode(shard, sequence, &bytes)?;
                store
                    .apply(&batch.changes)
                    .map_err(|e| Error::Nats(format!("replaying shard {shard}: {e}")))?;
                applied = sequence;
                replayed += 1;
            }
            if !still_ours() {
                return Err(Error::LeaseLost(shard));
            }
            let fence = encode(&Batch {
                node: cluster.node().to_owned(),
                changes: Vec::new(),
            });
            match cluster.append(&mut writer, fence).await {
                Ok(_) => {
                    let mut state = self.shard(shard);
                    state.writer = Some(writer);
                    state.serving = true;
                    return Ok(replayed);
                }
                // The old owner appended after we read the last sequence: read on.
                Err(Error::Fenced(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes queued and not yet stored in their shard's log.
    pub fn pending(&self) -> usize {
        (0..SHARDS).map(|s| self.shard(s).queue.len()).sum()
    }

    /// Stops appending to `shard` (another node serves it now): queued writes fail.
    pub fn stop(&self, shard: u16) {
        let queued = {
            let mut state = self.shard(shard);
            state.serving = false;
            state.writer = None;
            std::mem::take(&mut state.queue)
        };
        fail(queued, "the company's shard moved to another node");
    }

    /// Appends what is queued for `shard` until its queue is empty.
    async fn drain(self, shard: u16) {
        loop {
            let (batch, mut writer) = {
                let mut state = self.shard(shard);
                if state.queue.is_empty() || state.writer.is_none() {
                    state.busy = false;
                    let queued = std::mem::take(&mut state.queue);
                    drop(state);
                    fail(queued, "the company's shard is not served by this node");
                    return;
                }
                let batch = std::mem::take(&mut state.queue);
                (batch, state.writer.take().expect("checked above"))
            };
            let (changes, settles): (Vec<Change>, Vec<Settle>) = batch.into_iter().unzip();
            let batch = Batch {
                node: self.0.cluster.node().to_owned(),
                changes,
            };
            let cluster = &self.0.cluster;
            let appended = match cluster.append(&mut writer, encode(&batch)).await {
                // Acknowledged once the directory can find a new key or email too.
                Ok(_) => cluster.mirror(&batch.changes).await,
                Err(e) => Err(e),
            };
            match appended {
                Ok(()) => {
                    for settle in settles {
                        let _ = settle.send(Ok(()));
                    }
                    let mut state = self.shard(shard);
                    if state.serving {
                        state.writer = Some(writer);
                    }
                }
                Err(e) => {
                    // Fenced: another node owns the shard. Anything else: whether the
                    // record was stored is unknown, so this node's copy can no longer be
                    // trusted either. Either way the shard is given up and, if it is
                    // still this node's, taken again from the log.
                    tracing::warn!(shard, "giving the shard up: {e}");
                    let reason = e.to_string();
                    for settle in settles {
                        let _ = settle.send(Err(reason.clone()));
                    }
                    self.stop(shard);
                    let _ = self.0.given_up.send(shard);
                }
            }
        }
    }
}

impl Replicate for ShardLog {
    fn queue(&self, shard: u16, change: Change) -> Receipt {
        let (settle, receipt) = Receipt::new();
        let mut state = self.shard(shard);
        if !state.serving {
            drop(state);
            let _ = settle.send(Err(format!(
                "shard {shard} is not served by this node right now"
            )));
            return receipt;
        }
        state.queue.push((change, settle));
        if !state.busy && state.writer.is_some() {
            state.busy = true;
            self.0.runtime.spawn(self.clone().drain(shard));
        }
        receipt
    }
}

fn fail(queued: Vec<(Change, Settle)>, reason: &str) {
    for (_, settle) in queued {
        let _ = settle.send(Err(reason.to_owned()));
    }
}
