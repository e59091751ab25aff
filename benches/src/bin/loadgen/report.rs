//! The report: one [`Summary`] of a run, printed as a table (every figure beside its
//! baseline and their ratio) and written as JSON.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;

use crate::metrics::{Count, Latency, Metrics};
use crate::scenarios::Outcome;
use crate::server::ProcStats;

/// What the baseline measured (see `baseline`).
#[derive(Default)]
pub struct Baseline {
    /// `GET /healthz` answers per second, closed loop.
    pub rps: f64,
    /// Its latencies, open loop at the scenario's rate.
    pub latency: Option<Histogram<u64>>,
    /// `n` requests at once: until the last answer (`burst`).
    pub burst: Option<Duration>,
}

/// Latency percentiles in milliseconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Quantiles {
    /// Values recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// The largest.
    pub max: f64,
}

impl Quantiles {
    /// The percentiles of a histogram in microseconds; `None` when it is empty.
    pub fn of(h: &Histogram<u64>) -> Option<Quantiles> {
        if h.is_empty() {
            return None;
        }
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        Some(Quantiles {
            count: h.len(),
            p50: ms(0.5),
            p90: ms(0.9),
            p99: ms(0.99),
            p999: ms(0.999),
            max: h.max() as f64 / 1000.0,
        })
    }

    fn at(&self, q: &str) -> f64 {
        match q {
            "p50" => self.p50,
            "p90" => self.p90,
            "p99" => self.p99,
            "p999" => self.p999,
            _ => self.max,
        }
    }
}

/// Errors by kind.
#[derive(Debug, Default, Serialize)]
pub struct Errors {
    /// All of them.
    pub total: u64,
    /// Error answers by status and code (`409 chat_ended`).
    pub status: BTreeMap<String, u64>,
    /// No answer within the request timeout.
    pub timeout: u64,
    /// No connection.
    pub connect: u64,
    /// Work not sent: the generator had `--max-in-flight` requests out already.
    pub backlog: u64,
    /// Anything else, by kind: `broken` (a connection cut after the request),
    /// `unexpected_answer`, and the scenarios' own (`offline`, `no_operator_joined`,
    /// `no_free_chat`).
    pub other: BTreeMap<String, u64>,
}

impl Errors {
    fn from(kinds: BTreeMap<String, u64>) -> Errors {
        let mut errors = Errors::default();
        for (kind, n) in kinds {
            errors.total += n;
            match kind.as_str() {
                "timeout" => errors.timeout += n,
                "connect" => errors.connect += n,
                "backlog" => errors.backlog += n,
                k if k.starts_with(|c: char| c.is_ascii_digit()) => {
                    errors.status.insert(kind, n);
                }
                _ => {
                    errors.other.insert(kind, n);
                }
            }
        }
        errors
    }
}

/// Acknowledged deliveries never seen on the other side, by kind.
#[derive(Debug, Default, Serialize)]
pub struct Lost {
    /// Visitors' messages (`201`) missing from the operator's stream.
    pub messages: u64,
    /// Operators' replies (`201`) missing from the visitor's stream.
    pub replies: u64,
    /// `restart`: acknowledged messages missing from the transcripts after the restart.
    pub after_restart: u64,
}

