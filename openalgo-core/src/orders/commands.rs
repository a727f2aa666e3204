//! The order commands: one function per command, typed request in, typed result out, each
//! with its OpenAlgo success body ([`Reply`]). Every caller trades through them: the server's
//! order service runs them on the account of the call's mode, the Python binding on its
//! broker.

use serde_json::{Value, json};

use super::{
    BasketLeg, CancelAllReport, OrderError, OrderService, SmartOrderRequest, SmartOutcome, SplitLeg,
};
use crate::{InstrumentKey, ModifyOrder, OrderDraft, OrderId, OrderRequest};

/// A typed command result with its OpenAlgo success body.
pub trait Reply {
    /// The success body (`{"status": "success", ...}`), without the analyzer marker.
    fn body(&self) -> Value;
}

/// An order was placed (or modified, or cancelled): its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The broker's order id.
    pub order_id: OrderId,
}

impl Reply for Placed {
    fn body(&self) -> Value {
        json!({"status": "success", "orderid": self.order_id})
    }
}

/// Builds and places one order.
///
/// # Errors
/// [`OrderError`] for an inconsistent draft or the broker's refusal.
#[tracing::instrument(skip_all, fields(symbol = %draft.instrument.symbol.as_str(), exchange = %draft.instrument.exchange))]
pub async fn place(t: OrderService, draft: OrderDraft) -> Result<Placed, OrderError> {
    let order = draft.build()?;
    let order_id = t.place_order(&order).await?;
    Ok(Placed { order_id })
}

/// Modifies an open order.
///
/// # Errors
/// [`OrderError::Broker`] when the broker refuses.
#[tracing::instrument(skip_all, fields(orderid = %modify.order_id()))]
pub async fn modify(t: OrderService, modify: ModifyOrder) -> Result<Placed, OrderError> {
    let order_id = t.broker().modify_order(&modify).await?;
    Ok(Placed { order_id })
}

/// Cancels an open order.
///
/// # Errors
/// [`OrderError::Broker`] when the broker refuses.
#[tracing::instrument(skip_all, fields(orderid = %id))]
pub async fn cancel(t: OrderService, id: OrderId) -> Result<Placed, OrderError> {
    let order_id = t.broker().cancel_order(&id).await?;
    Ok(Placed { order_id })
}

/// The answer of a smart order.
#[derive(Debug, Clone)]
pub struct SmartPlaced(pub SmartOutcome);

impl Reply for SmartPlaced {
    fn body(&self) -> Value {
        match &self.0 {
            SmartOutcome::Placed { order_id, .. } => {
                json!({"status": "success", "orderid": order_id})
            }
            SmartOutcome::NoAction(reason) => {
                json!({"status": "success", "message": reason.message(false)})
            }
        }
    }
}

/// Brings the position to the request's target size.
///
/// # Errors
/// [`OrderError`] for an invalid request or the broker's refusal.
#[tracing::instrument(skip_all)]
pub async fn smart(t: OrderService, request: SmartOrderRequest) -> Result<SmartPlaced, OrderError> {
    Ok(SmartPlaced(t.place_smart_order(&request).await?))
}

/// The legs of a split order.
#[derive(Debug)]
pub struct SplitReport {
    /// Units asked for.
    pub total: u64,
    /// Units per leg.
    pub split: u64,
    /// Each leg's result.
    pub legs: Vec<SplitLeg>,
}

impl Reply for SplitReport {
    fn body(&self) -> Value {
        let results: Vec<Value> = self
            .legs
            .iter()
            .map(|l| match &l.result {
                Ok(id) => json!({"order_num": l.order_num, "quantity": l.quantity, "status": "success", "orderid": id}),
                Err(e) => json!({"order_num": l.order_num, "quantity": l.quantity, "status": "error", "message": e.to_string()}),
            })
            .collect();
        json!({"status": "success", "total_quantity": self.total, "split_size": self.split, "results": results})
    }
}

/// Places `draft` in legs of at most `split` units.
///
/// # Errors
/// [`OrderError`] for an inconsistent draft.
#[tracing::instrument(skip_all, fields(split))]
pub async fn split(
    t: OrderService,
    draft: OrderDraft,
    split: u64,
) -> Result<SplitReport, OrderError> {
    let order = draft.build()?;
    let total = order.quantity().get();
    let legs = t.split_order(&order, split).await?;
    Ok(SplitReport { total, split, legs })
}

/// The legs of a basket: placed ones and those refused before placing.
#[derive(Debug)]
pub struct BasketReport {
    /// Placed legs, in placing order.
    pub legs: Vec<BasketLeg>,
    /// Legs whose draft was inconsistent: instrument and message.
    pub refused: Vec<(InstrumentKey, String)>,
}

