//! Passwords and bearer tokens.
//!
//! Passwords are hashed with argon2id (a slow hash, run off the actor threads by the caller);
//! tokens are 256 random bits, shown to the client once and stored only as their SHA-256
//! (a fast hash is right for a value with that much entropy).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Shortest password accepted; shorter ones fall to guessing.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// How long an operator's sign-in lasts without a new login.
pub const SESSION_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// How long a visitor's chat token stays valid (reading the transcript after the chat).
pub const CHAT_TOKEN_TTL_MS: u64 = 2 * 24 * 3600 * 1000;

/// The argon2id PHC string of `password`. Slow by design: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC string `hash`. Slow by design: call from a blocking thread.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random bearer token (64 hex characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
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
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_digests() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_digest(&a), token_digest(&b));
        assert_eq!(new_public_key().len(), 16);
    }
}
