//! The object-safe [`Broker`] trait, used as `Arc<dyn Broker>` because the broker is chosen at
//! run time.

use std::pin::Pin;

use async_trait::async_trait;
use futures_core::Stream;

use super::{
    BrokerError, Candle, Capabilities, Depth, Funds, GTT_FEATURE, GttRecord, GttRequest, GttScope,
    HistoryRequest, Holding, InstrumentKey, LoginRequest, ModifyOrder, Order, OrderRequest,
    OrderTag, Position, Quote, QuoteResult, Session, Trade, TriggerId,
};
use crate::instrument::Instrument;
use crate::market::{MarketEvent, SubscriptionMode};
use crate::{OrderId, Product};

/// A stream of ticks and order updates from a broker.
pub type EventStream = Pin<Box<dyn Stream<Item = MarketEvent> + Send>>;

/// One instrument to stream, at a mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscription {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// LTP, Quote or Depth.
    pub mode: SubscriptionMode,
}

/// A broker: identity, session, orders, account, market data, instrument master, streaming.
///
/// Every method speaks OpenAlgo's vocabulary; adapters translate to and from the broker's own
/// through the instrument master. Optional features have default implementations that return
/// [`BrokerError::Unsupported`].
#[async_trait]
pub trait Broker: Send + Sync {
    /// Lower-case broker id (`zerodha`, `simulator`).
    fn id(&self) -> &'static str;

    /// What this broker offers.
    fn capabilities(&self) -> &Capabilities;

    /// Exchanges login material for a session.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] when refused; `Unsupported` for brokers that need no login.
    async fn authenticate(&self, request: &LoginRequest) -> Result<Session, BrokerError> {
        let _ = request;
        Err(self.unsupported("login"))
    }

    /// Places an order and returns the broker's order id.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Rejected` carries the broker's message.
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError>;

    /// Whether the broker keeps an [`OrderTag`] on the order (`place_tagged_order`) and can
    /// find the order by it (`find_order_by_tag`). The order service then reconciles an
    /// ambiguous placement (timeout, dropped connection, gateway error) by the tag instead of
    /// guessing.
    fn supports_order_tags(&self) -> bool {
        false
    }

    /// Places an order that carries `tag`. By default the tag is dropped and this is
    /// `place_order`: only brokers whose `supports_order_tags` is true keep it.
    ///
    /// # Errors
    /// As `place_order`.
    async fn place_tagged_order(
        &self,
        order: &OrderRequest,
        tag: &OrderTag,
    ) -> Result<OrderId, BrokerError> {
        let _ = tag;
        self.place_order(order).await
    }

    /// Today's order carrying `tag`, if the broker has one.
    ///
    /// # Errors
    /// Classified [`BrokerError`] when the book cannot be read; `Unsupported` by default.
    async fn find_order_by_tag(&self, tag: &OrderTag) -> Result<Option<OrderId>, BrokerError> {
        let _ = tag;
        Err(self.unsupported("order lookup by tag"))
    }

    /// Modifies a working order.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError>;

    /// Cancels a working order.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn cancel_order(&self, order_id: &OrderId) -> Result<OrderId, BrokerError>;

    /// Today's orders.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn order_book(&self) -> Result<Vec<Order>, BrokerError>;

    /// One order; by default found in the order book.
    ///
    /// # Errors
    /// [`BrokerError::NotFound`] when the id is not in the book.
    async fn order_status(&self, order_id: &OrderId) -> Result<Order, BrokerError> {
        self.order_book()
            .await?
            .into_iter()
            .find(|o| &o.order_id == order_id)
            .ok_or_else(|| BrokerError::NotFound(format!("Order {order_id} not found")))
    }

    /// Today's fills.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError>;

    /// Net positions.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn positions(&self) -> Result<Vec<Position>, BrokerError>;

