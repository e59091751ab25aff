//! TenantActor: the single writer for everything a company routes — settings, departments,
//! the operator roster with status and load, the waiting queue, chat ownership. Every routing
//! decision for a company happens here, one message at a time, so limits and queue order hold
//! without locks. The decisions themselves are [`Router`]'s; this actor gathers inputs, calls
//! it, and carries out the [`Effect`]s.
//!
//! # Layout
//! - this file: the company's state as loaded, the actor, its lifecycle (start, restore of
//!   open chats, passivation) and the small helpers every handler uses;
//! - [`effects`]: carrying out the router's effects;
//! - [`settings`]: the panel's snapshot and every settings edit;
//! - [`presence`]: operators' status, terminals and event hubs;
//! - [`chats`]: start, accept, decline, transfer, close, the queue;
//! - [`visitors`]: page views and the live visitor list.

mod chats;
mod coalesce;
mod effects;
mod presence;
mod settings;
mod timers;
mod visitors;

pub use chats::*;
pub use presence::*;
pub use settings::*;
pub use visitors::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use switchboard_storage::records::SubjectRecord;
use switchboard_storage::{Key, Ticket};

use super::operator::{OperatorActor, Push};
use super::visitor::{self, Attach, VisitorActor};
use crate::auth;
use crate::events::{OfferDetails, OperatorEvent, Resource, VisitorSummary};
use crate::model::*;
use crate::repo::{account_key, Repo};
use crate::routing::{Effect, Policy, Refused, Request, Router};
use crate::{Error, Result};

/// A company's state as loaded from storage.
pub struct TenantState {
    /// Profile and settings.
    tenant: Tenant,
    /// Accounts by id.
    accounts: BTreeMap<AccountId, Account>,
    /// Departments by id.
    departments: BTreeMap<DepartmentId, Department>,
    /// Canned responses by id.
    canned: BTreeMap<CannedId, Canned>,
    /// Chats that were waiting or connected when the company was last active.
    open: Vec<Chat>,
}

impl TenantState {
    /// Reads company `id` from storage.
    pub fn load(repo: &Repo, id: TenantId) -> Result<Self> {
        let t = repo.tables();
        let tenant: Tenant = t
            .tenants
            .get(&Key::new().u64(id).finish())?
            .ok_or(Error::NotFound("company"))?
            .into();
        let prefix = Key::new().u64(id).finish();
        let mut state = TenantState {
            tenant,
            accounts: BTreeMap::new(),
            departments: BTreeMap::new(),
            canned: BTreeMap::new(),
            open: Vec::new(),
        };
        for r in t.accounts.scan_prefix(&prefix) {
            let a = Account::from(r?.1);
            state.accounts.insert(a.id, a);
        }
        for r in t.departments.scan_prefix(&prefix) {
            let d = Department::from(r?.1);
            state.departments.insert(d.id, d);
        }
        for r in t.canned.scan_prefix(&prefix) {
            let c = Canned::from(r?.1);
            state.canned.insert(c.id, c);
        }
        state.open = repo.open_chats(id)?;
        Ok(state)
    }
}

/// A chat the company's actors are working with.
struct Live {
    /// Its metadata.
    chat: Chat,
    /// The visitor actor holding its session.
    visitor: Addr<VisitorActor>,
    /// Who held it before a transfer or a re-queue, shown with the next offer.
    previous_operator: Option<String>,
}

