//! Table tests of the routing rules.

use super::*;

const SECOND: u64 = 1000;

fn policy(distribution: Distribution) -> Policy {
    Policy::simple(distribution, 15 * SECOND, 60 * SECOND)
}

/// Brings operator `id` online with a terminal connected.
fn online(r: &mut Router, id: AccountId) -> Vec<Effect> {
    let mut effects = r.set_connected(id, true, 0);
    effects.extend(r.set_status(id, Status::Online, 0));
    effects
}

/// A router with operators 1..=n online, each with `max` chats and no departments.
fn router(distribution: Distribution, n: u64, max: u32) -> Router {
    let mut r = Router::new(policy(distribution));
    for id in 1..=n {
        r.upsert_agent(id, max, vec![]);
        online(&mut r, id);
    }
    r
}

fn offers(effects: &[Effect]) -> Vec<(ChatId, AccountId)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Offer { chat, operator } => Some((*chat, *operator)),
            _ => None,
        })
        .collect()
}

fn withdrawals(effects: &[Effect]) -> Vec<(ChatId, AccountId)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Withdraw { chat, operator } => Some((*chat, *operator)),
            _ => None,
        })
        .collect()
}

fn queued(effects: &[Effect]) -> Vec<(ChatId, usize)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Queued { chat, position, .. } => Some((*chat, *position)),
            _ => None,
        })
        .collect()
}

fn connection_timer(effects: &[Effect]) -> Timer {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Arm {
                timer: t @ Timer::Connection { .. },
                ..
            } => Some(*t),
            _ => None,
        })
        .expect("a connection timer was armed")
}

fn offer_timer(effects: &[Effect]) -> Timer {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Arm {
                timer: t @ Timer::Offer { .. },
                ..
            } => Some(*t),
            _ => None,
        })
        .expect("an offer timer was armed")
}

#[test]
fn nobody_online_sends_the_chat_offline_at_once() {
    let mut r = Router::new(policy(Distribution::Single));
    r.upsert_agent(1, 4, vec![]);
    assert_eq!(
        r.arrive(10, Request::default())[0],
        Effect::Offline { chat: 10 }
    );
    r.set_status(1, Status::Online, 0);
    assert_eq!(
        r.arrive(11, Request::default())[0],
        Effect::Offline { chat: 11 },
        "online without a terminal connected is not available"
    );
    online(&mut r, 1);
    r.set_status(1, Status::Away, 0);
    assert_eq!(
        r.arrive(12, Request::default())[0],
        Effect::Offline { chat: 12 }
    );
}

#[test]
fn a_requested_operator_is_the_only_one_offered_and_skipped_when_not_online() {
    let mut r = router(Distribution::All, 3, 4);
    let effects = r.arrive(
        10,
        Request {
            department: None,
            operator: Some(2),
        },
    );
    assert_eq!(offers(&effects), vec![(10, 2)]);
    r.set_status(3, Status::Offline, 0);
    let effects = r.arrive(
        11,
        Request {
            department: None,
            operator: Some(3),
        },
    );
    assert_eq!(
        offers(&effects),
        vec![(11, 1), (11, 2)],
        "the ladder skips to the department rung"
    );
}

#[test]
fn single_mode_offers_the_least_loaded_then_the_longest_idle() {
    let mut r = router(Distribution::Single, 3, 4);
    // Operator 1 holds a chat; 2 and 3 hold none; 3 has been idle longer than 2.
    let first = r.arrive(1, Request::default());
    assert_eq!(
        offers(&first),
        vec![(1, 1)],
        "ties go to the lowest id when nobody had a chat"
    );
    r.accept(1, 1, 100).unwrap();
    let second = r.arrive(2, Request::default());
    assert_eq!(offers(&second), vec![(2, 2)]);
    r.accept(2, 2, 200).unwrap();
    r.close(2, 0);
    // 2 and 3 both hold nothing now; 3 was never assigned, so it is idle longest.
    assert_eq!(offers(&r.arrive(3, Request::default())), vec![(3, 3)]);
}

#[test]
fn single_mode_moves_on_after_the_offer_timeout_and_cycles() {
    let mut r = router(Distribution::Single, 2, 4);
    let effects = r.arrive(10, Request::default());
    assert_eq!(offers(&effects), vec![(10, 1)]);
    let effects = r.timer(10, offer_timer(&effects));
    assert_eq!(withdrawals(&effects), vec![(10, 1)]);
    assert_eq!(offers(&effects), vec![(10, 2)]);
    let effects = r.timer(10, offer_timer(&effects));
    assert_eq!(
        offers(&effects),
        vec![(10, 1)],
        "after everyone was tried, a new round starts"
    );
}

