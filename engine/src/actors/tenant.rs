//! TenantActor: the single writer for everything a company routes — settings, departments,
//! the operator roster with status and load, the waiting queue, chat ownership. Every routing
//! decision for a company happens here, one message at a time, so limits and queue order hold
//! without locks. The decisions themselves are [`Router`]'s; this actor gathers inputs, calls
//! it, and carries out the [`Effect`]s.

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
use crate::engine::{account_key, idle_check_interval, Engine};
use crate::events::{OfferDetails, OperatorEvent, Resource, VisitorSummary};
use crate::model::*;
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
    pub fn load(engine: &Engine, id: TenantId) -> Result<Self> {
        let t = engine.tables();
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
        state.open = engine.open_chats(id)?;
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
    engine: Engine,
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
    /// An actor over a loaded company.
    pub fn new(engine: Engine, state: TenantState) -> Self {
        let mut router = Router::new(policy(&state.tenant.window));
        for (id, account) in &state.accounts {
            if account.sip.is_some() {
                router.upsert_agent(*id, account.max_chats, account.departments.clone());
            }
        }
        TenantActor {
            engine,
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
            last_active: Instant::now(),
        }
    }

    /// Tells every connected terminal of the company.
    fn broadcast(&self, event: OperatorEvent) {
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
        let addr =
            OperatorActor::new(self.engine.clone(), self.id(), ctx.address(), account).start();
        self.operators.insert(account, addr.clone());
        addr
    }

    /// The visitor's actor, started when not running.
    fn visitor(&mut self, visitor: VisitorId, ctx: &mut Context<Self>) -> Addr<VisitorActor> {
        if let Some(addr) = self.visitors.get(&visitor).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr =
            VisitorActor::new(self.engine.clone(), ctx.address(), self.id(), visitor).start();
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

    /// Appends a routing decision to the chat's log (not waited for: nobody is answered
    /// on the strength of it).
    fn log(&self, chat: ChatId, note: crate::routing::Note) {
        let record = switchboard_storage::records::RoutingRecord {
            at: now_ms(),
            kind: crate::routing::note_name(note.kind).into(),
            operator: note.operator,
            detail: note.detail,
        };
        let written = self.engine.store().next_id().and_then(|n| {
            self.engine
                .tables()
                .routing
                .insert(&Key::new().u64(chat).u64(n).finish(), &record)
                .map(drop)
        });
        if let Err(e) = written {
            tracing::warn!(chat, "cannot write the routing log: {e}");
        }
    }

    /// What operators are told when offered `chat`.
    fn offer_details(&self, live: &Live) -> Arc<OfferDetails> {
        let chat = &live.chat;
        Arc::new(OfferDetails {
            chat: chat.id,
            name: chat.name.clone(),
            email: chat.email.clone(),
            department: chat
                .department
                .and_then(|d| self.departments.get(&d))
                .map(|d| (d.id, d.name.clone())),
            page_url: chat.page_url.clone(),
            created_at: chat.created_at,
            previous_operator: live.previous_operator.clone(),
        })
    }

    /// Carries out a routing step's effects.
    fn apply(&mut self, effects: Vec<Effect>, ctx: &mut Context<Self>) {
        let engine = self.engine.clone();
        let metrics = engine.metrics();
        for effect in effects {
            match effect {
                Effect::Offer { chat, operator } => {
                    if let Some(live) = self.chats.get(&chat) {
                        let details = self.offer_details(live);
                        self.hub(operator, ctx)
                            .do_send(Push(OperatorEvent::Offer(details)));
                    }
                }
                Effect::Withdraw { chat, operator } => {
                    self.hub(operator, ctx)
                        .do_send(Push(OperatorEvent::Withdrawn { chat }));
                }
                Effect::Connected { chat, operator } => {
                    metrics.chats_routed.fetch_add(1, Ordering::Relaxed);
                    let hub = self.hub(operator, ctx);
                    hub.do_send(Push(OperatorEvent::Assigned { chat }));
                    let name = self
                        .accounts
                        .get(&operator)
                        .map_or_else(String::new, |a| a.name.clone());
                    if let Some(live) = self.chats.get_mut(&chat) {
                        live.chat.state = ChatState::Connected;
                        live.chat.operator = Some(operator);
                        live.visitor.do_send(visitor::Joined {
                            chat,
                            operator,
                            name,
                            hub,
                        });
                    }
                }
                Effect::Offline { .. } => {
                    metrics.chats_offline.fetch_add(1, Ordering::Relaxed);
                }
                Effect::TimedOut { chat } => {
                    metrics.chats_timed_out.fetch_add(1, Ordering::Relaxed);
                    if let Some(live) = self.chats.get_mut(&chat) {
                        live.chat.state = ChatState::Offline;
                        live.visitor.do_send(visitor::End {
                            chat,
                            timed_out: true,
                            by: None,
                        });
                    }
                }
                Effect::Queued {
                    chat,
                    position,
                    wait_ms,
                } => {
                    if let Some(live) = self.chats.get(&chat) {
                        let wait_secs = wait_ms.map(|ms| ms.div_ceil(1000));
                        live.visitor.do_send(visitor::Queued {
                            chat,
                            position,
                            wait_secs,
                        });
                    }
                }
                Effect::Requeued { chat, operator } | Effect::Transferred { chat, operator } => {
                    let transferred = matches!(effect, Effect::Transferred { .. });
                    self.hub(operator, ctx)
                        .do_send(Push(OperatorEvent::Released { chat }));
                    let name = self.accounts.get(&operator).map(|a| a.name.clone());
                    if let Some(live) = self.chats.get_mut(&chat) {
                        live.chat.state = ChatState::Waiting;
                        live.chat.operator = None;
                        live.previous_operator = name;
                        live.visitor.do_send(visitor::Released {
                            chat,
                            operator,
                            transferred,
                        });
                    }
                }
                Effect::Log { chat, note } => self.log(chat, note),
                Effect::Arm {
                    chat,
                    timer,
                    after_ms,
                } => {
                    ctx.run_later(Duration::from_millis(after_ms), move |act, ctx| {
                        let effects = act.router.timer(chat, timer);
                        act.apply(effects, ctx);
                    });
                }
            }
        }
        let queue = self.router.queue_len() as i64;
        if queue != self.reported_queue {
            metrics
                .queue_length
                .fetch_add(queue - self.reported_queue, Ordering::Relaxed);
            self.broadcast(OperatorEvent::Queue {
                length: queue as usize,
            });
            self.reported_queue = queue;
        }
        let online = self.anyone_available();
        if online != self.online {
            self.online = online;
            for visitor in self.visitors.values() {
                visitor.do_send(visitor::Availability(online));
            }
        }
        self.last_active = Instant::now();
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
            .engine
            .tables()
            .tenants
            .insert(&Key::new().u64(self.id()).finish(), &record)?)
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.engine
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
        let every = idle_check_interval(self.engine.config());
        ctx.run_interval(every, |act, ctx| {
            act.operators.retain(|_, a| a.connected());
            act.visitors.retain(|_, a| a.connected());
            let idle =
                act.last_active.elapsed().as_secs() >= act.engine.config().passivate_after_secs;
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
        self.engine
            .metrics()
            .tenant_actors
            .fetch_sub(1, Ordering::Relaxed);
        self.engine
            .metrics()
            .queue_length
            .fetch_sub(self.reported_queue, Ordering::Relaxed);
        self.engine.tenant_stopped(self.id());
    }
}

/// A copy of the company's settings and lists, for the panel.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Profile and chat-window settings.
    pub tenant: Tenant,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Departments.
    pub departments: Vec<Department>,
    /// Canned responses.
    pub canned: Vec<Canned>,
    /// Per operator (accounts with a SIP username): status, load, availability.
    pub load: Vec<OperatorLoad>,
    /// Someone can take a chat now (online with a connected terminal): the rule routing
    /// uses, shown by the chat button and the window.
    pub online: bool,
    /// Chats waiting with no offer.
    pub queue_length: usize,
    /// Visitors on the site, most recently active first.
    pub visitors: Vec<Arc<VisitorSummary>>,
}

/// An operator's routing state as the panel shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperatorLoad {
    /// The operator.
    pub account: AccountId,
    /// Status they chose.
    pub status: Status,
    /// Chats they hold.
    pub open: u32,
    /// Offers waiting for their answer.
    pub offers: u32,
    /// Can take a chat now: online with a connected terminal.
    pub available: bool,
}