/// The whole run, as `--json` writes it.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's settings, as given or defaulted.
    pub settings: BTreeMap<String, String>,
    /// The measured phase's length in seconds.
    pub measured_secs: f64,
    /// Baseline: `GET /healthz` per second, closed loop at `--concurrency`.
    pub baseline_rps: f64,
    /// Baseline: `GET /healthz` latency taken as the scenario takes its own: open loop at
    /// its rate; from the burst (`burst`); closed loop at `--chats` in flight (`restart`).
    pub baseline_latency_ms: Option<Quantiles>,
    /// Baseline of `burst`: as many `GET /healthz` at once as chats, until the last answer.
    pub baseline_burst_ms: Option<f64>,
    /// Visitors' messages acknowledged per second (rates run from the phase's start to
    /// the last one counted).
    pub messages_per_sec: Option<f64>,
    /// A visitor's message: due -> on the operator's stream.
    pub message_latency_ms: Option<Quantiles>,
    /// A visitor's message: due -> `201`.
    pub ack_latency_ms: Option<Quantiles>,
    /// An operator's reply: sent -> on the visitor's stream.
    pub reply_latency_ms: Option<Quantiles>,
    /// Chats started per second.
    pub chats_per_sec: Option<f64>,
    /// A chat: due (or sent) -> `offer`.
    pub routing_latency_ms: Option<Quantiles>,
    /// Page views answered per second.
    pub page_views_per_sec: Option<f64>,
    /// A page view: due -> `200`.
    pub page_view_latency_ms: Option<Quantiles>,
    /// A page view: due -> named by a `visitor` event on the operator's stream.
    pub page_view_seen_latency_ms: Option<Quantiles>,
    /// The generator's lateness: a tick due -> fired (not the server's; large values mean
    /// the generator could not keep its schedule).
    pub lag_ms: Option<Quantiles>,
    /// Page views answered `200` that no `visitor` event named.
    pub page_views_unseen: Option<u64>,
    /// Chats started (`201`, waiting) that no operator was offered.
    pub unrouted: Option<u64>,
    /// `burst`: the burst -> the last chat closed.
    pub drain_ms: Option<f64>,
    /// `burst`: chats still open when the run ended.
    pub undrained: Option<u64>,
    /// An operator seen holding more chats than its `max_chats` (by the operators).
    pub limit_violations: Option<u64>,
    /// `burst`: the same, as `GET /v1/operators` listed it (polls that found one).
    pub server_limit_violations: Option<u64>,
    /// `restart`: start -> first `200` with the filled database.
    pub restart_ms: Option<f64>,
    /// `restart`'s baseline: the same before the fill.
    pub baseline_restart_ms: Option<f64>,
    /// `restart`: the stop signal -> the process gone.
    pub stop_ms: Option<f64>,
    /// `restart`: messages stored.
    pub stored_messages: Option<u64>,
    /// `restart`: the fill's rate, closed loop.
    pub fill_messages_per_sec: Option<f64>,
    /// `restart`: the data folder's size.
    pub database_bytes: Option<u64>,
    /// Acknowledged, never seen: all kinds.
    pub lost: u64,
    /// Lost by kind.
    pub lost_by_kind: Lost,
    /// Failed requests by kind.
    pub errors: Errors,
    /// Every count the run kept.
    pub counts: BTreeMap<String, u64>,
    /// Work still in flight when the run stopped waiting for it.
    pub stuck: usize,
    /// The server's resident memory at the end.
    pub server_rss_bytes: Option<u64>,
    /// The server's highest resident memory.
    pub server_peak_rss_bytes: Option<u64>,
    /// The server's CPU time (user + system) during the measured phase.
    pub server_cpu_seconds: Option<f64>,
    /// The same per second of the phase (1.0 = one core busy).
    pub server_cpu_cores: Option<f64>,
    /// The generator's own CPU time during the measured phase.
    pub loadgen_cpu_seconds: Option<f64>,
    /// The share of the measured phase, in percent, during which some runnable task on the
    /// machine waited for a CPU (`/proc/pressure/cpu`): high values mean the figures include
    /// waits for a core, the server's, the generator's or other work's.
    pub cpu_pressure_pct: Option<f64>,
    /// The machine's load averages (1, 5, 15 minutes) at the end, from `/proc/loadavg`:
    /// the generator shares the machine with the server and with whatever else runs there.
    pub load_average: Option<[f64; 3]>,
    /// Every figure divided by its baseline (`<figure>` or `<figure>_<percentile>`).
    pub ratios: BTreeMap<String, f64>,
    /// The table's rows: figure, value, baseline, ratio.
    #[serde(skip)]
    rows: Vec<[String; 4]>,
}

/// CPU figures of the server and the generator over the measured phase.
pub struct Usage {
    /// The server's `/proc` figures at the start of the phase.
    pub server_before: Option<ProcStats>,
    /// ... and at its end.
    pub server_after: Option<ProcStats>,
    /// The generator's own CPU seconds over the phase.
    pub loadgen_cpu_seconds: Option<f64>,
    /// The share of the phase during which some task on the machine waited for a CPU.
    pub cpu_pressure_pct: Option<f64>,
}

