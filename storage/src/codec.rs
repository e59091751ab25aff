//! How records and backup entries become bytes.
//!
//! A stored value is `[R::VERSION] ++ bincode(record)`. The version byte lets a later build
//! change a record's layout: values written under an older byte go through
//! [`Record::upgrade`], so a format move is a re-encode on read, never a stop-the-world
//! migration.
//!
//! bincode is finished and unmaintained (RUSTSEC-2025-0141). It is pinned at `=2.0.1` and
//! used in this one module only, through its serde API with `config::standard()`, so that
//! replacing it touches nothing else: a new format gets a new version byte and old values
//! are re-encoded as they are read.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

use crate::{Error, Result};

/// Largest backup entry [`read_entry`] accepts, so a corrupt length in a backup file cannot
/// make the reader allocate without bound; far above any chat record.
const MAX_BACKUP_ENTRY_BYTES: usize = 256 * 1024 * 1024;

/// A record type stored in its own tree. The first byte of every stored value is
/// [`Record::VERSION`].
pub trait Record: Serialize + DeserializeOwned {
    /// The sled tree holding this type. Names starting with `"__"` are reserved for the store.
    const TREE: &'static str;
    /// The layout version written in front of every value; bump it when the layout changes.
    const VERSION: u8;

    /// Decodes a value written with an older version byte; `bytes` follow the version byte.
    /// Implementations usually [`decode_body`] an old struct and convert it.
    /// Default: [`Error::Version`].
    fn upgrade(version: u8, bytes: &[u8]) -> Result<Self> {
        let _ = bytes;
        Err(Error::Version {
            tree: Self::TREE,
            found: version,
        })
    }
}

/// Decodes the bytes after a version byte as `T`, for [`Record::upgrade`] implementations
/// that read an old layout (so that they need not know the codec).
pub fn decode_body<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map_err(|e| Error::Decode {
            tree,
            reason: e.to_string(),
        })?;
    // Leftover bytes mean the value was written with another layout under the same version.
    if read != bytes.len() {
        return Err(Error::Decode {
            tree,
            reason: format!("{} bytes left over after the record", bytes.len() - read),
        });
    }
    Ok(value)
}

/// Encodes `record` as `[R::VERSION] ++ bincode(record)`: the bytes [`Table`](crate::Table)
/// stores. Public for the record benches; callers store records through a table.
pub fn encode<R: Record>(record: &R) -> Result<Vec<u8>> {
    let body = bincode::serde::encode_to_vec(record, bincode::config::standard()).map_err(|e| {
        Error::Encode {
            tree: R::TREE,
            reason: e.to_string(),
        }
    })?;
    let mut value = Vec::with_capacity(1 + body.len());
    value.push(R::VERSION);
    value.extend_from_slice(&body);
    Ok(value)
}

/// Decodes a stored value, sending older version bytes through [`Record::upgrade`]: what
/// [`Table`](crate::Table) does on every read. Public for the record benches.
pub fn decode<R: Record>(value: &[u8]) -> Result<R> {
    match value.split_first() {
        Some((&version, body)) if version == R::VERSION => decode_body(R::TREE, body),
        Some((&version, body)) => R::upgrade(version, body),
        None => Err(Error::Decode {
            tree: R::TREE,
            reason: "empty value".to_owned(),
        }),
    }
}

/// One item of a backup file, after its header.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Entry {
    /// One stored key and value, with the tree it belongs to.
    Record {
        /// The tree's name as sled knows it.
        tree: Vec<u8>,
        /// The key, as stored.
        key: Vec<u8>,
        /// The value, as stored (version byte included).
        value: Vec<u8>,
        /// [`record_checksum`] of the three fields above; 0 in format 1, which had none.
        checksum: u32,
    },
    /// The last entry: its presence proves the file is complete.
    End {
        /// How many records the file holds, checked on import.
        records: u64,
        /// SHA-256 of every byte of the file before this entry; zeros in format 1.
        digest: [u8; 32],
    },
}

/// [`Entry`] as format 1 (`SWBKUP01`) wrote it: no checksums. Still read, so backups made
/// before checksums restore; nothing detects a changed byte in their records.
#[derive(Debug, Deserialize)]
enum EntryV1 {
    /// One stored key and value.
    Record {
        tree: Vec<u8>,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    /// The last entry, with the count.
    End { records: u64 },
}

impl From<EntryV1> for Entry {
    fn from(old: EntryV1) -> Entry {
        match old {
            EntryV1::Record { tree, key, value } => Entry::Record {
                tree,
                key,
                value,
                checksum: 0,
            },
            EntryV1::End { records } => Entry::End {
                records,
                digest: [0; 32],
            },
        }
    }
}

/// CRC-32 of one record's tree, key and value, each behind its length so that bytes cannot
/// move from one field to the next unnoticed.
pub(crate) fn record_checksum(tree: &[u8], key: &[u8], value: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    for field in [tree, key, value] {
        crc.update(&(field.len() as u64).to_be_bytes());
        crc.update(field);
    }
    crc.finalize()
}

/// The start of a backup file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    /// [`BACKUP_MAGIC`], so that importing some other file fails at once.
    pub magic: [u8; 8],
    /// An id above every id the exported store had handed out, so a restored store never
    /// hands out an id that already names a restored record.
    pub next_id: u64,
}

/// First bytes of every backup file this build writes; the trailing digits are the format:
/// 2 added a checksum per record and a digest of the whole file.
pub(crate) const BACKUP_MAGIC: [u8; 8] = *b"SWBKUP02";

/// The magic of format 1, read but no longer written.
pub(crate) const BACKUP_MAGIC_V1: [u8; 8] = *b"SWBKUP01";

/// Reads the next entry in the format `magic` names.
pub(crate) fn read_backup_entry<R: Read>(
    input: &mut R,
    magic: [u8; 8],
) -> std::result::Result<Entry, String> {
    if magic == BACKUP_MAGIC_V1 {
        read_entry::<EntryV1, R>(input).map(Entry::from)
    } else {
        read_entry(input)
    }
}

/// Appends one bincode-encoded header or entry to a backup file.
pub(crate) fn write_entry<T: Serialize, W: Write>(out: &mut W, item: &T) -> std::io::Result<()> {
    match bincode::serde::encode_into_std_write(item, out, bincode::config::standard()) {
        Ok(_) => Ok(()),
        Err(bincode::error::EncodeError::Io { inner, .. }) => Err(inner),
        Err(other) => Err(std::io::Error::other(other.to_string())),
    }
}

/// Reads the next header or entry of a backup file.
pub(crate) fn read_entry<T: DeserializeOwned, R: Read>(
    input: &mut R,
) -> std::result::Result<T, String> {
    let config = bincode::config::standard().with_limit::<MAX_BACKUP_ENTRY_BYTES>();
    bincode::serde::decode_from_std_read(input, config).map_err(|e| e.to_string())
}
