//! The simulator as a broker: market data from [`SimMarket`], orders through the paper engine.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, Subscription};
use openalgo_core::sandbox::{SandboxConfig, SandboxEngine};
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Exchange, Funds, HistoryRequest, Holding,
    Instrument, InstrumentKey, Interval, ModifyOrder, Order, OrderId, OrderRequest, Position,
    Quote, Trade,
};

use super::market::SimMarket;
use super::stream::tick_stream;
use crate::paper::PaperBroker;
use openalgo_core::clock::Clock;

/// Market data of the simulated market behind the [`Broker`] trait. It takes no orders by
/// itself: wrap it in a [`PaperBroker`] (see [`simulator`]).
#[derive(Debug)]
pub struct SimulatorMarket {
    market: Arc<SimMarket>,
    clock: Arc<dyn Clock>,
    caps: Capabilities,
    tick_period: Duration,
}

impl SimulatorMarket {
    /// Market data at the clock's time, streaming a tick per subscription every `tick_period`.
    #[must_use]
    pub fn new(market: Arc<SimMarket>, clock: Arc<dyn Clock>, tick_period: Duration) -> Self {
        let caps = Capabilities {
            exchanges: vec![
                Exchange::Nse,
                Exchange::Bse,
                Exchange::Nfo,
                Exchange::Bfo,
                Exchange::Mcx,
                Exchange::Cds,
                Exchange::NseIndex,
                Exchange::BseIndex,
                Exchange::McxIndex,
                Exchange::GlobalIndex,
            ],
            intervals: Interval::ALL.to_vec(),
            depth_levels: vec![5],
            streaming: true,
            margin_calculator: false,
        };
        Self {
            market,
            clock,
            caps,
            tick_period,
        }
    }

    /// The simulated market.
    #[must_use]
    pub const fn market(&self) -> &Arc<SimMarket> {
        &self.market
    }
}

#[async_trait]
impl Broker for SimulatorMarket {
    fn id(&self) -> &'static str {
        "simulator"
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn streams_around_the_clock(&self) -> bool {
        !self.market.config().follow_exchange_hours
    }

    async fn place_order(&self, _: &OrderRequest) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn modify_order(&self, _: &ModifyOrder) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn cancel_order(&self, _: &OrderId) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn funds(&self) -> Result<Funds, BrokerError> {
        Err(self.unsupported("orders without the paper engine"))
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        Ok(self.market.quote(instrument, self.clock.now_ms())?)
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        Ok(self.market.depth(instrument, self.clock.now_ms())?)
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        Ok(self.market.history(request)?)
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        Ok(self.market.instruments().cloned().collect())
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        Ok(tick_stream(
            Arc::clone(&self.market),
            subscriptions,
            Arc::clone(&self.clock),
            self.tick_period,
        ))
    }
}

/// The embedded default broker: the simulated market with orders going through a fresh paper
/// account (`sandbox` configuration), reporting broker id `simulator`. When the market ticks
/// around the clock, MIS cut-offs are turned off so the platform can be tried at any hour.
#[must_use]
pub fn simulator(
    market: Arc<SimMarket>,
    mut sandbox: SandboxConfig,
    clock: Arc<dyn Clock>,
) -> PaperBroker {
    if !market.config().follow_exchange_hours {
        sandbox.mis_cutoffs = false;
    }
    let engine = SandboxEngine::new(sandbox, market.symbols(), clock.now_ist());
    let data: Arc<dyn Broker> = Arc::new(SimulatorMarket::new(
        market,
        Arc::clone(&clock),
        Duration::from_secs(1),
    ));
    PaperBroker::new(data, engine, clock).with_id("simulator")
}
