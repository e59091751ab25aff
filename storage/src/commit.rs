//! Group commit: many acknowledged writes share one flush.
//!
//! An fsync costs about as much for one write as for a thousand, so writers do not flush.
//! Each write bumps the `written` counter *after* its sled operation and returns a
//! [`Ticket`] carrying the new count. One flusher thread per store sleeps on a condition
//! variable until some ticket is awaited beyond the `flushed` watermark. It then reads
//! `written` as its target, calls `db.flush()` once, and publishes `flushed = target`
//! through a `tokio::sync::watch` channel. Every write numbered up to the target finished
//! before that flush started, so the one flush covers all of them, and every writer that
//! queued up while the previous flush ran is woken by the next one.
//!
//! Under load a flush follows the last one at once, and an fsync on a fast disk takes a
//! fraction of a millisecond, so each would cover only a write or two and the flushes'
//! own cost (sled wakes its I/O threads for each) would dominate. So the flusher starts a
//! flush no sooner than `gap` after the previous one started: writes arriving meanwhile
//! share the next one. A write awaited when no flush ran for `gap` is flushed at once, so
//! the gap adds latency only while writes keep the flusher busy, and at most `gap`.
//!
//! [`Ticket::durable`] subscribes to the channel, then registers its number as wanted (so
//! the flusher only flushes when someone waits) and awaits the watermark. A failed flush is
//! published too: waiters whose writes it covered get [`Error::Flush`], and the next waiter
//! makes the flusher try again. With [`Durability::Relaxed`](crate::Durability::Relaxed)
//! tickets are ready at once and sled's own background flush covers the writes.
//!
//! The flusher ends when the last `Store` (and `Table`) drops: [`Commit`]'s `Drop` asks it
//! to stop, it flushes one last time, publishes `closed`, and is joined. A ticket still
//! waiting after that either was covered by the last flush or gets [`Error::Closed`].
//!
//! When the database is reopened after a full disk (see `slot`), the writes numbered above
//! the watermark were made on the old database and may be gone: their numbers are published
//! as lost, so their tickets get [`Error::DiskFull`] even once a flush of the new database
//! passes them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::replica::Receipt;
use crate::slot::{Health, Slot};
use crate::{Error, Result};

/// Proof of a write; `durable().await` returns once a flush covers it.
#[must_use = "a write is only acknowledged once `durable().await` returns"]
#[derive(Debug)]
pub struct Ticket {
    /// `None` when the write needs no waiting (relaxed durability, no-op writes).
    pending: Option<Pending>,
    /// The numbers of earlier writes joined with [`Ticket::and`]: the flush that covers the
    /// latest covers them (writes are numbered in order), but a reopen after a full disk may
    /// have lost one of them, which must fail the whole batch.
    earlier: Vec<u64>,
    /// Cluster mode: the shard logs' answers for these writes.
    replicated: Vec<Receipt>,
}

/// A write number and the commit state that will say when it is on disk.
#[derive(Debug)]
struct Pending {
    /// The value of `written` right after this write: a flush reaching it covers the write.
    number: u64,
    /// Shared with the flusher; never the store itself, so a ticket keeps no store alive.
    shared: Arc<Shared>,
}

impl Ticket {
    /// A ticket that is already durable, for writes that need no flush.
    pub fn ready() -> Ticket {
        Ticket {
            pending: None,
            earlier: Vec::new(),
            replicated: Vec::new(),
        }
    }

    /// This ticket, durable once the shard log holds the write too.
    pub(crate) fn replicated(mut self, receipt: Receipt) -> Ticket {
        self.replicated.push(receipt);
        self
    }

    /// One ticket for this write and a `later` one: durable once both are. Use it for a
    /// request that makes several writes, instead of dropping all tickets but the last.
    pub fn and(self, later: Ticket) -> Ticket {
        let mut earlier = self.earlier;
        earlier.extend(self.pending.map(|p| p.number));
        earlier.extend(later.earlier);
        let mut replicated = self.replicated;
        replicated.extend(later.replicated);
        match later.pending {
            Some(pending) => Ticket {
                pending: Some(pending),
                earlier,
                replicated,
            },
            // Relaxed durability: nothing to wait for on this disk, whatever came before.
            None => Ticket {
                pending: None,
                earlier: Vec::new(),
                replicated,
            },
        }
    }