/// Reads the company's settings and lists.
#[derive(Message)]
#[rtype(result = "Snapshot")]
pub struct GetSnapshot;

impl Handler<GetSnapshot> for TenantActor {
    type Result = MessageResult<GetSnapshot>;

    fn handle(&mut self, _: GetSnapshot, _: &mut Context<Self>) -> Self::Result {
        MessageResult(Snapshot {
            tenant: self.tenant.clone(),
            accounts: self.accounts.values().cloned().collect(),
            departments: self.departments.values().cloned().collect(),
            canned: self.canned.values().cloned().collect(),
            load: self
                .router
                .agents()
                .map(|(id, a)| OperatorLoad {
                    account: id,
                    status: a.status,
                    open: a.open.len() as u32,
                    offers: a.offers.len() as u32,
                    available: crate::routing::serves(id, a, &Request::default()),
                })
                .collect(),
            online: self.anyone_available(),
            queue_length: self.router.queue_len(),
            visitors: {
                let mut v: Vec<_> = self.tracked.values().cloned().collect();
                v.sort_by_key(|s| std::cmp::Reverse(s.page.at));
                v
            },
        })
    }
}

/// An edit of the profile or chat-window settings, applied atomically; the closure validates.
pub type Edit = Box<dyn FnOnce(&mut Tenant, &Snapshot) -> Result<()> + Send>;

/// Changes the company's settings.
#[derive(Message)]
#[rtype(result = "Result<(Tenant, Ticket)>")]
pub struct UpdateTenant(pub Edit);

impl Handler<UpdateTenant> for TenantActor {
    type Result = Result<(Tenant, Ticket)>;

    fn handle(
        &mut self,
        UpdateTenant(edit): UpdateTenant,
        ctx: &mut Context<Self>,
    ) -> Self::Result {
        let snapshot = self.handle(GetSnapshot, ctx).0;
        let mut tenant = self.tenant.clone();
        edit(&mut tenant, &snapshot)?;
        if let Some(id) = tenant.window.auto_canned {
            if !self.canned.contains_key(&id) {
                return Err(Error::invalid(
                    "auto_canned_response",
                    "no canned response has that id",
                ));
            }
        }
        let ticket = self.save_tenant_as(&tenant)?;
        self.tenant = tenant;
        self.router.set_policy(policy(&self.tenant.window));
        self.broadcast(OperatorEvent::Changed(Resource::Company));
        self.broadcast(OperatorEvent::Changed(Resource::ChatWindow));
        Ok((self.tenant.clone(), ticket))
    }
}

