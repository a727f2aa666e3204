//! The option endpoints on the simulator's master (rest-api §3.1.3, §3.1.4, §3.6): answers
//! checked against the chain, the quotes and core's option maths, the reference's errors, the
//! analyzer marker and the BUY-first order of multi-leg orders.

use std::str::FromStr;

use openalgo_core::OptionType;
use openalgo_core::options::{
    GreeksRequest, black76_greeks, expiry_cutoff, synthetic_future, time_to_expiry,
};
use openalgo_core::symbol::{ExpiryDate, Strike};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// The nearest NIFTY weekly expiry of the simulator's master, `DDMMMYY`.
pub(crate) async fn nifty_expiry(app: &TestApp) -> String {
    let (status, body) = app
        .post(
            "expiry",
            &app.with_key(
                json!({"symbol": "NIFTY", "exchange": "NFO", "instrumenttype": "options"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"][0].as_str().expect("expiry").replace('-', "")
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap_or_else(|_| panic!("not a number: {v}"))
}

async fn ltp(app: &TestApp, symbol: &str, exchange: &str) -> Decimal {
    let (status, body) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": symbol, "exchange": exchange})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    dec(&body["data"]["ltp"])
}

/// Every listed NIFTY strike of the expiry (the full chain), ascending.
async fn strikes(app: &TestApp, expiry: &str) -> Vec<Decimal> {
    let (status, body) = app
        .post(
            "optionchain",
            &app.with_key(
                json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": expiry}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["chain"]
        .as_array()
        .expect("chain")
        .iter()
        .map(|r| dec(&r["strike"]))
        .collect()
}

/// The index of the listed strike nearest `ltp` (the lower one on a tie).
fn atm_index(strikes: &[Decimal], ltp: Decimal) -> usize {
    let mut best = 0;
    for (i, s) in strikes.iter().enumerate() {
        if (*s - ltp).abs() < (strikes[best] - ltp).abs() {
            best = i;
        }
    }
    best
}

fn symbol(expiry: &str, strike: Decimal, option_type: &str) -> String {
    format!("NIFTY{expiry}{}{option_type}", strike.normalize())
}

#[tokio::test]
async fn optionsymbol_steps_through_the_listed_strikes() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let spot = ltp(&app, "NIFTY", "NSE_INDEX").await;
    let ladder = strikes(&app, &expiry).await;
    let atm = atm_index(&ladder, spot);
    for (offset, option_type, index) in [
        ("ATM", "CE", atm),
        ("ITM2", "CE", atm - 2),
        ("otm3", "CE", atm + 3),
        ("ITM2", "pe", atm + 2),
        ("OTM1", "PE", atm - 1),
    ] {
        let (status, body) = app
            .post(
                "optionsymbol",
                &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                    "expiry_date": expiry, "offset": offset, "option_type": option_type})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let ot = option_type.to_ascii_uppercase();
        assert_eq!(
            body["symbol"],
            symbol(&expiry, ladder[index], &ot),
            "{offset} {ot}"
        );
        assert_eq!(body["exchange"], "NFO");
        assert_eq!(dec(&body["underlying_ltp"]), spot);
        assert_eq!(body["freeze_qty"], 1800);
        // The lot size is the master's.
        let (_, row) = app
            .post(
                "symbol",
                &app.with_key(json!({"symbol": body["symbol"], "exchange": "NFO"})),
            )
            .await;
        assert_eq!(body["lotsize"], row["data"]["lotsize"]);
    }
    // An expiry embedded in the underlying (the future's name); NFO maps back to the index.
    let (status, body) = app
        .post(
            "optionsymbol",
            &app.with_key(
                json!({"underlying": format!("NIFTY{expiry}FUT"), "exchange": "NFO",
                "offset": "ATM", "option_type": "CE", "strategy": null}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["symbol"], symbol(&expiry, ladder[atm], "CE"));
    // The deprecated arithmetic interval: ATM = round(ltp / 50) * 50.
    let (status, body) = app
        .post(
            "optionsymbol",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "strike_int": "50", "offset": "ATM", "option_type": "CE"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let step = Decimal::from(50);
    assert_eq!(
        body["symbol"],
        symbol(&expiry, (spot / step).round() * step, "CE")
    );
}

#[tokio::test]
async fn option_errors_are_the_references() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let base = json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": expiry,
                      "offset": "ATM", "option_type": "CE"});
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().expect("object") {
            if v.is_null() {
                b.as_object_mut().expect("object").remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        app.with_key(b)
    };
    // No expiry anywhere.
    let (status, body) = app
        .post("optionsymbol", &with(json!({"expiry_date": null})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Expiry date required. Provide via expiry_date parameter or embed in underlying (e.g., NIFTY28OCT25FUT)."
    );
    // A malformed offset is a schema error (format F3).
    let (status, body) = app
        .post("optionsymbol", &with(json!({"offset": "ITM51"})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Validation error",
               "errors": {"offset": ["Offset must be ATM, ITM1-ITM50, or OTM1-OTM50"]}})
    );
    // An offset beyond the listed strikes.
    let ladder = strikes(&app, &expiry).await;
    let spot = ltp(&app, "NIFTY", "NSE_INDEX").await;
    let below = atm_index(&ladder, spot);
    assert!(
        below < 50,
        "the simulator lists fewer than 50 strikes below ATM"
    );
    let offset = format!("ITM{}", below + 1);
    let (status, body) = app
        .post("optionsymbol", &with(json!({"offset": offset})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        format!(
            "Offset {offset} is out of range for available strikes. Please use a smaller offset."
        )
    );
    // An unknown underlying: the quote fails.
    let (status, body) = app
        .post(
            "optionsymbol",
            &with(json!({"underlying": "NOSUCH", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Failed to fetch LTP for NOSUCH. Symbol 'NOSUCH' not found for exchange 'NSE'. Please verify the symbol name and ensure master contracts are downloaded."
    );
    // An expiry with no strikes.
    let (status, body) = app
        .post("optionsymbol", &with(json!({"expiry_date": "01JAN30"})))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "No strikes found for NIFTY expiring 01JAN30. Please check expiry date or update master contract."
    );
    // Multi-leg orders take 1 to 20 legs.
    let leg = json!({"offset": "ATM", "option_type": "CE", "action": "BUY", "quantity": 75});
    for legs in [vec![], vec![leg; 21]] {
        let (status, body) = app
            .post(
                "optionsmultiorder",
                &app.with_key(json!({"strategy": "s", "underlying": "NIFTY",
                    "exchange": "NSE_INDEX", "expiry_date": expiry, "legs": legs})),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"status": "error", "message": "Validation error",
                   "errors": {"legs": ["Legs must contain 1 to 20 items."]}})
        );
    }
    // Option orders take whole quantities and only MIS or NRML.
    let (status, body) = app
        .post(
            "optionsorder",
            &with(json!({"strategy": "s", "action": "BUY", "quantity": "75.5", "product": "CNC"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"],
        json!({"quantity": ["Not a valid integer."], "product": ["Must be one of: MIS, NRML."]})
    );
    // The chain requires an expiry; the Greeks answer F4 and a null body is refused.
    let (status, body) = app
        .post(
            "optionchain",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"],
        json!({"expiry_date": ["Missing data for required field."]})
    );
    let (status, body) = app
        .post(
            "optiongreeks",
            &app.with_key(json!({"symbol": "X", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Validation failed");
    assert_eq!(
        body["errors"]["exchange"],
        json!(["Must be one of: NFO, BFO, MCX, CDS, NCO, BCD, NCDEX, CRYPTO."])
    );
    let r = app
        .client
        .post(format!("{}/api/v1/optiongreeks", app.address))
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["message"], "Request body is missing or invalid JSON");
}

#[tokio::test]
async fn a_bad_key_is_403_except_for_the_greeks_401() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let bad = |mut b: Value| {
        b["apikey"] = json!("not-a-key");
        b
    };
    let (status, body) = app
        .post(
            "optionsymbol",
            &bad(
                json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": expiry,
                        "offset": "ATM", "option_type": "CE"}),
            ),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "Failed to fetch LTP for NIFTY. Invalid openalgo apikey"
    );
    let (status, body) = app
        .post(
            "optionchain",
            &bad(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": expiry})),
        )
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (403, json!("Invalid openalgo apikey"))
    );
    let (status, body) = app
        .post(
            "optionsmultiorder",
            &bad(
                json!({"strategy": "s", "underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "legs": [{"offset": "ATM", "option_type": "CE",
                "action": "BUY", "quantity": 75}]}),
            ),
        )
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (403, json!("Invalid openalgo apikey"))
    );
    for path in ["optiongreeks", "multioptiongreeks"] {
        let body = if path == "optiongreeks" {
            json!({"symbol": "NIFTY24NOV2626000CE", "exchange": "NFO"})
        } else {
            json!({"symbols": [{"symbol": "NIFTY24NOV2626000CE", "exchange": "NFO"}]})
        };
        let (status, body) = app.post(path, &bad(body)).await;
        assert_eq!(
            (status, body),
            (
                401,
                json!({"status": "error", "message": "Invalid openalgo apikey"})
            ),
            "{path}"
        );
    }
}

#[tokio::test]
async fn synthetic_future_is_strike_plus_call_minus_put() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let (status, body) = app
        .post(
            "syntheticfuture",
            &app.with_key(
                json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": expiry}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let spot = ltp(&app, "NIFTY", "NSE_INDEX").await;
    let ladder = strikes(&app, &expiry).await;
    let atm = ladder[atm_index(&ladder, spot)];
    assert_eq!(dec(&body["atm_strike"]), atm);
    let ce = ltp(&app, &symbol(&expiry, atm, "CE"), "NFO").await;
    let pe = ltp(&app, &symbol(&expiry, atm, "PE"), "NFO").await;
    assert_eq!(dec(&body["synthetic_future_price"]), atm + ce - pe);
    assert_eq!(body["expiry"], expiry.as_str());
    assert_eq!(dec(&body["underlying_ltp"]), spot);
}

/// The server's clock in the test helpers: 24 Nov 2026, 10:00 IST.
fn server_now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time")
}

#[tokio::test]
async fn chain_rows_carry_quotes_labels_and_core_greeks() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let (status, body) = app
        .post(
            "optionchain",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "strike_count": 3, "with_greeks": "true",
                "interest_rate": 6.5})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = body["chain"].as_array().expect("chain");
    assert_eq!(rows.len(), 7, "three strikes each side of ATM");
    let spot = ltp(&app, "NIFTY", "NSE_INDEX").await;
    let ladder = strikes(&app, &expiry).await;
    let atm = atm_index(&ladder, spot);
    assert_eq!(dec(&body["atm_strike"]), ladder[atm]);
    assert_eq!(body["greeks_included"], true);
    // The forward is the ATM synthetic future.
    let atm_row = &rows[3];
    let forward = synthetic_future(
        Strike::new(ladder[atm]).expect("strike"),
        dec(&atm_row["ce"]["ltp"]),
        dec(&atm_row["pe"]["ltp"]),
    );
    assert_eq!(dec(&body["forward_price"]), forward);
    let expiry_date = ExpiryDate::parse_compact(&expiry).expect("expiry");
    let time = time_to_expiry(
        expiry_date,
        expiry_cutoff(openalgo_core::Exchange::Nfo),
        server_now(),
    )
    .expect("not expired");
    for (i, row) in rows.iter().enumerate() {
        let strike = ladder[atm - 3 + i];
        assert_eq!(dec(&row["strike"]), strike);
        let k = i64::try_from(i).expect("small") - 3;
        let (ce_label, pe_label) = match k.signum() {
            0 => ("ATM".to_owned(), "ATM".to_owned()),
            -1 => (format!("ITM{}", -k), format!("OTM{}", -k)),
            _ => (format!("OTM{k}"), format!("ITM{k}")),
        };
        for (side, ot, label) in [
            ("ce", OptionType::Call, ce_label),
            ("pe", OptionType::Put, pe_label),
        ] {
            let leg = &row[side];
            assert_eq!(leg["label"], label.as_str());
            assert_eq!(leg["symbol"], symbol(&expiry, strike, ot.as_str()));
            // The quote is the broker's.
            let (_, q) = app
                .post(
                    "quotes",
                    &app.with_key(json!({"symbol": leg["symbol"], "exchange": "NFO"})),
                )
                .await;
            for key in ["ltp", "bid", "ask", "oi", "volume", "prev_close"] {
                assert_eq!(leg[key], q["data"][key], "{side} {key}");
            }
            // The Greeks are core's Black-76 at the forward.
            let r = black76_greeks(&GreeksRequest {
                option_type: ot,
                forward,
                strike: Strike::new(strike).expect("strike"),
                option_price: dec(&leg["ltp"]),
                interest_rate_percent: Decimal::new(65, 1),
                time,
            })
            .expect("greeks");
            assert_eq!(
                dec(&leg["implied_volatility"]),
                r.implied_volatility,
                "{side} {strike}"
            );
            assert_eq!(dec(&leg["delta"]), r.delta);
            assert_eq!(dec(&leg["gamma"]), r.gamma);
            assert_eq!(dec(&leg["theta"]), r.theta);
            assert_eq!(dec(&leg["vega"]), r.vega);
        }
    }
    // Without Greeks: no Greek keys and no forward.
    let (_, body) = app
        .post(
            "optionchain",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "strike_count": 1})),
        )
        .await;
    assert_eq!(body["greeks_included"], false);
    assert_eq!(body["forward_price"], Value::Null);
    assert!(body["chain"][0]["ce"].get("delta").is_none());
    // optiongreeks on the ATM call agrees with the chain's row (same forward, no rate).
    let ce = symbol(&expiry, ladder[atm], "CE");
    let (status, g) = app
        .post(
            "optiongreeks",
            &app.with_key(json!({"symbol": ce, "exchange": "NFO"})),
        )
        .await;
    assert_eq!(status, 200, "{g}");
    let (_, chain) = app
        .post(
            "optionchain",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "strike_count": 0, "with_greeks": true})),
        )
        .await;
    assert_eq!(
        chain["errors"]["strike_count"][0],
        "Must be greater than or equal to 1 and less than or equal to 100."
    );
    let (_, chain) = app
        .post(
            "optionchain",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "strike_count": 1, "with_greeks": true})),
        )
        .await;
    let row = &chain["chain"][1]["ce"];
    assert_eq!(g["implied_volatility"], row["implied_volatility"]);
    assert_eq!(g["greeks"]["delta"], row["delta"]);
    assert_eq!(g["forward_price"], chain["forward_price"]);
    assert_eq!(dec(&g["spot_price"]), spot);
    let (status, m) = app
        .post(
            "multioptiongreeks",
            &app.with_key(json!({"symbols": [{"symbol": ce, "exchange": "NFO"},
                {"symbol": "NIFTY01JAN3020000CE", "exchange": "NFO"}]})),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["summary"], json!({"total": 2, "success": 1, "failed": 1}));
    assert_eq!(m["data"][0]["greeks"], g["greeks"]);
    assert_eq!(m["data"][1]["status"], "error");
}

