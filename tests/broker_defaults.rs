//! The `Broker` trait seen from outside the workspace: a minimal adapter implements only the
//! required methods, is used as `Arc<dyn Broker>`, and the optional features answer with
//! classified errors.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use openalgo::core::broker::{LoginRequest, Subscription};
use openalgo::core::market::SubscriptionMode;
use openalgo::{
    Broker, BrokerError, Capabilities, Exchange, Funds, HistoryRequest, Holding, Instrument,
    InstrumentKey, Interval, ModifyOrder, Order, OrderId, OrderRequest, Position, Price, Product,
    Quote, Symbol, Trade,
};

struct Minimal {
    caps: Capabilities,
    positions: Vec<Position>,
}

#[async_trait]
impl Broker for Minimal {
    fn id(&self) -> &'static str {
        "minimal"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn place_order(&self, _: &OrderRequest) -> Result<OrderId, BrokerError> {
        Err(BrokerError::rejected("read-only"))
    }
    async fn modify_order(&self, _: &ModifyOrder) -> Result<OrderId, BrokerError> {
        Err(BrokerError::rejected("read-only"))
    }
    async fn cancel_order(&self, _: &OrderId) -> Result<OrderId, BrokerError> {
        Err(BrokerError::rejected("read-only"))
    }
    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        Ok(vec![])
    }
    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Ok(vec![])
    }
    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        Ok(self.positions.clone())
    }
    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        Ok(vec![])
    }
    async fn funds(&self) -> Result<Funds, BrokerError> {
        Ok(Funds::default())
    }
    async fn quote(&self, key: &InstrumentKey) -> Result<Quote, BrokerError> {
        if key.symbol.as_str() == "SBIN" {
            Ok(Quote {
                ltp: Price::from_paise(81_235),
                ..Quote::default()
            })
        } else {
            Err(BrokerError::NotFound(format!("{key} not found")))
        }
    }
    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        Ok(vec![])
    }
}

fn key(symbol: &str) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("valid"), Exchange::Nse)
}

fn broker() -> Arc<dyn Broker> {
    Arc::new(Minimal {
        caps: Capabilities {
            exchanges: vec![Exchange::Nse],
            intervals: vec![Interval::Day],
            depth_levels: vec![5],
            streaming: false,
            margin_calculator: false,
        },
        positions: vec![Position {
            instrument: key("SBIN"),
            product: Product::Cnc,
            quantity: -7,
            average_price: Price::from_paise(80_000),
            ltp: Price::from_paise(81_235),
            pnl: rust_decimal::Decimal::ZERO,
        }],
    })
}

fn is_unsupported<T>(r: &Result<T, BrokerError>, feature: &str) -> bool {
    matches!(r, Err(BrokerError::Unsupported { broker: "minimal", feature: f }) if *f == feature)
}

#[tokio::test]
async fn optional_features_are_classified_unsupported() {
    let b = broker();
    assert!(is_unsupported(&b.depth(&key("SBIN")).await, "market depth"));
    let day = NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
    let req = HistoryRequest::new(key("SBIN"), Interval::Day, day, day).expect("valid range");
    assert!(is_unsupported(&b.history(&req).await, "historical data"));
    let sub = Subscription {
        instrument: key("SBIN"),
        mode: SubscriptionMode::Ltp,
    };
    assert!(is_unsupported(&b.subscribe(&[sub]).await, "streaming"));
    let login = LoginRequest::AccessToken("t".to_owned().into());
    assert!(is_unsupported(&b.authenticate(&login).await, "login"));
    assert!(
        !b.depth(&key("SBIN"))
            .await
            .expect_err("unsupported")
            .is_retryable()
    );
}

#[tokio::test]
async fn default_methods_build_on_the_required_ones() {
    let b = broker();
    let missing = OrderId::new("42").expect("id");
    assert_eq!(
        b.order_status(&missing).await,
        Err(BrokerError::NotFound("Order 42 not found".into()))
    );
    assert_eq!(b.open_position(&key("SBIN"), Product::Cnc).await, Ok(-7));
    assert_eq!(b.open_position(&key("SBIN"), Product::Mis).await, Ok(0));
    // The risk rules' questions, answered from the position book.
    assert_eq!(b.exposure(&key("SBIN"), Product::Cnc).await, Ok((1, true)));
    assert_eq!(b.exposure(&key("SBIN"), Product::Mis).await, Ok((1, false)));
    assert_eq!(
        b.last_price(&key("SBIN")).await,
        Ok(Price::from_paise(81_235))
    );
    let quotes = b.quotes(&[key("SBIN"), key("INFY")]).await.expect("batch");
    assert_eq!(quotes.len(), 2);
    assert_eq!(
        quotes[0].quote.as_ref().expect("SBIN quote").ltp,
        Price::from_paise(81_235)
    );
    assert!(matches!(quotes[1].quote, Err(BrokerError::NotFound(_))));
}
