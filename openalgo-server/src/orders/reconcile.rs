//! [`BackgroundReconciler`]: the server's [`ReconcileHooks`]. The re-check of a book that did not
//! show an order's tag waits [`RECHECK_PAUSE`]; a placement whose outcome could not be
//! established (the broker unreachable for the lookup too) is looked up again in the
//! background, with growing delays, until the broker answers, and the true outcome is written
//! to the order log as a `reconcile` row (the broker's order book shows it anyway).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use openalgo_core::broker::OrderTag;
use openalgo_core::orders::ReconcileHooks;
use openalgo_core::{Broker, BrokerError, OrderId};
use serde_json::json;

use crate::journal::JournalWriter;
use crate::store::OrderLogEntry;

/// Wait before re-checking a book that did not show the tag yet.
pub const RECHECK_PAUSE: Duration = Duration::from_millis(500);
/// First wait of the background lookups; doubled per failure up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_secs(1);
/// Longest wait between background lookups.
const MAX_DELAY: Duration = Duration::from_secs(30);
/// Background lookups before giving up (about an hour and a half at the longest delay).
const MAX_LOOKUPS: u32 = 200;

/// Reconciliation with a timer and a background, logging outcomes to the order log.
#[derive(Clone)]
pub struct BackgroundReconciler {
    journal: JournalWriter,
}

impl std::fmt::Debug for BackgroundReconciler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundReconciler")
            .finish_non_exhaustive()
    }
}

impl BackgroundReconciler {
    /// A reconciler writing its outcomes through `journal`.
    #[must_use]
    pub const fn new(journal: JournalWriter) -> Self {
        Self { journal }
    }

    async fn record(&self, tag: &OrderTag, outcome: Option<Result<&OrderId, ()>>) {
        let (status, response) = match outcome {
            Some(Ok(id)) => (
                200,
                json!({"status": "success", "orderid": id.as_str(), "tag": tag.as_str()}),
            ),
            Some(Err(())) => (
                502,
                json!({"status": "error", "tag": tag.as_str(),
                    "message": format!("Order not placed: the broker has no order tagged {tag}")}),
            ),
            None => (
                502,
                json!({"status": "error", "tag": tag.as_str(),
                    "message": format!("Order outcome still unknown: the broker could not be asked about tag {tag}; check its order book")}),
            ),
        };
        let entry = OrderLogEntry {
            api_type: "reconcile".to_owned(),
            mode: "live".to_owned(),
            request: json!({"tag": tag.as_str()}).to_string(),
            status,
            response: response.to_string(),
            created_at: None,
            idempotency: None,
        };
        if let Err(e) = self.journal.log(entry, self.journal.pending_log()).await {
            tracing::error!(%tag, error = %e, "reconciliation outcome not logged");
        }
    }

    async fn chase(self, broker: Arc<dyn Broker>, tag: OrderTag) {
        let mut delay = FIRST_DELAY;
        let mut empty = 0;
        for _ in 0..MAX_LOOKUPS {
            tokio::time::sleep(delay).await;
            match broker.find_order_by_tag(&tag).await {
                Ok(Some(id)) => {
                    tracing::info!(%tag, order_id = %id, "background reconciliation: placed");
                    return self.record(&tag, Some(Ok(&id))).await;
                }
                // Two empty answers in a row confirm the order is not there.
                Ok(None) if empty > 0 => {
                    tracing::info!(%tag, "background reconciliation: not placed");
                    return self.record(&tag, Some(Err(()))).await;
                }
                Ok(None) => {
                    empty += 1;
                    delay = RECHECK_PAUSE;
                    continue;
                }
                Err(e) => {
                    empty = 0;
                    tracing::debug!(%tag, error = %e, "background reconciliation: broker unreachable");
                }
            }
            delay = (delay * 2).min(MAX_DELAY).max(FIRST_DELAY);
        }
        tracing::error!(%tag, "background reconciliation gave up");
        self.record(&tag, None).await;
    }
}

#[async_trait]
impl ReconcileHooks for BackgroundReconciler {
    async fn pause(&self) {
        tokio::time::sleep(RECHECK_PAUSE).await;
    }

    fn unresolved(&self, broker: Arc<dyn Broker>, tag: OrderTag, cause: BrokerError) {
        tracing::warn!(%tag, error = %cause, "order outcome unknown; reconciling in the background");
        tokio::spawn(self.clone().chase(broker, tag));
    }
}