#[test]
fn a_stale_offer_timer_changes_nothing() {
    let mut r = router(Distribution::Single, 2, 4);
    let stale = offer_timer(&r.arrive(10, Request::default()));
    r.decline(10, 1);
    assert!(r.timer(10, stale).is_empty());
}

#[test]
fn all_mode_first_accept_wins_and_the_others_are_withdrawn() {
    let mut r = router(Distribution::All, 3, 4);
    let effects = r.arrive(10, Request::default());
    assert_eq!(offers(&effects), vec![(10, 1), (10, 2), (10, 3)]);
    let effects = r.accept(10, 2, 5).unwrap();
    assert_eq!(withdrawals(&effects), vec![(10, 1), (10, 3)]);
    assert!(effects.contains(&Effect::Connected {
        chat: 10,
        operator: 2
    }));
    assert_eq!(r.accept(10, 1, 6), Err(Refused::Taken));
}

#[test]
fn accepting_a_chat_offered_to_someone_else_is_refused() {
    let mut r = router(Distribution::Single, 2, 4);
    r.arrive(10, Request::default());
    assert_eq!(r.accept(10, 2, 1), Err(Refused::NotOffered));
    assert_eq!(r.accept(99, 1, 1), Err(Refused::Taken));
}

#[test]
fn the_connection_timeout_withdraws_every_offer() {
    let mut r = router(Distribution::All, 2, 4);
    let timer = connection_timer(&r.arrive(10, Request::default()));
    let effects = r.timer(10, timer);
    assert_eq!(withdrawals(&effects), vec![(10, 1), (10, 2)]);
    assert!(effects.contains(&Effect::TimedOut { chat: 10 }));
    assert_eq!(r.agent(1).unwrap().load(), 0);
    assert!(r.timer(10, timer).is_empty(), "a chat times out once");
}

#[test]
fn departments_limit_who_is_offered() {
    let mut r = Router::new(policy(Distribution::All));
    r.upsert_agent(1, 4, vec![100]);
    r.upsert_agent(2, 4, vec![200]);
    r.upsert_agent(3, 4, vec![]);
    for id in 1..=3 {
        online(&mut r, id);
    }
    let effects = r.arrive(
        10,
        Request {
            department: Some(200),
            operator: None,
        },
    );
    assert_eq!(
        offers(&effects),
        vec![(10, 2), (10, 3)],
        "3 serves every department"
    );
}

#[test]
fn an_offer_reserves_a_slot_and_full_operators_queue_chats_in_order() {
    let mut r = router(Distribution::Single, 1, 1);
    assert_eq!(offers(&r.arrive(1, Request::default())), vec![(1, 1)]);
    let effects = r.arrive(2, Request::default());
    assert!(offers(&effects).is_empty());
    assert!(queued(&effects).contains(&(2, 1)));
    let effects = r.arrive(3, Request::default());
    assert!(queued(&effects).contains(&(3, 2)));
    r.accept(1, 1, 10).unwrap();
    let effects = r.close(1, 0);
    assert_eq!(
        offers(&effects),
        vec![(2, 1)],
        "the oldest waiting chat goes first"
    );
    assert!(queued(&effects).is_empty(), "moves are told by `positions`");
    assert!(r.positions_moved());
    assert_eq!(queued(&r.positions()), vec![(3, 1)]);
    assert!(!r.positions_moved());
    assert!(r.positions().is_empty(), "told once");
}

#[test]
fn going_away_withdraws_offers_and_moves_them_on() {
    let mut r = router(Distribution::Single, 2, 4);
    r.arrive(10, Request::default());
    let effects = r.set_status(1, Status::Away, 0);
    assert_eq!(withdrawals(&effects), vec![(10, 1)]);
    assert_eq!(offers(&effects), vec![(10, 2)]);
}

#[test]
fn an_operator_coming_online_takes_the_queue() {
    let mut r = router(Distribution::Single, 1, 1);
    r.arrive(1, Request::default());
    r.arrive(2, Request::default());
    r.upsert_agent(2, 1, vec![]);
    r.set_connected(2, true, 0);
    let effects = r.set_status(2, Status::Online, 0);
    assert_eq!(offers(&effects), vec![(2, 2)]);
    assert_eq!(r.queue_len(), 0);
}

