//! The engine's settings (the `[engine]` section of config.toml) and its counters.

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Engine settings, the `[engine]` section of config.toml.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Arbiter threads tenants are placed on; 0 means one per core.
    pub arbiters: usize,
    /// An actor with nothing to do stops after this many seconds (state stays in storage).
    pub passivate_after_secs: u64,
    /// `max_chats` of a new operator when none is given.
    pub default_max_chats: u32,
    /// An operator whose last terminal disconnected keeps their chats this long (ms) before
    /// they are re-queued; long enough for a network blip or a client restart.
    pub presence_grace_ms: u64,
    /// Events buffered per stream subscriber; one that falls further behind is dropped and
    /// resumes from its last event id.
    pub subscriber_buffer: usize,
    /// How long (s) an operator's events are kept for a terminal to resume from; one away
    /// longer is told to reload.
    pub resume_window_secs: u64,
    /// Every this many seconds, expired sign-ins and chat tokens are removed (a token is
    /// also refused and removed when presented after it expired).
    pub session_sweep_secs: u64,
    /// Longest a call waits for a company's actor (mailbox room and answer included), in ms;
    /// past it the caller is told the server is overloaded. Far above a healthy answer
    /// (milliseconds), short enough that a client retries rather than hangs.
    pub ask_timeout_ms: u64,
    /// A visitor with no chat window open this long (s) is shown to the operator as "left";
    /// long enough for a reload or a flaky connection.
    pub visitor_gone_secs: u64,
    /// A chat whose visitor has had no window open this long (s) is closed and its slot
    /// freed.
    pub abandoned_chat_secs: u64,
    /// Password hashes (argon2, 19 MiB and a core each) computed at once; 0 means one per
    /// core. Sign-ins past it queue.
    pub hash_concurrency: usize,
    /// How long (ms) a sign-in may queue for hashing before it is answered 429: long enough
    /// to absorb a shift's operators signing in together, short enough that a flood is turned
    /// away rather than held.
    pub hash_queue_ms: u64,
    /// Billing: seller, currencies, seat prices, VAT rates — the `[billing]` section of
    /// config.toml, which the binary puts here.
    #[serde(skip)]
    pub billing: crate::billing::Config,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            arbiters: 0,
            passivate_after_secs: 300,
            default_max_chats: 4,
            presence_grace_ms: 30_000,
            subscriber_buffer: 256,
            resume_window_secs: 300,
            ask_timeout_ms: 10_000,
            session_sweep_secs: 3600,
            visitor_gone_secs: 60,
            abandoned_chat_secs: 600,
            hash_concurrency: 0,
            hash_queue_ms: 2000,
            billing: crate::billing::Config::default(),
        }
    }
}

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Chats visitors started.
    pub chats_started: AtomicU64,
    /// Chats an operator accepted.
    pub chats_routed: AtomicU64,
    /// Chats that reached the connection timeout.
    pub chats_timed_out: AtomicU64,
    /// Chats sent to the offline form at once.
    pub chats_offline: AtomicU64,
    /// Messages written to chat logs.
    pub messages: AtomicU64,
    /// Open event streams (visitor and operator).
    pub open_streams: AtomicI64,
    /// Chats waiting in queues, all companies.
    pub queue_length: AtomicI64,
    /// Running tenant actors (companies active in memory).
    pub tenant_actors: AtomicI64,
    /// Running operator hubs.
    pub operator_actors: AtomicI64,
    /// Running visitor actors.
    pub visitor_actors: AtomicI64,
}

impl Config {
    /// How often idle actors check whether to passivate.
    pub(crate) fn idle_check_interval(&self) -> Duration {
        Duration::from_secs(self.passivate_after_secs.clamp(1, 60))
    }
}
