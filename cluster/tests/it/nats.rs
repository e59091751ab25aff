//! A real NATS JetStream cluster on loopback for the tests: `nats-server` processes (Debian's
//! package; `.ci/run` installs it), each with its own store folder, routed to each other.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a cluster may take to elect its JetStream leader on a loaded machine.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// One `nats-server` of a [`NatsCluster`].
struct Server {
    name: String,
    client_port: u16,
    cluster_port: u16,
    process: Option<Child>,
}

/// `n` routed `nats-server`s with JetStream; stopped (SIGKILL) and deleted when dropped.
pub struct NatsCluster {
    servers: Vec<Server>,
    dir: TempDir,
}

/// A port free now, below the kernel's range for outgoing connections (so the servers' own
/// route connections cannot take it before the server it is meant for binds it), picked at
/// random so tests running at once rarely try the same one. nats-server cannot be given
/// port 0 for its routes: a JetStream cluster needs every route known at start.
fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    loop {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        let port = 20_000 + (hasher.finish() % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl NatsCluster {
    /// Starts `n` servers named `nats-0`, `nats-1`, ... and waits until they accept clients;
    /// on new ports if one of them found its port taken after all.
    pub fn start(n: usize) -> NatsCluster {
        let binary = which_nats_server();
        for _ in 0..5 {
            if let Some(cluster) = NatsCluster::try_start(n, &binary) {
                return cluster;
            }
        }
        panic!("nats-server could not bind its ports in five attempts");
    }

    fn try_start(n: usize, binary: &Path) -> Option<NatsCluster> {
        let dir = TempDir::new().expect("a temporary folder");
        let servers: Vec<Server> = (0..n)
            .map(|i| Server {
                name: format!("nats-{i}"),
                client_port: free_port(),
                cluster_port: free_port(),
                process: None,
            })
            .collect();
        let mut cluster = NatsCluster { servers, dir };
        for i in 0..n {
            cluster.spawn(i, binary);
        }
        for i in 0..n {
            if !cluster.wait_listening(i) {
                return None;
            }
        }
        cluster.wait_for_leader();
        Some(cluster)
    }

    /// The client URLs of the servers, for `Config::servers`.
    pub fn urls(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.client_port))
            .collect()
    }

    /// Kills server `i` with SIGKILL.
    #[allow(dead_code)]
    pub fn kill(&mut self, i: usize) {
        if let Some(mut process) = self.servers[i].process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    fn spawn(&mut self, i: usize, binary: &Path) {
        let routes = self
            .servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.cluster_port))
            .collect::<Vec<_>>()
            .join(",");
        let server = &self.servers[i];
        let log = std::fs::File::create(self.log_path(i)).expect("a log file");
        let process = Command::new(binary)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "--cluster_name",
                "switchboard-test",
            ])
            .args(["-n", &server.name])
            .args(["-p", &server.client_port.to_string()])
            .args([
                "--cluster",
                &format!("nats://127.0.0.1:{}", server.cluster_port),
            ])
            .args(["--routes", &routes])
            .arg("-sd")
            .arg(self.dir.path().join(&server.name))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a log file"))
            .stderr(log)
            .spawn()
            .expect("nats-server starts");
        self.servers[i].process = Some(process);
    }

    fn log_path(&self, i: usize) -> PathBuf {
        self.dir
            .path()
            .join(format!("{}.log", self.servers[i].name))
    }

    /// The log of server `i` so far, for failure messages.
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.log_path(i)).unwrap_or_default()
    }

    /// Waits until the servers have elected the JetStream cluster's metadata leader: until
    /// then, requests to create buckets and streams go unanswered.
    fn wait_for_leader(&self) {
        let deadline = Instant::now() + READY_WITHIN;
        while !(0..self.servers.len()).any(|i| self.log(i).contains("new metadata leader")) {
            assert!(
                Instant::now() < deadline,
                "no JetStream leader after {READY_WITHIN:?}:\n{}",
                self.log(0)
            );
            std::thread::sleep(Duration::from_millis(20)); // polling the logs, bounded
        }
    }

    /// Whether server `i` came up; false if it exited because its port was taken.
    fn wait_listening(&mut self, i: usize) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        let wanted = format!(
            "Listening for client connections on 127.0.0.1:{}",
            self.servers[i].client_port
        );
        loop {
            let log = self.log(i);
            if log.contains(&wanted) {
                return true;
            }
            let exited = self.servers[i]
                .process
                .as_mut()
                .and_then(|p| p.try_wait().ok().flatten());
            if exited.is_some() && log.contains("address already in use") {
                return false;
            }
            assert!(exited.is_none(), "nats-server {i} exited:\n{log}");
            assert!(
                Instant::now() < deadline,
                "nats-server {i} is not listening after {READY_WITHIN:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20)); // polling its log, bounded
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.kill(i);
        }
    }
}

/// Debian's `nats-server`, or a failure saying how to get it.
fn which_nats_server() -> PathBuf {
    [
        "/usr/sbin/nats-server",
        "/usr/bin/nats-server",
        "/usr/local/bin/nats-server",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .expect(
        "nats-server is not installed: the cluster tests need Debian's nats-server \
             (apt-get install nats-server; .ci/run installs it)",
    )
}