impl Summary {
    /// Gathers a run's figures.
    pub fn new(
        scenario: &str,
        settings: BTreeMap<String, String>,
        metrics: &Metrics,
        baseline: &Baseline,
        outcome: &Outcome,
        usage: &Usage,
    ) -> Summary {
        let secs = outcome.measured.as_secs_f64().max(1e-9);
        let rate = |count: Count| metrics.rate(count);
        let latency = |l: Latency| metrics.histogram(l).as_ref().and_then(Quantiles::of);
        let mut s = Summary {
            scenario: scenario.into(),
            settings,
            measured_secs: secs,
            baseline_rps: baseline.rps,
            baseline_latency_ms: baseline.latency.as_ref().and_then(Quantiles::of),
            baseline_burst_ms: baseline.burst.map(ms),
            errors: Errors::from(metrics.errors()),
            stuck: outcome.stuck,
            ..Summary::default()
        };
        s.counts = [
            Count::ChatsStarted,
            Count::Accepted,
            Count::Closed,
            Count::MessagesSent,
            Count::MessagesAcked,
            Count::MessagesSeen,
            Count::RepliesAcked,
            Count::PageViews,
            Count::TrackingEvents,
            Count::Resumes,
            Count::Resets,
            Count::Duplicates,
            Count::Offline,
        ]
        .into_iter()
        .map(|c| (c.name().to_string(), metrics.get(c)))
        .collect();

        if metrics.get(Count::MessagesSent) > 0 {
            s.messages_per_sec = Some(rate(Count::MessagesAcked));
            s.message_latency_ms = latency(Latency::Message);
            s.ack_latency_ms = latency(Latency::Ack);
            s.reply_latency_ms = latency(Latency::Reply);
            s.lost_by_kind.messages = metrics.lost(Latency::Message);
            s.lost_by_kind.replies = metrics.lost(Latency::Reply);
        }
        if metrics.get(Count::ChatsStarted) > 0 {
            s.chats_per_sec = Some(rate(Count::ChatsStarted));
            s.routing_latency_ms = latency(Latency::Routing);
            s.unrouted = Some(metrics.lost(Latency::Routing));
            s.limit_violations = Some(metrics.get(Count::LimitViolations));
        }
        if metrics.get(Count::PageViews) > 0 {
            s.page_views_per_sec = Some(rate(Count::PageViews));
            s.page_view_latency_ms = latency(Latency::PageView);
            s.page_view_seen_latency_ms = latency(Latency::PageViewSeen);
            s.page_views_unseen = Some(metrics.lost(Latency::PageViewSeen));
        }
        s.lag_ms = latency(Latency::Lag);
        s.drain_ms = outcome.drain.map(ms);
        s.undrained = outcome.undrained;
        s.server_limit_violations = outcome.server_violations;
        if let Some(r) = &outcome.restart {
            s.restart_ms = Some(ms(r.start));
            s.ack_latency_ms = latency(Latency::Ack);
            s.baseline_restart_ms = Some(ms(r.empty_start));
            s.stop_ms = Some(ms(r.stop));
            s.stored_messages = Some(r.messages);
            s.fill_messages_per_sec = Some(r.messages as f64 / r.fill.as_secs_f64().max(1e-9));
            s.database_bytes = Some(r.database_bytes);
            s.lost_by_kind.after_restart = r.missing;
            s.messages_per_sec = None;
            s.message_latency_ms = None;
        }
        s.lost = s.lost_by_kind.messages + s.lost_by_kind.replies + s.lost_by_kind.after_restart;

        if let Some(after) = usage.server_after {
            s.server_rss_bytes = Some(after.rss_bytes);
            s.server_peak_rss_bytes = Some(after.peak_rss_bytes);
            if let Some(before) = usage.server_before {
                let cpu = after.cpu_seconds - before.cpu_seconds;
                s.server_cpu_seconds = Some(cpu);
                if scenario != "restart" {
                    s.server_cpu_cores = Some(cpu / secs);
                }
            }
        }
        s.loadgen_cpu_seconds = usage.loadgen_cpu_seconds;
        s.load_average = load_average();
        s.cpu_pressure_pct = usage.cpu_pressure_pct;
        s.compare();
        s
    }

