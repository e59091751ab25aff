//! Shared pieces of Switchboard's benches.
//!
//! # Layout
//!
//! - this library: [`BenchMessage`], a chat-message-sized record the storage benches write,
//!   so every bench measures the same payload.
//! - `benches/storage.rs`: acknowledged writes per second with group commit against one
//!   flush per write, and one group commit of 1, 16 and 256 writes
//!   (`cargo bench -p switchboard-benches --bench storage`).
//! - `benches/records.rs`: encoding and decoding a chat log entry and the company record
//!   (`cargo bench -p switchboard-benches --bench records`).
//! - `src/bin/loadgen/`: the open-loop HTTP load generator (`--bin loadgen`); its own
//!   module doc has its layout, BENCHMARKS.md its commands and figures.
//!
//! The routing and actor benches live in the engine crate (`engine/benches/`), which this
//! crate does not link; `benches/MICRO.md` lists every micro-bench with its figures.

#![deny(missing_docs)]

use serde::{Deserialize, Serialize};
use switchboard_storage::Record;

/// Characters of text in a [`BenchMessage`]; with the other fields the stored value is
/// about 200 bytes, a typical chat line with its metadata.
pub const MESSAGE_TEXT_LEN: usize = 170;

/// A chat message as the storage benches write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchMessage {
    /// The chat it belongs to, as in the real message log.
    pub chat: u64,
    /// Its sequence number in the chat.
    pub seq: u64,
    /// Unix milliseconds when it was sent.
    pub sent_at: u64,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub text: String,
}

impl Record for BenchMessage {
    const TREE: &'static str = "bench_messages";
    const VERSION: u8 = 1;
}

impl BenchMessage {
    /// The `seq`-th message of a bench chat.
    pub fn new(seq: u64) -> BenchMessage {
        BenchMessage {
            chat: 42,
            seq,
            sent_at: 1_700_000_000_000 + seq,
            author: "visitor-0042".to_owned(),
            text: "x".repeat(MESSAGE_TEXT_LEN),
        }
    }
}
