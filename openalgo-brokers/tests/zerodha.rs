//! The Zerodha adapter against the local mock Kite: login, every REST call with its exact
//! headers and form fields, error classification, the instrument master, and the ticker with
//! reconnects and session expiry.
#![cfg(feature = "zerodha-mock")]

use std::time::Duration;

use futures::StreamExt;
use openalgo_brokers::zerodha::mock::MockKite;
use openalgo_brokers::zerodha::{ZerodhaBroker, ZerodhaConfig};
use openalgo_core::broker::{LoginRequest, Subscription};
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{
    Action, Broker, BrokerError, Exchange, HistoryRequest, InstrumentKey, Interval, ModifyOrder,
    OrderRequest, OrderStatus, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};

const KEY: &str = "kitekey123";
const SECRET: &str = "secret789";

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("symbol"), exchange)
}

async fn logged_in() -> (MockKite, ZerodhaBroker) {
    let mock = MockKite::start(KEY, SECRET).await;
    let mut config = ZerodhaConfig::new(KEY, SecretString::from(SECRET)).with_hosts(
        mock.rest_url(),
        mock.ws_url(),
        mock.login_url(),
    );
    config.reconnect_initial = Duration::from_millis(50);
    let broker = ZerodhaBroker::new(config).expect("adapter");
    let rt = mock.issue_request_token();
    broker
        .authenticate(&LoginRequest::RedirectToken(SecretString::from(rt)))
        .await
        .expect("login");
    broker.load_master().await.expect("master");
    (mock, broker)
}

#[tokio::test]
async fn login_exchanges_the_request_token_with_the_checksum() {
    let mock = MockKite::start(KEY, SECRET).await;
    let config = ZerodhaConfig::new(KEY, SecretString::from(SECRET)).with_hosts(
        mock.rest_url(),
        mock.ws_url(),
        mock.login_url(),
    );
    let broker = ZerodhaBroker::new(config).unwrap();
    assert!(
        broker
            .login_url()
            .starts_with(&format!("{}?v=3&api_key={KEY}", mock.login_url()))
    );
    // Not logged in yet: a clean Auth error, no request made with a bogus header.
    assert!(matches!(broker.funds().await, Err(BrokerError::Auth(_))));

    let rt = mock.issue_request_token();
    let session = broker
        .authenticate(&LoginRequest::RedirectToken(SecretString::from(rt.clone())))
        .await
        .unwrap();
    assert_eq!(session.user_id.as_deref(), Some("AB1234"));
    let req = mock.last_request("POST", "/session/token").unwrap();
    let names: Vec<&str> = req.form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["api_key", "request_token", "checksum"]);
    assert_eq!(
        req.form[2].1,
        openalgo_brokers::zerodha::auth::checksum(KEY, &rt, SECRET)
    );
    assert_eq!(req.authorization, None);
    assert_eq!(req.kite_version.as_deref(), Some("3"));
    assert!(
        req.content_type
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    let stored = broker.stored_token().unwrap();
    assert_eq!(
        stored.expose_secret(),
        &format!("{KEY}:{}", session.access_token.expose_secret())
    );

    // A used request token cannot be exchanged again.
    let again = broker
        .authenticate(&LoginRequest::RedirectToken(SecretString::from(rt)))
        .await;
    assert!(matches!(again, Err(BrokerError::Auth(_))), "{again:?}");
}

