//! Cluster mode: Switchboard on several machines, with NATS JetStream as the one
//! replicated, consistent store that decides who owns what. A company belongs to one of
//! 1,024 shards (`switchboard_storage::replica::shard`); each shard has one owning node at
//! a time.
//!
//! # Layout
//! - [`rendezvous`]: which live node should own a shard (pure; every node computes the
//!   same from the same list of live nodes);
//! - [`node`]: a node's ownership loop — heartbeat, hand over, renew, take — and its
//!   [`Status`];
//! - [`log`]: [`ShardLog`], the store's replication target — writes appended to their
//!   shard's log in order, takeover (snapshot, replay, fence) and compaction;
//! - [`directory`]: what every node must find (public keys and emails to companies, shared
//!   secrets, one-time claims) and cluster-wide ids ([`Ids`]);
//! - [`calls`]: calls and event streams between nodes over NATS, and who holds each lease
//!   ([`Owners`]);
//! - this file: [`Config`], [`Cluster`] — the connection, the buckets and the stream it
//!   creates, node heartbeats ([`Cluster::heartbeat`], [`Cluster::live_nodes`]), shard
//!   leases ([`Cluster::acquire`], [`Cluster::renew`], [`Cluster::release`]) and the fenced
//!   shard log ([`Cluster::open_log`], [`Cluster::append`], [`Cluster::read_log`]).
//!
//! # Ownership and fencing
//! A node says it is alive by writing its id to the `sb_nodes` bucket every heartbeat; the
//! bucket's maximum age removes an entry three heartbeats after its last write, so the
//! live nodes are the bucket's keys. A shard's lease is the key `shard-N` of the
//! `sb_leases` bucket, created by the node that takes it (`create` fails if the key
//! exists) and renewed by compare-and-set on its revision; the bucket's maximum age lets
//! an unrenewed lease lapse on the NATS servers' clocks, not the nodes'.
//!
//! A lease says who should write; the shard log makes sure nobody else can. Every record of
//! shard N is published to subject `sb.shard.N` of the `SB_SHARDS` stream with
//! `Nats-Expected-Last-Subject-Sequence` set to the last sequence the writer knows. A node
//! taking a shard over first appends a record of its own, so the old owner's next append
//! names a sequence that is no longer the last and is refused ([`Error::Fenced`]) — even if
//! it has not yet noticed that its lease lapsed.

use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, kv, stream};
use bytes::Bytes;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};

pub mod calls;
pub mod directory;
pub mod log;
pub mod node;
pub mod rendezvous;

pub use calls::{Call, Owners};
pub use directory::{Ids, IdsFor};
pub use log::ShardLog;
pub use node::{Node, Status};

/// The bucket of live nodes: key = node id.
const NODES_BUCKET: &str = "sb_nodes";
/// The bucket of shard leases: key `shard-N`, value = the holding node's id.
const LEASES_BUCKET: &str = "sb_leases";
/// The directory: public keys and emails to companies, shared secrets, the id counter.
const DIRECTORY_BUCKET: &str = "sb_directory";
/// The stream of every shard's records, subject `sb.shard.N`.
const SHARD_STREAM: &str = "SB_SHARDS";

/// How this node joins a cluster (`[cluster]` in `config.toml`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// NATS servers, `nats://host:port`; none: single-node mode.
    pub servers: Vec<String>,
    /// This node's id, unique in the cluster: letters, digits, `-` and `_`.
    pub node_id: String,
    /// Copies JetStream keeps of the buckets and the shard log: 3 on a three-server NATS
    /// cluster (a server can fail), 1 on a single NATS server.
    pub replicas: usize,
    /// How often a node writes its heartbeat; it counts as gone after three missed.
    pub heartbeat_ms: u64,
    /// How long a shard's lease lasts unrenewed; its owner renews it every third of that.
    pub lease_ms: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            servers: Vec::new(),
            node_id: String::new(),
            replicas: 3,
            heartbeat_ms: 1_000,
            lease_ms: 3_000,
        }
    }
}

