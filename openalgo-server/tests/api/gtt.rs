//! GTT orders end to end (rest-api §3.1.11, sandbox.md §11): place, modify, cancel and the
//! book on the simulator and in analyzer mode, every validation message, OCO ordering, a GTT
//! firing when the simulated price crosses its trigger, a restart, and a broker without GTT.

use std::str::FromStr;
use std::sync::Arc;

use openalgo_brokers::dhan::mock::MockDhan;
use openalgo_server::store::{SqliteStore, Store};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, browser, spawn_app, spawn_on, spawn_with};

/// The simulator's last price of `symbol` on NSE now.
async fn ltp(app: &TestApp, symbol: &str) -> Decimal {
    let (status, q) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": symbol, "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 200, "{q}");
    Decimal::from_str(&q["data"]["ltp"].to_string()).expect("ltp")
}

/// A funds figure, sent as a number or as text.
fn num(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

fn single(symbol: &str, sl: Decimal, tg: Decimal) -> Value {
    json!({"strategy": "gtt", "trigger_type": "SINGLE", "exchange": "NSE", "symbol": symbol,
           "action": "BUY", "product": "CNC", "quantity": 1, "pricetype": "MARKET", "price": 0,
           "triggerprice_sl": sl.to_string().parse::<f64>().expect("number"),
           "triggerprice_tg": tg.to_string().parse::<f64>().expect("number"),
           "stoploss": null, "target": null})
}

fn oco(symbol: &str, sl: Decimal, tg: Decimal) -> Value {
    json!({"strategy": "gtt", "trigger_type": "OCO", "exchange": "NSE", "symbol": symbol,
           "action": "SELL", "product": "CNC", "quantity": 2, "pricetype": "LIMIT", "price": 0,
           "triggerprice_sl": sl.to_string(), "stoploss": (sl - Decimal::ONE).to_string(),
           "triggerprice_tg": tg.to_string(), "target": (tg + Decimal::ONE).to_string()})
}

async fn book(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().expect("rows").clone()
}

fn ids(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|r| r["trigger_id"].as_str().expect("id"))
        .collect()
}

