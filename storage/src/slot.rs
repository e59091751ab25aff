//! The open sled database, and how the store gets it back after a full disk.
//!
//! sled 0.34.7 poisons itself on the first failed write to its log: it keeps the I/O error
//! and returns it from every later write and flush, even once space is back; reads still
//! work. The only cure is to close the database and open it again, which replays the log up
//! to the last successful flush. So the store holds its `sled::Db` in a [`Slot`] it can
//! empty and refill:
//!
//! - A write or flush that fails with "no space left" marks the slot [`Health::DiskFull`].
//!   From then on writes are refused at once with [`Error::DiskFull`] (sled is never asked),
//!   and reads keep using the poisoned database.
//! - A recovery thread checks the free space every [`RECOVERY_INTERVAL`]. Once
//!   [`RECOVERY_HEADROOM`] is free it takes the slot's write lock (so no write is half done),
//!   notes which writes were made but never flushed ([`Handle::lose_unflushed`]: their tickets
//!   fail instead of being confirmed by a flush of the new database), drops the old database
//!   and opens it again.
//! - Writes hold the read lock from the sled call until their ticket is numbered, so every
//!   write numbered before a reopen was made on the old database, and every one after on the
//!   new.
//!
//! Acknowledged writes were flushed, so the reopened database has them. Writes that were
//! made but not flushed when the disk filled may or may not be there after the reopen; none
//! of them was acknowledged.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, Weak};
use std::time::{Duration, Instant};

use crate::commit::Handle;
use crate::{Error, Result};

/// How often the recovery thread looks at the free space while the disk is full: quick
/// enough that service resumes within a second of space coming back, rare enough to cost
/// nothing.
pub(crate) const RECOVERY_INTERVAL: Duration = Duration::from_millis(250);

/// Free space needed before the database is reopened: four of sled's 512 KiB log segments,
/// room for the replay, the snapshot sled writes on open and the first writes after, so the
/// reopen does not fill the disk again at once.
pub(crate) const RECOVERY_HEADROOM: u64 = 2 * 1024 * 1024;

/// How long a reopen waits for sled's file lock: sled's I/O threads release it a moment
/// after the last handle of a closed database drops (sled issue #1234), and a read still
/// iterating over the old database holds it until it ends.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Pause between two attempts to take the file lock while [`LOCK_WAIT`] lasts.
const LOCK_RETRY_INTERVAL: Duration = Duration::from_millis(10);

/// sled's background flush interval (its default), which alone covers
/// [`Durability::Relaxed`](crate::Durability::Relaxed) writes.
const BACKGROUND_FLUSH_MS: u64 = 500;

/// Whether the store can take writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Health {
    /// Reads and writes work.
    Ok,
    /// The disk holding the database filled up: writes are refused with
    /// [`Error::DiskFull`] until space is back and the store has reopened the database by
    /// itself.
    DiskFull,
}

/// What is needed to open the database again.
#[derive(Clone, Debug)]
pub(crate) struct Opener {
    /// The database directory.
    pub path: PathBuf,
    /// sled's page cache size in bytes.
    pub cache_capacity: u64,
}

impl Opener {
    /// Opens sled, waiting up to [`LOCK_WAIT`] for a just-closed handle to release the lock.
    pub(crate) fn open(&self) -> Result<sled::Db> {
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            let opened = sled::Config::new()
                .path(&self.path)
                .cache_capacity(self.cache_capacity)
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
}

/// Whether sled failed to take the database's file lock. sled 0.34.7 (pinned) reports it only
/// as an `Other` error with this message.
fn is_lock_busy(error: &std::io::Error) -> bool {
    error.to_string().starts_with("could not acquire lock")
}

/// The database and its health, shared by the store, its tables, the flusher and the
/// recovery thread.
#[derive(Debug)]
pub(crate) struct Slot {
    /// The open database; `None` after a reopen failed, until the next one succeeds.
    db: RwLock<Option<sled::Db>>,
    /// [`Health`], behind its own lock so that reads of it never wait for a reopen.
    health: std::sync::Mutex<Health>,
    /// How to open the database again.
    opener: Opener,
}

/// A write's hold on the database: while it lives, no reopen can start.
pub(crate) struct WriteGuard<'a> {
    /// The read side of [`Slot::db`].
    guard: RwLockReadGuard<'a, Option<sled::Db>>,
}

