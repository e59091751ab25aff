//! What a run measures: latency histograms (whole run and per second), counters, errors by
//! kind, and the ledgers that match what was sent with what arrived on the other side.
//!
//! Every latency is taken from the moment the work was *due* (its place in the schedule), not
//! from when it was sent: a generator that fell behind, or a server that stalled it, shows up
//! as latency instead of disappearing from the figures.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::clients::Failure;

/// Latencies are kept in microseconds up to this bound; longer ones count as the bound.
const MAX_MICROS: u64 = 120_000_000;

/// A latency the run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Latency {
    /// `GET /healthz`, the baseline.
    Baseline,
    /// A visitor's message: due -> on the operator's event stream.
    Message,
    /// A visitor's message: due -> `201` (durable).
    Ack,
    /// An operator's reply: sent -> on the visitor's event stream.
    Reply,
    /// A chat: due (or sent) -> `offer` on an operator's event stream.
    Routing,
    /// A page view: due -> `200`.
    PageView,
    /// A page view: due -> the `visitor` event on an operator's stream.
    PageViewSeen,
    /// A tick: due -> fired. The generator's own lateness, not the server's.
    Lag,
}

impl Latency {
    /// The name used in tables, JSON and charts.
    pub fn name(self) -> &'static str {
        match self {
            Latency::Baseline => "baseline",
            Latency::Message => "message",
            Latency::Ack => "ack",
            Latency::Reply => "reply",
            Latency::Routing => "routing",
            Latency::PageView => "page_view",
            Latency::PageViewSeen => "page_view_seen",
            Latency::Lag => "lag",
        }
    }

    /// What it measures, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Latency::Baseline => "GET /healthz -> 200",
            Latency::Message => "message due -> operator's stream",
            Latency::Ack => "message due -> 201 (durable)",
            Latency::Reply => "operator reply -> visitor's stream",
            Latency::Routing => "chat start -> offer",
            Latency::PageView => "page view due -> 200",
            Latency::PageViewSeen => "page view due -> operator's stream",
            Latency::Lag => "generator: tick due -> fired",
        }
    }
}

/// A count the run keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Count {
    /// Requests the baseline sent and got a `200` for.
    BaselineOk,
    /// Chats started (`201`).
    ChatsStarted,
    /// Chats an operator accepted.
    Accepted,
    /// Chats an operator closed.
    Closed,
    /// Messages sent by visitors.
    MessagesSent,
    /// Messages answered `201`.
    MessagesAcked,
    /// Messages seen on the other side's stream.
    MessagesSeen,
    /// Replies sent by operators and answered `201`.
    RepliesAcked,
    /// Page views answered `200`.
    PageViews,
    /// Events read off tracking streams.
    TrackingEvents,
    /// Event streams that ended under the client and were resumed.
    Resumes,
    /// `reset` events: the server no longer held what the client missed.
    Resets,
    /// Deliveries seen a second time.
    Duplicates,
    /// Chats answered `offline` (nobody to route to).
    Offline,
    /// An operator found holding more chats than its `max_chats`.
    LimitViolations,
}

impl Count {
    /// The name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Count::BaselineOk => "baseline_ok",
            Count::ChatsStarted => "chats_started",
            Count::Accepted => "accepted",
            Count::Closed => "closed",
            Count::MessagesSent => "messages_sent",
            Count::MessagesAcked => "messages_acked",
            Count::MessagesSeen => "messages_seen",
            Count::RepliesAcked => "replies_acked",
            Count::PageViews => "page_views",
            Count::TrackingEvents => "tracking_events",
            Count::Resumes => "stream_resumes",
            Count::Resets => "stream_resets",
            Count::Duplicates => "duplicates",
            Count::Offline => "offline_chats",
            Count::LimitViolations => "limit_violations",
        }
    }
}

/// One latency: the whole run, and each second of it.
struct Series {
    total: Histogram<u64>,
    per_second: Vec<Histogram<u64>>,
}

impl Series {
    fn new() -> Series {
        Series {
            total: histogram(3),
            per_second: Vec::new(),
        }
    }
}

fn histogram(sigfig: u8) -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, sigfig).expect("valid histogram bounds")
}

/// Sent work waiting to be seen on the other side.
#[derive(Debug)]
struct Pending {
    due: Instant,
    acked: bool,
    seen: bool,
}

/// What one kind of delivery still waits for, keyed by a text unique in the run.
#[derive(Default)]
struct Ledger {
    pending: HashMap<String, Pending>,
    /// Keys both acknowledged and seen: a second sighting is a duplicate.
    done: HashSet<String>,
}

/// Everything one phase of a run measures. Shared by every task of the phase.
pub struct Metrics {
    /// When the phase began; per-second figures count from here.
    start: Mutex<Instant>,
    series: Mutex<BTreeMap<Latency, Series>>,
    counts: Mutex<BTreeMap<Count, u64>>,
    /// When each count last grew.
    last: Mutex<BTreeMap<Count, Instant>>,
    errors: Mutex<BTreeMap<String, u64>>,
    ledgers: Mutex<HashMap<Latency, Ledger>>,
}