#[tokio::test]
async fn orders_carry_the_documented_form_and_flow_through_the_books() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();
    let id = broker.place_order(&order).await.unwrap();
    let req = mock.last_request("POST", "/orders/regular").unwrap();
    let body: Vec<(&str, &str)> = req
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        body,
        [
            ("tradingsymbol", "SBIN"),
            ("exchange", "NSE"),
            ("transaction_type", "BUY"),
            ("order_type", "MARKET"),
            ("quantity", "1"),
            ("product", "MIS"),
            ("price", "0.0"),
            ("trigger_price", "0.0"),
            ("disclosed_quantity", "0"),
            ("validity", "DAY"),
            ("market_protection", "-1"),
            ("tag", "openalgo"),
        ]
    );
    assert!(
        req.authorization
            .unwrap()
            .starts_with(&format!("token {KEY}:"))
    );
    assert_eq!(req.kite_version.as_deref(), Some("3"));

    let book = broker.order_book().await.unwrap();
    let o = book.iter().find(|o| o.order_id == id).unwrap();
    assert_eq!(o.status, OrderStatus::Complete);
    assert_eq!(o.average_price, Price::new(dec!(812.35)));
    assert_eq!(o.instrument, sbin);
    let trades = broker.trade_book().await.unwrap();
    assert_eq!(trades.len(), 1);
    assert_eq!(trades[0].trade_value(), dec!(812.35));
    let positions = broker.positions().await.unwrap();
    assert_eq!(positions[0].quantity, 1);
    assert_eq!(broker.open_position(&sbin, Product::Mis).await.unwrap(), 1);

    // A derivative: the Kite tradingsymbol goes out, the OpenAlgo symbol comes back.
    let opt = key("NIFTY26DEC3024500CE", Exchange::Nfo);
    let draft = OrderRequest::builder(opt.clone(), Action::Sell, Quantity::new(75));
    let mut draft = draft;
    draft.price_type = PriceType::Limit;
    draft.price = Price::new(dec!(999));
    draft.product = Product::Nrml;
    let id = broker
        .place_order(&draft.clone().build().unwrap())
        .await
        .unwrap();
    let req = mock.last_request("POST", "/orders/regular").unwrap();
    assert_eq!(
        req.form[0],
        ("tradingsymbol".into(), "NIFTY30DEC24500CE".into())
    );
    assert_eq!(req.form[6], ("price".into(), "999.0".into()));
    let status = broker.order_status(&id).await.unwrap();
    assert_eq!(
        (status.status, status.instrument.clone()),
        (OrderStatus::Open, opt)
    );

    draft.price = Price::new(dec!(950.5));
    draft.quantity = Quantity::new(150);
    broker
        .modify_order(&ModifyOrder::new(id.clone(), draft).unwrap())
        .await
        .unwrap();
    let req = mock
        .last_request("PUT", &format!("/orders/regular/{id}"))
        .unwrap();
    let body: Vec<(&str, &str)> = req
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        body,
        [
            ("order_type", "LIMIT"),
            ("quantity", "150"),
            ("price", "950.5"),
            ("disclosed_quantity", "0"),
            ("validity", "DAY")
        ]
    );
    broker.cancel_order(&id).await.unwrap();
    assert_eq!(
        broker.order_status(&id).await.unwrap().status,
        OrderStatus::Cancelled
    );
    // Cancelling again: Kite's OrderException, a rejection with its message.
    let e = broker.cancel_order(&id).await.unwrap_err();
    assert!(
        matches!(&e, BrokerError::Rejected { code: Some(c), message } if c == "OrderException" && message.contains("cancelled")),
        "{e:?}"
    );
}

