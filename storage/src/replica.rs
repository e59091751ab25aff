//! Cluster mode's seam: every write is also handed to a replicated log, and ids come from a
//! source shared by the cluster.
//!
//! In single-node mode none of this runs. In cluster mode the store is the node's local
//! view of the shards it owns: each write ([`Change`]) is queued, in the order it was made,
//! for the log of its shard ([`Replicate`]), and its [`Ticket`](crate::Ticket) resolves once
//! that log holds it. A node taking a shard over empties the shard's records
//! ([`Store::wipe_shards`](crate::Store::wipe_shards)) and replays the log into the store
//! ([`Store::apply`](crate::Store::apply)), without queueing anything.
//!
//! Which shard a record belongs to is decided here, from its tree, its key and its value
//! ([`shard_of`]): a company's records start their key with the company's id; chat logs and
//! routing logs start theirs with a chat id, which in cluster mode carries its shard in its
//! low bits ([`IdSource`]); tokens and the key and email indexes name their company in
//! their value. Counters and secrets are the node's own and are not replicated.

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::records::{EmailIndex, KeyIndex, SessionRecord};
use crate::{decode, key_u64, Record};

/// How many shards companies are spread over: fixed, because changing it moves companies.
pub const SHARDS: u16 = 1024;

/// The shard of a company: stable across releases, builds and machines (FNV-1a over the
/// id's big-endian bytes, written out because `DefaultHasher` may change between Rust
/// releases). A shard is a name every node of a cluster must read the same way.
pub fn shard(tenant: u64) -> u16 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = tenant
        .to_be_bytes()
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    (hash % u64::from(SHARDS)) as u16
}

/// The shard a chat id names in cluster mode: its low ten bits (see [`IdSource`]).
pub fn chat_shard(chat: u64) -> u16 {
    (chat % u64::from(SHARDS)) as u16
}

/// One write as the log carries it: the tree, the key, and the value after the write
/// (`None`: removed). Values are the stored bytes, version byte first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The tree's name.
    pub tree: String,
    /// The key.
    pub key: Vec<u8>,
    /// The value now stored, or `None` when the key was removed.
    pub value: Option<Vec<u8>>,
}

/// Where a cluster node's writes go: the log of each shard, in order.
pub trait Replicate: Send + Sync + 'static {
    /// Queues `change` for `shard`'s log, after every change queued before it; the receipt
    /// resolves once the log holds it, or with why it never will (the shard is not this
    /// node's, another node took it over, the cluster cannot be reached).
    fn queue(&self, shard: u16, change: Change) -> Receipt;
}

/// Where a cluster node's ids come from: unique in the whole cluster, not only in this
/// database.
pub trait IdSource: Send + Sync + 'static {
    /// A new id for a record of `tenant`; its low ten bits are the company's shard, so a
    /// chat's log records, keyed by chat id, find their shard.
    fn next(&self, tenant: u64) -> Result<u64, String>;
    /// A new company id whose shard this node serves.
    fn next_tenant(&self) -> Result<u64, String>;
    /// Where a new event stream hub starts numbering: a range of 2^20 ids no other hub in
    /// the cluster uses, so a client resuming with an id another node's hub gave out is
    /// always told to reload, never mistaken for one of this hub's.
    fn event_base(&self) -> Result<u64, String>;
}

/// The answer a replicated write waits for.
#[derive(Debug)]
pub struct Receipt(oneshot::Receiver<Result<(), String>>);

/// The sending half of a [`Receipt`], kept by the log until the change is stored.
pub type Settle = oneshot::Sender<Result<(), String>>;

impl Receipt {
    /// A receipt and the sender that settles it.
    pub fn new() -> (Settle, Receipt) {
        let (settle, receipt) = oneshot::channel();
        (settle, Receipt(receipt))
    }

    /// A receipt that already failed with `reason`.
    pub fn failed(reason: impl Into<String>) -> Receipt {
        let (settle, receipt) = Receipt::new();
        let _ = settle.send(Err(reason.into()));
        receipt
    }

    /// Waits for the log's answer.
    pub async fn settled(self) -> Result<(), String> {
        self.0
            .await
            .unwrap_or_else(|_| Err("the shard log stopped before storing the write".into()))
    }
}

/// The shard a stored entry belongs to, or `None` for the node's own trees (counters,
/// secrets, the store's bookkeeping). `value` is the entry's value, or for a removal the
/// value it had.
pub fn shard_of(tree: &str, key: &[u8], value: Option<&[u8]>) -> Option<u16> {
    let tenant_in_value = |value: Option<&[u8]>| -> Option<u64> {
        let value = value?;
        match tree {
            SessionRecord::TREE => decode::<SessionRecord>(value).ok().map(|s| s.tenant),
            KeyIndex::TREE => decode::<KeyIndex>(value).ok().map(|k| k.0.tenant),
            _ => decode::<EmailIndex>(value).ok().map(|e| e.0.tenant),
        }
    };
    match tree {
        t if t.starts_with("__") => None,
        "counters" | "secrets" => None,
        "messages" | "routing" => key_u64(key, 0).map(chat_shard),
        "sessions" | "keys" | "emails" => tenant_in_value(value).map(shard),
        _ => key_u64(key, 0).map(shard),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The mapping is a promise to every node of a cluster and every later release: these
    // values (FNV-1a 64 of the id's big-endian bytes, mod 1024, computed independently) may
    // never change.
    #[test]
    fn shards_are_stable() {
        let known = [(1, shard(1)), (2, shard(2)), (1_000_000, shard(1_000_000))];
        assert_eq!(
            [(1, 18), (2, 607), (1_000_000, 274)],
            known,
            "the shard of a company changed: every cluster would move its companies"
        );
        assert!((0..10_000).all(|t| shard(t) < SHARDS));
    }

    #[test]
    fn shards_spread_companies_evenly() {
        let mut counts = vec![0u32; usize::from(SHARDS)];
        for tenant in 1..=102_400u64 {
            counts[usize::from(shard(tenant))] += 1;
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(
            *min >= 50 && *max <= 150,
            "100 per shard expected, saw {min}..{max}"
        );
    }

    #[test]
    fn every_record_finds_its_shard() {
        use crate::records::{IndexRecord, SubjectRecord};
        use crate::{encode, Key};
        let tenant = 1_000_000;
        let company_key = Key::new().u64(tenant).u64(7).finish();
        assert_eq!(shard_of("chats", &company_key, None), Some(274));
        assert_eq!(shard_of("accounts", &company_key, None), Some(274));
        // A chat id carries its shard in its low bits.
        let chat = (99 << 10) | 274;
        let log_key = Key::new().u64(chat).u64(1).finish();
        assert_eq!(shard_of("messages", &log_key, None), Some(274));
        assert_eq!(shard_of("routing", &log_key, None), Some(274));
        let session = encode(&SessionRecord {
            tenant,
            subject: SubjectRecord::Chat(chat),
            expires_at: 1,
        })
        .unwrap();
        assert_eq!(shard_of("sessions", &[0xab; 32], Some(&session)), Some(274));
        let index = IndexRecord { tenant, account: 3 };
        let email = encode(&EmailIndex(index)).unwrap();
        assert_eq!(shard_of("emails", b"a@b.c", Some(&email)), Some(274));
        let key = encode(&KeyIndex(index)).unwrap();
        assert_eq!(shard_of("keys", b"abcdef", Some(&key)), Some(274));
        assert_eq!(shard_of("counters", b"event_ids", None), None);
        assert_eq!(shard_of("secrets", b"visitor_ids", None), None);
        assert_eq!(shard_of("__switchboard_meta", b"id_base", None), None);
    }
}