/// Creates (no id) or renames a department.
#[derive(Message)]
#[rtype(result = "Result<(Department, Ticket)>")]
pub struct SaveDepartment {
    /// Existing department, or None for a new one.
    pub id: Option<DepartmentId>,
    /// Its name.
    pub name: String,
}

impl Handler<SaveDepartment> for TenantActor {
    type Result = Result<(Department, Ticket)>;

    fn handle(&mut self, msg: SaveDepartment, _: &mut Context<Self>) -> Self::Result {
        let name = msg.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "give the department a name of 1 to 100 characters",
            ));
        }
        if self
            .departments
            .values()
            .any(|d| d.name.eq_ignore_ascii_case(&name) && Some(d.id) != msg.id)
        {
            return Err(Error::Conflict {
                code: "department_exists",
                message: format!("a department named {name} exists"),
            });
        }
        let id = match msg.id {
            Some(id) if self.departments.contains_key(&id) => id,
            Some(_) => return Err(Error::NotFound("department")),
            None => self.engine.store().next_id()?,
        };
        let department = Department { id, name };
        let ticket = self.engine.tables().departments.insert(
            &Key::new().u64(self.id()).u64(id).finish(),
            &(&department).into(),
        )?;
        self.departments.insert(id, department.clone());
        self.broadcast(OperatorEvent::Changed(Resource::Departments));
        Ok((department, ticket))
    }
}

/// Deletes a department (operators lose it from their lists).
#[derive(Message)]
#[rtype(result = "Result<Ticket>")]
pub struct DeleteDepartment(pub DepartmentId);

impl Handler<DeleteDepartment> for TenantActor {
    type Result = Result<Ticket>;

    fn handle(
        &mut self,
        DeleteDepartment(id): DeleteDepartment,
        ctx: &mut Context<Self>,
    ) -> Self::Result {
        if !self.departments.contains_key(&id) {
            return Err(Error::NotFound("department"));
        }
        let mut ticket = self
            .engine
            .tables()
            .departments
            .remove(&Key::new().u64(self.id()).u64(id).finish())?;
        self.departments.remove(&id);
        let holders: Vec<AccountId> = self
            .accounts
            .values()
            .filter(|a| a.departments.contains(&id))
            .map(|a| a.id)
            .collect();
        for holder in holders {
            let mut account = self.accounts[&holder].clone();
            account.departments.retain(|d| *d != id);
            ticket = self.engine.tables().accounts.insert(
                &account_key(self.id(), holder),
                &account.to_record(self.id()),
            )?;
            let effects =
                self.router
                    .upsert_agent(holder, account.max_chats, account.departments.clone());
            self.accounts.insert(holder, account);
            self.apply(effects, ctx);
        }
        self.broadcast(OperatorEvent::Changed(Resource::Departments));
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok(ticket)
    }
}

/// Creates (no id) or changes a canned response.
#[derive(Message)]
#[rtype(result = "Result<(Canned, Ticket)>")]
pub struct SaveCanned {
    /// Existing response, or None for a new one.
    pub id: Option<CannedId>,
    /// `#shortcut` name.
    pub shortcut: String,
    /// Text.
    pub text: String,
}

impl Handler<SaveCanned> for TenantActor {
    type Result = Result<(Canned, Ticket)>;

    fn handle(&mut self, msg: SaveCanned, _: &mut Context<Self>) -> Self::Result {
        let shortcut = msg.shortcut.trim().trim_start_matches('#').to_string();
        if shortcut.is_empty()
            || shortcut.len() > 32
            || !shortcut
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                "shortcut",
                "use 1 to 32 letters, digits, - or _",
            ));
        }
        if msg.text.trim().is_empty() || msg.text.chars().count() > visitor::MAX_MESSAGE_CHARS {
            return Err(Error::invalid(
                "text",
                format!("give 1 to {} characters", visitor::MAX_MESSAGE_CHARS),
            ));
        }
        if self
            .canned
            .values()
            .any(|c| c.shortcut == shortcut && Some(c.id) != msg.id)
        {
            return Err(Error::Conflict {
                code: "shortcut_exists",
                message: format!("#{shortcut} is taken"),
            });
        }
        let id = match msg.id {
            Some(id) if self.canned.contains_key(&id) => id,
            Some(_) => return Err(Error::NotFound("canned response")),
            None => self.engine.store().next_id()?,
        };
        let canned = Canned {
            id,
            shortcut,
            text: msg.text,
        };
        let ticket = self.engine.tables().canned.insert(
            &Key::new().u64(self.id()).u64(id).finish(),
            &(&canned).into(),
        )?;
        self.canned.insert(id, canned.clone());
        self.broadcast(OperatorEvent::Changed(Resource::CannedResponses));
        Ok((canned, ticket))
    }
}

/// Deletes a canned response (and turns off the automatic one if it was that).
#[derive(Message)]
#[rtype(result = "Result<Ticket>")]
pub struct DeleteCanned(pub CannedId);

