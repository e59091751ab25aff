//! The calls that go past a company's actor to one of its visitor or operator actors: the
//! caller names the company and the entity, the engine finds (or starts) the actor and
//! carries the message. No actor address leaves the engine, so a later cluster can forward
//! each call to the node that owns the company.

use super::*;
use crate::actors::operator::{Hangup, Subscribe as HubSubscribe};
use crate::actors::tenant::{
    Accept, Close, Decline as DeclineOffer, DeleteCanned, DeleteDepartment, DeleteOperator,
    FindChat, FindVisitor, GetSnapshot, Hub, Queue, SaveCanned, SaveDepartment, SetStatus,
    UpdateTenant,
};
pub use crate::actors::tenant::{PageView, SaveOperator, Snapshot, StartChat, Started, Transfer};
use crate::actors::visitor::{
    Decline, Invite, Post, Subscribe, Typing, VisitorActor, Watch, WindowClosed,
};
use crate::actors::Subscription;
use crate::events::{ChatEvent, OperatorEvent, VisitorEvent};
use crate::settings::SettingsEdit;
use actix::WeakAddr;
use std::sync::PoisonError;

/// Runs once when an event stream ends (the client went away).
pub type StreamEnd = Box<dyn FnOnce() + Send>;

impl Engine {
    /// Appends a message to a chat; resolves to its position once durable (a resend with
    /// the same client id resolves to the first one's).
    pub async fn post_message(
        &self,
        tenant: TenantId,
        chat: ChatId,
        author: Author,
        text: String,
        client_id: String,
    ) -> Result<u64> {
        let post = Post {
            chat,
            author,
            text,
            client_id,
        };
        self.chat_session(tenant, chat).await?.send(post).await?
    }

    /// Tells the other side of a chat that someone types (`operator` None: the visitor).
    pub async fn typing(
        &self,
        tenant: TenantId,
        chat: ChatId,
        operator: Option<(AccountId, String)>,
    ) -> Result<()> {
        let typing = Typing { chat, operator };
        self.chat_session(tenant, chat).await?.send(typing).await?
    }

    /// A chat's events after `after`; `window` when the visitor's own chat window listens
    /// (its end counts towards "the visitor left").
    pub async fn chat_events(
        &self,
        tenant: TenantId,
        chat: ChatId,
        after: u64,
        window: bool,
    ) -> Result<(Subscription<ChatEvent>, StreamEnd)> {
        let visitor = self.chat_session(tenant, chat).await?;
        let subscribe = Subscribe {
            chat,
            after,
            window,
        };
        let subscription = visitor.send(subscribe).await??;
        let end: StreamEnd = Box::new(move || {
            if window {
                visitor.do_send(WindowClosed { chat });
            }
        });
        Ok((subscription, end))
    }

    /// An operator's events (after `after`, or the open offers when None); the end tells the
    /// operator's hub a terminal went away, where presence and its grace start.
    pub async fn operator_events(
        &self,
        tenant: TenantId,
        account: AccountId,
        after: Option<u64>,
    ) -> Result<(Subscription<OperatorEvent>, StreamEnd)> {
        let hub = self.ask(tenant, Hub(account)).await??;
        let subscription = hub.send(HubSubscribe { after }).await?;
        Ok((subscription, Box::new(move || hub.do_send(Hangup))))
    }

    /// A visitor's tracking events (invitations, availability).
    pub async fn visitor_events(
        &self,
        tenant: TenantId,
        visitor: VisitorId,
    ) -> Result<Subscription<VisitorEvent>> {
        let find = FindVisitor {
            visitor,
            tracked_only: false,
        };
        Ok(self.ask(tenant, find).await??.send(Watch).await?)
    }

    /// "No thanks": the visitor is never invited again; resolves once that is durable.
    pub async fn decline_invitations(&self, tenant: TenantId, visitor: VisitorId) -> Result<()> {
        let find = FindVisitor {
            visitor,
            tracked_only: false,
        };
        let ticket = self.ask(tenant, find).await??.send(Decline).await??;
        ticket.durable().await?;
        Ok(())
    }

