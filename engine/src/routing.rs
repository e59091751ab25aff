//! Who is offered which chat: a pure state machine over the roster and the waiting chats.
//!
//! The tenant actor owns one [`Router`] and feeds it every event that can change a routing
//! decision (a chat arrives, an operator accepts or declines, a timer fires, a chat closes, an
//! operator's status or roster entry changes). Each call returns the [`Effect`]s to carry out:
//! offers and withdrawals to send, timers to arm, visitors to tell. Nothing here touches a
//! clock, a channel or the disk, so the rules are tested with tables and property tests.
//!
//! The rules (DESIGN.md section 4):
//! - nobody online who serves the chat (its department, or the operator it asked for) ->
//!   [`Effect::Offline`] at once;
//! - an operator is offered a chat only while online, in the chat's department and below
//!   `max_chats`, counting outstanding offers: an offer reserves a slot, so chats arriving
//!   together can never over-assign;
//! - single mode offers to one operator (fewest open chats and offers, then idle longest) and
//!   moves on after the offer timeout, cycling through everyone eligible until the connection
//!   timeout; all mode offers to every eligible operator and the first accept wins;
//! - a chat nobody can take yet waits in a queue kept in arrival order; whenever capacity
//!   frees, the queue is walked oldest first;
//! - the connection timeout withdraws every offer and sends the visitor to the offline form.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::model::{AccountId, ChatId, DepartmentId, Distribution, Status};

/// Routing settings of one company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Single or all.
    pub distribution: Distribution,
    /// How long one operator holds a single-mode offer, in ms.
    pub offer_timeout_ms: u64,
    /// How long a chat may wait before the offline form, in ms.
    pub connection_timeout_ms: u64,
}

/// What a chat asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Request {
    /// Department chosen on the welcome form.
    pub department: Option<DepartmentId>,
    /// Operator asked for with `operator=` (routing goes to them only).
    pub operator: Option<AccountId>,
}

/// What the router knows of one operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// Availability; only online operators get offers.
    pub status: Status,
    /// Most chats held at once, offers included.
    pub max_chats: u32,
    /// Departments served; empty serves all.
    pub departments: Vec<DepartmentId>,
    /// Chats the operator holds.
    pub open: BTreeSet<ChatId>,
    /// Chats offered to the operator and not yet answered; each reserves a slot.
    pub offers: BTreeSet<ChatId>,
    /// When the operator last got a chat (ms); the longest idle wins ties.
    pub last_assigned: u64,
}

impl Agent {
    /// A signed-out operator with no chats.
    pub fn new(max_chats: u32, departments: Vec<DepartmentId>) -> Self {
        Agent {
            status: Status::Offline,
            max_chats,
            departments,
            open: BTreeSet::new(),
            offers: BTreeSet::new(),
            last_assigned: 0,
        }
    }

    /// Chats held plus chats offered: what counts against `max_chats`.
    pub fn load(&self) -> u32 {
        (self.open.len() + self.offers.len()) as u32
    }
}

/// Whether `agent` (account `id`) answers chats like `request` at all, ignoring capacity.
pub fn serves(id: AccountId, agent: &Agent, request: &Request) -> bool {
    agent.status == Status::Online
        && request.operator.is_none_or(|wanted| wanted == id)
        && request
            .department
            .is_none_or(|d| agent.departments.is_empty() || agent.departments.contains(&d))
}

/// Whether `agent` may be offered a chat like `request` now.
pub fn can_take(id: AccountId, agent: &Agent, request: &Request) -> bool {
    serves(id, agent, request) && agent.load() < agent.max_chats
}

/// The operator a single-mode offer goes to: fewest chats (offers included), then idle
/// longest, then lowest id so the choice is deterministic.
pub fn pick<'a>(candidates: impl Iterator<Item = (AccountId, &'a Agent)>) -> Option<AccountId> {
    candidates
        .min_by_key(|(id, a)| (a.load(), a.last_assigned, *id))
        .map(|(id, _)| id)
}

/// The timers a chat can arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// A single-mode offer ran out; `generation` tells a stale timer from the live one.
    Offer {
        /// The offer generation the timer was armed for.
        generation: u64,
    },
    /// The chat waited as long as the company allows.
    Connection,
}