    /// The open positions' net quantities (no prices): what the risk rules count. By default
    /// read from `positions`; a broker that knows them without pricing answers faster.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn open_quantities(&self) -> Result<Vec<(InstrumentKey, Product, i64)>, BrokerError> {
        Ok(self
            .positions()
            .await?
            .into_iter()
            .filter(|p| p.quantity != 0)
            .map(|p| (p.instrument, p.product, p.quantity))
            .collect())
    }

    /// How many positions are open, and whether `(instrument, product)` is one of them: what
    /// the open-positions rule asks. By default read from `open_quantities`.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn exposure(
        &self,
        instrument: &InstrumentKey,
        product: Product,
    ) -> Result<(usize, bool), BrokerError> {
        let open = self.open_quantities().await?;
        let holds = open
            .iter()
            .any(|(k, p, _)| k == instrument && *p == product);
        Ok((open.len(), holds))
    }

    /// Net quantity of one (instrument, product); 0 when there is no position.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn open_position(
        &self,
        instrument: &InstrumentKey,
        product: Product,
    ) -> Result<i64, BrokerError> {
        Ok(self
            .positions()
            .await?
            .iter()
            .find(|p| &p.instrument == instrument && p.product == product)
            .map_or(0, |p| p.quantity))
    }

    /// Delivery holdings.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError>;

    /// Account funds.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn funds(&self) -> Result<Funds, BrokerError>;

    /// A snapshot quote.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError>;

    /// A recent last traded price, to value an order that has no price of its own (the risk
    /// rules' order-value check). By default a fresh `quote`; a broker that keeps last prices
    /// answers from them.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn last_price(&self, instrument: &InstrumentKey) -> Result<crate::Price, BrokerError> {
        Ok(self.quote(instrument).await?.ltp)
    }

    /// Quotes for several instruments; one failure does not fail the others. By default one
    /// `quote` call per instrument.
    ///
    /// # Errors
    /// Only for failures of the whole batch.
    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        let mut out = Vec::with_capacity(instruments.len());
        for instrument in instruments {
            out.push(QuoteResult {
                instrument: instrument.clone(),
                quote: self.quote(instrument).await,
            });
        }
        Ok(out)
    }

    /// Market depth.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Unsupported` by default.
    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        let _ = instrument;
        Err(self.unsupported("market depth"))
    }

    /// Historical candles.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Unsupported` by default.
    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        let _ = request;
        Err(self.unsupported("historical data"))
    }

    /// Downloads the broker's instrument master in OpenAlgo form.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError>;

    /// Streams ticks for the subscriptions, plus this account's order updates.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Unsupported` by default.
    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        let _ = subscriptions;
        Err(self.unsupported("streaming"))
    }

    /// Places a good-till-triggered order and returns its trigger id.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Unsupported` (feature [`GTT_FEATURE`]) by default.
    async fn place_gtt(&self, request: &GttRequest) -> Result<TriggerId, BrokerError> {
        let _ = request;
        Err(self.unsupported(GTT_FEATURE))
    }

    /// Replaces an active GTT's quantity, prices and triggers (its instrument, side and kind
    /// stay); returns the trigger id.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `NotFound` for no such active GTT; `Unsupported` by default.
    async fn modify_gtt(
        &self,
        trigger_id: &TriggerId,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        let _ = (trigger_id, request);
        Err(self.unsupported(GTT_FEATURE))
    }

    /// Cancels an active GTT; returns its trigger id.
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `NotFound` for no such active GTT; `Unsupported` by default.
    async fn cancel_gtt(&self, trigger_id: &TriggerId) -> Result<TriggerId, BrokerError> {
        let _ = trigger_id;
        Err(self.unsupported(GTT_FEATURE))
    }

    /// The GTTs in `scope`: the active ones, or all the broker lists (active first).
    ///
    /// # Errors
    /// Classified [`BrokerError`]; `Unsupported` by default.
    async fn gtt_book(&self, scope: GttScope) -> Result<Vec<GttRecord>, BrokerError> {
        let _ = scope;
        Err(self.unsupported(GTT_FEATURE))
    }

    /// Whether the market stream ticks around the clock (a simulator that never closes) rather
    /// than only during each exchange's session per the market calendar (the default). The
    /// server's stall watchdog expects data only when the stream should tick.
    fn streams_around_the_clock(&self) -> bool {
        false
    }

    /// The `Unsupported` error for a feature of this broker.
    fn unsupported(&self, feature: &'static str) -> BrokerError {
        BrokerError::Unsupported {
            broker: self.id(),
            feature,
        }
    }
}
