//! Tests of [`OrderService`] against an in-memory fake broker used as `Arc<dyn Broker>`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::*;
use crate::instrument::Instrument;
use crate::orders::{NoActionReason, SmartOrderRequest, SmartOutcome};
use crate::testing::instrument;
use crate::{
    BrokerError, Capabilities, Exchange, Funds, Holding, ModifyOrder, Order, OrderStatus, Position,
    Price, PriceType, Quote, Symbol, Trade,
};

#[derive(Default)]
struct FakeBroker {
    placed: Mutex<Vec<OrderRequest>>,
    positions: Mutex<Vec<Position>>,
    book: Mutex<Vec<Order>>,
    cancelled: Mutex<Vec<OrderId>>,
    reject_symbol: Option<&'static str>,
    /// Applies each fill to the positions, like a broker filling market orders at once.
    fill_instantly: bool,
    caps: Capabilities,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            exchanges: vec![Exchange::Nse, Exchange::Nfo],
            intervals: vec![],
            depth_levels: vec![5],
            streaming: false,
            margin_calculator: false,
        }
    }
}

fn ts() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 2)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

#[async_trait]
impl Broker for FakeBroker {
    fn id(&self) -> &'static str {
        "fake"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError> {
        // Yield so that concurrent callers really interleave.
        tokio::time::sleep(Duration::from_millis(1)).await;
        if Some(order.instrument().symbol.as_str()) == self.reject_symbol {
            return Err(BrokerError::rejected("RMS: blocked symbol"));
        }
        let mut placed = self.placed.lock().unwrap();
        placed.push(order.clone());
        if self.fill_instantly {
            let mut positions = self.positions.lock().unwrap();
            let delta = order.quantity().signed(order.action());
            match positions
                .iter_mut()
                .find(|p| &p.instrument == order.instrument() && p.product == order.product())
            {
                Some(p) => p.quantity += delta,
                None => {
                    positions.push(position(order.instrument().clone(), order.product(), delta))
                }
            }
        }
        Ok(OrderId::new(format!("OID{}", placed.len())).unwrap())
    }
    async fn modify_order(&self, m: &ModifyOrder) -> Result<OrderId, BrokerError> {
        Ok(m.order_id().clone())
    }
    async fn cancel_order(&self, id: &OrderId) -> Result<OrderId, BrokerError> {
        if id.as_str() == "BAD" {
            return Err(BrokerError::rejected("order already executing"));
        }
        self.cancelled.lock().unwrap().push(id.clone());
        Ok(id.clone())
    }
    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        Ok(self.book.lock().unwrap().clone())
    }
    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Ok(vec![])
    }
    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        Ok(self.positions.lock().unwrap().clone())
    }
    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        Ok(vec![])
    }
    async fn funds(&self) -> Result<Funds, BrokerError> {
        Ok(Funds::default())
    }
    async fn quote(&self, _: &InstrumentKey) -> Result<Quote, BrokerError> {
        Ok(Quote::default())
    }
    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        Ok(vec![])
    }
}

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).unwrap(), exchange)
}

fn position(instrument: InstrumentKey, product: Product, quantity: i64) -> Position {
    Position {
        instrument,
        product,
        quantity,
        average_price: Price::ZERO,
        ltp: Price::ZERO,
        pnl: rust_decimal::Decimal::ZERO,
    }
}

fn table() -> Arc<SymbolTable> {
    Arc::new(SymbolTable::new(vec![
        instrument("SBIN", Exchange::Nse, "3045", 1),
        instrument("INFY", Exchange::Nse, "1594", 1),
        instrument("NIFTY30JAN25FUT", Exchange::Nfo, "9", 75),
    ]))
}

fn service(broker: FakeBroker) -> (OrderService, Arc<FakeBroker>) {
    let broker = Arc::new(broker);
    let dynamic: Arc<dyn Broker> = broker.clone();
    (OrderService::new(dynamic, table()), broker)
}

fn market(symbol: &str, exchange: Exchange, action: Action, qty: u64) -> OrderRequest {
    OrderRequest::builder(key(symbol, exchange), action, Quantity::new(qty))
        .build()
        .unwrap()
}

#[tokio::test]
async fn place_order_validates_against_master_before_the_broker() {
    let (svc, broker) = service(FakeBroker::default());
    assert_eq!(
        svc.place_order(&market("NIFTY30JAN25FUT", Exchange::Nfo, Action::Buy, 50))
            .await
            .unwrap_err()
            .to_string(),
        "Quantity must be in multiples of lot size 75"
    );
    assert!(matches!(
        svc.place_order(&market("TCS", Exchange::Nse, Action::Buy, 1))
            .await,
        Err(OrderError::SymbolNotFound { .. })
    ));
    assert!(broker.placed.lock().unwrap().is_empty());
    let id = svc
        .place_order(&market("SBIN", Exchange::Nse, Action::Buy, 1))
        .await
        .unwrap();
    assert_eq!(id.as_str(), "OID1");
}

