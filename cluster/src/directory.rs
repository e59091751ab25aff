//! What every node must find whatever shards it serves: the directory (which company a
//! public chat key or a sign-in email belongs to, the secrets all nodes share, one-time
//! claims such as seeding the demo company), and ids unique in the whole cluster.
//!
//! The directory is the `sb_directory` bucket (R3, no expiry). Its `keys.` and `emails.`
//! entries mirror the owners' index records: the shard log writes them after appending a
//! batch that changed one (`Cluster::mirror`), before the writes are acknowledged.

use std::sync::{Arc, Mutex, PoisonError};

use async_nats::jetstream::kv;
use bytes::Bytes;
use switchboard_storage::replica::{shard, Change, IdSource};

use crate::{nats, Cluster, Error, Result};

/// Ids reserved at a time: one compare-and-set in the directory per this many ids.
const BLOCK: u64 = 1 << 16;

/// The directory entry's name for a stored key of `tree` (`keys` or `emails`).
pub fn entry_name(tree: &str, key: &[u8]) -> String {
    let mut name = String::with_capacity(tree.len() + 1 + key.len() * 2);
    name.push_str(tree);
    name.push('.');
    for byte in key {
        name.push_str(&format!("{byte:02x}"));
    }
    name
}

impl Cluster {
    /// The directory entry `name`, if any.
    pub async fn lookup(&self, name: &str) -> Result<Option<Bytes>> {
        self.directory.get(name).await.map_err(nats)
    }

    /// Writes `value` at `name` unless the entry exists; returns the entry's value after
    /// (`value` when this call wrote it).
    pub async fn claim(&self, name: &str, value: Bytes) -> Result<Bytes> {
        match self.directory.create(name, value.clone()).await {
            Ok(_) => Ok(value),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => self
                .lookup(name)
                .await?
                .ok_or_else(|| Error::Nats(format!("directory entry {name} vanished"))),
            Err(e) => Err(nats(e)),
        }
    }

    /// Copies the key and email index changes of an appended batch into the directory.
    pub(crate) async fn mirror(&self, changes: &[Change]) -> Result<()> {
        for change in changes {
            if change.tree != "keys" && change.tree != "emails" {
                continue;
            }
            let name = entry_name(&change.tree, &change.key);
            match &change.value {
                Some(value) => {
                    let tenant = tenant_of_index(&change.tree, value)?;
                    self.directory
                        .put(&name, Bytes::from(tenant.to_string()))
                        .await
                        .map_err(nats)?;
                }
                None => self.directory.delete(&name).await.map_err(nats)?,
            }
        }
        Ok(())
    }

    /// Reserves the next block of ids: `[start, end)`.
    async fn reserve(&self) -> Result<(u64, u64)> {
        loop {
            let entry = self.directory.entry("ids").await.map_err(nats)?;
            let (start, revision) = match &entry {
                Some(e) if e.operation == kv::Operation::Put => (
                    String::from_utf8_lossy(&e.value)
                        .parse::<u64>()
                        .map_err(|_| Error::Nats("the id counter is not a number".into()))?,
                    Some(e.revision),
                ),
                _ => (1, None),
            };
            let end = Bytes::from((start + BLOCK).to_string());
            let written = match revision {
                Some(revision) => self
                    .directory
                    .update("ids", end, revision)
                    .await
                    .map(drop)
                    .map_err(|e| e.kind() == kv::UpdateErrorKind::WrongLastRevision),
                None => self
                    .directory
                    .create("ids", end)
                    .await
                    .map(drop)
                    .map_err(|e| e.kind() == kv::CreateErrorKind::AlreadyExists),
            };
            match written {
                Ok(()) => return Ok((start, start + BLOCK)),
                // Another node reserved meanwhile: read again.
                Err(true) => continue,
                Err(false) => return Err(Error::Nats("cannot reserve ids".into())),
            }
        }
    }
}

