//! The shard logs as the store's replication target: every write a node makes is queued
//! for its shard's log and appended, many writes to one record, behind the expected last
//! sequence; a node taking a shard over replays the log into its store and fences the old
//! owner with a record of its own.
//!
//! One append is in flight per shard at a time, carrying every change queued meanwhile
//! (group commit over JetStream): the changes of a shard reach the log in the order the
//! store made them, and a busy shard makes one round trip per batch, not per write.
//!
//! A shard's log does not grow for ever: once [`COMPACT_AFTER`] records were appended or
//! replayed since its last snapshot, its owner folds the last snapshot and the records
//! after it into a new snapshot (subject `sb.snap.N`, in parts, with an index record on
//! `sb.snapidx.N` written last), appends a marker through the shard's queue, and only if
//! that marker was taken (the node still owns the shard) removes the records the snapshot
//! covers. The snapshot is built from the log, never from the local store, so it holds
//! exactly what was acknowledged. A node taking a shard over loads the latest snapshot and
//! replays the records after it; if an old owner appended meanwhile it starts again from
//! an empty shard, since a compaction may have removed what it was about to read.
//!
//! A shard whose append was refused ([`Error::Fenced`]) or whose outcome is unknown (the
//! cluster did not answer) is given up at once: its pending writes fail, and the shard is
//! reported on the receiver [`ShardLog::new`] returns, so the node stops serving it. Its
//! local records are then stale; they are replaced by a replay when the node takes the
//! shard again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use switchboard_storage::replica::{Change, Receipt, Replicate, Settle, SHARDS};
use switchboard_storage::Store;
use tokio::sync::mpsc;

use crate::{log_subject, Cluster, Error, Result, ShardWriter};

/// Records appended or replayed after which a shard's log is compacted into a snapshot.
pub const COMPACT_AFTER: u64 = 1_000;

/// Largest part of a snapshot, in bytes, well under NATS's 1 MiB message limit.
const PART_BYTES: usize = 256 * 1024;

/// Where a complete snapshot is: written after its last part.
#[derive(Debug, Serialize, Deserialize)]
struct Index {
    /// Stream sequence of its first part.
    first: u64,
    /// How many parts.
    parts: u32,
    /// The last log record it covers.
    upto: u64,
}

fn snap_subject(shard: u16) -> String {
    format!("sb.snap.{shard}")
}

fn index_subject(shard: u16) -> String {
    format!("sb.snapidx.{shard}")
}

fn encode_with<T: Serialize>(value: &T) -> Bytes {
    Bytes::from(
        bincode::serde::encode_to_vec(value, bincode::config::standard())
            .expect("byte strings always encode"),
    )
}

