//! Calls between nodes: a request for a company another node serves travels to that node
//! over NATS request/reply, and an event stream comes back as a series of frames, each
//! acknowledged by the node relaying it (so the serving node stops as soon as the relay
//! is gone). Nodes never connect to each other, only to NATS. Also: who owns which shard,
//! as every node sees it ([`Cluster::owners`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{client::RequestErrorKind, Subject};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::{nats, Cluster, Error, Result, LEASES_BUCKET};

/// How long the serving node may take to acknowledge a frame before the stream ends.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

fn call_subject(node: &str) -> String {
    format!("sb.node.{node}.call")
}

/// A call addressed to this node.
pub struct Call {
    /// What the calling node sent.
    pub payload: Bytes,
    reply: Option<Subject>,
    client: async_nats::Client,
}

impl Call {
    /// Answers a call made with [`Cluster::call`].
    pub async fn answer(&self, payload: Bytes) -> Result<()> {
        let reply = self
            .reply
            .clone()
            .ok_or(Error::Nats("a call without a reply".into()))?;
        self.client.publish(reply, payload).await.map_err(nats)
    }

    /// Sends one frame of a stream opened with [`Cluster::stream`]; false once the
    /// relaying node stopped listening (its client went away) or did not acknowledge.
    pub async fn frame(&self, payload: Bytes) -> bool {
        let Some(reply) = self.reply.clone() else {
            return false;
        };
        let request = async_nats::Request::new()
            .payload(payload)
            .timeout(Some(FRAME_TIMEOUT));
        self.client.send_request(reply, request).await.is_ok()
    }
}

/// Which node holds each shard's lease, as this node last heard.
#[derive(Clone, Debug, Default)]
pub struct Owners(HashMap<u16, String>);

impl Owners {
    /// The node holding `shard`'s lease, if any.
    pub fn of(&self, shard: u16) -> Option<&str> {
        self.0.get(&shard).map(String::as_str)
    }
}

impl Cluster {
    /// The calls addressed to this node, until the connection closes.
    pub async fn calls(&self) -> Result<mpsc::Receiver<Call>> {
        let mut subscriber = self
            .client
            .subscribe(call_subject(&self.node))
            .await
            .map_err(nats)?;
        let (tx, rx) = mpsc::channel(1024);
        let client = self.client.clone();
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                let call = Call {
                    payload: message.payload,
                    reply: message.reply,
                    client: client.clone(),
                };
                if tx.send(call).await.is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// Calls `node` and waits at most `timeout` for its answer.
    pub async fn call(&self, node: &str, payload: Bytes, timeout: Duration) -> Result<Bytes> {
        let request = async_nats::Request::new()
            .payload(payload)
            .timeout(Some(timeout));
        match self.client.send_request(call_subject(node), request).await {
            Ok(message) => Ok(message.payload),
            Err(e) if e.kind() == RequestErrorKind::NoResponders => {
                Err(Error::Nats(format!("node {node} is not answering")))
            }
            Err(e) => Err(nats(e)),
        }
    }

    /// Opens a stream from `node`: its frames, in order, until it ends or the receiver is
    /// dropped (then the serving node's next frame is not acknowledged and it stops).
    pub async fn stream(&self, node: &str, payload: Bytes) -> Result<mpsc::Receiver<Bytes>> {
        let inbox = self.client.new_inbox();
        let mut subscriber = self.client.subscribe(inbox.clone()).await.map_err(nats)?;
        self.client
            .publish_with_reply(call_subject(node), inbox, payload)
            .await
            .map_err(nats)?;
        let (tx, rx) = mpsc::channel(64);
        let client = self.client.clone();
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                if tx.send(message.payload).await.is_err() {
                    break;
                }
                if let Some(reply) = message.reply {
                    let _ = client.publish(reply, Bytes::new()).await;
                }
            }
        });
        Ok(rx)
    }

    /// Who holds each shard's lease, kept up to date from the lease bucket. The watch is
    /// started again whenever it ends (a NATS server went away), from the bucket's current
    /// entries.
    pub async fn owners(&self) -> Result<watch::Receiver<Arc<Owners>>> {
        let leases = self.js.get_key_value(LEASES_BUCKET).await.map_err(nats)?;
        let (tell, owners) = watch::channel(Arc::new(Owners::default()));
        tokio::spawn(async move {
            loop {
                match leases.watch_all().await {
                    // Its own task: the client's watch has been seen to panic when the
                    // connection closes under it.
                    Ok(entries) => drop(tokio::spawn(follow(entries, tell.clone())).await),
                    Err(e) => tracing::warn!("cannot watch the leases: {e}"),
                }
                if tell.is_closed() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(owners)
    }
}

/// Applies the lease bucket's entries to `tell` until the watch ends.
async fn follow(mut entries: async_nats::jetstream::kv::Watch, tell: watch::Sender<Arc<Owners>>) {
    let mut known = Owners::default();
    while let Some(entry) = entries.next().await {
        let Ok(entry) = entry else { continue };
        let Some(shard) = entry
            .key
            .strip_prefix("shard-")
            .and_then(|s| s.parse::<u16>().ok())
        else {
            continue;
        };
        match entry.operation {
            async_nats::jetstream::kv::Operation::Put => {
                let node = String::from_utf8_lossy(&entry.value).into_owned();
                known.0.insert(shard, node);
            }
            _ => {
                known.0.remove(&shard);
            }
        }
        tell.send_replace(Arc::new(known.clone()));
    }
    tracing::warn!("the lease watch ended");
}
