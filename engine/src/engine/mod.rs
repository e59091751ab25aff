//! The engine handle: the actor system, tenant placement and activation, and the work that
//! needs no actor (sign-up, sign-in, token checks, offline messages, history).
//!
//! # Layout
//! - this file: configuration, metrics, the tables, the actor system (start, stop, placement
//!   and activation of company actors, `ask`), event ids and visitor ids;
//! - [`accounts`]: sign-up, sign-in, password hashing, sessions;
//! - [`calls`]: the calls that reach a company's visitor and operator actors (messages,
//!   typing, event streams, invitations), so no actor address leaves the engine;
//! - [`repo`]: chats, logs, history pages and search, the off-line inbox, routing logs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::SendError;
use actix::{Actor, Addr, ArbiterHandle};
use serde::{Deserialize, Serialize};
use switchboard_storage::records::{
    AccountRecord, AccountSession, AuditRecord, ButtonsRecord, CannedRecord, ChatRecord,
    DepartmentRecord, EmailIndex, EventIdCeiling, GraphicsRecord, IndexRecord, KeyIndex,
    LogKindRecord, LogRecord, OfflineRecord, OpenChat, RoutingRecord, SecretRecord, SessionRecord,
    SubjectRecord, TenantRecord, VisitorRecord,
};
use switchboard_storage::{Key, Store, Table, Ticket};

use crate::actors::tenant::{Broadcast, TenantActor, TenantState};
use crate::auth;
use crate::events::{OperatorEvent, Resource};
use crate::model::*;
use crate::visitor_ids::VisitorIds;
use crate::{Error, Result};

mod accounts;
mod calls;
mod repo;

pub use crate::actors::tenant::TenantView;
pub use crate::actors::visitor::{MAX_CLIENT_ID_CHARS, MAX_MESSAGE_CHARS};
pub use crate::actors::Subscription;
pub use accounts::normalize_email;
pub use calls::{PageView, SaveOperator, Snapshot, StartChat, Started, StreamEnd, Transfer};

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            arbiters: 0,
            passivate_after_secs: 300,
            default_max_chats: 4,
            presence_grace_ms: 30_000,
            subscriber_buffer: 256,
            ask_timeout_ms: 10_000,
            session_sweep_secs: 3600,
            visitor_gone_secs: 60,
            abandoned_chat_secs: 600,
            hash_concurrency: 0,
            hash_queue_ms: 2000,
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

/// The typed trees, opened once.
pub struct Tables {
    /// Companies.
    pub tenants: Table<TenantRecord>,
    /// Public key -> company.
    pub keys: Table<KeyIndex>,
    /// Accounts.
    pub accounts: Table<AccountRecord>,
    /// Email -> account.
    pub emails: Table<EmailIndex>,
    /// Departments.
    pub departments: Table<DepartmentRecord>,
    /// Canned responses.
    pub canned: Table<CannedRecord>,
    /// Chats.
    pub chats: Table<ChatRecord>,
    /// Chat logs.
    pub log: Table<LogRecord>,
    /// Offline messages.
    pub offline: Table<OfflineRecord>,
    /// Bearer tokens.
    pub sessions: Table<SessionRecord>,
    /// Tracked visitors.
    pub visitors: Table<VisitorRecord>,
    /// Chat-window graphics slots.
    pub graphics: Table<GraphicsRecord>,
    /// Custom chat buttons.
    pub buttons: Table<ButtonsRecord>,
    /// Chats' routing logs.
    pub routing: Table<RoutingRecord>,
    /// Index of the chats waiting or connected.
    pub open_chats: Table<OpenChat>,
    /// Index of the sessions of each account.
    pub account_sessions: Table<AccountSession>,
    /// Named counters.
    pub counters: Table<EventIdCeiling>,
    /// Keys the server made for itself.
    pub secrets: Table<SecretRecord>,
    /// Each company's audit log of admin changes.
    pub audit: Table<AuditRecord>,
}