fn decode_as<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(value, _)| value)
        .map_err(|e| Error::Nats(format!("{what} is unreadable: {e}")))
}

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
    /// Changes waiting for the next append (`None`: a marker, appended with no change).
    queue: Vec<(Option<Change>, Settle)>,
    /// An append task is running.
    busy: bool,
    /// Records appended since the last snapshot.
    since_snapshot: u64,
    /// A compaction is running.
    compacting: bool,
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
        let mut first = true;
        loop {
            if !std::mem::take(&mut first) {
                // An old owner appended, and may have compacted, since this replay began.
                store
                    .wipe_shards(|s| s == shard)
                    .map_err(|e| Error::Nats(format!("clearing shard {shard}: {e}")))?;
            }
            let (applied, changes) = load_snapshot(cluster, shard).await?;
            store
                .apply(&changes)
                .map_err(|e| Error::Nats(format!("loading shard {shard}'s snapshot: {e}")))?;
            let mut writer = cluster.open_log(shard).await?;
            let mut replayed = 0;
            for (sequence, bytes) in cluster.read_log_to(shard, applied, writer.last).await? {
                let batch = decode(shard, sequence, &bytes)?;
                store
                    .apply(&batch.changes)
                    .map_err(|e| Error::Nats(format!("replaying shard {shard}: {e}")))?;
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
                    state.since_snapshot = replayed;
                    drop(state);
                    self.maybe_compact(shard);
                    return Ok(replayed);
                }
                // An old owner appended after the last sequence was read: start again.
                Err(Error::Fenced(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts compacting `shard` if enough was appended since its last snapshot.
    fn maybe_compact(&self, shard: u16) {
        let mut state = self.shard(shard);
        if state.serving && !state.compacting && state.since_snapshot >= COMPACT_AFTER {
            state.compacting = true;
            drop(state);
            let log = self.clone();
            self.0.runtime.spawn(async move {
                if let Err(e) = log.compact(shard).await {
                    tracing::warn!(shard, "cannot compact the shard's log: {e}");
                }
                log.shard(shard).compacting = false;
            });
        }
    }

    /// Folds the last snapshot and the records after it into a new snapshot, then removes
    /// what it covers once a marker shows this node still owns the shard.
    pub async fn compact(&self, shard: u16) -> Result<()> {
        let cluster = &self.0.cluster;
        let (upto, changes) = load_snapshot(cluster, shard).await?;
        let mut records: BTreeMap<(String, Vec<u8>), Vec<u8>> = changes
            .into_iter()
            .filter_map(|c| Some(((c.tree, c.key), c.value?)))
            .collect();
        let last = cluster.open_log(shard).await?.last;
        let mut folded = 0;
        for (sequence, bytes) in cluster.read_log_to(shard, upto, last).await? {
            for change in decode(shard, sequence, &bytes)?.changes {
                match change.value {
                    Some(value) => records.insert((change.tree, change.key), value),
                    None => records.remove(&(change.tree, change.key)),
                };
            }
            folded += 1;
        }
        if folded == 0 {
            return Ok(());
        }
        let mut parts: Vec<Vec<Change>> = vec![Vec::new()];
        let mut size = 0;
        for ((tree, key), value) in records {
            let bytes = tree.len() + key.len() + value.len();
            if size + bytes > PART_BYTES && !parts.last().expect("one part").is_empty() {
                parts.push(Vec::new());
                size = 0;
            }
            size += bytes;
            parts.last_mut().expect("one part").push(Change {
                tree,
                key,
                value: Some(value),
            });
        }
        let mut first = None;
        for part in &parts {
            let sequence = cluster
                .publish(snap_subject(shard), encode_with(part))
                .await?;
            first.get_or_insert(sequence);
        }
        let first = first.expect("at least one part");
        let index = Index {
            first,
            parts: parts.len() as u32,
            upto: last,
        };
        let indexed = cluster
            .publish(index_subject(shard), encode_with(&index))
            .await?;
        // Only the shard's owner may remove records: a marker through the shard's queue.
        let (settle, receipt) = Receipt::new();
        {
            let mut state = self.shard(shard);
            if !state.serving {
                return Ok(());
            }
            state.queue.push((None, settle));
            state.since_snapshot = 0;
            if !state.busy && state.writer.is_some() {
                state.busy = true;
                self.0.runtime.spawn(self.clone().drain(shard));
            }
        }
        if receipt.settled().await.is_err() {
            return Ok(());
        }
        cluster.purge_below(log_subject(shard), last).await?;
        cluster.purge_below(snap_subject(shard), first).await?;
        cluster.purge_below(index_subject(shard), indexed).await?;
        tracing::debug!(
            shard,
            folded,
            parts = parts.len(),
            "compacted the shard's log"
        );
        Ok(())
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
            let (changes, settles): (Vec<Option<Change>>, Vec<Settle>) = batch.into_iter().unzip();
            let changes: Vec<Change> = changes.into_iter().flatten().collect();
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
                        state.since_snapshot += 1;
                    }
                    drop(state);
                    self.maybe_compact(shard);
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
        state.queue.push((Some(change), settle));
        if !state.busy && state.writer.is_some() {
            state.busy = true;
            self.0.runtime.spawn(self.clone().drain(shard));
        }
        receipt
    }
}

fn fail(queued: Vec<(Option<Change>, Settle)>, reason: &str) {
    for (_, settle) in queued {
        let _ = settle.send(Err(reason.to_owned()));
    }
}

/// The shard's latest complete snapshot: the last log record it covers, and its records
/// (0 and none when there is no snapshot yet).
async fn load_snapshot(cluster: &Cluster, shard: u16) -> Result<(u64, Vec<Change>)> {
    let Some((_, index)) = cluster.last_on(index_subject(shard)).await? else {
        return Ok((0, Vec::new()));
    };
    let index: Index = decode_as(&format!("the snapshot index of shard {shard}"), &index)?;
    let mut changes = Vec::new();
    let mut next = index.first;
    for _ in 0..index.parts {
        let (sequence, part) = cluster.next_on(snap_subject(shard), next).await?;
        let part: Vec<Change> = decode_as(&format!("a snapshot part of shard {shard}"), &part)?;
        changes.extend(part);
        next = sequence + 1;
    }
    Ok((index.upto, changes))
}
