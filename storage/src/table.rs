//! One sled tree holding one record type.

use std::fmt;
use std::marker::PhantomData;

use crate::codec::{decode, encode};
use crate::store::Written;
use crate::{Record, Result, Store, Ticket};

/// The records of type `R`, in the tree named `R::TREE`. Cheap to clone; keeps its store
/// open. It holds no sled handle of its own: each call takes the tree from the store's
/// current database, which a full disk may make the store reopen.
pub struct Table<R: Record> {
    /// The database, for the tree and for numbering writes.
    store: Store,
    /// `fn() -> R` so a table is `Send + Sync` whatever `R` is: it holds no `R`.
    _record: PhantomData<fn() -> R>,
}

impl<R: Record> Clone for Table<R> {
    fn clone(&self) -> Table<R> {
        Table {
            store: self.store.clone(),
            _record: PhantomData,
        }
    }
}

impl<R: Record> fmt::Debug for Table<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("tree", &R::TREE)
            .finish_non_exhaustive()
    }
}

impl<R: Record> Table<R> {
    /// A table over `store`, whose tree [`Store::table`] has opened.
    pub(crate) fn new(store: Store) -> Table<R> {
        Table {
            store,
            _record: PhantomData,
        }
    }

    /// The tree, from the store's current database.
    fn tree(&self) -> Result<sled::Tree> {
        self.store.tree(R::TREE)
    }

    /// The entries `scan` lists from the tree, decoded; a tree that cannot be had is one
    /// error, so a listing never ends silently.
    fn rows<I>(
        &self,
        scan: impl FnOnce(sled::Tree) -> I,
    ) -> impl Iterator<Item = Result<(Vec<u8>, R)>>
    where
        I: Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    {
        let (rows, failed) = match self.tree() {
            Ok(tree) => (Some(scan(tree)), None),
            Err(e) => (None, Some(Err(e))),
        };
        failed
            .into_iter()
            .chain(rows.into_iter().flatten().map(decode_entry::<R>))
    }

    /// The record at `key`, if any.
    pub fn get(&self, key: &[u8]) -> Result<Option<R>> {
        match self.tree()?.get(key)? {
            Some(value) => decode(&value).map(Some),
            None => Ok(None),
        }
    }

    /// Stores `record` at `key`, replacing what was there.
    pub fn insert(&self, key: &[u8], record: &R) -> Result<Ticket> {
        let replicating = self.store.replicating();
        let value = sled::IVec::from(encode(record)?);
        let (_, ticket) = self.store.write(R::TREE, |tree| {
            let old = tree.insert(key, value.clone())?;
            Ok(((), replicating.then(|| Written::new(key, Some(value), old))))
        })?;
        Ok(ticket)
    }

    /// Stores `record` at `key` only if the key is free; `None` when it already existed (so
    /// a unique index can refuse a duplicate without a race).
    pub fn insert_new(&self, key: &[u8], record: &R) -> Result<Option<Ticket>> {
        let replicating = self.store.replicating();
        let value = sled::IVec::from(encode(record)?);
        let (swapped, ticket) = self.store.write(R::TREE, |tree| {
            let swapped = tree.compare_and_swap(key, None::<&[u8]>, Some(value.clone()))?;
            let written =
                (replicating && swapped.is_ok()).then(|| Written::new(key, Some(value), None));
            Ok((swapped, written))
        })?;
        // A refused swap wrote nothing; its ticket is simply not needed.
        Ok(swapped.is_ok().then_some(ticket))
    }

    /// Removes the record at `key`, if any. Even a no-op gets a real ticket: a concurrent
    /// remove of the same key may not be on disk yet.
    pub fn remove(&self, key: &[u8]) -> Result<Ticket> {
        let replicating = self.store.replicating();
        let (_, ticket) = self.store.write(R::TREE, |tree| {
            let old = tree.remove(key)?;
            Ok(((), replicating.then(|| Written::new(key, None, old))))
        })?;
        Ok(ticket)
    }

