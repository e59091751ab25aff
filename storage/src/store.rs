//! The handle on one sled database: opening, configuration, tables and ids.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tempfile::TempDir;

use crate::commit::Commit;
use crate::replica::{Change, IdSource, Replicate};
use crate::slot::{Health, Opener, Slot};
use crate::{key_u64, Error, Record, Result, Table, Ticket};

/// Default sled page cache: enough for a busy server's hot chats without crowding the host.
const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// A millisecond between flushes' starts: on a 2-core machine at 4,000 messages/s it cut
/// the server's CPU by a third (BENCHMARKS.md) for half a millisecond more at the median.
const DEFAULT_FLUSH_GAP_US: u64 = 1_000;

/// The tree holding the store's own bookkeeping; the `"__"` prefix is refused to records.
pub(crate) const META_TREE: &str = "__switchboard_meta";

/// Key in [`META_TREE`] of the amount added to sled's id counter, raised by an import so a
/// restored store never reuses an id the backup already holds.
const ID_BASE_KEY: &[u8] = b"id_base";

/// What sled names a snapshot it is still writing; it renames the file once complete, so
/// one found before opening is the remains of a write that failed (a full disk) or was
/// killed, and sled would read it as its newest snapshot and refuse the database as corrupt.
const UNFINISHED_SNAPSHOT: (&str, &str) = ("snap.", ".generating");

/// How acknowledged writes wait for disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// A ticket resolves once a flush covers its write: acknowledged means on disk.
    #[default]
    Strict,
    /// Tickets are ready at once; sled's own background flush (every 500 ms) covers them,
    /// so a crash can lose the last half second of acknowledged writes.
    Relaxed,
}

/// Where and how to open the store.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The sled database directory; created if missing.
    pub path: PathBuf,
    /// sled's page cache size in bytes.
    pub cache_capacity: u64,
    /// Whether acknowledged writes wait for disk.
    pub durability: Durability,
    /// The shortest time, in microseconds, from one flush's start to the next's: writes
    /// made meanwhile share the next flush (0: flush as soon as a write is awaited).
    pub flush_gap_us: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            path: PathBuf::from("data"),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            durability: Durability::default(),
            flush_gap_us: DEFAULT_FLUSH_GAP_US,
        }
    }
}

/// One open sled database. Cheap to clone; the database closes (after a last flush) when
/// the last clone, and the last [`Table`] opened from it, drops.
#[derive(Clone)]
pub struct Store {
    /// Shared by every clone and every table.
    inner: Arc<Inner>,
}

/// What the clones of one [`Store`] share. Fields drop in order, so the temporary
/// directory goes only after sled has closed.
struct Inner {
    /// Group commit: the flusher thread, stopped and joined when this drops (first, so its
    /// last flush still finds the database).
    commit: Commit,
    /// The database, which a full disk may make the store reopen (see `slot`).
    slot: Arc<Slot>,
    /// Added to sled's id counter; see [`ID_BASE_KEY`].
    id_base: AtomicU64,
    /// The durability the store was opened with, for `Debug`.
    durability: Durability,
    /// Cluster mode: where writes are replicated and ids come from.
    replica: OnceLock<Replica>,
    /// For [`Store::temporary`]: deleted after everything above has dropped.
    _dir: Option<TempDir>,
}

impl Store {
    /// Opens (or creates) the database at `config.path` and starts its flusher thread.
    pub fn open(config: &Config) -> Result<Store> {
        Store::open_in(config, None)
    }

    /// A real on-disk database in a fresh temporary directory, deleted when the last clone
    /// drops; strict durability.
    pub fn temporary() -> Result<Store> {
        Store::temporary_with(Config::default())
    }

    /// Like [`Store::temporary`], with `config` but for its path.
    pub fn temporary_with(config: Config) -> Result<Store> {
        let dir = TempDir::new().map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let config = Config {
            path: dir.path().to_owned(),
            ..config
        };
        Store::open_in(&config, Some(dir))
    }

