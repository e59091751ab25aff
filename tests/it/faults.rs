//! Faults around the process and its disk: the real binary stopped with SIGTERM, a disk that
//! fills up and empties again, leftover files after a failed start.

use std::path::Path;
use std::process::{Command, ExitStatus};

use reqwest::Method;
use serde_json::{json, Value};

use crate::process::{Process, NO_LIMITS};

/// The demo company's public key (`switchboard serve --demo`).
const DEMO_KEY: &str = "abcdef0123456789";

/// Sends one JSON request to `base`; `None` when the server did not answer at all.
async fn call(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut request = http.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let text = response.text().await.ok()?;
    Some((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// Leaves an offline message with the demo company; the status and body, `None` when the
/// server did not answer.
async fn leave_offline(http: &reqwest::Client, base: &str, text: &str) -> Option<(u16, Value)> {
    let body = json!({ "name": "Faulty", "email": "f@example.com", "message": text });
    let path = format!("/v1/visitor/{DEMO_KEY}/offline-messages");
    call(http, base, Method::POST, &path, None, Some(body)).await
}

/// The texts of the demo company's offline messages, read as its admin.
async fn offline_texts(base: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let login = json!({ "email": "admin@demo.example", "password": "demo-admin" });
    let (status, body) = call(&http, base, Method::POST, "/v1/login", None, Some(login))
        .await
        .expect("the server answers");
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("a token").to_owned();
    // A page at a time, newest first, until a page comes back short.
    let mut texts = Vec::new();
    let mut after: Option<u64> = None;
    loop {
        let path = match after {
            Some(id) => format!("/v1/offline-messages?limit=500&after={id}"),
            None => "/v1/offline-messages?limit=500".to_owned(),
        };
        let (status, list) = call(&http, base, Method::GET, &path, Some(&token), None)
            .await
            .expect("the server answers");
        assert_eq!(status, 200, "{list}");
        let page = list.as_array().expect("a list");
        for m in page {
            texts.push(m["message"].as_str().expect("a message text").to_owned());
        }
        if page.len() < 500 {
            return texts;
        }
        after = page.last().and_then(|m| m["id"].as_u64());
    }
}

/// Regression: `serve` stopped only on Ctrl-C, so a service manager's SIGTERM killed it
/// without finishing requests or the last flush. Writes race the signal: every one that was
/// acknowledged is there after a restart, and the process exits 0 with its shutdown line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_cleanly_and_keeps_acknowledged_writes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let mut process = Process::start(&data, dir.path(), 1, NO_LIMITS).await;
    let http = reqwest::Client::new();
    let (status, body) = leave_offline(&http, &process.base, "before the signal")
        .await
        .expect("the server answers");
    assert_eq!(status, 201, "{body}");

    // Writes in flight while the signal arrives: each either is acknowledged or is never
    // answered (the listener has closed), and the acknowledged ones must survive.
    let writers: Vec<_> = (0..20)
        .map(|i| {
            let http = http.clone();
            let base = process.base.clone();
            tokio::spawn(async move {
                let text = format!("in flight {i}");
                let answer = leave_offline(&http, &base, &text).await;
                (text, answer)
            })
        })
        .collect();
    process.signal("-TERM");
    let mut acknowledged = vec!["before the signal".to_owned()];
    for writer in writers {
        let (text, answer) = writer.await.expect("the writer ends");
        match answer {
            Some((201, _)) => acknowledged.push(text),
            // Refused while stopping, or never answered: not acknowledged, nothing promised.
            Some((status, body)) => assert!(status >= 500, "{status} {body}"),
            None => {}
        }
    }

    let (exit, log) = process.exit().await;
    assert_eq!(exit.code(), Some(0), "a clean exit:\n{log}");
    assert!(log.contains("shutting down on SIGTERM"), "{log}");
    assert!(log.contains("stopped cleanly"), "{log}");

    let process = Process::start(&data, dir.path(), 2, NO_LIMITS).await;
    let stored = offline_texts(&process.base).await;
    for text in &acknowledged {
        assert!(
            stored.contains(text),
            "{text:?} was acknowledged: {stored:?}"
        );
    }
    process.kill().await;
}

/// A tmpfs mounted for one test and unmounted when dropped, even after a failed assertion.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `options`; `None` (after saying why) where mounting is not allowed.
    fn mount(options: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(Tmpfs { dir }),
            Ok(out) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Size of the full-disk test's file system.
const DISK: &str = "size=12m";

/// Each of the two ballast files, taken from the disk before the server fills the rest and
/// given back one at a time; above the store's 2 MiB recovery headroom.
const BALLAST_BYTES: usize = 3 * 1024 * 1024;

/// Offline messages of this many characters fill the disk in a few hundred writes.
const FILLER_CHARS: usize = 3000;

/// Upper bound on writes before the disk counts as never filling.
const MAX_FILL_WRITES: usize = 20_000;

/// Leaves offline messages until one is refused; returns the acknowledged texts and the
/// refusal.
async fn fill(base: &str, round: &str, acknowledged: &mut Vec<String>) -> (u16, Value) {
    let http = reqwest::Client::new();
    let padding = "f".repeat(FILLER_CHARS);
    for i in 0..MAX_FILL_WRITES {
        let text = format!("{round} {i} {padding}");
        let (status, body) = leave_offline(&http, base, &text)
            .await
            .expect("the server answers");
        if status != 201 {
            return (status, body);
        }
        acknowledged.push(text);
    }
    panic!("the disk did not fill after {MAX_FILL_WRITES} writes");
}

/// Regression for the whole full-disk sequence users met: while full, writes answered 500
/// with sled's text and kept failing after space came back while `/healthz` said ok; a start
/// while still full left a 0-byte `snap.*.generating` and then nothing would start, `backup`
/// included ("Read corrupted data"). Now: 507 `disk_full` and `/healthz` 503 while full,
/// writes again once space is back without a restart, a clear refusal to start while full,
/// a clean start afterwards, a working backup, and every acknowledged write kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_recovers_by_itself_and_starts_again() {
    let Some(disk) = Tmpfs::mount(DISK) else {
        return;
    };
    let logs = tempfile::tempdir().expect("a temporary directory");
    let data = disk.path().join("data");
    let ballast = [disk.path().join("ballast1"), disk.path().join("ballast2")];
    for file in &ballast {
        std::fs::write(file, vec![0u8; BALLAST_BYTES]).expect("the ballast fits");
    }
    let mut process = Process::start(&data, logs.path(), 1, NO_LIMITS).await;
    let mut acknowledged = Vec::new();

    let (status, body) = fill(&process.base, "first", &mut acknowledged).await;
    assert_eq!(status, 507, "{body}");
    assert_eq!(body["code"], "disk_full", "{body}");
    let message = body["message"].as_str().expect("a message");
    for library_text in ["sled", "IO error", "os error", "Custom {"] {
        assert!(!message.contains(library_text), "{message}");
    }
    let health = process.wait_health(503).await;
    assert_eq!(health["code"], "disk_full", "{health}");

    // Space comes back: writes work again without a restart.
    std::fs::remove_file(&ballast[0]).expect("the ballast is removed");
    process.wait_health(200).await;
    let http = reqwest::Client::new();
    let (status, body) = leave_offline(&http, &process.base, "space is back")
        .await
        .expect("the server answers");
    assert_eq!(status, 201, "{body}");
    acknowledged.push("space is back".to_owned());

    // Full again, then killed, then started while still full: a clear refusal.
    let (status, body) = fill(&process.base, "second", &mut acknowledged).await;
    assert_eq!(status, 507, "{body}");
    process.kill().await;
    let failed = Process::spawn(&data, logs.path(), 2, NO_LIMITS);
    let (exit, log) = failed.exit().await;
    assert!(!exit.success(), "a start on a full disk fails:\n{log}");
    assert!(log.contains("is full"), "the reason is given:\n{log}");

    // Space freed: the next start works and every acknowledged write is there.
    std::fs::remove_file(&ballast[1]).expect("the ballast is removed");
    let process = Process::start(&data, logs.path(), 3, NO_LIMITS).await;
    let stored = offline_texts(&process.base).await;
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|t| !stored.contains(t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes are missing",
        missing.len(),
        acknowledged.len()
    );
    process.kill().await;

    let leftovers: Vec<String> = std::fs::read_dir(&data)
        .expect("the data folder lists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".generating"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let backup = logs.path().join("after-full.bak");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["backup", "--data"])
        .arg(&data)
        .arg(&backup)
        .output()
        .expect("backup runs");
    assert!(
        out.status.success(),
        "backup works after the full disk: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `switchboard ARGS`; exit status, stdout and stderr.
fn switchboard(args: &[&std::ffi::OsStr]) -> (ExitStatus, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Regressions: `backup` of a folder that did not exist created an empty database and said
/// "wrote 0 records"; a backup had no checksums, so a damaged file restored damaged data, or
/// half of it. Now the missing folder is an error, `backup --verify` and `restore` refuse a
/// file with one changed byte, and the refused restore leaves no folder behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_are_checked_and_a_missing_folder_is_not_backed_up() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let process = Process::start(&data, dir.path(), 1, NO_LIMITS).await;
    process.kill().await;

    let missing = dir.path().join("no-such-folder");
    let file = dir.path().join("demo.bak");
    let (status, stdout, stderr) = switchboard(&[
        "backup".as_ref(),
        "--data".as_ref(),
        missing.as_os_str(),
        file.as_os_str(),
    ]);
    assert!(!status.success(), "{stdout}");
    assert!(stderr.contains("holds no Switchboard database"), "{stderr}");
    assert!(!missing.exists(), "no empty database was created");
    assert!(!file.exists());

    let (status, stdout, stderr) = switchboard(&[
        "backup".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        file.as_os_str(),
    ]);
    assert!(status.success(), "{stderr}");
    assert!(stdout.starts_with("wrote "), "{stdout}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("the backup exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let mode = std::fs::metadata(&data)
            .expect("the data folder exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    let (status, stdout, stderr) =
        switchboard(&["backup".as_ref(), "--verify".as_ref(), file.as_os_str()]);
    assert!(status.success(), "{stderr}");
    assert!(stdout.contains("every checksum matches"), "{stdout}");

    // One byte changed in the middle of the file, inside some record.
    let mut bytes = std::fs::read(&file).expect("the backup reads");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    let damaged = dir.path().join("damaged.bak");
    std::fs::write(&damaged, &bytes).expect("the copy writes");
    let (status, _, stderr) =
        switchboard(&["backup".as_ref(), "--verify".as_ref(), damaged.as_os_str()]);
    assert!(!status.success(), "a damaged backup verifies");
    assert!(
        stderr.contains("not a complete Switchboard backup"),
        "{stderr}"
    );
    let target = dir.path().join("restored");
    let (status, _, stderr) = switchboard(&[
        "restore".as_ref(),
        "--data".as_ref(),
        target.as_os_str(),
        damaged.as_os_str(),
    ]);
    assert!(!status.success(), "a damaged backup restores");
    assert!(
        stderr.contains("not a complete Switchboard backup"),
        "{stderr}"
    );
    assert!(
        !target.exists(),
        "the refused restore left {}",
        target.display()
    );

    // The sound backup restores, and the server starts over it with the demo company.
    let (status, _, stderr) = switchboard(&[
        "restore".as_ref(),
        "--data".as_ref(),
        target.as_os_str(),
        file.as_os_str(),
    ]);
    assert!(status.success(), "{stderr}");
    let process = Process::start(&target, dir.path(), 2, NO_LIMITS).await;
    assert!(offline_texts(&process.base).await.is_empty());
    process.kill().await;
}