/// What can go wrong talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration cannot work.
    #[error("cluster configuration: {0}")]
    Config(String),
    /// NATS or JetStream refused or failed an operation.
    #[error("NATS: {0}")]
    Nats(String),
    /// Another node appended to the shard's log since this writer last did: the shard is
    /// no longer this node's, whatever its lease says.
    #[error("shard {0} has been taken over by another node")]
    Fenced(u16),
    /// The lease was taken over or lapsed before it was renewed.
    #[error("the lease on shard {0} was lost")]
    LeaseLost(u16),
}

/// A result of this crate.
pub type Result<T> = std::result::Result<T, Error>;

fn nats(e: impl std::fmt::Display) -> Error {
    Error::Nats(e.to_string())
}

/// This node's hold on a shard: valid while renewed before it lapses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The shard.
    pub shard: u16,
    /// The lease entry's revision as this node last wrote it.
    revision: u64,
}

/// Where this node writes a shard's log: the last sequence it knows of the shard's subject.
#[derive(Debug)]
pub struct ShardWriter {
    /// The shard.
    pub shard: u16,
    /// The sequence of the shard's last record, as this writer knows it (0: none yet).
    pub last: u64,
}

/// A connection to the cluster as one node.
#[derive(Clone)]
pub struct Cluster {
    node: String,
    /// The public address written with each heartbeat, once the node listens.
    address: std::sync::Arc<std::sync::Mutex<String>>,
    client: async_nats::Client,
    js: jetstream::Context,
    directory: kv::Store,
    nodes: kv::Store,
    leases: kv::Store,
    log: stream::Stream,
}