impl Handler<DeleteCanned> for TenantActor {
    type Result = Result<Ticket>;

    fn handle(&mut self, DeleteCanned(id): DeleteCanned, _: &mut Context<Self>) -> Self::Result {
        if !self.canned.contains_key(&id) {
            return Err(Error::NotFound("canned response"));
        }
        let ticket = self
            .engine
            .tables()
            .canned
            .remove(&Key::new().u64(self.id()).u64(id).finish())?;
        self.canned.remove(&id);
        self.broadcast(OperatorEvent::Changed(Resource::CannedResponses));
        if self.tenant.window.auto_canned == Some(id) {
            self.tenant.window.auto_canned = None;
            self.broadcast(OperatorEvent::Changed(Resource::ChatWindow));
            return self.save_tenant();
        }
        Ok(ticket)
    }
}

/// Creates or changes the operator with SIP username `sip`. A new operator needs an email and
/// a password hash; `None` fields keep their value.
#[derive(Message)]
#[rtype(result = "Result<(Account, Ticket)>")]
pub struct SaveOperator {
    /// SIP username, the operator's key.
    pub sip: String,
    /// Display name.
    pub name: Option<String>,
    /// Login email (already normalized).
    pub email: Option<String>,
    /// argon2id hash of a new password.
    pub password_hash: Option<String>,
    /// Chat limit.
    pub max_chats: Option<u32>,
    /// Departments served.
    pub departments: Option<Vec<DepartmentId>>,
    /// Admin or operator.
    pub role: Option<Role>,
}

impl Handler<SaveOperator> for TenantActor {
    type Result = Result<(Account, Ticket)>;

    fn handle(&mut self, msg: SaveOperator, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(departments) = &msg.departments {
            if let Some(unknown) = departments
                .iter()
                .find(|d| !self.departments.contains_key(d))
            {
                return Err(Error::invalid(
                    "departments",
                    format!("no department has id {unknown}"),
                ));
            }
        }
        if msg.max_chats.is_some_and(|m| m == 0 || m > 100) {
            return Err(Error::invalid("max_chats", "use 1 to 100"));
        }
        let existing = self
            .accounts
            .values()
            .find(|a| a.sip.as_deref() == Some(&msg.sip))
            .cloned();
        let mut account = match existing {
            Some(account) => account,
            None => {
                let (Some(email), Some(hash)) = (msg.email.clone(), msg.password_hash.clone())
                else {
                    return Err(Error::invalid(
                        "email",
                        "a new operator needs an email and a password",
                    ));
                };
                Account {
                    id: self.engine.store().next_id()?,
                    name: msg.sip.clone(),
                    email,
                    sip: Some(msg.sip.clone()),
                    password_hash: hash,
                    role: Role::Operator,
                    max_chats: self.engine.config().default_max_chats,
                    departments: Vec::new(),
                }
            }
        };
        if let Some(email) = msg.email.filter(|e| *e != account.email) {
            let old = std::mem::replace(&mut account.email, email);
            // Covered by the ticket of a later write: tickets complete in write order.
            let _ = self.engine.claim_email(self.id(), &account)?;
            // Covered by the ticket of a later write: tickets complete in write order.
            let _ = self
                .engine
                .tables()
                .emails
                .remove(&Key::new().str(&old).finish())?;
        } else if !self.accounts.contains_key(&account.id) {
            // Covered by the ticket of a later write: tickets complete in write order.
            let _ = self.engine.claim_email(self.id(), &account)?;
        }
        if let Some(name) = msg.name {
            account.name = name;
        }
        if let Some(hash) = msg.password_hash {
            account.password_hash = hash;
        }
        if let Some(max) = msg.max_chats {
            account.max_chats = max;
        }
        if let Some(departments) = msg.departments {
            account.departments = departments;
        }
        if let Some(role) = msg.role {
            account.role = role;
        }
        let ticket = self.engine.tables().accounts.insert(
            &account_key(self.id(), account.id),
            &account.to_record(self.id()),
        )?;
        let effects =
            self.router
                .upsert_agent(account.id, account.max_chats, account.departments.clone());
        self.accounts.insert(account.id, account.clone());
        self.apply(effects, ctx);
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok((account, ticket))
    }
}

/// Deletes the operator with SIP username `sip`: their offers move on, their chats re-route,
/// their sessions stop working. Answers the deleted account's id.
#[derive(Message)]
#[rtype(result = "Result<(AccountId, Ticket)>")]
pub struct DeleteOperator(pub String);

impl Handler<DeleteOperator> for TenantActor {
    type Result = Result<(AccountId, Ticket)>;

    fn handle(
        &mut self,
        DeleteOperator(sip): DeleteOperator,
        ctx: &mut Context<Self>,
    ) -> Self::Result {
        let account = self
            .accounts
            .values()
            .find(|a| a.sip.as_deref() == Some(&sip))
            .cloned()
            .ok_or(Error::NotFound("operator"))?;
        let t = self.engine.tables();
        // Covered by the ticket of a later write: tickets complete in write order.
        let _ = t.emails.remove(&Key::new().str(&account.email).finish())?;
        let ticket = t.accounts.remove(&account_key(self.id(), account.id))?;
        self.accounts.remove(&account.id);
        let effects = self.router.remove_agent(account.id, now_ms());
        self.apply(effects, ctx);
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok((account.id, ticket))
    }
}