    /// The records whose keys start with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &[u8]) -> impl Iterator<Item = Result<(Vec<u8>, R)>> {
        let prefix = prefix.to_vec();
        self.rows(move |tree| tree.scan_prefix(prefix))
    }

    /// The records whose keys are `>= start` and start with `prefix`, in key order (a page
    /// of a listing resumed after its last key).
    pub fn range_from(
        &self,
        start: &[u8],
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, R)>> {
        // Starting below the prefix would meet keys outside it first and stop at once.
        let from = start.max(prefix).to_vec();
        let prefix = prefix.to_vec();
        self.rows(move |tree| {
            tree.range(from..).take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                // Errors are handed to the caller rather than ending the listing silently.
                Err(_) => true,
            })
        })
    }

    /// The records whose keys start with `prefix` and sort below `before` (all of them when
    /// None), greatest key first: a newest-first page resumed after its last key.
    pub fn scan_prefix_back(
        &self,
        prefix: &[u8],
        before: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<(Vec<u8>, R)>> {
        use std::ops::Bound;
        // Every key from the prefix up to a key that has the prefix has the prefix too; a
        // `before` outside the prefix ends the listing.
        let end = match before {
            Some(end) if end.starts_with(prefix) => Bound::Excluded(end.to_vec()),
            Some(_) => Bound::Excluded(prefix.to_vec()),
            None => match prefix_end(prefix) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            },
        };
        let start = Bound::Included(prefix.to_vec());
        self.rows(move |tree| tree.range((start, end)).rev())
    }

    /// The record with the greatest key starting with `prefix` (the latest message of a chat
    /// when ids are big-endian).
    pub fn last_with_prefix(&self, prefix: &[u8]) -> Result<Option<(Vec<u8>, R)>> {
        self.tree()?
            .scan_prefix(prefix)
            .next_back()
            .map(decode_entry::<R>)
            .transpose()
    }

    /// How many keys start with `prefix`; walks them all (0 when the database cannot be
    /// read, which only a count for display may take as an answer).
    pub fn len_prefix(&self, prefix: &[u8]) -> usize {
        self.tree()
            .map_or(0, |tree| tree.scan_prefix(prefix).keys().count())
    }

    /// The raw tree, for tests that inspect or plant stored bytes.
    #[cfg(test)]
    pub(crate) fn raw(&self) -> sled::Tree {
        self.tree().expect("a test's database is open")
    }
}

/// Decodes one entry of a sled iterator.
fn decode_entry<R: Record>(entry: sled::Result<(sled::IVec, sled::IVec)>) -> Result<(Vec<u8>, R)> {
    let (key, value) = entry?;
    Ok((key.to_vec(), decode(&value)?))
}

