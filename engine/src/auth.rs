//! Passwords and bearer tokens.
//!
//! Passwords are hashed with argon2id (a slow hash, run on blocking threads through the
//! [`HashGate`], which bounds how many run at once and reuses their memory);
//! tokens are 256 random bits, shown to the client once and stored only as their SHA-256
//! (a fast hash is right for a value with that much entropy).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::model::TenantId;
use crate::{Error, Result};

/// Shortest password accepted; shorter ones fall to guessing.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// How long an operator's sign-in lasts without a new login.
pub const SESSION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// How long a visitor's chat token stays valid (reading the transcript after the chat).
pub const CHAT_TOKEN_TTL_MS: u64 = 2 * 24 * 3600 * 1000;

/// Working memory for one argon2 computation (19 MiB with the default parameters). The
/// [`HashGate`] keeps one per permit and reuses them: allocating a fresh 19 MiB per sign-in
/// left the freed blocks in the allocator's per-thread arenas, so memory grew with the number
/// of blocking threads that ever hashed, and stayed.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// The first `params.block_count()` blocks, grown once when they are too few.
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

/// The argon2id PHC string of `password`, computed in `memory`. Slow by design: call from a
/// blocking thread (through [`HashGate::run`]).
pub fn hash_password(password: &str, memory: &mut Memory) -> Result<String> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("argon2: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| internal(&e))?;
    let params = Params::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory.blocks(&params),
        )
        .map_err(|e| internal(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| internal(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| internal(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`, computed in `memory` (compared in
/// constant time). Slow by design: call from a blocking thread.
pub fn verify_password(password: &str, hash: &str, memory: &mut Memory) -> bool {
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt_buf = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt_buf).ok()?;
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                memory.blocks(&params),
            )
            .ok()?;
        // `Output`'s equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

/// Bounds how many argon2 computations run at once. Each takes 19 MiB (argon2's default
/// `m_cost`) and a core for its whole run, so unbounded sign-in floods grew the process by
/// gigabytes that the allocator then kept. A caller queues for at most the configured wait,
/// then gets [`Error::Busy`]. Memory stays at one [`Memory`] per permit.
pub struct HashGate {
    /// One permit per computation allowed to run.
    permits: Arc<Semaphore>,
    /// How long a caller may queue for a permit before being turned away.
    queue: Duration,
    /// Working memories not in use; never more than the permits.
    pool: Arc<Mutex<Vec<Memory>>>,
}

impl HashGate {
    /// A gate letting `concurrency` computations run at once (0 = one per core: argon2 is
    /// CPU-bound, so more at once only adds memory and latency).
    pub fn new(concurrency: usize, queue: Duration) -> Self {
        let concurrency = match concurrency {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        HashGate {
            permits: Arc::new(Semaphore::new(concurrency)),
            queue,
            pool: Arc::default(),
        }
    }

    /// Runs `work` on a blocking thread with a pooled [`Memory`] once a permit is free. The
    /// permit moves into the blocking task, so a caller that gives up (a client that
    /// disconnects) keeps it taken until the computation really ends.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Memory) -> T + Send + 'static,
    {
        let permit = tokio::time::timeout(self.queue, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy {
                // Whoever waited the whole queue time found no free permit: suggest about as
                // long again, never under a second (Retry-After counts whole seconds).
                retry_after: self.queue.max(Duration::from_secs(1)),
            })?
            .map_err(|_| Error::Unavailable)?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let take = || pool.lock().expect("no code panics holding the pool").pop();
            let mut memory = take().unwrap_or_default();
            let result = work(&mut memory);
            pool.lock()
                .expect("no code panics holding the pool")
                .push(memory);
            result
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))
    }
}

/// A new random bearer token for a session in `tenant`: the company's id in hex, a dot and
/// 64 random hex characters. The company is not secret; naming it lets any node of a
/// cluster send the request to the node that serves the company ([`token_tenant`]).
pub fn new_token(tenant: TenantId) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{tenant:x}.{}", hex::encode(bytes))
}

/// The company a token names, if it has the shape [`new_token`] gives (tokens made before
/// it had none). Only a hint for routing: the token is checked where it is stored.
pub fn token_tenant(token: &str) -> Option<TenantId> {
    let (tenant, _) = token.split_once('.')?;
    u64::from_str_radix(tenant, 16).ok()
}

/// 32 random bytes, for a key the server makes for itself.
pub fn new_secret() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// What is stored for `token`: its SHA-256.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new public chat key: 16 lower-case hex characters.
pub fn new_public_key() -> String {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let memory = &mut Memory::default();
        let hash = hash_password("correct horse", memory).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &hash, memory));
        assert!(!verify_password("wrong horse", &hash, memory));
        assert!(!verify_password("correct horse", "not a hash", memory));
    }

    /// Hashes stored before the pooled memory (made by the library's own hasher) still
    /// verify, and new ones verify with the library's own verifier.
    #[test]
    fn pooled_hashes_agree_with_the_library_hasher() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let memory = &mut Memory::default();
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("correct horse", &stored, memory));
        assert!(!verify_password("wrong horse", &stored, memory));
        let ours = hash_password("correct horse", memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
    }

    /// Regression: sign-in floods ran any number of argon2 computations at once and took
    /// the server to gigabytes of memory. The gate runs at most its permits and turns away
    /// whoever waits longer than the queue time.
    #[tokio::test]
    async fn the_hash_gate_runs_at_most_its_permits_and_turns_away_after_the_queue_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Real time, a short queue: paused time does not advance while blocking tasks run.
        let gate = Arc::new(HashGate::new(2, Duration::from_millis(50)));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(std::sync::Mutex::new(released));
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let (gate, running, peak, released) = (
                gate.clone(),
                running.clone(),
                peak.clone(),
                released.clone(),
            );
            tasks.push(tokio::spawn(async move {
                gate.run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    released.lock().unwrap().recv().unwrap();
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        // Both permits are taken once both computations have started.
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        // A third caller queues for the wait, then is told to come back.
        match gate.run(|_| ()).await {
            Err(Error::Busy { retry_after }) => assert_eq!(retry_after, Duration::from_secs(1)),
            other => panic!("expected Busy, got {other:?}"),
        }
        release.send(()).unwrap();
        release.send(()).unwrap();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(gate.run(|_| ()).await.is_ok(), "free permits serve again");
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_digests() {
        let (a, b) = (new_token(0x2a), new_token(0x2a));
        assert_ne!(a, b);
        assert_eq!(a.len(), 67);
        assert_eq!(token_tenant(&a), Some(0x2a));
        assert_eq!(token_tenant(&"f".repeat(64)), None);
        assert_ne!(token_digest(&a), token_digest(&b));
        assert_eq!(new_public_key().len(), 16);
    }
}