impl Tables {
    fn open(store: &Store) -> Result<Self> {
        Ok(Tables {
            tenants: store.table()?,
            keys: store.table()?,
            accounts: store.table()?,
            emails: store.table()?,
            departments: store.table()?,
            canned: store.table()?,
            chats: store.table()?,
            log: store.table()?,
            offline: store.table()?,
            sessions: store.table()?,
            visitors: store.table()?,
            graphics: store.table()?,
            buttons: store.table()?,
            routing: store.table()?,
            open_chats: store.table()?,
            account_sessions: store.table()?,
            counters: store.table()?,
            secrets: store.table()?,
            audit: store.table()?,
        })
    }
}

/// Who a valid token belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in admin or operator.
    Account {
        /// Company.
        tenant: TenantId,
        /// Account.
        account: AccountId,
    },
    /// A visitor holding one chat's token.
    Visitor {
        /// Company.
        tenant: TenantId,
        /// The chat the token opens.
        chat: ChatId,
    },
}

impl Principal {
    /// The company the token acts in.
    pub fn tenant(&self) -> TenantId {
        match self {
            Principal::Account { tenant, .. } | Principal::Visitor { tenant, .. } => *tenant,
        }
    }
}

/// A new company's credentials.
#[derive(Clone, Debug)]
pub struct SignedUp {
    /// Public chat key.
    pub key: String,
    /// The admin's session token.
    pub token: String,
    /// The new company's id.
    pub tenant: TenantId,
}

struct Inner {
    store: Store,
    tables: Tables,
    config: Config,
    metrics: Arc<Metrics>,
    arbiters: Vec<ArbiterHandle>,
    /// Running company actors and the views they publish.
    tenants: Mutex<HashMap<TenantId, Running>>,
    system: actix::System,
    /// Set by [`Engine::stop`]: a closed mailbox then means shutting down, not passivation.
    stopping: std::sync::atomic::AtomicBool,
    /// Stream event ids: the last base handed to a hub, and the ceiling stored on disk.
    event_ids: Mutex<EventIds>,
    /// Every password hash and check goes through it.
    hashes: auth::HashGate,
    /// Issues and checks visitor ids.
    visitor_ids: VisitorIds,
}

/// A running company actor and the view it publishes.
struct Running {
    /// The actor.
    addr: Addr<TenantActor>,
    /// Its latest published view.
    view: tokio::sync::watch::Receiver<Arc<TenantView>>,
}

/// How stream event ids stay above every id handed out before, across restarts and clock
/// steps: each hub starts at a base above the previous base and above the stored ceiling of
/// the last run; the ceiling is raised (stored) ahead of the bases handed out.
struct EventIds {
    /// The last base handed out.
    last: u64,
    /// Ids below this are taken (by this run or an earlier one): stored in `counters`.
    ceiling: u64,
}

/// Room for one hub's events above its base before the next base; a hub rarely sends more
/// than this before it stops, and ids also follow the clock (a thousand per ms).
const EVENTS_PER_HUB: u64 = 1_000_000;

/// How far ahead of the bases handed out the stored ceiling is raised, so it is written
/// rarely (a thousand hub starts, or about 17 minutes of clock).
const CEILING_AHEAD: u64 = 1_000 * EVENTS_PER_HUB;

/// Name of the visitor-id key in `secrets`.
const VISITOR_IDS_KEY: &[u8] = b"visitor_ids";

/// The secret named `name`, made (random, flushed to disk) the first time it is asked for.
fn secret(store: &Store, tables: &Tables, name: &[u8]) -> Result<[u8; 32]> {
    if let Some(SecretRecord(key)) = tables.secrets.get(name)? {
        return Ok(key);
    }
    let key: [u8; 32] = rand::random();
    // Once per database, at start-up (no actor runs yet): ids signed with a key a crash
    // could lose would all stop passing.
    let _ticket = tables.secrets.insert(name, &SecretRecord(key))?;
    store.flush_now()?;
    Ok(key)
}

/// Key of the event-id ceiling in `counters`.
const EVENT_IDS_KEY: &[u8] = b"event_ids";