fn tenant_of_index(tree: &str, value: &[u8]) -> Result<u64> {
    use switchboard_storage::records::{EmailIndex, KeyIndex};
    let decoded = match tree {
        "keys" => switchboard_storage::decode::<KeyIndex>(value).map(|k| k.0.tenant),
        _ => switchboard_storage::decode::<EmailIndex>(value).map(|e| e.0.tenant),
    };
    decoded.map_err(|e| Error::Nats(format!("an index record of {tree} is unreadable: {e}")))
}

/// Ids unique in the whole cluster, from blocks reserved in the directory: the low ten
/// bits of a record id are its company's shard (so a chat's log records, keyed by chat id,
/// find their shard), the rest a counter no other node hands out.
pub struct Ids {
    cluster: Cluster,
    runtime: tokio::runtime::Handle,
    serves: Box<dyn Fn(u16) -> bool + Send + Sync>,
    blocks: Mutex<Blocks>,
}

#[derive(Default)]
struct Blocks {
    next: u64,
    end: u64,
    /// The block to use once this one runs out, reserved in the background.
    spare: Option<(u64, u64)>,
    reserving: bool,
}

impl Ids {
    /// Reserves the first blocks. `serves` says which shards this node serves (a new
    /// company's id must fall in one of them).
    pub async fn start(
        cluster: Cluster,
        serves: Box<dyn Fn(u16) -> bool + Send + Sync>,
    ) -> Result<Arc<Ids>> {
        let (next, end) = cluster.reserve().await?;
        let spare = Some(cluster.reserve().await?);
        Ok(Arc::new(Ids {
            cluster,
            runtime: tokio::runtime::Handle::current(),
            serves,
            blocks: Mutex::new(Blocks {
                next,
                end,
                spare,
                reserving: false,
            }),
        }))
    }

    /// Moves on to a freshly reserved block: ids made after a takeover are above every id
    /// the shard's old owner made (blocks are handed out in increasing order).
    pub async fn renew(&self) -> Result<()> {
        let (next, end) = self.cluster.reserve().await?;
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        blocks.next = next;
        blocks.end = end;
        Ok(())
    }

    fn counter(self: &Arc<Self>) -> std::result::Result<u64, String> {
        let mut blocks = self.blocks.lock().unwrap_or_else(PoisonError::into_inner);
        if blocks.next >= blocks.end {
            let (next, end) = blocks
                .spare
                .take()
                .ok_or("no ids are reserved yet: try again in a moment")?;
            blocks.next = next;
            blocks.end = end;
        }
        let id = blocks.next;
        blocks.next += 1;
        if blocks.spare.is_none() && !blocks.reserving {
            blocks.reserving = true;
            let ids = Arc::clone(self);
            self.runtime.spawn(async move {
                let spare = ids.cluster.reserve().await;
                let mut blocks = ids.blocks.lock().unwrap_or_else(PoisonError::into_inner);
                blocks.reserving = false;
                match spare {
                    Ok(spare) => blocks.spare = Some(spare),
                    Err(e) => tracing::warn!("cannot reserve ids: {e}"),
                }
            });
        }
        Ok(id)
    }
}

/// The ids a store hands out in cluster mode.
pub struct IdsFor(pub Arc<Ids>);

impl IdSource for IdsFor {
    fn next(&self, tenant: u64) -> std::result::Result<u64, String> {
        Ok((self.0.counter()? << 10) | u64::from(shard(tenant)))
    }

    fn next_tenant(&self) -> std::result::Result<u64, String> {
        for _ in 0..100_000 {
            let id = self.0.counter()?;
            if (self.0.serves)(shard(id)) {
                return Ok(id);
            }
        }
        Err("this node serves no shard yet: try again in a moment".into())
    }

    fn event_base(&self) -> std::result::Result<u64, String> {
        Ok(self.0.counter()? << 20)
    }
}