    /// An operator (named `by`) invites a visitor who is on the site now.
    pub async fn invite(&self, tenant: TenantId, visitor: VisitorId, by: String) -> Result<()> {
        let find = FindVisitor {
            visitor,
            tracked_only: true,
        };
        self.ask(tenant, find).await??.send(Invite { by }).await?
    }

    /// The visitor actor holding a chat's session.
    async fn chat_session(&self, tenant: TenantId, chat: ChatId) -> Result<Addr<VisitorActor>> {
        if let Some(visitor) = self.inner.sessions.get(tenant, chat) {
            return Ok(visitor);
        }
        let visitor = self.ask(tenant, FindChat(chat)).await??;
        self.inner.sessions.remember(tenant, chat, visitor.clone());
        Ok(visitor)
    }
}

/// Which visitor actor holds a chat's session, as the company's actor answered: a message,
/// a typing note or a chat window's stream then goes straight to the visitor actor, one
/// round trip through the company's actor fewer. An entry is trusted while its actor runs:
/// a company starts a new visitor actor for a chat only after the old one stopped, and a
/// running visitor actor reloads an ended chat's session itself.
#[derive(Default)]
pub(super) struct Sessions {
    known: Mutex<SessionMap>,
}

#[derive(Default)]
struct SessionMap {
    /// Weak, so the cache never keeps a visitor actor alive.
    chats: HashMap<(TenantId, ChatId), WeakAddr<VisitorActor>>,
    /// The size at which stopped actors' entries are swept out.
    sweep_at: usize,
}

impl Sessions {
    /// The running visitor actor holding `chat` of `tenant`, if known.
    fn get(&self, tenant: TenantId, chat: ChatId) -> Option<Addr<VisitorActor>> {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known
            .chats
            .get(&(tenant, chat))
            .and_then(WeakAddr::upgrade)
            .filter(Addr::connected)
    }

    fn remember(&self, tenant: TenantId, chat: ChatId, visitor: Addr<VisitorActor>) {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known.chats.insert((tenant, chat), visitor.downgrade());
        if known.chats.len() >= known.sweep_at {
            known
                .chats
                .retain(|_, a| a.upgrade().is_some_and(|a| a.connected()));
            known.sweep_at = (known.chats.len() * 2).max(1024);
        }
    }
}

/// The calls a company's own actor answers, addressed by company: each a thin, documented
/// seam over one message, so callers never name the actor or its messages.
impl Engine {
    /// The company's settings, lists and the visitors on its site now.
    pub async fn snapshot(&self, tenant: TenantId) -> Result<Snapshot> {
        self.ask(tenant, GetSnapshot).await
    }

    /// Changes the company's settings (a patch); the ticket covers the write.
    pub async fn update_settings(
        &self,
        tenant: TenantId,
        edit: SettingsEdit,
    ) -> Result<(Tenant, Ticket)> {
        self.ask(tenant, UpdateTenant(edit)).await?
    }

    /// Creates (no id) or renames a department.
    pub async fn save_department(
        &self,
        tenant: TenantId,
        id: Option<DepartmentId>,
        name: String,
    ) -> Result<(Department, Ticket)> {
        self.ask(tenant, SaveDepartment { id, name }).await?
    }

    /// Deletes a department (operators lose it from their lists).
    pub async fn delete_department(&self, tenant: TenantId, id: DepartmentId) -> Result<Ticket> {
        self.ask(tenant, DeleteDepartment(id)).await?
    }

    /// Creates (no id) or changes a canned response.
    pub async fn save_canned(
        &self,
        tenant: TenantId,
        id: Option<CannedId>,
        shortcut: String,
        text: String,
    ) -> Result<(Canned, Ticket)> {
        let save = SaveCanned { id, shortcut, text };
        self.ask(tenant, save).await?
    }

    /// Deletes a canned response.
    pub async fn delete_canned(&self, tenant: TenantId, id: CannedId) -> Result<Ticket> {
        self.ask(tenant, DeleteCanned(id)).await?
    }

    /// Creates or changes an operator.
    pub async fn save_operator(
        &self,
        tenant: TenantId,
        operator: SaveOperator,
    ) -> Result<(Account, Ticket)> {
        self.ask(tenant, operator).await?
    }