    /// Opens the database, keeping `dir` alive as long as the store.
    fn open_in(config: &Config, dir: Option<TempDir>) -> Result<Store> {
        prepare_folder(&config.path)?;
        let opener = Opener {
            path: config.path.clone(),
            cache_capacity: config.cache_capacity,
        };
        let db = opener.open().map_err(|e| match e {
            Error::DiskFull => Error::DiskFullAtOpen {
                path: config.path.clone(),
            },
            Error::Sled(sled::Error::Corruption { .. }) => Error::Corrupt {
                path: config.path.clone(),
            },
            other => other,
        })?;
        let id_base = match db.open_tree(META_TREE)?.get(ID_BASE_KEY)? {
            Some(bytes) => key_u64(&bytes, 0).ok_or_else(|| Error::Decode {
                tree: META_TREE,
                reason: "the id base is not a u64".to_owned(),
            })?,
            None => 0,
        };
        let strict = config.durability == Durability::Strict;
        let slot = Arc::new(Slot::new(db, opener));
        let gap = Duration::from_micros(config.flush_gap_us);
        let commit = Commit::start(Arc::clone(&slot), strict, gap).map_err(Error::Spawn)?;
        Ok(Store {
            inner: Arc::new(Inner {
                commit,
                slot,
                id_base: AtomicU64::new(id_base),
                durability: config.durability,
                replica: OnceLock::new(),
                _dir: dir,
            }),
        })
    }

    /// Whether the store was opened over existing data.
    pub fn was_recovered(&self) -> bool {
        self.inner.slot.db().is_ok_and(|db| db.was_recovered())
    }

    /// Whether the store takes writes: [`Health::DiskFull`] from the first write that met a
    /// full disk until space is back and the store has reopened the database by itself.
    pub fn health(&self) -> Health {
        self.inner.slot.health()
    }

    /// Opens (creating if needed) the tree named `R::TREE`.
    pub fn table<R: Record>(&self) -> Result<Table<R>> {
        if R::TREE.starts_with("__") {
            return Err(Error::Reserved { tree: R::TREE });
        }
        self.tree(R::TREE)?;
        Ok(Table::new(self.clone()))
    }

    /// The tree named `name` of the current database, for a read.
    pub(crate) fn tree(&self, name: &str) -> Result<sled::Tree> {
        Ok(self.inner.slot.db()?.open_tree(name)?)
    }

    /// Runs `write` on the tree named `name` and numbers it for group commit, holding off a
    /// reopen meanwhile; `Ok(None)` from `write` means it changed nothing. A full disk is
    /// [`Error::DiskFull`], before sled is asked when the store already knows.
    ///
    /// In cluster mode what `write` says it changed is queued for its shard's log under one
    /// lock with the write itself, so the log holds a key's changes in the order they were
    /// made here, and the ticket waits for the log too.
    pub(crate) fn write<T>(
        &self,
        name: &str,
        write: impl FnOnce(&sled::Tree) -> sled::Result<(T, Option<Written>)>,
    ) -> Result<(T, Ticket)> {
        let replica = self.inner.replica.get();
        let order = replica.map(|r| r.order.lock().unwrap_or_else(PoisonError::into_inner));
        let guard = self.inner.slot.write()?;
        let done = guard.db().open_tree(name).and_then(|tree| write(&tree));
        match done {
            Ok((value, written)) => {
                let mut ticket = self.inner.commit.wrote();
                if let (Some(replica), Some(written)) = (replica, written) {
                    let value = written.value.as_deref();
                    let owner = value.or(written.old.as_deref());
                    if let Some(shard) = crate::replica::shard_of(name, &written.key, owner) {
                        let change = Change {
                            tree: name.to_owned(),
                            key: written.key,
                            value: value.map(<[u8]>::to_vec),
                        };
                        ticket = ticket.replicated(replica.log.queue(shard, change));
                    }
                }
                drop(order);
                Ok((value, ticket))
            }
            Err(e) => {
                drop(guard);
                drop(order);
                Err(self.inner.slot.failed(e, &self.inner.commit.handle()))
            }
        }
    }

