//! Broker faults on the live order path, end to end: the real server with `BROKER=zerodha`
//! against the mock Kite's HTTP server, one fault per test. Each test checks the answer the
//! client gets and the broker-side truth (the mock's own order list: exactly one order or
//! none), so an order is never lost, never guessed and never duplicated.

use std::sync::Arc;
use std::time::Duration;

use openalgo_brokers::zerodha::mock::{Fault, MockKite};
use openalgo_server::store::{SqliteStore, Store};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, browser, spawn_with};
use crate::zerodha::{KEY, SECRET, broker_login, kite_settings, sign_in};

const ORDERS: &str = "/orders/regular";
/// Longer than the adapter's timeout (`ZERODHA_TIMEOUT_MS=1000`): the client gives up first.
const STALL: Duration = Duration::from_secs(3);

struct Live {
    app: TestApp,
    mock: MockKite,
    store: Arc<SqliteStore>,
    _handle: actix_web::dev::ServerHandle,
}

/// A server trading on the mock Kite, logged in.
async fn live() -> Live {
    let mock = MockKite::start(KEY, SECRET).await;
    let store = Arc::new(SqliteStore::in_memory().expect("store"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let options = Options {
        broker: Some(kite_settings(&mock, &[("ZERODHA_TIMEOUT_MS", "1000")])),
        ..Options::default()
    };
    let (app, handle) = spawn_with(dyn_store, None, options).await;
    let web = browser();
    sign_in(&app, &web).await;
    let r = broker_login(&app, &web, &mock).await;
    assert_eq!(r.status(), 302, "broker login");
    Live {
        app,
        mock,
        store,
        _handle: handle,
    }
}

impl Live {
    fn order(&self) -> Value {
        self.app.with_key(
            json!({"strategy": "faults", "symbol": "SBIN", "exchange": "NSE",
            "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
        )
    }

    async fn place(&self) -> (u16, Value) {
        self.app.post("placeorder", &self.order()).await
    }

    async fn place_keyed(&self, key: &str) -> (u16, Value) {
        let r = self
            .app
            .client
            .post(format!("{}/api/v1/placeorder", self.app.address))
            .header("Idempotency-Key", key)
            .json(&self.order())
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json body"))
    }

    /// The mock's order book: (order id, tag).
    fn broker_orders(&self) -> Vec<(String, Option<String>)> {
        self.mock.order_tags()
    }

    fn sent(&self, method: &str, path: &str) -> usize {
        self.mock
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// The one order the broker holds; its id must be the one the client got.
    fn assert_one_order(&self, body: &Value) {
        let orders = self.broker_orders();
        assert_eq!(orders.len(), 1, "exactly one broker order: {orders:?}");
        assert_eq!(body["orderid"], orders[0].0.as_str(), "{body}");
        let tag = orders[0].1.as_deref().expect("tagged");
        assert!(
            tag.len() == 20 && tag.starts_with("openalgo"),
            "a unique tag within Kite's 20 characters: {tag}"
        );
    }

    fn assert_not_placed(&self, status: u16, body: &Value) {
        assert_eq!(status, 502, "{body}");
        assert_eq!(body["status"], "error");
        let message = body["message"].as_str().expect("message");
        assert!(message.starts_with("Order not placed"), "{message}");
        assert!(self.broker_orders().is_empty(), "no broker order");
        assert!(
            self.sent("GET", "/orders") >= 2,
            "the book was checked twice before saying so"
        );
    }
}

#[tokio::test]
async fn a_timeout_before_kite_accepts_is_reported_not_placed() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::StallBeforeHandling(STALL));
    let (status, body) = live.place().await;
    live.assert_not_placed(status, &body);
    assert_eq!(live.sent("POST", ORDERS), 1, "never re-sent");
}

#[tokio::test]
async fn a_timeout_after_kite_accepts_answers_the_placed_order() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::StallAfterHandling(STALL));
    let (status, body) = live.place().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    live.assert_one_order(&body);
    assert_eq!(live.sent("POST", ORDERS), 1, "never re-sent");
}

#[tokio::test]
async fn a_gateway_error_is_reconciled_both_ways() {
    let live = live().await;
    live.mock.inject_fault(
        "POST",
        ORDERS,
        1,
        Fault::Gateway {
            status: 502,
            handled: false,
        },
    );
    let (status, body) = live.place().await;
    live.assert_not_placed(status, &body);
    assert!(
        !body.to_string().contains("html"),
        "the gateway's page is not echoed: {body}"
    );

    live.mock.inject_fault(
        "POST",
        ORDERS,
        1,
        Fault::Gateway {
            status: 503,
            handled: true,
        },
    );
    let (status, body) = live.place().await;
    assert_eq!(status, 200, "{body}");
    live.assert_one_order(&body);
    assert_eq!(live.sent("POST", ORDERS), 2, "one send per call");
}

#[tokio::test]
async fn a_malformed_answer_after_placing_answers_the_placed_order() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::MalformedJson);
    let (status, body) = live.place().await;
    assert_eq!(status, 200, "{body}");
    live.assert_one_order(&body);
}