/// A message with its reply channel: the actor answers through `reply`, so a message refused
/// by a stopped actor comes back (`try_send`) and can be sent to its successor.
struct Ask<M: actix::Message> {
    msg: M,
    reply: tokio::sync::oneshot::Sender<M::Result>,
}

impl<M> actix::Message for Ask<M>
where
    M: actix::Message,
{
    type Result = ();
}

impl<M> actix::Handler<Ask<M>> for TenantActor
where
    M: actix::Message + Send + 'static,
    M::Result: Send,
    TenantActor: actix::Handler<M>,
{
    type Result = ();

    fn handle(&mut self, ask: Ask<M>, ctx: &mut Self::Context) {
        use actix::dev::MessageResponse;
        let response = <TenantActor as actix::Handler<M>>::handle(self, ask.msg, ctx);
        response.handle(ctx, Some(ask.reply));
    }
}

/// The running engine; cheap to clone and `Send`, so HTTP handlers on any runtime use it.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The one refusal of a sign-up whose email or key cannot be used: the same words whatever
/// the reason, so the answer does not say whether the email has an account.
const SIGNUP_REFUSED: &str =
    "these details cannot be used to sign up; sign in if you have an account, or use another email";

/// How long a password may be; argon2 work is bounded by it.
const MAX_PASSWORD_CHARS: usize = 256;

