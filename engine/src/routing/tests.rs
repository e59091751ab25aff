//! Table tests of the routing rules.

use super::*;

const SECOND: u64 = 1000;

fn policy(distribution: Distribution) -> Policy {
    Policy {
        distribution,
        offer_timeout_ms: 15 * SECOND,
        connection_timeout_ms: 60 * SECOND,
    }
}

/// A router with operators 1..=n online, each with `max` chats and no departments.
fn router(distribution: Distribution, n: u64, max: u32) -> Router {
    let mut r = Router::new(policy(distribution));
    for id in 1..=n {
        r.upsert_agent(id, max, vec![]);
        r.set_status(id, Status::Online);
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
        r.arrive(10, Request::default()),
        vec![Effect::Offline { chat: 10 }]
    );
    r.set_status(1, Status::Away);
    assert_eq!(
        r.arrive(11, Request::default()),
        vec![Effect::Offline { chat: 11 }]
    );
}

#[test]
fn a_requested_operator_is_the_only_one_offered_and_offline_when_not_online() {
    let mut r = router(Distribution::All, 3, 4);
    let effects = r.arrive(
        10,
        Request {
            department: None,
            operator: Some(2),
        },
    );
    assert_eq!(offers(&effects), vec![(10, 2)]);
    r.set_status(3, Status::Offline);
    assert_eq!(
        r.arrive(
            11,
            Request {
                department: None,
                operator: Some(3)
            }
        ),
        vec![Effect::Offline { chat: 11 }]
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
    r.close(2);
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
    r.arrive(10, Request::default());
    let effects = r.timer(10, Timer::Connection);
    assert_eq!(withdrawals(&effects), vec![(10, 1), (10, 2)]);
    assert!(effects.contains(&Effect::TimedOut { chat: 10 }));
    assert_eq!(r.agent(1).unwrap().load(), 0);
    assert!(
        r.timer(10, Timer::Connection).is_empty(),
        "a chat times out once"
    );
}

#[test]
fn departments_limit_who_is_offered() {
    let mut r = Router::new(policy(Distribution::All));
    r.upsert_agent(1, 4, vec![100]);
    r.upsert_agent(2, 4, vec![200]);
    r.upsert_agent(3, 4, vec![]);
    for id in 1..=3 {
        r.set_status(id, Status::Online);
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
    assert!(effects.contains(&Effect::Queued {
        chat: 2,
        position: 1
    }));
    let effects = r.arrive(3, Request::default());
    assert!(effects.contains(&Effect::Queued {
        chat: 3,
        position: 2
    }));
    r.accept(1, 1, 10).unwrap();
    let effects = r.close(1);
    assert_eq!(
        offers(&effects),
        vec![(2, 1)],
        "the oldest waiting chat goes first"
    );
    assert!(effects.contains(&Effect::Queued {
        chat: 3,
        position: 1
    }));
}

#[test]
fn going_away_withdraws_offers_and_moves_them_on() {
    let mut r = router(Distribution::Single, 2, 4);
    r.arrive(10, Request::default());
    let effects = r.set_status(1, Status::Away);
    assert_eq!(withdrawals(&effects), vec![(10, 1)]);
    assert_eq!(offers(&effects), vec![(10, 2)]);
}

#[test]
fn an_operator_coming_online_takes_the_queue() {
    let mut r = router(Distribution::Single, 1, 1);
    r.arrive(1, Request::default());
    r.arrive(2, Request::default());
    r.upsert_agent(2, 1, vec![]);
    let effects = r.set_status(2, Status::Online);
    assert_eq!(offers(&effects), vec![(2, 2)]);
    assert_eq!(r.queue_len(), 0);
}
