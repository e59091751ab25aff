//! Accounts and sessions: sign-up, sign-in, password hashing through the gate, tokens (opened,
//! checked, ended, swept).

use super::*;

impl Engine {
    /// Removes the sessions expired at `now` and index entries of sessions that are gone;
    /// answers how many sessions it removed.
    pub fn sweep_sessions(&self, now: u64) -> Result<usize> {
        let t = self.tables();
        let mut removed = 0;
        for entry in t.sessions.scan_prefix(&[]) {
            let (digest, record) = entry?;
            if record.expires_at < now {
                // Not waited for: a removal lost to a crash is redone by the next sweep.
                let _ = t.sessions.remove(&digest)?;
                removed += 1;
            }
        }
        for entry in t.account_sessions.scan_prefix(&[]) {
            let (key, AccountSession) = entry?;
            if t.sessions.get(&key[16..])?.is_none() {
                let _ = t.account_sessions.remove(&key)?;
            }
        }
        Ok(removed)
    }

    /// Account `id` of company `tenant`.
    pub fn account(&self, tenant: TenantId, id: AccountId) -> Result<Account> {
        let record = self.tables().accounts.get(&account_key(tenant, id))?;
        record.map(Account::from).ok_or(Error::Unauthorized)
    }

    /// Creates a company with its first admin and signs the admin in.
    pub async fn signup(&self, company: &str, email: &str, password: &str) -> Result<SignedUp> {
        let company = crate::text::one_line(company);
        if company.is_empty() || company.chars().count() > 200 {
            return Err(Error::invalid(
                "company",
                "give the company's name, 1 to 200 characters",
            ));
        }
        let email = normalize_email(email)?;
        let hash = self.hash_password(password).await?;
        let tenant = self.store().next_tenant_id()?;
        let key = auth::new_public_key();
        let record = Tenant {
            company: Company {
                id: tenant,
                key: key.clone(),
                name: company.clone(),
                address: Address::default(),
                country: String::new(),
                currency: "EUR".into(),
                vat_number: String::new(),
                time_zone: "UTC".into(),
                created_at: now_ms(),
            },
            window: ChatWindow::default(),
        };
        let account = Account {
            id: self.store().next_id(tenant)?,
            email,
            name: company.to_string(),
            sip: None,
            password_hash: hash,
            role: Role::Admin,
            max_chats: self.config().default_max_chats,
            departments: Vec::new(),
        };
        // A taken email is not named: sign-up must not tell who has an account
        // (ARCHITECTURE.md, Security).
        let created = self
            .create_company(&record, &account)
            .map_err(|e| match e {
                Error::Conflict { .. } => Error::Conflict {
                    code: "signup_refused",
                    message: SIGNUP_REFUSED.into(),
                },
                other => other,
            })?;
        let (token, session) = self.open_session(
            tenant,
            SubjectRecord::Account(account.id),
            auth::SESSION_TTL_MS,
        )?;
        created.and(session).durable().await?;
        Ok(SignedUp { key, token, tenant })
    }

    /// Writes a new company, its key and its first account; refuses a taken email or key.
    pub fn create_company(&self, tenant: &Tenant, admin: &Account) -> Result<Ticket> {
        let t = self.tables();
        let id = tenant.company.id;
        let claimed = self.claim_email(id, admin)?;
        let key_index = KeyIndex(IndexRecord {
            tenant: id,
            account: 0,
        });
        if t.keys
            .insert_new(&Key::new().str(&tenant.company.key).finish(), &key_index)?
            .is_none()
        {
            // Undone before the refusal; nobody waits on it, and a crash before it is flushed
            // leaves an email claimed for a company that does not exist, which sign-up
            // refuses like any taken email.
            drop(t.emails.remove(&Key::new().str(&admin.email).finish())?);
            return Err(Error::Conflict {
                code: "key_taken",
                message: "that chat key is taken".into(),
            });
        }
        Ok(claimed
            .and(
                t.tenants
                    .insert(&Key::new().u64(id).finish(), &TenantRecord::from(tenant))?,
            )
            .and(
                t.accounts
                    .insert(&account_key(id, admin.id), &admin.to_record(id))?,
            ))
    }

    /// Checks an email and password and opens a session. Returns the token and the role.
    pub async fn login(&self, email: &str, password: &str) -> Result<(String, Role, TenantId)> {
        let email = normalize_email(email).map_err(|_| Error::Unauthorized)?;
        let Some(EmailIndex(index)) = self.tables().emails.get(&Key::new().str(&email).finish())?
        else {
            // Spend the same time as a real check so timing does not reveal which emails exist.
            self.hash_password("timing equaliser").await?;
            return Err(Error::Unauthorized);
        };
        let account: Account = self
            .tables()
            .accounts
            .get(&account_key(index.tenant, index.account))?
            .ok_or(Error::Unauthorized)?
            .into();
        if !self
            .verify_password(password, &account.password_hash)
            .await?
        {
            return Err(Error::Unauthorized);
        }
        let (token, ticket) = self.open_session(
            index.tenant,
            SubjectRecord::Account(account.id),
            auth::SESSION_TTL_MS,
        )?;
        ticket.durable().await?;
        Ok((token, account.role, index.tenant))
    }