/// Sets an operator's status.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct SetStatus {
    /// The operator.
    pub account: AccountId,
    /// New status.
    pub status: Status,
}

impl Handler<SetStatus> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: SetStatus, ctx: &mut Context<Self>) -> Self::Result {
        if self.account(msg.account)?.sip.is_none() {
            return Err(Error::Forbidden(
                "this account has no SIP username, so it takes no chats",
            ));
        }
        self.hub(msg.account, ctx);
        let effects = self.router.set_status(msg.account, msg.status, now_ms());
        self.apply(effects, ctx);
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok(())
    }
}

/// The operator's event hub (started if needed), for their terminal's stream.
#[derive(Message)]
#[rtype(result = "Result<Addr<OperatorActor>>")]
pub struct Hub(pub AccountId);

impl Handler<Hub> for TenantActor {
    type Result = Result<Addr<OperatorActor>>;

    fn handle(&mut self, Hub(account): Hub, ctx: &mut Context<Self>) -> Self::Result {
        self.account(account)?;
        Ok(self.hub(account, ctx))
    }
}

/// A visitor asks to chat.
#[derive(Message)]
#[rtype(result = "Result<Started>")]
pub struct StartChat {
    /// The visitor's id, when the browser has one.
    pub visitor: Option<VisitorId>,
    /// Name ("Guest" when empty).
    pub name: String,
    /// Email.
    pub email: String,
    /// Department chosen.
    pub department: Option<DepartmentId>,
    /// SIP username asked for.
    pub operator: Option<String>,
    /// Page the window was opened from.
    pub page_url: String,
    /// Window language.
    pub lang: String,
}

/// A started chat.
#[derive(Debug)]
pub struct Started {
    /// The chat.
    pub chat: Chat,
    /// The visitor's bearer token for this chat (shown once).
    pub token: String,
    /// Completes when the chat and token are durable.
    pub ticket: Ticket,
}

impl Handler<StartChat> for TenantActor {
    type Result = Result<Started>;

    fn handle(&mut self, msg: StartChat, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(d) = msg.department {
            if !self.departments.contains_key(&d) {
                return Err(Error::invalid(
                    "department",
                    format!("no department has id {d}"),
                ));
            }
        }
        let window = &self.tenant.window;
        if window.welcome_screen {
            for (field, value, rule) in [
                ("name", &msg.name, window.name_field),
                ("email", &msg.email, window.email_field),
            ] {
                if rule.enabled && rule.required && value.trim().is_empty() {
                    return Err(Error::invalid(field, format!("the {field} is required")));
                }
            }
        }
        // A link naming an operator who does not exist still reaches the department: the
        // ladder's next rung, with the reason in the routing log.
        let (requested, unknown_sip) =
            match operator_by_sip(self.accounts.values(), msg.operator.as_deref()) {
                Ok(found) => (found, None),
                Err(_) => (None, msg.operator.clone()),
            };
        let store = self.engine.store();
        let mut chat = Chat {
            id: store.next_id()?,
            tenant: self.id(),
            visitor: match msg.visitor {
                Some(v) if self.engine.visitor_ids().check(self.id(), v) => v,
                _ => self.engine.visitor_ids().issue(self.id()),
            },
            name: if msg.name.trim().is_empty() {
                "Guest".into()
            } else {
                msg.name.trim().to_string()
            },
            email: msg.email,
            department: msg.department,
            requested,
            page_url: msg.page_url,
            lang: msg.lang,
            created_at: now_ms(),
            state: ChatState::Waiting,
            operator: None,
            ended_at: None,
        };
        let request = Request {
            department: chat.department,
            operator: requested,
        };
        self.engine
            .metrics()
            .chats_started
            .fetch_add(1, Ordering::Relaxed);
        // The router is the one admission path: nobody serving, a full queue or a wait over
        // the limit all answer Offline first.
        let mut effects = self.router.arrive(chat.id, request);
        if let Some(sip) = unknown_sip {
            let note = crate::routing::Note {
                kind: crate::routing::NoteKind::Arrived,
                operator: None,
                detail: format!(
                    "no operator has SIP username {sip}; the link's request is skipped"
                ),
            };
            effects.insert(
                0,
                Effect::Log {
                    chat: chat.id,
                    note,
                },
            );
        }
        let admitted = !effects.iter().any(|e| matches!(e, Effect::Offline { .. }));
        if !admitted {
            chat.state = ChatState::Offline;
            chat.ended_at = Some(chat.created_at);
        }
        // Covered by the ticket of a later write: tickets complete in write order.
        let _ = self.engine.save_chat(&chat)?;
        let (token, ticket) = self.engine.open_session(
            self.id(),
            SubjectRecord::Chat(chat.id),
            auth::CHAT_TOKEN_TTL_MS,
        )?;
        if !admitted {
            self.apply(effects, ctx);
        } else {
            let visitor = self.activate(chat.clone(), ctx);
            if self.tenant.window.distribution == Distribution::Single {
                if let Some(canned) = self
                    .tenant
                    .window
                    .auto_canned
                    .and_then(|id| self.canned.get(&id))
                {
                    visitor.do_send(visitor::Post {
                        chat: chat.id,
                        author: Author::Company,
                        text: canned.text.clone(),
                        client_id: "auto-canned".into(),
                    });
                }
            }
            self.apply(effects, ctx);
        }
        Ok(Started {
            chat,
            token,
            ticket,
        })
    }
}

