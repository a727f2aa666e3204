//! The Dhan adapter against the local mock DhanHQ: logins (access token, consent flow), every
//! REST call with its exact headers and JSON fields, the books, error classification, the
//! scrip master, and the live feed with a dropped connection and an expired session.
#![cfg(feature = "dhan-mock")]

use std::time::Duration;

use futures::StreamExt;
use openalgo_brokers::dhan::mock::MockDhan;
use openalgo_brokers::dhan::{DhanBroker, DhanConfig, DhanSession};
use openalgo_brokers::registry::{LiveSession, LoginParams};
use openalgo_core::broker::{LoginRequest, Subscription};
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{
    Action, Broker, BrokerError, Exchange, HistoryRequest, InstrumentKey, Interval, ModifyOrder,
    OrderRequest, OrderStatus, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

const CLIENT: &str = "1000000001";
const APP: &str = "dhanapp";
const APP_SECRET: &str = "dhansecret";

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("symbol"), exchange)
}

fn config(mock: &MockDhan) -> DhanConfig {
    let mut c = DhanConfig::new(CLIENT)
        .with_app(APP, SecretString::from(APP_SECRET))
        .with_hosts(
            mock.rest_url(),
            mock.auth_url(),
            mock.ws_url(),
            mock.master_url(),
        )
        .with_order_ws(mock.order_ws_url());
    c.reconnect_initial = Duration::from_millis(50);
    c
}

async fn logged_in() -> (MockDhan, DhanBroker) {
    let mock = MockDhan::start(CLIENT, APP, APP_SECRET).await;
    let broker = DhanBroker::new(config(&mock)).expect("adapter");
    let token = SecretString::from(mock.issue_access_token());
    broker
        .authenticate(&LoginRequest::AccessToken(token))
        .await
        .expect("login");
    broker.load_master().await.expect("master");
    (mock, broker)
}

fn assert_headers(r: &openalgo_brokers::dhan::mock::Recorded, json_body: bool) {
    assert!(
        r.access_token
            .as_deref()
            .is_some_and(|t| t.starts_with("eyJmock.")),
        "{r:?}"
    );
    assert_eq!(r.client_id.as_deref(), Some(CLIENT));
    assert_eq!(r.accept.as_deref(), Some("application/json"));
    if json_body {
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
    }
}

#[tokio::test]
async fn logins_by_token_form_and_consent() {
    let mock = MockDhan::start(CLIENT, APP, APP_SECRET).await;
    let broker = std::sync::Arc::new(DhanBroker::new(config(&mock)).unwrap());
    // Not logged in yet: a clean Auth error, nothing sent.
    assert!(matches!(broker.funds().await, Err(BrokerError::Auth(_))));
    assert!(mock.requests().is_empty());

    // The credential form: a refused token leaves no session.
    let session = DhanSession::new(std::sync::Arc::clone(&broker));
    let bad = LoginParams::new([("client_id", CLIENT), ("access_token", "not-a-token")]);
    assert!(matches!(
        session.complete_login(&bad).await,
        Err(BrokerError::Auth(_))
    ));
    assert!(!session.has_session());
    assert!(matches!(
        session
            .complete_login(&LoginParams::new([("client_id", CLIENT)]))
            .await,
        Err(BrokerError::Auth(_))
    ));
    let token = mock.issue_access_token();
    let form = LoginParams::new([("client_id", CLIENT), ("access_token", token.as_str())]);
    let stored = session.complete_login(&form).await.unwrap();
    assert_eq!(stored.expose_secret(), &format!("{CLIENT}:::{token}"));
    let check = mock.last_request("GET", "/v2/fundlimit").unwrap();
    assert_headers(&check, false);
    assert_eq!(check.access_token.as_deref(), Some(token.as_str()));

    // Restored after a restart.
    session.clear_session();
    assert!(!session.has_session());
    session.restore(&stored);
    assert!(broker.funds().await.is_ok());

    // The consent flow: generate, the browser page redirects with a tokenId, consume.
    session.clear_session();
    let page = broker.consent_login_url().await.unwrap();
    let generate = mock.last_request("POST", "/app/generate-consent").unwrap();
    assert_eq!(generate.app_id.as_deref(), Some(APP));
    assert_eq!(generate.app_secret.as_deref(), Some(APP_SECRET));
    assert_eq!(
        generate.query,
        [("client_id".to_owned(), CLIENT.to_owned())]
    );
    assert!(generate.access_token.is_none() && generate.body.is_none());
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&page)
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let token_id = location.split("tokenId=").nth(1).unwrap().to_owned();
    let stored = session
        .complete_login(&LoginParams::new([("tokenId", token_id.as_str())]))
        .await
        .unwrap();
    assert!(
        stored
            .expose_secret()
            .starts_with(&format!("{CLIENT}:::eyJmock."))
    );
    let consume = mock
        .last_request("POST", "/app/consumeApp-consent")
        .unwrap();
    assert_eq!(consume.query, [("tokenId".to_owned(), token_id.clone())]);
    // A used token id cannot be consumed again.
    session.clear_session();
    let again = session
        .complete_login(&LoginParams::new([("token_id", token_id.as_str())]))
        .await;
    assert!(matches!(again, Err(BrokerError::Auth(_))), "{again:?}");
}

