//! Placement that never guesses. A live order goes out with a unique [`OrderTag`]; when the
//! answer is lost (timeout, dropped connection, gateway 5xx, unreadable body) the broker may or
//! may not hold the order, so the broker's book is asked for the tag: found → placed with that
//! id; not found twice (with a pause between) → not placed; the book unreachable → the
//! outcome is unknown, the caller is told so and [`ReconcileHooks::unresolved`] keeps asking in
//! the background. Nothing is ever re-sent blindly.

use std::sync::Arc;

use async_trait::async_trait;

use super::OrderError;
use super::tags::TagSource;
use crate::broker::OrderTag;
use crate::{Broker, BrokerError, OrderId, OrderRequest};

/// What the host supplies to reconciliation: a pause before the re-check (core has no timer)
/// and somewhere to hand an unresolved placement.
#[async_trait]
pub trait ReconcileHooks: Send + Sync {
    /// Waits before re-checking a book that did not show the tag yet.
    async fn pause(&self);
    /// The broker could not be asked: keep asking in the background and record the outcome.
    fn unresolved(&self, broker: Arc<dyn Broker>, tag: OrderTag, cause: BrokerError);
}

/// Hooks without a timer or a background: the re-check follows at once and an unresolved
/// placement is only reported to the caller (hosts without a runtime of their own).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

#[async_trait]
impl ReconcileHooks for NoHooks {
    async fn pause(&self) {}

    fn unresolved(&self, _broker: Arc<dyn Broker>, tag: OrderTag, cause: BrokerError) {
        tracing::warn!(%tag, error = %cause, "order outcome unknown; no background reconciler");
    }
}

/// Whether a failed placement may still have reached the broker.
#[must_use]
pub const fn is_ambiguous(e: &BrokerError) -> bool {
    matches!(e, BrokerError::Connectivity(_) | BrokerError::Decode(_))
}

/// Places `order` on `broker` under the next tag of `tags`, reconciling an ambiguous failure.
pub(super) async fn place(
    broker: &Arc<dyn Broker>,
    order: &OrderRequest,
    tags: &TagSource,
    hooks: &dyn ReconcileHooks,
) -> Result<OrderId, OrderError> {
    if !broker.supports_order_tags() {
        return Ok(broker.place_order(order).await?);
    }
    let tag = tags.next_tag();
    if tags.check_first()
        && let Some(id) = broker.find_order_by_tag(&tag).await?
    {
        tracing::info!(%tag, order_id = %id, "retry found the first attempt's order");
        return Ok(id);
    }
    match broker.place_tagged_order(order, &tag).await {
        Ok(id) => Ok(id),
        Err(e) if is_ambiguous(&e) => {
            tags.mark_ambiguous();
            tracing::warn!(%tag, error = %e, "ambiguous placement; reconciling by tag");
            settle(broker, tag, e, hooks).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Finds out whether the ambiguous placement under `tag` exists.
async fn settle(
    broker: &Arc<dyn Broker>,
    tag: OrderTag,
    cause: BrokerError,
    hooks: &dyn ReconcileHooks,
) -> Result<OrderId, OrderError> {
    for attempt in 0..2 {
        if attempt > 0 {
            hooks.pause().await;
        }
        match broker.find_order_by_tag(&tag).await {
            Ok(Some(id)) => {
                tracing::info!(%tag, order_id = %id, "reconciled: the broker holds the order");
                return Ok(id);
            }
            Ok(None) => {}
            Err(lookup) => {
                tracing::warn!(%tag, error = %lookup, "reconciliation deferred");
                hooks.unresolved(Arc::clone(broker), tag.clone(), cause.clone());
                return Err(OrderError::OutcomeUnknown {
                    tag: tag.to_string(),
                    cause,
                });
            }
        }
    }
    tracing::info!(%tag, "reconciled: the broker has no such order");
    Err(OrderError::NotPlaced {
        tag: tag.to_string(),
        cause,
    })
}
