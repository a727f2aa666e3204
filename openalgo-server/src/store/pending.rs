//! [`PendingOrderStore`]: the Action Center's queue of order requests waiting for approval
//! (semi-auto mode, platform §3.3).

use openalgo_core::automation::{PendingStatus, Queued};

use super::StoreError;

/// A queued order request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOrderRow {
    /// Row id (the `pending_order_id` the caller was given).
    pub id: i64,
    /// Whose order.
    pub user_id: i64,
    /// The endpoint it was sent to.
    pub api_type: Queued,
    /// The request body (JSON) without the API key.
    pub order_data: String,
    /// Where it stands.
    pub status: PendingStatus,
    /// When it was queued, epoch milliseconds.
    pub created_ms: i64,
    /// When it was approved or rejected, epoch milliseconds.
    pub decided_ms: Option<i64>,
    /// Who decided (username).
    pub decided_by: Option<String>,
    /// Why it was rejected.
    pub rejected_reason: Option<String>,
    /// The order (or trigger) id its execution returned.
    pub broker_order_id: Option<String>,
    /// The execution's outcome (`success`, or the error message).
    pub broker_status: Option<String>,
}

/// A decision on a pending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve it (the caller then executes it).
    Approve,
    /// Reject it, with a reason.
    Reject(String),
}

/// The Action Center queue's persistence. Every call is scoped to a user: one user can neither
/// see nor decide another's orders.
pub trait PendingOrderStore: Send + Sync {
    /// Queues a request; returns its id.
    ///
    /// # Errors
    /// [`StoreError`].
    fn queue_order(
        &self,
        user_id: i64,
        api_type: Queued,
        order_data: &str,
        created_ms: i64,
    ) -> Result<i64, StoreError>;

    /// The user's queued orders with `status` (all when `None`), newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError`].
    fn pending_orders(
        &self,
        user_id: i64,
        status: Option<PendingStatus>,
        limit: usize,
    ) -> Result<Vec<PendingOrderRow>, StoreError>;

    /// How many of the user's orders have each status (`[pending, approved, rejected]`).
    ///
    /// # Errors
    /// [`StoreError`].
    fn pending_counts(&self, user_id: i64) -> Result<[u64; 3], StoreError>;

    /// Moves one of the user's orders from pending to approved or rejected, atomically: true
    /// when this call decided it, false when it was not pending (already decided, or absent).
    /// An approval that returned true is executed exactly once, by its caller.
    ///
    /// # Errors
    /// [`StoreError`].
    fn decide_pending(
        &self,
        user_id: i64,
        id: i64,
        decision: &Decision,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError>;

    /// One of the user's orders.
    ///
    /// # Errors
    /// [`StoreError`].
    fn pending_order(&self, user_id: i64, id: i64) -> Result<Option<PendingOrderRow>, StoreError>;

    /// Records what executing an approved order returned.
    ///
    /// # Errors
    /// [`StoreError`].
    fn record_execution(
        &self,
        id: i64,
        broker_order_id: Option<&str>,
        broker_status: &str,
    ) -> Result<(), StoreError>;

    /// Deletes one of the user's decided (approved or rejected) orders: true when deleted,
    /// false when absent or still pending.
    ///
    /// # Errors
    /// [`StoreError`].
    fn delete_decided(&self, user_id: i64, id: i64) -> Result<bool, StoreError>;
}
