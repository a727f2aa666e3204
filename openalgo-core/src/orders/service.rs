//! [`OrderService`]: the order endpoints' logic over any `Arc<dyn Broker>`, validated against the
//! instrument master, with typed results per leg.

use std::sync::Arc;

use futures_util::future::join_all;

use super::basket::{BasketLeg, basket_sequence};
use super::reconcile::{self, NoHooks, ReconcileHooks};
use super::smart::{SmartDecision, SmartOrderRequest, SmartOutcome};
use super::split::{SplitLeg, split_quantities};
use super::tags::TagSource;
use super::validate::{resolve, validate_against};
use super::{OrderError, PositionLocks};
use crate::instrument::SymbolTable;
use crate::risk::RiskGate;
use crate::{Action, Broker, InstrumentKey, OrderId, OrderRequest, Product, Quantity, StrategyTag};

/// Strategy tag on the orders `close_all_positions` places.
pub const SQUARE_OFF_TAG: &str = "Squareoff";

/// Basket legs placed concurrently per batch.
const BASKET_BATCH: usize = 10;

/// One position that `close_all_positions` tried to square off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedPosition {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product.
    pub product: Product,
    /// The net quantity before closing.
    pub quantity: i64,
    /// The closing order's id or why it failed.
    pub result: Result<OrderId, OrderError>,
}

/// What `close_all_positions` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloseAllReport {
    /// Every non-flat position and its closing order.
    pub positions: Vec<ClosedPosition>,
    /// Whether the position book had any row at all (flat rows included).
    pub had_positions: bool,
}

impl CloseAllReport {
    /// Positions whose closing order was accepted.
    #[must_use]
    pub fn closed(&self) -> usize {
        self.positions.iter().filter(|p| p.result.is_ok()).count()
    }

    /// Positions whose closing order failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.positions.len() - self.closed()
    }
}

/// What `cancel_all_orders` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancelAllReport {
    /// Orders cancelled, in order-book order.
    pub canceled: Vec<OrderId>,
    /// Orders that could not be cancelled, with the reason.
    pub failed: Vec<(OrderId, OrderError)>,
}

/// Order placement and the compound order operations for one broker account.
#[derive(Clone)]
pub struct OrderService {
    broker: Arc<dyn Broker>,
    symbols: Arc<SymbolTable>,
    locks: Arc<PositionLocks>,
    tags: Arc<TagSource>,
    hooks: Arc<dyn ReconcileHooks>,
    risk: Option<Arc<RiskGate>>,
}

impl std::fmt::Debug for OrderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderService")
            .field("broker", &self.broker.id())
            .field("symbols", &self.symbols.len())
            .finish_non_exhaustive()
    }
}

impl OrderService {
    /// A service over a broker and its instrument master.
    #[must_use]
    pub fn new(broker: Arc<dyn Broker>, symbols: Arc<SymbolTable>) -> Self {
        Self {
            broker,
            symbols,
            locks: Arc::new(PositionLocks::default()),
            tags: Arc::new(TagSource::per_process()),
            hooks: Arc::new(NoHooks),
            risk: None,
        }
    }

    /// The same service checking every new order against `gate` before the broker sees it.
    /// Closing orders (`close_all_positions`) and cancels are never refused by it.
    #[must_use]
    pub fn with_risk(mut self, gate: Arc<RiskGate>) -> Self {
        self.risk = Some(gate);
        self
    }

    /// The risk gate in use, if any.
    #[must_use]
    pub fn risk(&self) -> Option<&Arc<RiskGate>> {
        self.risk.as_ref()
    }

    /// The same service taking its order tags from `tags` (a keyed call's source).
    #[must_use]
    pub fn with_tags(mut self, tags: Arc<TagSource>) -> Self {
        self.tags = tags;
        self
    }

    /// The same service reconciling with `hooks` (the host's timer and background).
    #[must_use]
    pub fn with_hooks(mut self, hooks: Arc<dyn ReconcileHooks>) -> Self {
        self.hooks = hooks;
        self
    }

    /// The tag source in use.
    #[must_use]
    pub fn tags(&self) -> &Arc<TagSource> {
        &self.tags
    }

    /// Places a validated order under a unique tag, reconciling an ambiguous failure by it.
    async fn place_checked(&self, order: &OrderRequest) -> Result<OrderId, OrderError> {
        reconcile::place(&self.broker, order, &self.tags, self.hooks.as_ref()).await
    }

    /// The broker.
    #[must_use]
    pub fn broker(&self) -> &Arc<dyn Broker> {
        &self.broker
    }

    /// The instrument master.
    #[must_use]
    pub fn symbols(&self) -> &Arc<SymbolTable> {
        &self.symbols
    }

    /// Validates an order against the master and places it. On a broker that keeps order
    /// tags, an ambiguous failure is reconciled by the order's tag (see `reconcile`).
    ///
    /// # Errors
    /// [`OrderError`] for validation failures or the broker's error;
    /// [`OrderError::NotPlaced`] / [`OrderError::OutcomeUnknown`] after an ambiguous failure;
    /// [`OrderError::Risk`] when the account's risk rules refuse it.
    pub async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, OrderError> {
        let instrument = resolve(&self.symbols, order)?;
        validate_against(order, instrument)?;
        if let Some(gate) = &self.risk {
            gate.admit(order, self.broker.as_ref()).await?;
        }
        self.place_checked(order).await
    }