/// What the actor must carry out after a routing step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Tell `operator` about a chat they may accept.
    Offer {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// Tell `operator` an offer is gone.
    Withdraw {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// `operator` holds the chat now.
    Connected {
        /// The chat.
        chat: ChatId,
        /// The operator.
        operator: AccountId,
    },
    /// Nobody online serves this chat: offline form at once.
    Offline {
        /// The chat.
        chat: ChatId,
    },
    /// The connection timeout passed with nobody answering: offline form.
    TimedOut {
        /// The chat.
        chat: ChatId,
    },
    /// The chat waits in the queue at `position` (1 = next).
    Queued {
        /// The chat.
        chat: ChatId,
        /// 1-based place among chats waiting for the same department or operator.
        position: usize,
    },
    /// Call [`Router::timer`] with `timer` after `after_ms`.
    Arm {
        /// The chat.
        chat: ChatId,
        /// Which timer.
        timer: Timer,
        /// Delay in ms.
        after_ms: u64,
    },
}

/// Why an accept was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The chat is not waiting any more (someone else took it, or it ended).
    Taken,
    /// The chat is waiting but was not offered to this operator.
    NotOffered,
}

/// Where a routed chat stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Offered to `offered` (empty while queued); `tried` are this round's earlier offers.
    Waiting {
        offered: BTreeSet<AccountId>,
        tried: BTreeSet<AccountId>,
    },
    /// Held by an operator.
    Connected(AccountId),
}

/// A chat the router is responsible for (waiting or connected).
#[derive(Clone, Debug)]
struct Routed {
    /// What the chat asks for.
    request: Request,
    /// Arrival order, for the FIFO queue.
    arrival: u64,
    /// Offered, queued or connected.
    phase: Phase,
    /// Bumped on each single-mode offer, so an older offer timer is ignored.
    offer_generation: u64,
    /// Last queue position the visitor was told, to tell only changes.
    told_position: Option<usize>,
}

/// The routing state of one company.
#[derive(Clone, Debug)]
pub struct Router {
    /// Current settings.
    policy: Policy,
    /// Every operator who can take chats, by account id.
    agents: BTreeMap<AccountId, Agent>,
    /// Waiting and connected chats.
    chats: HashMap<ChatId, Routed>,
    /// Waiting chats with no outstanding offer, oldest first.
    queue: VecDeque<ChatId>,
    /// Next arrival number.
    arrivals: u64,
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

    /// Whether anyone online serves `request` (capacity aside).
    pub fn anyone_serves(&self, request: &Request) -> bool {
        self.agents.iter().any(|(id, a)| serves(*id, a, request))
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

    /// Removes an operator: offers are withdrawn and moved on; held chats are re-queued.
    pub fn remove_agent(&mut self, id: AccountId) -> Vec<Effect> {
        let mut effects = self.set_status(id, Status::Offline);
        if let Some(agent) = self.agents.remove(&id) {
            for chat in agent.open {
                if let Some(routed) = self.chats.get_mut(&chat) {
                    routed.phase = Phase::Waiting {
                        offered: BTreeSet::new(),
                        tried: BTreeSet::new(),
                    };
                    self.enqueue(chat);
                }
            }
            self.drain(&mut effects);
        }
        effects
    }

    /// Changes an operator's status. Leaving "online" withdraws their offers (the chats move
    /// on); coming online takes waiting chats.
    pub fn set_status(&mut self, id: AccountId, status: Status) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(agent) = self.agents.get_mut(&id) else {
            return effects;
        };
        agent.status = status;
        if status != Status::Online {
            let offers: Vec<ChatId> = agent.offers.iter().copied().collect();
            for chat in offers {
                self.drop_offer(chat, id, &mut effects);
            }
        }
        self.drain(&mut effects);
        effects
    }

    /// A new chat arrives. The first effect is [`Effect::Offline`] when nobody online serves it.
    pub fn arrive(&mut self, chat: ChatId, request: Request) -> Vec<Effect> {
        if !self.anyone_serves(&request) {
            return vec![Effect::Offline { chat }];
        }
        self.arrivals += 1;
        self.chats.insert(
            chat,
            Routed {
                request,
                arrival: self.arrivals,
                phase: Phase::Waiting {
                    offered: BTreeSet::new(),
                    tried: BTreeSet::new(),
                },
                offer_generation: 0,
                told_position: None,
            },
        );
        let mut effects = vec![Effect::Arm {
            chat,
            timer: Timer::Connection,
            after_ms: self.policy.connection_timeout_ms,
        }];
        self.queue.push_back(chat);
        self.drain(&mut effects);
        effects
    }

