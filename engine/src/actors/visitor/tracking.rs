//! The tracking half of the visitor actor: page views, the summary operators see, and
//! invitations — automatic (an [`InvitationTimer`] per page view) or from an operator — until
//! the visitor says "No thanks", which is stored and holds across restarts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use switchboard_storage::records::VisitorRecord;
use switchboard_storage::{Key, Ticket};
use tokio::sync::mpsc;

use super::VisitorActor;
use crate::actors::invitation::{Cancel, InvitationDue, InvitationTimer};
use crate::actors::tenant::VisitorUpdate;
use crate::actors::{publish, Subscription};
use crate::events::{PageSeen, Sequenced, VisitorEvent, VisitorSummary};
use crate::model::*;
use crate::{Error, Result};

/// Pages kept per visitor for the operators' list; enough to see a path through a shop.
pub const RECENT_PAGES: usize = 20;

impl VisitorActor {
    /// The visitor's stored record, read once; a new one when none is stored. A record
    /// that cannot be read is an error, never replaced by a new one (its "No thanks" would
    /// be lost at the next save).
    fn record(&mut self) -> Result<&mut VisitorRecord> {
        if self.record.is_none() {
            let id = self.visitor;
            let stored = self
                .repo
                .tables()
                .visitors
                .get(&visitor_key(self.tenant_id(), id))?;
            self.record = Some(stored.unwrap_or(VisitorRecord {
                id,
                declined: false,
                first_seen: now_ms(),
                last_seen: 0,
                page_views: 0,
            }));
        }
        Ok(self.record.as_mut().expect("set above"))
    }

    fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// Changes the visitor's record: stored first, kept in memory once the write succeeded.
    fn update_record(&mut self, change: impl FnOnce(&mut VisitorRecord)) -> Result<Ticket> {
        let mut record = self.record()?.clone();
        change(&mut record);
        let key = visitor_key(self.tenant_id(), self.visitor);
        let ticket = self.repo.tables().visitors.insert(&key, &record)?;
        self.record = Some(record);
        Ok(ticket)
    }

    /// Stops a pending automatic invitation.
    pub(super) fn cancel_invitation(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.do_send(Cancel);
        }
    }

    /// Tells the company's actor (and through it the operators) where the visitor is now.
    pub(super) fn report(&mut self) {
        let Some((page, referrer)) = self.page.clone() else {
            return;
        };
        let chat = self.open_chat();
        let record = match self.record() {
            Ok(record) => record.clone(),
            Err(e) => {
                tracing::error!(visitor = self.visitor, "cannot read the visitor: {e}");
                return;
            }
        };
        self.tenant.do_send(VisitorUpdate(Arc::new(VisitorSummary {
            id: self.visitor,
            page,
            referrer,
            first_seen: record.first_seen,
            pages_seen: record.page_views,
            recent: self.recent.iter().cloned().collect(),
            chat,
            declined: record.declined,
        })));
    }

    fn invite(&mut self, by: Option<String>) {
        self.tell_page(VisitorEvent::Invitation { by });
    }

    /// Publishes to the tracking scripts listening on the visitor's pages.
    fn tell_page(&mut self, event: VisitorEvent) {
        self.next_event += 1;
        let event = Sequenced {
            seq: self.next_event,
            event,
        };
        publish(&mut self.watchers, event);
    }
}

/// Whether anyone can take a chat now changed: the tracking script refreshes the button.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Availability(pub bool);

impl Handler<Availability> for VisitorActor {
    type Result = ();

    fn handle(&mut self, Availability(online): Availability, _: &mut Context<Self>) {
        if !self.watchers.is_empty() {
            self.tell_page(VisitorEvent::Availability { online });
        }
    }
}

/// Key of a visitor record.
pub fn visitor_key(tenant: TenantId, visitor: VisitorId) -> Vec<u8> {
    Key::new().u64(tenant).u64(visitor).finish()
}

