//! The Angel One adapter against the local mock SmartAPI: login, every REST call with its
//! exact headers and JSON fields, the books, error classification, the instrument master,
//! history windows, and SmartStream with a dropped connection and an expired session.
#![cfg(feature = "angel-mock")]

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_brokers::angel::mock::{CLIENT_CODE, MockAngel, PIN, Recorded, TOTP};
use openalgo_brokers::angel::{AngelBroker, paths};
use openalgo_brokers::registry::{self, Connection, LoginParams};
use openalgo_core::broker::{LoginRequest, Subscription};
use openalgo_core::clock::{Clock, SystemClock};
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{
    Action, Broker, BrokerError, Exchange, HistoryRequest, InstrumentKey, Interval, ModifyOrder,
    OrderRequest, OrderStatus, Price, PriceType, Product, Quantity, Symbol,
};
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};

const KEY: &str = "angelkey";

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("symbol"), exchange)
}

fn credentials(totp: &str) -> LoginRequest {
    LoginRequest::Credentials {
        client_code: CLIENT_CODE.to_owned(),
        pin: SecretString::from(PIN),
        totp: SecretString::from(totp.to_owned()),
    }
}

async fn logged_in() -> (MockAngel, AngelBroker) {
    let mock = MockAngel::start(KEY).await;
    let mut config = mock.config(KEY);
    config.heartbeat = Duration::from_millis(100);
    let broker = AngelBroker::new(config).expect("adapter");
    broker
        .authenticate(&credentials(TOTP))
        .await
        .expect("login");
    broker.load_master().await.expect("master");
    (mock, broker)
}

