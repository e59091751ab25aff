//! The [`Router`] state machine; the rules are in the parent module's doc.

use std::collections::BTreeMap;
use std::collections::{BTreeSet, HashMap, VecDeque};

use super::*;
use crate::model::{AccountId, ChatId, Distribution, Status};

/// Where a routed chat stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Offered to `offered` (empty while queued); `tried` are this round's earlier offers.
    Waiting {
        offered: BTreeSet<AccountId>,
        tried: BTreeSet<AccountId>,
    },
    /// Held by an operator since `since` (ms).
    Connected { operator: AccountId, since: u64 },
}

/// A chat the router is responsible for (waiting or connected).
#[derive(Clone, Debug)]
pub(super) struct Routed {
    /// What the chat asked for.
    pub(super) request: Request,
    /// Its rung on the ladder.
    pub(super) rung: Rung,
    /// Queue order: head chats (re-queued, transferred) first, then arrival order.
    pub(super) order: (u8, u64),
    /// Offered, queued or connected.
    pub(super) phase: Phase,
    /// Bumped on each single-mode offer, so an older offer timer is ignored.
    pub(super) offer_generation: u64,
    /// Bumped each time the chat (re-)enters waiting, so older connection and rung timers
    /// are ignored.
    pub(super) wait_generation: u64,
    /// Last queue position the visitor was told, to tell only changes.
    pub(super) told_position: Option<usize>,
    /// The operator who transferred the chat away: not offered it again while someone else
    /// can take it.
    pub(super) transferred_by: Option<AccountId>,
}

/// A waiting phase with nothing offered or tried yet.
fn waiting() -> Phase {
    Phase::Waiting {
        offered: BTreeSet::new(),
        tried: BTreeSet::new(),
    }
}

/// Queue order class of chats that go to the head.
const HEAD: u8 = 0;
/// Queue order class of arriving chats.
const TAIL: u8 = 1;

/// Weight of the newest handling time in the running average (an exponential moving average
/// that follows the last twenty or so chats).
const HANDLING_WEIGHT: f64 = 0.1;

/// The routing state of one company.
#[derive(Clone, Debug)]
pub struct Router {
    /// Current settings.
    pub(super) policy: Policy,
    /// Every operator who can take chats, by account id.
    pub(super) agents: BTreeMap<AccountId, Agent>,
    /// Waiting and connected chats.
    pub(super) chats: HashMap<ChatId, Routed>,
    /// Waiting chats with no outstanding offer, in queue order.
    pub(super) queue: VecDeque<ChatId>,
    /// Next arrival number.
    pub(super) arrivals: u64,
    /// The operator round robin offered last.
    pub(super) last_offered: Option<AccountId>,
    /// Running average of how long an operator holds a chat, in ms.
    pub(super) handling_ms: Option<f64>,
    /// A chat joined the queue since positions were last told: the step tells them.
    pub(super) joined: bool,
    /// Queued chats may have moved since positions were last told ([`Router::positions`]).
    pub(super) moved: bool,
}

impl Router {
    /// An empty router.
    pub fn new(policy: Policy) -> Self {
        Router {
            policy,
            agents: BTreeMap::new(),
            chats: HashMap::new(),
            queue: VecDeque::new(),
            arrivals: 0,
            last_offered: None,
            handling_ms: None,
            joined: false,
            moved: false,
        }
    }