#[tokio::test]
async fn a_dropped_connection_is_reconciled_both_ways() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::Drop { handled: false });
    let (status, body) = live.place().await;
    live.assert_not_placed(status, &body);

    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::Drop { handled: true });
    let (status, body) = live.place().await;
    assert_eq!(status, 200, "{body}");
    live.assert_one_order(&body);
}

#[tokio::test]
async fn an_expired_token_answers_the_auth_error_and_ends_the_session() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::ExpireToken);
    let (status, body) = live.place().await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Incorrect `api_key` or `access_token`."})
    );
    // The session is marked expired: the next call fails at once without reaching Kite.
    let (status, body) = live.place().await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("log in again")),
        "{body}"
    );
    assert_eq!(live.sent("POST", ORDERS), 1, "no call with the dead token");
    assert!(live.broker_orders().is_empty());
}

#[tokio::test]
async fn a_rate_limit_is_answered_429_and_not_retried() {
    let live = live().await;
    live.mock.inject_fault("POST", ORDERS, 1, Fault::RateLimit);
    let (status, body) = live.place().await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["status"], "error");
    assert_eq!(live.sent("POST", ORDERS), 1, "not retried");
    assert_eq!(
        live.sent("GET", "/orders"),
        0,
        "a refusal needs no reconciliation"
    );
    assert!(live.broker_orders().is_empty());
    // The next call goes through normally.
    let (status, body) = live.place().await;
    assert_eq!(status, 200, "{body}");
    live.assert_one_order(&body);
}

/// Polls the order log for a `reconcile` row (the background reconciler writes it).
async fn reconcile_row(store: &SqliteStore) -> Value {
    for _ in 0..100 {
        let rows = store.order_log(50).expect("order log");
        if let Some(row) = rows.iter().find(|r| r.api_type == "reconcile") {
            return serde_json::from_str(&row.response).expect("json");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no reconcile row in the order log");
}

#[tokio::test]
async fn an_unreachable_book_leaves_the_outcome_unknown_until_the_background_finds_it() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::StallAfterHandling(STALL));
    live.mock
        .inject_fault("GET", "/orders", 2, Fault::Drop { handled: false });
    let (status, body) = live.place().await;
    assert_eq!(status, 502, "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(
        message.starts_with("Order outcome unknown") && message.contains("reconciled"),
        "{message}"
    );
    let rows = live.store.order_log(10).expect("order log");
    assert!(
        rows.iter()
            .any(|r| r.api_type == "placeorder" && r.status == 502),
        "the unknown outcome is in the order log"
    );
    // The broker did take the order; the background reconciler finds it and logs it.
    let orders = live.broker_orders();
    assert_eq!(orders.len(), 1);
    let row = reconcile_row(&live.store).await;
    assert_eq!(row["status"], "success", "{row}");
    assert_eq!(row["orderid"], orders[0].0.as_str());
    assert_eq!(
        Some(row["tag"].as_str().expect("tag")),
        orders[0].1.as_deref()
    );
}

#[tokio::test]
async fn a_keyed_retry_after_an_unknown_outcome_finds_the_first_order() {
    let live = live().await;
    live.mock
        .inject_fault("POST", ORDERS, 1, Fault::StallAfterHandling(STALL));
    live.mock
        .inject_fault("GET", "/orders", 1, Fault::Drop { handled: false });
    let (status, body) = live.place_keyed("retry-1").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(live.broker_orders().len(), 1, "the broker took it");

    // The retry with the same key looks the order up instead of placing it again.
    let (status, body) = live.place_keyed("retry-1").await;
    assert_eq!(status, 200, "{body}");
    live.assert_one_order(&body);
    assert_eq!(live.sent("POST", ORDERS), 1, "no second order sent");

    // From now on the key replays that answer.
    let (again_status, again) = live.place_keyed("retry-1").await;
    assert_eq!((again_status, &again), (200, &body));
    assert_eq!(live.broker_orders().len(), 1);
}
