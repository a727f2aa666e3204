//! `PaperBroker` over a scripted market-data broker, driven by a manual clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::NaiveDateTime;
use openalgo_core::sandbox::{SandboxConfig, SandboxEngine, SandboxEvent};
use openalgo_core::testing::instrument;
use openalgo_core::{
    Action, Broker, BrokerError, Capabilities, Exchange, Funds, Holding, Instrument, InstrumentKey,
    ModifyOrder, Order, OrderId, OrderRequest, OrderService, OrderStatus, Position, Price,
    PriceType, Product, Quantity, Quote, Symbol, SymbolTable, Trade,
};

use super::{EventSink, PaperBroker};
use openalgo_core::clock::ManualClock;

#[derive(Debug)]
struct ScriptedMarket {
    caps: Capabilities,
    quotes: Mutex<HashMap<String, Quote>>,
}

impl ScriptedMarket {
    fn set(&self, symbol: &str, ltp: i64, spread: i64) {
        let q = Quote {
            ltp: Price::from_paise(ltp),
            bid: Price::from_paise(ltp - spread),
            ask: Price::from_paise(ltp + spread),
            ..Quote::default()
        };
        self.quotes.lock().unwrap().insert(symbol.to_owned(), q);
    }
}

#[async_trait]
impl Broker for ScriptedMarket {
    fn id(&self) -> &'static str {
        "scripted"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn place_order(&self, _: &OrderRequest) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn modify_order(&self, _: &ModifyOrder) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn cancel_order(&self, _: &OrderId) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn funds(&self) -> Result<Funds, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn quote(&self, key: &InstrumentKey) -> Result<Quote, BrokerError> {
        self.quotes
            .lock()
            .unwrap()
            .get(key.symbol.as_str())
            .cloned()
            .ok_or_else(|| BrokerError::NotFound(format!("no quote for {key}")))
    }
    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        Ok(vec![instrument("SBIN", Exchange::Nse, "3045", 1)])
    }
}

#[derive(Default)]
struct Journal(Mutex<Vec<SandboxEvent>>);

impl EventSink for Journal {
    fn submit(&self, events: &[SandboxEvent]) -> Result<super::Durable, String> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(super::Durable::ready())
    }
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn key() -> InstrumentKey {
    InstrumentKey::new(Symbol::new("SBIN").unwrap(), Exchange::Nse)
}

struct Setup {
    market: Arc<ScriptedMarket>,
    clock: Arc<ManualClock>,
    paper: Arc<PaperBroker>,
    journal: Arc<Journal>,
    base: openalgo_core::sandbox::SandboxSnapshot,
    table: Arc<SymbolTable>,
}

fn setup() -> Setup {
    let table = Arc::new(SymbolTable::new(vec![instrument(
        "SBIN",
        Exchange::Nse,
        "3045",
        1,
    )]));
    let market = Arc::new(ScriptedMarket {
        caps: Capabilities {
            exchanges: vec![Exchange::Nse],
            intervals: vec![],
            depth_levels: vec![5],
            streaming: false,
            margin_calculator: false,
        },
        quotes: Mutex::new(HashMap::new()),
    });
    market.set("SBIN", 80_000, 5);
    let start = at("2025-01-02 10:00");
    let clock = Arc::new(ManualClock::at_ist(start));
    let engine = SandboxEngine::new(SandboxConfig::default(), Arc::clone(&table), start);
    let base = engine.snapshot();
    let journal = Arc::new(Journal::default());
    let dyn_market: Arc<dyn Broker> = market.clone();
    let paper =
        Arc::new(PaperBroker::new(dyn_market, engine, clock.clone()).with_sink(journal.clone()));
    Setup {
        market,
        clock,
        paper,
        journal,
        base,
        table,
    }
}

fn order(action: Action, qty: u64, price_type: PriceType, price: i64) -> OrderRequest {
    let mut d = OrderRequest::builder(key(), action, Quantity::new(qty));
    d.price_type = price_type;
    d.price = Price::from_paise(price);
    d.build().unwrap()
}