impl Cluster {
    /// Connects to the NATS servers and creates the buckets and the stream if they are
    /// missing.
    pub async fn connect(config: &Config) -> Result<Cluster> {
        let valid_id = !config.node_id.is_empty()
            && config
                .node_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_id {
            return Err(Error::Config(format!(
                "node id {:?}: give one of letters, digits, - and _",
                config.node_id
            )));
        }
        if config.servers.is_empty() {
            return Err(Error::Config("no NATS server given".into()));
        }
        let servers = config
            .servers
            .iter()
            .map(|s| s.parse::<async_nats::ServerAddr>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("NATS server address: {e}")))?;
        let client = async_nats::ConnectOptions::new()
            .name(format!("switchboard {}", config.node_id))
            .connect(servers)
            .await
            .map_err(nats)?;
        let js = jetstream::new(client.clone());
        let nodes = bucket(&js, NODES_BUCKET, config.heartbeat_ms * 3, config.replicas).await?;
        let leases = bucket(&js, LEASES_BUCKET, config.lease_ms, config.replicas).await?;
        let directory = bucket(&js, DIRECTORY_BUCKET, 0, config.replicas).await?;
        let log = js
            .get_or_create_stream(stream::Config {
                name: SHARD_STREAM.to_owned(),
                subjects: vec![
                    "sb.shard.*".to_owned(),
                    "sb.snap.*".to_owned(),
                    "sb.snapidx.*".to_owned(),
                ],
                num_replicas: config.replicas,
                allow_direct: true,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(nats)?;
        Ok(Cluster {
            node: config.node_id.clone(),
            address: std::sync::Arc::default(),
            client,
            js,
            directory,
            nodes,
            leases,
            log,
        })
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Sets the address clients reach this node at (its HTTP base URL), which every later
    /// heartbeat carries.
    pub fn advertise(&self, address: &str) {
        *self
            .address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = address.to_owned();
    }

    /// Says this node is alive (call it every heartbeat), with its address.
    pub async fn heartbeat(&self) -> Result<()> {
        let address = self
            .address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        self.nodes
            .put(&self.node, Bytes::from(address))
            .await
            .map_err(nats)?;
        Ok(())
    }

    /// The addresses the live nodes advertise, by node id (empty: not listening yet).
    pub async fn addresses(&self, live: &[String]) -> Result<Vec<(String, String)>> {
        let mut addresses = Vec::with_capacity(live.len());
        for node in live {
            if let Some(value) = self.nodes.get(node).await.map_err(nats)? {
                addresses.push((node.clone(), String::from_utf8_lossy(&value).into_owned()));
            }
        }
        Ok(addresses)
    }

    /// Says this node is leaving: other nodes stop counting it at once.
    pub async fn depart(&self) -> Result<()> {
        self.nodes.delete(&self.node).await.map_err(nats)
    }

    /// The nodes whose heartbeat is recent, sorted.
    pub async fn live_nodes(&self) -> Result<Vec<String>> {
        let mut nodes: Vec<String> = self
            .nodes
            .keys()
            .await
            .map_err(nats)?
            .try_collect()
            .await
            .map_err(nats)?;
        nodes.sort();
        Ok(nodes)
    }

    /// Takes `shard`'s lease if nobody holds it (or this node already does): `None` when
    /// another node holds it.
    pub async fn acquire(&self, shard: u16) -> Result<Option<Lease>> {
        let key = lease_key(shard);
        match self.leases.create(&key, self.node_bytes()).await {
            Ok(revision) => Ok(Some(Lease { shard, revision })),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                // Ours already (a restart within the lease): take it back by revision.
                match self.leases.entry(&key).await.map_err(nats)? {
                    Some(entry)
                        if entry.operation == kv::Operation::Put
                            && entry.value == self.node.as_bytes() =>
                    {
                        let mut lease = Lease {
                            shard,
                            revision: entry.revision,
                        };
                        self.renew(&mut lease).await?;
                        Ok(Some(lease))
                    }
                    _ => Ok(None),
                }
            }
            Err(e) => Err(nats(e)),
        }
    }

    /// Extends the lease; [`Error::LeaseLost`] if another node took it or it lapsed.
    pub async fn renew(&self, lease: &mut Lease) -> Result<()> {
        match self
            .leases
            .update(lease_key(lease.shard), self.node_bytes(), lease.revision)
            .await
        {
            Ok(revision) => {
                lease.revision = revision;
                Ok(())
            }
            Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                Err(Error::LeaseLost(lease.shard))
            }
            Err(e) => Err(nats(e)),
        }
    }