impl Engine {
    /// Starts the actor system (one thread per arbiter) over `store`.
    pub fn start(store: Store, config: Config) -> Result<Engine> {
        let count = if config.arbiters == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            config.arbiters
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("actix-system".into())
            .spawn(move || {
                let system = actix_rt::System::new();
                let arbiters: Vec<actix::Arbiter> =
                    system.block_on(async { (0..count).map(|_| actix::Arbiter::new()).collect() });
                let handles = arbiters.iter().map(|a| a.handle()).collect::<Vec<_>>();
                let _ = tx.send((handles, system.block_on(async { actix::System::current() })));
                let _ = system.run();
                drop(arbiters);
            })
            .map_err(|e| Error::Internal(format!("cannot start the actor system: {e}")))?;
        let (arbiters, system) = rx
            .recv()
            .map_err(|_| Error::Internal("the actor system did not start".into()))?;
        let tables = Tables::open(&store)?;
        let event_ceiling = tables
            .counters
            .get(EVENT_IDS_KEY)?
            .map_or(0, |EventIdCeiling(c)| c);
        let visitor_ids = VisitorIds::new(secret(&store, &tables, VISITOR_IDS_KEY)?);
        let hashes = auth::HashGate::new(
            config.hash_concurrency,
            Duration::from_millis(config.hash_queue_ms),
        );
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                tables,
                config,
                metrics: Arc::default(),
                arbiters,
                tenants: Mutex::new(HashMap::new()),
                system,
                stopping: Default::default(),
                // The first base is at least the earlier run's ceiling.
                event_ids: Mutex::new(EventIds {
                    last: event_ceiling.saturating_sub(EVENTS_PER_HUB),
                    ceiling: event_ceiling,
                }),
                hashes,
                visitor_ids,
            }),
        };
        engine.start_sweeper()?;
        Ok(engine)
    }

    /// Starts the thread that removes expired sessions every `session_sweep_secs`; it ends
    /// once the engine is dropped or stopped.
    fn start_sweeper(&self) -> Result<()> {
        let engine = Arc::downgrade(&self.inner);
        let every = Duration::from_secs(self.config().session_sweep_secs.max(1));
        std::thread::Builder::new()
            .name("session-sweeper".into())
            .spawn(move || loop {
                // Short naps, so a stopped engine is noticed within a second.
                let until = std::time::Instant::now() + every;
                while std::time::Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(200).min(every));
                    let Some(inner) = engine.upgrade() else {
                        return;
                    };
                    if inner.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                }
                let Some(inner) = engine.upgrade() else {
                    return;
                };
                match (Engine { inner }).sweep_sessions(now_ms()) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("removed {n} expired sessions"),
                    Err(e) => tracing::error!("cannot sweep expired sessions: {e}"),
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the session sweeper: {e}")))?;
        Ok(())
    }

    /// Stops every actor; state is in storage already.
    pub fn stop(&self) {
        self.inner
            .stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.inner.system.stop();
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The typed trees.
    pub fn tables(&self) -> &Tables {
        &self.inner.tables
    }

    /// Engine settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Counters, shareable with things that outlive a borrow (event streams).
    pub fn metrics_arc(&self) -> Arc<Metrics> {
        self.inner.metrics.clone()
    }

    /// The tenant's actor, activated from storage when it is not running.
    pub fn tenant(&self, id: TenantId) -> Result<Addr<TenantActor>> {
        let mut running = self
            .inner
            .tenants
            .lock()
            .expect("no code panics while holding this lock");
        Ok(self.running(&mut running, id)?.addr.clone())
    }

    /// The company's read model: its settings, lists and load as of its actor's last change,
    /// without a round trip to the actor (activated when needed).
    pub fn view(&self, id: TenantId) -> Result<Arc<TenantView>> {
        let mut running = self
            .inner
            .tenants
            .lock()
            .expect("no code panics while holding this lock");
        let view = self.running(&mut running, id)?.view.borrow().clone();
        Ok(view)
    }

    /// The company's running actor, started from storage when it is not running.
    fn running<'a>(
        &self,
        running: &'a mut HashMap<TenantId, Running>,
        id: TenantId,
    ) -> Result<&'a Running> {
        if !running.get(&id).is_some_and(|r| r.addr.connected()) {
            let state = TenantState::load(self, id)?;
            let (publish, view) = tokio::sync::watch::channel(Arc::new(TenantView::of(&state)));
            let shard = crate::placement::shard(id);
            let arbiter =
                &self.inner.arbiters[crate::placement::slot(shard, self.inner.arbiters.len())];
            let engine = self.clone();
            let addr = TenantActor::start_in_arbiter(arbiter, move |_| {
                TenantActor::new(engine, state, publish)
            });
            running.insert(id, Running { addr, view });
        }
        Ok(running.get(&id).expect("inserted above"))
    }

    /// Sends `msg` to the tenant's actor (activating it when needed) and waits for the
    /// answer, at most [`Config::ask_timeout_ms`]. An actor that passivated between lookup and send is
    /// started again once. A full mailbox waits for room within the same time; a call that
    /// cannot be answered in time is [`Error::Overloaded`], one the stopping server cannot
    /// answer is [`Error::Unavailable`].
    pub async fn ask<M>(&self, tenant: TenantId, msg: M) -> Result<M::Result>
    where
        M: actix::Message + Send + 'static,
        M::Result: Send,
        TenantActor: actix::Handler<M>,
    {
        if self.stopping() {
            return Err(Error::Unavailable);
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let mut ask = Ask { msg, reply };
        let mut retried = false;
        let queued = loop {
            let actor = self.tenant(tenant)?;
            match actor.try_send::<Ask<M>>(ask) {
                Ok(()) => break None,
                // Full: wait for room below, within the same deadline.
                Err(SendError::Full(back)) => break Some((actor, back)),
                Err(SendError::Closed(back)) if !retried && !self.stopping() => {
                    retried = true;
                    ask = back;
                }
                Err(SendError::Closed(_)) => return Err(Error::Unavailable),
            }
        };
        let answered = async {
            if let Some((actor, ask)) = queued {
                actor.send::<Ask<M>>(ask).await?;
            }
            answer.await.map_err(|_| Error::Unavailable)
        };
        let limit = Duration::from_millis(self.config().ask_timeout_ms);
        match tokio::time::timeout(limit, answered).await {
            Ok(answer) => answer,
            Err(_) if self.stopping() => Err(Error::Unavailable),
            Err(_) => Err(Error::Overloaded),
        }
    }

    /// Where a new event hub (an operator's or a visitor's tracking stream) starts numbering:
    /// above every id handed out before, in this run or an earlier one, whatever the clock
    /// did in between; normally the clock (a thousand ids per ms).
    pub fn event_base(&self) -> u64 {
        let mut ids = self
            .inner
            .event_ids
            .lock()
            .expect("no code panics while holding this lock");
        let base = (now_ms() * 1000).max(ids.last + EVENTS_PER_HUB);
        ids.last = base;
        if base + EVENTS_PER_HUB > ids.ceiling {
            ids.ceiling = base + CEILING_AHEAD;
            // Not waited for (no disk wait on an actor thread): the store's own flush follows
            // within half a second, and the clock carries ids upward meanwhile.
            let stored = self
                .tables()
                .counters
                .insert(EVENT_IDS_KEY, &EventIdCeiling(ids.ceiling));
            if let Err(e) = stored {
                tracing::error!("cannot store the event-id ceiling: {e}");
            }
        }
        base
    }

    /// Issues and checks visitor ids.
    pub fn visitor_ids(&self) -> &VisitorIds {
        &self.inner.visitor_ids
    }

    /// Whether [`Engine::stop`] was called.
    fn stopping(&self) -> bool {
        self.inner
            .stopping
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets a passivated tenant actor (only if `addr` is still the registered one).
    pub(crate) fn tenant_stopped(&self, id: TenantId) {
        let mut running = self
            .inner
            .tenants
            .lock()
            .expect("no code panics while holding this lock");
        if running.get(&id).is_some_and(|r| !r.addr.connected()) {
            running.remove(&id);
        }
    }

    /// Whether any company exists.
    pub fn has_companies(&self) -> Result<bool> {
        Ok(self
            .tables()
            .tenants
            .scan_prefix(&[])
            .next()
            .transpose()?
            .is_some())
    }

    /// The tenant whose public chat key is `key`.
    pub fn tenant_by_key(&self, key: &str) -> Result<TenantId> {
        let index = self.tables().keys.get(&Key::new().str(key).finish())?;
        index
            .map(|KeyIndex(i)| i.tenant)
            .ok_or(Error::NotFound("company"))
    }
}

/// Key of an account record.
pub fn account_key(tenant: TenantId, account: AccountId) -> Vec<u8> {
    Key::new().u64(tenant).u64(account).finish()
}

/// Key of a chat record.
pub fn chat_key(tenant: TenantId, chat: ChatId) -> Vec<u8> {
    Key::new().u64(tenant).u64(chat).finish()
}

/// How often idle actors check whether to passivate.
pub(crate) fn idle_check_interval(config: &Config) -> Duration {
    Duration::from_secs(config.passivate_after_secs.clamp(1, 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::tenant::{GetSnapshot, Stall};

    // Broke: sessions were removed only when an expired token was presented; ones never
    // presented again stayed on disk for good.
    #[tokio::test]
    async fn expired_sessions_are_swept() {
        let engine = Engine::start(Store::temporary().unwrap(), Config::default()).unwrap();
        let signed = engine
            .signup("Sweep", "admin@sweep.example", "a long password")
            .await
            .unwrap();
        let tenant = engine.tenant_by_key(&signed.key).unwrap();
        let admin = match engine.authenticate(&signed.token).unwrap() {
            Principal::Account { account, .. } => account,
            other => panic!("{other:?}"),
        };
        let (short, _) = engine
            .open_session(tenant, SubjectRecord::Account(admin), 1_000)
            .unwrap();
        let indexed = |e: &Engine| {
            e.tables()
                .account_sessions
                .scan_prefix(&Key::new().u64(tenant).u64(admin).finish())
                .count()
        };
        assert_eq!(indexed(&engine), 2);
        assert_eq!(
            engine.sweep_sessions(now_ms()).unwrap(),
            0,
            "nothing expired yet"
        );
        assert_eq!(engine.sweep_sessions(now_ms() + 2_000).unwrap(), 1);
        assert!(matches!(
            engine.authenticate(&short),
            Err(Error::Unauthorized)
        ));
        engine.authenticate(&signed.token).unwrap();
        assert_eq!(indexed(&engine), 1, "the index follows");
        engine.stop();
    }

    // Broke: operator and tracking stream ids came from the wall clock, so a clock stepped
    // back across a restart made a resuming terminal miss events silently.
    #[test]
    fn event_ids_stay_above_an_earlier_run_whatever_the_clock_says() {
        let store = Store::temporary().unwrap();
        // An earlier run handed out ids far above what the clock gives now.
        let earlier = now_ms() * 1000 + 10u64.pow(14);
        let _ticket = store
            .table::<EventIdCeiling>()
            .unwrap()
            .insert(EVENT_IDS_KEY, &EventIdCeiling(earlier))
            .unwrap();
        let engine = Engine::start(store.clone(), Config::default()).unwrap();
        let first = engine.event_base();
        let second = engine.event_base();
        assert!(first >= earlier, "{first} < {earlier}");
        assert!(
            second >= first + EVENTS_PER_HUB,
            "each hub gets its own room"
        );
        let stored = engine
            .tables()
            .counters
            .get(EVENT_IDS_KEY)
            .unwrap()
            .unwrap()
            .0;
        assert!(
            stored > second,
            "the ceiling is raised ahead of what was handed out"
        );
        engine.stop();
        // The next run starts above the stored ceiling.
        let engine = Engine::start(store, Config::default()).unwrap();
        assert!(engine.event_base() >= stored);
        engine.stop();
    }

    // Broke: a call to a busy or stopped company's actor waited forever, or said "shutting
    // down" when the server was only busy.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_that_cannot_be_answered_in_time_is_overload_not_shutdown() {
        let config = Config {
            ask_timeout_ms: 200,
            arbiters: 1,
            ..Config::default()
        };
        let engine = Engine::start(Store::temporary().unwrap(), config).unwrap();
        let signed = engine
            .signup("Busy", "admin@busy.example", "a long password")
            .await
            .unwrap();
        let tenant = engine.tenant_by_key(&signed.key).unwrap();
        engine.ask(tenant, GetSnapshot).await.unwrap();
        // The actor's thread is stuck for longer than a caller may wait.
        engine
            .tenant(tenant)
            .unwrap()
            .do_send(Stall(Duration::from_millis(1500)));
        let started = std::time::Instant::now();
        let busy = engine.ask(tenant, GetSnapshot).await;
        assert!(matches!(busy, Err(Error::Overloaded)), "{busy:?}");
        assert!(
            started.elapsed() < Duration::from_millis(1400),
            "it did not wait it out"
        );
        engine.stop();
        let stopped = engine.ask(tenant, GetSnapshot).await;
        assert!(matches!(stopped, Err(Error::Unavailable)), "{stopped:?}");
    }

    #[test]
    fn the_open_chats_index_follows_the_chat_state() {
        let engine = Engine::start(Store::temporary().unwrap(), Config::default()).unwrap();
        let mut chat = Chat {
            id: 9,
            tenant: 1,
            visitor: 2,
            name: "Guest".into(),
            email: String::new(),
            department: None,
            requested: None,
            page_url: String::new(),
            lang: "en".into(),
            created_at: 0,
            state: ChatState::Waiting,
            operator: None,
            ended_at: None,
        };
        let ids = |e: &Engine| {
            e.open_chats(1)
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        let _ = engine.save_chat(&chat).unwrap();
        assert_eq!(ids(&engine), vec![9]);
        chat.state = ChatState::Connected;
        let _ = engine.save_chat(&chat).unwrap();
        assert_eq!(engine.open_chats(1).unwrap()[0].state, ChatState::Connected);
        chat.state = ChatState::Closed;
        let _ = engine.save_chat(&chat).unwrap();
        assert!(ids(&engine).is_empty());
        assert_eq!(
            engine.chat(1, 9).unwrap().state,
            ChatState::Closed,
            "the chat itself stays"
        );
        assert!(
            engine.open_chats(2).unwrap().is_empty(),
            "another company sees none"
        );
        engine.stop();
    }
}
