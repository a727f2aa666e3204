//! Per-(instrument, product) async locks that serialise "read position → place order" so that
//! back-to-back smart orders for one instrument see each other's effect.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::{InstrumentKey, Product};

type Key = (InstrumentKey, Product);

/// A map of async mutexes keyed by (instrument, product). Entries are dropped once unused.
#[derive(Debug, Default)]
pub struct PositionLocks {
    inner: Mutex<HashMap<Key, Arc<AsyncMutex<()>>>>,
}

/// Holds one key's lock; dropping it releases the lock and forgets unused keys.
#[derive(Debug)]
pub struct PositionGuard<'a> {
    guard: Option<OwnedMutexGuard<()>>,
    key: Option<Key>,
    owner: &'a PositionLocks,
}

impl PositionLocks {
    /// Waits for and takes the lock of (instrument, product).
    pub async fn lock(&self, instrument: &InstrumentKey, product: Product) -> PositionGuard<'_> {
        let key = (instrument.clone(), product);
        let mutex = {
            let mut map = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(map.entry(key.clone()).or_default())
        };
        let guard = mutex.lock_owned().await;
        PositionGuard {
            guard: Some(guard),
            key: Some(key),
            owner: self,
        }
    }

    /// Number of keys currently tracked (held or awaited).
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

impl Drop for PositionGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        if let Some(key) = self.key.take() {
            let mut map = self
                .owner
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Only the map holds it: nobody is waiting, so forget the key.
            if map.get(&key).is_some_and(|m| Arc::strong_count(m) == 1) {
                map.remove(&key);
            }
        }
    }
}