    /// Gives the lease up at once (a node leaving cleanly), if it is still this node's.
    pub async fn release(&self, lease: Lease) -> Result<()> {
        match self
            .leases
            .delete_expect_revision(lease_key(lease.shard), Some(lease.revision))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == kv::DeleteErrorKind::WrongLastRevision => Ok(()),
            Err(e) => Err(nats(e)),
        }
    }

    /// The node holding `shard`'s lease now, if any.
    pub async fn holder(&self, shard: u16) -> Result<Option<String>> {
        let entry = self.leases.entry(lease_key(shard)).await.map_err(nats)?;
        Ok(entry
            .filter(|e| e.operation == kv::Operation::Put)
            .map(|e| String::from_utf8_lossy(&e.value).into_owned()))
    }

    /// A writer for `shard`'s log, at the shard's last record as the stream has it now.
    pub async fn open_log(&self, shard: u16) -> Result<ShardWriter> {
        let last = match self
            .log
            .get_last_raw_message_by_subject(&log_subject(shard))
            .await
        {
            Ok(message) => message.sequence,
            Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => 0,
            Err(e) => return Err(nats(e)),
        };
        Ok(ShardWriter { shard, last })
    }

    /// Appends a record to the shard's log and returns its sequence once JetStream has
    /// stored it on a majority of its replicas. [`Error::Fenced`] if anyone else appended
    /// to the shard since this writer last did.
    pub async fn append(&self, writer: &mut ShardWriter, record: Bytes) -> Result<u64> {
        let publish = jetstream::message::PublishMessage::build()
            .payload(record)
            .expected_last_subject_sequence(writer.last);
        let acked = self
            .js
            .send_publish(log_subject(writer.shard), publish)
            .await
            .map_err(nats)?
            .await;
        match acked {
            Ok(ack) => {
                writer.last = ack.sequence;
                Ok(ack.sequence)
            }
            Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                Err(Error::Fenced(writer.shard))
            }
            Err(e) => Err(nats(e)),
        }
    }

    /// The shard's records after sequence `after`, in order, up to its last record now: what
    /// a node taking the shard over replays. Read with direct gets, which any replica
    /// answers, so a replay needs neither a consumer nor the cluster's metadata leader.
    pub async fn read_log(&self, shard: u16, after: u64) -> Result<Vec<(u64, Bytes)>> {
        let last = self.open_log(shard).await?.last;
        self.read_log_to(shard, after, last).await
    }

    /// The shard's records after sequence `after` up to sequence `last`, in order.
    pub async fn read_log_to(
        &self,
        shard: u16,
        after: u64,
        last: u64,
    ) -> Result<Vec<(u64, Bytes)>> {
        let mut records = Vec::new();
        let mut next = after + 1;
        while next <= last {
            let message = self
                .log
                .direct_get_next_for_subject(log_subject(shard), Some(next))
                .await
                .map_err(nats)?;
            next = message.sequence + 1;
            records.push((message.sequence, message.payload));
        }
        Ok(records)
    }

    /// Publishes `payload` to `subject` of the shard stream, unconditionally; its sequence.
    pub(crate) async fn publish(&self, subject: String, payload: Bytes) -> Result<u64> {
        let ack = self
            .js
            .publish(subject, payload)
            .await
            .map_err(nats)?
            .await
            .map_err(nats)?;
        Ok(ack.sequence)
    }

    /// The last message on `subject` of the shard stream, if any (any replica answers).
    pub(crate) async fn last_on(&self, subject: String) -> Result<Option<(u64, Bytes)>> {
        match self.log.direct_get_last_for_subject(subject).await {
            Ok(message) => Ok(Some((message.sequence, message.payload))),
            Err(e) if e.kind() == stream::DirectGetErrorKind::NotFound => Ok(None),
            Err(e) => Err(nats(e)),
        }
    }

    /// The first message on `subject` at or after sequence `from`.
    pub(crate) async fn next_on(&self, subject: String, from: u64) -> Result<(u64, Bytes)> {
        let message = self
            .log
            .direct_get_next_for_subject(subject, Some(from))
            .await
            .map_err(nats)?;
        Ok((message.sequence, message.payload))
    }

    /// Removes the messages on `subject` below sequence `below`.
    pub(crate) async fn purge_below(&self, subject: String, below: u64) -> Result<()> {
        self.log
            .purge()
            .filter(subject)
            .sequence(below)
            .await
            .map(drop)
            .map_err(nats)
    }

    fn node_bytes(&self) -> Bytes {
        Bytes::from(self.node.clone().into_bytes())
    }
}

/// The key-value bucket `name` whose entries expire `max_age_ms` after their last write
/// (0: never), created if missing. Its stream is created here with the settings `async-nats` gives a
/// bucket, because the client's own bucket creation first reads the account's details in a
/// shape nats-server 2.9 does not send.
async fn bucket(
    js: &jetstream::Context,
    name: &str,
    max_age_ms: u64,
    replicas: usize,
) -> Result<kv::Store> {
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age: Duration::from_millis(max_age_ms),
        storage: stream::StorageType::File,
        num_replicas: replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .map_err(nats)?;
    js.get_key_value(name).await.map_err(nats)
}

fn lease_key(shard: u16) -> String {
    format!("shard-{shard}")
}

pub(crate) fn log_subject(shard: u16) -> String {
    format!("sb.shard.{shard}")
}