fn body_of(mock: &MockDhan, method: &str, path: &str) -> Value {
    let r = mock.last_request(method, path).expect("request");
    assert_headers(&r, true);
    r.body.expect("JSON body")
}

#[tokio::test]
async fn orders_carry_the_documented_bodies_and_flow_through_the_books() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();
    let id = broker.place_order(&order).await.unwrap();
    assert_eq!(
        body_of(&mock, "POST", "/v2/orders"),
        json!({"dhanClientId": CLIENT, "transactionType": "BUY", "exchangeSegment": "NSE_EQ",
               "productType": "INTRADAY", "orderType": "MARKET", "validity": "DAY",
               "securityId": "3045", "quantity": 1})
    );
    let book = broker.order_book().await.unwrap();
    let o = book.iter().find(|o| o.order_id == id).unwrap();
    assert_eq!(
        (o.status, o.instrument.clone()),
        (OrderStatus::Complete, sbin.clone())
    );
    assert_eq!(o.average_price, Price::new(dec!(812.35)));
    assert_eq!((o.price_type, o.product), (PriceType::Market, Product::Mis));
    let trades = broker.trade_book().await.unwrap();
    assert_eq!(trades.len(), 1);
    assert_eq!(trades[0].trade_value(), dec!(812.35));
    let positions = broker.positions().await.unwrap();
    assert_eq!(
        (positions[0].quantity, positions[0].ltp),
        (1, Price::new(dec!(812.35)))
    );
    assert_eq!(broker.open_position(&sbin, Product::Mis).await.unwrap(), 1);
    assert_eq!(
        body_of(&mock, "POST", "/v2/marketfeed/ltp"),
        json!({"NSE_EQ": [3045]})
    );

    // An option: the security id goes out, the OpenAlgo symbol comes back.
    let opt = key("NIFTY26DEC3024500CE", Exchange::Nfo);
    let mut draft = OrderRequest::builder(opt.clone(), Action::Sell, Quantity::new(75));
    draft.price_type = PriceType::Limit;
    draft.price = Price::new(dec!(999));
    draft.product = Product::Nrml;
    let id = broker
        .place_order(&draft.clone().build().unwrap())
        .await
        .unwrap();
    assert_eq!(
        body_of(&mock, "POST", "/v2/orders"),
        json!({"dhanClientId": CLIENT, "transactionType": "SELL", "exchangeSegment": "NSE_FNO",
               "productType": "MARGIN", "orderType": "LIMIT", "validity": "DAY",
               "securityId": "35001", "quantity": 75, "price": 999.0})
    );
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
    assert_eq!(
        body_of(&mock, "PUT", &format!("/v2/orders/{id}")),
        json!({"dhanClientId": CLIENT, "orderId": id.as_str(), "orderType": "LIMIT",
               "legName": "ENTRY_LEG", "quantity": 150, "validity": "DAY", "price": 950.5})
    );
    let o = broker.order_status(&id).await.unwrap();
    assert_eq!(
        (o.price, o.quantity),
        (Price::new(dec!(950.5)), Quantity::new(150))
    );
    broker.cancel_order(&id).await.unwrap();
    let del = mock
        .last_request("DELETE", &format!("/v2/orders/{id}"))
        .unwrap();
    assert_headers(&del, false);
    assert!(del.body.is_none());
    assert_eq!(
        broker.order_status(&id).await.unwrap().status,
        OrderStatus::Cancelled
    );
    let e = broker.cancel_order(&id).await.unwrap_err();
    assert!(
        matches!(&e, BrokerError::Rejected { code: Some(c), message } if c == "DH-906" && message.contains("cannot be cancelled")),
        "{e:?}"
    );

    // A stop-market order: sent as STOP_LOSS with the reference's protective limit (0.5%
    // below the trigger, floored to the tick); disclosed quantity when positive.
    let mut stop = OrderRequest::builder(sbin.clone(), Action::Sell, Quantity::new(10));
    stop.price_type = PriceType::StopMarket;
    stop.trigger_price = Price::new(dec!(800.05));
    stop.disclosed_quantity = Quantity::new(5);
    stop.product = Product::Cnc;
    let id = broker.place_order(&stop.build().unwrap()).await.unwrap();
    assert_eq!(
        body_of(&mock, "POST", "/v2/orders"),
        json!({"dhanClientId": CLIENT, "transactionType": "SELL", "exchangeSegment": "NSE_EQ",
               "productType": "CNC", "orderType": "STOP_LOSS", "validity": "DAY",
               "securityId": "3045", "quantity": 10, "disclosedQuantity": 5,
               "price": 796.0, "triggerPrice": 800.05})
    );
    let o = broker.order_status(&id).await.unwrap();
    assert_eq!(
        (o.status, o.price_type),
        (OrderStatus::Open, PriceType::StopLimit)
    );
    mock.set_price(3045, dec!(799));
    assert_eq!(
        broker.order_status(&id).await.unwrap().status,
        OrderStatus::Complete
    );
}

