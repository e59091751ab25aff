//! VisitorActor: one per visitor on the site. It holds the visitor's chat sessions
//! ([`chat`]) and what tracking knows of them — current page, page history, invitations
//! ([`tracking`]). It stops when the visitor has no open chat, no open window or tracking
//! stream, and nothing happened for the passivation time.

mod chat;
mod tracking;

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use actix::prelude::*;

pub use chat::*;
pub use tracking::*;

use super::invitation::InvitationTimer;
use super::tenant::{SessionsDropped, TenantActor, VisitorGone};
use super::Subscriber;
use crate::events::{PageSeen, VisitorEvent};
use crate::model::*;
use crate::repo::Repo;

/// A visitor's chats and whereabouts.
pub struct VisitorActor {
    /// Storage and settings.
    repo: Repo,
    /// The company's actor, told about moves and when this one stops.
    tenant: Addr<TenantActor>,
    /// The company.
    tenant_id: TenantId,
    /// This visitor.
    visitor: VisitorId,
    /// The visitor's chats that are active here.
    sessions: HashMap<ChatId, chat::Session>,
    /// Chats whose log could not be read when attached, with why: every call on them fails.
    unreadable: HashMap<ChatId, String>,
    /// Last activity, for passivation.
    last_active: Instant,
    /// The page the visitor is on, once tracked, with its referrer.
    page: Option<(PageSeen, String)>,
    /// The latest pages, newest first (at most [`tracking::RECENT_PAGES`]).
    recent: VecDeque<PageSeen>,
    /// Page views ever, first page view ever, "No thanks" — as stored.
    record: Option<switchboard_storage::records::VisitorRecord>,
    /// Numbers page views, so a timer for an earlier one is ignored.
    page_view: u64,
    /// The running invitation timer.
    timer: Option<Addr<InvitationTimer>>,
    /// Tracking scripts listening for invitations.
    watchers: Vec<Subscriber<VisitorEvent>>,
    /// Id of the next visitor event.
    next_event: u64,
}

impl VisitorActor {
    /// An actor for `visitor` of the company at `tenant`.
    pub fn new(
        repo: Repo,
        tenant: Addr<TenantActor>,
        tenant_id: TenantId,
        visitor: VisitorId,
    ) -> Self {
        let next_event = repo.event_base();
        VisitorActor {
            repo,
            tenant,
            tenant_id,
            visitor,
            sessions: HashMap::new(),
            unreadable: HashMap::new(),
            last_active: Instant::now(),
            page: None,
            recent: VecDeque::new(),
            record: None,
            page_view: 0,
            timer: None,
            watchers: Vec::new(),
            next_event,
        }
    }

    /// The chat the visitor is in (waiting or connected), if any.
    fn open_chat(&self) -> Option<ChatId> {
        self.sessions
            .values()
            .find(|s| matches!(s.chat.state, ChatState::Waiting | ChatState::Connected))
            .map(|s| s.chat.id)
    }
}

impl Actor for VisitorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.repo
            .metrics()
            .visitor_actors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let every = self.repo.config().idle_check_interval();
        ctx.run_interval(every, |act, ctx| {
            let idle =
                act.last_active.elapsed().as_secs() >= act.repo.config().passivate_after_secs;
            act.watchers.retain(|w| !w.is_closed());
            let windows = act.sessions.values_mut().any(|s| {
                s.subscribers.retain(|sub| !sub.is_closed());
                !s.subscribers.is_empty()
            });
            if idle && !windows && act.watchers.is_empty() && act.open_chat().is_none() {
                ctx.stop();
                return;
            }
            let dropped = act.drop_ended_sessions();
            if !dropped.is_empty() {
                act.tenant.do_send(SessionsDropped {
                    visitor: act.visitor,
                    chats: dropped,
                });
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.repo
            .metrics()
            .visitor_actors
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let chats = self.sessions.keys().copied().collect();
        self.tenant.do_send(VisitorGone {
            visitor: self.visitor,
            chats,
        });
    }
}

impl actix::Handler<crate::actors::Halt> for VisitorActor {
    type Result = ();

    fn handle(&mut self, _: crate::actors::Halt, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
