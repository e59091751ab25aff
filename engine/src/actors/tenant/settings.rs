//! The company's settings and lists: reading them (the panel's snapshot) and changing them —
//! profile and chat window, departments, canned responses, operators, passwords.

use super::*;

/// The company's read model, published by its actor after every change: settings, lists,
/// load and availability. Readers (button images, the window, the panel) take the latest
/// with [`crate::Engine::view`], without a round trip to the actor.
#[derive(Clone, Debug)]
pub struct TenantView {
    /// Profile and chat-window settings.
    pub tenant: Tenant,
    /// Accounts, their password hashes left out (empty).
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
}

impl TenantView {
    /// The view of a company as loaded, before its actor runs (nobody online yet).
    pub fn of(state: &TenantState) -> Self {
        TenantView {
            tenant: state.tenant.clone(),
            accounts: state.accounts.values().map(without_hash).collect(),
            departments: state.departments.values().cloned().collect(),
            canned: state.canned.values().cloned().collect(),
            load: Vec::new(),
            online: false,
            queue_length: 0,
        }
    }
}

/// An account as views show it: no password hash.
fn without_hash(account: &Account) -> Account {
    Account {
        password_hash: String::new(),
        ..account.clone()
    }
}

/// The view and the visitors on the site: what the panel's visitor list needs.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The read model.
    pub view: Arc<TenantView>,
    /// Visitors on the site, most recently active first.
    pub visitors: Vec<Arc<VisitorSummary>>,
}

impl std::ops::Deref for Snapshot {
    type Target = TenantView;

    fn deref(&self) -> &TenantView {
        &self.view
    }
}

impl TenantActor {
    /// The company as it stands now.
    pub(super) fn current_view(&self) -> TenantView {
        TenantView {
            tenant: self.tenant.clone(),
            accounts: self.accounts.values().map(without_hash).collect(),
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
        }
    }

    /// Publishes the current view to its readers.
    pub(super) fn publish(&self) {
        self.view.send_replace(Arc::new(self.current_view()));
    }
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
            view: Arc::new(self.current_view()),
            visitors: {
                let mut v: Vec<_> = self.tracked.values().cloned().collect();
                v.sort_by_key(|s| std::cmp::Reverse(s.page.at));
                v
            },
        })
    }
}

/// Changes the company's settings: a patch, checked and applied by
/// [`crate::settings::apply`] as one step.
#[derive(Message)]
#[rtype(result = "Result<(Tenant, Ticket)>")]
pub struct UpdateTenant(pub crate::settings::SettingsEdit);

impl Handler<UpdateTenant> for TenantActor {
    type Result = Result<(Tenant, Ticket)>;

    fn handle(&mut self, UpdateTenant(edit): UpdateTenant, _: &mut Context<Self>) -> Self::Result {
        let mut tenant = self.tenant.clone();
        let known = crate::settings::Known {
            departments: &|d| self.departments.contains_key(&d),
            canned: &|c| self.canned.contains_key(&c),
            currencies: &self.repo.config().billing.currencies,
        };
        crate::settings::apply(&mut tenant, edit, &known)?;
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
            None => self.repo.store().next_id(self.id())?,
        };
        let department = Department { id, name };
        let ticket = self.repo.tables().departments.insert(
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
            .repo
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
            ticket = self.repo.tables().accounts.insert(
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
            None => self.repo.store().next_id(self.id())?,
        };
        let canned = Canned {
            id,
            shortcut,
            text: msg.text,
        };
        let ticket = self.repo.tables().canned.insert(
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
            .repo
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
#[derive(Message, Clone, Debug, serde::Serialize, serde::Deserialize)]
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
                    id: self.repo.store().next_id(self.id())?,
                    name: msg.sip.clone(),
                    email,
                    sip: Some(msg.sip.clone()),
                    password_hash: hash,
                    role: Role::Operator,
                    max_chats: self.repo.config().default_max_chats,
                    departments: Vec::new(),
                }
            }
        };
        let mut writes = Ticket::ready();
        if let Some(email) = msg.email.filter(|e| *e != account.email) {
            let old = std::mem::replace(&mut account.email, email);
            writes = writes.and(self.repo.claim_email(self.id(), &account)?);
            writes = writes.and(
                self.repo
                    .tables()
                    .emails
                    .remove(&Key::new().str(&old).finish())?,
            );
        } else if !self.accounts.contains_key(&account.id) {
            writes = writes.and(self.repo.claim_email(self.id(), &account)?);
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
        let ticket = writes.and(self.repo.tables().accounts.insert(
            &account_key(self.id(), account.id),
            &account.to_record(self.id()),
        )?);
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
        let t = self.repo.tables();
        let ticket = t
            .emails
            .remove(&Key::new().str(&account.email).finish())?
            .and(t.accounts.remove(&account_key(self.id(), account.id))?);
        self.accounts.remove(&account.id);
        let effects = self.router.remove_agent(account.id, now_ms());
        self.apply(effects, ctx);
        self.broadcast(OperatorEvent::Changed(Resource::Operators));
        Ok((account.id, ticket))
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
        let ticket = self.repo.tables().accounts.insert(
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
