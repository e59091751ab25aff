//! The open loop: work is due at fixed times, whatever happened to the work before it.
//!
//! A closed loop (send, wait for the answer, send the next) slows down with the server and
//! so never measures the wait its users would see: the requests it did not send while one
//! was stuck are missing from the figures ("coordinated omission"). Here the n-th piece of
//! work is due at `start + n / rate`; a tick reached late is still fired, at once, carrying
//! its own due time, and every latency is measured from that due time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::metrics::{Latency, Metrics};

/// A fixed rate for a fixed time.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// When tick 0 is due.
    pub start: Instant,
    /// Between two ticks.
    pub interval: Duration,
    /// How many ticks there are.
    pub ticks: u64,
}

/// One piece of work: its number and when it is due.
#[derive(Clone, Copy, Debug)]
pub struct Tick {
    /// 0, 1, 2, ...
    pub n: u64,
    /// When it should be sent; its latency counts from here.
    pub due: Instant,
}

impl Schedule {
    /// `rate` ticks per second for `duration`, the first one now.
    pub fn new(rate: f64, duration: Duration) -> Schedule {
        let rate = rate.max(0.001);
        Schedule {
            start: Instant::now(),
            interval: Duration::from_secs_f64(1.0 / rate),
            ticks: (duration.as_secs_f64() * rate).round().max(1.0) as u64,
        }
    }

    /// When tick `n` is due.
    pub fn due(&self, n: u64) -> Instant {
        self.start + self.interval.mul_f64(n as f64)
    }

    /// Fires each tick in turn and starts `work` for it on its own task, never more than
    /// `max_in_flight` at once: a tick that finds them all busy is not sent and counts as a
    /// `backlog` error (the generator, not the server, would be measured past that point).
    /// After the last tick, waits up to `drain` for the work still in flight; returns how
    /// much was still running then.
    ///
    /// The ticks are timed by a thread of their own: the runtime's timer wakes a task up to
    /// a millisecond late, which would add up to a millisecond to every latency; a sleeping
    /// thread is woken within tens of microseconds. How late each tick was fired is recorded
    /// as [`Latency::Lag`], the generator's own health.
    pub async fn run<F, Fut>(
        self,
        metrics: &Arc<Metrics>,
        max_in_flight: usize,
        drain: Duration,
        work: F,
    ) -> usize
    where
        F: Fn(Tick) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let in_flight = Arc::new(Semaphore::new(max_in_flight));
        let runtime = tokio::runtime::Handle::current();
        let (done, finished) = tokio::sync::oneshot::channel();
        let (permits, metrics_) = (in_flight.clone(), metrics.clone());
        std::thread::spawn(move || {
            for n in 0..self.ticks {
                let due = self.due(n);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                metrics_.record(Latency::Lag, due);
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    metrics_.error_kind("backlog".into());
                    continue;
                };
                let job = work(Tick { n, due });
                runtime.spawn(async move {
                    job.await;
                    drop(permit);
                });
            }
            let _ = done.send(());
        });
        let _ = finished.await;
        // Wait for what is still in flight, as the permits come back.
        let all = tokio::time::timeout(drain, in_flight.acquire_many(max_in_flight as u32)).await;
        match all {
            Ok(_) => 0,
            Err(_) => max_in_flight - in_flight.available_permits(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_due_at_a_fixed_rate_from_the_start() {
        let schedule = Schedule::new(200.0, Duration::from_secs(3));
        assert_eq!(schedule.ticks, 600);
        assert_eq!(schedule.due(0), schedule.start);
        assert_eq!(schedule.due(200) - schedule.start, Duration::from_secs(1));
    }

    #[tokio::test]
    async fn every_tick_runs_once_with_its_own_due_time() {
        let metrics = Arc::new(Metrics::new());
        let schedule = Schedule::new(1000.0, Duration::from_millis(50));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let stuck = schedule
            .run(&metrics, 100, Duration::from_secs(5), move |tick| {
                let record = record.clone();
                async move {
                    record.lock().expect("no panics").push(tick);
                }
            })
            .await;
        assert_eq!(stuck, 0);
        let mut ticks = seen.lock().expect("no panics").clone();
        ticks.sort_by_key(|t| t.n);
        assert_eq!(ticks.len(), 50);
        for tick in &ticks {
            assert_eq!(tick.due, schedule.due(tick.n));
        }
    }
}