/// An F1 validation error of a GTT endpoint.
async fn refused(app: &TestApp, path: &str, body: Value) -> (u16, String) {
    let (status, answer) = app.post(path, &app.with_key(body)).await;
    assert_eq!(answer["status"], "error", "{answer}");
    (
        status,
        answer["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn place_book_modify_cancel_on_the_simulator() {
    let app = spawn_app().await;
    let l = ltp(&app, "SBIN").await;
    let far_below = (l / Decimal::TWO).round_dp(2);
    let (status, placed) = app
        .post(
            "placegttorder",
            &app.with_key(single("SBIN", far_below, Decimal::ZERO)),
        )
        .await;
    assert_eq!(status, 200, "{placed}");
    assert!(placed.get("mode").is_none(), "live mode: no marker");
    let id = placed["trigger_id"]
        .as_str()
        .expect("trigger id")
        .to_owned();
    assert!(id.starts_with("GTT-261124-"), "{id}");

    let rows = book(&app).await;
    assert_eq!(ids(&rows), [id.as_str()]);
    let row = &rows[0];
    assert_eq!(row["trigger_type"], "single");
    assert_eq!(row["status"], "active");
    assert_eq!(row["symbol"], "SBIN");
    assert_eq!(row["exchange"], "NSE");
    assert_eq!(
        row["trigger_prices"],
        json!([far_below.to_string().parse::<f64>().expect("number")])
    );
    assert_eq!(
        row["last_price"].to_string(),
        l.to_string().trim_end_matches('0').trim_end_matches('.')
    );
    assert_eq!(
        row["legs"],
        json!([{"action": "BUY", "quantity": 1, "price": 0.0, "pricetype": "MARKET", "product": "CNC"}])
    );
    assert_eq!(row["created_at"], "2026-11-24 10:00:00");
    assert_eq!(
        row["expires_at"], "2027-11-24 10:00:00",
        "a year by default"
    );
    assert_eq!(row["strategy"], "gtt");
    assert!(
        row["margin_blocked"].as_f64().expect("number") > 0.0,
        "{row}"
    );
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    assert!(num(&funds["data"]["utiliseddebits"]) > 0.0, "{funds}");

    // Modify is a full replacement: quantity and trigger change, identity stays.
    let mut changed = single("SBIN", far_below - Decimal::ONE, Decimal::ZERO);
    changed["quantity"] = json!(3);
    changed["trigger_id"] = json!(id);
    let (status, body) = app
        .post("modifygttorder", &app.with_key(changed.clone()))
        .await;
    assert_eq!(
        (status, body["trigger_id"].as_str()),
        (200, Some(id.as_str())),
        "{body}"
    );
    let rows = book(&app).await;
    assert_eq!(rows[0]["legs"][0]["quantity"], 3);
    assert_eq!(
        rows[0]["trigger_prices"][0].to_string(),
        (far_below - Decimal::ONE).normalize().to_string()
    );
    // Another symbol, side or kind is refused: cancel and re-place instead.
    let mut other = changed.clone();
    other["symbol"] = json!("INFY");
    let (status, message) = refused(&app, "modifygttorder", other).await;
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "symbol and exchange cannot be changed when modifying a GTT. Cancel and re-place."
    );
    let mut side = changed.clone();
    side["action"] = json!("SELL");
    let (status, message) = refused(&app, "modifygttorder", side).await;
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "action cannot be changed when modifying a GTT. Cancel and re-place."
        )
    );

    let cancel = json!({"strategy": "gtt", "trigger_id": id});
    let (status, body) = app
        .post("cancelgttorder", &app.with_key(cancel.clone()))
        .await;
    assert_eq!(
        (status, body["trigger_id"].as_str()),
        (200, Some(id.as_str())),
        "{body}"
    );
    assert!(book(&app).await.is_empty(), "only active GTTs are listed");
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(num(&funds["data"]["utiliseddebits"]), 0.0, "{funds}");
    // The history is still there on request.
    let (_, all) = app
        .post("gttorderbook", &app.with_key(json!({"status": "all"})))
        .await;
    assert_eq!(all["data"][0]["status"], "cancelled", "{all}");

    let (status, message) = refused(&app, "cancelgttorder", cancel).await;
    assert_eq!(status, 404);
    assert_eq!(message, format!("No active GTT with trigger_id '{id}'"));
    let mut gone = changed;
    gone["trigger_id"] = json!("GTT-nope");
    let (status, message) = refused(&app, "modifygttorder", gone).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "No active GTT with trigger_id 'GTT-nope'")
    );
}

#[tokio::test]
async fn oco_lists_its_triggers_ascending_with_the_stoploss_leg_first() {
    let app = spawn_app().await;
    // Own the shares first: a CNC SELL GTT fires against holdings.
    let buy = json!({"strategy": "gtt", "symbol": "INFY", "exchange": "NSE", "action": "BUY",
                     "quantity": 2, "product": "CNC"});
    let (status, body) = app.post("placeorder", &app.with_key(buy)).await;
    assert_eq!(status, 200, "{body}");
    let l = ltp(&app, "INFY").await;
    let (sl, tg) = (
        (l * Decimal::new(9, 1)).round_dp(1),
        (l * Decimal::new(11, 1)).round_dp(1),
    );
    let (status, placed) = app
        .post("placegttorder", &app.with_key(oco("INFY", sl, tg)))
        .await;
    assert_eq!(status, 200, "{placed}");
    let rows = book(&app).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["trigger_type"], "two-leg");
    let f = |d: Decimal| d.to_string().parse::<f64>().expect("number");
    assert_eq!(row["trigger_prices"], json!([f(sl), f(tg)]));
    assert_eq!(row["legs"][0]["price"], json!(f(sl - Decimal::ONE)));
    assert_eq!(row["legs"][1]["price"], json!(f(tg + Decimal::ONE)));
    assert_eq!(row["legs"][0]["action"], "SELL");
    assert_eq!(row["legs"][1]["quantity"], 2);
}

