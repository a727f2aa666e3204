//! Semi-auto mode and the Action Center (rest-api §1.12, platform §3.3): each user's order
//! mode, the queue of order requests waiting for approval, and the changes the Action Center
//! page follows live.
//!
//! - [`ActionCenter`]: the service — a user's mode (cached, read on the order path), routing
//!   of an order endpoint (execute, queue, refuse), the queue and its decisions.
//! - [`summary`]: what a queued request is (symbol, action, quantity...) for the page and the
//!   statistics, read from its stored body.
//!
//! Executing an approved request is the API's own pipeline (`routes::v1::approved`): the
//! request runs as if it had just arrived, minus the queueing.

pub mod summary;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use openalgo_core::automation::{OrderMode, PendingStatus, Queued, Refused};
use openalgo_core::clock::Clock;
use tokio::sync::broadcast;

use crate::error::{ApiError, blocking};
use crate::store::{Decision, PendingOrderRow, Store};

/// How long a user's mode is trusted before it is read again: another instance sharing the
/// database may have changed it.
const MODE_TTL_MS: i64 = 5_000;

/// The settings key of a user's order mode.
fn mode_key(user_id: i64) -> String {
    format!("order_mode.{user_id}")
}

/// What to do with a call of an order endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// Run it now.
    Execute,
    /// Queue it for approval.
    Queue(Queued),
    /// Refuse it (403, the endpoint's message).
    Refuse(Refused),
}

/// A change of a user's queue, for the live page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Whose queue.
    pub user_id: i64,
    /// The order that changed.
    pub pending_order_id: i64,
    /// `pending_order_created` or `pending_order_updated` (the reference's event names).
    pub event: &'static str,
}

/// The Action Center service.
pub struct ActionCenter {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    modes: RwLock<HashMap<i64, (OrderMode, i64)>>,
    changes: broadcast::Sender<Change>,
}

impl std::fmt::Debug for ActionCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionCenter").finish_non_exhaustive()
    }
}

impl ActionCenter {
    /// The Action Center over `store`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            modes: RwLock::default(),
            changes: broadcast::channel(256).0,
        }
    }

    /// The user's order mode (`auto` unless set).
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn mode(&self, user_id: i64) -> Result<OrderMode, ApiError> {
        let now = self.clock.now_ms();
        if let Some((mode, at)) = self
            .modes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&user_id)
            && now - at < MODE_TTL_MS
        {
            return Ok(*mode);
        }
        let store = Arc::clone(&self.store);
        let stored = blocking(move || store.setting(&mode_key(user_id))).await??;
        let mode = match stored {
            None => OrderMode::Auto,
            Some(s) => s.parse().map_err(|e| {
                ApiError::internal(format!("stored order mode of user {user_id}: {e}"))
            })?,
        };
        self.remember(user_id, mode, now);
        Ok(mode)
    }

    fn remember(&self, user_id: i64, mode: OrderMode, at: i64) {
        self.modes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user_id, (mode, at));
    }

    /// Sets the user's order mode (kept across restarts).
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn set_mode(&self, user_id: i64, mode: OrderMode) -> Result<(), ApiError> {
        let store = Arc::clone(&self.store);
        blocking(move || store.set_setting(&mode_key(user_id), mode.as_str())).await??;
        self.remember(user_id, mode, self.clock.now_ms());
        tracing::info!(user_id, mode = mode.as_str(), "order mode changed");
        Ok(())
    }

    /// What to do with a call of `endpoint` by `user_id`; `analyze` is the call's mode (the
    /// refusals do not apply to the analyzer account, the queueing does).
    ///
    /// # Errors
    /// [`ApiError`] when the user's mode cannot be read.
    pub async fn route(
        &self,
        user_id: i64,
        endpoint: &str,
        analyze: bool,
    ) -> Result<Routing, ApiError> {
        let routing = if let Some(q) = Queued::of(endpoint) {
            Routing::Queue(q)
        } else if let Some(r) = Refused::of(endpoint).filter(|_| !analyze) {
            Routing::Refuse(r)
        } else {
            return Ok(Routing::Execute);
        };
        Ok(match self.mode(user_id).await? {
            OrderMode::Auto => Routing::Execute,
            OrderMode::SemiAuto => routing,
        })
    }

    /// Queues a request (its JSON body without the API key); returns its pending-order id.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn queue(
        &self,
        user_id: i64,
        api_type: Queued,
        order_data: String,
    ) -> Result<i64, ApiError> {
        let store = Arc::clone(&self.store);
        let at = self.clock.now_ms();
        let id = blocking(move || store.queue_order(user_id, api_type, &order_data, at)).await??;
        tracing::info!(
            user_id,
            pending_order_id = id,
            api_type = api_type.as_str(),
            "order queued for approval"
        );
        self.changed(user_id, id, "pending_order_created");
        Ok(id)
    }

    /// The user's queued orders with `status` (all when `None`), newest first.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn list(
        &self,
        user_id: i64,
        status: Option<PendingStatus>,
        limit: usize,
    ) -> Result<Vec<PendingOrderRow>, ApiError> {
        let store = Arc::clone(&self.store);
        Ok(blocking(move || store.pending_orders(user_id, status, limit)).await??)
    }

    /// How many of the user's orders are pending, approved and rejected.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn counts(&self, user_id: i64) -> Result<[u64; 3], ApiError> {
        let store = Arc::clone(&self.store);
        Ok(blocking(move || store.pending_counts(user_id)).await??)
    }

    /// One of the user's orders.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn get(&self, user_id: i64, id: i64) -> Result<Option<PendingOrderRow>, ApiError> {
        let store = Arc::clone(&self.store);
        Ok(blocking(move || store.pending_order(user_id, id)).await??)
    }

    /// Decides a pending order: true when this call decided it (an approval is then executed
    /// by the caller, once), false when it was not pending.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn decide(
        &self,
        user_id: i64,
        id: i64,
        decision: Decision,
        by: String,
    ) -> Result<bool, ApiError> {
        let store = Arc::clone(&self.store);
        let at = self.clock.now_ms();
        let done =
            blocking(move || store.decide_pending(user_id, id, &decision, &by, at)).await??;
        if done {
            self.changed(user_id, id, "pending_order_updated");
        }
        Ok(done)
    }

    /// Records what executing an approved order returned.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn record(
        &self,
        user_id: i64,
        id: i64,
        broker_order_id: Option<String>,
        broker_status: String,
    ) -> Result<(), ApiError> {
        let store = Arc::clone(&self.store);
        blocking(move || store.record_execution(id, broker_order_id.as_deref(), &broker_status))
            .await??;
        self.changed(user_id, id, "pending_order_updated");
        Ok(())
    }

    /// Deletes a decided order: true when deleted, false when absent or still pending.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn delete(&self, user_id: i64, id: i64) -> Result<bool, ApiError> {
        let store = Arc::clone(&self.store);
        let done = blocking(move || store.delete_decided(user_id, id)).await??;
        if done {
            self.changed(user_id, id, "pending_order_updated");
        }
        Ok(done)
    }

    /// Follows every change of every queue (the page filters by user).
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    fn changed(&self, user_id: i64, pending_order_id: i64, event: &'static str) {
        // No page listening is not an error.
        let _ = self.changes.send(Change {
            user_id,
            pending_order_id,
            event,
        });
    }
}
