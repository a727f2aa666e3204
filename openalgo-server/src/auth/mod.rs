//! Authentication: Argon2id hashing with the pepper, OpenAlgo API keys and their verification
//! cache.

mod api_key;
mod cipher;
mod hashing;

pub use api_key::{ApiKeys, KeyCacheBus, generate_api_key};
pub use cipher::SecretCipher;
pub use hashing::{hash_secret, verify_secret};

/// Checks an API key off the async executor (Argon2 on a cache miss); the key's user id.
///
/// # Errors
/// [`crate::error::ApiError::InvalidApiKey`] for an unknown key; a store failure otherwise.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    keys: &std::sync::Arc<ApiKeys>,
    key: &str,
) -> Result<i64, crate::error::ApiError> {
    use crate::error::ApiError;
    // A cached verdict needs no thread hand-off.
    if let Some(verdict) = keys.cached(key) {
        return verdict.ok_or(ApiError::InvalidApiKey);
    }
    let keys = std::sync::Arc::clone(keys);
    let key = key.to_owned();
    crate::error::blocking(move || keys.verify(&key))
        .await??
        .ok_or(ApiError::InvalidApiKey)
}
