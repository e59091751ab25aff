//! Backup and restore: every tree's keys and values in one file.
//!
//! The file is a [`Header`], then one [`Entry::Record`] per stored key, then an
//! [`Entry::End`] with the count, each encoded by the codec. Values are copied as stored,
//! version byte included, so a restore needs no record types and old values are upgraded on
//! read as usual. The header carries an id above every id the exported store handed out, so
//! the restored store keeps [`Store::next_id`] unique.
//!
//! An export is not a snapshot across trees: take it while writes are paused if the copy
//! must be consistent.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use crate::codec::{read_entry, write_entry, Entry, Header, BACKUP_MAGIC};
use crate::store::META_TREE;
use crate::{Error, Result, Store};

impl Store {
    /// Writes every tree's keys and values to a new file at `path`; returns how many records
    /// it wrote.
    pub fn export(&self, path: &Path) -> Result<u64> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let header = Header {
            magic: BACKUP_MAGIC,
            next_id: self.next_id()?,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        write_entry(&mut out, &header).map_err(io)?;
        let mut records = 0;
        // The same (tree, key, value) walk as sled's own `export()`, which panics on a read
        // error instead of returning it.
        for name in self.db()?.tree_names() {
            // The id base travels in the header instead.
            if name == META_TREE.as_bytes() {
                continue;
            }
            for item in self.db()?.open_tree(&name)?.iter() {
                let (key, value) = item?;
                let entry = Entry::Record {
                    tree: name.to_vec(),
                    key: key.to_vec(),
                    value: value.to_vec(),
                };
                write_entry(&mut out, &entry).map_err(io)?;
                records += 1;
            }
        }
        write_entry(&mut out, &Entry::End { records }).map_err(io)?;
        out.flush().map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        Ok(records)
    }

    /// Restores a file written by [`Store::export`] into this store, which must hold no
    /// records ([`Error::NotEmpty`] otherwise); returns how many records it read. On error
    /// the store may hold part of the backup: restore again into a fresh store.
    pub fn import(&self, path: &Path) -> Result<u64> {
        if !self.is_empty()? {
            return Err(Error::NotEmpty);
        }
        let bad = |reason: String| Error::Backup {
            path: path.to_owned(),
            reason,
        };
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut input = BufReader::new(file);
        let header: Header = read_entry(&mut input).map_err(bad)?;
        if header.magic != BACKUP_MAGIC {
            return Err(bad(
                "it does not start with a Switchboard backup header".to_owned()
            ));
        }
        let mut records = 0;
        // Entries come tree by tree, so the last opened tree is nearly always the one needed.
        let mut open: Option<(Vec<u8>, sled::Tree)> = None;
        loop {
            match read_entry(&mut input).map_err(bad)? {
                Entry::Record { tree, key, value } => {
                    let target = match open.take() {
                        Some((name, handle)) if name == tree => (name, handle),
                        _ => {
                            let handle = self.db()?.open_tree(&tree)?;
                            (tree, handle)
                        }
                    };
                    target.1.insert(key, value)?;
                    open = Some(target);
                    records += 1;
                }
                Entry::End { records: expected } if expected == records => break,
                Entry::End { records: expected } => {
                    return Err(bad(format!(
                        "it announces {expected} records but holds {records}"
                    )));
                }
            }
        }
        self.raise_id_base(header.next_id)?;
        self.flush_now()?;
        Ok(records)
    }

    /// Whether no tree but the store's own bookkeeping holds a key.
    fn is_empty(&self) -> Result<bool> {
        for name in self.db()?.tree_names() {
            if name != META_TREE.as_bytes() && !self.db()?.open_tree(&name)?.is_empty() {
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
            let id = store.next_id().unwrap();
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
        restored.next_id().unwrap();
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
        assert!(restored.next_id().unwrap() > *ids.iter().max().unwrap());
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

    #[test]
    fn a_foreign_file_is_refused() {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("not-a-backup");
        std::fs::write(&file, b"hello, this is not a backup at all").unwrap();
        let store = Store::temporary().unwrap();
        assert!(matches!(store.import(&file), Err(Error::Backup { .. })));
    }
}
