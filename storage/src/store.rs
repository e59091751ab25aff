//! The handle on one sled database: opening, configuration, tables and ids.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tempfile::TempDir;

use crate::commit::Commit;
use crate::{key_u64, Error, Record, Result, Table};

/// Default sled page cache: enough for a busy server's hot chats without crowding the host.
const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// How often sled flushes on its own (its default), which is all that covers
/// [`Durability::Relaxed`] writes.
const BACKGROUND_FLUSH_MS: u64 = 500;

/// How long [`Store::open`] waits for a database's file lock. sled's I/O threads release it
/// a moment after the last handle of a closed store drops (sled issue #1234), so a reopen
/// in the same process can find it still held; a second server on the same data still fails.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Pause between two attempts to take the file lock while [`LOCK_WAIT`] lasts.
const LOCK_RETRY_INTERVAL: Duration = Duration::from_millis(10);

/// The tree holding the store's own bookkeeping; the `"__"` prefix is refused to records.
pub(crate) const META_TREE: &str = "__switchboard_meta";

/// Key in [`META_TREE`] of the amount added to sled's id counter, raised by an import so a
/// restored store never reuses an id the backup already holds.
const ID_BASE_KEY: &[u8] = b"id_base";

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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            path: PathBuf::from("data"),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            durability: Durability::default(),
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
    /// The database.
    db: sled::Db,
    /// The store's bookkeeping tree ([`META_TREE`]).
    meta: sled::Tree,
    /// Group commit: the flusher thread, stopped and joined when this drops.
    commit: Commit,
    /// Added to sled's id counter; see [`ID_BASE_KEY`].
    id_base: AtomicU64,
    /// The durability the store was opened with, for `Debug`.
    durability: Durability,
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
        Store::temporary_with(Durability::Strict)
    }

    /// Like [`Store::temporary`], with the given durability.
    pub fn temporary_with(durability: Durability) -> Result<Store> {
        let dir = TempDir::new().map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let config = Config {
            path: dir.path().to_owned(),
            durability,
            ..Config::default()
        };
        Store::open_in(&config, Some(dir))
    }

    /// Opens the database, keeping `dir` alive as long as the store.
    fn open_in(config: &Config, dir: Option<TempDir>) -> Result<Store> {
        let db = open_sled(config)?;
        let meta = db.open_tree(META_TREE)?;
        let id_base = match meta.get(ID_BASE_KEY)? {
            Some(bytes) => key_u64(&bytes, 0).ok_or_else(|| Error::Decode {
                tree: META_TREE,
                reason: "the id base is not a u64".to_owned(),
            })?,
            None => 0,
        };
        let strict = config.durability == Durability::Strict;
        let commit = Commit::start(db.clone(), strict).map_err(Error::Spawn)?;
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                meta,
                commit,
                id_base: AtomicU64::new(id_base),
                durability: config.durability,
                _dir: dir,
            }),
        })
    }

    /// Whether the store was opened over existing data.
    pub fn was_recovered(&self) -> bool {
        self.inner.db.was_recovered()
    }

    /// Opens the tree named `R::TREE`.
    pub fn table<R: Record>(&self) -> Result<Table<R>> {
        if R::TREE.starts_with("__") {
            return Err(Error::Reserved { tree: R::TREE });
        }
        let tree = self.inner.db.open_tree(R::TREE)?;
        Ok(Table::new(tree, self.clone()))
    }

    /// A unique id: never 0, and increasing, across restarts and restores too.
    pub fn next_id(&self) -> Result<u64> {
        let base = self.inner.id_base.load(Ordering::SeqCst);
        Ok(base + self.inner.db.generate_id()? + 1)
    }

    /// Flushes synchronously, on the caller's thread; tickets it covers are released too.
    pub fn flush_now(&self) -> Result<()> {
        self.inner.commit.flush_now(&self.inner.db)
    }

    /// How many flushes the store has made (group commit and [`Store::flush_now`]); tests
    /// and benches use it to show that writers share flushes.
    pub fn flush_count(&self) -> u64 {
        self.inner.commit.flush_count()
    }

    /// Group commit, for tables to number their writes.
    pub(crate) fn commit(&self) -> &Commit {
        &self.inner.commit
    }

    /// The database, for backup.
    pub(crate) fn db(&self) -> &sled::Db {
        &self.inner.db
    }

    /// Raises the id base so that [`Store::next_id`] stays above `floor`, and persists it.
    pub(crate) fn raise_id_base(&self, floor: u64) -> Result<()> {
        let base = self
            .inner
            .id_base
            .fetch_max(floor, Ordering::SeqCst)
            .max(floor);
        self.inner.meta.insert(ID_BASE_KEY, &base.to_be_bytes())?;
        Ok(())
    }
}

/// Opens sled, waiting up to [`LOCK_WAIT`] for a just-closed store to release the lock.
fn open_sled(config: &Config) -> Result<sled::Db> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        let opened = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_capacity)
            .flush_every_ms(Some(BACKGROUND_FLUSH_MS))
            .open();
        match opened {
            Err(sled::Error::Io(e)) if is_lock_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(LOCK_RETRY_INTERVAL);
            }
            other => return Ok(other?),
        }
    }
}

/// Whether sled failed to take the database's file lock. sled 0.34.7 (pinned) reports it only
/// as an `Other` error with this message.
fn is_lock_busy(error: &std::io::Error) -> bool {
    error.to_string().starts_with("could not acquire lock")
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
        let first_id = store.next_id().unwrap();
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
        assert!(store.next_id().unwrap() > first_id);
    }

    #[test]
    fn ids_are_never_zero_and_increase() {
        let store = Store::temporary().unwrap();
        let a = store.next_id().unwrap();
        let b = store.next_id().unwrap();
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