    /// Checks a new password and hashes it on a blocking thread (argon2 is slow by design),
    /// through the hash gate: [`Error::Busy`] when too many are being computed.
    pub async fn hash_password(&self, password: &str) -> Result<String> {
        let chars = password.chars().count();
        if !(auth::MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(Error::invalid(
                "password",
                format!(
                    "use {} to {MAX_PASSWORD_CHARS} characters",
                    auth::MIN_PASSWORD_CHARS
                ),
            ));
        }
        let password = password.to_string();
        self.inner
            .hashes
            .run(move |memory| auth::hash_password(&password, memory))
            .await?
    }

    /// Whether `password` matches the stored `hash`, checked like [`Engine::hash_password`].
    async fn verify_password(&self, password: &str, hash: &str) -> Result<bool> {
        // Longer than any password set here: refused without the slow hash.
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Ok(false);
        }
        let (password, hash) = (password.to_string(), hash.to_string());
        self.inner
            .hashes
            .run(move |memory| auth::verify_password(&password, &hash, memory))
            .await
    }

    /// The company of the account signing in with `email`, if there is one (for per-company
    /// sign-in limits, checked before the slow hash).
    pub fn tenant_of_email(&self, email: &str) -> Result<Option<TenantId>> {
        let Ok(email) = normalize_email(email) else {
            return Ok(None);
        };
        let index = self.tables().emails.get(&Key::new().str(&email).finish())?;
        Ok(index.map(|EmailIndex(i)| i.tenant))
    }

    /// Ends every session of the account except the one of `keep`; returns once durable.
    pub async fn end_sessions(
        &self,
        tenant: TenantId,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<()> {
        let keep = keep.map(auth::token_digest);
        let t = self.tables();
        let mut ended = Ticket::ready();
        for entry in t
            .account_sessions
            .scan_prefix(&Key::new().u64(tenant).u64(account).finish())
        {
            let (key, AccountSession) = entry?;
            let digest = &key[16..];
            if keep.as_ref().is_some_and(|k| k[..] == *digest) {
                continue;
            }
            ended = ended
                .and(t.sessions.remove(digest)?)
                .and(t.account_sessions.remove(&key)?);
        }
        ended.durable().await?;
        Ok(())
    }

    /// Changes an account's own password after checking the current one; every other session
    /// of the account ends.
    pub async fn change_password(
        &self,
        tenant: TenantId,
        account: AccountId,
        current: &str,
        new: &str,
        session: &str,
    ) -> Result<()> {
        let key = account_key(tenant, account);
        let record = self
            .tables()
            .accounts
            .get(&key)?
            .ok_or(Error::NotFound("account"))?;
        if !self.verify_password(current, &record.password_hash).await? {
            return Err(Error::Forbidden("the current password is wrong"));
        }
        let hash = self.hash_password(new).await?;
        self.ask(tenant, crate::actors::tenant::SetPassword { account, hash })
            .await??
            .durable()
            .await?;
        self.end_sessions(tenant, account, Some(session)).await
    }

    /// Ends the session of `token`.
    pub async fn logout(&self, token: &str) -> Result<()> {
        self.tables()
            .sessions
            .remove(&auth::token_digest(token))?
            .durable()
            .await?;
        Ok(())
    }

    /// Who `token` belongs to; expired or unknown tokens are refused.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        // Cluster mode: a company served elsewhere (or still being replayed here) has its
        // sessions elsewhere; its token is not unknown, it is early.
        if let Some(tenant) = auth::token_tenant(token) {
            if !self.serves(tenant) {
                return Err(Error::Moved);
            }
        }
        let digest = auth::token_digest(token);
        let record = self
            .tables()
            .sessions
            .get(&digest)?
            .ok_or(Error::Unauthorized)?;
        if !self.serves(record.tenant) {
            return Err(Error::Moved);
        }
        if record.expires_at < now_ms() {
            // An expired token is refused and forgotten (nobody waits on the removal).
            let _ = self.tables().sessions.remove(&digest)?;
            return Err(Error::Unauthorized);
        }
        if let SubjectRecord::Account(account) = record.subject {
            // A deleted account's tokens stop working at once, whatever index they missed.
            if self
                .tables()
                .accounts
                .get(&account_key(record.tenant, account))?
                .is_none()
            {
                return Err(Error::Unauthorized);
            }
        }
        Ok(match record.subject {
            SubjectRecord::Account(account) => Principal::Account {
                tenant: record.tenant,
                account,
            },
            SubjectRecord::Chat(chat) => Principal::Visitor {
                tenant: record.tenant,
                chat,
            },
        })
    }
}

/// Lower-cases and checks an email address.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(
            "email",
            "give an email address like name@example.com",
        ))
    }
}