/// Places `body` and returns its trigger id.
async fn place(app: &TestApp, body: Value) -> String {
    let (status, placed) = app.post("placegttorder", &app.with_key(body)).await;
    assert_eq!(status, 200, "{placed}");
    placed["trigger_id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_gtt_fires_when_the_simulated_price_crosses_its_trigger() {
    let app = spawn_app().await;
    let l = ltp(&app, "SBIN").await;
    let tick = Decimal::new(5, 2);
    // One trigger a tick below, one a tick above, and an OCO around the price: whichever way
    // the price moves first, exactly one of the single triggers and one OCO leg fire.
    let below = place(&app, single("SBIN", l - tick, Decimal::ZERO)).await;
    let above = place(&app, single("SBIN", Decimal::ZERO, l + tick)).await;
    let hold = json!({"strategy": "gtt", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                      "quantity": 2, "product": "CNC"});
    assert_eq!(app.post("placeorder", &app.with_key(hold)).await.0, 200);
    let pair = place(&app, oco("SBIN", l - tick, l + tick)).await;
    assert_eq!(book(&app).await.len(), 3, "nothing crossed yet");

    let mut moved = None;
    for _ in 0..600 {
        app.clock.advance_ms(1_000);
        let now = ltp(&app, "SBIN").await;
        if now != l {
            moved = Some(now);
            break;
        }
    }
    let now = moved.expect("the simulated price moves within ten minutes");
    let (fired, waiting) = if now < l {
        (&below, &above)
    } else {
        (&above, &below)
    };
    let rows = book(&app).await;
    assert_eq!(ids(&rows), [waiting.as_str()], "the crossed GTTs fired");

    let (_, all) = app
        .post("gttorderbook", &app.with_key(json!({"status": "all"})))
        .await;
    let all = all["data"].as_array().expect("rows").clone();
    let state = |id: &str| {
        all.iter()
            .find(|r| r["trigger_id"] == id)
            .map(|r| r["status"].clone())
            .expect("listed")
    };
    assert_eq!(state(fired), "triggered");
    assert_eq!(state(&pair), "triggered");
    assert_eq!(all[0]["trigger_id"], waiting.as_str(), "active first");
    // The fired legs became orders: the single BUY and one SELL leg of the OCO.
    let (_, orders) = app.post("orderbook", &app.with_key(json!({}))).await;
    let orders = orders["data"]["orders"].as_array().expect("orders").clone();
    let gtt_orders: Vec<&Value> = orders.iter().filter(|o| o["strategy"] == "gtt").collect();
    assert_eq!(gtt_orders.len(), 3, "{orders:?}");
    assert_eq!(
        gtt_orders.iter().filter(|o| o["action"] == "SELL").count(),
        1,
        "one OCO leg only"
    );
}

#[tokio::test]
async fn analyzer_mode_marks_answers_and_keeps_its_own_gtts() {
    let app = spawn_app().await;
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    let l = ltp(&app, "SBIN").await;
    let (status, placed) = app
        .post(
            "placegttorder",
            &app.with_key(single(
                "SBIN",
                (l / Decimal::TWO).round_dp(2),
                Decimal::ZERO,
            )),
        )
        .await;
    assert_eq!(status, 200, "{placed}");
    assert_eq!(placed["mode"], "analyze");
    let id = placed["trigger_id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("GTT-"), "{id}");
    let (_, body) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    assert_eq!(body["mode"], "analyze");
    assert_eq!(body["data"][0]["trigger_id"], id.as_str());
    let (status, gone) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": "GTT-nope"})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        gone,
        json!({"status": "error", "mode": "analyze", "message": "No active GTT with trigger_id 'GTT-nope'"})
    );
    // Validation errors carry the marker too (F1 endpoints other than placeorder).
    let (status, bad) = app
        .post(
            "placegttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_type": "x"})),
        )
        .await;
    assert_eq!((status, &bad["mode"]), (400, &json!("analyze")), "{bad}");

    // The live account has none.
    app.post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    assert!(book(&app).await.is_empty());
}