/// An operator accepts an offered chat.
#[derive(Message)]
#[rtype(result = "Result<Chat>")]
pub struct Accept {
    /// The chat.
    pub chat: ChatId,
    /// The operator.
    pub account: AccountId,
}

impl Handler<Accept> for TenantActor {
    type Result = ResponseFuture<Result<Chat>>;

    /// Answers once the chat's "joined" entry is durable, so a read right after sees it.
    fn handle(&mut self, msg: Accept, ctx: &mut Context<Self>) -> Self::Result {
        let accepted = (|| {
            self.account(msg.account)?;
            let Some(live) = self.chats.get(&msg.chat) else {
                // Not active here: either another company's chat or one that ended.
                let chat = self.engine.chat(self.id(), msg.chat)?;
                return Err(taken(&chat));
            };
            let chat = live.chat.clone();
            match self.router.accept(msg.chat, msg.account, now_ms()) {
                Ok(effects) => {
                    self.apply(effects, ctx);
                    let live = self.chats.get(&msg.chat).ok_or(Error::NotFound("chat"))?;
                    Ok((live.chat.clone(), live.visitor.clone()))
                }
                Err(Refused::Taken | Refused::NobodyServes) => Err(taken(&chat)),
                Err(Refused::NotOffered) => Err(Error::Conflict {
                    code: "not_offered",
                    message: "this chat is not offered to you (it is waiting for another operator)"
                        .into(),
                }),
            }
        })();
        settled(accepted)
    }
}

/// Resolves to the chat once its visitor actor has made every write it was sent so far
/// durable (its appends hold the mailbox until then, so a `Settled` queued behind them
/// answers after them).
fn settled(result: Result<(Chat, Addr<VisitorActor>)>) -> ResponseFuture<Result<Chat>> {
    Box::pin(async move {
        let (chat, visitor) = result?;
        visitor.send(visitor::Settled(chat.id)).await??;
        Ok(chat)
    })
}

fn taken(chat: &Chat) -> Error {
    match chat.state {
        ChatState::Closed | ChatState::Offline => Error::Conflict {
            code: "chat_ended",
            message: "the chat has already ended".into(),
        },
        _ => Error::Conflict {
            code: "chat_taken",
            message: "another operator has already taken this chat".into(),
        },
    }
}

/// Closes a chat: by the visitor (`by` None) or an operator.
#[derive(Message)]
#[rtype(result = "Result<Chat>")]
pub struct Close {
    /// The chat.
    pub chat: ChatId,
    /// The closing operator.
    pub by: Option<AccountId>,
    /// Closed because the visitor's window stayed closed (`abandoned_chat_secs`).
    pub abandoned: bool,
}

impl Handler<Close> for TenantActor {
    type Result = ResponseFuture<Result<Chat>>;

    /// Answers once the "closed" entry is durable, with the chat as it is then.
    fn handle(&mut self, msg: Close, ctx: &mut Context<Self>) -> Self::Result {
        let closed = (|| {
            let mut chat = match self.chats.get(&msg.chat) {
                Some(live) => live.chat.clone(),
                None => self.engine.chat(self.id(), msg.chat)?,
            };
            if let Some(by) = msg.by {
                let admin = self.account(by)?.role == Role::Admin;
                if chat.operator != Some(by) && !admin {
                    return Err(Error::Forbidden(
                        "only the operator holding the chat or an admin can close it",
                    ));
                }
            }
            let visitor = self.activate(chat.clone(), ctx);
            if matches!(chat.state, ChatState::Closed | ChatState::Offline) {
                return Ok((chat, visitor));
            }
            chat.state = ChatState::Closed;
            chat.ended_at = Some(now_ms());
            if let Some(live) = self.chats.get_mut(&msg.chat) {
                live.chat = chat.clone();
            }
            visitor.do_send(visitor::End {
                chat: msg.chat,
                timed_out: false,
                by: msg.by,
            });
            if msg.abandoned {
                let secs = self.engine.config().abandoned_chat_secs;
                self.log(
                    msg.chat,
                    crate::routing::Note {
                        kind: crate::routing::NoteKind::Closed,
                        operator: None,
                        detail: format!("the visitor had no chat window open for {secs} s"),
                    },
                );
            }
            let effects = self.router.close(msg.chat, now_ms());
            self.apply(effects, ctx);
            Ok((chat, visitor))
        })();
        settled(closed)
    }
}

/// The visitor actor holding `chat`'s session, activated from storage when needed.
#[derive(Message)]
#[rtype(result = "Result<Addr<VisitorActor>>")]
pub struct FindChat(pub ChatId);

impl Handler<FindChat> for TenantActor {
    type Result = Result<Addr<VisitorActor>>;

    fn handle(&mut self, FindChat(id): FindChat, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(live) = self.chats.get(&id).filter(|l| l.visitor.connected()) {
            return Ok(live.visitor.clone());
        }
        let chat = self.engine.chat(self.id(), id)?;
        self.last_active = Instant::now();
        Ok(self.activate(chat, ctx))
    }
}

/// A visitor actor stopped; its chats are no longer active.
#[derive(Message)]
#[rtype(result = "()")]
pub struct VisitorGone {
    /// The visitor.
    pub visitor: VisitorId,
    /// Its chats.
    pub chats: Vec<ChatId>,
}