#[tokio::test]
async fn options_orders_place_through_the_order_service() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let spot = ltp(&app, "NIFTY", "NSE_INDEX").await;
    let ladder = strikes(&app, &expiry).await;
    let atm = atm_index(&ladder, spot);
    let order = |extra: Value| {
        let mut b = json!({"strategy": "opt", "underlying": "NIFTY", "exchange": "NSE_INDEX",
            "expiry_date": expiry, "offset": "ITM1", "option_type": "PE", "action": "BUY",
            "quantity": "150"});
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        app.with_key(b)
    };
    let (status, body) = app.post("optionsorder", &order(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let contract = symbol(&expiry, ladder[atm + 1], "PE");
    assert_eq!(body["symbol"], contract.as_str());
    assert_eq!(body["offset"], "ITM1");
    assert_eq!(body["option_type"], "PE");
    assert_eq!(body["underlying"], "NIFTY");
    assert!(body.get("mode").is_none(), "live answers have no mode");
    // The order is in the book as placed.
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    let placed = book["data"]["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["orderid"] == body["orderid"])
        .cloned()
        .expect("in the book");
    assert_eq!(placed["symbol"], contract.as_str());
    assert_eq!(placed["quantity"].to_string().trim_matches('"'), "150");
    // Split: 150 in children of 60 → 60, 60, 30.
    let (status, body) = app
        .post("optionsorder", &order(json!({"splitsize": 60})))
        .await;
    assert_eq!(status, 200, "{body}");
    let q: Vec<&Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["quantity"])
        .collect();
    assert_eq!(q, [&json!(60), &json!(60), &json!(30)]);
    assert_eq!(body["total_quantity"], 150);
    assert_eq!(body["split_size"], 60);
    // A quantity that is no lot multiple is the order service's refusal.
    let (status, body) = app
        .post("optionsorder", &order(json!({"quantity": 10})))
        .await;
    assert_eq!(status, 400, "{body}");
    // Multi-leg: BUY legs first, results in request order, a split leg and a failed leg.
    let legs = json!([
        {"offset": "OTM2", "option_type": "CE", "action": "SELL", "quantity": 75},
        {"offset": "OTM4", "option_type": "CE", "action": "BUY", "quantity": 150, "splitsize": 75},
        {"offset": "OTM2", "option_type": "PE", "action": "SELL", "quantity": 75},
        {"offset": "OTM4", "option_type": "PE", "action": "buy", "quantity": 75},
        {"offset": "ITM60", "option_type": "PE", "action": "BUY", "quantity": 75},
    ]);
    let (status, body) = app
        .post(
            "optionsmultiorder",
            &app.with_key(
                json!({"strategy": "ic", "underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "legs": legs}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    let legs_seen: Vec<i64> = results
        .iter()
        .map(|r| r["leg"].as_i64().expect("leg"))
        .collect();
    assert_eq!(legs_seen, [1, 2, 3, 4, 5]);
    assert_eq!(
        results[0]["symbol"],
        symbol(&expiry, ladder[atm + 2], "CE").as_str()
    );
    assert_eq!(
        results[3]["symbol"],
        symbol(&expiry, ladder[atm - 4], "PE").as_str()
    );
    assert_eq!(
        results[1]["split_results"].as_array().expect("split").len(),
        2
    );
    assert_eq!(results[1]["status"], "success");
    assert_eq!(results[4]["status"], "error");
    assert!(results[4].get("symbol").is_none());
    for r in &results[..4] {
        assert_eq!(r["status"], "success", "{r}");
        assert_eq!(r["mode"], "live");
    }
    // Placement order: every BUY order id precedes every SELL order id.
    let id = |v: &Value| v.as_str().expect("id").parse::<u64>().expect("numeric id");
    let buys = [
        id(&results[1]["split_results"][0]["orderid"]),
        id(&results[1]["split_results"][1]["orderid"]),
        id(&results[3]["orderid"]),
    ];
    let sells = [id(&results[0]["orderid"]), id(&results[2]["orderid"])];
    assert!(buys.iter().max() < sells.iter().min(), "{buys:?} {sells:?}");
    assert!(id(&results[1]["split_results"][0]["orderid"]) < id(&results[3]["orderid"]));
    assert!(sells[0] < sells[1], "SELL legs in request order");
}

#[tokio::test]
async fn analyze_mode_marks_option_orders() {
    let app = spawn_app().await;
    let expiry = nifty_expiry(&app).await;
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            "optionsorder",
            &app.with_key(
                json!({"strategy": "a", "underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "offset": "ATM", "option_type": "CE", "action": "BUY",
                "quantity": 75}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    let (status, body) = app
        .post(
            "optionsmultiorder",
            &app.with_key(
                json!({"strategy": "a", "underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "legs": [{"offset": "ATM", "option_type": "PE",
                "action": "SELL", "quantity": 75}]}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(body["results"][0]["mode"], "analyze");
    // The orders are in the analyzer's book, not the live one.
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["mode"], "analyze");
    assert_eq!(book["data"]["orders"].as_array().expect("orders").len(), 2);
    // Analytics are the same in both modes and carry no marker.
    let (status, body) = app
        .post(
            "optionsymbol",
            &app.with_key(json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
                "expiry_date": expiry, "offset": "ATM", "option_type": "CE"})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.get("mode").is_none());
}