    /// Whether writes are replicated (cluster mode).
    pub(crate) fn replicating(&self) -> bool {
        self.inner.replica.get().is_some()
    }

    /// Cluster mode: from now on every write is also queued for its shard's log, and ids
    /// come from `ids`. Set once, before the store is used.
    pub fn replicate_to(&self, log: Arc<dyn Replicate>, ids: Arc<dyn IdSource>) {
        let replica = Replica {
            log,
            ids,
            order: Mutex::new(()),
        };
        if self.inner.replica.set(replica).is_err() {
            tracing::error!("the store already replicates to a log");
        }
    }

    /// Stores changes read from a shard's log, as they are, without queueing them again
    /// (a node taking a shard over replays its log). Not flushed: the log is the copy that
    /// counts.
    pub fn apply(&self, changes: &[Change]) -> Result<()> {
        let db = self.db()?;
        for change in changes {
            let tree = db.open_tree(&change.tree)?;
            match &change.value {
                Some(value) => drop(tree.insert(&change.key, value.as_slice())?),
                None => drop(tree.remove(&change.key)?),
            }
        }
        Ok(())
    }

    /// Removes every record of the shards `wiped` says yes to, without queueing anything:
    /// what a node holds of a shard it takes over (the log will be replayed) or gave up
    /// (it is stale from now on). Returns how many records went.
    pub fn wipe_shards(&self, wiped: impl Fn(u16) -> bool) -> Result<u64> {
        let db = self.db()?;
        let mut removed = 0;
        for name in db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            let tree = db.open_tree(&name)?;
            for entry in tree.iter() {
                let (key, value) = entry?;
                if crate::replica::shard_of(&name, &key, Some(&value)).is_some_and(&wiped) {
                    tree.remove(&key)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// A unique id for a record of `tenant`: never 0, and increasing, across restarts and
    /// restores too. In cluster mode it is unique in the whole cluster and its low ten bits
    /// are the company's shard (see [`IdSource`]).
    pub fn next_id(&self, tenant: u64) -> Result<u64> {
        if let Some(replica) = self.inner.replica.get() {
            return replica.ids.next(tenant).map_err(Error::Replication);
        }
        self.local_id()
    }

    /// Cluster mode: where a new event hub starts numbering (see [`IdSource::event_base`]);
    /// `None` on a single node, whose hubs number by the clock.
    pub fn cluster_event_base(&self) -> Option<Result<u64>> {
        let replica = self.inner.replica.get()?;
        Some(replica.ids.event_base().map_err(Error::Replication))
    }

    /// A new company's id: in cluster mode one whose shard this node serves.
    pub fn next_tenant_id(&self) -> Result<u64> {
        if let Some(replica) = self.inner.replica.get() {
            return replica.ids.next_tenant().map_err(Error::Replication);
        }
        self.local_id()
    }

    /// The next id of this database alone.
    fn local_id(&self) -> Result<u64> {
        let base = self.inner.id_base.load(Ordering::SeqCst);
        let guard = self.inner.slot.write()?;
        match guard.db().generate_id() {
            Ok(id) => Ok(base + id + 1),
            Err(e) => {
                drop(guard);
                Err(self.inner.slot.failed(e, &self.inner.commit.handle()))
            }
        }
    }

    /// Flushes synchronously, on the caller's thread; tickets it covers are released too.
    pub fn flush_now(&self) -> Result<()> {
        self.inner.commit.flush_now(&self.inner.slot)
    }

    /// How many flushes the store has made (group commit and [`Store::flush_now`]); tests
    /// and benches use it to show that writers share flushes.
    pub fn flush_count(&self) -> u64 {
        self.inner.commit.flush_count()
    }

    /// The database, for backup.
    pub(crate) fn db(&self) -> Result<sled::Db> {
        self.inner.slot.db()
    }

    /// Raises the id base so that [`Store::next_id`] stays above `floor`, and persists it.
    pub(crate) fn raise_id_base(&self, floor: u64) -> Result<()> {
        let base = self
            .inner
            .id_base
            .fetch_max(floor, Ordering::SeqCst)
            .max(floor);
        let (_, _ticket) = self.write(META_TREE, |meta| {
            meta.insert(ID_BASE_KEY, &base.to_be_bytes())?;
            Ok(((), None))
        })?;
        Ok(())
    }
}

/// Cluster mode's log and ids.
struct Replica {
    log: Arc<dyn Replicate>,
    ids: Arc<dyn IdSource>,
    /// Held from a write until its change is queued, so the log's order is the store's.
    order: Mutex<()>,
}

/// What a write changed, for the log: the key, the value now (`None`: removed) and the
/// value before, which names the shard of a removed index entry.
pub(crate) struct Written {
    key: Vec<u8>,
    value: Option<sled::IVec>,
    old: Option<sled::IVec>,
}

impl Written {
    pub(crate) fn new(key: &[u8], value: Option<sled::IVec>, old: Option<sled::IVec>) -> Written {
        Written {
            key: key.to_vec(),
            value,
            old,
        }
    }
}

/// Creates the database folder, private to its owner (0700), when it is missing, and
/// removes what a failed start left behind (an unfinished snapshot, logged by name).
fn prepare_folder(path: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if !path.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(path).map_err(io)?;
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let (prefix, suffix) = UNFINISHED_SNAPSHOT;
        if name.starts_with(prefix) && name.ends_with(suffix) {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            // sled still has the snapshot before it, or its log, to recover from.
            std::fs::remove_file(entry.path()).map_err(io)?;
            tracing::warn!(
                file = %entry.path().display(),
                bytes = size,
                "removed an unfinished snapshot left by a failed start"
            );
        }
    }
    Ok(())
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("durability", &self.inner.durability)
            .field("flushes", &self.flush_count())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{note, Note};

    /// A store under `dir`, as a server would open it.
    fn open_at(dir: &TempDir) -> Store {
        let config = Config {
            path: dir.path().join("db"),
            ..Config::default()
        };
        Store::open(&config).unwrap()
    }

    #[tokio::test]
    async fn durable_data_survives_a_reopen() {
        let dir = TempDir::new().unwrap();
        let store = open_at(&dir);
        assert!(!store.was_recovered());
        let first_id = store.next_id(0).unwrap();
        let notes = store.table::<Note>().unwrap();
        notes
            .insert(b"k", &note("kept"))
            .unwrap()
            .durable()
            .await
            .unwrap();
        drop(notes);
        drop(store);

        let store = open_at(&dir);
        assert!(store.was_recovered());
        let notes = store.table::<Note>().unwrap();
        assert_eq!(notes.get(b"k").unwrap(), Some(note("kept")));
        assert!(store.next_id(0).unwrap() > first_id);
    }

    #[test]
    fn ids_are_never_zero_and_increase() {
        let store = Store::temporary().unwrap();
        let a = store.next_id(0).unwrap();
        let b = store.next_id(0).unwrap();
        assert!(a > 0 && b > a);
    }

    #[test]
    fn config_reads_lowercase_durability_and_fills_defaults() {
        let config: Config = serde::Deserialize::deserialize(serde::de::value::MapDeserializer::<
            _,
            serde::de::value::Error,
        >::new(
            [("durability", "relaxed")].into_iter(),
        ))
        .unwrap();
        assert_eq!(config.durability, Durability::Relaxed);
        assert_eq!(config.path, PathBuf::from("data"));
        assert_eq!(config.cache_capacity, DEFAULT_CACHE_CAPACITY);
    }

    #[test]
    fn a_store_and_its_tables_are_send_sync_and_static() {
        fn assert_shareable<T: Send + Sync + 'static>() {}
        assert_shareable::<Store>();
        assert_shareable::<Table<Note>>();
        fn assert_send<T: Send + 'static>() {}
        assert_send::<crate::Ticket>();
    }
}
