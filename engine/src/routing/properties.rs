//! Property tests: random sequences of arrivals, accepts, declines, closes, status changes and
//! clock ticks against the router, checking every invariant after every step.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

/// Operators in a generated company.
const OPERATORS: u64 = 4;

#[derive(Clone, Debug)]
enum Step {
    Arrive {
        department: Option<u64>,
        operator: Option<u64>,
    },
    Accept {
        chat: usize,
        operator: u64,
    },
    Decline {
        chat: usize,
        operator: u64,
    },
    Close {
        chat: usize,
    },
    Status {
        operator: u64,
        status: Status,
    },
    Presence {
        operator: u64,
        connected: bool,
    },
    Transfer {
        chat: usize,
        department: Option<u64>,
        operator: Option<u64>,
    },
    Tick {
        ms: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let op = 1..=OPERATORS;
    let status = prop_oneof![
        Just(Status::Online),
        Just(Status::Away),
        Just(Status::Offline)
    ];
    prop_oneof![
        4 => (prop::option::of(1u64..=2), prop::option::weighted(0.2, 1..=OPERATORS))
            .prop_map(|(department, operator)| Step::Arrive { department, operator }),
        4 => (0usize..64, op.clone()).prop_map(|(chat, operator)| Step::Accept { chat, operator }),
        1 => (0usize..64, op.clone()).prop_map(|(chat, operator)| Step::Decline { chat, operator }),
        2 => (0usize..64).prop_map(|chat| Step::Close { chat }),
        2 => (op.clone(), status).prop_map(|(operator, status)| Step::Status { operator, status }),
        1 => (op.clone(), any::<bool>()).prop_map(|(operator, connected)| Step::Presence { operator, connected }),
        1 => (0usize..64, prop::option::of(1u64..=2), prop::option::of(op))
            .prop_map(|(chat, department, operator)| Step::Transfer { chat, department, operator }),
        3 => (1u64..20_000).prop_map(|ms| Step::Tick { ms }),
    ]
}

/// A generated company: distribution, fairness, fallback department, and per operator its
/// `max_chats` and departments.
type Company = (Distribution, Fairness, Option<u64>, Vec<(u32, Vec<u64>)>);

fn company() -> impl Strategy<Value = Company> {
    let distribution = prop_oneof![Just(Distribution::Single), Just(Distribution::All)];
    let fairness = prop_oneof![Just(Fairness::LeastBusy), Just(Fairness::RoundRobin)];
    let departments = prop_oneof![Just(vec![]), Just(vec![1]), Just(vec![2]), Just(vec![1, 2])];
    let fallback = prop::option::of(1u64..=2);
    (
        distribution,
        fairness,
        fallback,
        prop::collection::vec((1u32..=3, departments), OPERATORS as usize),
    )
}

/// The router plus the clock and the timers its effects armed.
struct World {
    router: Router,
    now: u64,
    timers: BTreeMap<(u64, u64), (ChatId, Timer)>,
    armed: u64,
    /// When each chat last (re-)entered waiting.
    waiting_since: BTreeMap<ChatId, u64>,
    chats: Vec<ChatId>,
}

impl World {
    fn absorb(&mut self, effects: Vec<Effect>) -> Result<(), TestCaseError> {
        for effect in effects {
            if let Effect::Arm {
                chat,
                timer,
                after_ms,
            } = effect
            {
                self.armed += 1;
                self.timers
                    .insert((self.now + after_ms, self.armed), (chat, timer));
            }
            if let Effect::Offer { operator, .. } = effect {
                let agent = self
                    .router
                    .agent(operator)
                    .expect("offers go to known operators");
                prop_assert_eq!(
                    agent.status,
                    Status::Online,
                    "offer to an operator not online"
                );
                prop_assert!(agent.connected, "offer to an operator with no terminal");
            }
            if let Effect::Requeued { chat, .. } | Effect::Transferred { chat, .. } = effect {
                self.waiting_since.insert(chat, self.now);
            }
        }
        Ok(())
    }
}

/// The `i`-th chat offered to `operator`, if they have offers.
fn offered(world: &World, operator: u64, i: usize) -> Option<ChatId> {
    let offers = &world.router.agent(operator)?.offers;
    offers.iter().nth(i % offers.len().max(1)).copied()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold_after_every_step(
        (distribution, fairness, fallback_department, roster) in company(),
        steps in prop::collection::vec(step(), 1..150),
    ) {
        let policy = Policy {
            fairness,
            fallback_department,
            requested_operator_ms: 8_000,
            department_ms: 12_000,
            ..Policy::simple(distribution, 5_000, 30_000)
        };
        let mut world = World {
            router: Router::new(policy),
            now: 0,
            timers: BTreeMap::new(),
            armed: 0,
            waiting_since: BTreeMap::new(),
            chats: Vec::new(),
        };
        for (i, (max, departments)) in roster.into_iter().enumerate() {
            let id = i as u64 + 1;
            let effects = world.router.upsert_agent(id, max, departments);
            world.absorb(effects)?;
            let effects = world.router.set_connected(id, true, 0);
            world.absorb(effects)?;
        }
        for step in steps {
            let pick = |w: &World, i: usize| w.chats.get(i % w.chats.len().max(1)).copied();
            let effects = match step {
                Step::Arrive { department, operator } => {
                    let chat = world.chats.len() as ChatId + 1;
                    world.chats.push(chat);
                    world.waiting_since.insert(chat, world.now);
                    world.router.arrive(chat, Request { department, operator })
                }
                // Mostly answer a real offer; otherwise any chat (which must be refused or
                // change nothing).
                Step::Accept { chat, operator } => match offered(&world, operator, chat).or(pick(&world, chat)) {
                    Some(chat) => world.router.accept(chat, operator, world.now).unwrap_or_default(),
                    None => vec![],
                },
                Step::Decline { chat, operator } => match offered(&world, operator, chat).or(pick(&world, chat)) {
                    Some(chat) => world.router.decline(chat, operator),
                    None => vec![],
                },
                Step::Close { chat } => match pick(&world, chat) {
                    Some(chat) => world.router.close(chat, world.now),
                    None => vec![],
                },
                Step::Status { operator, status } => world.router.set_status(operator, status, world.now),
                Step::Presence { operator, connected } => world.router.set_connected(operator, connected, world.now),
                Step::Transfer { chat, department, operator } => match pick(&world, chat) {
                    Some(chat) => world.router.transfer(chat, Request { department, operator }, world.now).unwrap_or_default(),
                    None => vec![],
                },
                Step::Tick { ms } => {
                    world.now += ms;
                    let effects = vec![];
                    while let Some((&(at, n), _)) = world.timers.first_key_value() {
                        if at > world.now {
                            break;
                        }
                        let (chat, timer) = world.timers.remove(&(at, n)).expect("just seen");
                        let fired = world.router.timer(chat, timer);
                        world.absorb(fired)?;
                    }
                    effects
                }
            };
            world.absorb(effects)?;
            if let Err(broken) = world.router.check() {
                return Err(TestCaseError::fail(broken));
            }
            for (chat, since) in &world.waiting_since {
                if world.router.is_waiting(*chat) {
                    prop_assert!(world.now < since + 30_000, "chat {} waits past the connection timeout", chat);
                }
            }
        }
    }
}
