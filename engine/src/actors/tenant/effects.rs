//! Carrying out the router's decisions: offers, withdrawals, timers, queue positions, the
//! routing log, availability for the chat button.

use super::timers;
use super::*;

impl TenantActor {
    /// Appends a routing decision to the chat's log (not waited for: nobody is answered
    /// on the strength of it).
    pub(super) fn log(&self, chat: ChatId, note: crate::routing::Note) {
        let record = switchboard_storage::records::RoutingRecord {
            at: now_ms(),
            kind: crate::routing::note_name(note.kind).into(),
            operator: note.operator,
            detail: note.detail,
        };
        let written = self.repo.store().next_id(self.id()).and_then(|n| {
            self.repo
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
    pub(super) fn offer_details(&self, live: &Live) -> Arc<OfferDetails> {
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
    pub(super) fn apply(&mut self, effects: Vec<Effect>, ctx: &mut Context<Self>) {
        let repo = self.repo.clone();
        let metrics = repo.metrics();
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
                    self.timers.forget(chat);
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
                Effect::Offline { chat } => {
                    self.timers.forget(chat);
                    metrics.chats_offline.fetch_add(1, Ordering::Relaxed);
                }
                Effect::TimedOut { chat } => {
                    self.timers.forget(chat);
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
                    self.timers.arm(chat, timer, timers::deadline(after_ms));
                }
            }
        }
        let queue = self.router.queue_len() as i64;
        if queue != self.reported_queue {
            metrics
                .queue_length
                .fetch_add(queue - self.reported_queue, Ordering::Relaxed);
            self.reported_queue = queue;
            self.tell_queue(ctx);
        }
        let online = self.anyone_available();
        if online != self.online {
            self.online = online;
            for visitor in self.visitors.values() {
                visitor.do_send(visitor::Availability(online));
            }
        }
        self.wake_for_timers(ctx);
        if self.router.positions_moved() {
            self.tell_positions(ctx);
        }
        // Load and availability changed with the step: readers see them.
        self.publish();
        self.last_active = Instant::now();
    }
}