/// One company's router and registry of actors.
pub struct TenantActor {
    /// Storage, settings, metrics.
    repo: Repo,
    /// Profile and chat-window settings.
    tenant: Tenant,
    /// Accounts by id.
    accounts: BTreeMap<AccountId, Account>,
    /// Departments by id.
    departments: BTreeMap<DepartmentId, Department>,
    /// Canned responses by id.
    canned: BTreeMap<CannedId, Canned>,
    /// Who gets which chat.
    router: Router,
    /// Running operator hubs.
    operators: HashMap<AccountId, Addr<OperatorActor>>,
    /// Running visitor actors.
    visitors: HashMap<VisitorId, Addr<VisitorActor>>,
    /// Chats with an active session.
    chats: HashMap<ChatId, Live>,
    /// Visitors on the site, as their actors last reported.
    tracked: HashMap<VisitorId, Arc<VisitorSummary>>,
    /// Chats to re-route once started (they were open at the last stop).
    restore: Vec<Chat>,
    /// Bumped on every presence change per operator, so a stale grace timer is ignored.
    presence: HashMap<AccountId, u64>,
    /// Queue length last added to the global gauge.
    reported_queue: i64,
    /// Whether anyone could take a chat after the last routing step, told to tracked
    /// visitors when it changes (their chat button follows it).
    online: bool,
    /// The routing timers of waiting chats.
    timers: timers::Timers,
    /// Operator-wide news (queue length, visitors) waiting for its window.
    news: coalesce::News,
    /// Where the read model is published ([`TenantView`]).
    view: tokio::sync::watch::Sender<Arc<TenantView>>,
    /// Called once the actor has stopped (the engine forgets it).
    on_stop: Option<Box<dyn FnOnce()>>,
    /// Last time anything happened, for passivation.
    last_active: Instant,
}

fn policy(window: &ChatWindow) -> Policy {
    let ms = |d: Duration| d.as_millis() as u64;
    Policy {
        distribution: window.distribution,
        fairness: window.fairness,
        offer_timeout_ms: ms(window.offer_timeout),
        connection_timeout_ms: ms(window.connection_timeout),
        requested_operator_ms: ms(window.requested_operator_timeout),
        department_ms: ms(window.department_timeout),
        fallback_department: window.fallback_department,
        max_queue: window.max_queue as usize,
        max_wait_ms: ms(window.max_wait),
    }
}

impl TenantActor {
    /// An actor over a loaded company; it publishes its read model on `view` and calls
    /// `on_stop` once it has stopped.
    pub fn new(
        repo: Repo,
        state: TenantState,
        view: tokio::sync::watch::Sender<Arc<TenantView>>,
        on_stop: Box<dyn FnOnce()>,
    ) -> Self {
        let mut router = Router::new(policy(&state.tenant.window));
        for (id, account) in &state.accounts {
            if account.sip.is_some() {
                router.upsert_agent(*id, account.max_chats, account.departments.clone());
            }
        }
        TenantActor {
            repo,
            tenant: state.tenant,
            accounts: state.accounts,
            departments: state.departments,
            canned: state.canned,
            router,
            operators: HashMap::new(),
            visitors: HashMap::new(),
            chats: HashMap::new(),
            tracked: HashMap::new(),
            restore: state.open,
            presence: HashMap::new(),
            reported_queue: 0,
            online: false,
            timers: timers::Timers::default(),
            news: coalesce::News::default(),
            view,
            on_stop: Some(on_stop),
            last_active: Instant::now(),
        }
    }

    /// Tells every connected terminal of the company; a change of a panel resource is also
    /// published in the read model.
    fn broadcast(&self, event: OperatorEvent) {
        if matches!(event, OperatorEvent::Changed(_)) {
            self.publish();
        }
        for hub in self.operators.values() {
            hub.do_send(Push(event.clone()));
        }
    }

    /// Whether anyone can take a chat now: the rule routing uses, for the button and window.
    fn anyone_available(&self) -> bool {
        self.router.anyone_serves(&Request::default())
    }

    fn id(&self) -> TenantId {
        self.tenant.company.id
    }

    /// The operator's hub, started when not running.
    fn hub(&mut self, account: AccountId, ctx: &mut Context<Self>) -> Addr<OperatorActor> {
        if let Some(addr) = self.operators.get(&account).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = OperatorActor::new(self.repo.clone(), self.id(), ctx.address(), account).start();
        self.operators.insert(account, addr.clone());
        addr
    }