impl Reply for BasketReport {
    fn body(&self) -> Value {
        let mut results: Vec<Value> = self
            .legs
            .iter()
            .map(|leg| match &leg.result {
                Ok(id) => json!({"symbol": leg.instrument.symbol.as_str(), "exchange": leg.instrument.exchange,
                                 "product": leg.product, "status": "success", "orderid": id}),
                Err(e) => json!({"symbol": leg.instrument.symbol.as_str(), "status": "error", "message": e.to_string()}),
            })
            .collect();
        results.extend(
            self.refused.iter().map(
                |(k, m)| json!({"symbol": k.symbol.as_str(), "status": "error", "message": m}),
            ),
        );
        json!({"status": "success", "results": results})
    }
}

/// Places every consistent draft of a basket (BUY legs first, as core orders them).
///
/// # Errors
/// Never today; the signature leaves room for a refused basket.
#[tracing::instrument(skip_all, fields(legs = drafts.len()))]
pub async fn basket(t: OrderService, drafts: Vec<OrderDraft>) -> Result<BasketReport, OrderError> {
    let mut requests: Vec<OrderRequest> = Vec::with_capacity(drafts.len());
    let mut refused = Vec::new();
    for d in drafts {
        let instrument = d.instrument.clone();
        match d.build() {
            Ok(order) => requests.push(order),
            Err(e) => refused.push((instrument, e.to_string())),
        }
    }
    let legs = t.basket_order(&requests).await;
    Ok(BasketReport { legs, refused })
}

/// The answer of cancel-all.
#[derive(Debug)]
pub struct CancelledAll(pub CancelAllReport);

impl Reply for CancelledAll {
    fn body(&self) -> Value {
        let failed: Vec<Value> = self
            .0
            .failed
            .iter()
            .map(|(id, e)| json!({"orderid": id, "message": e.to_string()}))
            .collect();
        json!({
            "status": "success",
            "message": format!("Canceled {} orders. Failed to cancel {} orders.", self.0.canceled.len(), failed.len()),
            "canceled_orders": self.0.canceled,
            "failed_cancellations": failed
        })
    }
}

/// Cancels every open order of the account.
///
/// # Errors
/// [`OrderError::Broker`] when the order book cannot be read.
#[tracing::instrument(skip_all)]
pub async fn cancel_all(t: OrderService) -> Result<CancelledAll, OrderError> {
    Ok(CancelledAll(t.cancel_all_orders().await?))
}

/// Every open position was closed.
#[derive(Debug, Clone, Copy)]
pub struct ClosedAll;

impl Reply for ClosedAll {
    fn body(&self) -> Value {
        json!({"status": "success", "message": "All Open Positions Squared Off"})
    }
}

/// Closes every open position of the account.
///
/// # Errors
/// [`OrderError::Broker`] when the positions cannot be read.
#[tracing::instrument(skip_all)]
pub async fn close_all(t: OrderService) -> Result<ClosedAll, OrderError> {
    t.close_all_positions().await?;
    Ok(ClosedAll)
}

/// A GTT was placed, modified or cancelled: its trigger id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GttDone {
    /// The broker's trigger id.
    pub trigger_id: crate::TriggerId,
}

impl Reply for GttDone {
    fn body(&self) -> Value {
        json!({"status": "success", "trigger_id": self.trigger_id.as_str()})
    }
}

/// Places a GTT.
///
/// # Errors
/// [`OrderError::Broker`]: the broker's refusal, `Unsupported` when it has no GTT.
#[tracing::instrument(skip_all, fields(symbol = %request.instrument.symbol.as_str()))]
pub async fn place_gtt(t: OrderService, request: crate::GttRequest) -> Result<GttDone, OrderError> {
    let trigger_id = t.broker().place_gtt(&request).await?;
    Ok(GttDone { trigger_id })
}

/// Replaces an active GTT.
///
/// # Errors
/// [`OrderError::Broker`]: not found, a changed identity, the broker's refusal, `Unsupported`.
#[tracing::instrument(skip_all, fields(trigger_id = %modify.0))]
pub async fn modify_gtt(
    t: OrderService,
    modify: (crate::TriggerId, crate::GttRequest),
) -> Result<GttDone, OrderError> {
    let trigger_id = t.broker().modify_gtt(&modify.0, &modify.1).await?;
    Ok(GttDone { trigger_id })
}

/// Cancels an active GTT.
///
/// # Errors
/// [`OrderError::Broker`]: not found, the broker's refusal, `Unsupported`.
#[tracing::instrument(skip_all, fields(trigger_id = %id))]
pub async fn cancel_gtt(t: OrderService, id: crate::TriggerId) -> Result<GttDone, OrderError> {
    let trigger_id = t.broker().cancel_gtt(&id).await?;
    Ok(GttDone { trigger_id })
}