    /// Waits until a flush covers this write (and every write joined to it), and in
    /// cluster mode until the shard logs hold them.
    pub async fn durable(self) -> Result<()> {
        let replicated = self.replicated;
        let local = Ticket {
            replicated: Vec::new(),
            ..self
        };
        local.flushed().await?;
        for receipt in replicated {
            receipt.settled().await.map_err(Error::Replication)?;
        }
        Ok(())
    }

    /// Waits until a flush covers this write (and every write joined to it).
    async fn flushed(self) -> Result<()> {
        let Some(Pending { number, shared }) = self.pending else {
            return Ok(());
        };
        let earlier = self.earlier;
        let lost_earlier = |p: &Progress| earlier.iter().any(|n| p.is_lost(*n));
        // Subscribe before registering the need, so no flush outcome can slip between.
        let mut progress = shared.progress.subscribe();
        let attempts_before = {
            let now = progress.borrow_and_update();
            if now.is_lost(number) || lost_earlier(&now) {
                return Err(Error::DiskFull);
            }
            if now.flushed >= number {
                return Ok(());
            }
            now.attempts
        };
        shared.want(number);
        let settled = progress
            .wait_for(|p| p.settles(number, attempts_before))
            .await
            .map_err(|_| Error::Closed)?;
        if lost_earlier(&settled) {
            return Err(Error::DiskFull);
        }
        settled.outcome(number, attempts_before)
    }
}

/// What the flusher has achieved, as published to waiting tickets.
#[derive(Clone, Debug, Default)]
struct Progress {
    /// Every write numbered up to this is on disk.
    flushed: u64,
    /// Flush attempts published so far, so a ticket ignores failures older than its wait.
    attempts: u64,
    /// The latest failed flush, if the latest attempt failed.
    failure: Option<Failure>,
    /// The flusher has stopped: nothing numbered above `flushed` will ever be flushed.
    closed: bool,
    /// Writes lost to a reopen after a full disk, as ranges `(above, up_to]`: made on the old
    /// database and never flushed there. One range per reopen, so the list stays tiny.
    lost: Vec<(u64, u64)>,
}

/// A flush that did not complete.
#[derive(Clone, Debug)]
struct Failure {
    /// The `attempts` count this failure was published with.
    attempt: u64,
    /// The write number the failed flush was meant to cover.
    target: u64,
    /// What went wrong, handed to every waiter the flush covered.
    cause: Cause,
}

/// Why a flush failed.
#[derive(Clone, Debug)]
enum Cause {
    /// The disk is full (or the database is being reopened after it was).
    DiskFull,
    /// Any other error sled reported.
    Sled(sled::Error),
}

impl Progress {
    /// Whether a ticket numbered `number`, which began waiting after `attempts_before`
    /// attempts, has its answer.
    fn settles(&self, number: u64, attempts_before: u64) -> bool {
        self.is_lost(number)
            || self.flushed >= number
            || self.closed
            || self.failed_for(number, attempts_before).is_some()
    }

    /// Whether write `number` was made on a database that has since been reopened, without
    /// a flush covering it first.
    fn is_lost(&self, number: u64) -> bool {
        self.lost
            .iter()
            .any(|&(above, up_to)| number > above && number <= up_to)
    }

    /// A failure published since the ticket began waiting that covered its write.
    fn failed_for(&self, number: u64, attempts_before: u64) -> Option<&Failure> {
        self.failure
            .as_ref()
            .filter(|f| f.attempt > attempts_before && f.target >= number)
    }