/// The least key above every key that starts with `prefix`; None when there is none.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::codec::encode;
    use crate::testing::{note, Counter, Note, NoteV1};
    use crate::{Error, Key, Store};

    #[tokio::test]
    async fn a_record_round_trips() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        notes
            .insert(b"k", &note("hello"))
            .unwrap()
            .durable()
            .await
            .unwrap();
        assert_eq!(notes.get(b"k").unwrap(), Some(note("hello")));
        assert_eq!(notes.get(b"missing").unwrap(), None);
    }

    #[test]
    fn the_version_byte_is_the_first_stored_byte() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        let _ticket = notes.insert(b"k", &note("hi")).unwrap();
        let stored = notes.raw().get(b"k").unwrap().unwrap();
        assert_eq!(stored[0], 2);
        assert_eq!(stored.to_vec(), encode(&note("hi")).unwrap());
    }

    #[test]
    fn an_older_version_goes_through_upgrade() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        let old = bincode::serde::encode_to_vec(
            NoteV1 {
                text: "from v1".to_owned(),
            },
            bincode::config::standard(),
        )
        .unwrap();
        let mut value = vec![1u8];
        value.extend(old);
        notes.raw().insert(b"old", value).unwrap();
        let upgraded = notes.get(b"old").unwrap().unwrap();
        assert_eq!(upgraded.author, "unknown");
        assert_eq!(upgraded.text, "from v1");
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let store = Store::temporary().unwrap();
        let counters = store.table::<Counter>().unwrap();
        counters.raw().insert(b"k", &[9u8, 1][..]).unwrap();
        let err = counters.get(b"k").unwrap_err();
        assert!(
            matches!(
                err,
                Error::Version {
                    tree: "counters",
                    found: 9
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn corrupt_bytes_are_a_decode_error_naming_the_tree() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        notes.raw().insert(b"k", &[2u8, 200, 1][..]).unwrap();
        let err = notes.get(b"k").unwrap_err();
        assert!(matches!(err, Error::Decode { tree: "notes", .. }), "{err}");
        assert!(err.to_string().contains("notes"));
    }

    #[test]
    fn scan_prefix_lists_only_the_prefix_in_numeric_order() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        for (chat, id) in [(7, 256), (7, 10), (8, 1), (7, 1), (7, 2), (6, 3)] {
            let key = Key::new().u64(chat).u64(id);
            let _ticket = notes.insert(key.as_ref(), &note(&id.to_string())).unwrap();
        }
        let prefix = Key::new().u64(7).finish();
        let ids: Vec<u64> = notes
            .scan_prefix(&prefix)
            .map(|entry| crate::key_u64(&entry.unwrap().0, 1).unwrap())
            .collect();
        assert_eq!(ids, [1, 2, 10, 256]);
        assert_eq!(notes.len_prefix(&prefix), 4);
        let (last_key, last) = notes.last_with_prefix(&prefix).unwrap().unwrap();
        assert_eq!(
            (crate::key_u64(&last_key, 1), last.text.as_str()),
            (Some(256), "256")
        );
        let resumed: Vec<String> = notes
            .range_from(Key::new().u64(7).u64(3).as_ref(), &prefix)
            .map(|entry| entry.unwrap().1.text)
            .collect();
        assert_eq!(resumed, ["10", "256"]);
        // A start below the prefix still lists the whole prefix.
        assert_eq!(notes.range_from(&[], &prefix).count(), 4);
        assert!(notes
            .last_with_prefix(Key::new().u64(9).as_ref())
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_str_component_does_not_match_a_longer_string() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        for name in ["ab", "abc"] {
            let key = Key::new().str(name).u64(1);
            let _ticket = notes.insert(key.as_ref(), &note(name)).unwrap();
        }
        let texts: Vec<String> = notes
            .scan_prefix(Key::new().str("ab").as_ref())
            .map(|entry| entry.unwrap().1.text)
            .collect();
        assert_eq!(texts, ["ab"]);
    }

    #[tokio::test]
    async fn insert_new_refuses_an_existing_key() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        let first = notes.insert_new(b"name", &note("first")).unwrap();
        first.expect("the key was free").durable().await.unwrap();
        assert!(notes
            .insert_new(b"name", &note("second"))
            .unwrap()
            .is_none());
        assert_eq!(notes.get(b"name").unwrap(), Some(note("first")));
        notes.remove(b"name").unwrap().durable().await.unwrap();
        assert_eq!(notes.get(b"name").unwrap(), None);
        assert!(notes.insert_new(b"name", &note("third")).unwrap().is_some());
    }

    #[test]
    fn reserved_tree_names_are_refused() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Sneaky;
        impl crate::Record for Sneaky {
            const TREE: &'static str = "__switchboard_meta";
            const VERSION: u8 = 1;
        }
        let store = Store::temporary().unwrap();
        assert!(matches!(
            store.table::<Sneaky>(),
            Err(Error::Reserved { .. })
        ));
    }

    #[test]
    fn a_newest_first_scan_pages_back_from_a_cursor_inside_its_prefix() {
        let store = Store::temporary().unwrap();
        let notes = store.table::<Note>().unwrap();
        for (tenant, id) in [(1u64, 1u64), (1, 2), (1, 3), (2, 1), (u64::MAX, 7)] {
            let key = Key::new().u64(tenant).u64(id).finish();
            let _ticket = notes
                .insert(&key, &note(&format!("{tenant}/{id}")))
                .unwrap();
        }
        let texts = |prefix: u64, before: Option<u64>| -> Vec<String> {
            let prefix_key = Key::new().u64(prefix).finish();
            let before = before.map(|b| Key::new().u64(prefix).u64(b).finish());
            notes
                .scan_prefix_back(&prefix_key, before.as_deref())
                .map(|r| r.unwrap().1.text)
                .collect()
        };
        assert_eq!(texts(1, None), vec!["1/3", "1/2", "1/1"]);
        assert_eq!(
            texts(1, Some(3)),
            vec!["1/2", "1/1"],
            "strictly before the cursor"
        );
        assert_eq!(texts(1, Some(1)), Vec::<String>::new());
        assert_eq!(texts(u64::MAX, None), vec![format!("{}/7", u64::MAX)]);
    }
}