    /// Puts back a chat that was connected before a restart.
    pub fn restore_connected(&mut self, chat: ChatId, request: Request, operator: AccountId) {
        self.arrivals += 1;
        self.chats.insert(
            chat,
            Routed {
                request,
                arrival: self.arrivals,
                phase: Phase::Connected(operator),
                offer_generation: 0,
                told_position: None,
            },
        );
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
        routed.phase = Phase::Connected(operator);
        routed.offer_generation += 1;
        let mut effects = Vec::new();
        for other in others {
            if let Some(agent) = self.agents.get_mut(&other) {
                agent.offers.remove(&chat);
            }
            effects.push(Effect::Withdraw {
                chat,
                operator: other,
            });
        }
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.offers.remove(&chat);
            agent.open.insert(chat);
            agent.last_assigned = now;
        }
        effects.push(Effect::Connected { chat, operator });
        self.drain(&mut effects);
        Ok(effects)
    }

    /// `operator` turns an offer down; the chat moves on at once.
    pub fn decline(&mut self, chat: ChatId, operator: AccountId) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.drop_offer(chat, operator, &mut effects);
        self.drain(&mut effects);
        effects
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
        match timer {
            Timer::Connection => {
                for operator in offered.clone() {
                    if let Some(agent) = self.agents.get_mut(&operator) {
                        agent.offers.remove(&chat);
                    }
                    effects.push(Effect::Withdraw { chat, operator });
                }
                self.forget(chat);
                effects.push(Effect::TimedOut { chat });
            }
            Timer::Offer { generation } => {
                if generation != routed.offer_generation {
                    return effects;
                }
                for operator in offered.clone() {
                    self.drop_offer(chat, operator, &mut effects);
                }
            }
        }
        self.drain(&mut effects);
        effects
    }

    /// The chat ended (closed by either side); its operator's slot frees up.
    pub fn close(&mut self, chat: ChatId) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(routed) = self.chats.get(&chat) else {
            return effects;
        };
        match &routed.phase {
            Phase::Connected(operator) => {
                if let Some(agent) = self.agents.get_mut(operator) {
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
        self.drain(&mut effects);
        effects
    }

    /// Removes `operator`'s offer of `chat` and moves the chat on: in single mode to the next
    /// operator who has not had it this round; in all mode it stays with the others, or goes
    /// back to the queue when nobody is left.
    fn drop_offer(&mut self, chat: ChatId, operator: AccountId, effects: &mut Vec<Effect>) {
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
        if let Some(agent) = self.agents.get_mut(&operator) {
            agent.offers.remove(&chat);
        }
        effects.push(Effect::Withdraw { chat, operator });
        if offered.is_empty() {
            self.enqueue(chat);
        }
    }

    /// Puts a waiting chat into the queue at its arrival place.
    fn enqueue(&mut self, chat: ChatId) {
        let arrival = self.chats[&chat].arrival;
        let at = self
            .queue
            .partition_point(|c| self.chats[c].arrival < arrival);
        if self.queue.get(at) != Some(&chat) {
            self.queue.insert(at, chat);
        }
    }

    /// Drops a chat from the router (it ended or timed out).
    fn forget(&mut self, chat: ChatId) {
        self.chats.remove(&chat);
        self.queue.retain(|c| *c != chat);
    }

    /// Walks the queue oldest first and offers every chat someone can take now, then tells
    /// the chats still waiting their new positions.
    fn drain(&mut self, effects: &mut Vec<Effect>) {
        let mut index = 0;
        while index < self.queue.len() {
            let chat = self.queue[index];
            if self.offer(chat, effects) {
                self.queue.remove(index);
            } else {
                index += 1;
            }
        }
        self.tell_positions(effects);
    }

    /// Offers a queued chat under the current distribution; false when nobody can take it.
    fn offer(&mut self, chat: ChatId, effects: &mut Vec<Effect>) -> bool {
        let routed = &self.chats[&chat];
        let request = routed.request;
        let Phase::Waiting { tried, .. } = &routed.phase else {
            return true;
        };
        let chosen: Vec<AccountId> = match self.policy.distribution {
            Distribution::All => self
                .agents
                .iter()
                .filter(|(id, a)| can_take(**id, a, &request))
                .map(|(id, _)| *id)
                .collect(),
            Distribution::Single => {
                let eligible = || {
                    self.agents
                        .iter()
                        .filter(|(id, a)| can_take(**id, a, &request))
                };
                // Everyone not yet tried this round; when all were, a new round starts.
                pick(
                    eligible()
                        .filter(|(id, _)| !tried.contains(id))
                        .map(|(id, a)| (*id, a)),
                )
                .or_else(|| pick(eligible().map(|(id, a)| (*id, a))))
                .into_iter()
                .collect()
            }
        };
        if chosen.is_empty() {
            return false;
        }
        let routed = self.chats.get_mut(&chat).expect("the chat was read above");
        let Phase::Waiting { offered, tried } = &mut routed.phase else {
            return true;
        };
        if self.policy.distribution == Distribution::Single
            && chosen.iter().all(|c| tried.contains(c))
        {
            tried.clear();
        }
        for operator in &chosen {
            offered.insert(*operator);
            if let Some(agent) = self.agents.get_mut(operator) {
                agent.offers.insert(chat);
            }
            effects.push(Effect::Offer {
                chat,
                operator: *operator,
            });
        }
        routed.told_position = None;
        if self.policy.distribution == Distribution::Single {
            routed.offer_generation += 1;
            effects.push(Effect::Arm {
                chat,
                timer: Timer::Offer {
                    generation: routed.offer_generation,
                },
                after_ms: self.policy.offer_timeout_ms,
            });
        }
        true
    }

    /// Emits [`Effect::Queued`] for every queued chat whose position changed.
    fn tell_positions(&mut self, effects: &mut Vec<Effect>) {
        let mut seen: HashMap<Request, usize> = HashMap::new();
        for chat in &self.queue {
            let routed = self.chats.get_mut(chat).expect("queued chats are routed");
            let position = seen.entry(routed.request).or_default();
            *position += 1;
            if routed.told_position != Some(*position) {
                routed.told_position = Some(*position);
                effects.push(Effect::Queued {
                    chat: *chat,
                    position: *position,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;

#[cfg(test)]
impl Router {
    /// Every invariant the router promises, checked against its whole state.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (id, agent) in &self.agents {
            if agent.load() > agent.max_chats {
                return Err(format!("operator {id} holds {} with max {}", agent.load(), agent.max_chats));
            }
            for chat in &agent.offers {
                let routed = self.chats.get(chat).ok_or(format!("operator {id} offered unknown chat {chat}"))?;
                if !serves(*id, agent, &routed.request) {
                    return Err(format!("chat {chat} offered to operator {id} who does not serve it"));
                }
                match &routed.phase {
                    Phase::Waiting { offered, .. } if offered.contains(id) => {}
                    other => return Err(format!("operator {id} has an offer of {chat} which is {other:?}")),
                }
            }
            for chat in &agent.open {
                match self.chats.get(chat).map(|r| &r.phase) {
                    Some(Phase::Connected(op)) if op == id => {}
                    other => return Err(format!("operator {id} holds {chat} which is {other:?}")),
                }
            }
        }
        let mut last = 0;
        for chat in &self.queue {
            let routed = self.chats.get(chat).ok_or(format!("queued chat {chat} unknown"))?;
            if routed.arrival <= last {
                return Err(format!("queue out of arrival order at chat {chat}"));
            }
            last = routed.arrival;
            match &routed.phase {
                Phase::Waiting { offered, .. } if offered.is_empty() => {}
                other => return Err(format!("queued chat {chat} is {other:?}")),
            }
        }
        for (chat, routed) in &self.chats {
            match &routed.phase {
                Phase::Waiting { offered, .. } => {
                    let queued = self.queue.contains(chat);
                    if queued == !offered.is_empty() {
                        return Err(format!("waiting chat {chat}: queued {queued}, offered to {offered:?}"));
                    }
                    for op in offered {
                        if !self.agents.get(op).is_some_and(|a| a.offers.contains(chat)) {
                            return Err(format!("chat {chat} offered to {op} who does not know it"));
                        }
                    }
                }
                Phase::Connected(op) => {
                    if !self.agents.get(op).is_some_and(|a| a.open.contains(chat)) {
                        return Err(format!("chat {chat} connected to {op} who does not hold it"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether `chat` is still waiting (offered or queued).
    pub(crate) fn is_waiting(&self, chat: ChatId) -> bool {
        self.chats.get(&chat).is_some_and(|r| matches!(r.phase, Phase::Waiting { .. }))
    }
}
