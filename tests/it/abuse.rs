//! Abuse: floods, guessing and slow clients cannot take the server down or into an account.
//! Each test is a regression test for what the issue measured, named after it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::WAIT;

/// Argon2's working memory with its default parameters (m_cost = 19456 KiB), in KiB.
const ARGON2_KIB: u64 = 19_456;

/// Password hashes the flooded server may compute at once.
const HASH_PERMITS: u64 = 2;

/// Concurrent clients in the sign-in flood: the issue measured 3.7 GB with 32.
const FLOOD_CLIENTS: usize = 32;

/// Wrong passwords each flooding client sends.
const FLOOD_ROUNDS: usize = 2;

/// What the server may grow by beyond the argon2 memories: connection buffers, tasks, the
/// allocator's rounding. Far below the 1.2 GB the same flood reached without the gate.
const SLACK_KIB: u64 = 48 * 1024;

/// A `switchboard serve --demo` child process with a config file, killed when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    /// Starts the binary over a fresh database in `dir` with `config` (TOML, without the
    /// listen address and data path, which this adds), and waits until `/healthz` answers.
    async fn start(dir: &Path, config: &str) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let file = dir.join("config.toml");
        std::fs::write(&file, config).expect("the config is written");
        let log = std::fs::File::create(dir.join("server.log")).expect("the log opens");
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("serve")
            .arg("--demo")
            .arg("--config")
            .arg(&file)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(dir.join("data"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log clones"))
            .stderr(log)
            .spawn()
            .expect("the switchboard binary starts");
        let mut process = Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let started = std::time::Instant::now();
        // A child process has no event to wait for: poll /healthz until it answers.
        loop {
            if let Some(status) = process.child.try_wait().expect("the child can be polled") {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                panic!("the server exited with {status}:\n{log}");
            }
            let health = client.get(format!("{}/healthz", process.base)).send();
            if matches!(health.await, Ok(r) if r.status() == 200) {
                return process;
            }
            assert!(started.elapsed() < 3 * WAIT, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in KiB.
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the child's status is readable");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} in /proc/<pid>/status"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Regression: each sign-in hashed with argon2 (19 MiB) with no bound on how many ran at
/// once; wrong-password floods took the server to 3.7 GB with 32 clients, kept while idle,
/// even for unknown emails. Now at most `hash_concurrency` hashes run, each in a reused
/// working memory, and the rest queue briefly and get 429: the peak stays near the idle size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_flood_does_not_exhaust_memory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = format!("[engine]\nhash_concurrency = {HASH_PERMITS}\nhash_queue_ms = 300\n");
    let process = Process::start(dir.path(), &config).await;
    let idle = process.status_kib("VmRSS");

    let client = reqwest::Client::new();
    let flood = (0..FLOOD_CLIENTS).map(|c| {
        let (client, url) = (client.clone(), format!("{}/v1/login", process.base));
        async move {
            let mut statuses = Vec::new();
            for round in 0..FLOOD_ROUNDS {
                // Half against a real account, half against emails nobody has.
                let email = if (c + round) % 2 == 0 {
                    "alice@demo.example".to_string()
                } else {
                    format!("nobody{c}-{round}@example.com")
                };
                let body = json!({ "email": email, "password": format!("wrong {c} {round}") });
                let reply = client
                    .post(&url)
                    .json(&body)
                    .send()
                    .await
                    .expect("an answer");
                if reply.status() == 429 {
                    assert!(reply.headers().contains_key("retry-after"), "429 says when");
                }
                statuses.push(reply.status().as_u16());
            }
            statuses
        }
    });
    let statuses: Vec<u16> = futures_util::future::join_all(flood)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "only refusals: {statuses:?}"
    );
    assert!(
        statuses.contains(&429),
        "the queue turned some away: {statuses:?}"
    );

    let peak = process.status_kib("VmHWM");
    let bound = idle + HASH_PERMITS * ARGON2_KIB + SLACK_KIB;
    assert!(
        peak <= bound,
        "peak RSS {peak} KiB over {bound} KiB (idle {idle} KiB + {HASH_PERMITS} argon2 \
         memories + slack)"
    );
    let health = client.get(format!("{}/healthz", process.base)).send().await;
    assert_eq!(health.expect("healthz answers").status(), 200);
}
