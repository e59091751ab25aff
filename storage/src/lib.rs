//! Switchboard's storage: typed sled trees, versioned bincode values and group commit.
//!
//! # Layout
//!
//! - `store`: [`Store`], the handle on one sled database, its [`Config`] and [`Durability`],
//!   id generation, the flush count, and the start-up repair of leftover files.
//! - `slot`: the open database and its [`Health`]; after a full disk, writes are refused
//!   and the database is reopened by itself once space is back.
//! - `backup`: [`Store::export`], [`Store::import`] and [`verify_backup`]: every tree in one
//!   checksummed file, checked whole before anything is loaded.
//! - `table`: [`Table`], one sled tree holding one [`Record`] type, with point reads, writes
//!   that return a [`Ticket`], and ordered prefix scans.
//! - `codec`: the [`Record`] trait, [`encode`] and [`decode`], and the only place that knows
//!   values are bincode behind a version byte (also the backup file's entries).
//! - `key`: [`Key`], a big-endian key builder so that prefix scans list records in order, and
//!   [`key_u64`] to read a field back.
//! - [`records`]: the record types Switchboard keeps, one per tree, with their key layouts;
//!   `records/upgrade.rs` the older layouts and their conversions, `records/golden.rs` the
//!   exact bytes of every type (a layout change fails there until its version moves).
//! - [`replica`]: cluster mode's seam: [`Replicate`](replica::Replicate), where every write
//!   is also queued for its shard's log, [`IdSource`](replica::IdSource), cluster-wide ids,
//!   and [`shard_of`](replica::shard_of), which shard a record belongs to.
//! - `commit`: group commit: the flusher thread and the [`Ticket`] a write returns, whose
//!   `durable().await` resolves once one shared flush covers the write.
//!
//! The crate knows nothing of HTTP, JSON or actors: callers hand it keys and records, and get
//! back records and tickets.

#![deny(missing_docs)]

mod backup;
mod codec;
mod commit;
mod key;
pub mod records;
pub mod replica;
mod slot;
mod store;
mod table;
#[cfg(test)]
mod testing;

use std::path::PathBuf;

pub use backup::{verify_backup, BackupSummary};
pub use codec::{decode, decode_body, encode, Record};
pub use commit::Ticket;
pub use key::{key_u64, Key};
pub use slot::Health;
pub use store::{Config, Durability, Store};
pub use table::Table;

/// Everything that can go wrong in storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// sled reported an error (I/O, corruption, or a bug of its own).
    #[error("sled: {0}")]
    Sled(#[source] sled::Error),
    /// The disk holding the database is full: the write was refused and changed nothing that
    /// was acknowledged. The store takes writes again by itself once space is freed.
    #[error("the disk holding the database is full; writes are refused until space is freed")]
    DiskFull,
    /// The database could not be opened because its disk is full.
    #[error("the disk holding {} is full: free some space and start again", path.display())]
    DiskFullAtOpen {
        /// The database folder.
        path: PathBuf,
    },
    /// sled found the database corrupt when opening it.
    #[error("the database in {} is corrupt: restore it from a backup into an empty folder", path.display())]
    Corrupt {
        /// The database folder.
        path: PathBuf,
    },
    /// A flush failed, so the writes it covered are not known to be on disk.
    #[error("flushing to disk failed: {0}")]
    Flush(#[source] sled::Error),
    /// Cluster mode: the shard's log did not take the write (the shard is not this node's
    /// or no longer is, or the cluster cannot be reached); the local copy is discarded when
    /// the shard is next taken over.
    #[error("the cluster did not store the write: {0}")]
    Replication(String),
    /// The store shut down before a flush covered the awaited write.
    #[error("the store closed before the write was flushed")]
    Closed,
    /// The flusher thread could not be started.
    #[error("cannot start the storage flusher thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// A record could not be encoded for its tree.
    #[error("cannot encode a record for tree {tree}: {reason}")]
    Encode {
        /// The tree the record was meant for.
        tree: &'static str,
        /// The encoder's explanation.
        reason: String,
    },
    /// A stored value is corrupt or does not match the record layout.
    #[error("cannot decode a record in tree {tree}: {reason}")]
    Decode {
        /// The tree the value was read from.
        tree: &'static str,
        /// The decoder's explanation.
        reason: String,
    },
    /// A stored value carries a version byte this build cannot read.
    #[error("tree {tree} holds a value of version {found}, which this build cannot read")]
    Version {
        /// The tree the value was read from.
        tree: &'static str,
        /// The version byte found.
        found: u8,
    },
    /// A record type asked for a tree name that the store keeps for itself.
    #[error("tree name {tree} is reserved: names starting with \"__\" belong to the store")]
    Reserved {
        /// The refused name.
        tree: &'static str,
    },
    /// [`Store::import`] refuses to merge a backup into a store that already holds data.
    #[error("import needs an empty store, and this one holds records")]
    NotEmpty,
    /// Reading or writing a file outside sled failed (backup file, temporary directory).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A backup file is not one [`Store::export`] wrote, or is truncated.
    #[error("{} is not a complete Switchboard backup: {reason}", path.display())]
    Backup {
        /// The backup file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}

impl From<sled::Error> for Error {
    /// A full disk becomes [`Error::DiskFull`]; everything else stays sled's.
    fn from(error: sled::Error) -> Error {
        if slot::is_disk_full(&error) {
            Error::DiskFull
        } else {
            Error::Sled(error)
        }
    }
}

impl Error {
    /// Whether this is a full disk, which clears by itself once space is freed.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Error::DiskFull | Error::DiskFullAtOpen { .. })
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