#[tokio::test]
async fn account_and_market_data() {
    let (mock, broker) = logged_in().await;
    let funds = broker.funds().await.unwrap();
    // net 149725.05 + debits 275.5 − collateral 1000.
    assert_eq!(funds.available_cash, dec!(149000.55));
    assert_eq!(funds.collateral, dec!(1000));
    assert_eq!(funds.utilised_debits, dec!(275.5));
    let holdings = broker.holdings().await.unwrap();
    assert_eq!(holdings[0].instrument, key("INFY", Exchange::Nse));
    assert_eq!(holdings[0].pnl, dec!(731.5));

    let nifty = key("NIFTY", Exchange::NseIndex);
    let q = broker.quote(&nifty).await.unwrap();
    assert_eq!(q.ltp, Price::new(dec!(24500.55)));
    let req = mock.last_request("GET", "/quote").unwrap();
    assert_eq!(req.query, [("i".to_owned(), "NSE:NIFTY 50".to_owned())]);
    let usd = key("USDINR27DEC30FUT", Exchange::Cds);
    let d = broker.depth(&usd).await.unwrap();
    assert_eq!(d.ltp, Price::new(dec!(83.2525)));
    assert_eq!((d.bids.len(), d.asks.len()), (5, 5));
    assert_eq!(d.total_buy_quantity, 12_345);
    let many = broker
        .quotes(&[
            nifty.clone(),
            key("NOPE", Exchange::Nse),
            key("INFY", Exchange::Nse),
        ])
        .await
        .unwrap();
    assert_eq!(many.len(), 3);
    assert!(matches!(many[0].quote, Err(BrokerError::NotFound(_))));
    assert!(many.iter().filter(|r| r.quote.is_ok()).count() == 2);

    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let h = HistoryRequest::new(key("INFY", Exchange::Nse), Interval::M5, start, start).unwrap();
    let candles = broker.history(&h).await.unwrap();
    assert_eq!(candles.len(), 75);
    assert_eq!(candles[0].timestamp, 1_767_584_700); // 2026-01-05 09:15 IST
    let req = mock
        .last_request("GET", "/instruments/historical/408065/5minute")
        .unwrap();
    let q: Vec<(&str, &str)> = req
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        q,
        [
            ("from", "2026-01-05 00:00:00"),
            ("to", "2026-01-05 23:59:59"),
            ("oi", "1")
        ]
    );
    let end = chrono::NaiveDate::from_ymd_opt(2026, 1, 11).unwrap();
    let h = HistoryRequest::new(key("INFY", Exchange::Nse), Interval::Day, start, end).unwrap();
    let days = broker.history(&h).await.unwrap();
    assert_eq!(days.len(), 5);
    assert_eq!(days[0].timestamp, 1_767_571_200); // 2026-01-05 00:00 UTC
    let h = HistoryRequest::new(key("INFY", Exchange::Nse), Interval::S1, start, end).unwrap();
    assert!(matches!(
        broker.history(&h).await,
        Err(BrokerError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn broker_errors_are_classified() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();
    mock.inject_error(
        "POST",
        "/orders",
        400,
        "MarginException",
        "Insufficient funds. Required margin is 812.35",
    );
    let e = broker.place_order(&order).await.unwrap_err();
    assert_eq!(
        e,
        BrokerError::Rejected {
            code: Some("MarginException".into()),
            message: "Insufficient funds. Required margin is 812.35".into()
        }
    );
    mock.inject_error(
        "GET",
        "/orders",
        429,
        "NetworkException",
        "Too many requests",
    );
    assert!(matches!(
        broker.order_book().await,
        Err(BrokerError::RateLimited { .. })
    ));
    mock.inject_error("GET", "/trades", 503, "NetworkException", "OMS down");
    assert!(matches!(
        broker.trade_book().await,
        Err(BrokerError::Connectivity(_))
    ));
    assert!(matches!(
        broker.quote(&key("UNKNOWN", Exchange::Nse)).await,
        Err(BrokerError::NotFound(_))
    ));
    mock.expire_sessions();
    assert!(matches!(
        broker.place_order(&order).await,
        Err(BrokerError::Auth(_))
    ));
}

async fn next_tick(stream: &mut openalgo_core::broker::EventStream) -> openalgo_core::market::Tick {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            Ok(Some(MarketEvent::Tick(t))) => return t,
            Ok(Some(MarketEvent::Order(_))) => {}
            Ok(None) => panic!("stream ended"),
            Err(_) => panic!("no tick within 5 s"),
        }
    }
}

