//! The attack matrix: login throttling, TOTP (wrong and replayed codes), session expiry on a
//! fake clock, CSRF, bans at their thresholds, headers on every response, rate-limit windows,
//! CORS.

use std::sync::Arc;

use openalgo_core::clock::Clock;
use openalgo_server::security::SecurityConfig;
use openalgo_server::store::{SecurityStore, SqliteStore, Store};
use openalgo_server::web::totp;
use serde_json::json;

use crate::helpers::{Options, TestApp, browser, spawn_with};

const PASSWORD: &str = "Secret#123";

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).map(|i| i + start.len()).expect(start);
    let j = html[i..].find(end).expect(end);
    &html[i..i + j]
}

fn csrf(html: &str) -> String {
    between(html, r#"name="csrf_token" value=""#, "\"").to_owned()
}

async fn get(app: &TestApp, web: &reqwest::Client, path: &str) -> (u16, String) {
    let r = web
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.expect("request"))
}

async fn post(
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

/// Signs in with a password (the form's CSRF token included); returns the response.
async fn sign_in(app: &TestApp, web: &reqwest::Client, password: &str) -> reqwest::Response {
    let (_, page) = get(app, web, "/auth/login").await;
    let token = csrf(&page);
    post(
        app,
        web,
        "/auth/login",
        &[
            ("csrf_token", &token),
            ("username", "admin"),
            ("password", password),
        ],
    )
    .await
}

async fn spawn(options: Options) -> (TestApp, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::in_memory().expect("request"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let (app, _) = spawn_with(dyn_store, None, options).await;
    (app, store)
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_minute_then_allowed_again() {
    let (app, store) = spawn(Options::default()).await;
    let web = browser();
    for _ in 0..5 {
        let r = sign_in(&app, &web, "Wrong#123").await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("Invalid credentials"));
    }
    let r = sign_in(&app, &web, PASSWORD).await;
    assert_eq!(
        r.status(),
        429,
        "the 6th attempt in a minute, even with the right password"
    );
    assert!(r.text().await.unwrap().contains("Too many login attempts"));
    app.clock.advance_ms(60_000);
    let r = sign_in(&app, &web, PASSWORD).await;
    assert_eq!(r.status(), 303, "a new minute");
    assert_eq!(r.headers()["location"], "/dashboard");
    let (status, page) = get(&app, &web, "/dashboard").await;
    assert!(
        status == 200 && page.contains("Signed in as <strong>admin</strong>"),
        "{page}"
    );
    // Every attempt is on record, without the password.
    let attempts = store.login_attempts(100).unwrap();
    assert_eq!(attempts.iter().filter(|a| a.status == "failed").count(), 5);
    assert!(attempts.iter().all(|a| a.username == "admin"));
}

#[tokio::test]
async fn the_hour_limit_applies_across_minutes() {
    let mut options = Options::default();
    options.limits.login_minute =
        openalgo_server::rate_limit::Limit::parse("5 per minute").unwrap();
    options.limits.login_hour = openalgo_server::rate_limit::Limit::parse("7 per hour").unwrap();
    let (app, _) = spawn(options).await;
    let web = browser();
    for i in 0..7 {
        if i == 5 {
            app.clock.advance_ms(61_000);
        }
        assert_eq!(
            sign_in(&app, &web, "Wrong#123").await.status(),
            401,
            "attempt {i}"
        );
    }
    app.clock.advance_ms(61_000);
    assert_eq!(
        sign_in(&app, &web, "Wrong#123").await.status(),
        429,
        "8th in the hour"
    );
}

#[tokio::test]
async fn totp_login_rejects_wrong_and_replayed_codes() {
    let (app, _) = spawn(Options::default()).await;
    let web = browser();
    assert_eq!(sign_in(&app, &web, PASSWORD).await.status(), 303);
    // Enrol: the secret is shown once, enabling needs a current code.
    let (_, page) = get(&app, &web, "/auth/totp").await;
    let secret = between(&page, r#"<code class="secret">"#, "<").to_owned();
    assert!(page.contains("<svg"), "QR code shown");
    let key = totp::from_base32(&secret).unwrap();
    let now = || app.clock.now_ms();
    let code = totp::code(&key, totp::step_at(now()));
    let r = post(
        &app,
        &web,
        "/auth/totp",
        &[
            ("csrf_token", &csrf(&page)),
            ("action", "enable"),
            ("totp_code", &code),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = get(&app, &web, "/auth/totp").await;
    assert!(
        page.contains("is <strong>on</strong>") && !page.contains(&secret),
        "secret not shown again"
    );

    // A fresh browser: the password alone is not enough.
    let other = browser();
    let r = sign_in(&app, &other, PASSWORD).await;
    assert_eq!(r.headers()["location"], "/auth/login/totp");
    assert_eq!(
        get(&app, &other, "/dashboard").await.0,
        303,
        "not signed in yet"
    );
    let (_, page) = get(&app, &other, "/auth/login/totp").await;
    let token = csrf(&page);
    let r = post(
        &app,
        &other,
        "/auth/login/totp",
        &[("csrf_token", &token), ("totp_code", "000000")],
    )
    .await;
    assert_eq!(r.status(), 401);
    // The code used to enable is spent: replaying it fails even within its 30 seconds.
    let r = post(
        &app,
        &other,
        "/auth/login/totp",
        &[("csrf_token", &token), ("totp_code", &code)],
    )
    .await;
    assert_eq!(r.status(), 401, "replayed code");
    app.clock.advance_ms(30_000);
    let fresh = totp::code(&key, totp::step_at(now()));
    let r = post(
        &app,
        &other,
        "/auth/login/totp",
        &[("csrf_token", &token), ("totp_code", &fresh)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&app, &other, "/dashboard").await.0, 200);
    // The pending step expires after 5 minutes.
    let late = browser();
    sign_in(&app, &late, PASSWORD).await;
    app.clock.advance_ms(301_000);
    let (_, page) = get(&app, &late, "/auth/login").await;
    let code = totp::code(&key, totp::step_at(now()));
    let r = post(
        &app,
        &late,
        "/auth/login/totp",
        &[("csrf_token", &csrf(&page)), ("totp_code", &code)],
    )
    .await;
    assert_eq!(r.status(), 401, "pending login expired");
}

#[tokio::test]
async fn sessions_expire_at_the_daily_boundary_and_revoke_the_broker_token() {
    let (app, store) = spawn(Options::default()).await;
    let web = browser();
    assert_eq!(sign_in(&app, &web, PASSWORD).await.status(), 303);
    let admin = store.admin_id().unwrap().unwrap();
    store
        .save_broker_token(admin, "zerodha", "sealed-token", None, 0)
        .unwrap();
    // The test clock stands at 10:00 IST; the session ends at 03:00 IST tomorrow.
    app.clock.advance_ms(16 * 3_600_000 + 59 * 60_000);
    assert_eq!(get(&app, &web, "/dashboard").await.0, 200, "02:59");
    assert!(store.broker_token(admin, "zerodha").unwrap().is_some());
    app.clock.advance_ms(60_000);
    let (status, _) = get(&app, &web, "/dashboard").await;
    assert_eq!(status, 303, "03:00: expired");
    assert!(
        store.broker_token(admin, "zerodha").unwrap().is_none(),
        "broker token revoked"
    );
}

#[tokio::test]
async fn state_changing_forms_need_a_csrf_token() {
    let (app, _) = spawn(Options::default()).await;
    let web = browser();
    get(&app, &web, "/auth/login").await; // gets the nonce cookie
    let r = post(
        &app,
        &web,
        "/auth/login",
        &[("username", "admin"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 400, "no token");
    let r = post(
        &app,
        &web,
        "/auth/login",
        &[
            ("csrf_token", &"ab".repeat(32)),
            ("username", "admin"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 400, "forged token");
    // A token minted for another visitor does not fit this one.
    let (_, page) = get(&app, &browser(), "/auth/login").await;
    let r = post(
        &app,
        &web,
        "/auth/login",
        &[
            ("csrf_token", &csrf(&page)),
            ("username", "admin"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 400, "someone else's token");
    assert_eq!(sign_in(&app, &web, PASSWORD).await.status(), 303);
    let r = post(&app, &web, "/auth/logout", &[]).await;
    assert_eq!(r.status(), 400, "logout without a token");
    assert_eq!(
        get(&app, &web, "/dashboard").await.0,
        200,
        "still signed in"
    );
    let (_, page) = get(&app, &web, "/auth/logout").await;
    let r = post(&app, &web, "/auth/logout", &[("csrf_token", &csrf(&page))]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&app, &web, "/dashboard").await.0, 303, "signed out");
    // The API is key-authenticated and needs no CSRF token.
    let (status, _) = app.post("ping", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
}

fn banning() -> Options {
    let mut security = SecurityConfig {
        trust_proxy_headers: true,
        ..SecurityConfig::default()
    };
    security.auto_ban.enabled = true;
    security.auto_ban.not_found_threshold = 3;
    security.auto_ban.api_key_threshold = 2;
    security.auto_ban.not_found_ban_hours = 1;
    Options {
        security,
        ..Options::default()
    }
}

async fn from(app: &TestApp, ip: &str, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header("X-Forwarded-For", ip)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn probing_clients_are_banned_at_the_threshold_and_refused_first() {
    let (app, store) = spawn(banning()).await;
    for i in 0..3 {
        assert_eq!(
            from(&app, "203.0.113.5", &format!("/wp-admin/{i}"))
                .await
                .status(),
            404
        );
    }
    let r = from(&app, "203.0.113.5", "/api/v1/").await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.text().await.unwrap(),
        openalgo_server::security::BANNED_BODY
    );
    assert_eq!(
        from(&app, "198.51.100.1", "/api/v1/").await.status(),
        200,
        "others unaffected"
    );
    // Noise paths do not count.
    for _ in 0..5 {
        assert_eq!(
            from(&app, "198.51.100.2", "/favicon.ico").await.status(),
            404
        );
    }
    assert_eq!(from(&app, "198.51.100.2", "/api/v1/").await.status(), 200);
    // The ban is persisted, and lifts after its hour.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let bans = store.bans().unwrap();
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].1.created_by, "404_detector");
    app.clock.advance_ms(3_600_000);
    assert_eq!(from(&app, "203.0.113.5", "/api/v1/").await.status(), 200);
}

#[tokio::test]
async fn key_guessers_are_banned_and_loopback_never_is() {
    let (app, _) = spawn(banning()).await;
    let guess = |ip: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/funds", app.address))
                .header("X-Forwarded-For", ip)
                .json(&json!({"apikey": "f".repeat(64)}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(guess("203.0.113.9").await, 403);
    assert_eq!(guess("203.0.113.9").await, 403);
    let r = from(&app, "203.0.113.9", "/api/v1/").await;
    assert_eq!(
        r.text().await.unwrap(),
        openalgo_server::security::BANNED_BODY
    );
    // Order endpoints count too (their answers are rebuilt by the order log).
    let place = |ip: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/placeorder", app.address))
                .header("X-Forwarded-For", ip)
                .json(&json!({"apikey": "e".repeat(64), "strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(place("203.0.113.10").await, 403);
    assert_eq!(place("203.0.113.10").await, 403);
    assert_eq!(
        from(&app, "203.0.113.10", "/api/v1/").await.status(),
        403,
        "banned"
    );
    for _ in 0..4 {
        assert_eq!(guess("127.0.0.1").await, 403);
    }
    assert_eq!(
        from(&app, "127.0.0.1", "/api/v1/").await.status(),
        200,
        "loopback is never banned"
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let (app, _) = spawn(banning()).await;
    let mut responses = vec![
        from(&app, "198.51.100.7", "/api/v1/").await,
        from(&app, "198.51.100.7", "/no/such/page").await,
        from(&app, "198.51.100.7", "/auth/login").await,
        from(&app, "198.51.100.7", "/health/live").await,
        app.client
            .post(format!("{}/api/v1/ping", app.address))
            .json(&json!({"apikey": "x"}))
            .send()
            .await
            .unwrap(),
    ];
    for _ in 0..3 {
        responses.push(from(&app, "203.0.113.77", "/nope").await);
    }
    responses.push(from(&app, "203.0.113.77", "/api/v1/").await);
    assert_eq!(
        responses.last().unwrap().status(),
        403,
        "a banned client's answer too"
    );
    for r in &responses {
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{}", r.url());
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert!(h.contains_key("permissions-policy"));
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over plain HTTP"
        );
    }
}

#[tokio::test]
async fn api_limits_answer_429_within_the_window_and_allow_after_it() {
    let mut options = Options::default();
    options.limits.api = openalgo_server::rate_limit::Limit::parse("3 per second").unwrap();
    let (app, _) = spawn(options).await;
    for _ in 0..3 {
        assert_eq!(app.post("ping", &app.with_key(json!({}))).await.0, 200);
    }
    let (status, body) = app.post("ping", &app.with_key(json!({}))).await;
    assert_eq!((status, body), (429, json!({"message": "3 per 1 second"})));
    app.clock.advance_ms(999);
    assert_eq!(
        app.post("ping", &app.with_key(json!({}))).await.0,
        429,
        "same window"
    );
    app.clock.advance_ms(1);
    assert_eq!(
        app.post("ping", &app.with_key(json!({}))).await.0,
        200,
        "window moved"
    );
}

#[tokio::test]
async fn cors_is_off_by_default_and_follows_the_allow_list_when_on() {
    let (plain, _) = spawn(Options::default()).await;
    let r = plain
        .client
        .post(format!("{}/api/v1/ping", plain.address))
        .header("Origin", "https://evil.example")
        .json(&json!({"apikey": "x"}))
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));

    let security = SecurityConfig {
        cors: Some(openalgo_server::security::cors::CorsConfig {
            origins: vec!["https://app.example".into()],
            ..Default::default()
        }),
        ..SecurityConfig::default()
    };
    let (app, _) = spawn(Options {
        security,
        ..Options::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v1/placeorder", app.address),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = preflight("https://app.example").await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(
        ok.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(!denied.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn manual_bans_take_effect_at_once_and_persist() {
    let (app, store) = spawn(banning()).await;
    let web = browser();
    let (status, _) = get(&app, &web, "/security").await;
    assert_eq!(status, 303, "signed-in only");
    assert_eq!(sign_in(&app, &web, PASSWORD).await.status(), 303);
    let (_, page) = get(&app, &web, "/security").await;
    let token = csrf(&page);
    let r = post(
        &app,
        &web,
        "/security/ban",
        &[
            ("ip", "203.0.113.50"),
            ("hours", "2"),
            ("reason", "scraper"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400, "no CSRF token");
    let r = post(
        &app,
        &web,
        "/security/ban",
        &[
            ("csrf_token", &token),
            ("ip", "203.0.113.50"),
            ("hours", "2"),
            ("reason", "scraper"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(from(&app, "203.0.113.50", "/api/v1/").await.status(), 403);
    let (_, page) = get(&app, &web, "/security").await;
    assert!(
        page.contains("203.0.113.50") && page.contains("scraper"),
        "{page}"
    );
    assert_eq!(store.bans().unwrap()[0].1.created_by, "manual");
    let r = post(
        &app,
        &web,
        "/security/ban",
        &[("csrf_token", &token), ("ip", "127.0.0.1")],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("cannot be banned"));
    let r = post(
        &app,
        &web,
        "/security/ban",
        &[("csrf_token", &token), ("ip", "not-an-ip")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post(
        &app,
        &web,
        "/security/unban",
        &[("csrf_token", &token), ("ip", "203.0.113.50")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(from(&app, "203.0.113.50", "/api/v1/").await.status(), 200);
    assert!(store.bans().unwrap().is_empty());
}

#[tokio::test]
async fn broker_calls_are_timed_and_the_traffic_log_records_requests() {
    let (app, store) = spawn(Options::default()).await;
    for _ in 0..3 {
        let (status, _) = app
            .post(
                "quotes",
                &app.with_key(json!({"symbol": "SBIN", "exchange": "NSE"})),
            )
            .await;
        assert_eq!(status, 200);
    }
    let metrics: serde_json::Value = app
        .client
        .get(format!("{}/health/metrics", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let quote = metrics["broker_latency"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == "quote")
        .cloned()
        .unwrap();
    assert_eq!(quote["broker"], "simulator");
    assert!(
        quote["count"].as_u64().unwrap() >= 3
            && quote["p99_us"].as_u64().unwrap() >= quote["p50_us"].as_u64().unwrap()
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let web = browser();
    let feed = |path: &'static str| web.get(format!("{}{path}", app.address)).send();
    assert_eq!(
        feed("/traffic/api/logs").await.unwrap().status(),
        401,
        "signed-in only"
    );
    assert_eq!(sign_in(&app, &web, PASSWORD).await.status(), 303);
    let traffic: serde_json::Value = feed("/traffic/api/logs?limit=1000")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = traffic["data"].as_array().unwrap();
    let quotes: Vec<_> = rows
        .iter()
        .filter(|t| t["path"] == "/api/v1/quotes")
        .collect();
    assert_eq!(quotes.len(), 3, "{traffic}");
    assert!(
        quotes
            .iter()
            .all(|t| t["client_ip"] == "127.0.0.1" && t["status"] == 200 && t["method"] == "POST")
    );
    let latency: serde_json::Value = feed("/latency/api/stats")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        latency["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["operation"] == "quote")
    );
    drop(store);
}

#[tokio::test]
async fn first_run_setup_creates_the_admin_once_and_shows_the_key_once() {
    // A server whose store has no user yet.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let (app, _) = crate::helpers::spawn_with(store, Some(String::new()), Options::default()).await;
    let web = browser();
    let r = web
        .get(format!("{}/auth/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/setup");
    let status: serde_json::Value = web
        .get(format!("{}/auth/check-setup", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["needs_setup"], true);
    let (_, page) = get(&app, &web, "/setup").await;
    let token = csrf(&page);
    let r = post(
        &app,
        &web,
        "/setup",
        &[
            ("csrf_token", &token),
            ("username", "owner"),
            ("password", "weakpass"),
            ("confirm", "weakpass"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("uppercase") && text.contains("special character"),
        "{text}"
    );
    let r = post(
        &app,
        &web,
        "/setup",
        &[
            ("csrf_token", &token),
            ("username", "owner"),
            ("password", "Owner#2026"),
            ("confirm", "Owner#2026"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let key = between(&page, r#"<code class="secret">"#, "<").to_owned();
    assert_eq!(key.len(), 64);
    let ping = app
        .client
        .post(format!("{}/api/v1/ping", app.address))
        .json(&json!({"apikey": key}))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200, "the shown key works");
    // Setup happens once.
    let r = web
        .get(format!("{}/setup", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/auth/login");
    let (_, page) = get(&app, &web, "/auth/login").await;
    let r = post(
        &app,
        &web,
        "/auth/login",
        &[
            ("csrf_token", &csrf(&page)),
            ("username", "owner"),
            ("password", "Owner#2026"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn login_throttling_answers_json_clients_with_the_reference_body() {
    let mut options = Options::default();
    options.limits.login_minute =
        openalgo_server::rate_limit::Limit::parse("1 per minute").unwrap();
    let (app, _) = spawn(options).await;
    let web = browser();
    sign_in(&app, &web, "Wrong#123").await;
    let r = web
        .post(format!("{}/auth/login", app.address))
        .header("Accept", "application/json")
        .form(&[("username", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "error", "message": "Too many login attempts. Please wait a minute and try again."})
    );
}
