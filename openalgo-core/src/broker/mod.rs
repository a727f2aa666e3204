//! The [`Broker`] trait every adapter implements, with its request, response and error types.

mod capabilities;
mod error;
mod gtt;
mod models;
mod requests;
mod session;
mod tag;
mod traits;

pub use capabilities::Capabilities;
pub use error::BrokerError;
pub use gtt::{
    GTT_FEATURE, GttKind, GttLegOrder, GttRecord, GttRequest, GttRuleError, GttScope, GttState,
    GttTriggers, TriggerDirection, TriggerId,
};
pub use models::{
    Candle, Depth, DepthLevel, Funds, Holding, Order, Position, Quote, QuoteResult, Trade,
};
pub use requests::{HistoryRequest, InstrumentKey, ModifyOrder, OrderDraft, OrderRequest};
pub use session::{LoginRequest, Session};
pub use tag::{ORDER_TAG_PREFIX, OrderTag};
pub use traits::{Broker, EventStream, Subscription};
