//! OpenAlgo API keys: 64 lowercase hex characters, stored only as Argon2id hashes; verified
//! through positive (10 h) and negative (5 min) caches keyed by SHA-256 of the key, so a
//! request does not pay an Argon2 verify each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::{hash_secret, verify_secret};
use crate::store::{Store, StoreError};

const VALID_TTL: Duration = Duration::from_secs(36_000);
const INVALID_TTL: Duration = Duration::from_secs(300);
const MAX_VALID: usize = 1024;
const MAX_INVALID: usize = 512;

/// A fresh API key: 32 random bytes, hex encoded.
#[must_use]
pub fn generate_api_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(Debug, Default)]
struct Caches {
    valid: HashMap<[u8; 32], (i64, Instant)>,
    invalid: HashMap<[u8; 32], Instant>,
}

/// Tells the other instances that keys changed, so that they drop their cached verdicts
/// (Redis with `REDIS_URL`; nothing to tell in a single instance).
pub trait KeyCacheBus: Send + Sync + std::fmt::Debug {
    /// Announces a rotation and returns once every listening instance has dropped its cache
    /// (bounded wait). Blocking: called off the async executor.
    ///
    /// # Errors
    /// A description of what could not be confirmed.
    fn announce(&self) -> Result<(), String>;
}

/// Issues and verifies API keys against the store.
pub struct ApiKeys {
    store: Arc<dyn Store>,
    pepper: SecretString,
    cipher: super::SecretCipher,
    caches: Mutex<Caches>,
    bus: Option<Arc<dyn KeyCacheBus>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys").finish_non_exhaustive()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl ApiKeys {
    /// The cipher secrets at rest are encrypted with (Fernet(main)).
    #[must_use]
    pub const fn cipher(&self) -> &super::SecretCipher {
        &self.cipher
    }

    /// The pepper appended to passwords and keys before hashing.
    #[must_use]
    pub const fn pepper(&self) -> &SecretString {
        &self.pepper
    }

    /// Keys over `store`, hashed with `pepper` and encrypted with Fernet(main) from the pepper
    /// and `fernet_salt`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, pepper: SecretString, fernet_salt: &[u8]) -> Self {
        let cipher = super::SecretCipher::new(&pepper, fernet_salt);
        Self {
            store,
            pepper,
            cipher,
            caches: Mutex::new(Caches::default()),
            bus: None,
        }
    }

    /// Announces rotations on `bus` (several instances).
    #[must_use]
    pub fn with_bus(mut self, bus: Arc<dyn KeyCacheBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Drops every cached verdict (a key changed on another instance).
    pub fn forget_cached(&self) {
        *self.caches() = Caches::default();
    }

    /// The plaintext key of `user_id`, decrypted from its stored copy.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot be read.
    pub fn reveal(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .store
            .api_key_encrypted(user_id)?
            .and_then(|token| self.cipher.decrypt(&token)))
    }

    fn caches(&self) -> std::sync::MutexGuard<'_, Caches> {
        self.caches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates (or replaces) the key of `user_id`; returns the plaintext once. Every cached
    /// verification is dropped, so the old key stops working at once; with a bus, on every
    /// instance (a failure to confirm that is logged: the other instances drop their caches
    /// when their listener reconnects).
    ///
    /// # Errors
    /// [`StoreError`] when the hash cannot be stored.
    pub fn issue(&self, user_id: i64) -> Result<String, StoreError> {
        let key = generate_api_key();
        let hash = hash_secret(&key, &self.pepper)
            .map_err(|e| StoreError::Conflict(format!("cannot hash the API key: {e}")))?;
        self.store
            .set_api_key(user_id, &hash, &self.cipher.encrypt(&key))?;
        self.forget_cached();
        if let Some(bus) = &self.bus
            && let Err(e) = bus.announce()
        {
            tracing::error!(
                error = %e,
                "API key rotated, but not every instance confirmed dropping its cache"
            );
        }
        Ok(key)
    }

    /// The cached verdict for a presented key: `Some(Some(user))` valid, `Some(None)` known
    /// invalid, `None` not cached (call [`ApiKeys::verify`] off the executor). Never blocks on
    /// I/O or hashing.
    #[must_use]
    pub fn cached(&self, key: &str) -> Option<Option<i64>> {
        let d = digest(key);
        let now = Instant::now();
        let mut c = self.caches();
        if let Some(&(user, at)) = c.valid.get(&d) {
            if now.duration_since(at) < VALID_TTL {
                return Some(Some(user));
            }
            c.valid.remove(&d);
        }
        if let Some(&at) = c.invalid.get(&d) {
            if now.duration_since(at) < INVALID_TTL {
                return Some(None);
            }
            c.invalid.remove(&d);
        }
        None
    }

    /// The user id of a presented key, or `None`. Blocking (Argon2 on a cache miss): call it
    /// off the async executor.
    ///
    /// # Errors
    /// [`StoreError`] when the stored hashes cannot be read.
    pub fn verify(&self, key: &str) -> Result<Option<i64>, StoreError> {
        if let Some(verdict) = self.cached(key) {
            return Ok(verdict);
        }
        let d = digest(key);
        let now = Instant::now();
        let found = self
            .store
            .api_keys()?
            .into_iter()
            .find(|row| verify_secret(key, &self.pepper, &row.key_hash))
            .map(|row| row.user_id);
        let mut c = self.caches();
        match found {
            Some(user) => {
                if c.valid.len() >= MAX_VALID {
                    c.valid.clear();
                }
                c.valid.insert(d, (user, now));
            }
            None => {
                if c.invalid.len() >= MAX_INVALID {
                    c.invalid.clear();
                }
                c.invalid.insert(d, now);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[test]
    fn issue_verify_rotate() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let id = store.create_admin("admin", "x").unwrap();
        let keys = ApiKeys::new(
            store.clone(),
            SecretString::from("p".repeat(32)),
            b"salt-salt-salt-1",
        );
        let k1 = keys.issue(id).unwrap();
        assert_eq!(k1.len(), 64);
        assert!(
            k1.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(keys.verify(&k1).unwrap(), Some(id));
        assert_eq!(keys.verify(&k1).unwrap(), Some(id), "cached");
        assert_eq!(keys.verify("nope").unwrap(), None);
        // The stored hash never contains the key.
        let row = &store.api_keys().unwrap()[0];
        assert!(row.key_hash.starts_with("$argon2id$v=19$m=65536,t=3,p=4$"));
        assert!(!row.key_hash.contains(&k1));
        let stored = store.api_key_encrypted(id).unwrap().unwrap();
        assert!(!stored.contains(&k1), "only an encrypted copy is stored");
        assert_eq!(keys.reveal(id).unwrap().as_deref(), Some(k1.as_str()));
        let k2 = keys.issue(id).unwrap();
        assert_eq!(keys.verify(&k1).unwrap(), None, "rotated key stops working");
        assert_eq!(keys.verify(&k2).unwrap(), Some(id));
        assert_eq!(keys.reveal(id).unwrap().as_deref(), Some(k2.as_str()));
    }
}
