//! Backup and restore: every tree's keys and values in one file.
//!
//! The file is a [`Header`], then one [`Entry::Record`] per stored key, each with a CRC-32
//! of its tree, key and value, then an [`Entry::End`] with the count and a SHA-256 of every
//! byte before it, each encoded by the codec. Values are copied as stored, version byte
//! included, so a restore needs no record types and old values are upgraded on read as
//! usual. The header carries an id above every id the exported store handed out, so the
//! restored store keeps [`Store::next_id`] unique.
//!
//! A file is written under a `.partial` name, private to its owner (0600), synced, then
//! renamed: a failed backup never leaves a file that looks complete. [`verify_backup`] reads
//! a whole file and checks every checksum, the count and the digest; [`Store::import`] does
//! that first and only then loads, so a corrupt backup is refused before anything is
//! written. Format 1 files (`SWBKUP01`, before checksums) are still read, with only the
//! count to check them by.
//!
//! An export is not a snapshot across trees: take it while writes are paused if the copy
//! must be consistent.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::codec::{
    read_backup_entry, read_entry, record_checksum, write_entry, Entry, Header, BACKUP_MAGIC,
    BACKUP_MAGIC_V1,
};
use crate::store::META_TREE;
use crate::{Error, Result, Store};

/// What [`verify_backup`] found in a sound backup file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// How many records the file holds.
    pub records: u64,
    /// Whether the file carries checksums (format 2); a format 1 file was only counted.
    pub checksummed: bool,
}

/// A writer that hashes every byte it passes on.
struct Hashing<W> {
    /// Where the bytes go.
    inner: W,
    /// SHA-256 of everything written so far.
    digest: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.digest.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes every byte it hands out.
struct Hashed<R> {
    /// Where the bytes come from.
    inner: R,
    /// SHA-256 of everything read so far.
    digest: Sha256,
}

impl<R: Read> Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.digest.update(&buf[..read]);
        Ok(read)
    }
}

/// Reads a backup file from start to end, checking everything it can, and hands each
/// record to `each` (which may refuse it). On any fault, the error names the file.
fn read_backup(
    path: &Path,
    mut each: impl FnMut(Vec<u8>, Vec<u8>, Vec<u8>) -> Result<()>,
) -> Result<(Header, BackupSummary)> {
    let bad = |reason: String| Error::Backup {
        path: path.to_owned(),
        reason,
    };
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut input = Hashed {
        inner: BufReader::new(file),
        digest: Sha256::new(),
    };
    let header: Header = read_entry(&mut input).map_err(&bad)?;
    let checksummed = match header.magic {
        BACKUP_MAGIC => true,
        BACKUP_MAGIC_V1 => false,
        _ => {
            return Err(bad(
                "it does not start with a Switchboard backup header".to_owned()
            ))
        }
    };
    let mut records = 0;
    loop {
        // The digest covers every byte before the end entry, so keep it as it stood.
        let before = input.digest.clone();
        match read_backup_entry(&mut input, header.magic).map_err(&bad)? {
            Entry::Record {
                tree,
                key,
                value,
                checksum,
            } => {
                if checksummed && checksum != record_checksum(&tree, &key, &value) {
                    return Err(bad(format!(
                        "record {} (tree {}) does not match its checksum",
                        records + 1,
                        String::from_utf8_lossy(&tree)
                    )));
                }
                each(tree, key, value)?;
                records += 1;
            }
            Entry::End {
                records: expected,
                digest,
            } => {
                if expected != records {
                    return Err(bad(format!(
                        "it announces {expected} records but holds {records}"
                    )));
                }
                if checksummed && before.finalize().as_slice() != digest {
                    return Err(bad("the file does not match its digest".to_owned()));
                }
                let mut rest = [0u8; 1];
                if input.read(&mut rest).map_err(|e| bad(e.to_string()))? != 0 {
                    return Err(bad("bytes follow the end of the backup".to_owned()));
                }
                return Ok((
                    header,
                    BackupSummary {
                        records,
                        checksummed,
                    },
                ));
            }
        }
    }
}

/// Reads a whole backup file and checks it: every record's checksum, the count, the digest
/// of the file, and that nothing follows the end. Writes nothing anywhere.
pub fn verify_backup(path: &Path) -> Result<BackupSummary> {
    read_backup(path, |_, _, _| Ok(())).map(|(_, summary)| summary)
}

/// The name a backup is written under until it is complete.
fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Creates (or truncates) `path` for writing, private to its owner.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // A file that already existed keeps its mode through `open`: narrow it too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(file)
}

