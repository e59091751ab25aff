//! The repository: the database's tables, and what reads and writes them without an actor —
//! chats and their logs, history pages and search, the off-line inbox, routing logs, tokens
//! and emails — with the settings, counters and id sources every part of the engine shares.
//! Actors and the [`Engine`](crate::Engine) both hold a [`Repo`]; it knows nothing of either.
//!
//! # Layout
//! - this file: [`Repo`] (store, tables, settings, counters, event ids, visitor ids), the
//!   tables, record keys, sessions and email claims;
//! - `billing.rs`: cards and invoices — reads, and the writes of the billing worker (the
//!   single writer of both);
//! - [`chats`]: chats and their logs, history pages and search, routing logs, the off-line
//!   inbox, read newest first with reverse scans and a limit.

use std::sync::{Arc, Mutex};

use switchboard_storage::records::{
    AccountRecord, AccountSession, AuditRecord, ButtonsRecord, CannedRecord, CardRecord,
    ChatRecord, DepartmentRecord, EmailIndex, EventIdCeiling, GraphicsRecord, IndexRecord,
    InvoicePeriod, InvoiceRecord, KeyIndex, LogRecord, OfflineRecord, OpenChat, RoutingRecord,
    SecretRecord, SessionRecord, SubjectRecord, TenantRecord, VisitorRecord,
};
use switchboard_storage::{Key, Store, Table, Ticket};

use crate::auth;
use crate::config::{Config, Metrics};
use crate::model::*;
use crate::visitor_ids::VisitorIds;
use crate::{Error, Result};

mod billing;
mod chats;

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
    /// Saved cards.
    pub cards: Table<CardRecord>,
    /// Issued invoices.
    pub invoices: Table<InvoiceRecord>,
    /// Which invoice bills each month.
    pub invoice_periods: Table<InvoicePeriod>,
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
            cards: store.table()?,
            invoices: store.table()?,
            invoice_periods: store.table()?,
        })
    }
}

/// The database and what every part of the engine shares; cheap to clone.
#[derive(Clone)]
pub struct Repo(Arc<Shared>);

struct Shared {
    store: Store,
    tables: Tables,
    config: Config,
    metrics: Arc<Metrics>,
    /// Stream event ids: the last base handed to a hub, and the ceiling stored on disk.
    event_ids: Mutex<EventIds>,
    /// Issues and checks visitor ids.
    visitor_ids: VisitorIds,
}