#[tokio::test]
async fn broker_rejections_are_classified() {
    let (svc, _) = service(FakeBroker {
        reject_symbol: Some("SBIN"),
        ..FakeBroker::default()
    });
    let err = svc
        .place_order(&market("SBIN", Exchange::Nse, Action::Buy, 1))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        OrderError::Broker(BrokerError::Rejected { .. })
    ));
    assert_eq!(err.to_string(), "RMS: blocked symbol");
}

#[tokio::test]
async fn smart_order_reads_position_and_places_the_difference() {
    let (svc, broker) = service(FakeBroker::default());
    broker
        .positions
        .lock()
        .unwrap()
        .push(position(key("SBIN", Exchange::Nse), Product::Mis, 20));
    // Row 14: BUY 10 with target -30 from +20 sells 50.
    let mut draft =
        OrderRequest::builder(key("SBIN", Exchange::Nse), Action::Buy, Quantity::new(10));
    draft.price_type = PriceType::Limit;
    draft.price = Price::from_paise(80_000);
    let req = SmartOrderRequest::new(draft.clone(), -30).unwrap();
    let out = svc.place_smart_order(&req).await.unwrap();
    assert_eq!(
        out,
        SmartOutcome::Placed {
            order_id: OrderId::new("OID1").unwrap(),
            action: Action::Sell,
            quantity: 50
        }
    );
    let placed = broker.placed.lock().unwrap()[0].clone();
    assert_eq!(placed.action(), Action::Sell);
    assert_eq!(placed.quantity().get(), 50);
    assert_eq!(
        placed.price_type(),
        PriceType::Limit,
        "pricetype is honoured"
    );
    // Another product has no position: matched at zero with quantity 0.
    draft.product = Product::Cnc;
    draft.quantity = Quantity::ZERO;
    let out = svc
        .place_smart_order(&SmartOrderRequest::new(draft, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(out, SmartOutcome::NoAction(NoActionReason::NothingToExit));
}

#[tokio::test]
async fn concurrent_smart_orders_for_one_instrument_are_serialised() {
    let (svc, broker) = service(FakeBroker {
        fill_instantly: true,
        ..FakeBroker::default()
    });
    let draft = OrderRequest::builder(key("SBIN", Exchange::Nse), Action::Buy, Quantity::new(5));
    let req = SmartOrderRequest::new(draft, 10).unwrap();
    let results = futures::future::join_all((0..8).map(|_| svc.place_smart_order(&req))).await;
    let placed: Vec<_> = results
        .iter()
        .filter(|r| matches!(r, Ok(SmartOutcome::Placed { .. })))
        .collect();
    // Without the lock every call would read 0 and buy 10; with it only the first buys.
    assert_eq!(placed.len(), 1);
    assert_eq!(broker.positions.lock().unwrap()[0].quantity, 10);
    assert_eq!(svc.locks.tracked(), 0, "unused lock entries are dropped");
}

#[tokio::test]
async fn smart_order_rejects_invalid_template_early() {
    let mut draft = OrderRequest::builder(key("SBIN", Exchange::Nse), Action::Buy, Quantity::ZERO);
    draft.price_type = PriceType::Limit;
    assert_eq!(
        SmartOrderRequest::new(draft, 5).unwrap_err(),
        OrderError::PriceRequired {
            price_type: PriceType::Limit
        }
    );
}

#[tokio::test]
async fn split_places_every_child_and_reports_failures_per_leg() {
    let (svc, broker) = service(FakeBroker::default());
    let parent = market("SBIN", Exchange::Nse, Action::Buy, 105);
    let legs = svc.split_order(&parent, 20).await.unwrap();
    let quantities: Vec<u64> = legs.iter().map(|l| l.quantity).collect();
    assert_eq!(quantities, vec![20, 20, 20, 20, 20, 5]);
    assert_eq!(legs.last().unwrap().order_num, 6);
    assert!(legs.iter().all(|l| l.result.is_ok()));
    assert_eq!(broker.placed.lock().unwrap().len(), 6);

    // A lot-sized future: a child that is not whole lots fails alone.
    let fut = market("NIFTY30JAN25FUT", Exchange::Nfo, Action::Sell, 200);
    let legs = svc.split_order(&fut, 150).await.unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0].quantity, 150);
    assert!(legs[0].result.is_ok());
    assert_eq!(legs[1].quantity, 50);
    assert_eq!(
        legs[1].result.as_ref().unwrap_err().to_string(),
        "Quantity must be in multiples of lot size 75"
    );
    assert_eq!(broker.placed.lock().unwrap().len(), 7);

    assert!(matches!(
        svc.split_order(&parent, 1).await,
        Err(OrderError::TooManySplitOrders { count: 105, .. })
    ));
}