impl Metrics {
    /// A phase starting now.
    pub fn new() -> Metrics {
        Metrics {
            start: Mutex::new(Instant::now()),
            series: Mutex::default(),
            counts: Mutex::default(),
            last: Mutex::default(),
            errors: Mutex::default(),
            ledgers: Mutex::default(),
        }
    }

    /// Records a latency that ended now.
    pub fn record(&self, latency: Latency, due: Instant) {
        self.record_at(latency, due, Instant::now());
    }

    /// Records a latency from `due` to `at`.
    pub fn record_at(&self, latency: Latency, due: Instant, at: Instant) {
        let micros = (at.saturating_duration_since(due).as_micros() as u64).clamp(1, MAX_MICROS);
        let second = at.saturating_duration_since(self.start()).as_secs() as usize;
        let mut series = self.series.lock().expect("no panics under this lock");
        let series = series.entry(latency).or_insert_with(Series::new);
        series.total.saturating_record(micros);
        while series.per_second.len() <= second {
            series.per_second.push(histogram(2));
        }
        series.per_second[second].saturating_record(micros);
    }

    /// Adds `n` to a count.
    pub fn count(&self, count: Count, n: u64) {
        self.last
            .lock()
            .expect("no panics under this lock")
            .insert(count, Instant::now());
        *self
            .counts
            .lock()
            .expect("no panics under this lock")
            .entry(count)
            .or_default() += n;
    }

    /// A count so far.
    pub fn get(&self, count: Count) -> u64 {
        self.counts
            .lock()
            .expect("no panics under this lock")
            .get(&count)
            .copied()
            .unwrap_or(0)
    }

    /// A count per second: from the phase's start to when it last grew.
    pub fn rate(&self, count: Count) -> f64 {
        let last = self
            .last
            .lock()
            .expect("no panics under this lock")
            .get(&count)
            .copied();
        match last {
            Some(last) => {
                let secs = last.saturating_duration_since(self.start()).as_secs_f64();
                self.get(count) as f64 / secs.max(1e-3)
            }
            None => 0.0,
        }
    }

    /// Counts a failed request under its kind.
    pub fn error(&self, failure: &Failure) {
        self.error_kind(failure.kind());
    }

    /// Counts an error under a kind of the generator's own (`backlog`, `wait`).
    pub fn error_kind(&self, kind: String) {
        *self
            .errors
            .lock()
            .expect("no panics under this lock")
            .entry(kind)
            .or_default() += 1;
    }