#[tokio::test]
async fn every_validation_rule_answers_the_references_message() {
    // More order calls than the default 10 a second.
    let limits = openalgo_server::rate_limit::RateLimits {
        order: openalgo_server::rate_limit::Limit::parse("1000 per second").expect("limit"),
        ..Options::default().limits
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (app, _handle) = spawn_with(
        store,
        None,
        Options {
            limits,
            ..Options::default()
        },
    )
    .await;
    let f1 = |field: &str, message: &str| format!("{{'{field}': ['{message}']}}");
    let base = || single("SBIN", Decimal::new(100, 0), Decimal::ZERO);
    let with = |changes: Value| {
        let mut b = base();
        for (k, v) in changes.as_object().expect("object") {
            if v.is_null() {
                b.as_object_mut().expect("object").remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, String)> = vec![
        (
            with(json!({"trigger_type": "LIMIT"})),
            "{'trigger_type': [\"Must be 'SINGLE' or 'OCO'.\"]}".to_owned(),
        ),
        (
            with(json!({"product": "MIS"})),
            f1(
                "product",
                "GTT supports only CNC (delivery) or NRML (overnight F&O); MIS is intraday-only.",
            ),
        ),
        (
            with(json!({"quantity": 0})),
            f1("quantity", "Quantity must be a positive number."),
        ),
        (
            with(json!({"quantity": 1.5})),
            f1(
                "quantity",
                "Fractional quantity (1.5) is not allowed for non-crypto exchanges.",
            ),
        ),
        (
            with(json!({"price": -1})),
            f1("price", "Price must be a non-negative number."),
        ),
        (
            with(json!({"triggerprice_sl": -1})),
            f1("triggerprice_sl", "triggerprice_sl must be non-negative."),
        ),
        (
            with(json!({"triggerprice_tg": "-2"})),
            f1("triggerprice_tg", "triggerprice_tg must be non-negative."),
        ),
        (
            with(json!({"pricetype": "SL"})),
            f1("pricetype", "Must be one of: LIMIT, MARKET."),
        ),
        (
            with(json!({"triggerprice_sl": 0})),
            f1(
                "triggerprice_sl",
                "SINGLE GTT requires a positive triggerprice_sl or triggerprice_tg.",
            ),
        ),
        (
            with(json!({"triggerprice_sl": "", "triggerprice_tg": ""})),
            f1(
                "triggerprice_sl",
                "SINGLE GTT requires a positive triggerprice_sl or triggerprice_tg.",
            ),
        ),
        (
            with(json!({"price": null})),
            f1("price", "Missing data for required field."),
        ),
        (
            with(json!({"triggerprice_tg": "x"})),
            f1("triggerprice_tg", "Not a valid number."),
        ),
    ];
    let o = |sl: &str, stoploss: &str, tg: &str, target: &str| {
        let mut b = with(json!({"trigger_type": "oco"}));
        for (k, v) in [
            ("triggerprice_sl", sl),
            ("stoploss", stoploss),
            ("triggerprice_tg", tg),
            ("target", target),
        ] {
            if v.is_empty() {
                b.as_object_mut().expect("object").remove(k);
            } else {
                b[k] = json!(v);
            }
        }
        b
    };
    let oco_cases = vec![
        (
            o("", "", "", ""),
            f1("triggerprice_sl", "Required for OCO (stoploss trigger)."),
        ),
        (
            o("90", "", "", ""),
            f1("stoploss", "Required for OCO (stoploss leg limit)."),
        ),
        (
            o("90", "89", "0", ""),
            f1("triggerprice_tg", "Required for OCO (target trigger)."),
        ),
        (
            o("90", "89", "110", ""),
            f1("target", "Required for OCO (target leg limit)."),
        ),
        (
            o("110", "109", "110", "111"),
            f1(
                "triggerprice_sl",
                "Stoploss trigger must be less than target trigger (triggerprice_tg).",
            ),
        ),
    ];
    for (body, expected) in cases.into_iter().chain(oco_cases) {
        let (status, message) = refused(&app, "placegttorder", body.clone()).await;
        assert_eq!((status, message), (400, expected), "{body}");
    }
    // The same rules on modify, which also needs a trigger id.
    let mut modify = with(json!({"product": "MIS"}));
    modify["trigger_id"] = json!("");
    let (status, message) = refused(&app, "modifygttorder", modify).await;
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "{'trigger_id': ['Shorter than minimum length 1.'], 'product': ['GTT supports only CNC (delivery) or NRML (overnight F&O); MIS is intraday-only.']}"
        )
    );

    // Unknown keys are dropped on place and modify, refused on cancel and the book.
    let extra = with(json!({"last_price": 1, "comment": "x", "stoploss": "", "target": ""}));
    let (status, body) = app.post("placegttorder", &app.with_key(extra)).await;
    assert_eq!(status, 200, "{body}");
    let (status, message) = refused(
        &app,
        "cancelgttorder",
        json!({"strategy": "gtt", "trigger_id": "", "foo": 1}),
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "{'trigger_id': ['Shorter than minimum length 1.'], 'foo': ['Unknown field.']}"
        )
    );
    let (status, body) = app
        .post("gttorderbook", &app.with_key(json!({"foo": 1})))
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "error", "message": {"foo": ["Unknown field."]}})
        )
    );
    let (status, body) = app
        .post("gttorderbook", &app.with_key(json!({"status": "open"})))
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"status": "error", "message": {"status": ["Must be one of: active, all."]}})
        )
    );
    // A bad key after valid fields.
    let (status, body) = app
        .post("placegttorder", &{
            let mut b = base();
            b["apikey"] = json!("wrong");
            b
        })
        .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"status": "error", "message": "Invalid openalgo apikey"})
        )
    );
}

