//! Keys whose byte order is the order callers want to list records in.
//!
//! sled orders keys bytewise. Writing integers big-endian makes that order numeric
//! (`2 < 10 < 256`), so a key built as `tenant ++ chat ++ message id` lists one chat's
//! messages, in id order, with one prefix scan. Strings carry their length in front, so no
//! string component's key is a prefix of another's: `"ab"` never matches a scan for `"abc"`,
//! and what follows a string component cannot be confused with more of the string. The price
//! is that string components sort by length first, then bytewise.

/// Bytes in one [`Key::u64`] component, which [`key_u64`] steps over.
const U64_BYTES: usize = 8;

/// Big-endian key builder so prefix scans list a tenant's or a chat's records in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Vec<u8>);

impl Key {
    /// An empty key, to which components are appended.
    pub fn new() -> Key {
        Key(Vec::new())
    }

    /// Appends `v` as 8 big-endian bytes, so keys order numerically.
    pub fn u64(mut self, v: u64) -> Key {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends `s` as a 4-byte big-endian length followed by its bytes, so that `"ab"` is
    /// never a prefix of `"abc"`'s key.
    ///
    /// # Panics
    ///
    /// If `s` is 4 GiB or longer, which no name or id that reaches a key can be.
    pub fn str(mut self, s: &str) -> Key {
        let len = u32::try_from(s.len()).expect("key strings are names and ids, far below 4 GiB");
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends `b` raw, for fixed-size components such as hashes (a variable-length
    /// component belongs in [`Key::str`] instead, or prefix scans can mix keys up).
    pub fn bytes(mut self, b: &[u8]) -> Key {
        self.0.extend_from_slice(b);
        self
    }

    /// The key's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Key> for Vec<u8> {
    fn from(key: Key) -> Vec<u8> {
        key.0
    }
}

/// Reads back the `index`-th u64 of a key, counting 8-byte slots from the start; so it
/// applies to keys whose first components are all [`Key::u64`]. `None` when the key is too
/// short.
pub fn key_u64(bytes: &[u8], index: usize) -> Option<u64> {
    let start = index.checked_mul(U64_BYTES)?;
    let end = start.checked_add(U64_BYTES)?;
    let slot: [u8; U64_BYTES] = bytes.get(start..end)?.try_into().ok()?;
    Some(u64::from_be_bytes(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_keys_order_numerically() {
        let mut keys: Vec<Vec<u8>> = [256u64, 10, 1, 2]
            .iter()
            .map(|&v| Key::new().u64(7).u64(v).finish())
            .collect();
        keys.sort();
        let ids: Vec<u64> = keys.iter().map(|k| key_u64(k, 1).unwrap()).collect();
        assert_eq!(ids, [1, 2, 10, 256]);
    }

    #[test]
    fn str_key_is_not_a_prefix_of_a_longer_string_key() {
        let ab = Key::new().u64(1).str("ab").finish();
        let abc = Key::new().u64(1).str("abc").finish();
        assert!(!abc.starts_with(&ab));
        // Raw bytes would have been a prefix: that is what the length protects against.
        assert!(Key::new().bytes(b"abc").finish().starts_with(b"ab"));
    }

    #[test]
    fn key_u64_reads_each_slot_and_refuses_short_keys() {
        let key = Key::new().u64(3).u64(u64::MAX).finish();
        assert_eq!(key_u64(&key, 0), Some(3));
        assert_eq!(key_u64(&key, 1), Some(u64::MAX));
        assert_eq!(key_u64(&key, 2), None);
        assert_eq!(key_u64(&key[..7], 0), None);
        assert_eq!(key_u64(&key, usize::MAX), None);
    }

    #[test]
    fn as_ref_and_finish_agree() {
        let key = Key::new().str("t").bytes(&[0xff; 4]).u64(9);
        assert_eq!(key.as_ref().to_vec(), key.clone().finish());
        assert_eq!(Vec::from(key.clone()), key.finish());
    }
}