    /// The answer for a ticket once [`Progress::settles`] holds.
    fn outcome(&self, number: u64, attempts_before: u64) -> Result<()> {
        if self.is_lost(number) {
            Err(Error::DiskFull)
        } else if self.flushed >= number {
            Ok(())
        } else if let Some(failure) = self.failed_for(number, attempts_before) {
            Err(match &failure.cause {
                Cause::DiskFull => Error::DiskFull,
                Cause::Sled(error) => Error::Flush(error.clone()),
            })
        } else {
            Err(Error::Closed)
        }
    }
}

/// What the flusher is asked to do, guarded by [`Shared::demand`].
#[derive(Debug, Default)]
struct Demand {
    /// The highest ticket number being awaited.
    wanted: u64,
    /// The watermark as the flusher knows it, to compare with `wanted` under the lock.
    flushed: u64,
    /// The last store handle dropped: flush once more and stop.
    closing: bool,
}

/// State shared by the store, its tickets and the flusher thread.
#[derive(Debug)]
struct Shared {
    /// Writes completed so far; a ticket's number is this count right after its write.
    written: AtomicU64,
    /// What waiters want flushed, and whether to stop.
    demand: Mutex<Demand>,
    /// Wakes the flusher when `demand` changes.
    wake: Condvar,
    /// Flush outcomes, watched by waiting tickets.
    progress: watch::Sender<Progress>,
    /// `db.flush()` calls made so far, to show that writers share flushes.
    flushes: AtomicU64,
}

impl Shared {
    /// Locks the demand; a panic elsewhere cannot leave two counters and a flag inconsistent,
    /// so a poisoned lock is still good to use.
    fn demand(&self) -> MutexGuard<'_, Demand> {
        self.demand.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the flusher that write `number` is being awaited.
    fn want(&self, number: u64) {
        let mut demand = self.demand();
        if number > demand.wanted {
            demand.wanted = number;
            self.wake.notify_one();
        }
    }

    /// Flushes everything written so far and publishes the outcome. While the disk is full
    /// sled is not asked: it would only repeat its poisoned error.
    fn flush(self: &Arc<Self>, slot: &Arc<Slot>) -> Result<()> {
        // The target first: every write numbered up to it was made on the database fetched
        // next, or on one a reopen has since declared lost.
        let target = self.written.load(Ordering::SeqCst);
        let outcome = match slot.health() {
            Health::DiskFull => Err(Cause::DiskFull),
            _ => match slot.db() {
                Ok(db) => db.flush().map_err(|e| {
                    match slot.failed(e.clone(), &Handle(Arc::clone(self))) {
                        Error::DiskFull => Cause::DiskFull,
                        _ => Cause::Sled(e),
                    }
                }),
                Err(_) => Err(Cause::DiskFull),
            },
        };
        self.flushes.fetch_add(1, Ordering::Relaxed);
        let mut demand = self.demand();
        match outcome {
            Ok(_) => {
                demand.flushed = demand.flushed.max(target);
                let flushed = demand.flushed;
                self.progress.send_modify(|p| {
                    p.flushed = flushed;
                    p.attempts += 1;
                    p.failure = None;
                });
                Ok(())
            }
            Err(cause) => {
                tracing::warn!(?cause, target, "flush failed; waiting writes get an error");
                // Waiters up to `target` get the error; only later ones still want a flush.
                if demand.wanted <= target {
                    demand.wanted = demand.flushed;
                }
                let error = match &cause {
                    Cause::DiskFull => Error::DiskFull,
                    Cause::Sled(e) => Error::Flush(e.clone()),
                };
                self.progress.send_modify(|p| {
                    p.attempts += 1;
                    p.failure = Some(Failure {
                        attempt: p.attempts,
                        target,
                        cause,
                    });
                });
                Err(error)
            }
        }
    }
}

/// Group commit's shared state, for the recovery thread to declare writes lost.
#[derive(Clone, Debug)]
pub(crate) struct Handle(Arc<Shared>);