impl Handler<VisitorGone> for TenantActor {
    type Result = ();

    fn handle(&mut self, msg: VisitorGone, _: &mut Context<Self>) {
        if self
            .visitors
            .get(&msg.visitor)
            .is_some_and(|a| !a.connected())
        {
            self.visitors.remove(&msg.visitor);
            // Idle long enough to stop: off the live list, which stays as long as the
            // visitors active lately, however many came.
            if self.tracked.remove(&msg.visitor).is_some() {
                self.broadcast(OperatorEvent::VisitorLeft {
                    visitor: msg.visitor,
                });
            }
        }
        for chat in msg.chats {
            if self
                .chats
                .get(&chat)
                .is_some_and(|l| !l.visitor.connected())
            {
                self.chats.remove(&chat);
            }
        }
    }
}

/// A page view reported by the tracking script. Resolves to the visitor's id (a new one when
/// the browser has none); when tracking is off, nothing is recorded.
#[derive(Message)]
#[rtype(result = "Result<VisitorId>")]
pub struct PageView {
    /// The browser's visitor id.
    pub visitor: Option<VisitorId>,
    /// URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Referrer.
    pub referrer: String,
}

impl Handler<PageView> for TenantActor {
    type Result = Result<VisitorId>;

    fn handle(&mut self, msg: PageView, ctx: &mut Context<Self>) -> Self::Result {
        // An id this server did not issue (made up, or from another company) is replaced.
        let ids = self.engine.visitor_ids();
        let id = match msg.visitor {
            Some(v) if ids.check(self.id(), v) => v,
            _ => ids.issue(self.id()),
        };
        if !self.tenant.window.tracking {
            return Ok(id);
        }
        let invite_after = self.tenant.window.invitation_delay;
        // Bounded: a flood of page views for one visitor fills its mailbox and is answered
        // "busy" instead of queueing without limit.
        self.visitor(id, ctx)
            .try_send(visitor::Seen {
                url: msg.url,
                title: msg.title,
                referrer: msg.referrer,
                invite_after,
            })
            .map_err(|_| Error::Overloaded)?;
        self.last_active = Instant::now();
        Ok(id)
    }
}

/// A visitor actor's latest summary, passed on to the operators.
#[derive(Message)]
#[rtype(result = "()")]
pub struct VisitorUpdate(pub Arc<VisitorSummary>);

impl Handler<VisitorUpdate> for TenantActor {
    type Result = ();

    fn handle(&mut self, VisitorUpdate(summary): VisitorUpdate, _: &mut Context<Self>) {
        self.tracked.insert(summary.id, summary.clone());
        for hub in self.operators.values() {
            hub.do_send(Push(OperatorEvent::Visitor(summary.clone())));
        }
    }
}

/// The visitor's actor: `tracked_only` answers only for visitors on the site now (an
/// operator's invitation); otherwise the actor is started when needed (the visitor's own
/// tracking stream and "No thanks").
#[derive(Message)]
#[rtype(result = "Result<Addr<VisitorActor>>")]
pub struct FindVisitor {
    /// The visitor.
    pub visitor: VisitorId,
    /// Only a visitor on the site now.
    pub tracked_only: bool,
}

impl Handler<FindVisitor> for TenantActor {
    type Result = Result<Addr<VisitorActor>>;

    fn handle(&mut self, msg: FindVisitor, ctx: &mut Context<Self>) -> Self::Result {
        if msg.tracked_only && !self.tracked.contains_key(&msg.visitor) {
            return Err(Error::NotFound("visitor"));
        }
        // A made-up id starts no actor and writes no record.
        if !self.engine.visitor_ids().check(self.id(), msg.visitor) {
            return Err(Error::NotFound("visitor"));
        }
        self.last_active = Instant::now();
        Ok(self.visitor(msg.visitor, ctx))
    }
}

/// An operator's first terminal connected, or their last one left.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Presence {
    /// The operator.
    pub account: AccountId,
    /// True when a terminal connected.
    pub connected: bool,
}

impl Handler<Presence> for TenantActor {
    type Result = ();

    /// Connecting counts at once; leaving counts only if no terminal is back by the end of
    /// the grace period, when the operator's offers move on and their chats are re-queued.
    fn handle(&mut self, msg: Presence, ctx: &mut Context<Self>) {
        let generation = self.presence.entry(msg.account).or_default();
        *generation += 1;
        let generation = *generation;
        if msg.connected {
            let effects = self.router.set_connected(msg.account, true, now_ms());
            self.apply(effects, ctx);
            self.broadcast(OperatorEvent::Changed(Resource::Operators));
            return;
        }
        let grace = Duration::from_millis(self.engine.config().presence_grace_ms);
        ctx.run_later(grace, move |act, ctx| {
            if act.presence.get(&msg.account) == Some(&generation) {
                let effects = act.router.set_connected(msg.account, false, now_ms());
                act.apply(effects, ctx);
                act.broadcast(OperatorEvent::Changed(Resource::Operators));
            }
        });
    }
}

/// The holding operator (or an admin) hands a chat to another operator or a department.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Transfer {
    /// The chat.
    pub chat: ChatId,
    /// Who transfers it.
    pub by: AccountId,
    /// SIP username of the operator to hand it to.
    pub operator: Option<String>,
    /// Department to hand it to.
    pub department: Option<DepartmentId>,
}