#[tokio::test]
async fn ticker_streams_reconnects_and_stops_on_expiry() {
    let (mock, broker) = logged_in().await;
    let infy = key("INFY", Exchange::Nse);
    let nifty = key("NIFTY", Exchange::NseIndex);
    let usd = key("USDINR27DEC30FUT", Exchange::Cds);
    let subs = [
        Subscription {
            instrument: infy.clone(),
            mode: SubscriptionMode::Ltp,
        },
        Subscription {
            instrument: infy.clone(),
            mode: SubscriptionMode::Depth,
        },
        Subscription {
            instrument: nifty.clone(),
            mode: SubscriptionMode::Quote,
        },
        Subscription {
            instrument: usd.clone(),
            mode: SubscriptionMode::Quote,
        },
    ];
    let mut stream = broker.subscribe(&subs).await.unwrap();
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let t = next_tick(&mut stream).await;
        seen.insert(t.instrument.clone(), t);
    }
    assert_eq!(seen[&infy].mode(), SubscriptionMode::Depth);
    assert_eq!(seen[&infy].ltp, Price::new(dec!(1573.15)));
    assert_eq!(
        seen[&infy].depth().unwrap().buy[0].price,
        Price::new(dec!(1573.10))
    );
    assert_eq!(seen[&nifty].mode(), SubscriptionMode::Quote);
    assert_eq!(seen[&nifty].ltp, Price::new(dec!(24500.55)));
    assert_eq!(seen[&usd].ltp, Price::new(dec!(83.2525)));
    let msgs = mock.ticker_messages();
    assert!(
        msgs.contains(&format!(r#"{{"a":"subscribe","v":[{}]}}"#, 1594 * 256 + 1)),
        "{msgs:?}"
    );
    assert!(msgs.contains(&format!(
        r#"{{"a":"mode","v":["full",[{}]]}}"#,
        1594 * 256 + 1
    )));

    // Order updates arrive as text frames on the same socket.
    mock.send_ticker_text(r#"{"type":"order","data":{"order_id":"77","status":"COMPLETE","exchange":"NSE","tradingsymbol":"INFY","order_type":"MARKET","transaction_type":"BUY","product":"CNC","quantity":1,"filled_quantity":1,"price":0,"trigger_price":0,"average_price":1573.15}}"#);
    let update = loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
        {
            Some(MarketEvent::Order(u)) => break u,
            Some(MarketEvent::Tick(_)) => {}
            None => panic!("ended"),
        }
    };
    assert_eq!(
        (update.status, update.instrument.clone()),
        (OrderStatus::Complete, infy.clone())
    );

    // The server drops us: the adapter reconnects and subscribes again.
    mock.set_price(1594 * 256 + 1, dec!(1600.05));
    mock.drop_ticker_connections();
    let t = loop {
        let t = next_tick(&mut stream).await;
        if t.instrument == infy && t.ltp == Price::new(dec!(1600.05)) {
            break t;
        }
    };
    assert_eq!(t.mode(), SubscriptionMode::Depth);
    assert!(mock.ticker_connections() >= 2);
    let subscribes = mock
        .ticker_messages()
        .iter()
        .filter(|m| m.contains("subscribe"))
        .count();
    assert!(subscribes >= 4, "re-subscribed after the reconnect");

    // The session expires: the stream ends and a new subscription is refused as Auth.
    mock.expire_sessions();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while stream.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "stream ends once the session is refused");
    assert!(matches!(
        broker.subscribe(&subs).await,
        Err(BrokerError::Auth(_))
    ));
}