fn assert_smartapi_headers(r: &Recorded, jwt: Option<&str>) {
    assert_eq!(r.header("x-privatekey"), Some(KEY), "{}", r.path);
    assert_eq!(r.header("x-usertype"), Some("USER"));
    assert_eq!(r.header("x-sourceid"), Some("WEB"));
    assert_eq!(r.header("x-clientlocalip"), Some("CLIENT_LOCAL_IP"));
    assert_eq!(r.header("x-clientpublicip"), Some("CLIENT_PUBLIC_IP"));
    assert_eq!(r.header("x-macaddress"), Some("MAC_ADDRESS"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    match jwt {
        Some(j) => assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {j}").as_str())
        ),
        None => assert_eq!(r.header("authorization"), None),
    }
}

fn field(r: &Recorded, name: &str) -> String {
    r.field(name)
        .unwrap_or_else(|| panic!("{name} missing in {:?}", r.body))
}

#[tokio::test]
async fn login_sends_client_code_pin_totp_and_keeps_no_pin() {
    let mock = MockAngel::start(KEY).await;
    let broker = AngelBroker::new(mock.config(KEY)).unwrap();
    // Not logged in yet: a clean Auth error, nothing sent.
    assert!(matches!(broker.funds().await, Err(BrokerError::Auth(_))));
    assert!(mock.requests().is_empty());

    let refused = broker.authenticate(&credentials("000000")).await;
    assert!(
        matches!(refused, Err(BrokerError::Auth(ref m)) if m == "Invalid totp"),
        "{refused:?}"
    );
    assert!(!broker.has_session());

    let session = broker.authenticate(&credentials(TOTP)).await.unwrap();
    let login = mock
        .last_request("/rest/auth/angelbroking/user/v1/loginByPassword")
        .unwrap();
    assert_eq!(login.method, "POST");
    assert_eq!(login.body_keys, ["clientcode", "password", "totp"]);
    assert_eq!(
        (
            field(&login, "clientcode"),
            field(&login, "password"),
            field(&login, "totp")
        ),
        (CLIENT_CODE.to_owned(), PIN.to_owned(), TOTP.to_owned())
    );
    assert_smartapi_headers(&login, None);
    let jwt = session.access_token.expose_secret().to_owned();
    assert!(!jwt.starts_with("Bearer"));
    let stored = broker.stored_token().unwrap();
    let feed = session.feed_token.unwrap();
    assert_eq!(
        stored.expose_secret(),
        &format!("{CLIENT_CODE}:{jwt}:{}", feed.expose_secret())
    );
    assert!(
        stored.expose_secret().split(':').all(|part| part != PIN),
        "the PIN is never kept"
    );

    // The stored token restores the session in a fresh adapter.
    let again = AngelBroker::new(mock.config(KEY)).unwrap();
    again.set_session(&stored);
    again.funds().await.expect("restored session works");
    assert_smartapi_headers(&mock.last_request(paths::RMS).unwrap(), Some(&jwt));
}

#[tokio::test]
async fn orders_carry_the_documented_fields_and_flow_through_the_books() {
    let (mock, broker) = logged_in().await;
    let jwt = broker
        .stored_token()
        .unwrap()
        .expose_secret()
        .split(':')
        .nth(1)
        .unwrap()
        .to_owned();
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(2))
        .build()
        .unwrap();
    let id = broker.place_order(&order).await.unwrap();
    let place = mock.last_request(paths::PLACE).unwrap();
    assert_smartapi_headers(&place, Some(&jwt));
    assert_eq!(
        place.body_keys,
        [
            "variety",
            "tradingsymbol",
            "symboltoken",
            "transactiontype",
            "exchange",
            "ordertype",
            "producttype",
            "duration",
            "price",
            "triggerprice",
            "squareoff",
            "stoploss",
            "quantity",
            "disclosedquantity"
        ]
    );
    let want = [
        ("variety", "NORMAL"),
        ("tradingsymbol", "SBIN-EQ"),
        ("symboltoken", "3045"),
        ("transactiontype", "BUY"),
        ("exchange", "NSE"),
        ("ordertype", "MARKET"),
        ("producttype", "INTRADAY"),
        ("duration", "DAY"),
        ("price", "0"),
        ("triggerprice", "0"),
        ("squareoff", "0"),
        ("stoploss", "0"),
        ("quantity", "2"),
        ("disclosedquantity", "0"),
    ];
    for (name, value) in want {
        assert_eq!(field(&place, name), value, "{name}");
        assert!(place.body[name].is_string(), "{name} is sent as a string");
    }
    let o = broker.order_status(&id).await.unwrap();
    assert_eq!(
        (o.status, o.instrument.clone()),
        (OrderStatus::Complete, sbin.clone())
    );
    assert_eq!((o.price_type, o.product), (PriceType::Market, Product::Mis));
    assert_eq!(o.average_price, Price::new(dec!(812.35)));

    // A stop-loss limit order: STOPLOSS variety, resting in trigger pending.
    let mut draft = OrderRequest::builder(sbin.clone(), Action::Sell, Quantity::new(1));
    draft.price_type = PriceType::StopLimit;
    draft.product = Product::Cnc;
    draft.price = Price::new(dec!(790));
    draft.trigger_price = Price::new(dec!(795.5));
    let sl = broker
        .place_order(&draft.clone().build().unwrap())
        .await
        .unwrap();
    let place = mock.last_request(paths::PLACE).unwrap();
    assert_eq!(
        (
            field(&place, "variety"),
            field(&place, "ordertype"),
            field(&place, "producttype")
        ),
        (
            "STOPLOSS".into(),
            "STOPLOSS_LIMIT".into(),
            "DELIVERY".into()
        )
    );
    assert_eq!(
        (field(&place, "price"), field(&place, "triggerprice")),
        ("790".into(), "795.5".into())
    );
    let o = broker.order_status(&sl).await.unwrap();
    assert_eq!(
        (o.status, o.price_type),
        (OrderStatus::TriggerPending, PriceType::StopLimit)
    );
    assert_eq!(o.trigger_price, Price::new(dec!(795.5)));

    draft.trigger_price = Price::new(dec!(796));
    draft.quantity = Quantity::new(3);
    let modified = broker
        .modify_order(&ModifyOrder::new(sl.clone(), draft).unwrap())
        .await
        .unwrap();
    assert_eq!(modified, sl);
    let modify = mock.last_request(paths::MODIFY).unwrap();
    assert_smartapi_headers(&modify, Some(&jwt));
    assert_eq!(field(&modify, "orderid"), sl.as_str());
    assert_eq!(
        (
            field(&modify, "variety"),
            field(&modify, "quantity"),
            field(&modify, "triggerprice")
        ),
        ("STOPLOSS".into(), "3".into(), "796".into())
    );
    assert_eq!(field(&modify, "symboltoken"), "3045");

    assert_eq!(broker.cancel_order(&sl).await.unwrap(), sl);
    let cancel = mock.last_request(paths::CANCEL).unwrap();
    assert_eq!(cancel.body_keys, ["variety", "orderid"]);
    assert_eq!(field(&cancel, "variety"), "NORMAL");
    assert_eq!(
        broker.order_status(&sl).await.unwrap().status,
        OrderStatus::Cancelled
    );
    assert!(matches!(
        broker.cancel_order(&sl).await,
        Err(BrokerError::Rejected { code: Some(c), .. }) if c == "AB4012"
    ));

    let trades = broker.trade_book().await.unwrap();
    assert_eq!(trades.len(), 1);
    assert_eq!(
        (trades[0].quantity, trades[0].average_price),
        (Quantity::new(2), Price::new(dec!(812.35)))
    );
    assert_eq!(trades[0].order_id, id);
    let positions = broker.positions().await.unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(
        (
            positions[0].instrument.clone(),
            positions[0].product,
            positions[0].quantity
        ),
        (sbin.clone(), Product::Mis, 2)
    );
    assert_eq!(positions[0].average_price, Price::new(dec!(812.35)));
    assert_eq!(broker.open_position(&sbin, Product::Mis).await.unwrap(), 2);
    let holdings = broker.holdings().await.unwrap();
    assert_eq!(holdings[0].instrument, key("INFY", Exchange::Nse));
    assert_eq!(
        (holdings[0].product, holdings[0].quantity),
        (Product::Cnc, Quantity::new(10))
    );
    assert_eq!(holdings[0].pnl, dec!(731.5));
    // Every book call went out as a GET with the full header set.
    for path in [
        paths::ORDER_BOOK,
        paths::TRADE_BOOK,
        paths::POSITIONS,
        paths::HOLDINGS,
    ] {
        let r = mock.last_request(path).unwrap();
        assert_eq!(r.method, "GET");
        assert_smartapi_headers(&r, Some(&jwt));
    }
}