impl Repo {
    /// Opens the tables of `store` and the keys and counters kept in them.
    pub fn open(store: Store, config: Config) -> Result<Repo> {
        let tables = Tables::open(&store)?;
        let event_ceiling = tables
            .counters
            .get(EVENT_IDS_KEY)?
            .map_or(0, |EventIdCeiling(c)| c);
        let visitor_ids = VisitorIds::new(secret(&store, &tables, VISITOR_IDS_KEY)?);
        Ok(Repo(Arc::new(Shared {
            store,
            tables,
            config,
            metrics: Arc::default(),
            // The first base is at least the earlier run's ceiling.
            event_ids: Mutex::new(EventIds {
                last: event_ceiling.saturating_sub(EVENTS_PER_HUB),
                ceiling: event_ceiling,
            }),
            visitor_ids,
        })))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The typed trees.
    pub fn tables(&self) -> &Tables {
        &self.0.tables
    }

    /// Engine settings.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Counters.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Counters, shareable with things that outlive a borrow (event streams).
    pub fn metrics_arc(&self) -> Arc<Metrics> {
        self.0.metrics.clone()
    }

    /// Issues and checks visitor ids.
    pub fn visitor_ids(&self) -> &VisitorIds {
        &self.0.visitor_ids
    }

    /// Where a new event hub (an operator's or a visitor's tracking stream) starts numbering:
    /// above every id handed out before, in this run or an earlier one, whatever the clock
    /// did in between; normally the clock (a thousand ids per ms). In cluster mode a range
    /// no hub on any node uses: a terminal resuming on the node its company moved to, with
    /// an id of the old node's hub, is told to reload rather than skip what it missed.
    pub fn event_base(&self) -> u64 {
        match self.store().cluster_event_base() {
            Some(Ok(base)) => return base,
            Some(Err(e)) => {
                tracing::warn!("no cluster-wide event ids, numbering by the clock: {e}")
            }
            None => {}
        }
        let mut ids = self
            .0
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

    /// Reserves `account.email` for the account; a taken email is a conflict.
    pub fn claim_email(&self, tenant: TenantId, account: &Account) -> Result<Ticket> {
        let index = EmailIndex(IndexRecord {
            tenant,
            account: account.id,
        });
        self.tables()
            .emails
            .insert_new(&Key::new().str(&account.email).finish(), &index)?
            .ok_or_else(|| Error::Conflict {
                code: "email_taken",
                message: format!("{} already has an account", account.email),
            })
    }

    /// Stores a new token for `subject`; returns it and the write's ticket.
    pub fn open_session(
        &self,
        tenant: TenantId,
        subject: SubjectRecord,
        ttl_ms: u64,
    ) -> Result<(String, Ticket)> {
        let token = auth::new_token(tenant);
        let record = SessionRecord {
            tenant,
            subject,
            expires_at: now_ms() + ttl_ms,
        };
        let digest = auth::token_digest(&token);
        let mut ticket = Ticket::ready();
        if let SubjectRecord::Account(account) = subject {
            ticket = self.tables().account_sessions.insert(
                &account_session_key(tenant, account, &digest),
                &AccountSession,
            )?;
        }
        Ok((
            token,
            ticket.and(self.tables().sessions.insert(&digest, &record)?),
        ))
    }
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
pub const VISITOR_IDS_KEY: &[u8] = b"visitor_ids";

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

/// Key of an account record.
pub fn account_key(tenant: TenantId, account: AccountId) -> Vec<u8> {
    Key::new().u64(tenant).u64(account).finish()
}

/// Key of a chat record.
pub fn chat_key(tenant: TenantId, chat: ChatId) -> Vec<u8> {
    Key::new().u64(tenant).u64(chat).finish()
}

/// Key of a sessions-by-account index entry.
fn account_session_key(tenant: TenantId, account: AccountId, digest: &[u8]) -> Vec<u8> {
    let mut key = Key::new().u64(tenant).u64(account).finish();
    key.extend_from_slice(digest);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let repo = Repo::open(store.clone(), Config::default()).unwrap();
        let first = repo.event_base();
        let second = repo.event_base();
        assert!(first >= earlier, "{first} < {earlier}");
        assert!(
            second >= first + EVENTS_PER_HUB,
            "each hub gets its own room"
        );
        let stored = repo
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
        // The next run starts above the stored ceiling.
        let repo = Repo::open(store, Config::default()).unwrap();
        assert!(repo.event_base() >= stored);
    }

    #[test]
    fn the_open_chats_index_follows_the_chat_state() {
        let repo = Repo::open(Store::temporary().unwrap(), Config::default()).unwrap();
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
        let ids = |r: &Repo| {
            r.open_chats(1)
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        let _ = repo.save_chat(&chat).unwrap();
        assert_eq!(ids(&repo), vec![9]);
        chat.state = ChatState::Connected;
        let _ = repo.save_chat(&chat).unwrap();
        assert_eq!(repo.open_chats(1).unwrap()[0].state, ChatState::Connected);
        chat.state = ChatState::Closed;
        let _ = repo.save_chat(&chat).unwrap();
        assert!(ids(&repo).is_empty());
        assert_eq!(
            repo.chat(1, 9).unwrap().state,
            ChatState::Closed,
            "the chat itself stays"
        );
        assert!(
            repo.open_chats(2).unwrap().is_empty(),
            "another company sees none"
        );
    }
}
