//! A real full disk: sled on a small tmpfs that the test fills and empties again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::testing::{note, Note};
use crate::{Config, Error, Health, Key, Store};

/// Size of the test's file system: a few hundred notes fill what the ballast leaves.
const DISK: &str = "size=8m";

/// Taken from the disk before the store fills the rest, and given back to end the shortage;
/// above [`super::RECOVERY_HEADROOM`].
const BALLAST_BYTES: usize = 3 * 1024 * 1024;

/// How many times the health is looked at (every [`POLL`]) before recovery counts as failed:
/// a minute, for a busy machine.
const HEALTH_TRIES: u32 = 1200;

/// Pause between two looks at the health: free space raises no event.
const POLL: Duration = Duration::from_millis(50);

/// A tmpfs mounted for one test and unmounted when dropped, even after a failed assertion.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `options`; `None` (after saying why) where mounting is not allowed.
    fn mount(options: &str) -> Option<Tmpfs> {
        let dir = tempfile::TempDir::new().unwrap();
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

/// Waits until the store reports `want`, bounded by [`HEALTH_TRIES`].
fn wait_health(store: &Store, want: Health) {
    for _ in 0..HEALTH_TRIES {
        if store.health() == want {
            return;
        }
        std::thread::sleep(POLL);
    }
    panic!("the store did not become {want:?}");
}

fn open(path: &Path) -> Store {
    Store::open(&Config {
        path: path.to_owned(),
        ..Config::default()
    })
    .unwrap()
}

/// Regression: after a full disk sled stays poisoned, so every write kept failing (with
/// sled's text) until a restart even once space was back. Now writes are refused as
/// `DiskFull` while the disk is full, the store reopens the database by itself when space
/// returns, and no acknowledged write is lost on the way or after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_takes_writes_again_by_itself_once_a_full_disk_has_space() {
    let Some(disk) = Tmpfs::mount(DISK) else {
        return;
    };
    let ballast: PathBuf = disk.path().join("ballast");
    std::fs::write(&ballast, vec![0u8; BALLAST_BYTES]).unwrap();
    let db = disk.path().join("db");
    let store = open(&db);
    let notes = store.table::<Note>().unwrap();

    let mut acknowledged = Vec::new();
    let text = "x".repeat(1000);
    let failure = loop {
        assert!(acknowledged.len() < 100_000, "the disk never filled");
        let key = Key::new().u64(acknowledged.len() as u64).finish();
        let written = match notes.insert(&key, &note(&text)) {
            Ok(ticket) => ticket.durable().await,
            Err(e) => Err(e),
        };
        match written {
            Ok(()) => acknowledged.push(key),
            Err(e) => break e,
        }
    };
    assert!(matches!(failure, Error::DiskFull), "{failure}");
    assert_eq!(store.health(), Health::DiskFull);
    assert!(!acknowledged.is_empty());
    // Refused at once while full, with the store's own words; reads still answer.
    let refused = notes.insert(b"refused", &note("no room")).unwrap_err();
    assert!(matches!(refused, Error::DiskFull), "{refused}");
    assert!(!refused.to_string().contains("sled"), "{refused}");
    assert!(store.next_id(0).unwrap_err().is_disk_full());
    assert_eq!(notes.get(&acknowledged[0]).unwrap(), Some(note(&text)));

    std::fs::remove_file(&ballast).unwrap();
    wait_health(&store, Health::Ok);
    notes
        .insert(b"after", &note("space is back"))
        .unwrap()
        .durable()
        .await
        .unwrap();
    for key in &acknowledged {
        assert_eq!(notes.get(key).unwrap(), Some(note(&text)), "{key:?}");
    }
    drop(notes);
    drop(store);

    let store = open(&db);
    let notes = store.table::<Note>().unwrap();
    for key in &acknowledged {
        assert_eq!(notes.get(key).unwrap(), Some(note(&text)), "{key:?}");
    }
    assert_eq!(notes.get(b"after").unwrap(), Some(note("space is back")));
}

/// Regression: a start on a full disk left a 0-byte `snap.*.generating` file, which sled
/// then read as its newest snapshot, so every later start (and `backup`) failed with "Read
/// corrupted data". Start-up removes such a file and the data is all there.
#[tokio::test]
async fn an_unfinished_snapshot_left_by_a_failed_start_is_removed_at_open() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("db");
    {
        let store = open(&path);
        let notes = store.table::<Note>().unwrap();
        notes
            .insert(b"k", &note("kept"))
            .unwrap()
            .durable()
            .await
            .unwrap();
    }
    let leftover = path.join("snap.FFFFFFFFFFFFFFF0.generating");
    std::fs::write(&leftover, b"").unwrap();

    let store = open(&path);
    assert!(!leftover.exists());
    let notes = store.table::<Note>().unwrap();
    assert_eq!(notes.get(b"k").unwrap(), Some(note("kept")));
}

/// The database folder is created private to its owner: chat logs and password hashes are
/// nobody else's to read.
#[cfg(unix)]
#[test]
fn a_new_database_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("new").join("db");
    drop(open(&path));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
}