    /// Fills the ratios and the table's rows.
    fn compare(&mut self) {
        let base_rps = self.baseline_rps;
        let base_latency = self.baseline_latency_ms;
        self.row_rate("baseline: GET /healthz per s", Some(base_rps), None);
        if let Some(b) = base_latency {
            for q in ["p50", "p99", "p999"] {
                self.row(&format!("baseline: GET /healthz {q}"), b.at(q), "ms", None);
            }
        }
        let rates = [
            (
                "messages_per_sec",
                "messages acknowledged per s",
                self.messages_per_sec,
            ),
            ("chats_per_sec", "chats started per s", self.chats_per_sec),
            (
                "page_views_per_sec",
                "page views per s",
                self.page_views_per_sec,
            ),
            (
                "fill_messages_per_sec",
                "fill: messages per s (closed loop)",
                self.fill_messages_per_sec,
            ),
        ];
        for (key, label, value) in rates {
            if let Some(value) = value {
                self.ratios.insert(key.into(), value / base_rps.max(1e-9));
                self.row_rate(label, Some(value), Some(base_rps));
            }
        }
        let latencies = [
            ("message_latency", Latency::Message, self.message_latency_ms),
            ("ack_latency", Latency::Ack, self.ack_latency_ms),
            ("reply_latency", Latency::Reply, self.reply_latency_ms),
            ("routing_latency", Latency::Routing, self.routing_latency_ms),
            (
                "page_view_latency",
                Latency::PageView,
                self.page_view_latency_ms,
            ),
            (
                "page_view_seen_latency",
                Latency::PageViewSeen,
                self.page_view_seen_latency_ms,
            ),
        ];
        for (key, latency, value) in latencies {
            let Some(value) = value else { continue };
            for q in ["p50", "p99", "p999"] {
                let base = base_latency.map(|b| b.at(q));
                if let Some(base) = base {
                    self.ratios
                        .insert(format!("{key}_{q}"), value.at(q) / base.max(1e-9));
                }
                self.row(
                    &format!("{} {q}", latency.describe()),
                    value.at(q),
                    "ms",
                    base,
                );
            }
        }
        if let Some(lag) = self.lag_ms {
            self.row("generator: tick due -> fired p99", lag.p99, "ms", None);
        }
        if let (Some(drain), Some(base)) = (self.drain_ms, self.baseline_burst_ms) {
            self.ratios.insert("drain".into(), drain / base.max(1e-9));
            self.row("burst drained (all chats closed)", drain, "ms", Some(base));
        }
        if let (Some(restart), Some(base)) = (self.restart_ms, self.baseline_restart_ms) {
            self.ratios
                .insert("restart".into(), restart / base.max(1e-9));
            self.row("restart: start -> first 200", restart, "ms", Some(base));
        }
        if let Some(stop) = self.stop_ms {
            self.row("restart: stop signal -> exited", stop, "ms", None);
        }
    }

    fn row(&mut self, label: &str, value: f64, unit: &str, base: Option<f64>) {
        self.rows.push([
            label.into(),
            format!("{value:.2} {unit}"),
            base.map_or("-".into(), |b| format!("{b:.2} {unit}")),
            base.map_or("-".into(), |b| format!("{:.2}x", value / b.max(1e-9))),
        ]);
    }

    fn row_rate(&mut self, label: &str, value: Option<f64>, base: Option<f64>) {
        let Some(value) = value else { return };
        self.rows.push([
            label.into(),
            format!("{value:.1} /s"),
            base.map_or("-".into(), |b| format!("{b:.1} /s")),
            base.map_or("-".into(), |b| format!("{:.3}x", value / b.max(1e-9))),
        ]);
    }