#[tokio::test]
async fn basket_places_buys_first_and_keeps_going_after_failures() {
    let (svc, broker) = service(FakeBroker {
        reject_symbol: Some("INFY"),
        ..FakeBroker::default()
    });
    let legs = vec![
        market("SBIN", Exchange::Nse, Action::Sell, 1),
        market("INFY", Exchange::Nse, Action::Buy, 1),
        market("SBIN", Exchange::Nse, Action::Buy, 2),
        market("TCS", Exchange::Nse, Action::Sell, 1),
    ];
    let out = svc.basket_order(&legs).await;
    let order: Vec<usize> = out.iter().map(|l| l.request_index).collect();
    assert_eq!(order, vec![1, 2, 0, 3]);
    assert!(matches!(out[0].result, Err(OrderError::Broker(_))));
    assert!(out[1].result.is_ok() && out[2].result.is_ok());
    assert!(matches!(
        out[3].result,
        Err(OrderError::SymbolNotFound { .. })
    ));
    let placed: Vec<(Action, u64)> = broker
        .placed
        .lock()
        .unwrap()
        .iter()
        .map(|o| (o.action(), o.quantity().get()))
        .collect();
    assert_eq!(placed, vec![(Action::Buy, 2), (Action::Sell, 1)]);
}

#[tokio::test]
async fn close_all_squares_off_non_flat_positions() {
    let (svc, broker) = service(FakeBroker::default());
    {
        let mut p = broker.positions.lock().unwrap();
        p.push(position(key("SBIN", Exchange::Nse), Product::Mis, 10));
        p.push(position(
            key("NIFTY30JAN25FUT", Exchange::Nfo),
            Product::Nrml,
            -75,
        ));
        p.push(position(key("INFY", Exchange::Nse), Product::Mis, 0));
    }
    let report = svc.close_all_positions().await.unwrap();
    assert_eq!((report.closed(), report.failed()), (2, 0));
    assert!(report.had_positions);
    let placed = broker.placed.lock().unwrap().clone();
    assert_eq!(placed.len(), 2);
    assert_eq!(
        (placed[0].action(), placed[0].quantity().get()),
        (Action::Sell, 10)
    );
    assert_eq!(
        (placed[1].action(), placed[1].quantity().get()),
        (Action::Buy, 75)
    );
    assert_eq!(placed[1].product(), Product::Nrml);
    assert!(placed.iter().all(|o| o.price_type() == PriceType::Market));
    assert!(
        placed
            .iter()
            .all(|o| o.strategy().as_str() == SQUARE_OFF_TAG)
    );

    let (empty, _) = service(FakeBroker::default());
    let report = empty.close_all_positions().await.unwrap();
    assert!(!report.had_positions && report.positions.is_empty());
}

#[tokio::test]
async fn cancel_all_cancels_open_and_trigger_pending_only() {
    let (svc, broker) = service(FakeBroker::default());
    let order = |id: &str, status: OrderStatus| Order {
        order_id: OrderId::new(id).unwrap(),
        instrument: key("SBIN", Exchange::Nse),
        action: Action::Buy,
        quantity: Quantity::new(1),
        filled_quantity: Quantity::ZERO,
        price: Price::ZERO,
        trigger_price: Price::ZERO,
        average_price: Price::ZERO,
        price_type: PriceType::Limit,
        product: Product::Mis,
        status,
        rejection_reason: None,
        strategy: StrategyTag::default(),
        timestamp: ts(),
    };
    broker.book.lock().unwrap().extend([
        order("1001", OrderStatus::Open),
        order("1002", OrderStatus::TriggerPending),
        order("1003", OrderStatus::Complete),
        order("BAD", OrderStatus::Open),
        order("1004", OrderStatus::Cancelled),
    ]);
    let report = svc.cancel_all_orders().await.unwrap();
    let ids: Vec<&str> = report.canceled.iter().map(OrderId::as_str).collect();
    assert_eq!(ids, vec!["1001", "1002"]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0.as_str(), "BAD");
    assert_eq!(report.failed[0].1.to_string(), "order already executing");
}