#[tokio::test]
async fn funds_quotes_depth_and_history() {
    let (mock, broker) = logged_in().await;
    let f = broker.funds().await.unwrap();
    assert_eq!(
        (f.available_cash, f.collateral, f.utilised_debits),
        (dec!(99725.05), dec!(1000), dec!(275.5))
    );
    assert_eq!((f.m2m_realized, f.m2m_unrealized), (dec!(0), dec!(0)));

    let sbin = key("SBIN", Exchange::Nse);
    let q = broker.quote(&sbin).await.unwrap();
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
    let r = mock.last_request(paths::QUOTE).unwrap();
    assert_eq!(r.body_keys, ["mode", "exchangeTokens"]);
    assert_eq!(
        r.body,
        serde_json::json!({"mode": "FULL", "exchangeTokens": {"NSE": ["3045"]}})
    );

    let nifty = key("NIFTY", Exchange::NseIndex);
    assert_eq!(
        broker.quote(&nifty).await.unwrap().ltp,
        Price::new(dec!(24500.55))
    );
    assert_eq!(
        mock.last_request(paths::QUOTE).unwrap().body["exchangeTokens"],
        serde_json::json!({"NSE": ["99926000"]})
    );

    let unknown = key("NOSUCH", Exchange::Nse);
    let opt = key("NIFTY30DEC3024500CE", Exchange::Nfo);
    let many = broker
        .quotes(&[sbin.clone(), unknown.clone(), opt.clone()])
        .await
        .unwrap();
    assert_eq!(many.len(), 3);
    assert!(
        many.iter()
            .any(|r| r.instrument == unknown && matches!(r.quote, Err(BrokerError::NotFound(_))))
    );
    let o = many.iter().find(|r| r.instrument == opt).unwrap();
    assert_eq!(o.quote.as_ref().unwrap().ltp, Price::new(dec!(210.50)));

    let d = broker.depth(&sbin).await.unwrap();
    assert_eq!((d.bids.len(), d.asks.len()), (5, 5));
    assert_eq!(
        (d.bids[4].price, d.asks[4].quantity),
        (Price::new(dec!(812.10)), 500)
    );
    assert_eq!(
        (d.total_buy_quantity, d.total_sell_quantity, d.ltq),
        (12_345, 23_456, 5)
    );

    // History: one day of 5-minute candles, one request.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let candles = broker
        .history(&HistoryRequest::new(sbin.clone(), Interval::M5, day, day).unwrap())
        .await
        .unwrap();
    assert_eq!(candles.len(), 75);
    let r = mock.last_request(paths::CANDLES).unwrap();
    assert_eq!(
        r.body_keys,
        ["exchange", "symboltoken", "interval", "fromdate", "todate"]
    );
    assert_eq!(
        (
            field(&r, "interval"),
            field(&r, "fromdate"),
            field(&r, "todate")
        ),
        (
            "FIVE_MINUTE".into(),
            "2026-01-05 00:00".into(),
            "2026-01-05 23:59".into()
        )
    );
    // 1-minute candles over 70 days: three windows of at most 30 days, stitched in order.
    let before = mock
        .requests()
        .iter()
        .filter(|r| r.path == paths::CANDLES)
        .count();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let from = end - chrono::Days::new(69);
    let started = std::time::Instant::now();
    let minutes = broker
        .history(&HistoryRequest::new(sbin.clone(), Interval::M1, from, end).unwrap())
        .await
        .unwrap();
    let windows: Vec<(String, String)> = mock
        .requests()
        .iter()
        .filter(|r| r.path == paths::CANDLES)
        .skip(before)
        .map(|r| (field(r, "fromdate"), field(r, "todate")))
        .collect();
    assert_eq!(windows.len(), 3, "{windows:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(40),
        "paced between windows"
    );
    assert_eq!(windows[0].0, format!("{from} 00:00"));
    assert_eq!(windows[2].1, format!("{end} 23:59"));
    assert!(minutes.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert_eq!(minutes.len() % 375, 0);
    // F&O candles carry open interest from getOIData (same body), merged by time.
    let before_oi = mock
        .requests()
        .iter()
        .filter(|r| r.path == paths::OI)
        .count();
    assert_eq!(before_oi, 0, "no OI call for cash instruments");
    let opt_candles = broker
        .history(&HistoryRequest::new(opt.clone(), Interval::M5, day, day).unwrap())
        .await
        .unwrap();
    assert_eq!(opt_candles.len(), 75);
    assert_eq!((opt_candles[0].oi, opt_candles[74].oi), (50_000, 50_074));
    let (c, o) = (
        mock.last_request(paths::CANDLES).unwrap(),
        mock.last_request(paths::OI).unwrap(),
    );
    assert_eq!((&c.body, &c.body_keys), (&o.body, &o.body_keys));
    assert_eq!(field(&c, "exchange"), "NFO");
    // An OI failure leaves the candles without OI, not without data.
    mock.inject_error(paths::OI, 200, "AB1004", "Something Went Wrong");
    let no_oi = broker
        .history(&HistoryRequest::new(opt, Interval::M5, day, day).unwrap())
        .await
        .unwrap();
    assert!(no_oi.len() == 75 && no_oi.iter().all(|c| c.oi == 0));
    let daily = broker
        .history(&HistoryRequest::new(nifty, Interval::Day, day, day).unwrap())
        .await
        .unwrap();
    assert_eq!(daily[0].timestamp, 1_767_571_200);
    assert!(matches!(
        broker
            .history(&HistoryRequest::new(sbin, Interval::Week, day, day).unwrap())
            .await,
        Err(BrokerError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn broker_errors_are_classified_and_expired_sessions_forgotten() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let order = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1))
        .build()
        .unwrap();

    mock.inject_error(paths::PLACE, 200, "AB4008", "Order rejected by RMS");
    match broker.place_order(&order).await {
        Err(BrokerError::Rejected { code, message }) => {
            assert_eq!(
                (code.as_deref(), message.as_str()),
                (Some("AB4008"), "Order rejected by RMS")
            );
        }
        other => panic!("{other:?}"),
    }
    mock.inject_rate_limit(paths::ORDER_BOOK, 403);
    assert_eq!(
        broker.order_book().await,
        Err(BrokerError::RateLimited { retry_after: None })
    );
    mock.inject_rate_limit(paths::ORDER_BOOK, 429);
    assert_eq!(
        broker.order_book().await,
        Err(BrokerError::RateLimited { retry_after: None })
    );
    mock.inject_error(paths::RMS, 503, "", "");
    assert!(matches!(
        broker.funds().await,
        Err(BrokerError::Connectivity(_))
    ));
    mock.inject_error(paths::QUOTE, 404, "", "");
    assert!(matches!(
        broker.quote(&sbin).await,
        Err(BrokerError::NotFound(_))
    ));
    assert!(broker.has_session(), "none of these ends the session");
    assert!(broker.place_order(&order).await.is_ok());

    // A token error ends the session: later calls fail at once with "log in again".
    mock.inject_error(paths::POSITIONS, 200, "AG8002", "Token Expired");
    assert!(matches!(broker.positions().await, Err(BrokerError::Auth(m)) if m == "Token Expired"));
    assert!(!broker.has_session());
    let sent = mock.requests().len();
    assert!(matches!(
        broker.order_book().await,
        Err(BrokerError::Auth(_))
    ));
    assert_eq!(mock.requests().len(), sent, "no call with a dead token");

    // Log in again; then the broker expires every session.
    broker.authenticate(&credentials(TOTP)).await.unwrap();
    assert!(broker.order_book().await.is_ok());
    mock.expire_sessions();
    assert!(matches!(broker.order_book().await, Err(BrokerError::Auth(m)) if m == "Invalid Token"));
    assert!(!broker.has_session());
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
async fn smartstream_streams_reconnects_and_stops_on_expiry() {
    let (mock, broker) = logged_in().await;
    let sbin = key("SBIN", Exchange::Nse);
    let nifty = key("NIFTY", Exchange::NseIndex);
    let usd = key("USDINR27DEC30FUT", Exchange::Cds);
    let subs = [
        Subscription {
            instrument: sbin.clone(),
            mode: SubscriptionMode::Ltp,
        },
        Subscription {
            instrument: sbin.clone(),
            mode: SubscriptionMode::Depth,
        },
        Subscription {
            instrument: nifty.clone(),
            mode: SubscriptionMode::Ltp,
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
    assert_eq!(seen[&sbin].mode(), SubscriptionMode::Depth);
    assert_eq!(seen[&sbin].ltp, Price::new(dec!(812.35)));
    let depth = seen[&sbin].depth().unwrap();
    assert_eq!(
        (depth.buy[0].price, depth.sell[0].price),
        (Price::new(dec!(812.30)), Price::new(dec!(812.40)))
    );
    assert_eq!(seen[&nifty].mode(), SubscriptionMode::Ltp);
    assert_eq!(seen[&nifty].ltp, Price::new(dec!(24500.55)));
    assert_eq!(seen[&usd].mode(), SubscriptionMode::Quote);
    assert_eq!(seen[&usd].ltp, Price::new(dec!(83.2525)));
    let subscribes: Vec<serde_json::Value> = mock
        .stream_messages()
        .iter()
        .filter_map(|m| serde_json::from_str(m).ok())
        .collect();
    assert!(
        subscribes.contains(
            &serde_json::json!({"correlationID": "openalgo", "action": 1,
        "params": {"mode": 3, "tokenList": [{"exchangeType": 1, "tokens": ["3045"]}]}})
        ),
        "{subscribes:?}"
    );
    assert!(subscribes.contains(
        &serde_json::json!({"correlationID": "openalgo", "action": 1,
        "params": {"mode": 2, "tokenList": [{"exchangeType": 13, "tokens": ["1160"]}]}})
    ));

    // Order updates arrive from the order-status socket on the same stream.
    for _ in 0..100 {
        if mock.order_connections() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut draft = OrderRequest::builder(sbin.clone(), Action::Buy, Quantity::new(1));
    draft.price_type = PriceType::Limit;
    draft.price = Price::new(dec!(700));
    let id = broker.place_order(&draft.build().unwrap()).await.unwrap();
    broker.cancel_order(&id).await.unwrap();
    let mut statuses = Vec::new();
    while statuses.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(5), stream.next()).await {
            Ok(Some(MarketEvent::Order(u))) => {
                assert_eq!(
                    (u.order_id.clone(), u.instrument.clone()),
                    (id.clone(), sbin.clone())
                );
                statuses.push(u.status);
            }
            Ok(Some(MarketEvent::Tick(_))) => {}
            other => panic!("no order update: {other:?}"),
        }
    }
    assert_eq!(statuses, [OrderStatus::Open, OrderStatus::Cancelled]);
    assert_eq!(mock.order_connections(), 1);

    // Heartbeats: the text "ping" every interval (100 ms here).
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(mock.stream_messages().iter().any(|m| m == "ping"));

    // The server drops us: the adapter reconnects and subscribes again.
    mock.set_price("3045", dec!(820.05));
    let before = subscribes.len();
    mock.drop_stream_connections();
    let t = loop {
        let t = next_tick(&mut stream).await;
        if t.instrument == sbin && t.ltp == Price::new(dec!(820.05)) {
            break t;
        }
    };
    assert_eq!(t.mode(), SubscriptionMode::Depth);
    assert!(mock.stream_connections() >= 2);
    assert!(
        mock.order_connections() >= 2,
        "the order socket reconnected too"
    );
    let after = mock
        .stream_messages()
        .iter()
        .filter(|m| m.contains("tokenList"))
        .count();
    assert!(
        after >= before + 3,
        "re-subscribed after the reconnect ({before} → {after})"
    );

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
async fn registry_entry_and_credential_form_session() {
    let mock = MockAngel::start(KEY).await;
    let (rest, ws, master) = (mock.rest_url(), mock.ws_url(), mock.master_url());
    let order_ws = mock.order_ws_url();
    let settings = registry::configure("angel", &|name| match name {
        "BROKER_API_KEY" => Some(KEY.to_owned()),
        "ANGEL_API_URL" => Some(rest.clone()),
        "ANGEL_WS_URL" => Some(ws.clone()),
        "ANGEL_ORDER_WS_URL" => Some(order_ws.clone()),
        "ANGEL_MASTER_URL" => Some(master.clone()),
        _ => None,
    })
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let Connection::Live(session) = settings.connect(&clock).unwrap() else {
        panic!("angel is a live broker");
    };
    assert_eq!(session.login_url(), None);
    let missing = LoginParams::new([("clientid", CLIENT_CODE), ("pin", PIN)]);
    assert!(
        matches!(session.complete_login(&missing).await, Err(BrokerError::Auth(m)) if m.contains("TOTP"))
    );
    let params = LoginParams::new([("clientid", CLIENT_CODE), ("pin", PIN), ("totp", TOTP)]);
    let stored = session.complete_login(&params).await.unwrap();
    assert!(
        stored
            .expose_secret()
            .starts_with(&format!("{CLIENT_CODE}:"))
    );
    assert!(session.has_session());
    let bytes = session.fetch_master().await.unwrap();
    let (table, report) = session.install_master(&bytes).unwrap();
    assert_eq!((report.converted, report.skipped), (13, 1));
    assert!(table.get("NIFTY30DEC3024500CE", Exchange::Nfo).is_some());
    assert!(session.broker().positions().await.unwrap().is_empty());
    session.clear_session();
    assert!(!session.has_session());
    session.restore(&stored);
    assert!(session.broker().order_book().await.unwrap().is_empty());
}