fn request(department: Option<u64>, operator: Option<u64>) -> Request {
    Request {
        department,
        operator,
    }
}

fn escalate_timer(effects: &[Effect]) -> Timer {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Arm {
                timer: t @ Timer::Escalate { .. },
                ..
            } => Some(*t),
            _ => None,
        })
        .expect("a rung timer was armed")
}

#[test]
fn the_ladder_goes_requested_then_department_then_fallback() {
    let mut r = Router::new(Policy {
        fallback_department: Some(300),
        ..Policy::simple(Distribution::All, 15 * SECOND, 90 * SECOND)
    });
    r.upsert_agent(1, 4, vec![100]);
    r.upsert_agent(2, 4, vec![100]);
    r.upsert_agent(3, 4, vec![300]);
    for id in 1..=3 {
        online(&mut r, id);
    }
    let effects = r.arrive(10, request(Some(100), Some(1)));
    assert_eq!(
        offers(&effects),
        vec![(10, 1)],
        "rung 1: only the operator asked for"
    );
    let effects = r.timer(10, escalate_timer(&effects));
    assert_eq!(withdrawals(&effects), vec![(10, 1)]);
    assert_eq!(
        offers(&effects),
        vec![(10, 1), (10, 2)],
        "rung 2: the department"
    );
    let effects = r.timer(10, escalate_timer(&effects));
    assert_eq!(
        offers(&effects),
        vec![(10, 3)],
        "rung 3: the fallback department"
    );
    assert!(
        effects.iter().all(|e| !matches!(
            e,
            Effect::Arm {
                timer: Timer::Escalate { .. },
                ..
            }
        )),
        "the ladder ends"
    );
}

// Broke: a department transfer offered the chat straight back to the operator who
// transferred it, while another operator of that department was free.
#[test]
fn a_department_transfer_is_not_offered_back_to_the_transferring_operator() {
    let mut r = router(Distribution::Single, 2, 3);
    assert_eq!(offers(&r.arrive(1, Request::default())), vec![(1, 1)]);
    r.accept(1, 1, 0).unwrap();
    let effects = r.transfer(1, request(Some(10), None), SECOND).unwrap();
    assert_eq!(
        offers(&effects),
        vec![(1, 2)],
        "both are free and operator 1 would win the tie, but transferred it away"
    );
    // Alone in the department, the transferring operator does get it back.
    let mut r = router(Distribution::All, 1, 3);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    let effects = r.transfer(1, request(Some(10), None), SECOND).unwrap();
    assert_eq!(offers(&effects), vec![(1, 1)]);
}

#[test]
fn a_transfer_goes_to_the_head_of_the_new_targets_queue() {
    let mut r = router(Distribution::Single, 2, 1);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    r.arrive(2, Request::default());
    r.accept(2, 2, 0).unwrap();
    r.arrive(3, Request::default());
    assert_eq!(r.queued(), vec![3]);
    let effects = r.transfer(1, request(None, Some(2)), 5 * SECOND).unwrap();
    assert!(effects.contains(&Effect::Transferred {
        chat: 1,
        operator: 1
    }));
    assert_eq!(
        r.queued(),
        vec![1],
        "chat 3 took operator 1's freed seat; chat 1 waits for operator 2"
    );
    assert_eq!(offers(&effects), vec![(3, 1)]);
    let effects = r.close(2, 6 * SECOND);
    assert_eq!(
        offers(&effects),
        vec![(1, 2)],
        "the transferred chat goes first"
    );
    assert_eq!(
        r.transfer(99, request(None, Some(2)), 0),
        Err(Refused::Taken)
    );
    r.accept(1, 2, 7 * SECOND).unwrap();
    r.set_status(1, Status::Offline, 7 * SECOND);
    assert_eq!(
        r.transfer(1, request(None, Some(1)), 0),
        Err(Refused::NobodyServes)
    );
}

#[test]
fn losing_presence_requeues_open_chats_at_the_head() {
    let mut r = router(Distribution::Single, 2, 1);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    r.arrive(2, Request::default());
    r.accept(2, 2, 0).unwrap();
    r.arrive(3, Request::default());
    let effects = r.set_connected(1, false, SECOND);
    assert!(effects.contains(&Effect::Requeued {
        chat: 1,
        operator: 1
    }));
    assert_eq!(
        r.queued(),
        vec![1, 3],
        "the re-queued chat is ahead of older arrivals"
    );
    assert_eq!(r.agent(1).unwrap().load(), 0);
    let effects = online(&mut r, 1);
    assert_eq!(offers(&effects), vec![(1, 1)]);
}