impl Handler<Transfer> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Transfer, ctx: &mut Context<Self>) -> Self::Result {
        let by = self.account(msg.by)?;
        let admin = by.role == Role::Admin;
        let chat = match self.chats.get(&msg.chat) {
            Some(live) => live.chat.clone(),
            None => self.engine.chat(self.id(), msg.chat)?,
        };
        if chat.operator != Some(msg.by) && !admin {
            return Err(Error::Forbidden(
                "only the operator holding the chat or an admin can transfer it",
            ));
        }
        let operator = operator_by_sip(self.accounts.values(), msg.operator.as_deref())?;
        if let Some(d) = msg.department {
            if !self.departments.contains_key(&d) {
                return Err(Error::invalid(
                    "department",
                    format!("no department has id {d}"),
                ));
            }
        }
        if operator.is_none() && msg.department.is_none() {
            return Err(Error::invalid(
                "operator",
                "give an operator's SIP username or a department id",
            ));
        }
        if operator.is_some() && operator == chat.operator {
            return Err(Error::invalid(
                "operator",
                "the chat is already with that operator",
            ));
        }
        let to = Request {
            department: msg.department,
            operator,
        };
        match self.router.transfer(msg.chat, to, now_ms()) {
            Ok(effects) => {
                self.apply(effects, ctx);
                Ok(())
            }
            Err(Refused::NobodyServes) => Err(Error::Conflict {
                code: "nobody_available",
                message: "nobody online can take the chat there; it stays with you".into(),
            }),
            Err(_) => Err(Error::Conflict {
                code: "chat_not_connected",
                message: "only a connected chat can be transferred".into(),
            }),
        }
    }
}

/// Tells every connected terminal of the company (an off-line message, a change made outside
/// this actor).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Broadcast(pub OperatorEvent);

impl Handler<Broadcast> for TenantActor {
    type Result = ();

    fn handle(&mut self, Broadcast(event): Broadcast, _: &mut Context<Self>) {
        self.broadcast(event);
    }
}

/// An operator turns an offer down; it moves on at once.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Decline {
    /// The chat.
    pub chat: ChatId,
    /// The operator.
    pub account: AccountId,
}

impl Handler<Decline> for TenantActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Decline, ctx: &mut Context<Self>) -> Self::Result {
        let offered = self
            .router
            .agent(msg.account)
            .is_some_and(|a| a.offers.contains(&msg.chat));
        if !offered {
            // Another company's chat answers as if it did not exist.
            self.engine.chat(self.id(), msg.chat)?;
            return Err(Error::Conflict {
                code: "not_offered",
                message: "this chat is not offered to you".into(),
            });
        }
        let effects = self.router.decline(msg.chat, msg.account);
        self.apply(effects, ctx);
        Ok(())
    }
}

/// The chats waiting with no offer, head of the queue first, at most `limit`.
#[derive(Message)]
#[rtype(result = "Vec<Chat>")]
pub struct Queue {
    /// Most chats to list.
    pub limit: usize,
}

impl Handler<Queue> for TenantActor {
    type Result = MessageResult<Queue>;

    fn handle(&mut self, msg: Queue, _: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.router
                .queued()
                .into_iter()
                .filter_map(|id| self.chats.get(&id).map(|live| live.chat.clone()))
                .take(msg.limit)
                .collect(),
        )
    }
}

/// Sets an account's password hash (the account changed its own password).
#[derive(Message)]
#[rtype(result = "Result<Ticket>")]
pub struct SetPassword {
    /// The account.
    pub account: AccountId,
    /// argon2id hash of the new password.
    pub hash: String,
}

impl Handler<SetPassword> for TenantActor {
    type Result = Result<Ticket>;

    fn handle(&mut self, msg: SetPassword, _: &mut Context<Self>) -> Self::Result {
        let mut account = self.account(msg.account)?.clone();
        account.password_hash = msg.hash;
        let ticket = self.engine.tables().accounts.insert(
            &account_key(self.id(), account.id),
            &account.to_record(self.id()),
        )?;
        self.accounts.insert(account.id, account);
        Ok(ticket)
    }
}

/// Blocks the actor's thread for a while: tests of callers facing a stuck actor.
#[cfg(test)]
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stall(pub Duration);

#[cfg(test)]
impl Handler<Stall> for TenantActor {
    type Result = ();

    fn handle(&mut self, Stall(how_long): Stall, _: &mut Context<Self>) {
        std::thread::sleep(how_long);
    }
}

/// A visitor actor forgot the sessions of these ended chats: they are no longer active (a
/// later call activates them from storage again).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionsDropped {
    /// The visitor.
    pub visitor: VisitorId,
    /// The ended chats.
    pub chats: Vec<ChatId>,
}

impl Handler<SessionsDropped> for TenantActor {
    type Result = ();

    fn handle(&mut self, msg: SessionsDropped, _: &mut Context<Self>) {
        for chat in msg.chats {
            let ended = self.chats.get(&chat).is_some_and(|l| {
                l.chat.visitor == msg.visitor
                    && matches!(l.chat.state, ChatState::Closed | ChatState::Offline)
            });
            if ended {
                self.chats.remove(&chat);
            }
        }
    }
}