    /// The errors so far, by kind.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.errors
            .lock()
            .expect("no panics under this lock")
            .clone()
    }

    /// A latency's whole-run histogram, if anything was recorded.
    pub fn histogram(&self, latency: Latency) -> Option<Histogram<u64>> {
        let series = self.series.lock().expect("no panics under this lock");
        series.get(&latency).map(|s| s.total.clone())
    }

    /// A latency's per-second histograms.
    pub fn per_second(&self, latency: Latency) -> Vec<Histogram<u64>> {
        let series = self.series.lock().expect("no panics under this lock");
        series
            .get(&latency)
            .map(|s| s.per_second.clone())
            .unwrap_or_default()
    }

    /// The latencies recorded so far.
    pub fn latencies(&self) -> Vec<Latency> {
        let series = self.series.lock().expect("no panics under this lock");
        series.keys().copied().collect()
    }

    /// A latency's value at quantile `q` in ms, if anything was recorded.
    pub fn quantile_ms(&self, latency: Latency, q: f64) -> Option<f64> {
        let series = self.series.lock().expect("no panics under this lock");
        series
            .get(&latency)
            .filter(|s| !s.total.is_empty())
            .map(|s| s.total.value_at_quantile(q) as f64 / 1000.0)
    }

    /// `key` is about to be sent; it is due at `due`.
    pub fn expect(&self, latency: Latency, key: &str, due: Instant) {
        let mut ledgers = self.ledgers.lock().expect("no panics under this lock");
        ledgers.entry(latency).or_default().pending.insert(
            key.to_string(),
            Pending {
                due,
                acked: false,
                seen: false,
            },
        );
    }

    /// The server acknowledged `key`: from now on, not seeing it is a loss.
    pub fn acked(&self, latency: Latency, key: &str) {
        let mut ledgers = self.ledgers.lock().expect("no panics under this lock");
        let ledger = ledgers.entry(latency).or_default();
        if let Some(pending) = ledger.pending.get_mut(key) {
            pending.acked = true;
            if pending.seen {
                ledger.pending.remove(key);
                ledger.done.insert(key.to_string());
            }
        }
    }

    /// Sending `key` failed: it is an error, not a loss.
    pub fn failed(&self, latency: Latency, key: &str) {
        let mut ledgers = self.ledgers.lock().expect("no panics under this lock");
        if let Some(ledger) = ledgers.get_mut(&latency) {
            ledger.pending.remove(key);
        }
    }

    /// `key` arrived at `at`: records its latency the first time, counts a duplicate after.
    /// Returns whether it was expected and seen for the first time.
    pub fn seen(&self, latency: Latency, key: &str, at: Instant) -> bool {
        self.arrived(latency, key, at, true)
    }

    /// Like [`Metrics::seen`], for deliveries that repeat by design (a visitor update lists
    /// the visitor's latest pages): a second sighting is no duplicate.
    pub fn seen_again_ok(&self, latency: Latency, key: &str, at: Instant) -> bool {
        self.arrived(latency, key, at, false)
    }

    fn arrived(&self, latency: Latency, key: &str, at: Instant, unique: bool) -> bool {
        let due = {
            let mut ledgers = self.ledgers.lock().expect("no panics under this lock");
            let ledger = ledgers.entry(latency).or_default();
            match ledger.pending.get_mut(key) {
                Some(pending) if !pending.seen => {
                    pending.seen = true;
                    let due = pending.due;
                    if pending.acked {
                        ledger.pending.remove(key);
                        ledger.done.insert(key.to_string());
                    }
                    Some(due)
                }
                Some(_) => None,
                None if ledger.done.contains(key) => None,
                None => return false,
            }
        };
        match due {
            Some(due) => {
                self.record_at(latency, due, at);
                true
            }
            None => {
                if unique {
                    self.count(Count::Duplicates, 1);
                }
                false
            }
        }
    }

    /// Acknowledged but never seen: lost.
    pub fn lost(&self, latency: Latency) -> u64 {
        let ledgers = self.ledgers.lock().expect("no panics under this lock");
        ledgers.get(&latency).map_or(0, |ledger| {
            ledger
                .pending
                .values()
                .filter(|p| p.acked && !p.seen)
                .count() as u64
        })
    }

    /// When the phase began.
    pub fn start(&self) -> Instant {
        *self.start.lock().expect("no panics under this lock")
    }

    /// Time since the phase began.
    pub fn elapsed(&self) -> Duration {
        self.start().elapsed()
    }

    /// Starts the measured phase now: what setup recorded (latencies, counts, errors) is
    /// forgotten; what is still expected stays expected.
    pub fn restart_clock(&self) {
        *self.start.lock().expect("no panics under this lock") = Instant::now();
        self.series
            .lock()
            .expect("no panics under this lock")
            .clear();
        self.counts
            .lock()
            .expect("no panics under this lock")
            .clear();
        self.errors
            .lock()
            .expect("no panics under this lock")
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledged_and_never_seen_is_lost() {
        let m = Metrics::new();
        let due = Instant::now();
        for key in ["seen", "unseen", "early", "failed"] {
            m.expect(Latency::Message, key, due);
        }
        m.acked(Latency::Message, "seen");
        assert!(m.seen(Latency::Message, "seen", Instant::now()));
        m.acked(Latency::Message, "unseen");
        // Delivered before its acknowledgement came back.
        assert!(m.seen(Latency::Message, "early", Instant::now()));
        m.acked(Latency::Message, "early");
        m.failed(Latency::Message, "failed");
        assert_eq!(m.lost(Latency::Message), 1);
        assert_eq!(m.histogram(Latency::Message).map(|h| h.len()), Some(2));
        assert_eq!(m.get(Count::Duplicates), 0);
    }

    #[test]
    fn a_second_sighting_is_a_duplicate_unless_repeats_are_expected() {
        let m = Metrics::new();
        m.expect(Latency::Message, "m1", Instant::now());
        m.acked(Latency::Message, "m1");
        assert!(m.seen(Latency::Message, "m1", Instant::now()));
        assert!(!m.seen(Latency::Message, "m1", Instant::now()));
        assert_eq!(m.get(Count::Duplicates), 1);
        // Never expected: not this run's, not counted.
        assert!(!m.seen(Latency::Message, "other", Instant::now()));
        assert_eq!(m.get(Count::Duplicates), 1);

        m.expect(Latency::PageViewSeen, "/p/1", Instant::now());
        m.acked(Latency::PageViewSeen, "/p/1");
        assert!(m.seen_again_ok(Latency::PageViewSeen, "/p/1", Instant::now()));
        assert!(!m.seen_again_ok(Latency::PageViewSeen, "/p/1", Instant::now()));
        assert_eq!(m.get(Count::Duplicates), 1);
    }

    #[test]
    fn latency_counts_from_the_due_time() {
        let m = Metrics::new();
        let due = Instant::now();
        m.record_at(Latency::Ack, due, due + Duration::from_millis(30));
        let ms = m.quantile_ms(Latency::Ack, 0.5).expect("recorded");
        assert!((29.9..30.1).contains(&ms), "{ms}");
        m.restart_clock();
        assert!(m.quantile_ms(Latency::Ack, 0.5).is_none());
    }
}