#[tokio::test]
async fn tagged_orders_carry_their_tag_and_are_found_by_it() {
    use openalgo_core::broker::OrderTag;
    let (mock, broker) = logged_in().await;
    assert!(broker.supports_order_tags());
    let order = OrderRequest::builder(key("SBIN", Exchange::Nse), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();
    let (tag, other) = (OrderTag::from_bits(1), OrderTag::from_bits(2));
    assert_eq!(broker.find_order_by_tag(&tag).await.unwrap(), None);
    let id = broker.place_tagged_order(&order, &tag).await.unwrap();
    let req = mock.last_request("POST", "/orders/regular").unwrap();
    assert_eq!(
        req.form.last().map(|(k, v)| (k.as_str(), v.as_str())),
        Some(("tag", tag.as_str()))
    );
    assert_eq!(
        broker.find_order_by_tag(&tag).await.unwrap(),
        Some(id.clone())
    );
    assert_eq!(broker.find_order_by_tag(&other).await.unwrap(), None);
    // The book shows our tags as the reference's constant strategy.
    let book = broker.order_book().await.unwrap();
    let row = book.iter().find(|o| o.order_id == id).unwrap();
    assert_eq!(row.strategy.as_str(), "openalgo");
    // A lookup that cannot read the book is an error, never "not found".
    mock.expire_sessions();
    assert!(matches!(
        broker.find_order_by_tag(&tag).await,
        Err(BrokerError::Auth(_))
    ));
}

/// The form pairs of the last `method` request to `path`.
fn form_of(mock: &MockKite, method: &str, path: &str) -> Vec<(String, String)> {
    mock.last_request(method, path).expect("sent").form
}

fn form_json(form: &[(String, String)], name: &str) -> serde_json::Value {
    let text = &form.iter().find(|(k, _)| k == name).expect(name).1;
    serde_json::from_str(text).expect("JSON field")
}

#[tokio::test]
async fn gtt_triggers_carry_the_documented_form_and_map_to_the_book() {
    use openalgo_core::{GttKind, GttRequest, GttScope, GttState, GttTriggers, TriggerDirection};
    use serde_json::json;

    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let single = GttRequest {
        instrument: sbin.clone(),
        action: Action::Buy,
        product: Product::Cnc,
        quantity: Quantity::new(2),
        price_type: PriceType::Limit,
        triggers: GttTriggers::Single {
            trigger: Price::new(dec!(700.5)),
            direction: TriggerDirection::Below,
            price: Price::new(dec!(701)),
        },
        strategy: openalgo_core::StrategyTag::default(),
        expires_at: None,
    };
    let id = broker.place_gtt(&single).await.unwrap();
    let form = form_of(&mock, "POST", "/gtt/triggers");
    assert_eq!(form[0], ("type".to_owned(), "single".to_owned()));
    assert_eq!(
        form_json(&form, "condition"),
        json!({"exchange": "NSE", "tradingsymbol": "SBIN", "trigger_values": [700.5],
               "last_price": 812.35})
    );
    assert_eq!(
        form_json(&form, "orders"),
        json!([{"exchange": "NSE", "tradingsymbol": "SBIN", "transaction_type": "BUY",
                "quantity": 2, "order_type": "LIMIT", "product": "CNC", "price": 701.0}])
    );

    // An OCO's legs go out stop-loss first; the book lists them by ascending trigger.
    let oco = GttRequest {
        action: Action::Sell,
        quantity: Quantity::new(1),
        triggers: GttTriggers::Oco {
            stoploss_trigger: Price::new(dec!(750)),
            stoploss_price: Price::new(dec!(749)),
            target_trigger: Price::new(dec!(900)),
            target_price: Price::new(dec!(901)),
        },
        ..single.clone()
    };
    let oco_id = broker.place_gtt(&oco).await.unwrap();
    let form = form_of(&mock, "POST", "/gtt/triggers");
    assert_eq!(form[0].1, "two-leg");
    assert_eq!(
        form_json(&form, "condition")["trigger_values"],
        json!([750.0, 900.0])
    );
    let book = broker.gtt_book(GttScope::Active).await.unwrap();
    assert_eq!(book.len(), 2);
    let two = book.iter().find(|g| g.trigger_id == oco_id).unwrap();
    assert_eq!((two.kind, two.state), (GttKind::TwoLeg, GttState::Active));
    assert_eq!(
        two.trigger_prices,
        [Price::new(dec!(750)), Price::new(dec!(900))]
    );
    assert_eq!(
        two.legs.iter().map(|l| l.price).collect::<Vec<_>>(),
        [Price::new(dec!(749)), Price::new(dec!(901))]
    );
    assert_eq!(two.instrument, sbin);
    assert_eq!(two.last_price, Price::new(dec!(812.35)));
    assert!(two.created_at.is_some() && two.expires_at.is_some());

    // Modify replaces the trigger; delete leaves it listed as deleted (cancelled in the book).
    let mut bigger = single.clone();
    bigger.quantity = Quantity::new(5);
    assert_eq!(broker.modify_gtt(&id, &bigger).await.unwrap(), id);
    let form = form_of(&mock, "PUT", &format!("/gtt/triggers/{id}"));
    assert_eq!(form_json(&form, "orders")[0]["quantity"], 5);
    assert_eq!(broker.cancel_gtt(&id).await.unwrap(), id);
    let active = broker.gtt_book(GttScope::Active).await.unwrap();
    assert_eq!(
        active.iter().map(|g| &g.trigger_id).collect::<Vec<_>>(),
        [&oco_id]
    );
    let all = broker.gtt_book(GttScope::All).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].state, GttState::Cancelled, "active first");
    // Kite refuses a second delete; an unknown trigger is not found.
    assert!(matches!(
        broker.cancel_gtt(&id).await,
        Err(BrokerError::Rejected { .. })
    ));
    let unknown = openalgo_core::TriggerId::new("42").unwrap();
    assert!(matches!(
        broker.cancel_gtt(&unknown).await,
        Err(BrokerError::NotFound(_) | BrokerError::Rejected { .. })
    ));
}
