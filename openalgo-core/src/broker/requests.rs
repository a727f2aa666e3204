//! Requests a caller hands to a [`super::Broker`]. Each is valid by construction: the builders
//! check the rules that need no instrument data (positive quantity, prices the price type
//! needs, stop-limit trigger side); [`crate::orders::validate_against`] adds the instrument
//! master's lot-size, tick-size and product rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::orders::OrderError;
use crate::{
    Action, Exchange, Interval, OrderId, Price, PriceType, Product, Quantity, StrategyTag, Symbol,
};

/// An instrument named the OpenAlgo way: symbol plus OpenAlgo exchange.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstrumentKey {
    /// OpenAlgo symbol.
    pub symbol: Symbol,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
}

impl InstrumentKey {
    /// Pairs a symbol with its exchange.
    #[must_use]
    pub const fn new(symbol: Symbol, exchange: Exchange) -> Self {
        Self { symbol, exchange }
    }
}

impl std::fmt::Display for InstrumentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.exchange, self.symbol)
    }
}

/// A new order. Build it with [`OrderRequest::builder`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRequest {
    instrument: InstrumentKey,
    action: Action,
    quantity: Quantity,
    price_type: PriceType,
    product: Product,
    price: Price,
    trigger_price: Price,
    disclosed_quantity: Quantity,
    strategy: StrategyTag,
}

/// The editable form of an [`OrderRequest`]; `build` validates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Units (not lots).
    pub quantity: Quantity,
    /// Price type (default MARKET).
    pub price_type: PriceType,
    /// Product (default MIS).
    pub product: Product,
    /// Limit price for LIMIT and SL (ignored otherwise).
    pub price: Price,
    /// Trigger for SL and SL-M (ignored otherwise).
    pub trigger_price: Price,
    /// Disclosed quantity (0 = all).
    pub disclosed_quantity: Quantity,
    /// Strategy tag.
    pub strategy: StrategyTag,
}

impl OrderDraft {
    /// Validates and normalises the draft: MARKET and SL-M drop the limit price, MARKET and
    /// LIMIT drop the trigger, as the reference sandbox does.
    ///
    /// # Errors
    /// [`OrderError`] for a zero quantity, a missing price or trigger, a stop-limit whose
    /// trigger is on the wrong side of its limit, a disclosed quantity above the quantity, or
    /// an index (quote-only) exchange.
    pub fn build(mut self) -> Result<OrderRequest, OrderError> {
        check_common(
            self.instrument.exchange,
            self.quantity,
            self.disclosed_quantity,
        )?;
        if !self.price_type.has_limit_price() {
            self.price = Price::ZERO;
        }
        if !self.price_type.has_trigger() {
            self.trigger_price = Price::ZERO;
        }
        check_prices(self.action, self.price_type, self.price, self.trigger_price)?;
        Ok(OrderRequest {
            instrument: self.instrument,
            action: self.action,
            quantity: self.quantity,
            price_type: self.price_type,
            product: self.product,
            price: self.price,
            trigger_price: self.trigger_price,
            disclosed_quantity: self.disclosed_quantity,
            strategy: self.strategy,
        })
    }
}

fn check_common(
    exchange: Exchange,
    quantity: Quantity,
    disclosed: Quantity,
) -> Result<(), OrderError> {
    if exchange.is_index() {
        return Err(OrderError::IndexNotTradable { exchange });
    }
    if quantity.is_zero() {
        return Err(OrderError::QuantityNotPositive);
    }
    if disclosed > quantity {
        return Err(OrderError::DisclosedAboveQuantity {
            disclosed: disclosed.get(),
            quantity: quantity.get(),
        });
    }
    Ok(())
}

fn check_prices(
    action: Action,
    price_type: PriceType,
    price: Price,
    trigger: Price,
) -> Result<(), OrderError> {
    if price_type.has_limit_price() && !price.is_positive() {
        return Err(OrderError::PriceRequired { price_type });
    }
    if price_type.has_trigger() && !trigger.is_positive() {
        return Err(OrderError::TriggerRequired { price_type });
    }
    if price_type == PriceType::StopLimit {
        let wrong_side = match action {
            // A buy stop triggers on the way up and then buys up to its limit.
            Action::Buy => trigger > price,
            // A sell stop triggers on the way down and then sells down to its limit.
            Action::Sell => trigger < price,
        };
        if wrong_side {
            return Err(OrderError::TriggerOnWrongSide {
                action,
                trigger,
                price,
            });
        }
    }
    Ok(())
}

