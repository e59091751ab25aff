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
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::SendError;
use actix::{Actor, Addr, ArbiterHandle};
use switchboard_storage::records::{
    AccountSession, EmailIndex, IndexRecord, KeyIndex, OfflineRecord, SubjectRecord, TenantRecord,
};
use switchboard_storage::{Key, Store, Ticket};

use crate::actors::billing::Billing;
use crate::actors::tenant::{Broadcast, TenantActor, TenantState};
use crate::auth;
use crate::billing::gateway::{PaymentGateway, Sandbox};
use crate::events::{OperatorEvent, Resource};
use crate::model::*;
use crate::{Error, Result};

mod accounts;
mod billing;
mod calls;

pub use crate::actors::tenant::TenantView;
pub use crate::actors::visitor::{MAX_CLIENT_ID_CHARS, MAX_MESSAGE_CHARS};
pub use crate::actors::Subscription;
pub use crate::config::{Config, Metrics};
pub use crate::repo::{account_key, chat_key, Repo, Tables};
pub use accounts::normalize_email;
pub use calls::{PageView, SaveOperator, Snapshot, StartChat, Started, StreamEnd, Transfer};

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
    /// The database and what every part of the engine shares.
    repo: Repo,
    arbiters: Vec<ArbiterHandle>,
    /// Running company actors and the views they publish.
    tenants: Mutex<HashMap<TenantId, Running>>,
    /// Which visitor actor holds a chat, as its company last said.
    sessions: calls::Sessions,
    system: actix::System,
    /// Set by [`Engine::stop`]: a closed mailbox then means shutting down, not passivation.
    stopping: std::sync::atomic::AtomicBool,
    /// Every password hash and check goes through it.
    hashes: auth::HashGate,
    /// The billing worker.
    billing: crate::actors::billing::Billing,
    /// Where cards are saved and charged.
    gateway: Arc<dyn PaymentGateway>,
    /// Cluster mode: the shards this node serves (unset: all of them).
    serving: std::sync::OnceLock<Arc<crate::placement::Serving>>,
}

/// A running company actor and the view it publishes.
struct Running {
    /// The actor.
    addr: Addr<TenantActor>,
    /// Its latest published view.
    view: tokio::sync::watch::Receiver<Arc<TenantView>>,
}

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

/// An engine is its repository with the actor system on top: whatever reads or writes the
/// tables without an actor is called on the engine as well.
impl std::ops::Deref for Engine {
    type Target = Repo;

    fn deref(&self) -> &Repo {
        &self.inner.repo
    }
}

/// The one refusal of a sign-up whose email or key cannot be used: the same words whatever
/// the reason, so the answer does not say whether the email has an account.
const SIGNUP_REFUSED: &str =
    "these details cannot be used to sign up; sign in if you have an account, or use another email";

/// How long a password may be; argon2 work is bounded by it.
const MAX_PASSWORD_CHARS: usize = 256;

impl Engine {
    /// Starts the actor system (one thread per arbiter) over `store`, with the sandbox
    /// payment gateway.
    pub fn start(store: Store, config: Config) -> Result<Engine> {
        Engine::start_with(store, config, Arc::new(Sandbox::new()))
    }

    /// [`Engine::start`] with the payment gateway to save and charge cards through.
    pub fn start_with(
        store: Store,
        config: Config,
        gateway: Arc<dyn PaymentGateway>,
    ) -> Result<Engine> {
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
                // One more than the companies get: the billing worker's, so its scans and
                // writes never hold up a company's actors.
                let arbiters: Vec<actix::Arbiter> =
                    system.block_on(async { (0..=count).map(|_| actix::Arbiter::new()).collect() });
                let handles = arbiters.iter().map(|a| a.handle()).collect::<Vec<_>>();
                let _ = tx.send((handles, system.block_on(async { actix::System::current() })));
                let _ = system.run();
                drop(arbiters);
            })
            .map_err(|e| Error::Internal(format!("cannot start the actor system: {e}")))?;
        let (mut arbiters, system) = rx
            .recv()
            .map_err(|_| Error::Internal("the actor system did not start".into()))?;
        let billing_arbiter = arbiters.pop().expect("count + 1 arbiters were started");
        let repo = Repo::open(store, config)?;
        let hashes = auth::HashGate::new(
            repo.config().hash_concurrency,
            Duration::from_millis(repo.config().hash_queue_ms),
        );
        let engine = Engine {
            inner: Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
                let weak = weak.clone();
                let notify = Box::new(move |tenant: TenantId| {
                    let Some(inner) = weak.upgrade() else { return };
                    let engine = Engine { inner };
                    tokio::spawn(async move {
                        let changed = Broadcast(OperatorEvent::Changed(Resource::Billing));
                        match engine.ask(tenant, changed).await {
                            // Stopping: nobody is connected to be told.
                            Ok(()) | Err(Error::Unavailable) => {}
                            Err(e) => tracing::warn!(
                                "cannot tell company {tenant} of a billing change: {e}"
                            ),
                        }
                    });
                });
                let billing =
                    Billing::start(repo.clone(), gateway.clone(), notify, &billing_arbiter);
                Inner {
                    repo,
                    billing,
                    gateway,
                    arbiters,
                    tenants: Mutex::new(HashMap::new()),
                    sessions: Default::default(),
                    system,
                    stopping: Default::default(),
                    hashes,
                    serving: Default::default(),
                }
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

    /// Cluster mode: from now on only companies of the shards `serving` names are served;
    /// a call for another is [`Error::Moved`]. Set once, before serving requests.
    pub fn serve_only(&self, serving: Arc<crate::placement::Serving>) {
        if self.inner.serving.set(serving).is_err() {
            tracing::error!("the engine already serves a set of shards");
        }
    }

    /// Whether this process serves `tenant` now.
    pub fn serves(&self, tenant: TenantId) -> bool {
        self.inner
            .serving
            .get()
            .is_none_or(|s| s.serves(crate::placement::shard(tenant)))
    }

    /// Stops the actors of every company of a shard `stopped` says yes to: the shard has
    /// moved to another node. Their event streams end, so clients resume where the company
    /// is served now.
    pub fn halt_shards(&self, stopped: impl Fn(u16) -> bool) {
        let mut running = self
            .inner
            .tenants
            .lock()
            .expect("no code panics while holding this lock");
        running.retain(|tenant, actor| {
            let halt = stopped(crate::placement::shard(*tenant));
            if halt {
                actor.addr.do_send(crate::actors::Halt);
            }
            !halt
        });
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
        if !self.serves(id) {
            return Err(Error::Moved);
        }
        if !running.get(&id).is_some_and(|r| r.addr.connected()) {
            let state = TenantState::load(self, id)?;
            let engine = Arc::downgrade(&self.inner);
            let stopped = Box::new(move || {
                if let Some(inner) = engine.upgrade() {
                    (Engine { inner }).tenant_stopped(id);
                }
            });
            let (publish, view) = tokio::sync::watch::channel(Arc::new(TenantView::of(&state)));
            let shard = crate::placement::shard(id);
            let arbiter =
                &self.inner.arbiters[crate::placement::slot(shard, self.inner.arbiters.len())];
            let repo = self.inner.repo.clone();
            let addr = TenantActor::start_in_arbiter(arbiter, move |_| {
                TenantActor::new(repo, state, publish, stopped)
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

    /// Whether [`Engine::stop`] was called.
    fn stopping(&self) -> bool {
        self.inner
            .stopping
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets a passivated tenant actor (only if `addr` is still the registered one).
    fn tenant_stopped(&self, id: TenantId) {
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
}