    /// Changes the settings; chats already offered keep their offers.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
    }

    /// The current settings.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The operator's routing state.
    pub fn agent(&self, id: AccountId) -> Option<&Agent> {
        self.agents.get(&id)
    }

    /// Every operator's routing state.
    pub fn agents(&self) -> impl Iterator<Item = (AccountId, &Agent)> {
        self.agents.iter().map(|(id, a)| (*id, a))
    }

    /// Chats waiting with no offer.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Chats waiting with no offer, head of the queue first.
    pub fn queued(&self) -> Vec<ChatId> {
        self.queue.iter().copied().collect()
    }

    /// Whether anyone online serves `target` (capacity aside).
    pub fn anyone_serves(&self, target: &Request) -> bool {
        self.agents.iter().any(|(id, a)| serves(*id, a, target))
    }

    /// Where a chat asking for `request` is routed on `rung`; None when the rung does not
    /// apply (no operator asked for, no fallback department).
    fn target(&self, request: &Request, rung: Rung) -> Option<Request> {
        match rung {
            Rung::Requested => request.operator.map(|op| Request {
                department: None,
                operator: Some(op),
            }),
            Rung::Department => Some(Request {
                department: request.department,
                operator: None,
            }),
            Rung::Fallback => {
                let fallback = self.policy.fallback_department?;
                (Some(fallback) != request.department).then_some(Request {
                    department: Some(fallback),
                    operator: None,
                })
            }
        }
    }

    /// The chat's current target.
    pub(super) fn target_of(&self, routed: &Routed) -> Request {
        self.target(&routed.request, routed.rung)
            .unwrap_or(routed.request)
    }

    /// The first rung from `from` on that applies and has someone online.
    fn first_served_rung(&self, request: &Request, from: Rung) -> Option<Rung> {
        [Rung::Requested, Rung::Department, Rung::Fallback]
            .into_iter()
            .filter(|r| *r >= from)
            .find(|r| {
                self.target(request, *r)
                    .is_some_and(|t| self.anyone_serves(&t))
            })
    }

    /// How long a rung lasts before the next, when there is a next rung with any meaning.
    fn rung_ms(&self, request: &Request, rung: Rung) -> Option<u64> {
        let next = match rung {
            Rung::Requested => Rung::Department,
            Rung::Department => Rung::Fallback,
            Rung::Fallback => return None,
        };
        let later = [Rung::Department, Rung::Fallback]
            .into_iter()
            .filter(|r| *r >= next);
        if later.clone().all(|r| self.target(request, r).is_none()) {
            return None;
        }
        Some(match rung {
            Rung::Requested => self.policy.requested_operator_ms,
            _ => self.policy.department_ms,
        })
    }

    /// Takes responsibility for `chat`: the next arrival number, in queue class `class`.
    fn admit(&mut self, chat: ChatId, request: Request, rung: Rung, class: u8, phase: Phase) {
        self.arrivals += 1;
        let routed = Routed {
            request,
            rung,
            order: (class, self.arrivals),
            phase,
            offer_generation: 0,
            wait_generation: 0,
            told_position: None,
            transferred_by: None,
        };
        self.chats.insert(chat, routed);
    }

    /// Adds an operator or changes their limit and departments.
    pub fn upsert_agent(
        &mut self,
        id: AccountId,
        max_chats: u32,
        departments: Vec<DepartmentId>,
    ) -> Vec<Effect> {
        let agent = self
            .agents
            .entry(id)
            .or_insert_with(|| Agent::new(max_chats, departments.clone()));
        agent.max_chats = max_chats;
        agent.departments = departments;
        let mut effects = Vec::new();
        self.drain(&mut effects);
        effects
    }

    /// Removes an operator: offers move on, held chats are re-queued at the head.
    pub fn remove_agent(&mut self, id: AccountId, now: u64) -> Vec<Effect> {
        let effects = self.set_status(id, Status::Offline, now);
        self.agents.remove(&id);
        effects
    }

    /// Changes an operator's status. Leaving "online" moves their offers on; going offline
    /// also re-queues their chats at the head; coming online takes waiting chats.
    pub fn set_status(&mut self, id: AccountId, status: Status, now: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(agent) = self.agents.get_mut(&id) else {
            return effects;
        };
        agent.status = status;
        match status {
            Status::Online => {}
            Status::Away => self.drop_offers(id, "the operator went away", &mut effects),
            Status::Offline => self.leave(id, "the operator went offline", now, &mut effects),
        }
        self.drain(&mut effects);
        effects
    }

    /// An operator's terminal connected (true) or stayed away past the presence grace
    /// (false: offers move on and held chats are re-queued at the head).
    pub fn set_connected(&mut self, id: AccountId, connected: bool, now: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(agent) = self.agents.get_mut(&id) else {
            return effects;
        };
        agent.connected = connected;
        if !connected {
            self.leave(
                id,
                "the operator's terminal disconnected past the grace period",
                now,
                &mut effects,
            );
        }
        self.drain(&mut effects);
        effects
    }

    /// The operator stops taking chats: offers move on, held chats go back to the queue head.
    fn leave(&mut self, id: AccountId, why: &str, now: u64, effects: &mut Vec<Effect>) {
        self.drop_offers(id, why, effects);
        let Some(agent) = self.agents.get_mut(&id) else {
            return;
        };
        for chat in std::mem::take(&mut agent.open) {
            self.note_handled(chat, now);
            effects.push(Effect::Requeued { chat, operator: id });
            self.log(effects, chat, NoteKind::Requeued, Some(id), why);
            // A chat that asked for this operator moves on to the next rung anyone serves.
            let routed = &self.chats[&chat];
            if let Some(rung) = self.first_served_rung(&routed.request, routed.rung) {
                self.chats.get_mut(&chat).expect("read above").rung = rung;
            }
            self.wait_again(chat, HEAD, effects);
        }
    }

    fn drop_offers(&mut self, id: AccountId, why: &str, effects: &mut Vec<Effect>) {
        let offers: Vec<ChatId> = self
            .agents
            .get(&id)
            .map(|a| a.offers.iter().copied().collect())
            .unwrap_or_default();
        for chat in offers {
            self.drop_offer(chat, id, NoteKind::Withdrawn, why, effects);
        }
    }

    /// A new chat arrives. The first effect is [`Effect::Offline`] when nobody online serves
    /// it on any rung, or when the queue is full or the estimated wait too long.
    pub fn arrive(&mut self, chat: ChatId, request: Request) -> Vec<Effect> {
        let Some(rung) = self.first_served_rung(&request, Rung::Requested) else {
            let note = Note {
                kind: NoteKind::Offline,
                operator: None,
                detail: "nobody online serves this chat".into(),
            };
            return vec![Effect::Offline { chat }, Effect::Log { chat, note }];
        };
        self.admit(chat, request, rung, TAIL, waiting());
        let mut effects = Vec::new();
        let skipped = if request.operator.is_some() && rung != Rung::Requested {
            "the operator asked for is not available; "
        } else {
            ""
        };
        self.log(
            &mut effects,
            chat,
            NoteKind::Arrived,
            request.operator.filter(|_| rung != Rung::Requested),
            &format!("{skipped}routed to {}", describe(rung)),
        );
        self.wait_again(chat, TAIL, &mut effects);
        self.drain(&mut effects);
        if let Some(why) = self.refuse_wait(chat) {
            self.forget(chat);
            let mut refused = vec![Effect::Offline { chat }];
            refused.extend(
                effects
                    .into_iter()
                    .filter(|e| matches!(e, Effect::Log { .. })),
            );
            refused.push(Effect::Log {
                chat,
                note: Note {
                    kind: NoteKind::Offline,
                    operator: None,
                    detail: why,
                },
            });
            return refused;
        }
        effects
    }

    /// Why a just-arrived queued chat may not wait (queue full, wait too long), if so.
    fn refuse_wait(&self, chat: ChatId) -> Option<String> {
        let routed = self.chats.get(&chat)?;
        let position = routed.told_position?;
        if self.policy.max_queue > 0 && position > self.policy.max_queue {
            return Some(format!(
                "the queue is full ({} waiting)",
                self.policy.max_queue
            ));
        }
        let wait = self.estimated_wait(chat, position)?;
        (self.policy.max_wait_ms > 0 && wait > self.policy.max_wait_ms)
            .then(|| format!("the estimated wait ({} s) is over the limit", wait / 1000))
    }

    /// Estimated wait at `position`: that many handling times, shared by the seats serving
    /// the chat's target.
    fn estimated_wait(&self, chat: ChatId, position: usize) -> Option<u64> {
        let target = self.target_of(self.chats.get(&chat)?);
        self.wait_at(self.seats(&target), position)
    }

    /// The seats (each operator's `max_chats`) of the operators serving `target`.
    fn seats(&self, target: &Request) -> u32 {
        self.agents
            .iter()
            .filter(|(id, a)| serves(**id, a, target))
            .map(|(_, a)| a.max_chats)
            .sum()
    }

    /// Estimated wait at `position` behind `seats` seats.
    fn wait_at(&self, seats: u32, position: usize) -> Option<u64> {
        let handling = self.handling_ms?;
        Some((handling * position as f64 / f64::from(seats.max(1))) as u64)
    }

    /// Puts back a chat that was waiting before a restart: at the head of the queue, with a
    /// fresh connection timeout, even if nobody is online yet (operators reconnect after a
    /// restart; the timeout still ends the wait).
    pub fn restore_waiting(&mut self, chat: ChatId, request: Request) -> Vec<Effect> {
        let first = if request.operator.is_some() {
            Rung::Requested
        } else {
            Rung::Department
        };
        let rung = self.first_served_rung(&request, first).unwrap_or(first);
        self.admit(chat, request, rung, HEAD, waiting());
        let mut effects = Vec::new();
        self.log(
            &mut effects,
            chat,
            NoteKind::Arrived,
            None,
            "back in the queue after a restart",
        );
        self.wait_again(chat, HEAD, &mut effects);
        self.drain(&mut effects);
        effects
    }

    /// Puts back a chat that was connected before a restart.
    pub fn restore_connected(
        &mut self,
        chat: ChatId,
        request: Request,
        operator: AccountId,
        now: u64,
    ) {
        let phase = Phase::Connected {
            operator,
            since: now,
        };
        self.admit(chat, request, Rung::Department, TAIL, phase);
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.open.insert(chat);
        }
    }

    /// `operator` accepts `chat`: they hold it and every other offer is withdrawn.
    pub fn accept(
        &mut self,
        chat: ChatId,
        operator: AccountId,
        now: u64,
    ) -> Result<Vec<Effect>, Refused> {
        let routed = self.chats.get_mut(&chat).ok_or(Refused::Taken)?;
        let Phase::Waiting { offered, .. } = &mut routed.phase else {
            return Err(Refused::Taken);
        };
        if !offered.contains(&operator) {
            return Err(Refused::NotOffered);
        }
        let others: Vec<AccountId> = offered.iter().copied().filter(|o| *o != operator).collect();
        routed.phase = Phase::Connected {
            operator,
            since: now,
        };
        routed.transferred_by = None;
        routed.offer_generation += 1;
        routed.wait_generation += 1;
        let mut effects = Vec::new();
        for other in others {
            if let Some(agent) = self.agents.get_mut(&other) {
                agent.offers.remove(&chat);
            }
            effects.push(Effect::Withdraw {
                chat,
                operator: other,
            });
            self.log(
                &mut effects,
                chat,
                NoteKind::Withdrawn,
                Some(other),
                "another operator accepted",
            );
        }
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.offers.remove(&chat);
            agent.open.insert(chat);
            agent.last_assigned = now;
        }
        effects.push(Effect::Connected { chat, operator });
        self.log(
            &mut effects,
            chat,
            NoteKind::Accepted,
            Some(operator),
            "accepted",
        );
        self.drain(&mut effects);
        Ok(effects)
    }

    /// `operator` turns an offer down; the chat moves on at once.
    pub fn decline(&mut self, chat: ChatId, operator: AccountId) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.drop_offer(
            chat,
            operator,
            NoteKind::Declined,
            "declined by the operator",
            &mut effects,
        );
        self.drain(&mut effects);
        effects
    }

    /// The chat's operator hands it to `to` (an operator or a department): it goes to the
    /// head of the queue for that target.
    pub fn transfer(
        &mut self,
        chat: ChatId,
        to: Request,
        now: u64,
    ) -> Result<Vec<Effect>, Refused> {
        let routed = self.chats.get(&chat).ok_or(Refused::Taken)?;
        let Phase::Connected { operator, .. } = routed.phase else {
            return Err(Refused::Taken);
        };
        if !self.anyone_serves(&to) {
            return Err(Refused::NobodyServes);
        }
        self.note_handled(chat, now);
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.open.remove(&chat);
        }
        let routed = self.chats.get_mut(&chat).expect("read above");
        routed.request = to;
        routed.transferred_by = Some(operator);
        routed.rung = if to.operator.is_some() {
            Rung::Requested
        } else {
            Rung::Department
        };
        let mut effects = vec![Effect::Transferred { chat, operator }];
        let whom = match (to.operator, to.department) {
            (Some(op), _) => format!("to operator {op}"),
            (None, Some(d)) => format!("to department {d}"),
            (None, None) => "to anyone".into(),
        };
        self.log(
            &mut effects,
            chat,
            NoteKind::Transferred,
            Some(operator),
            &whom,
        );
        self.wait_again(chat, HEAD, &mut effects);
        self.drain(&mut effects);
        Ok(effects)
    }

    /// A timer armed by an [`Effect::Arm`] fired.
    pub fn timer(&mut self, chat: ChatId, timer: Timer) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(routed) = self.chats.get(&chat) else {
            return effects;
        };
        let Phase::Waiting { offered, .. } = &routed.phase else {
            return effects;
        };
        let offered = offered.clone();
        match timer {
            Timer::Connection { generation } if generation == routed.wait_generation => {
                for operator in offered {
                    if let Some(agent) = self.agents.get_mut(&operator) {
                        agent.offers.remove(&chat);
                    }
                    effects.push(Effect::Withdraw { chat, operator });
                }
                self.forget(chat);
                effects.push(Effect::TimedOut { chat });
                self.log(
                    &mut effects,
                    chat,
                    NoteKind::TimedOut,
                    None,
                    "nobody answered before the connection timeout",
                );
            }
            Timer::Offer { generation } if generation == routed.offer_generation => {
                for operator in offered {
                    self.drop_offer(
                        chat,
                        operator,
                        NoteKind::OfferExpired,
                        "the offer timed out",
                        &mut effects,
                    );
                }
            }
            Timer::Escalate { from, generation }
                if generation == routed.wait_generation && from == routed.rung =>
            {
                let request = routed.request;
                let next = match from {
                    Rung::Requested => Rung::Department,
                    _ => Rung::Fallback,
                };
                if let Some(rung) = self.first_served_rung(&request, next) {
                    for operator in offered {
                        self.drop_offer(
                            chat,
                            operator,
                            NoteKind::Withdrawn,
                            "escalated to the next rung",
                            &mut effects,
                        );
                    }
                    let routed = self.chats.get_mut(&chat).expect("read above");
                    routed.rung = rung;
                    if let Phase::Waiting { tried, .. } = &mut routed.phase {
                        tried.clear();
                    }
                    self.log(
                        &mut effects,
                        chat,
                        NoteKind::Escalated,
                        None,
                        &format!("now routed to {}", describe(rung)),
                    );
                    self.arm_rung(chat, &mut effects);
                    self.enqueue(chat);
                }
            }
            _ => {}
        }
        self.drain(&mut effects);
        effects
    }

    /// The chat ended (closed by either side); its operator's slot frees up.
    pub fn close(&mut self, chat: ChatId, now: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(routed) = self.chats.get(&chat) else {
            return effects;
        };
        match &routed.phase {
            Phase::Connected { operator, .. } => {
                let operator = *operator;
                self.note_handled(chat, now);
                if let Some(agent) = self.agents.get_mut(&operator) {
                    agent.open.remove(&chat);
                }
            }
            Phase::Waiting { offered, .. } => {
                for operator in offered.clone() {
                    if let Some(agent) = self.agents.get_mut(&operator) {
                        agent.offers.remove(&chat);
                    }
                    effects.push(Effect::Withdraw { chat, operator });
                }
            }
        }
        self.forget(chat);
        self.log(&mut effects, chat, NoteKind::Closed, None, "closed");
        self.drain(&mut effects);
        effects
    }

    /// Folds a connected spell's length into the running handling time.
    fn note_handled(&mut self, chat: ChatId, now: u64) {
        if let Some(Phase::Connected { since, .. }) = self.chats.get(&chat).map(|r| &r.phase) {
            let took = now.saturating_sub(*since) as f64;
            self.handling_ms = Some(match self.handling_ms {
                Some(avg) => avg + HANDLING_WEIGHT * (took - avg),
                None => took,
            });
        }
    }

    /// The chat (re-)enters waiting: fresh connection timer, its rung's timer, into the queue.
    fn wait_again(&mut self, chat: ChatId, class: u8, effects: &mut Vec<Effect>) {
        let connection_ms = self.policy.connection_timeout_ms;
        let Some(routed) = self.chats.get_mut(&chat) else {
            return;
        };
        routed.phase = waiting();
        routed.order.0 = class;
        routed.wait_generation += 1;
        routed.told_position = None;
        let generation = routed.wait_generation;
        effects.push(Effect::Arm {
            chat,
            timer: Timer::Connection { generation },
            after_ms: connection_ms,
        });
        self.arm_rung(chat, effects);
        self.enqueue(chat);
    }

    fn arm_rung(&self, chat: ChatId, effects: &mut Vec<Effect>) {
        let routed = &self.chats[&chat];
        if let Some(after_ms) = self.rung_ms(&routed.request, routed.rung) {
            let timer = Timer::Escalate {
                from: routed.rung,
                generation: routed.wait_generation,
            };
            effects.push(Effect::Arm {
                chat,
                timer,
                after_ms,
            });
        }
    }

    /// Removes `operator`'s offer of `chat` and moves the chat on: in single mode to the next
    /// operator who has not had it this round; in all mode it stays with the others, or goes
    /// back to the queue when nobody is left.
    fn drop_offer(
        &mut self,
        chat: ChatId,
        operator: AccountId,
        kind: NoteKind,
        why: &str,
        effects: &mut Vec<Effect>,
    ) {
        let Some(routed) = self.chats.get_mut(&chat) else {
            return;
        };
        let Phase::Waiting { offered, tried } = &mut routed.phase else {
            return;
        };
        if !offered.remove(&operator) {
            return;
        }
        tried.insert(operator);
        let now_empty = offered.is_empty();
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.offers.remove(&chat);
        }
        effects.push(Effect::Withdraw { chat, operator });
        self.log(effects, chat, kind, Some(operator), why);
        if now_empty {
            self.enqueue(chat);
        }
    }

    /// Puts a waiting chat into the queue at its place.
    fn enqueue(&mut self, chat: ChatId) {
        if self.queue.contains(&chat) {
            return;
        }
        let order = self.chats[&chat].order;
        let at = self.queue.partition_point(|c| self.chats[c].order < order);
        self.queue.insert(at, chat);
        self.joined = true;
    }

    /// Drops a chat from the router (it ended or timed out).
    fn forget(&mut self, chat: ChatId) {
        self.chats.remove(&chat);
        self.queue.retain(|c| *c != chat);
    }

    fn log(
        &self,
        effects: &mut Vec<Effect>,
        chat: ChatId,
        kind: NoteKind,
        operator: Option<AccountId>,
        detail: &str,
    ) {
        effects.push(Effect::Log {
            chat,
            note: Note {
                kind,
                operator,
                detail: detail.to_string(),
            },
        });
    }

    /// Walks the queue head first and offers every chat someone can take now, then tells
    /// the chats still waiting their new positions.
    ///
    /// The walk stops once no operator has a free slot (an offer reserves one): nobody could
    /// take the chats behind, so a queue of thousands costs a routing step the chats it
    /// offers, not one look at every operator for every queued chat.
    fn drain(&mut self, effects: &mut Vec<Effect>) {
        let mut index = 0;
        let mut room = self.anyone_has_room();
        while room && index < self.queue.len() {
            let chat = self.queue[index];
            if self.offer(chat, effects) {
                self.queue.remove(index);
                room = self.anyone_has_room();
            } else {
                index += 1;
            }
        }
        // A chat that joins the queue is told its place in the same step; the chats that
        // only moved up are told by `positions`, which the caller runs a few times a second,
        // so a burst of closes in a long queue is not one pass over the queue each.
        if self.joined {
            self.tell_positions(effects);
        } else {
            self.moved = true;
        }
    }

    /// Whether queued chats may have moved since their positions were last told.
    pub fn positions_moved(&self) -> bool {
        self.moved && !self.queue.is_empty()
    }

    /// Tells every queued chat whose position changed since it was last told.
    pub fn positions(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.tell_positions(&mut effects);
        effects
    }

    /// Whether any operator could be offered a chat now (online, connected, a free slot).
    fn anyone_has_room(&self) -> bool {
        self.agents
            .values()
            .any(|a| a.status == Status::Online && a.connected && a.load() < a.max_chats)
    }

    /// Offers a queued chat under the current distribution; false when nobody can take it.
    fn offer(&mut self, chat: ChatId, effects: &mut Vec<Effect>) -> bool {
        let routed = &self.chats[&chat];
        let target = self.target_of(routed);
        let Phase::Waiting { tried, .. } = &routed.phase else {
            return true;
        };
        // The operator who transferred the chat away gets it back only when nobody else can
        // take it.
        let avoid = routed.transferred_by.filter(|by| {
            self.agents
                .iter()
                .any(|(id, a)| id != by && can_take(*id, a, &target))
        });
        let eligible = || {
            self.agents
                .iter()
                .filter(|(id, a)| can_take(**id, a, &target) && Some(**id) != avoid)
                .map(|(id, a)| (*id, a))
        };
        let chosen: Vec<AccountId> = match self.policy.distribution {
            Distribution::All => eligible().map(|(id, _)| id).collect(),
            Distribution::Single => {
                let choose = |c: Vec<(AccountId, &Agent)>| match self.policy.fairness {
                    Fairness::LeastBusy => least_busy(c.into_iter()),
                    Fairness::RoundRobin => next_after(c.into_iter(), self.last_offered),
                };
                // Everyone not yet tried this round; when all were, a new round starts.
                choose(eligible().filter(|(id, _)| !tried.contains(id)).collect())
                    .or_else(|| choose(eligible().collect()))
                    .into_iter()
                    .collect()
            }
        };
        if chosen.is_empty() {
            return false;
        }
        let why = match (self.policy.distribution, self.policy.fairness) {
            (Distribution::All, _) => "all mode: every eligible operator",
            (Distribution::Single, Fairness::LeastBusy) => {
                "single mode: fewest open chats, then idle longest"
            }
            (Distribution::Single, Fairness::RoundRobin) => "single mode: round robin",
        };
        let single = self.policy.distribution == Distribution::Single;
        let routed = self.chats.get_mut(&chat).expect("the chat was read above");
        let Phase::Waiting { offered, tried } = &mut routed.phase else {
            return true;
        };
        if single && chosen.iter().all(|c| tried.contains(c)) {
            tried.clear();
        }
        for operator in &chosen {
            offered.insert(*operator);
        }
        routed.told_position = None;
        let offer_timeout_ms = self.policy.offer_timeout_ms;
        if single {
            routed.offer_generation += 1;
            let generation = routed.offer_generation;
            effects.push(Effect::Arm {
                chat,
                timer: Timer::Offer { generation },
                after_ms: offer_timeout_ms,
            });
            self.last_offered = chosen.first().copied();
        }
        for operator in chosen {
            if let Some(agent) = self.agents.get_mut(&operator) {
                agent.offers.insert(chat);
            }
            effects.push(Effect::Offer { chat, operator });
            self.log(effects, chat, NoteKind::Offered, Some(operator), why);
        }
        true
    }

    /// Emits [`Effect::Queued`] for every queued chat whose position changed.
    fn tell_positions(&mut self, effects: &mut Vec<Effect>) {
        self.joined = false;
        self.moved = false;
        // Per target: the position reached so far, and its seats (counted once a pass). A
        // company has a handful of targets, so a list beats hashing each queued chat's.
        let mut seen: Vec<(Request, usize, Option<u32>)> = Vec::new();
        for index in 0..self.queue.len() {
            let chat = self.queue[index];
            let routed = &self.chats[&chat];
            let (target, told) = (self.target_of(routed), routed.told_position);
            let at = match seen.iter().position(|(t, _, _)| *t == target) {
                Some(at) => at,
                None => {
                    seen.push((target, 0, None));
                    seen.len() - 1
                }
            };
            let (_, position, seats) = &mut seen[at];
            *position += 1;
            let position = *position;
            if told != Some(position) {
                let seats = *seats.get_or_insert_with(|| self.seats(&target));
                let wait_ms = self.wait_at(seats, position);
                self.chats
                    .get_mut(&chat)
                    .expect("queued chats are routed")
                    .told_position = Some(position);
                effects.push(Effect::Queued {
                    chat,
                    position,
                    wait_ms,
                });
                // The log records entering the queue; later moves are only told to the visitor.
                if told.is_none() {
                    self.log(
                        effects,
                        chat,
                        NoteKind::Queued,
                        None,
                        &format!("queued at position {position}"),
                    );
                }
            }
        }
    }
}

fn describe(rung: Rung) -> &'static str {
    match rung {
        Rung::Requested => "the operator asked for",
        Rung::Department => "the department",
        Rung::Fallback => "the fallback department",
    }
}