impl Handle {
    /// Declares every write made so far and not flushed lost: called by a reopen while it
    /// holds the database's write lock, so no write is between its sled call and its number.
    pub(crate) fn lose_unflushed(&self) {
        let written = self.0.written.load(Ordering::SeqCst);
        let flushed = self.0.demand().flushed;
        if written > flushed {
            tracing::warn!(
                writes = written - flushed,
                "writes made while the disk filled up were never flushed; their writers get an error"
            );
            self.0
                .progress
                .send_modify(|p| p.lost.push((flushed, written)));
        }
    }
}

/// The store's side of group commit: issues tickets and owns the flusher thread.
#[derive(Debug)]
pub(crate) struct Commit {
    /// State shared with tickets and the flusher.
    shared: Arc<Shared>,
    /// `false` under relaxed durability: tickets are then ready at once.
    strict: bool,
    /// The flusher, joined on drop after its final flush.
    flusher: Option<JoinHandle<()>>,
}

impl Commit {
    /// Starts the flusher thread for the database in `slot`.
    pub(crate) fn start(slot: Arc<Slot>, strict: bool, gap: Duration) -> std::io::Result<Commit> {
        let shared = Arc::new(Shared {
            written: AtomicU64::new(0),
            demand: Mutex::new(Demand::default()),
            wake: Condvar::new(),
            progress: watch::Sender::new(Progress::default()),
            flushes: AtomicU64::new(0),
        });
        let flusher = std::thread::Builder::new()
            .name("storage-flusher".to_owned())
            .spawn({
                let shared = Arc::clone(&shared);
                move || run_flusher(&shared, &slot, gap)
            })?;
        Ok(Commit {
            shared,
            strict,
            flusher: Some(flusher),
        })
    }

    /// Records that a write has completed in sled and returns its ticket.
    pub(crate) fn wrote(&self) -> Ticket {
        if !self.strict {
            return Ticket::ready();
        }
        let number = self.shared.written.fetch_add(1, Ordering::SeqCst) + 1;
        Ticket {
            pending: Some(Pending {
                number,
                shared: Arc::clone(&self.shared),
            }),
            earlier: Vec::new(),
            replicated: Vec::new(),
        }
    }

    /// Flushes now on the caller's thread; waiting tickets it covers are released too.
    pub(crate) fn flush_now(&self, slot: &Arc<Slot>) -> Result<()> {
        self.shared.flush(slot)
    }

    /// The shared state, for a slot that may have to declare writes lost.
    pub(crate) fn handle(&self) -> Handle {
        Handle(Arc::clone(&self.shared))
    }

    /// `db.flush()` calls made so far by the flusher and [`Commit::flush_now`].
    pub(crate) fn flush_count(&self) -> u64 {
        self.shared.flushes.load(Ordering::Relaxed)
    }
}

impl Drop for Commit {
    fn drop(&mut self) {
        self.shared.demand().closing = true;
        self.shared.wake.notify_one();
        if let Some(flusher) = self.flusher.take() {
            if flusher.join().is_err() {
                tracing::error!("the storage flusher thread panicked");
            }
        }
    }
}

/// The flusher thread: sleeps until a ticket waits beyond the watermark, flushes once for
/// everyone written so far, and repeats; on close it flushes a last time and stops.
fn run_flusher(shared: &Arc<Shared>, slot: &Arc<Slot>, gap: Duration) {
    let mut last_start: Option<Instant> = None;
    loop {
        let closing = {
            let mut demand = shared.demand();
            while demand.wanted <= demand.flushed && !demand.closing {
                demand = shared
                    .wake
                    .wait(demand)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            demand.closing
        };
        if let Some(wait) =
            last_start.and_then(|t| (t + gap).checked_duration_since(Instant::now()))
        {
            if !closing {
                std::thread::sleep(wait);
            }
        }
        last_start = Some(Instant::now());
        // A failure is already logged and handed to the waiters it concerns.
        let _ = shared.flush(slot);
        if closing {
            shared.progress.send_modify(|p| p.closed = true);
            return;
        }
    }
}

#[cfg(test)]
mod tests;
