//! The dashboard pages over HTTP (the browser walk is `tests/browser`): every page renders for
//! the signed-in user and redirects a stranger, keeps to the strict CSP, every form refuses a
//! post without the session's CSRF token, and the order actions go through the API (validated,
//! logged, on the current account).

use serde_json::{Value, json};

use openalgo_core::clock::Clock;

use crate::helpers::{TestApp, browser, spawn_app};

const PAGES: &[&str] = &[
    "/dashboard",
    "/orderbook",
    "/tradebook",
    "/positions",
    "/holdings",
    "/ticket",
    "/search?q=SBIN",
    "/search?q=SBIN&symbol=SBIN&on=NSE",
    "/orderbook/gtt",
    "/sandbox",
    "/sandbox/mypnl",
    "/risk",
    "/strategy",
    "/logs",
    "/logs?tab=traffic",
    "/logs?tab=latency",
    "/apikey",
    "/settings",
    "/broker",
    "/security",
    "/auth/totp",
];

const FORMS: &[&str] = &[
    "/auth/analyzer-toggle",
    "/orderbook/cancel",
    "/orderbook/cancel-all",
    "/orderbook/modify",
    "/orderbook/gtt/cancel",
    "/orderbook/gtt/modify",
    "/positions/close",
    "/positions/close-all",
    "/ticket/review",
    "/ticket/place",
    "/apikey/rotate",
    "/sandbox/reset",
    "/sandbox/settings",
    "/risk/killswitch",
    "/risk/limits",
    "/strategy/new",
];

pub(crate) fn csrf(html: &str) -> String {
    let start = r#"name="csrf_token" value=""#;
    let i = html.find(start).expect("csrf field") + start.len();
    html[i..i + html[i..].find('"').expect("end")].to_owned()
}

async fn get(app: &TestApp, web: &reqwest::Client, path: &str) -> reqwest::Response {
    web.get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request")
}