impl OrderRequest {
    /// Starts a MARKET / MIS order draft with empty strategy.
    #[must_use]
    pub fn builder(instrument: InstrumentKey, action: Action, quantity: Quantity) -> OrderDraft {
        OrderDraft {
            instrument,
            action,
            quantity,
            price_type: PriceType::Market,
            product: Product::Mis,
            price: Price::ZERO,
            trigger_price: Price::ZERO,
            disclosed_quantity: Quantity::ZERO,
            strategy: StrategyTag::default(),
        }
    }

    /// The same order with another side and quantity (smart and split orders).
    ///
    /// # Errors
    /// [`OrderError`] when the new combination is invalid (zero quantity, stop-limit side).
    pub fn with_side_and_quantity(
        &self,
        action: Action,
        quantity: Quantity,
    ) -> Result<Self, OrderError> {
        let mut draft = self.to_draft();
        draft.action = action;
        draft.quantity = quantity;
        if draft.disclosed_quantity > quantity {
            draft.disclosed_quantity = quantity;
        }
        draft.build()
    }

    /// Back to an editable draft.
    #[must_use]
    pub fn to_draft(&self) -> OrderDraft {
        OrderDraft {
            instrument: self.instrument.clone(),
            action: self.action,
            quantity: self.quantity,
            price_type: self.price_type,
            product: self.product,
            price: self.price,
            trigger_price: self.trigger_price,
            disclosed_quantity: self.disclosed_quantity,
            strategy: self.strategy.clone(),
        }
    }

    /// Instrument.
    #[must_use]
    pub const fn instrument(&self) -> &InstrumentKey {
        &self.instrument
    }
    /// Side.
    #[must_use]
    pub const fn action(&self) -> Action {
        self.action
    }
    /// Units.
    #[must_use]
    pub const fn quantity(&self) -> Quantity {
        self.quantity
    }
    /// Price type.
    #[must_use]
    pub const fn price_type(&self) -> PriceType {
        self.price_type
    }
    /// Product.
    #[must_use]
    pub const fn product(&self) -> Product {
        self.product
    }
    /// Limit price (zero unless LIMIT or SL).
    #[must_use]
    pub const fn price(&self) -> Price {
        self.price
    }
    /// Trigger price (zero unless SL or SL-M).
    #[must_use]
    pub const fn trigger_price(&self) -> Price {
        self.trigger_price
    }
    /// Disclosed quantity.
    #[must_use]
    pub const fn disclosed_quantity(&self) -> Quantity {
        self.disclosed_quantity
    }
    /// Strategy tag.
    #[must_use]
    pub const fn strategy(&self) -> &StrategyTag {
        &self.strategy
    }
}

/// A modification of a working order: the full new state, as OpenAlgo's `modifyorder` sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModifyOrder {
    order_id: OrderId,
    order: OrderRequest,
}

impl ModifyOrder {
    /// Validates the new order state for `order_id`.
    ///
    /// # Errors
    /// As [`OrderDraft::build`].
    pub fn new(order_id: OrderId, draft: OrderDraft) -> Result<Self, OrderError> {
        Ok(Self {
            order_id,
            order: draft.build()?,
        })
    }

    /// The order being modified.
    #[must_use]
    pub const fn order_id(&self) -> &OrderId {
        &self.order_id
    }

    /// Its new state.
    #[must_use]
    pub const fn order(&self) -> &OrderRequest {
        &self.order
    }
}

/// A request for historical candles over a closed date range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRequest {
    instrument: InstrumentKey,
    interval: Interval,
    start: NaiveDate,
    end: NaiveDate,
}

impl HistoryRequest {
    /// Validates that `start <= end`.
    ///
    /// # Errors
    /// [`OrderError::InvalidDateRange`] otherwise.
    pub fn new(
        instrument: InstrumentKey,
        interval: Interval,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Self, OrderError> {
        if start > end {
            return Err(OrderError::InvalidDateRange { start, end });
        }
        Ok(Self {
            instrument,
            interval,
            start,
            end,
        })
    }

    /// Instrument.
    #[must_use]
    pub const fn instrument(&self) -> &InstrumentKey {
        &self.instrument
    }
    /// Interval.
    #[must_use]
    pub const fn interval(&self) -> Interval {
        self.interval
    }
    /// First date (inclusive).
    #[must_use]
    pub const fn start(&self) -> NaiveDate {
        self.start
    }
    /// Last date (inclusive).
    #[must_use]
    pub const fn end(&self) -> NaiveDate {
        self.end
    }
}