impl WriteGuard<'_> {
    /// The database the write goes to.
    pub(crate) fn db(&self) -> &sled::Db {
        self.guard
            .as_ref()
            .expect("a write guard is only handed out over an open database")
    }
}

impl Slot {
    /// A slot over an open database.
    pub(crate) fn new(db: sled::Db, opener: Opener) -> Slot {
        Slot {
            db: RwLock::new(Some(db)),
            health: std::sync::Mutex::new(Health::Ok),
            opener,
        }
    }

    /// The database's current health.
    pub(crate) fn health(&self) -> Health {
        *self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database, for a read; reads keep working while the disk is full.
    pub(crate) fn db(&self) -> Result<sled::Db> {
        self.db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(Error::DiskFull)
    }

    /// The database for a write, held against a reopen; [`Error::DiskFull`] at once while
    /// the disk is full.
    pub(crate) fn write(&self) -> Result<WriteGuard<'_>> {
        if self.health() == Health::DiskFull {
            return Err(Error::DiskFull);
        }
        let guard = self.db.read().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            return Err(Error::DiskFull);
        }
        Ok(WriteGuard { guard })
    }

    /// Classifies a sled error from a write or a flush; a full disk marks the slot (and
    /// starts the recovery thread when it was healthy).
    pub(crate) fn failed(self: &Arc<Self>, error: sled::Error, commit: &Handle) -> Error {
        if !is_disk_full(&error) {
            return Error::from(error);
        }
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if *health == Health::Ok {
            *health = Health::DiskFull;
            tracing::error!(
                path = %self.opener.path.display(),
                "the disk is full: writes are refused until space is freed"
            );
            spawn_recovery(Arc::downgrade(self), commit.clone());
        }
        Error::DiskFull
    }

    /// Closes the database and opens it again, once no write is under way; unflushed
    /// writes of the old database are declared lost to their tickets first.
    fn reopen(&self, commit: &Handle) -> Result<()> {
        let mut slot = self.db.write().unwrap_or_else(PoisonError::into_inner);
        commit.lose_unflushed();
        // Our handle goes first, so the lock is free once in-flight reads end.
        *slot = None;
        let db = self.opener.open()?;
        *slot = Some(db);
        *self.health.lock().unwrap_or_else(PoisonError::into_inner) = Health::Ok;
        Ok(())
    }
}

/// Whether a sled error says the disk (or the user's quota) is full.
pub(crate) fn is_disk_full(error: &sled::Error) -> bool {
    // sled's `Clone` keeps only the kind of an I/O error, not the OS code.
    matches!(error, sled::Error::Io(e) if matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ))
}

/// Starts the thread that reopens the database once space is back; it ends then, or when
/// the store is gone.
fn spawn_recovery(slot: Weak<Slot>, commit: Handle) {
    let started = std::thread::Builder::new()
        .name("storage-recovery".to_owned())
        .spawn(move || loop {
            // A timed retry: free space raises no event a process can wait for.
            std::thread::sleep(RECOVERY_INTERVAL);
            let Some(slot) = slot.upgrade() else { return };
            if !has_room(&slot.opener.path) {
                continue;
            }
            match slot.reopen(&commit) {
                Ok(()) => {
                    tracing::info!(path = %slot.opener.path.display(), "space is back: the database reopened and takes writes again");
                    return;
                }
                Err(error) => tracing::warn!(%error, "reopening the database failed; trying again"),
            }
        });
    if let Err(error) = started {
        tracing::error!(%error, "cannot start the storage recovery thread: restart to take writes again");
    }
}

/// Whether the file system holding `path` has [`RECOVERY_HEADROOM`] free.
fn has_room(path: &Path) -> bool {
    fs2::available_space(path).is_ok_and(|free| free >= RECOVERY_HEADROOM)
}

#[cfg(test)]
mod tests;
