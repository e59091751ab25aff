//! The real `switchboard serve` binary as a child process, for the tests that kill it, stop
//! it with a signal, fill its disk or measure its memory.
//!
//! It listens on `127.0.0.1:0` and the test learns the port from the line it prints
//! ("Switchboard listening on ..."), so no port is picked and dropped before the server binds
//! it. Its output goes to a log file the failure messages quote.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Longest a child may take to print its address or to exit: generous, for a busy machine.
const START_WAIT: Duration = Duration::from_secs(60);

/// How many times `/healthz` is asked (every [`POLL`]) before a recovery counts as failed: a
/// minute, for a busy machine.
const HEALTH_TRIES: u32 = 1200;

/// Pause between two `/healthz` questions: a disk coming back has no event to wait for, so
/// these waits poll a condition, bounded by [`HEALTH_TRIES`].
const POLL: Duration = Duration::from_millis(50);

/// Settings for a child whose test sends everything from one address: no rate limits.
pub const NO_LIMITS: &str = "[http.limits]\nenabled = false\n";

/// A `switchboard serve --demo` child process, killed when dropped so a failing test leaves
/// nothing running.
pub struct Process {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>` once the server printed it; empty before.
    pub base: String,
    /// Its printed address, when it prints one.
    address: mpsc::Receiver<String>,
    log: PathBuf,
}

impl Process {
    /// Starts the binary over `data` with `config` (the whole TOML file, e.g. [`NO_LIMITS`]),
    /// its output in `dir/run{run}.log`; does not wait.
    pub fn spawn(data: &Path, dir: &Path, run: u32, config: &str) -> Process {
        let file = dir.join(format!("run{run}.toml"));
        std::fs::write(&file, config).expect("the config is written");
        let log = dir.join(format!("run{run}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--config"])
            .arg(&file)
            .arg("--data")
            .arg(data)
            // Not the repository's config.toml: the file above only.
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the log file opens"))
            .spawn()
            .expect("the switchboard binary starts");
        let (tx, address) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut copy = std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .expect("the log file opens for appending");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let _ = writeln!(copy, "{line}");
                if let Some(base) = line.strip_prefix("Switchboard listening on ") {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        Process {
            child: Some(child),
            base: String::new(),
            address,
            log,
        }
    }

    /// Starts the binary and waits until it listens and `/healthz` says ok.
    pub async fn start(data: &Path, dir: &Path, run: u32, config: &str) -> Process {
        let mut process = Process::spawn(data, dir, run, config);
        process.listening().await;
        process.wait_health(200).await;
        process
    }

    /// Waits for the address the server prints once it listens; panics if it exits first.
    pub async fn listening(&mut self) {
        let address = std::mem::replace(&mut self.address, mpsc::channel().1);
        let printed = tokio::task::spawn_blocking(move || address.recv_timeout(START_WAIT))
            .await
            .expect("the waiting thread ends");
        match printed {
            Ok(base) => self.base = base,
            Err(_) => panic!(
                "the server printed no address within {START_WAIT:?}:\n{}",
                self.log_text()
            ),
        }
    }

    /// Waits until `/healthz` answers `status`; panics if the process exits first.
    pub async fn wait_health(&mut self, status: u16) -> Value {
        let client = reqwest::Client::new();
        for _ in 0..HEALTH_TRIES {
            if let Some(exit) = self.child().try_wait().expect("the child can be polled") {
                panic!("the server exited with {exit}:\n{}", self.log_text());
            }
            if let Ok(reply) = client.get(format!("{}/healthz", self.base)).send().await {
                if reply.status() == status {
                    return reply.json().await.expect("/healthz answers JSON");
                }
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "/healthz did not answer {status} after {HEALTH_TRIES} tries:\n{}",
            self.log_text()
        );
    }

    fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the child runs")
    }

    /// What the server printed so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` (a `kill` option such as `-TERM`).
    pub fn signal(&mut self, signal: &str) {
        let pid = self.child().id().to_string();
        let sent = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} {pid}");
    }

    /// Waits (bounded by [`START_WAIT`]) for the process to exit by itself.
    pub async fn exit(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("the child runs");
        let waited = tokio::time::timeout(
            START_WAIT,
            tokio::task::spawn_blocking(move || {
                let status = child.wait();
                (child, status)
            }),
        )
        .await;
        match waited {
            Ok(joined) => {
                let (_, status) = joined.expect("the waiting thread ends");
                (status.expect("the child is reaped"), self.log_text())
            }
            Err(_) => panic!(
                "the server did not exit within {START_WAIT:?}:\n{}",
                self.log_text()
            ),
        }
    }

    /// SIGKILL: no shutdown, no last flush.
    pub async fn kill(mut self) {
        self.signal("-KILL");
        self.exit().await;
    }

    /// A line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in KiB.
    pub fn status_kib(&mut self, field: &str) -> u64 {
        let pid = self.child().id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
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
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
