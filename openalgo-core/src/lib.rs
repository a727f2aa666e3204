//! # openalgo-core
//!
//! The pure domain core of OpenAlgo-rs: no I/O, and no wall clock outside `clock::SystemClock`.
//!
//! - [`vocab`]: OpenAlgo's closed vocabularies with their exact wire strings.
//! - [`money`]: exact prices and money (`rust_decimal`), integer quantities.
//! - [`symbol`]: OpenAlgo symbols (parse/format), broker symbols, expiries, strikes.
//! - [`instrument`]: the instrument master ([`SymbolTable`]): lookups, search, expiries, chains.
//! - [`broker`]: the object-safe async [`Broker`] trait and its request/response/error types.
//! - [`options`]: option prices, Greeks, implied volatility and option-symbol resolution.
//! - [`orders`]: validation, smart/split/basket/close-all/cancel-all, written once over the trait.
//! - [`calendar`]: exchange sessions, holidays and special sessions (IST).
//! - [`clock`]: the injected time source ([`clock::Clock`]) and IST conversion; `SystemClock`
//!   is the one reader of the wall clock, used by the binaries, never by core's logic.
//! - [`market`]: ticks and order updates with their WebSocket JSON.
//! - [`rows`]: the account rows of the REST API (orders, trades, positions, holdings, funds).
#![warn(missing_docs)]

pub mod automation;
pub mod broker;
pub mod calendar;
pub mod clock;
pub mod ids;
pub mod instrument;
pub mod market;
pub mod money;
pub mod options;
pub mod orders;
pub mod risk;
pub mod rows;
pub mod sandbox;
pub mod symbol;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
pub mod vocab;

pub use broker::{
    Broker, BrokerError, Candle, Capabilities, Depth, DepthLevel, Funds, GttKind, GttLegOrder,
    GttRecord, GttRequest, GttScope, GttState, GttTriggers, HistoryRequest, Holding, InstrumentKey,
    ModifyOrder, Order, OrderDraft, OrderRequest, Position, Quote, QuoteResult, Trade,
    TriggerDirection, TriggerId,
};
pub use ids::{IdError, InstrumentToken, OrderId, StrategyTag, TradeId};
pub use instrument::{Instrument, SymbolTable};
pub use money::{Money, Price, Quantity};
pub use orders::{OrderError, OrderService};
pub use symbol::{BrokerSymbol, ExpiryDate, Strike, Symbol, SymbolError, SymbolParts};
pub use vocab::{
    Action, Exchange, InstrumentType, Interval, OptionType, OrderStatus, PriceType, Product,
    VocabError,
};
