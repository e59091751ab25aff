//! Group commit against a real sled database on disk.

use std::sync::Arc;

use tokio::sync::Barrier;

use crate::testing::{note, Note};
use crate::{Config, Durability, Key, Store, Ticket};

/// Concurrent writers in the test, as in a burst of chat messages.
const WRITERS: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_share_flushes() {
    let store = Store::temporary().unwrap();
    let notes = store.table::<Note>().unwrap();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let notes = notes.clone();
            tokio::spawn(async move {
                let key = Key::new().u64(i);
                notes
                    .insert(key.as_ref(), &note("burst"))
                    .unwrap()
                    .durable()
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let flushes = store.flush_count();
    // Free-running, how many writers meet in one flush depends on scheduling (typically
    // 10 to 50); even on a loaded machine it stays far from one flush per write.
    assert!(
        flushes >= 1 && flushes * 2 < WRITERS,
        "{flushes} flushes for {WRITERS} writes"
    );
    assert_eq!(notes.len_prefix(&[]), WRITERS as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_that_all_wrote_before_anyone_waits_share_one_flush() {
    let store = Store::temporary().unwrap();
    let notes = store.table::<Note>().unwrap();
    let all_written = Arc::new(Barrier::new(WRITERS as usize));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let notes = notes.clone();
            let all_written = Arc::clone(&all_written);
            tokio::spawn(async move {
                let key = Key::new().u64(i);
                let ticket = notes.insert(key.as_ref(), &note("burst")).unwrap();
                all_written.wait().await;
                ticket.durable().await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.flush_count(), 1);
}

#[tokio::test]
async fn nothing_is_flushed_until_a_ticket_waits() {
    let store = Store::temporary().unwrap();
    let notes = store.table::<Note>().unwrap();
    let first = notes.insert(b"a", &note("a")).unwrap();
    let second = notes.insert(b"b", &note("b")).unwrap();
    assert_eq!(store.flush_count(), 0);
    second.durable().await.unwrap();
    let after_second = store.flush_count();
    assert_eq!(after_second, 1);
    // The flush for the later write covered the earlier one as well.
    first.durable().await.unwrap();
    assert_eq!(store.flush_count(), after_second);
}

#[tokio::test]
async fn flush_now_releases_waiting_tickets() {
    let store = Store::temporary().unwrap();
    let notes = store.table::<Note>().unwrap();
    let ticket = notes.insert(b"a", &note("a")).unwrap();
    store.flush_now().unwrap();
    let before = store.flush_count();
    ticket.durable().await.unwrap();
    assert_eq!(store.flush_count(), before);
}

#[tokio::test]
async fn relaxed_tickets_resolve_without_a_flush() {
    let store = Store::temporary_with(Config {
        durability: Durability::Relaxed,
        ..Config::default()
    })
    .unwrap();
    let notes = store.table::<Note>().unwrap();
    for i in 0..10u64 {
        let key = Key::new().u64(i);
        notes
            .insert(key.as_ref(), &note("x"))
            .unwrap()
            .durable()
            .await
            .unwrap();
    }
    assert_eq!(store.flush_count(), 0);
    Ticket::ready().durable().await.unwrap();
}

#[tokio::test]
async fn a_ticket_outliving_its_store_was_covered_by_the_last_flush() {
    let store = Store::temporary().unwrap();
    let notes = store.table::<Note>().unwrap();
    let ticket = notes.insert(b"a", &note("a")).unwrap();
    drop(notes);
    drop(store);
    ticket.durable().await.unwrap();
}

#[test]
fn a_failed_flush_answers_only_the_tickets_it_covered_since_they_began_waiting() {
    let failed = super::Progress {
        flushed: 3,
        attempts: 5,
        failure: Some(super::Failure {
            attempt: 5,
            target: 8,
            cause: super::Cause::Sled(sled::Error::Unsupported("disk gone".to_owned())),
        }),
        closed: false,
        lost: Vec::new(),
    };
    // Covered, waiting since before the failure: gets the flush error.
    assert!(failed.settles(7, 4));
    assert!(matches!(failed.outcome(7, 4), Err(crate::Error::Flush(_))));
    // Written after the failed flush started: keeps waiting for a retry.
    assert!(!failed.settles(9, 4));
    // Began waiting after the failure was published: keeps waiting for a retry.
    assert!(!failed.settles(7, 5));
    // Already flushed before the failure: fine.
    assert!(failed.outcome(2, 4).is_ok());
    // Once the store closes, anything still unflushed is answered with Closed.
    let closed = super::Progress {
        closed: true,
        ..failed.clone()
    };
    assert!(matches!(closed.outcome(9, 5), Err(crate::Error::Closed)));
}

/// A reopen after a full disk declares the unflushed writes of the old database lost: their
/// tickets fail even once a flush of the new database passes their numbers, and the writes
/// before and after are unaffected.
#[test]
fn writes_lost_to_a_reopen_fail_even_after_a_later_flush_passes_them() {
    let reopened = super::Progress {
        flushed: 20,
        attempts: 9,
        failure: None,
        closed: false,
        lost: vec![(3, 8)],
    };
    assert!(
        reopened.outcome(3, 0).is_ok(),
        "flushed before the disk filled"
    );
    for lost in 4..=8 {
        assert!(reopened.settles(lost, 9));
        assert!(matches!(
            reopened.outcome(lost, 9),
            Err(crate::Error::DiskFull)
        ));
    }
    assert!(
        reopened.outcome(9, 0).is_ok(),
        "written on the new database"
    );
}

// A request that writes twice must not be acknowledged on the strength of its last write
// alone: a reopen after a full disk can lose the first while the second, made on the new
// database, is flushed.
#[tokio::test]
async fn a_joined_ticket_fails_when_an_earlier_write_was_lost() {
    let (progress, _) = tokio::sync::watch::channel(super::Progress {
        flushed: 20,
        attempts: 9,
        failure: None,
        closed: false,
        lost: vec![(3, 8)],
    });
    let shared = Arc::new(super::Shared {
        written: 20.into(),
        demand: std::sync::Mutex::new(Default::default()),
        wake: std::sync::Condvar::new(),
        progress,
        flushes: 0.into(),
    });
    let ticket = |number| Ticket {
        pending: Some(super::Pending {
            number,
            shared: Arc::clone(&shared),
        }),
        earlier: Vec::new(),
        replicated: Vec::new(),
    };
    assert!(
        ticket(9).durable().await.is_ok(),
        "the later write alone is on disk"
    );
    assert!(matches!(
        ticket(5).and(ticket(9)).durable().await,
        Err(crate::Error::DiskFull)
    ));
    assert!(
        ticket(2).and(ticket(9)).durable().await.is_ok(),
        "both on disk"
    );
    assert!(Ticket::ready().and(ticket(12)).durable().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_made_within_the_gap_wait_for_it_and_share_the_next_flush() {
    let gap = std::time::Duration::from_millis(300);
    let store = Store::temporary_with(Config {
        flush_gap_us: gap.as_micros() as u64,
        ..Config::default()
    })
    .unwrap();
    let notes = store.table::<Note>().unwrap();
    let write = |i: u64| {
        notes
            .insert(Key::new().u64(i).as_ref(), &note("gap"))
            .unwrap()
    };
    let before = store.flush_count();
    let started = std::time::Instant::now();
    write(0).durable().await.unwrap();
    assert_eq!(store.flush_count(), before + 1);
    // Both written before either waits, within the gap of the first flush's start.
    let (a, b) = (write(1), write(2));
    let (a, b) = tokio::join!(a.durable(), b.durable());
    a.unwrap();
    b.unwrap();
    assert!(
        started.elapsed() >= gap,
        "the second flush ended {:?} after the first began, within the {gap:?} gap",
        started.elapsed()
    );
    assert_eq!(store.flush_count(), before + 2, "one flush for both");
}