#[tokio::test]
async fn gtts_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("openalgo-gtt-restart-{}", std::process::id()));
    let path = dir.join("openalgo.db");
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&path).expect("store")) };

    let (app, handle) = spawn_on(open(), None).await;
    let l = ltp(&app, "SBIN").await;
    let kept = place(
        &app,
        single("SBIN", (l / Decimal::TWO).round_dp(2), Decimal::ZERO),
    )
    .await;
    let cancelled = place(&app, single("SBIN", Decimal::ZERO, l * Decimal::TWO)).await;
    let (status, _) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": cancelled})),
        )
        .await;
    assert_eq!(status, 200);
    let before = book(&app).await;
    let (_, funds_before) = app.post("funds", &app.with_key(json!({}))).await;
    handle.stop(true).await;

    let (app, handle) = spawn_on(open(), Some(app.api_key.clone())).await;
    let after = book(&app).await;
    assert_eq!(ids(&after), [kept.as_str()]);
    assert_eq!(after, before, "the same entry, margin included");
    let (_, funds_after) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(
        funds_after["data"]["utiliseddebits"],
        funds_before["data"]["utiliseddebits"]
    );
    // A new GTT gets a fresh id; the old one can still be cancelled.
    let fresh = place(
        &app,
        single("SBIN", (l / Decimal::TWO).round_dp(2), Decimal::ZERO),
    )
    .await;
    assert!(fresh != kept && fresh != cancelled, "{fresh}");
    let (status, _) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": kept})),
        )
        .await;
    assert_eq!(status, 200);
    handle.stop(true).await;
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[tokio::test]
async fn a_broker_without_gtt_answers_501_and_analyzer_mode_still_has_them() {
    let mock = MockDhan::start(crate::dhan::CLIENT, "dhanapp", "dhansecret").await;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let options = Options {
        broker: Some(crate::dhan::dhan_settings(&mock)),
        ..Options::default()
    };
    let (app, handle) = spawn_with(store, None, options).await;
    let web = browser();
    crate::zerodha::sign_in(&app, &web).await;
    let token = mock.issue_access_token();
    let r = crate::dhan::broker_login(&app, &web, crate::dhan::CLIENT, &token).await;
    assert_eq!(r.headers()["location"], "/dashboard");

    let body = single("SBIN", Decimal::new(100, 0), Decimal::ZERO);
    let unsupported =
        json!({"status": "error", "message": "GTT orders are not supported for broker 'dhan' yet"});
    let (status, answer) = app.post("placegttorder", &app.with_key(body.clone())).await;
    assert_eq!((status, answer), (501, unsupported.clone()));
    let (status, answer) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    assert_eq!((status, answer), (501, unsupported.clone()));
    let (status, answer) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": "1"})),
        )
        .await;
    assert_eq!((status, answer), (501, unsupported));

    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    let (status, answer) = app.post("placegttorder", &app.with_key(body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["mode"], "analyze");
    handle.stop(true).await;
}

