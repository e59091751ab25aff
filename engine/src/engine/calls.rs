//! The calls that go past a company's actor to one of its visitor or operator actors: the
//! caller names the company and the entity, the engine finds (or starts) the actor and
//! carries the message. No actor address leaves the engine, so a later cluster can forward
//! each call to the node that owns the company.

use super::*;
use crate::actors::operator::{Hangup, Subscribe as HubSubscribe};
use crate::actors::tenant::{FindChat, FindVisitor, Hub};
use crate::actors::visitor::{Decline, Invite, Post, Subscribe, Typing, Watch, WindowClosed};
use crate::actors::Subscription;
use crate::events::{ChatEvent, OperatorEvent, VisitorEvent};

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
    async fn chat_session(
        &self,
        tenant: TenantId,
        chat: ChatId,
    ) -> Result<Addr<crate::actors::visitor::VisitorActor>> {
        self.ask(tenant, FindChat(chat)).await?
    }
}