    /// Brings the net position of (instrument, product) to the target (rest-api §5.1). Smart
    /// orders for the same (instrument, product) are serialised, so the second sees the first.
    ///
    /// # Errors
    /// [`OrderError`] for an invalid child order or a broker failure.
    pub async fn place_smart_order(
        &self,
        request: &SmartOrderRequest,
    ) -> Result<SmartOutcome, OrderError> {
        let template = request.template();
        let _guard = self
            .locks
            .lock(&template.instrument, template.product)
            .await;
        let current = self
            .broker
            .open_position(&template.instrument, template.product)
            .await?;
        match request.decide(current) {
            SmartDecision::NoAction(reason) => Ok(SmartOutcome::NoAction(reason)),
            SmartDecision::Place { action, quantity } => {
                let mut child = template.clone();
                child.action = action;
                child.quantity = Quantity::new(quantity);
                if child.disclosed_quantity > child.quantity {
                    child.disclosed_quantity = child.quantity;
                }
                let order_id = self.place_order(&child.build()?).await?;
                Ok(SmartOutcome::Placed {
                    order_id,
                    action,
                    quantity,
                })
            }
        }
    }

    /// Places `order` as children of `split_size` units, sequentially; a failed child does not
    /// stop the others (rest-api §5.2).
    ///
    /// # Errors
    /// [`OrderError`] when the split itself is invalid (zero size, over 100 children); child
    /// failures are reported per leg.
    pub async fn split_order(
        &self,
        order: &OrderRequest,
        split_size: u64,
    ) -> Result<Vec<SplitLeg>, OrderError> {
        let quantities = split_quantities(order.quantity().get(), split_size)?;
        let mut legs = Vec::with_capacity(quantities.len());
        for (i, quantity) in quantities.into_iter().enumerate() {
            let result = match order.with_side_and_quantity(order.action(), Quantity::new(quantity))
            {
                Ok(child) => self.place_order(&child).await,
                Err(e) => Err(e),
            };
            legs.push(SplitLeg {
                order_num: u32::try_from(i + 1).unwrap_or(u32::MAX),
                quantity,
                result,
            });
        }
        Ok(legs)
    }

    /// Places a basket: BUY legs first, then SELL legs, in batches of 10 placed concurrently.
    /// Results come back in placement order (rest-api §5.3, recommended ordering).
    pub async fn basket_order(&self, legs: &[OrderRequest]) -> Vec<BasketLeg> {
        let sequence = basket_sequence(legs);
        let mut out = Vec::with_capacity(legs.len());
        for batch in sequence.chunks(BASKET_BATCH) {
            let results = join_all(batch.iter().map(|&i| self.place_order(&legs[i]))).await;
            for (&i, result) in batch.iter().zip(results) {
                out.push(BasketLeg {
                    request_index: i,
                    instrument: legs[i].instrument().clone(),
                    product: legs[i].product(),
                    result,
                });
            }
        }
        out
    }

    /// Squares off every non-flat position with a MARKET order on the opposite side, tagged
    /// [`SQUARE_OFF_TAG`] (rest-api §5.4). Closing is not checked against the master, so a
    /// position in an instrument that has left the master can still be closed.
    ///
    /// # Errors
    /// [`OrderError::Broker`] when the position book cannot be read.
    pub async fn close_all_positions(&self) -> Result<CloseAllReport, OrderError> {
        let positions = self.broker.positions().await?;
        let mut report = CloseAllReport {
            positions: Vec::new(),
            had_positions: !positions.is_empty(),
        };
        for p in positions.into_iter().filter(|p| p.quantity != 0) {
            let action = if p.quantity > 0 {
                Action::Sell
            } else {
                Action::Buy
            };
            let mut draft = OrderRequest::builder(
                p.instrument.clone(),
                action,
                Quantity::new(p.quantity.unsigned_abs()),
            );
            draft.product = p.product;
            draft.strategy = StrategyTag::new(SQUARE_OFF_TAG).unwrap_or_default();
            let result = match draft.build() {
                Ok(order) => self.place_checked(&order).await,
                Err(e) => Err(e),
            };
            report.positions.push(ClosedPosition {
                instrument: p.instrument,
                product: p.product,
                quantity: p.quantity,
                result,
            });
        }
        Ok(report)
    }

    /// Cancels every open or trigger-pending order, one at a time in order-book order
    /// (rest-api §5.5).
    ///
    /// # Errors
    /// [`OrderError::Broker`] when the order book cannot be read.
    pub async fn cancel_all_orders(&self) -> Result<CancelAllReport, OrderError> {
        let book = self.broker.order_book().await?;
        let mut report = CancelAllReport::default();
        for order in book.into_iter().filter(|o| o.status.is_working()) {
            match self.broker.cancel_order(&order.order_id).await {
                Ok(_) => report.canceled.push(order.order_id),
                Err(e) => report.failed.push((order.order_id, e.into())),
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