#[tokio::test]
async fn zerodha_gtts_go_through_the_server_to_kite() {
    use openalgo_brokers::zerodha::mock::MockKite;

    let mock = MockKite::start(crate::zerodha::KEY, crate::zerodha::SECRET).await;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let options = Options {
        broker: Some(crate::zerodha::kite_settings(&mock, &[])),
        ..Options::default()
    };
    let (app, handle) = spawn_with(store, None, options).await;
    let web = browser();
    crate::zerodha::sign_in(&app, &web).await;
    let r = crate::zerodha::broker_login(&app, &web, &mock).await;
    assert!(r.status().is_redirection(), "{}", r.status());

    let mut body = single("SBIN", Decimal::new(7005, 1), Decimal::ZERO);
    body["pricetype"] = json!("LIMIT");
    body["price"] = json!(701);
    let (status, placed) = app.post("placegttorder", &app.with_key(body.clone())).await;
    assert_eq!(status, 200, "{placed}");
    let id = placed["trigger_id"]
        .as_str()
        .expect("Kite's trigger id")
        .to_owned();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
    let sent = mock
        .last_request("POST", "/gtt/triggers")
        .expect("sent to Kite");
    assert_eq!(sent.form[0], ("type".to_owned(), "single".to_owned()));

    let (status, pair) = app
        .post(
            "placegttorder",
            &app.with_key(oco("SBIN", Decimal::new(750, 0), Decimal::new(900, 0))),
        )
        .await;
    assert_eq!(status, 200, "{pair}");
    let rows = book(&app).await;
    assert_eq!(rows.len(), 2);
    let two = rows
        .iter()
        .find(|r| r["trigger_id"] == pair["trigger_id"])
        .expect("listed");
    assert_eq!(two["trigger_type"], "two-leg");
    assert_eq!(two["trigger_prices"], json!([750.0, 900.0]));
    assert_eq!(two["legs"][0]["price"], json!(749.0));
    assert_eq!(two["last_price"], json!(812.35));
    assert!(
        two.get("strategy").is_none(),
        "paper-only keys stay off live rows"
    );
    assert_eq!(two["created_at"].as_str().map(str::len), Some(19));

    body["trigger_id"] = json!(id);
    body["quantity"] = json!(4);
    let (status, modified) = app.post("modifygttorder", &app.with_key(body)).await;
    assert_eq!(
        (status, modified["trigger_id"].as_str()),
        (200, Some(id.as_str())),
        "{modified}"
    );
    let (status, _) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": id})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        book(&app).await.len(),
        1,
        "the deleted trigger is no longer active"
    );
    let (status, again) = app
        .post(
            "cancelgttorder",
            &app.with_key(json!({"strategy": "gtt", "trigger_id": id})),
        )
        .await;
    assert_eq!(
        (status, &again["status"]),
        (400, &json!("error")),
        "{again}"
    );
    handle.stop(true).await;
}