#[test]
fn away_keeps_open_chats_offline_requeues_them() {
    let mut r = router(Distribution::Single, 2, 2);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    assert!(r.set_status(1, Status::Away, 0).is_empty());
    assert_eq!(r.agent(1).unwrap().open.len(), 1);
    let effects = r.set_status(1, Status::Offline, 0);
    assert!(effects.contains(&Effect::Requeued {
        chat: 1,
        operator: 1
    }));
    assert_eq!(offers(&effects), vec![(1, 2)]);
}

#[test]
fn round_robin_rotates_and_counts_open_chats_not_lifetime_chats() {
    let mut r = Router::new(Policy {
        fairness: Fairness::RoundRobin,
        ..policy(Distribution::Single)
    });
    for id in 1..=3 {
        r.upsert_agent(id, 4, vec![]);
        online(&mut r, id);
    }
    let picks: Vec<_> = (1..=4)
        .map(|chat| offers(&r.arrive(chat, Request::default()))[0].1)
        .collect();
    assert_eq!(picks, vec![1, 2, 3, 1]);
    let mut least = router(Distribution::Single, 2, 4);
    for chat in 1..=3 {
        let op = offers(&least.arrive(chat, Request::default()))[0].1;
        least.accept(chat, op, chat * SECOND).unwrap();
        if op == 1 {
            least.close(chat, chat * SECOND);
        }
    }
    // Operator 1 handled more chats in its lifetime but holds none now: it is least busy.
    assert_eq!(offers(&least.arrive(9, Request::default())), vec![(9, 1)]);
}

#[test]
fn a_full_queue_and_a_long_estimated_wait_send_visitors_offline() {
    let mut r = Router::new(Policy {
        max_queue: 1,
        ..policy(Distribution::Single)
    });
    r.upsert_agent(1, 1, vec![]);
    online(&mut r, 1);
    r.arrive(1, Request::default());
    assert_eq!(queued(&r.arrive(2, Request::default())), vec![(2, 1)]);
    assert_eq!(
        r.arrive(3, Request::default())[0],
        Effect::Offline { chat: 3 }
    );

    let mut r = Router::new(Policy {
        max_wait_ms: 60 * SECOND,
        ..policy(Distribution::Single)
    });
    r.upsert_agent(1, 1, vec![]);
    online(&mut r, 1);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    r.close(1, 100 * SECOND); // one chat took 100 s: the estimate is 100 s per place
    r.arrive(2, Request::default());
    r.accept(2, 1, 100 * SECOND).unwrap();
    let effects = r.arrive(3, Request::default());
    assert_eq!(
        effects[0],
        Effect::Offline { chat: 3 },
        "estimated 100 s is over the 60 s limit"
    );
}

#[test]
fn queued_visitors_learn_an_estimated_wait_from_handling_times() {
    let mut r = router(Distribution::Single, 1, 1);
    r.arrive(1, Request::default());
    r.accept(1, 1, 0).unwrap();
    r.close(1, 40 * SECOND);
    r.arrive(2, Request::default());
    let effects = r.arrive(3, Request::default());
    assert!(effects.contains(&Effect::Queued {
        chat: 3,
        position: 1,
        wait_ms: Some(40 * SECOND)
    }));
}

#[test]
fn every_decision_is_logged() {
    let mut r = router(Distribution::Single, 1, 4);
    let mut effects = r.arrive(1, Request::default());
    effects.extend(r.accept(1, 1, 0).unwrap());
    effects.extend(r.close(1, 0));
    let kinds: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Log { note, .. } => Some(note_name(note.kind)),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["arrived", "offered", "accepted", "closed"]);
}

#[test]
fn a_chat_waiting_at_a_restart_waits_for_operators_to_reconnect() {
    let mut r = Router::new(policy(Distribution::Single));
    r.upsert_agent(1, 2, vec![]);
    let effects = r.restore_waiting(7, Request::default());
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Offline { .. })),
        "nobody is back yet: it waits"
    );
    assert_eq!(r.queued(), vec![7]);
    assert_eq!(offers(&online(&mut r, 1)), vec![(7, 1)]);
}