    /// Deletes the operator with SIP username `sip`; answers their account id.
    pub async fn delete_operator(
        &self,
        tenant: TenantId,
        sip: String,
    ) -> Result<(AccountId, Ticket)> {
        self.ask(tenant, DeleteOperator(sip)).await?
    }

    /// Sets an operator's status.
    pub async fn set_status(
        &self,
        tenant: TenantId,
        account: AccountId,
        status: Status,
    ) -> Result<()> {
        self.ask(tenant, SetStatus { account, status }).await?
    }

    /// A visitor starts a chat (the one admission path).
    pub async fn start_chat(&self, tenant: TenantId, start: StartChat) -> Result<Started> {
        self.ask(tenant, start).await?
    }

    /// An operator accepts an offered chat; answers once the "joined" entry is durable.
    pub async fn accept(&self, tenant: TenantId, chat: ChatId, account: AccountId) -> Result<Chat> {
        self.ask(tenant, Accept { chat, account }).await?
    }

    /// An operator turns an offer down.
    pub async fn decline(&self, tenant: TenantId, chat: ChatId, account: AccountId) -> Result<()> {
        self.ask(tenant, DeclineOffer { chat, account }).await?
    }

    /// Closes a chat: by the visitor (`by` None) or an operator.
    pub async fn close(
        &self,
        tenant: TenantId,
        chat: ChatId,
        by: Option<AccountId>,
    ) -> Result<Chat> {
        let close = Close {
            chat,
            by,
            abandoned: false,
        };
        self.ask(tenant, close).await?
    }

    /// Hands a chat to another operator or a department.
    pub async fn transfer(&self, tenant: TenantId, transfer: Transfer) -> Result<()> {
        self.ask(tenant, transfer).await?
    }

    /// The chats waiting with no offer, head of the queue first.
    pub async fn queue(&self, tenant: TenantId, limit: usize) -> Result<Vec<Chat>> {
        self.ask(tenant, Queue { limit }).await
    }

    /// A page view; resolves to the visitor's id (a new one for a new or made-up id).
    pub async fn page_view(&self, tenant: TenantId, view: PageView) -> Result<VisitorId> {
        self.ask(tenant, view).await?
    }
}

/// The off-line inbox: writes that connected terminals hear of.
impl Engine {
    /// Stores a message left with the offline form; returns once it is durable.
    pub async fn leave_offline_message(
        &self,
        tenant: TenantId,
        mut message: OfflineMessage,
    ) -> Result<OfflineMessage> {
        message.id = self.store().next_id(tenant)?;
        message.at = now_ms();
        let key = Key::new().u64(tenant).u64(message.id).finish();
        self.tables()
            .offline
            .insert(&key, &OfflineRecord::from(&message))?
            .durable()
            .await?;
        let operator_sip = match message.operator {
            Some(id) => self.account(tenant, id)?.sip,
            None => None,
        };
        self.ask(
            tenant,
            Broadcast(OperatorEvent::OfflineMessage {
                message: Arc::new(message.clone()),
                operator_sip,
            }),
        )
        .await?;
        Ok(message)
    }

    /// Marks an offline message handled; returns once that is durable. Connected terminals
    /// reload their inbox.
    pub async fn mark_offline_done(&self, tenant: TenantId, id: u64) -> Result<()> {
        let key = Key::new().u64(tenant).u64(id).finish();
        let table = &self.tables().offline;
        let mut record = table.get(&key)?.ok_or(Error::NotFound("offline message"))?;
        if !record.done {
            record.done = true;
            table.insert(&key, &record)?.durable().await?;
        }
        self.ask(
            tenant,
            Broadcast(OperatorEvent::Changed(Resource::OfflineMessages)),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only for types that can travel: owned, sendable, serialisable.
    fn data<T: serde::Serialize + serde::de::DeserializeOwned + Send + 'static>() {}

    // A cluster will carry these calls to the node that owns the company: what they take
    // must be plain data (this fails to compile otherwise).
    #[test]
    fn the_requests_of_the_calls_are_data() {
        data::<StartChat>();
        data::<SaveOperator>();
        data::<Transfer>();
        data::<PageView>();
        data::<SettingsEdit>();
        data::<Status>();
    }
}
