//! The server under load: one the generator starts itself from the release build, or one
//! given by URL; and what `/proc` says about its process (memory, CPU time).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a stopping server may take before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Linux reports the CPU times of `/proc/<pid>/stat` in `USER_HZ`, 100 on every
/// architecture it runs on.
const USER_HZ: f64 = 100.0;

/// Finds the release build of `switchboard`: beside the generator's own binary (both are
/// built into the same target folder), under `$CARGO_TARGET_DIR`, or under the workspace's
/// `target/`.
pub fn find_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        bail!("--server-bin {}: no such file", path.display());
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        // Only a release generator sits beside a release server.
        if dir.ends_with("release") {
            candidates.push(dir.join("switchboard"));
        }
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(target).join("release/switchboard"));
    }
    let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = benches.parent().unwrap_or(benches);
    candidates.push(workspace.join("target/release/switchboard"));
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    bail!(
        "no release build of the server (looked for {}).\n\
         Build it first:  cargo build --release\n\
         or point at a running server with --server URL (and --server-pid PID).",
        looked.join(", ")
    )
}

/// A `switchboard serve` the generator started, on a temporary data folder, with rate
/// limits off. Stopped (and its folder removed) when dropped.
pub struct OwnServer {
    binary: PathBuf,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// The base URL it printed.
    pub base: String,
}

impl OwnServer {
    /// Starts `binary` on a new data folder and waits for its address; `extra` is added to
    /// its configuration file (after the `[http.limits]` section that turns limits off).
    pub fn start(binary: &Path, extra: &str) -> Result<OwnServer> {
        let dir = tempfile::Builder::new()
            .prefix("switchboard-loadgen-")
            .tempdir()
            .context("making a temporary folder")?;
        // Load comes from one address: rate limits would measure themselves.
        std::fs::write(
            dir.path().join("config.toml"),
            format!("[http.limits]\nenabled = false\n\n{extra}\n"),
        )?;
        let mut server = OwnServer {
            binary: binary.to_path_buf(),
            dir,
            child: None,
            base: String::new(),
        };
        server.spawn("127.0.0.1:0")?;
        server.base = server.wait_for_address()?;
        Ok(server)
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The address it listens on, `127.0.0.1:PORT`.
    pub fn listen(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// The data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the process on `listen` (again, after [`OwnServer::stop`], on the same data);
    /// returns when it was spawned.
    pub fn spawn(&mut self, listen: &str) -> Result<Instant> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let started = Instant::now();
        let child = Command::new(&self.binary)
            .args(["serve", "--demo", "--listen", listen, "--data"])
            .arg(self.data())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.child = Some(child);
        Ok(started)
    }

    /// Waits for the line `Switchboard listening on URL` in the server's log.
    pub fn wait_for_address(&mut self) -> Result<String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let log = self.log();
            if let Some(line) = log
                .lines()
                .find_map(|l| l.strip_prefix("Switchboard listening on "))
            {
                return Ok(line.trim().to_string());
            }
            if let Some(child) = &mut self.child {
                if let Some(status) = child.try_wait()? {
                    bail!("the server exited ({status}) before listening:\n{log}");
                }
            }
            if Instant::now() > deadline {
                bail!("the server printed no address within {START_TIMEOUT:?}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process: SIGTERM (a clean shutdown), or SIGKILL when `kill`; returns how
    /// long it took to exit.
    pub fn stop(&mut self, kill: bool) -> Result<Duration> {
        let Some(mut child) = self.child.take() else {
            return Ok(Duration::ZERO);
        };
        let started = Instant::now();
        let signal = if kill { "-KILL" } else { "-TERM" };
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        if !sent.is_ok_and(|s| s.success()) {
            child.kill().ok();
        }
        let deadline = started + STOP_TIMEOUT;
        loop {
            if child.try_wait()?.is_some() {
                return Ok(started.elapsed());
            }
            if Instant::now() > deadline {
                child.kill().ok();
                child.wait().ok();
                bail!("the server did not stop within {STOP_TIMEOUT:?}; killed");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(self.log_path()) {
            file.read_to_string(&mut text).ok();
        }
        text
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop(false).ok();
    }
}

/// A process's memory and CPU time, from `/proc`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcStats {
    /// Resident set size now (`VmRSS`).
    pub rss_bytes: u64,
    /// The highest resident set size so far (`VmHWM`).
    pub peak_rss_bytes: u64,
    /// User and system CPU time so far.
    pub cpu_seconds: f64,
}

impl ProcStats {
    /// Reads `/proc/<pid>/status` and `/proc/<pid>/stat`; `None` when the process is gone
    /// (or this is not Linux).
    pub fn read(pid: u32) -> Option<ProcStats> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        ProcStats::parse(&status, &stat)
    }

    /// The figures in the texts of `/proc/<pid>/status` and `/proc/<pid>/stat`.
    fn parse(status: &str, stat: &str) -> Option<ProcStats> {
        let kib = |field: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        // The command name (field 2) may hold spaces and parentheses; the fields after its
        // last ')' are plain.
        let after = stat.get(stat.rfind(')')? + 1..)?;
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ProcStats {
            rss_bytes: kib("VmRSS:"),
            peak_rss_bytes: kib("VmHWM:"),
            cpu_seconds: ticks as f64 / USER_HZ,
        })
    }
}

/// The machine's CPU pressure so far: microseconds during which some runnable task waited
/// for a CPU (the `some` line of `/proc/pressure/cpu`), and when it was read.
pub fn cpu_pressure() -> Option<(Instant, u64)> {
    let text = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let total = parse_pressure(&text)?;
    Some((Instant::now(), total))
}

/// The `total=` of the `some` line.
fn parse_pressure(text: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with("some "))?
        .split_whitespace()
        .find_map(|f| f.strip_prefix("total="))?
        .parse()
        .ok()
}

/// The share of the time between two [`cpu_pressure`] readings during which some task
/// waited for a CPU, in percent.
pub fn pressure_between(before: (Instant, u64), after: (Instant, u64)) -> f64 {
    let micros = after
        .0
        .saturating_duration_since(before.0)
        .as_micros()
        .max(1) as f64;
    after.1.saturating_sub(before.1) as f64 / micros * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_figures_parse_whatever_the_command_name() {
        let status = "Name:\tswitchboard\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 9 0";
        let stats = ProcStats::parse(status, stat).expect("parses");
        assert_eq!(stats.rss_bytes, 1024 * 1024);
        assert_eq!(stats.peak_rss_bytes, 2048 * 1024);
        assert!((stats.cpu_seconds - 3.25).abs() < 1e-9);
        assert!(ProcStats::parse(status, "4242 (cut").is_none());
    }

    #[test]
    fn cpu_pressure_is_the_some_lines_total() {
        let text = "some avg10=2.10 avg60=7.16 avg300=17.10 total=5193601663\n\
                    full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        assert_eq!(parse_pressure(text), Some(5_193_601_663));
        let start = Instant::now();
        let later = start + Duration::from_secs(2);
        assert!((pressure_between((start, 0), (later, 500_000)) - 25.0).abs() < 1e-9);
    }
}