    /// The visitor's actor, started when not running.
    fn visitor(&mut self, visitor: VisitorId, ctx: &mut Context<Self>) -> Addr<VisitorActor> {
        if let Some(addr) = self.visitors.get(&visitor).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = VisitorActor::new(self.repo.clone(), ctx.address(), self.id(), visitor).start();
        self.visitors.insert(visitor, addr.clone());
        addr
    }

    /// Makes `chat` active: its visitor actor runs and holds the session.
    fn activate(&mut self, chat: Chat, ctx: &mut Context<Self>) -> Addr<VisitorActor> {
        if let Some(live) = self.chats.get(&chat.id).filter(|l| l.visitor.connected()) {
            return live.visitor.clone();
        }
        let visitor = self.visitor(chat.visitor, ctx);
        let hub = match (chat.state, chat.operator) {
            (ChatState::Connected, Some(op)) => Some(self.hub(op, ctx)),
            _ => None,
        };
        visitor.do_send(Attach {
            chat: chat.clone(),
            operator: hub,
        });
        self.chats.insert(
            chat.id,
            Live {
                chat,
                visitor: visitor.clone(),
                previous_operator: None,
            },
        );
        visitor
    }

    /// The account `id` of this company.
    fn account(&self, id: AccountId) -> Result<&Account> {
        self.accounts.get(&id).ok_or(Error::NotFound("account"))
    }

    fn save_tenant(&self) -> Result<Ticket> {
        self.save_tenant_as(&self.tenant)
    }

    /// Writes `tenant` as the company's record (memory is changed after it succeeds).
    fn save_tenant_as(&self, tenant: &Tenant) -> Result<Ticket> {
        let record = switchboard_storage::records::TenantRecord::from(tenant);
        Ok(self
            .repo
            .tables()
            .tenants
            .insert(&Key::new().u64(self.id()).finish(), &record)?)
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.repo
            .metrics()
            .tenant_actors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Chats that were open at the last stop: connected ones go back to their operators,
        // who get the presence grace to reconnect; waiting ones go back to the queue head.
        let mut holders = BTreeSet::new();
        for chat in std::mem::take(&mut self.restore) {
            let request = Request {
                department: chat.department,
                operator: chat.requested,
            };
            match (chat.state, chat.operator) {
                (ChatState::Connected, Some(op)) => {
                    self.router
                        .restore_connected(chat.id, request, op, now_ms());
                    holders.insert(op);
                }
                _ => {
                    self.activate(chat.clone(), ctx);
                    let effects = self.router.restore_waiting(chat.id, request);
                    self.apply(effects, ctx);
                }
            }
        }
        for account in holders {
            self.handle(
                Presence {
                    account,
                    connected: false,
                },
                ctx,
            );
        }
        let every = self.repo.config().idle_check_interval();
        ctx.run_interval(every, |act, ctx| {
            act.operators.retain(|_, a| a.connected());
            act.visitors.retain(|_, a| a.connected());
            let idle =
                act.last_active.elapsed().as_secs() >= act.repo.config().passivate_after_secs;
            let online = act
                .router
                .agents()
                .any(|(_, a)| a.status != Status::Offline || !a.open.is_empty());
            if idle && act.operators.is_empty() && act.visitors.is_empty() && !online {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.repo
            .metrics()
            .tenant_actors
            .fetch_sub(1, Ordering::Relaxed);
        self.repo
            .metrics()
            .queue_length
            .fetch_sub(self.reported_queue, Ordering::Relaxed);
        if let Some(on_stop) = self.on_stop.take() {
            on_stop();
        }
    }
}

impl actix::Handler<crate::actors::Halt> for TenantActor {
    type Result = ();

    /// Stops the company's visitor and operator actors, then itself.
    fn handle(&mut self, _: crate::actors::Halt, ctx: &mut Self::Context) {
        for visitor in self.visitors.values() {
            visitor.do_send(crate::actors::Halt);
        }
        for operator in self.operators.values() {
            operator.do_send(crate::actors::Halt);
        }
        ctx.stop();
    }
}
