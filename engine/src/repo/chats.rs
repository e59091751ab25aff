//! Chats and their logs, history pages and search, routing logs, the off-line inbox. Lists
//! are read newest first with reverse scans and a limit.

use switchboard_storage::records::{ChatRecord, LogKindRecord, OpenChat, RoutingRecord};
use switchboard_storage::{Key, Ticket};

use super::{chat_key, Repo};
use crate::model::*;
use crate::{Error, Result};

impl Repo {
    /// The company's offline messages older than `before` (all when None), newest first, at
    /// most `limit`.
    pub fn offline_messages(
        &self,
        tenant: TenantId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<OfflineMessage>> {
        let before = before.map(|b| Key::new().u64(tenant).u64(b).finish());
        Ok(self
            .tables()
            .offline
            .scan_prefix_back(&Key::new().u64(tenant).finish(), before.as_deref())
            .take(limit)
            .map(|r| r.map(|(_, m)| OfflineMessage::from(m)))
            .collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// One chat of the company.
    pub fn chat(&self, tenant: TenantId, chat: ChatId) -> Result<Chat> {
        let record = self.tables().chats.get(&chat_key(tenant, chat))?;
        record.map(Chat::from).ok_or(Error::NotFound("chat"))
    }

    /// Stores a chat and keeps the open-chats index in step; the ticket covers both.
    pub fn save_chat(&self, chat: &Chat) -> Result<Ticket> {
        let key = chat_key(chat.tenant, chat.id);
        let t = self.tables();
        let index = match chat.state {
            ChatState::Waiting | ChatState::Connected => t.open_chats.insert(&key, &OpenChat)?,
            ChatState::Closed | ChatState::Offline => t.open_chats.remove(&key)?,
        };
        Ok(index.and(t.chats.insert(&key, &ChatRecord::from(chat))?))
    }

    /// The company's chats that are waiting or connected.
    pub fn open_chats(&self, tenant: TenantId) -> Result<Vec<Chat>> {
        let t = self.tables();
        let mut open = Vec::new();
        for entry in t.open_chats.scan_prefix(&Key::new().u64(tenant).finish()) {
            let (key, OpenChat) = entry?;
            if let Some(record) = t.chats.get(&key)? {
                open.push(Chat::from(record));
            }
        }
        Ok(open)
    }

    /// The company's chats older than `before` (all when None), newest first, at most
    /// `limit`; with `query`, only those whose visitor name, email or any message contains
    /// it, ignoring case in any script.
    pub fn chats(
        &self,
        tenant: TenantId,
        before: Option<ChatId>,
        limit: usize,
        query: Option<&str>,
    ) -> Result<Vec<Chat>> {
        match query.map(str::to_lowercase).filter(|q| !q.is_empty()) {
            None => self.chats_where(tenant, before, limit, |_| Ok(true)),
            Some(q) => self.chats_where(tenant, before, limit, |c| self.chat_mentions(c, &q)),
        }
    }

    /// The company's chats older than `before` that `keep` accepts, newest first, at most
    /// `limit`.
    pub fn chats_where(
        &self,
        tenant: TenantId,
        before: Option<ChatId>,
        limit: usize,
        mut keep: impl FnMut(&Chat) -> Result<bool>,
    ) -> Result<Vec<Chat>> {
        let before = before.map(|b| chat_key(tenant, b));
        let mut found = Vec::new();
        for entry in self
            .tables()
            .chats
            .scan_prefix_back(&Key::new().u64(tenant).finish(), before.as_deref())
        {
            if found.len() >= limit {
                break;
            }
            let chat = Chat::from(entry?.1);
            if keep(&chat)? {
                found.push(chat);
            }
        }
        Ok(found)
    }

    /// Whether the chat's visitor name, email or any message contains `needle` (lower case).
    fn chat_mentions(&self, chat: &Chat, needle: &str) -> Result<bool> {
        if chat.name.to_lowercase().contains(needle) || chat.email.to_lowercase().contains(needle) {
            return Ok(true);
        }
        for entry in self
            .tables()
            .log
            .scan_prefix(&Key::new().u64(chat.id).finish())
        {
            if let LogKindRecord::Message { text, .. } = &entry?.1.kind {
                if text.to_lowercase().contains(needle) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// A chat's routing log, oldest first.
    pub fn routing_log(&self, chat: ChatId) -> Result<Vec<RoutingRecord>> {
        self.tables()
            .routing
            .scan_prefix(&Key::new().u64(chat).finish())
            .map(|r| Ok(r?.1))
            .collect()
    }

    /// A chat's log entries after `after` (all when 0), in order.
    pub fn log_after(&self, chat: ChatId, after: u64) -> Result<Vec<LogEntry>> {
        self.log_page(chat, after, usize::MAX)
    }

    /// At most `limit` of a chat's log entries after `after`, in order.
    pub fn log_page(&self, chat: ChatId, after: u64, limit: usize) -> Result<Vec<LogEntry>> {
        let start = Key::new().u64(chat).u64(after.saturating_add(1)).finish();
        self.tables()
            .log
            .range_from(&start, &Key::new().u64(chat).finish())
            .take(limit)
            .map(|r| {
                let (key, record) = r?;
                let seq = switchboard_storage::key_u64(&key, 1).unwrap_or(0);
                Ok(LogEntry::from_record(seq, record))
            })
            .collect()
    }
}
