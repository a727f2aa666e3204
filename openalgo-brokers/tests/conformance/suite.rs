//! The broker conformance suite: one set of checks every adapter must pass, run against the
//! simulator and against each live adapter on its mock (place, status, modify, cancel, books,
//! positions, funds, quotes, depth, history, stream).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_core::broker::Subscription;
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{
    Action, Broker, BrokerError, Exchange, HistoryRequest, InstrumentKey, Interval, ModifyOrder,
    OrderId, OrderRequest, OrderStatus, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal::Decimal;

/// What the suite needs to know about a target.
pub(crate) struct Target {
    /// The adapter under test (logged in, master loaded).
    pub(crate) broker: Arc<dyn Broker>,
    /// A liquid equity to trade.
    pub(crate) equity: InstrumentKey,
    /// Its tick size.
    pub(crate) tick: Price,
    /// An index to quote and stream.
    pub(crate) index: InstrumentKey,
    /// A weekday with data for `history`.
    pub(crate) history_day: chrono::NaiveDate,
}

async fn eventually_status(
    b: &dyn Broker,
    id: &OrderId,
    want: OrderStatus,
) -> openalgo_core::Order {
    for _ in 0..50 {
        let o = b.order_status(id).await.expect("order status");
        if o.status == want {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("order {id} never reached {want}");
}

/// Runs every check in order.
pub(crate) async fn run(t: &Target) {
    place_and_status(t).await;
    modify_and_cancel(t).await;
    books_positions_funds(t).await;
    quotes_and_depth(t).await;
    history(t).await;
    stream(t).await;
}

async fn place_and_status(t: &Target) {
    let b = t.broker.as_ref();
    let order = OrderRequest::builder(t.equity.clone(), Action::Buy, Quantity::new(2))
        .build()
        .expect("order");
    let id = b.place_order(&order).await.expect("market order placed");
    let o = eventually_status(b, &id, OrderStatus::Complete).await;
    assert_eq!(o.instrument, t.equity);
    assert_eq!(
        (o.action, o.quantity, o.filled_quantity),
        (Action::Buy, Quantity::new(2), Quantity::new(2))
    );
    assert_eq!((o.price_type, o.product), (PriceType::Market, Product::Mis));
    assert!(o.average_price.is_positive());
    let missing = OrderId::new("999999999999999").expect("id");
    assert!(matches!(
        b.order_status(&missing).await,
        Err(BrokerError::NotFound(_))
    ));
}

async fn modify_and_cancel(t: &Target) {
    let b = t.broker.as_ref();
    let ltp = b.quote(&t.equity).await.expect("quote").ltp;
    let far = |pct: i64| Price::new(ltp.value() * Decimal::new(pct, 2)).round_to_tick(t.tick);
    let mut draft = OrderRequest::builder(t.equity.clone(), Action::Buy, Quantity::new(1));
    draft.price_type = PriceType::Limit;
    draft.price = far(90);
    let id = b
        .place_order(&draft.clone().build().expect("order"))
        .await
        .expect("limit placed");
    let o = eventually_status(b, &id, OrderStatus::Open).await;
    assert_eq!(o.price, far(90));

    draft.price = far(85);
    draft.quantity = Quantity::new(3);
    let modified = b
        .modify_order(&ModifyOrder::new(id.clone(), draft).expect("modify"))
        .await
        .expect("modified");
    assert_eq!(modified, id);
    let o = b.order_status(&id).await.expect("status");
    assert_eq!(
        (o.status, o.price, o.quantity),
        (OrderStatus::Open, far(85), Quantity::new(3))
    );

    assert_eq!(b.cancel_order(&id).await.expect("cancelled"), id);
    eventually_status(b, &id, OrderStatus::Cancelled).await;
    match b.cancel_order(&id).await {
        Err(BrokerError::Rejected { .. } | BrokerError::NotFound(_)) => {}
        other => panic!("cancelling a cancelled order must be refused, got {other:?}"),
    }
}

async fn books_positions_funds(t: &Target) {
    let b = t.broker.as_ref();
    let orders = b.order_book().await.expect("order book");
    assert!(orders.len() >= 2);
    assert!(
        orders
            .iter()
            .any(|o| o.status == OrderStatus::Complete && o.instrument == t.equity)
    );
    assert!(orders.iter().any(|o| o.status == OrderStatus::Cancelled));
    let trades = b.trade_book().await.expect("trade book");
    assert!(
        trades
            .iter()
            .any(|tr| tr.instrument == t.equity && tr.quantity == Quantity::new(2))
    );
    let positions = b.positions().await.expect("positions");
    let p = positions
        .iter()
        .find(|p| p.instrument == t.equity && p.product == Product::Mis)
        .expect("position in the traded equity");
    assert_eq!(p.quantity, 2);
    assert!(p.average_price.is_positive());
    assert_eq!(
        b.open_position(&t.equity, Product::Mis)
            .await
            .expect("open position"),
        2
    );
    assert_eq!(
        b.open_position(&t.equity, Product::Cnc)
            .await
            .expect("open position"),
        0
    );
    let _ = b.holdings().await.expect("holdings");
    let funds = b.funds().await.expect("funds");
    assert!(funds.available_cash > Decimal::ZERO);
}

async fn quotes_and_depth(t: &Target) {
    let b = t.broker.as_ref();
    let q = b.quote(&t.equity).await.expect("quote");
    assert!(q.ltp.is_positive() && q.bid.is_positive() && q.ask.is_positive());
    assert!(q.bid <= q.ask);
    let iq = b.quote(&t.index).await.expect("index quote");
    assert!(iq.ltp.is_positive());
    let unknown = InstrumentKey::new(Symbol::new("NOSUCHSYMBOL").expect("symbol"), Exchange::Nse);
    assert!(b.quote(&unknown).await.is_err());
    let many = b
        .quotes(&[t.equity.clone(), unknown.clone()])
        .await
        .expect("quotes");
    assert_eq!(many.len(), 2);
    assert!(
        many.iter()
            .any(|r| r.instrument == t.equity && r.quote.is_ok())
    );
    assert!(
        many.iter()
            .any(|r| r.instrument == unknown && r.quote.is_err())
    );
    let d = b.depth(&t.equity).await.expect("depth");
    assert_eq!((d.bids.len(), d.asks.len()), (5, 5));
    assert!(d.bids[0].price <= d.asks[0].price);
    assert!(d.ltp.is_positive());
}

async fn history(t: &Target) {
    let b = t.broker.as_ref();
    let req = HistoryRequest::new(t.equity.clone(), Interval::M5, t.history_day, t.history_day)
        .expect("history request");
    let candles = b.history(&req).await.expect("history");
    assert!(!candles.is_empty());
    assert!(candles.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert!(
        candles
            .iter()
            .all(|c| c.low <= c.high && c.open.is_positive())
    );
    assert!(b.capabilities().supports_interval(Interval::Day));
}

async fn stream(t: &Target) {
    let b = t.broker.as_ref();
    let subs = [
        Subscription {
            instrument: t.equity.clone(),
            mode: SubscriptionMode::Depth,
        },
        Subscription {
            instrument: t.index.clone(),
            mode: SubscriptionMode::Ltp,
        },
    ];
    let mut s = b.subscribe(&subs).await.expect("subscribe");
    let mut equity_tick = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while equity_tick.is_none() {
        let next = tokio::time::timeout_at(deadline, s.next())
            .await
            .expect("a tick within 10 s");
        if let Some(MarketEvent::Tick(tick)) = next
            && tick.instrument == t.equity
        {
            equity_tick = Some(tick);
        }
    }
    let tick = equity_tick.expect("tick");
    assert!(tick.ltp.is_positive());
    assert_eq!(tick.mode(), SubscriptionMode::Depth);
    assert!(!tick.depth().expect("depth").buy.is_empty());
}