#[tokio::test]
async fn market_orders_fill_at_the_market_brokers_ask() {
    let s = setup();
    let id = s
        .paper
        .place_order(&order(Action::Buy, 10, PriceType::Market, 0))
        .await
        .unwrap();
    let o = s.paper.order_status(&id).await.unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, Price::from_paise(80_005))
    );
    let positions = s.paper.positions().await.unwrap();
    assert_eq!(positions[0].quantity, 10);
    // The book's LTP follows the market: (800.00 - 800.05) × 10.
    assert_eq!(positions[0].pnl, rust_decimal::Decimal::new(-50, 2));
    let funds = s.paper.funds().await.unwrap();
    assert_eq!(
        funds.utilised_debits,
        rust_decimal::Decimal::new(160_010, 2)
    );
    assert_eq!(s.paper.trade_book().await.unwrap().len(), 1);
}

#[tokio::test]
async fn resting_limits_fill_when_refresh_sees_the_price() {
    let s = setup();
    let id = s
        .paper
        .place_order(&order(Action::Buy, 10, PriceType::Limit, 79_000))
        .await
        .unwrap();
    assert_eq!(
        s.paper.order_status(&id).await.unwrap().status,
        OrderStatus::Open
    );
    s.market.set("SBIN", 78_900, 5);
    s.paper.refresh().await.unwrap();
    let o = s.paper.order_status(&id).await.unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, Price::from_paise(79_000))
    );
}

#[tokio::test]
async fn a_streamed_tick_fills_a_resting_limit_at_once() {
    let s = setup();
    let id = s
        .paper
        .place_order(&order(Action::Buy, 10, PriceType::Limit, 79_000))
        .await
        .unwrap();
    assert!(s.paper.wants(&key()));
    let tick = |paise| openalgo_core::market::Tick {
        instrument: key(),
        ltp: Price::from_paise(paise),
        ltt_ms: None,
        timestamp_ms: 0,
        data: openalgo_core::market::TickData::Ltp,
    };
    s.paper.on_tick(&tick(79_100)).await.unwrap();
    assert_eq!(
        s.paper.order_status(&id).await.unwrap().status,
        OrderStatus::Open
    );
    s.paper.on_tick(&tick(78_950)).await.unwrap();
    let o = s.paper.order_status(&id).await.unwrap();
    assert_eq!(
        (o.status, o.average_price),
        (OrderStatus::Complete, Price::from_paise(79_000))
    );
    assert!(!s.paper.wants(&key()), "nothing working any more");
}

#[tokio::test]
async fn refusals_are_classified() {
    let s = setup();
    let missing = OrderId::new("25010200000099").unwrap();
    assert!(matches!(
        s.paper.cancel_order(&missing).await,
        Err(BrokerError::NotFound(_))
    ));
    let id = s
        .paper
        .place_order(&order(Action::Buy, 1, PriceType::Market, 0))
        .await
        .unwrap();
    let err = s.paper.cancel_order(&id).await.unwrap_err();
    assert_eq!(
        err,
        BrokerError::rejected("Cannot cancel order in complete status")
    );
    // No quote: a MARKET order cannot be priced.
    s.market.quotes.lock().unwrap().clear();
    let err = s
        .paper
        .place_order(&order(Action::Buy, 1, PriceType::Market, 0))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Cannot place MARKET order for SBIN")
    );
}

#[tokio::test]
async fn order_updates_are_streamed_and_events_journalled() {
    let s = setup();
    let mut updates = s.paper.order_updates();
    let id = s
        .paper
        .place_order(&order(Action::Buy, 5, PriceType::Market, 0))
        .await
        .unwrap();
    let first = updates.recv().await.unwrap();
    let second = updates.recv().await.unwrap();
    assert_eq!(
        (first.order_id.clone(), first.status),
        (id.clone(), OrderStatus::Open)
    );
    assert_eq!(
        (second.order_id, second.status),
        (id, OrderStatus::Complete)
    );
    let json = serde_json::to_value(second_message(&first)).unwrap();
    assert_eq!(json["broker"], "sandbox");

    // The journal rebuilds the engine.
    let events = s.journal.0.lock().unwrap().clone();
    assert!(!events.is_empty());
    let replayed = SandboxEngine::replay(
        SandboxConfig::default(),
        s.table.clone(),
        s.base.clone(),
        &events,
    );
    let mut live = s.paper.inspect(SandboxEngine::snapshot);
    let mut rebuilt = replayed.snapshot();
    live.prices.clear();
    rebuilt.prices.clear();
    assert_eq!(live, rebuilt);
}