pub(crate) async fn text(app: &TestApp, web: &reqwest::Client, path: &str) -> String {
    let r = get(app, web, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.expect("body")
}

pub(crate) async fn post(
    app: &TestApp,
    web: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    web.post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("request")
}

/// A signed-in browser and its CSRF token.
pub(crate) async fn signed_in(app: &TestApp) -> (reqwest::Client, String) {
    let web = browser();
    let page = text(app, &web, "/auth/login").await;
    let r = post(
        app,
        &web,
        "/auth/login",
        &[
            ("csrf_token", &csrf(&page)),
            ("username", "admin"),
            ("password", "Secret#123"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let token = csrf(&text(app, &web, "/dashboard").await);
    (web, token)
}

async fn orders(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn every_page_renders_for_the_user_and_keeps_to_the_csp() {
    let app = spawn_app().await;
    let (web, _) = signed_in(&app).await;
    for path in PAGES {
        let r = get(&app, &web, path).await;
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let html = r.text().await.expect("body").to_lowercase();
        assert!(html.contains("<nav class=\"main\">"), "{path}: the shell");
        for bad in [
            "<script>",
            "<style",
            " style=\"",
            " onclick=",
            " onsubmit=",
            " onload=",
        ] {
            assert!(!html.contains(bad), "{path} has {bad}");
        }
    }
    for asset in ["/static/web/app.v1.css", "/static/web/app.v1.js"] {
        let r = get(&app, &web, asset).await;
        assert_eq!(r.status(), 200, "{asset}");
    }
}

#[tokio::test]
async fn a_stranger_is_sent_to_sign_in() {
    let app = spawn_app().await;
    let web = browser();
    for path in PAGES.iter().chain(&["/orderbook.csv", "/dashboard/pnl"]) {
        let r = get(&app, &web, path).await;
        assert!(
            r.status() == 303 || r.status() == 401,
            "{path}: {}",
            r.status()
        );
    }
    let r = web
        .post(format!("{}/apikey/reveal", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401, "no key for a stranger");
}

#[tokio::test]
async fn every_form_needs_the_sessions_csrf_token() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let (_, other) = signed_in(&app).await;
    assert_ne!(token, other, "tokens are per session");
    for path in FORMS {
        for bad in ["", other.as_str(), "ab"] {
            let r = post(
                &app,
                &web,
                path,
                &[
                    ("csrf_token", bad),
                    ("symbol", "SBIN"),
                    ("exchange", "NSE"),
                    ("action", "BUY"),
                    ("quantity", "1"),
                    ("pricetype", "MARKET"),
                    ("product", "MIS"),
                ],
            )
            .await;
            assert_eq!(r.status(), 400, "{path} with token {bad:?}");
        }
    }
    assert!(orders(&app).await.is_empty(), "nothing was placed");
    // The key is revealed only with the token in the header.
    let reveal = |t: &str| {
        web.post(format!("{}/apikey/reveal", app.address))
            .header("X-CSRF-Token", t.to_owned())
            .send()
    };
    assert_eq!(reveal(&other).await.expect("request").status(), 400);
    let r = reveal(&token).await.expect("request");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["api_key"], json!(app.api_key));
}

#[tokio::test]
async fn the_ticket_reviews_then_places_through_the_api() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let fields = [
        ("csrf_token", token.as_str()),
        ("symbol", "sbin"),
        ("exchange", "NSE"),
        ("action", "BUY"),
        ("quantity", "5"),
        ("pricetype", "MARKET"),
        ("product", "CNC"),
        ("price", "0"),
        ("trigger_price", "0"),
        ("disclosed_quantity", "0"),
    ];
    let r = post(&app, &web, "/ticket/review", &fields).await;
    assert_eq!(r.status(), 200);
    let review = r.text().await.expect("body");
    assert!(review.contains("NSE:SBIN") && review.contains("Confirm and place"));
    assert!(orders(&app).await.is_empty(), "the review places nothing");
    let r = post(&app, &web, "/ticket/place", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/orderbook");
    let placed = orders(&app).await;
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0]["symbol"], "SBIN");
    assert_eq!(placed[0]["product"], "CNC");
    let page = text(&app, &web, "/orderbook").await;
    let id = placed[0]["orderid"].as_str().expect("id");
    assert!(page.contains(&format!("Order placed: {id}")), "the flash");
    // A bad order comes back to the ticket with the API's message.
    let mut bad = fields.to_vec();
    bad[4] = ("quantity", "0");
    let r = post(&app, &web, "/ticket/place", &bad).await;
    assert_eq!(r.headers()["location"], "/ticket");
    let page = text(&app, &web, "/ticket").await;
    assert!(
        page.contains("Quantity must be a positive number"),
        "{page}"
    );
    // Both calls are in the order log, without the key.
    let logs = text(&app, &web, "/logs?text=SBIN").await;
    assert_eq!(logs.matches("<td>placeorder</td>").count(), 2, "{logs}");
    // Each row carries when it was written (IST).
    let today = (chrono::Utc::now() + chrono::Duration::minutes(330))
        .format("<tr><td>%Y-%m-%d ")
        .to_string();
    assert!(logs.contains("<th>Time (IST)</th>"));
    assert!(logs.matches(&today).count() >= 2, "{logs}");
    assert!(!logs.contains(&app.api_key));
    // And in the CSV export.
    let csv = text(&app, &web, "/orderbook.csv").await;
    assert!(csv.starts_with("time,order id,symbol"));
    assert!(csv.contains(&format!(",{id},SBIN,NSE,BUY,5,")), "{csv}");
}

#[tokio::test]
async fn orders_are_modified_and_cancelled_from_the_book() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let limit = |price: &str| {
        app.with_key(
            json!({"strategy": "t", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
            "quantity": "1", "pricetype": "LIMIT", "product": "MIS", "price": price}),
        )
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, body) = app.post("placeorder", &limit("500")).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["orderid"].as_str().expect("id").to_owned());
    }
    let page = text(&app, &web, &format!("/orderbook/modify?orderid={}", ids[0])).await;
    assert!(page.contains("Modify order") && page.contains("value=\"500"));
    let r = post(
        &app,
        &web,
        "/orderbook/modify",
        &[
            ("csrf_token", &token),
            ("orderid", &ids[0]),
            ("symbol", "SBIN"),
            ("exchange", "NSE"),
            ("action", "BUY"),
            ("product", "MIS"),
            ("pricetype", "LIMIT"),
            ("quantity", "2"),
            ("price", "501"),
            ("trigger_price", "0"),
            ("disclosed_quantity", "0"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let book = orders(&app).await;
    let first = book
        .iter()
        .find(|o| o["orderid"] == json!(ids[0]))
        .expect("order");
    assert_eq!(
        (&first["quantity"], &first["price"]),
        (&json!(2), &json!(501.0)),
        "{first}"
    );
    let r = post(
        &app,
        &web,
        "/orderbook/cancel",
        &[("csrf_token", &token), ("orderid", &ids[0])],
    )
    .await;
    assert_eq!(r.status(), 303);
    let status_of = |book: &[Value], id: &str| {
        book.iter()
            .find(|o| o["orderid"] == json!(id))
            .map(|o| o["order_status"].as_str().unwrap_or_default().to_owned())
    };
    let book = orders(&app).await;
    assert_eq!(status_of(&book, &ids[0]).as_deref(), Some("cancelled"));
    assert_eq!(status_of(&book, &ids[1]).as_deref(), Some("open"));
    let r = post(
        &app,
        &web,
        "/orderbook/cancel-all",
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let book = orders(&app).await;
    assert!(
        ids.iter()
            .all(|id| status_of(&book, id).as_deref() == Some("cancelled"))
    );
    // The page lists every order with its status.
    let page = text(&app, &web, "/orderbook").await;
    assert_eq!(page.matches("data-order-id=").count(), 3);
}

#[tokio::test]
async fn positions_close_one_or_all_and_the_mode_switch_moves_the_pages() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let market = |symbol: &str| {
        app.with_key(
            json!({"strategy": "t", "symbol": symbol, "exchange": "NSE", "action": "BUY",
            "quantity": "3", "pricetype": "MARKET", "product": "MIS"}),
        )
    };
    for s in ["SBIN", "RELIANCE"] {
        let (status, body) = app.post("placeorder", &market(s)).await;
        assert_eq!(status, 200, "{body}");
    }
    let page = text(&app, &web, "/positions").await;
    assert!(
        page.contains(r#"data-position="NSE:SBIN" data-qty="3""#),
        "{page}"
    );
    let r = post(
        &app,
        &web,
        "/positions/close",
        &[
            ("csrf_token", &token),
            ("symbol", "SBIN"),
            ("exchange", "NSE"),
            ("product", "MIS"),
            ("quantity", "3"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = text(&app, &web, "/positions").await;
    assert!(
        page.contains(r#"data-position="NSE:SBIN" data-qty="0""#),
        "{page}"
    );
    assert!(page.contains(r#"data-position="NSE:RELIANCE" data-qty="3""#));
    post(
        &app,
        &web,
        "/positions/close-all",
        &[("csrf_token", &token)],
    )
    .await;
    let page = text(&app, &web, "/positions").await;
    assert!(
        page.contains(r#"data-position="NSE:RELIANCE" data-qty="0""#),
        "{page}"
    );
    let csv = text(&app, &web, "/positions.csv").await;
    assert!(csv.starts_with("symbol,exchange,product,quantity"));
    // Analyze mode: the pages show the (empty) sandbox account.
    let r = post(
        &app,
        &web,
        "/auth/analyzer-toggle",
        &[("csrf_token", &token), ("next", "/positions")],
    )
    .await;
    assert_eq!(r.headers()["location"], "/positions");
    let page = text(&app, &web, "/positions").await;
    assert!(
        page.contains("ANALYZE") && !page.contains("data-position="),
        "{page}"
    );
    let pnl: Value = get(&app, &web, "/dashboard/pnl")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(pnl["mode"], "analyze");
    assert_eq!(pnl["points"][0][1], "0.00", "{pnl}");
}

#[tokio::test]
async fn rotating_the_key_from_the_page_retires_the_old_one() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let page = text(&app, &web, "/apikey").await;
    assert!(
        !page.contains(&app.api_key),
        "the page shows the key masked"
    );
    assert!(
        page.contains("example-tradingview")
            && page.contains("example-amibroker")
            && page.contains("from openalgo import api")
    );
    let r = post(&app, &web, "/apikey/rotate", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.post("ping", &app.with_key(json!({}))).await;
    assert_eq!(status, 403, "the old key stops working");
}

#[tokio::test]
async fn a_thousand_orders_page_through_the_book_and_stream_as_csv() {
    let many = openalgo_server::rate_limit::Limit::parse("100000 per second").expect("limit");
    let options = crate::helpers::Options {
        limits: openalgo_server::rate_limit::RateLimits {
            order: many,
            api: many,
            ..openalgo_server::rate_limit::RateLimits::default()
        },
        // A thousand live orders in a burst: the orders-per-second cap is off for this one.
        risk: openalgo_server::risk::RiskDefaults {
            live: openalgo_core::risk::RiskLimits::none(),
            ..openalgo_server::risk::RiskDefaults::default()
        },
        ..crate::helpers::Options::default()
    };
    let store: std::sync::Arc<dyn openalgo_server::store::Store> =
        std::sync::Arc::new(openalgo_server::store::SqliteStore::in_memory().expect("store"));
    let (app, _) = crate::helpers::spawn_with(store, None, options).await;
    for i in 0..1_000 {
        let (status, body) = app
            .post(
                "placeorder",
                &app.with_key(
                    json!({"strategy": "t", "symbol": if i % 2 == 0 { "SBIN" } else { "RELIANCE" },
                    "exchange": "NSE", "action": "BUY", "quantity": "1", "pricetype": "LIMIT",
                    "product": "MIS", "price": "100"}),
                ),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let api_ids: Vec<String> = orders(&app)
        .await
        .iter()
        .map(|o| o["orderid"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(api_ids.len(), 1_000);
    let (web, _) = signed_in(&app).await;
    let id_re = regex::Regex::new(r#"data-order-id="(\d+)""#).expect("regex");
    let mut paged = Vec::new();
    for n in 1..=6 {
        let page = text(&app, &web, &format!("/orderbook?page={n}")).await;
        assert!(page.contains(r#"<div class="value" id="orders-total">1000</div>"#));
        let ids: Vec<String> = id_re
            .captures_iter(&page)
            .map(|c| c[1].to_owned())
            .collect();
        assert_eq!(ids.len(), if n <= 5 { 200 } else { 0 }, "page {n}");
        if n == 1 {
            assert!(page.contains("Rows 1–200 of 1000") && page.contains("?page=2"));
            assert!(!page.contains(r#"rel="prev""#));
        }
        if n == 5 {
            assert!(page.contains("Rows 801–1000 of 1000") && !page.contains(r#"rel="next""#));
        }
        paged.extend(ids);
    }
    // Every order once, in the API's order (newest first).
    assert_eq!(paged, api_ids);
    let csv = text(&app, &web, "/orderbook.csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1_001);
    assert!(lines[0].starts_with("time,order id,"));
    let csv_ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).expect("id"))
        .collect();
    assert_eq!(csv_ids, api_ids);
}

#[tokio::test]
async fn the_sandbox_page_resets_the_analyzer_account() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    post(
        &app,
        &web,
        "/auth/analyzer-toggle",
        &[("csrf_token", &token)],
    )
    .await;
    let (status, body) = app
        .post(
            "placeorder",
            &app.with_key(json!({"strategy": "t", "symbol": "SBIN", "exchange": "NSE",
                "action": "BUY", "quantity": "4", "pricetype": "MARKET", "product": "MIS"})),
        )
        .await;
    assert_eq!((status, &body["mode"]), (200, &json!("analyze")), "{body}");
    let page = text(&app, &web, "/sandbox").await;
    assert!(page.contains("sandbox-settings") && page.contains(r#"value="10000000""#));
    assert!(
        !page.contains(r#"<dd id="sandbox-available">1,00,00,000.00</dd>"#),
        "margin in use"
    );
    let r = post(&app, &web, "/sandbox/reset", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let page = text(&app, &web, "/sandbox").await;
    assert!(
        page.contains(r#"<dd id="sandbox-available">1,00,00,000.00</dd>"#),
        "{page}"
    );
    assert!(
        orders(&app).await.is_empty(),
        "the sandbox books are cleared"
    );
}

#[tokio::test]
async fn orders_from_the_pages_count_against_the_api_rate_limit() {
    let mut options = crate::helpers::Options::default();
    options.limits.order =
        openalgo_server::rate_limit::Limit::parse("2 per minute").expect("limit");
    let store: std::sync::Arc<dyn openalgo_server::store::Store> =
        std::sync::Arc::new(openalgo_server::store::SqliteStore::in_memory().expect("store"));
    let (app, _server) = crate::helpers::spawn_with(store, None, options).await;
    let (web, token) = signed_in(&app).await;
    let fields = [
        ("csrf_token", token.as_str()),
        ("symbol", "SBIN"),
        ("exchange", "NSE"),
        ("action", "BUY"),
        ("quantity", "1"),
        ("pricetype", "MARKET"),
        ("product", "MIS"),
        ("price", "0"),
        ("trigger_price", "0"),
        ("disclosed_quantity", "0"),
    ];
    for _ in 0..2 {
        let r = post(&app, &web, "/ticket/place", &fields).await;
        assert_eq!(r.headers()["location"], "/orderbook");
    }
    let r = post(&app, &web, "/ticket/place", &fields).await;
    assert_eq!(r.headers()["location"], "/ticket", "the third is refused");
    let page = text(&app, &web, "/ticket").await;
    assert!(
        page.contains("Rate limit exceeded (2 per 1 minute)"),
        "{page}"
    );
    assert_eq!(orders(&app).await.len(), 2);
}

fn settings_form<'a>(token: &'a str, capital: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("capital", capital),
        ("lev_equity_mis", "2"),
        ("lev_equity_cnc", "1"),
        ("lev_futures", "12"),
        ("lev_option_buy", "1"),
        ("lev_option_sell", "3"),
        ("sq_nse_bse", "15:05"),
        ("sq_cds_bcd", "16:30"),
        ("sq_mcx", "23:00"),
        ("sq_ncdex", "16:55"),
    ]
}

#[tokio::test]
async fn the_sandbox_settings_are_edited_applied_and_kept_across_a_restart() {
    let store: std::sync::Arc<dyn openalgo_server::store::Store> =
        std::sync::Arc::new(openalgo_server::store::SqliteStore::in_memory().expect("store"));
    let (app, server) =
        crate::helpers::spawn_with(std::sync::Arc::clone(&store), None, Default::default()).await;
    let (web, token) = signed_in(&app).await;
    post(
        &app,
        &web,
        "/auth/analyzer-toggle",
        &[("csrf_token", &token)],
    )
    .await;
    let r = post(
        &app,
        &web,
        "/sandbox/settings",
        &settings_form(&token, "250000"),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sandbox");
    let page = text(&app, &web, "/sandbox").await;
    assert!(page.contains("Sandbox settings saved"), "{page}");
    for shown in [
        r#"name="capital" inputmode="numeric" value="250000""#,
        r#"name="lev_equity_mis" value="2""#,
        r#"name="lev_futures" value="12""#,
        r#"name="lev_option_sell" value="3""#,
        r#"name="sq_nse_bse" value="15:05""#,
        r#"name="sq_ncdex" value="16:55""#,
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    // The capital waits for the reset; the leverage applies at once.
    assert!(page.contains(r#"<dd id="sandbox-available">1,00,00,000.00</dd>"#));
    post(&app, &web, "/sandbox/reset", &[("csrf_token", &token)]).await;
    let page = text(&app, &web, "/sandbox").await;
    assert!(
        page.contains(r#"<dd id="sandbox-available">2,50,000.00</dd>"#),
        "{page}"
    );
    let (status, body) = app
        .post(
            "placeorder",
            &app.with_key(json!({"strategy": "t", "symbol": "SBIN", "exchange": "NSE",
                "action": "BUY", "quantity": "10", "pricetype": "MARKET", "product": "MIS"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, trades) = app.post("tradebook", &app.with_key(json!({}))).await;
    let price: rust_decimal::Decimal = trades["data"][0]["average_price"]
        .to_string()
        .parse()
        .expect("price");
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    let used: rust_decimal::Decimal = funds["data"]["utiliseddebits"]
        .as_str()
        .expect("used")
        .parse()
        .expect("used");
    assert_eq!(
        used,
        (price * rust_decimal::Decimal::from(10) / rust_decimal::Decimal::from(2)).round_dp(2),
        "MIS margin at 2x: {funds} {trades}"
    );

    // A bad value is refused with a message and changes nothing.
    let r = post(
        &app,
        &web,
        "/sandbox/settings",
        &settings_form(&token, "50000"),
    )
    .await;
    assert_eq!(r.headers()["location"], "/sandbox");
    let page = text(&app, &web, "/sandbox").await;
    assert!(
        page.contains("Starting capital must be a whole number"),
        "{page}"
    );
    assert!(page.contains(r#"value="250000""#));
    let mut bad = settings_form(&token, "300000");
    bad[7] = ("sq_nse_bse", "3pm");
    post(&app, &web, "/sandbox/settings", &bad).await;
    let page = text(&app, &web, "/sandbox").await;
    assert!(page.contains("Square-off time NSE/BSE must be"), "{page}");
    assert!(page.contains(r#"value="15:05""#));
    // Without the session's CSRF token nothing is saved.
    let r = post(
        &app,
        &web,
        "/sandbox/settings",
        &settings_form("forged", "400000"),
    )
    .await;
    assert_eq!(r.status(), 400);

    // A restart on the same store keeps them.
    server.stop(true).await;
    let (app, _server) =
        crate::helpers::spawn_with(store, Some(app.api_key.clone()), Default::default()).await;
    let (web, _) = signed_in(&app).await;
    let page = text(&app, &web, "/sandbox").await;
    assert!(
        page.contains(r#"value="250000""#) && page.contains(r#"value="16:55""#),
        "{page}"
    );
}

#[tokio::test]
async fn the_sandbox_pnl_history_records_a_row_per_session_and_exports_it() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    post(
        &app,
        &web,
        "/auth/analyzer-toggle",
        &[("csrf_token", &token)],
    )
    .await;
    let first_day = app.clock.now_ist();
    let trade = |action: &'static str| {
        app.with_key(json!({"strategy": "t", "symbol": "SBIN", "exchange": "NSE",
            "action": action, "quantity": "5", "pricetype": "MARKET", "product": "MIS"}))
    };
    let (status, body) = app.post("placeorder", &trade("BUY")).await;
    assert_eq!(status, 200, "{body}");
    app.clock.advance_ms(60_000);
    let (status, body) = app.post("placeorder", &trade("SELL")).await;
    assert_eq!(status, 200, "{body}");
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    let realized: rust_decimal::Decimal = funds["data"]["m2mrealized"]
        .as_str()
        .expect("realized")
        .parse()
        .expect("realized");

    let page = text(&app, &web, "/sandbox/mypnl").await;
    let day = first_day.date().format("%Y-%m-%d").to_string();
    assert!(page.contains(&format!("<td>{day} (today)</td>")), "{page}");
    assert_eq!(
        page.matches("<tr").count(),
        2,
        "header and today only: {page}"
    );

    // Past the 03:00 boundary the first session becomes a history row.
    app.clock.set_ist(
        first_day
            .date()
            .succ_opt()
            .expect("next day")
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    // The sign-in session ends at the same boundary: sign in again.
    let (web, token) = signed_in(&app).await;
    let page = text(&app, &web, "/sandbox/mypnl").await;
    let next = first_day
        .date()
        .succ_opt()
        .expect("next")
        .format("%Y-%m-%d")
        .to_string();
    assert!(page.contains(&format!("<td>{next} (today)</td>")), "{page}");
    assert!(page.contains(&format!("<td>{day}</td>")), "{page}");
    let csv = text(&app, &web, "/sandbox/mypnl.csv").await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("date,realized_pnl,"));
    let closed: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(closed[0], day);
    assert_eq!(closed[1], realized.round_dp(2).to_string(), "{csv}");
    assert_eq!(
        closed[1], closed[4],
        "flat at the close: total is the realized P&L"
    );
    let today: Vec<&str> = lines[1].split(',').collect();
    assert_eq!((today[0], today[1]), (next.as_str(), "0"), "{csv}");

    // A reset clears the history.
    post(&app, &web, "/sandbox/reset", &[("csrf_token", &token)]).await;
    let csv = text(&app, &web, "/sandbox/mypnl.csv").await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[tokio::test]
async fn gtts_are_listed_modified_and_cancelled_from_the_gtt_tab() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let place = |sl: &str| {
        app.with_key(
            json!({"strategy": "t", "trigger_type": "SINGLE", "exchange": "NSE",
            "symbol": "SBIN", "action": "BUY", "product": "CNC", "quantity": 2,
            "pricetype": "LIMIT", "price": 100, "triggerprice_sl": sl}),
        )
    };
    let mut ids = Vec::new();
    for sl in ["100.5", "90"] {
        let (status, body) = app.post("placegttorder", &place(sl)).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["trigger_id"].as_str().expect("id").to_owned());
    }
    let book = text(&app, &web, "/orderbook").await;
    assert!(book.contains(r#"href="/orderbook/gtt""#), "the tab");
    let page = text(&app, &web, "/orderbook/gtt").await;
    assert_eq!(page.matches("data-trigger-id=").count(), 2);
    assert!(page.contains(&format!(r#"data-confirm="Cancel GTT {}?""#, ids[0])));
    assert!(page.contains("100.50"), "the trigger price");

    let form = text(
        &app,
        &web,
        &format!("/orderbook/gtt/modify?trigger_id={}", ids[0]),
    )
    .await;
    assert!(
        form.contains(r#"name="triggerprice_sl" inputmode="decimal" value="100.5""#),
        "{form}"
    );
    let r = post(
        &app,
        &web,
        "/orderbook/gtt/modify",
        &[
            ("csrf_token", &token),
            ("trigger_id", &ids[0]),
            ("trigger_type", "SINGLE"),
            ("symbol", "SBIN"),
            ("exchange", "NSE"),
            ("action", "BUY"),
            ("product", "CNC"),
            ("pricetype", "LIMIT"),
            ("quantity", "5"),
            ("triggerprice_sl", "99"),
            ("price", "99.5"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, gtts) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    let row = gtts["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|g| g["trigger_id"] == json!(ids[0]))
        .expect("still active")
        .clone();
    assert_eq!(row["legs"][0]["quantity"], 5);
    assert_eq!(row["trigger_prices"], json!([99.0]));
    assert_eq!(row["legs"][0]["price"], json!(99.5));

    let r = post(
        &app,
        &web,
        "/orderbook/gtt/cancel",
        &[("csrf_token", &token), ("trigger_id", &ids[0])],
    )
    .await;
    assert_eq!(r.status(), 303);
    let flash = text(&app, &web, "/orderbook/gtt").await;
    assert!(flash.contains("GTT cancelled"), "the outcome is shown");
    assert_eq!(flash.matches("data-trigger-id=").count(), 1);
    // Cancelling again reports the API's message.
    post(
        &app,
        &web,
        "/orderbook/gtt/cancel",
        &[("csrf_token", &token), ("trigger_id", &ids[0])],
    )
    .await;
    let again = text(&app, &web, "/orderbook/gtt").await;
    assert!(
        again.contains(&format!(
            "No active GTT with trigger_id &#39;{}&#39;",
            ids[0]
        )) || again.contains(&format!("No active GTT with trigger_id '{}'", ids[0])),
        "{again}"
    );
}