    /// Prints the table and the counts.
    pub fn print(&self) {
        println!();
        println!("{} — {:.1} s measured", self.scenario, self.measured_secs);
        let settings: Vec<String> = self
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("  {}", settings.join(" "));
        println!();
        println!(
            "  {:<46} {:>14} {:>14} {:>9}",
            "figure", "value", "baseline", "ratio"
        );
        for [label, value, base, ratio] in &self.rows {
            println!("  {label:<46} {value:>14} {base:>14} {ratio:>9}");
        }
        println!();
        let mut facts = vec![format!("lost {}", self.lost)];
        for (name, value) in [
            ("unrouted", self.unrouted),
            ("page views unseen", self.page_views_unseen),
            ("limit violations", self.limit_violations),
            ("server-listed violations", self.server_limit_violations),
            ("undrained", self.undrained),
            ("stored messages", self.stored_messages),
            ("database bytes", self.database_bytes),
        ] {
            if let Some(value) = value {
                facts.push(format!("{name} {value}"));
            }
        }
        println!("  {}", facts.join(", "));
        let counts: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!("  counts: {}", counts.join(", "));
        let mut errors = format!("  errors: {}", self.errors.total);
        let kinds: Vec<String> = self
            .errors
            .status
            .iter()
            .chain(&self.errors.other)
            .map(|(k, n)| format!("{k}: {n}"))
            .chain(
                [
                    ("timeout", self.errors.timeout),
                    ("connect", self.errors.connect),
                    ("backlog", self.errors.backlog),
                ]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| format!("{k}: {n}")),
            )
            .collect();
        if !kinds.is_empty() {
            errors.push_str(&format!(" ({})", kinds.join(", ")));
        }
        println!("{errors}");
        if let (Some(rss), Some(peak)) = (self.server_rss_bytes, self.server_peak_rss_bytes) {
            println!(
                "  server: rss {:.1} MiB (peak {:.1} MiB), cpu {:.2} s ({:.2} cores); generator cpu {:.2} s",
                rss as f64 / 1048576.0,
                peak as f64 / 1048576.0,
                self.server_cpu_seconds.unwrap_or(0.0),
                self.server_cpu_cores.unwrap_or(0.0),
                self.loadgen_cpu_seconds.unwrap_or(0.0),
            );
        }
        if let Some([one, five, fifteen]) = self.load_average {
            let pressure = self.cpu_pressure_pct.map_or(String::new(), |p| {
                format!("; some task waited for a CPU {p:.0} % of the time")
            });
            println!("  machine load average: {one:.2} {five:.2} {fifteen:.2}{pressure}");
        }
        if self.stuck > 0 {
            println!("  {} requests were still in flight at the end", self.stuck);
        }
    }

    /// Writes the summary as JSON.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

/// The 1, 5 and 15 minute load averages, on Linux.
fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn errors_are_grouped_by_kind() {
        let kinds = [
            ("503 too_many_connections", 4),
            ("409 chat_ended", 1),
            ("timeout", 2),
            ("connect", 3),
            ("backlog", 5),
            ("broken", 6),
        ];
        let errors = Errors::from(kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect());
        assert_eq!(errors.total, 21);
        assert_eq!(errors.status.len(), 2);
        assert_eq!((errors.timeout, errors.connect, errors.backlog), (2, 3, 5));
        assert_eq!(errors.other.get("broken"), Some(&6));
    }

    #[test]
    fn figures_are_set_against_the_baseline() {
        let metrics = Metrics::new();
        let due = Instant::now();
        metrics.count(Count::MessagesSent, 1);
        metrics.count(Count::MessagesAcked, 1);
        metrics.record_at(Latency::Message, due, due + Duration::from_millis(4));
        let mut baseline_latency = Histogram::new(3).expect("histogram");
        baseline_latency.record(1000).expect("in range");
        let baseline = Baseline {
            rps: 1000.0,
            latency: Some(baseline_latency),
            burst: None,
        };
        let outcome = Outcome {
            measured: Duration::from_secs(1),
            ..Outcome::default()
        };
        let usage = Usage {
            server_before: None,
            server_after: None,
            loadgen_cpu_seconds: None,
            cpu_pressure_pct: None,
        };
        let summary = Summary::new(
            "chat",
            BTreeMap::new(),
            &metrics,
            &baseline,
            &outcome,
            &usage,
        );
        let ratio = summary.ratios["message_latency_p50"];
        assert!((3.9..4.1).contains(&ratio), "{ratio}");
        assert!(summary.ratios.contains_key("messages_per_sec"));
        let json = serde_json::to_value(&summary).expect("serializes");
        for key in [
            "baseline_rps",
            "messages_per_sec",
            "message_latency_ms",
            "routing_latency_ms",
            "page_views_per_sec",
            "lost",
            "errors",
            "server_rss_bytes",
            "server_cpu_seconds",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
    }
}
