//! Visitors on the site: page views, the live list operators see, and the visitor actors
//! that come and go.

use super::*;

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
#[derive(Message, Clone, Debug, serde::Serialize, serde::Deserialize)]
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
        let ids = self.repo.visitor_ids();
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

    fn handle(&mut self, VisitorUpdate(summary): VisitorUpdate, ctx: &mut Context<Self>) {
        let id = summary.id;
        self.tracked.insert(id, summary);
        self.tell_visitor(id, ctx);
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
        if !self.repo.visitor_ids().check(self.id(), msg.visitor) {
            return Err(Error::NotFound("visitor"));
        }
        self.last_active = Instant::now();
        Ok(self.visitor(msg.visitor, ctx))
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
