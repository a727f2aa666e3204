//! [`OrderError`]: why an order request is invalid or could not be placed.

use chrono::NaiveDate;
use thiserror::Error;

use crate::{Action, BrokerError, Exchange, Price, PriceType, Product};

/// An invalid order request, or a broker failure while acting on one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    /// Quantity is zero.
    #[error("Quantity must be a positive number")]
    QuantityNotPositive,
    /// Disclosed quantity above the order quantity.
    #[error("Disclosed quantity {disclosed} cannot exceed the order quantity {quantity}")]
    DisclosedAboveQuantity {
        /// Disclosed units.
        disclosed: u64,
        /// Order units.
        quantity: u64,
    },
    /// LIMIT or SL without a positive price.
    #[error("{price_type} orders require a price greater than 0")]
    PriceRequired {
        /// The price type.
        price_type: PriceType,
    },
    /// SL or SL-M without a positive trigger.
    #[error("{price_type} orders require a trigger_price greater than 0")]
    TriggerRequired {
        /// The price type.
        price_type: PriceType,
    },
    /// A stop-limit whose trigger is beyond its limit.
    #[error("For a {action} SL order the trigger_price ({trigger}) must be {} the price ({price})", if matches!(.action, Action::Buy) { "at or below" } else { "at or above" })]
    TriggerOnWrongSide {
        /// Side.
        action: Action,
        /// Trigger.
        trigger: Price,
        /// Limit.
        price: Price,
    },
    /// Orders on a quote-only index venue.
    #[error("Orders cannot be placed on {exchange}: index exchanges are quote-only")]
    IndexNotTradable {
        /// The exchange.
        exchange: Exchange,
    },
    /// The symbol is not in the instrument master.
    #[error("Symbol {symbol} not found on {exchange}")]
    SymbolNotFound {
        /// Symbol text.
        symbol: String,
        /// Exchange.
        exchange: Exchange,
    },
    /// A product the segment does not offer.
    #[error("{product} product not allowed for {exchange}: {hint}")]
    ProductNotAllowed {
        /// Product.
        product: Product,
        /// Exchange.
        exchange: Exchange,
        /// What to use instead.
        hint: &'static str,
    },
    /// Quantity not a multiple of the lot size.
    #[error("Quantity must be in multiples of lot size {lot_size}")]
    LotSize {
        /// Lot size.
        lot_size: u32,
        /// Requested units.
        quantity: u64,
    },
    /// A price that is not on the instrument's tick grid.
    #[error("{field} {value} is not a multiple of the tick size {tick}")]
    TickSize {
        /// `price` or `trigger_price`.
        field: &'static str,
        /// The value.
        value: Price,
        /// The tick size.
        tick: Price,
    },
    /// Split size of zero.
    #[error("Split size must be a positive integer")]
    SplitSizeZero,
    /// A split that would need more than [`super::MAX_SPLIT_ORDERS`] orders.
    #[error("Total number of orders would exceed maximum limit of {max}")]
    TooManySplitOrders {
        /// Orders the split would need.
        count: u64,
        /// The maximum.
        max: u64,
    },
    /// A history range that ends before it starts.
    #[error("start date {start} is after end date {end}")]
    InvalidDateRange {
        /// Start.
        start: NaiveDate,
        /// End.
        end: NaiveDate,
    },
    /// The placement's answer was lost and the broker's book showed no order with its tag,
    /// twice: the order was not placed.
    #[error("Order not placed: {cause}; the broker has no order tagged {tag}")]
    NotPlaced {
        /// The order's tag.
        tag: String,
        /// Why the answer was lost.
        cause: BrokerError,
    },
    /// The placement's answer was lost and the broker's book could not be read: the order may
    /// or may not exist. It is being reconciled by its tag; do not place it again blindly.
    #[error(
        "Order outcome unknown ({cause}); it is being reconciled with the broker by its tag {tag}: check the order book before placing it again"
    )]
    OutcomeUnknown {
        /// The order's tag.
        tag: String,
        /// Why the answer was lost.
        cause: BrokerError,
    },
    /// The account's risk rules refused the order before it reached the broker.
    #[error(transparent)]
    Risk(#[from] crate::risk::RiskViolation),
    /// The broker failed or refused.
    #[error(transparent)]
    Broker(#[from] BrokerError),
}