#[tokio::test]
async fn account_quotes_depth_and_history() {
    let (mock, broker) = logged_in().await;
    let funds = broker.funds().await.unwrap();
    assert_eq!(funds.available_cash, dec!(98725.05));
    assert_eq!(
        (funds.collateral, funds.utilised_debits),
        (dec!(1000), dec!(275.5))
    );
    let holdings = broker.holdings().await.unwrap();
    assert_eq!(holdings.len(), 1);
    assert_eq!(holdings[0].instrument, key("INFY", Exchange::Nse));
    assert_eq!(holdings[0].ltp, Price::new(dec!(1573.15)));
    assert_eq!(holdings[0].pnl, dec!(731.5));

    let sbin = key("SBIN", Exchange::Nse);
    let q = broker.quote(&sbin).await.unwrap();
    assert_eq!(
        body_of(&mock, "POST", "/v2/marketfeed/quote"),
        json!({"NSE_EQ": [3045]})
    );
    assert_eq!(
        (q.ltp, q.bid, q.ask),
        (
            Price::new(dec!(812.35)),
            Price::new(dec!(812.30)),
            Price::new(dec!(812.40))
        )
    );
    assert_eq!(
        (q.prev_close, q.volume),
        (Price::new(dec!(810.35)), 1_000_000)
    );
    let nifty = key("NIFTY", Exchange::NseIndex);
    let unknown = key("NOSUCH", Exchange::Nse);
    let many = broker
        .quotes(&[sbin.clone(), nifty.clone(), unknown.clone()])
        .await
        .unwrap();
    let body = body_of(&mock, "POST", "/v2/marketfeed/quote");
    assert_eq!(
        (body["NSE_EQ"].clone(), body["IDX_I"].clone()),
        (json!([3045]), json!([13]))
    );
    assert_eq!(
        many[1].quote.as_ref().unwrap().ltp,
        Price::new(dec!(24500.55))
    );
    assert!(matches!(many[2].quote, Err(BrokerError::NotFound(_))));
    let d = broker.depth(&sbin).await.unwrap();
    assert_eq!((d.bids.len(), d.asks.len()), (5, 5));
    assert_eq!(
        (d.bids[4].price, d.asks[0].quantity),
        (Price::new(dec!(812.10)), 100)
    );
    assert_eq!(
        (d.total_buy_quantity, d.total_sell_quantity),
        (12_345, 23_456)
    );

    // Intraday: one request per 90-day window, stitched, only the asked days.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let req = HistoryRequest::new(sbin.clone(), Interval::M5, day, day).unwrap();
    let candles = broker.history(&req).await.unwrap();
    assert_eq!(candles.len(), 75);
    assert_eq!(candles[0].timestamp, 1_767_584_700); // 2026-01-05 09:15 IST
    assert_eq!(
        body_of(&mock, "POST", "/v2/charts/intraday"),
        json!({"securityId": "3045", "exchangeSegment": "NSE_EQ", "instrument": "EQUITY",
               "interval": "5", "oi": true, "fromDate": "2026-01-05", "toDate": "2026-01-06"})
    );
    let long = HistoryRequest::new(
        sbin.clone(),
        Interval::H1,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 2).unwrap(),
        day,
    )
    .unwrap();
    let before = mock.requests().len();
    let hourly = broker.history(&long).await.unwrap();
    let calls = mock.requests()[before..]
        .iter()
        .filter(|r| r.path == "/v2/charts/intraday")
        .count();
    assert_eq!(calls, 3);
    assert!(hourly.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert_eq!(hourly.len() % 7, 0);
    // Daily: the historical endpoint, candles stamped 00:00 UTC of their IST date.
    let opt = key("NIFTY26DEC3024500CE", Exchange::Nfo);
    let req = HistoryRequest::new(opt, Interval::Day, day, day + chrono::Days::new(4)).unwrap();
    let daily = broker.history(&req).await.unwrap();
    assert_eq!(daily.len(), 5);
    assert_eq!(daily[0].timestamp, 1_767_571_200);
    assert_eq!(
        body_of(&mock, "POST", "/v2/charts/historical"),
        json!({"securityId": "35001", "exchangeSegment": "NSE_FNO", "instrument": "OPTIDX",
               "expiryCode": 0, "oi": true, "fromDate": "2026-01-05", "toDate": "2026-01-10"})
    );
    let m3 = HistoryRequest::new(sbin, Interval::M3, day, day).unwrap();
    assert!(matches!(
        broker.history(&m3).await,
        Err(BrokerError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn broker_errors_are_classified_and_an_expired_session_is_forgotten() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();
    mock.inject_error(
        "POST",
        "/v2/orders",
        429,
        "DH-904",
        "Rate_Limit",
        "Too many requests",
    );
    assert_eq!(
        broker.place_order(&order).await.unwrap_err(),
        BrokerError::RateLimited { retry_after: None }
    );
    mock.inject_error(
        "POST",
        "/v2/orders",
        400,
        "DH-905",
        "Input_Exception",
        "Missing required fields",
    );
    assert!(matches!(broker.place_order(&order).await,
        Err(BrokerError::Rejected { code: Some(c), message }) if c == "DH-905" && message == "Missing required fields"));
    mock.inject_error(
        "GET",
        "/v2/positions",
        500,
        "DH-908",
        "Internal_Server_Error",
        "oops",
    );
    assert!(matches!(
        broker.positions().await,
        Err(BrokerError::Connectivity(_))
    ));
    mock.inject_error(
        "GET",
        "/v2/holdings",
        400,
        "DHOLDING_ERROR",
        "Holding_Error",
        "No holdings",
    );
    assert!(broker.holdings().await.unwrap().is_empty());
    // Nothing was placed by the refused calls.
    assert!(mock.order_statuses().is_empty());

    mock.expire_sessions();
    assert!(matches!(
        broker.order_book().await,
        Err(BrokerError::Auth(_))
    ));
    assert!(!broker.has_session(), "the refused token is forgotten");
    let before = mock.requests().len();
    assert!(matches!(broker.funds().await, Err(BrokerError::Auth(_))));
    assert_eq!(mock.requests().len(), before, "no call with a dead token");
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
async fn feed_streams_reconnects_and_stops_on_expiry() {
    let (mock, broker) = logged_in().await;
    let infy = key("INFY", Exchange::Nse);
    let nifty = key("NIFTY", Exchange::NseIndex);
    let usd = key("USDINR27DEC30FUT", Exchange::Cds);
    let sub = |instrument: &InstrumentKey, mode| Subscription {
        instrument: instrument.clone(),
        mode,
    };
    let subs = [
        sub(&infy, SubscriptionMode::Ltp),
        sub(&infy, SubscriptionMode::Depth),
        sub(&nifty, SubscriptionMode::Ltp),
        sub(&usd, SubscriptionMode::Quote),
    ];
    let mut stream = broker.subscribe(&subs).await.unwrap();
    let mut seen = std::collections::HashMap::new();
    while seen.len() < 3 {
        let t = next_tick(&mut stream).await;
        seen.insert(t.instrument.clone(), t);
    }
    assert_eq!(seen[&infy].mode(), SubscriptionMode::Depth);
    assert_eq!(seen[&infy].ltp, Price::new(dec!(1573.15)));
    let depth = seen[&infy].depth().unwrap();
    assert_eq!(
        (depth.buy[0].price, depth.sell[4].price),
        (Price::new(dec!(1573.10)), Price::new(dec!(1573.40)))
    );
    assert_eq!(seen[&nifty].mode(), SubscriptionMode::Ltp);
    assert_eq!(seen[&nifty].ltp, Price::new(dec!(24500.55)));
    assert_eq!(seen[&usd].mode(), SubscriptionMode::Quote);
    assert_eq!(seen[&usd].ltp, Price::new(dec!(83.2525)));
    let msgs: Vec<Value> = mock
        .feed_messages()
        .iter()
        .map(|m| serde_json::from_str(m).unwrap())
        .collect();
    assert!(
        msgs.contains(&json!({"RequestCode": 21, "InstrumentCount": 1,
        "InstrumentList": [{"ExchangeSegment": "NSE_EQ", "SecurityId": "1594"}]})),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&json!({"RequestCode": 15, "InstrumentCount": 1,
        "InstrumentList": [{"ExchangeSegment": "IDX_I", "SecurityId": "13"}]}))
    );
    assert_eq!(msgs.len(), 3);

    // Order updates arrive on the order-update socket, merged into the same stream.
    let order = OrderRequest::builder(infy.clone(), Action::Buy, Quantity::new(3))
        .build()
        .unwrap();
    let id = broker.place_order(&order).await.unwrap();
    let update = loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            Ok(Some(MarketEvent::Order(u))) if u.status == OrderStatus::Complete => break u,
            Ok(Some(_)) => {}
            other => panic!("no order update: {other:?}"),
        }
    };
    assert_eq!(
        (update.order_id, update.instrument.clone()),
        (id, infy.clone())
    );
    assert_eq!(
        (update.filled_quantity, update.average_price),
        (Quantity::new(3), Price::new(dec!(1573.15)))
    );
    assert_eq!(
        (update.product, update.price_type),
        (Product::Mis, PriceType::Market)
    );

    // The server drops us: the adapter reconnects and subscribes again.
    mock.set_price(1594, dec!(1600.05));
    mock.drop_feed_connections();
    let t = loop {
        let t = next_tick(&mut stream).await;
        if t.instrument == infy && t.ltp == Price::new(dec!(1600.05)) {
            break t;
        }
    };
    assert_eq!(t.mode(), SubscriptionMode::Depth);
    assert!(mock.feed_connections() >= 2);
    assert!(
        mock.feed_messages().len() >= 6,
        "re-subscribed after the reconnect"
    );

    // The session expires (disconnect packet 807): the stream ends, a new one is refused.
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
async fn tagged_orders_carry_a_correlation_id() {
    let (mock, broker) = logged_in().await;
    let tag = openalgo_core::broker::OrderTag::from_bits(42);
    let order = OrderRequest::builder(key("INFY", Exchange::Nse), Action::Buy, Quantity::new(2))
        .build()
        .unwrap();
    let id = broker.place_tagged_order(&order, &tag).await.unwrap();
    let body = body_of(&mock, "POST", "/v2/orders");
    assert_eq!(body["correlationId"], tag.as_str());
    assert_eq!(
        broker.find_order_by_tag(&tag).await.unwrap(),
        Some(id.clone())
    );
    let o = broker.order_status(&id).await.unwrap();
    assert_eq!(o.strategy.as_str(), "openalgo");
    let other = openalgo_core::broker::OrderTag::from_bits(43);
    assert_eq!(broker.find_order_by_tag(&other).await.unwrap(), None);
}