fn second_message(u: &openalgo_core::market::OrderUpdate) -> serde_json::Value {
    serde_json::to_value(u.message(
        "tester",
        openalgo_core::market::TradingMode::Analyze,
        "sandbox",
    ))
    .unwrap()
}

#[tokio::test]
async fn time_rules_run_on_the_injected_clock() {
    let s = setup();
    let mut d = OrderRequest::builder(key(), Action::Buy, Quantity::new(10));
    d.product = Product::Mis;
    s.paper.place_order(&d.build().unwrap()).await.unwrap();
    s.clock.set_ist(at("2025-01-02 15:14"));
    assert_eq!(s.paper.positions().await.unwrap()[0].quantity, 10);
    s.clock.set_ist(at("2025-01-02 15:15"));
    let positions = s.paper.positions().await.unwrap();
    assert!(positions.iter().all(|p| p.quantity == 0));
    let book = s.paper.order_book().await.unwrap();
    assert_eq!(book[0].strategy.as_str(), "AUTO_SQUARE_OFF");
}

#[tokio::test]
async fn order_service_runs_on_the_paper_broker() {
    let s = setup();
    let dynamic: Arc<dyn Broker> = s.paper.clone();
    let service = OrderService::new(dynamic, s.table.clone());
    let draft = OrderRequest::builder(key(), Action::Buy, Quantity::new(7));
    let req = openalgo_core::orders::SmartOrderRequest::new(draft.clone(), 7).unwrap();
    assert!(matches!(
        service.place_smart_order(&req).await.unwrap(),
        openalgo_core::orders::SmartOutcome::Placed { quantity: 7, .. }
    ));
    // Second time the position already matches.
    assert!(matches!(
        service.place_smart_order(&req).await.unwrap(),
        openalgo_core::orders::SmartOutcome::NoAction(_)
    ));
    let report = service.close_all_positions().await.unwrap();
    assert_eq!(report.closed(), 1);
    assert_eq!(
        s.paper.open_position(&key(), Product::Mis).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn e16_closed_rows_leave_the_position_book_at_the_session_boundary() {
    let s = setup();
    let buy = OrderRequest::builder(key(), Action::Buy, Quantity::new(10))
        .build()
        .unwrap();
    s.paper.place_order(&buy).await.unwrap();
    s.market.set("SBIN", 80_500, 5);
    let sell = OrderRequest::builder(key(), Action::Sell, Quantity::new(10))
        .build()
        .unwrap();
    s.paper.place_order(&sell).await.unwrap();
    let rows = s.paper.positions().await.unwrap();
    assert_eq!(rows.len(), 1, "closed today with realized P&L: still shown");
    assert_eq!(rows[0].quantity, 0);
    assert_eq!(
        s.paper.funds().await.unwrap().m2m_realized,
        rust_decimal::Decimal::new(4_900, 2)
    );
    s.clock.set_ist(at("2025-01-03 03:00"));
    assert!(s.paper.positions().await.unwrap().is_empty());
    let funds = s.paper.funds().await.unwrap();
    assert_eq!(funds.m2m_realized, rust_decimal::Decimal::ZERO);
    assert!(
        s.paper.trade_book().await.unwrap().is_empty(),
        "trade book is per session"
    );
}

#[tokio::test]
async fn pages_read_the_same_books_as_the_broker_calls() {
    let s = setup();
    // Orders of the previous session (one still working), then today's: filled, resting and
    // cancelled ones, across several pages.
    for (kind, price) in [(PriceType::Limit, 70_000), (PriceType::Market, 0)] {
        let mut d = OrderRequest::builder(key(), Action::Buy, Quantity::new(2));
        (d.price_type, d.price, d.product) = (kind, Price::from_paise(price), Product::Cnc);
        s.paper.place_order(&d.build().unwrap()).await.unwrap();
    }
    s.clock.set_ist(at("2025-01-03 10:00"));
    for i in 0..23u64 {
        let kind = if i % 3 == 0 {
            PriceType::Market
        } else {
            PriceType::Limit
        };
        let id = s
            .paper
            .place_order(&order(Action::Buy, 1 + i, kind, 70_000))
            .await
            .unwrap();
        if i % 5 == 1 && kind == PriceType::Limit {
            s.paper.cancel_order(&id).await.unwrap();
        }
    }
    let expected_orders = s.paper.order_book().await.unwrap();
    let expected_trades = s.paper.trade_book().await.unwrap();
    for scan in [1, 4, 7, 100] {
        let (mut cursor, mut orders) = (s.paper.order_cursor(), Vec::new());
        while !cursor.is_done() {
            orders.extend(s.paper.order_page(&mut cursor, scan));
        }
        assert_eq!(orders, expected_orders, "pages of {scan}");
        let (mut cursor, mut trades) = (s.paper.trade_cursor(), Vec::new());
        while !cursor.is_done() {
            trades.extend(s.paper.trade_page(&mut cursor, scan));
        }
        assert_eq!(trades, expected_trades, "pages of {scan}");
    }
    // The previous session's working order is listed, its filled one is not.
    assert_eq!(expected_orders.len(), 24);
    assert_eq!(expected_trades.len(), 8);
}

#[tokio::test]
async fn a_gtt_is_booked_fires_on_a_refreshed_price_and_replays_from_the_journal() {
    use openalgo_core::{GttKind, GttRequest, GttState, GttTriggers, TriggerDirection};
    let s = setup();
    let request = GttRequest {
        instrument: key(),
        action: Action::Buy,
        product: Product::Cnc,
        quantity: Quantity::new(2),
        price_type: PriceType::Limit,
        triggers: GttTriggers::Single {
            trigger: Price::from_paise(79_000),
            direction: TriggerDirection::Below,
            price: Price::from_paise(79_050),
        },
        strategy: openalgo_core::StrategyTag::new("gtt").unwrap(),
        expires_at: None,
    };
    let id = s.paper.place_gtt(&request).await.unwrap();
    assert!(id.as_str().starts_with("GTT-250102-"), "{id}");
    let book = s
        .paper
        .gtt_book(openalgo_core::GttScope::Active)
        .await
        .unwrap();
    assert_eq!(book.len(), 1);
    assert_eq!(
        (book[0].kind, book[0].state, book[0].last_price),
        (GttKind::Single, GttState::Active, Price::from_paise(80_000))
    );
    assert!(
        s.paper.wants(&key()),
        "an active GTT needs the instrument's ticks"
    );

    // The price falls through the trigger: the next refresh fires the leg into an order.
    s.market.set("SBIN", 78_900, 5);
    assert!(
        s.paper
            .gtt_book(openalgo_core::GttScope::Active)
            .await
            .unwrap()
            .is_empty()
    );
    let orders = s.paper.order_book().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].quantity, Quantity::new(2));
    let all = s.paper.all_gtts().unwrap();
    assert_eq!(all[0].state, GttState::Triggered);
    let err = s.paper.cancel_gtt(&id).await.unwrap_err();
    assert_eq!(
        err,
        BrokerError::NotFound(format!("No active GTT with trigger_id '{id}'"))
    );

    let events = s.journal.0.lock().unwrap().clone();
    let replayed = SandboxEngine::replay(
        SandboxConfig::default(),
        s.table.clone(),
        s.base.clone(),
        &events,
    );
    let mut live = s.paper.inspect(SandboxEngine::snapshot);
    let mut rebuilt = replayed.snapshot();
    live.prices.clear();
    rebuilt.prices.clear();
    assert_eq!(live.gtts.len(), 1);
    assert_eq!(live, rebuilt);
}