/// The visitor opened a page.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Seen {
    /// URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Referrer.
    pub referrer: String,
    /// Automatic invitation delay, when the company has invitations on.
    pub invite_after: Option<Duration>,
}

impl Handler<Seen> for VisitorActor {
    type Result = ();

    /// Records the page view, restarts the invitation timer, tells the operators.
    fn handle(&mut self, msg: Seen, ctx: &mut Context<Self>) {
        let now = now_ms();
        let page = PageSeen {
            url: msg.url,
            title: msg.title,
            at: now,
        };
        self.recent.push_front(page.clone());
        self.recent.truncate(RECENT_PAGES);
        self.page = Some((page, msg.referrer));
        self.page_view += 1;
        self.last_active = Instant::now();
        let stored = self.update_record(|record| {
            record.page_views += 1;
            record.last_seen = now;
        });
        let declined = match stored {
            Ok(_) => self.record.as_ref().is_some_and(|r| r.declined),
            Err(e) => {
                // Unknown "No thanks": no automatic invitation until the record reads.
                tracing::error!(visitor = self.visitor, "cannot store a page view: {e}");
                true
            }
        };
        self.cancel_invitation();
        if let (Some(delay), false, None) = (msg.invite_after, declined, self.open_chat()) {
            let timer = InvitationTimer::new(ctx.address().recipient(), self.page_view, delay);
            self.timer = Some(timer.start());
        }
        self.report();
    }
}

impl Handler<InvitationDue> for VisitorActor {
    type Result = ();

    /// The visitor stayed on one page for the whole delay: invite, unless anything changed.
    fn handle(&mut self, msg: InvitationDue, _: &mut Context<Self>) {
        self.timer = None;
        let declined = self.record().map_or(true, |r| r.declined);
        if msg.page_view == self.page_view && !declined && self.open_chat().is_none() {
            self.invite(None);
        }
    }
}

/// An operator invites the visitor.
#[derive(Message)]
#[rtype(result = "Result<()>")]
pub struct Invite {
    /// The operator's name, shown in the popup.
    pub by: String,
}

impl Handler<Invite> for VisitorActor {
    type Result = Result<()>;

    fn handle(&mut self, msg: Invite, _: &mut Context<Self>) -> Self::Result {
        self.watchers.retain(|w| !w.is_closed());
        if self.record()?.declined {
            return Err(Error::Conflict {
                code: "invitations_declined",
                message: "this visitor clicked \"No thanks\" and is not invited again".into(),
            });
        }
        if self.open_chat().is_some() {
            return Err(Error::Conflict {
                code: "in_chat",
                message: "this visitor is already in a chat".into(),
            });
        }
        if self.watchers.is_empty() {
            return Err(Error::Conflict {
                code: "visitor_gone",
                message: "this visitor is no longer on the site".into(),
            });
        }
        self.cancel_invitation();
        self.invite(Some(msg.by));
        Ok(())
    }
}

/// The visitor clicked "No thanks": never invited again.
#[derive(Message)]
#[rtype(result = "Result<Ticket>")]
pub struct Decline;

impl Handler<Decline> for VisitorActor {
    type Result = Result<Ticket>;

    fn handle(&mut self, _: Decline, _: &mut Context<Self>) -> Self::Result {
        self.cancel_invitation();
        let ticket = self.update_record(|record| record.declined = true)?;
        self.report();
        Ok(ticket)
    }
}

/// The tracking script listens for invitations.
#[derive(Message)]
#[rtype(result = "Subscription<VisitorEvent>")]
pub struct Watch;

impl Handler<Watch> for VisitorActor {
    type Result = MessageResult<Watch>;

    fn handle(&mut self, _: Watch, _: &mut Context<Self>) -> Self::Result {
        let (tx, live) = mpsc::channel(self.repo.config().subscriber_buffer);
        self.watchers.push(tx);
        self.last_active = Instant::now();
        MessageResult(Subscription {
            replay: Vec::new(),
            live,
        })
    }
}