impl Store {
    /// Writes every tree's keys and values to a new file at `path` (private to its owner);
    /// returns how many records it wrote. The file appears under its name only once
    /// complete and synced.
    pub fn export(&self, path: &Path) -> Result<u64> {
        let partial = partial_name(path);
        let written = self.export_to(&partial).and_then(|records| {
            std::fs::rename(&partial, path).map_err(|source| Error::Io {
                path: path.to_owned(),
                source,
            })?;
            Ok(records)
        });
        if written.is_err() {
            // Nothing half-written is left to be mistaken for a backup.
            let _ = std::fs::remove_file(&partial);
        }
        written
    }

    /// Writes the backup to `path`.
    fn export_to(&self, path: &Path) -> Result<u64> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let header = Header {
            magic: BACKUP_MAGIC,
            next_id: self.next_id(0)?,
        };
        let mut out = Hashing {
            inner: BufWriter::new(create_private(path).map_err(io)?),
            digest: Sha256::new(),
        };
        write_entry(&mut out, &header).map_err(io)?;
        let mut records = 0;
        let db = self.db()?;
        // The same (tree, key, value) walk as sled's own `export()`, which panics on a read
        // error instead of returning it.
        for name in db.tree_names() {
            // The id base travels in the header instead.
            if name == META_TREE.as_bytes() {
                continue;
            }
            for item in db.open_tree(&name)?.iter() {
                let (key, value) = item?;
                let entry = Entry::Record {
                    checksum: record_checksum(&name, &key, &value),
                    tree: name.to_vec(),
                    key: key.to_vec(),
                    value: value.to_vec(),
                };
                write_entry(&mut out, &entry).map_err(io)?;
                records += 1;
            }
        }
        let digest = out.digest.clone().finalize().into();
        write_entry(&mut out, &Entry::End { records, digest }).map_err(io)?;
        out.flush().map_err(io)?;
        let file = out.inner.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        Ok(records)
    }

    /// Restores a file written by [`Store::export`] into this store, which must hold no
    /// records ([`Error::NotEmpty`] otherwise); returns how many records it read. The whole
    /// file is checked first ([`verify_backup`]), so a corrupt or truncated backup is refused
    /// with nothing written. Only an I/O error while loading can leave part of the backup in
    /// the store: restore again into a fresh store.
    pub fn import(&self, path: &Path) -> Result<u64> {
        if !self.is_empty()? {
            return Err(Error::NotEmpty);
        }
        let checked = verify_backup(path)?;
        let db = self.db()?;
        // Entries come tree by tree, so the last opened tree is nearly always the one needed.
        let mut open: Option<(Vec<u8>, sled::Tree)> = None;
        let (header, loaded) = read_backup(path, |tree, key, value| {
            let target = match open.take() {
                Some((name, handle)) if name == tree => (name, handle),
                _ => {
                    let handle = db.open_tree(&tree)?;
                    (tree, handle)
                }
            };
            target.1.insert(key, value)?;
            open = Some(target);
            Ok(())
        })?;
        if loaded != checked {
            return Err(Error::Backup {
                path: path.to_owned(),
                reason: "the file changed while it was being restored".to_owned(),
            });
        }
        self.raise_id_base(header.next_id)?;
        self.flush_now()?;
        Ok(loaded.records)
    }

    /// Whether no tree but the store's own bookkeeping holds a key.
    fn is_empty(&self) -> Result<bool> {
        let db = self.db()?;
        for name in db.tree_names() {
            if name != META_TREE.as_bytes() && !db.open_tree(&name)?.is_empty() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use tempfile::TempDir;

    use crate::testing::{note, Counter, Note};
    use crate::{Error, Key, Record, Store};

    /// A store holding three notes and two counters; returns it and the ids it handed out.
    fn filled() -> (Store, Vec<u64>) {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        let counters = store.table::<Counter>().unwrap();
        let mut ids = Vec::new();
        for text in ["one", "two", "three"] {
            let id = store.next_id(0).unwrap();
            let _ticket = notes
                .insert(Key::new().u64(id).as_ref(), &note(text))
                .unwrap();
            ids.push(id);
        }
        for value in [5, 6] {
            let _ticket = counters.insert(&[value as u8], &Counter { value }).unwrap();
        }
        (store, ids)
    }

    #[test]
    fn export_then_import_reproduces_every_record() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("backup.bin");
        let (source, ids) = filled();
        assert_eq!(source.export(&file).unwrap(), 5);

        let restored = Store::temporary().unwrap();
        restored.next_id(0).unwrap();
        assert_eq!(restored.import(&file).unwrap(), 5);
        for name in [<Note as Record>::TREE, <Counter as Record>::TREE] {
            let before: Vec<_> = source
                .db()
                .unwrap()
                .open_tree(name)
                .unwrap()
                .iter()
                .collect();
            let after: Vec<_> = restored
                .db()
                .unwrap()
                .open_tree(name)
                .unwrap()
                .iter()
                .collect();
            assert_eq!(before.len(), after.len());
            for (a, b) in before.into_iter().zip(after) {
                assert_eq!(a.unwrap(), b.unwrap());
            }
        }
        let notes = restored.table::<Note>().unwrap();
        let texts: Vec<String> = notes.scan_prefix(&[]).map(|e| e.unwrap().1.text).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        // The restored store never hands out an id a restored record already uses.
        assert!(restored.next_id(0).unwrap() > *ids.iter().max().unwrap());
    }

    #[test]
    fn import_into_a_store_with_records_is_refused() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("backup.bin");
        let (source, _) = filled();
        source.export(&file).unwrap();
        assert!(matches!(source.import(&file), Err(Error::NotEmpty)));
    }

    #[test]
    fn a_truncated_backup_is_refused() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("backup.bin");
        let (source, _) = filled();
        source.export(&file).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 2]).unwrap();
        let restored = Store::temporary().unwrap();
        assert!(matches!(restored.import(&file), Err(Error::Backup { .. })));
    }

    /// Regression: a backup had no checksums, so a changed byte in a value restored silently
    /// as different data, and a damaged file could be half loaded. Every single flipped byte
    /// anywhere in the file is now refused by `verify_backup` and by `import`, which leaves
    /// the store empty.
    #[test]
    fn a_backup_with_any_byte_changed_is_refused_and_nothing_is_loaded() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("backup.bin");
        let (source, _) = filled();
        source.export(&file).unwrap();
        let good = std::fs::read(&file).unwrap();
        assert_eq!(
            crate::verify_backup(&file).unwrap(),
            crate::BackupSummary {
                records: 5,
                checksummed: true
            }
        );
        let restored = Store::temporary().unwrap();
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            std::fs::write(&file, &bad).unwrap();
            assert!(
                crate::verify_backup(&file).is_err(),
                "byte {at} of {} changed and still verifies",
                good.len()
            );
            assert!(restored.import(&file).is_err(), "byte {at}");
            assert!(restored.is_empty().unwrap(), "byte {at}: nothing is loaded");
        }
        let mut longer = good.clone();
        longer.push(0);
        std::fs::write(&file, &longer).unwrap();
        assert!(crate::verify_backup(&file).is_err(), "trailing bytes");
    }

    /// Backups written before checksums (format 1) still restore.
    #[test]
    fn a_format_1_backup_without_checksums_still_restores() {
        #[derive(serde::Serialize)]
        enum V1 {
            Record {
                tree: Vec<u8>,
                key: Vec<u8>,
                value: Vec<u8>,
            },
            End {
                records: u64,
            },
        }
        let config = bincode::config::standard();
        let mut bytes = bincode::serde::encode_to_vec(
            crate::codec::Header {
                magic: *b"SWBKUP01",
                next_id: 500,
            },
            config,
        )
        .unwrap();
        let value = crate::codec::encode(&crate::testing::note("old")).unwrap();
        for item in [
            V1::Record {
                tree: b"notes".to_vec(),
                key: b"k".to_vec(),
                value,
            },
            V1::End { records: 1 },
        ] {
            bytes.extend(bincode::serde::encode_to_vec(item, config).unwrap());
        }
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("old.bin");
        std::fs::write(&file, bytes).unwrap();
        assert_eq!(
            crate::verify_backup(&file).unwrap(),
            crate::BackupSummary {
                records: 1,
                checksummed: false
            }
        );
        let store = Store::temporary().unwrap();
        assert_eq!(store.import(&file).unwrap(), 1);
        let notes = store.table::<Note>().unwrap();
        assert_eq!(notes.get(b"k").unwrap(), Some(note("old")));
        assert!(store.next_id(0).unwrap() > 500);
    }

    /// A backup holds every password hash and chat: it is created private to its owner, and
    /// nothing is left under a partial name.
    #[cfg(unix)]
    #[test]
    fn a_backup_file_is_private_and_complete_under_its_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("backup.bin");
        std::fs::write(&file, b"an older file, readable by all").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (source, _) = filled();
        source.export(&file).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["backup.bin"]);
    }

    #[test]
    fn a_foreign_file_is_refused() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("not-a-backup");
        std::fs::write(&file, b"hello, this is not a backup at all").unwrap();
        let store = Store::temporary().unwrap();
        assert!(matches!(store.import(&file), Err(Error::Backup { .. })));
    }
}