#[tokio::test]
async fn the_risk_gate_refuses_before_the_broker_and_never_blocks_closing() {
    use crate::risk::{RiskGate, RiskGuard, RiskLimits, RiskViolation};
    use std::sync::atomic::{AtomicU64, Ordering};

    let (svc, broker) = service(FakeBroker {
        fill_instantly: true,
        ..FakeBroker::default()
    });
    let clock = Arc::new(AtomicU64::new(0));
    let time = Arc::clone(&clock);
    let limits = RiskLimits {
        orders_per_second: 2,
        max_open_positions: Some(1),
        ..RiskLimits::none()
    };
    let gate = Arc::new(RiskGate::new(
        RiskGuard::new(limits).unwrap(),
        Arc::new(move || time.load(Ordering::SeqCst)),
    ));
    let svc = svc.with_risk(Arc::clone(&gate));
    let buy = |s| market(s, Exchange::Nse, Action::Buy, 1);

    // One position may be open: SBIN opens it, INFY would open a second, SBIN adds to it.
    svc.place_order(&buy("SBIN")).await.unwrap();
    let err = svc.place_order(&buy("INFY")).await.unwrap_err();
    assert!(matches!(
        err,
        OrderError::Risk(RiskViolation::TooManyPositions { open: 1, limit: 1 })
    ));
    svc.place_order(&buy("SBIN")).await.unwrap();
    // Two orders per rolling second on NSE: the third is refused, a second later it passes.
    let err = svc.place_order(&buy("SBIN")).await.unwrap_err();
    assert!(matches!(
        err,
        OrderError::Risk(RiskViolation::Throttled { per_second: 2, .. })
    ));
    clock.store(1_000_000_000, Ordering::SeqCst);
    svc.place_order(&buy("SBIN")).await.unwrap();
    assert_eq!(broker.placed.lock().unwrap().len(), 3);

    // The kill switch refuses new orders, but closing the book still goes out.
    gate.with(|g| g.engage("stop", ts()));
    clock.store(5_000_000_000, Ordering::SeqCst);
    assert!(matches!(
        svc.place_order(&buy("SBIN")).await,
        Err(OrderError::Risk(RiskViolation::KillSwitch { .. }))
    ));
    let report = svc.close_all_positions().await.unwrap();
    assert_eq!(report.closed(), 1);
    assert_eq!(broker.placed.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn option_legs_place_buys_first_and_report_in_request_order() {
    use crate::OptionType;
    use crate::orders::Reply;
    use crate::orders::options::{LegRequest, MultiLegOrder, options_multi_order};
    let (svc, broker) = service(FakeBroker::default());
    let draft = |action, qty| {
        let mut d = OrderRequest::builder(
            key("NIFTY30JAN25FUT", Exchange::Nfo),
            action,
            Quantity::new(qty),
        );
        d.product = crate::Product::Nrml;
        d
    };
    let leg = |leg, action, order| LegRequest {
        leg,
        offset: "OTM1".into(),
        option_type: OptionType::Call,
        action,
        order,
    };
    let order = MultiLegOrder {
        underlying: "NIFTY".into(),
        underlying_ltp: rust_decimal::Decimal::from(23_500),
        legs: vec![
            leg(1, Action::Sell, Ok((draft(Action::Sell, 75), 0))),
            leg(2, Action::Buy, Ok((draft(Action::Buy, 150), 75))),
            leg(3, Action::Buy, Err("Offset ITM60 is out of range".into())),
            leg(4, Action::Buy, Ok((draft(Action::Buy, 50), 0))),
        ],
        mode: "live",
    };
    let placed = options_multi_order(svc, order).await.unwrap();
    // Placed: leg 2's two children, then leg 4 (refused by the lot rule), then leg 1.
    let sides: Vec<Action> = broker
        .placed
        .lock()
        .unwrap()
        .iter()
        .map(OrderRequest::action)
        .collect();
    assert_eq!(sides, [Action::Buy, Action::Buy, Action::Sell]);
    let body = placed.body();
    let results = body["results"].as_array().unwrap();
    let legs: Vec<u64> = results.iter().map(|r| r["leg"].as_u64().unwrap()).collect();
    assert_eq!(legs, [1, 2, 3, 4]);
    assert_eq!(results[0]["status"], "success");
    assert_eq!(results[0]["mode"], "live");
    assert_eq!(results[1]["split_results"].as_array().unwrap().len(), 2);
    assert_eq!(results[1]["total_quantity"], 150);
    assert_eq!(results[2]["message"], "Offset ITM60 is out of range");
    assert!(results[2].get("symbol").is_none());
    assert_eq!(results[3]["status"], "error");
    assert_eq!(results[3]["symbol"], "NIFTY30JAN25FUT");
    assert!(results[3].get("product").is_none());
    assert_eq!(
        results[3]["message"],
        "Quantity must be in multiples of lot size 75"
    );
}
