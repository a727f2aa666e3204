//! `Idempotency-Key` (after the IETF draft "The Idempotency-Key HTTP Header Field"): keys are
//! scoped per user and endpoint, the request's fingerprint is kept with the first answer, a key
//! reused with another body is refused (422), duplicates in flight wait for the first, and
//! stored answers expire after 24 hours.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use openalgo_core::clock::Clock;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{IdempotencyScope, Store};

/// The header clients send.
pub const HEADER: &str = "Idempotency-Key";
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// How long a stored answer is replayed.
pub const RETENTION_MS: i64 = 24 * 3_600_000;

/// The key of a request, checked: 1 to [`MAX_KEY_LEN`] visible characters.
///
/// # Errors
/// 400 for an empty, over-long or non-text key.
pub fn key_of(
    header: Option<&actix_web::http::header::HeaderValue>,
) -> Result<Option<String>, ApiError> {
    let Some(value) = header else {
        return Ok(None);
    };
    let bad = || ApiError::BadRequest(format!("{HEADER} must be 1 to {MAX_KEY_LEN} characters"));
    let key = value.to_str().map_err(|_| bad())?.trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(bad());
    }
    Ok(Some(key.to_owned()))
}

/// The fingerprint of a request body: SHA-256 (hex) of its JSON with the API key removed and
/// object keys sorted, so key order and whitespace do not matter; a body that is not JSON is
/// hashed as sent.
#[must_use]
pub fn fingerprint(body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut m)) => {
            m.remove("apikey");
            canonical(&Value::Object(m))
        }
        Ok(other) => canonical(&other),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Keys in flight: a second request with the same scoped key waits for the first to answer.
#[derive(Debug, Default)]
pub struct KeyLocks(Mutex<HashMap<ScopeKey, Arc<tokio::sync::Mutex<()>>>>);

/// A scope as a map key: user, endpoint, key.
type ScopeKey = (i64, String, String);

impl KeyLocks {
    /// The lock of `scope`.
    pub fn get(&self, scope: &IdempotencyScope) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > 10_000 {
            map.retain(|_, m| Arc::strong_count(m) > 1);
        }
        Arc::clone(
            map.entry((scope.user_id, scope.endpoint.clone(), scope.key.clone()))
                .or_default(),
        )
    }
}

/// Deletes expired answers every `period` until aborted.
#[must_use]
pub fn spawn_purge(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let store = Arc::clone(&store);
            let before = clock.now_ms() - RETENTION_MS;
            match tokio::task::spawn_blocking(move || store.purge_idempotency(before)).await {
                Ok(Ok(n)) if n > 0 => tracing::debug!(purged = n, "idempotency keys expired"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %crate::error::chain(&e), "idempotency purge failed")
                }
                Err(e) => tracing::warn!(error = %e, "idempotency purge did not run"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_key_order_whitespace_and_the_api_key() {
        let a = fingerprint(br#"{"apikey":"k1","symbol":"SBIN","quantity":"1"}"#);
        let b = fingerprint(br#"{ "quantity": "1", "symbol": "SBIN", "apikey": "other" }"#);
        assert_eq!(a, b);
        assert_ne!(a, fingerprint(br#"{"symbol":"SBIN","quantity":"2"}"#));
        assert_ne!(
            a,
            fingerprint(br#"{"symbol":"SBIN","quantity":1}"#),
            "types count"
        );
        assert_eq!(fingerprint(b"not json").len(), 64);
    }

    #[test]
    fn keys_are_bounded() {
        use actix_web::http::header::HeaderValue;
        assert_eq!(key_of(None).unwrap(), None);
        assert_eq!(
            key_of(Some(&HeaderValue::from_static(" k1 "))).unwrap(),
            Some("k1".into())
        );
        assert!(key_of(Some(&HeaderValue::from_static("  "))).is_err());
        let long = HeaderValue::from_str(&"x".repeat(256)).unwrap();
        assert!(key_of(Some(&long)).is_err());
    }
}
