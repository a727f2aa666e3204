//! Several instances sharing one Redis (`REDIS_URL`): dashboard sessions, rate limits and the
//! API-key cache hold across instances, and one instance holds the accounts, the others
//! forwarding account requests to it. Needs `OPENALGO_TEST_REDIS_URL`; each test works under
//! its own random key prefix and deletes its keys at the end.

use std::sync::Arc;

use openalgo_server::cluster::RedisConfig;
use openalgo_server::rate_limit::{Limit, RateLimits};
use openalgo_server::store::{SqliteStore, Store};
use rand::RngCore;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::dashboard::{csrf, post, signed_in, text};
use crate::helpers::{Options, TestApp, free_port, spawn_with};

/// The test Redis, under a fresh prefix; `None` (with a message) when it is not configured.
pub(crate) fn test_redis(test: &str) -> Option<RedisConfig> {
    let Ok(url) = std::env::var("OPENALGO_TEST_REDIS_URL") else {
        eprintln!("SKIPPED {test}: set OPENALGO_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)");
        return None;
    };
    let mut id = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut id);
    Some(RedisConfig {
        url: SecretString::from(url),
        prefix: format!("openalgo-test:{}:", hex::encode(id)),
        timeout: std::time::Duration::from_secs(2),
        advertise: None,
    })
}

/// Deletes every key under the test's prefix.
pub(crate) async fn clean(config: &RedisConfig) {
    use secrecy::ExposeSecret;
    let client = redis::Client::open(config.url.expose_secret()).expect("redis url");
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", config.prefix))
        .query_async(&mut con)
        .await
        .expect("keys");
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut con)
            .await
            .expect("del");
    }
}

fn with_redis(redis: &RedisConfig) -> Options {
    Options {
        redis: Some(redis.clone()),
        ..Options::default()
    }
}

/// An instance with its own (in-memory) database.
async fn instance(options: Options) -> TestApp {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    spawn_with(store, None, options).await.0
}

/// Two instances of one deployment: one database, one Redis; returned once one of them holds
/// the accounts and the other knows where.
async fn pair(redis: &RedisConfig) -> (TestApp, TestApp) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (a, _) = spawn_with(Arc::clone(&store), None, with_redis(redis)).await;
    let key = a.api_key.clone();
    let (b, _) = spawn_with(store, Some(key), with_redis(redis)).await;
    settled(&[&a, &b]).await;
    (a, b)
}

/// The part `app` plays in serving the accounts (`holder`, `follower`, `restoring`).
pub(crate) async fn role(app: &TestApp) -> Value {
    let r = reqwest::get(format!("{}/health/ready", app.address))
        .await
        .expect("ready");
    r.json::<Value>().await.expect("json")["accounts"].clone()
}

/// Waits (bounded) until exactly one of `apps` holds the accounts and the others name it.
pub(crate) async fn settled(apps: &[&TestApp]) {
    for _ in 0..100 {
        let mut holders = 0;
        let mut followers = 0;
        for app in apps {
            let r = role(app).await;
            match r["role"].as_str() {
                Some("holder") => holders += 1,
                Some("follower") if r["holder"].is_string() => followers += 1,
                _ => {}
            }
        }
        if holders == 1 && holders + followers == apps.len() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the instances did not settle on one holder of the accounts within 10 s");
}

async fn status_of(web: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    web.get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_login_session_made_on_one_instance_works_on_another() {
    let Some(redis) = test_redis("a_login_session_made_on_one_instance_works_on_another") else {
        return;
    };
    let (a, b) = pair(&redis).await;
    let alone = instance(Options::default()).await;
    let (web, _) = signed_in(&a).await;
    // Cookies are per host, not per port: the same browser presents the cookie to every instance.
    assert_eq!(
        status_of(&web, &b, "/dashboard").await,
        200,
        "B knows A's session"
    );
    assert_ne!(
        status_of(&web, &alone, "/dashboard").await,
        200,
        "an instance without the shared sessions does not"
    );
    clean(&redis).await;
}

/// `name=value` of every cookie a response sets.
fn cookies_of(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .collect()
}

/// Signs in as `admin` with `password` on the server at `base`, without a cookie jar; the
/// session cookie (`name=value`).
pub(crate) async fn sign_in_raw(base: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client
        .get(format!("{base}/auth/login"))
        .send()
        .await
        .expect("login page");
    let pre = cookies_of(&form);
    let html = form.text().await.expect("body");
    let r = client
        .post(format!("{base}/auth/login"))
        .header("cookie", pre.join("; "))
        .form(&[
            ("csrf_token", csrf(&html).as_str()),
            ("username", "admin"),
            ("password", password),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "login on {base}");
    cookies_of(&r)
        .into_iter()
        .find(|c| c.starts_with(&format!("{}=", openalgo_server::web::session::COOKIE)))
        .expect("session cookie")
}

#[tokio::test]
async fn the_old_session_cookie_is_refused_everywhere_after_logout() {
    let Some(redis) = test_redis("the_old_session_cookie_is_refused_everywhere_after_logout")
    else {
        return;
    };
    let (a, b) = pair(&redis).await;
    let cookie = sign_in_raw(&a.address, "Secret#123").await;
    let replay = |app: &TestApp| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .get(format!("{}/dashboard", app.address))
            .header("cookie", cookie.clone())
            .send()
    };
    assert_eq!(replay(&b).await.expect("request").status(), 200);
    // Logout (every device) on A, from another browser of the same user.
    let (web, token) = signed_in(&a).await;
    let r = post(&a, &web, "/auth/logout", &[("csrf_token", &token)]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_ne!(
        replay(&b).await.expect("request").status(),
        200,
        "the replayed cookie is refused on B"
    );
    assert_ne!(replay(&a).await.expect("request").status(), 200);
    clean(&redis).await;
}

#[tokio::test]
async fn a_rate_limit_holds_across_instances() {
    let Some(redis) = test_redis("a_rate_limit_holds_across_instances") else {
        return;
    };
    let limits = RateLimits {
        api: Limit::parse("4 per second").expect("limit"),
        ..RateLimits::default()
    };
    let options = || Options {
        limits,
        redis: Some(redis.clone()),
        ..Options::default()
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (a, _) = spawn_with(Arc::clone(&store), None, options()).await;
    let (b, _) = spawn_with(store, Some(a.api_key.clone()), options()).await;
    settled(&[&a, &b]).await;
    // N + k = 4 + 3 requests, alternating, within one second of both (fixed) clocks: alone,
    // each instance would see at most 4 and refuse none. `ping` is answered by the instance
    // it reaches (it reads no account), so the limit holds through Redis alone.
    let mut refused = Vec::new();
    for i in 0..7 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, body) = app.post("ping", &app.with_key(json!({}))).await;
        if status == 429 {
            assert_eq!(body, json!({"message": "4 per 1 second"}));
            refused.push(i);
        } else {
            assert_eq!(status, 200, "{body}");
        }
    }
    assert_eq!(refused, vec![4, 5, 6], "exactly the last three are refused");
    // Another endpoint has its own window, on both instances (`orderbook` is forwarded to the
    // holder when B is not it, and counted once).
    for app in [&a, &b] {
        let (status, body) = app.post("orderbook", &app.with_key(json!({}))).await;
        assert_eq!(status, 200, "{body}");
    }
    clean(&redis).await;
}

#[tokio::test]
async fn rotating_the_key_on_one_instance_refuses_the_old_key_on_another() {
    let Some(redis) = test_redis("rotating_the_key_on_one_instance_refuses_the_old_key_on_another")
    else {
        return;
    };
    // One database (as a deployment of several instances has), three instances: A and B share
    // Redis, C does not.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (a, _) = spawn_with(Arc::clone(&store), None, with_redis(&redis)).await;
    let old = a.api_key.clone();
    let (b, _) = spawn_with(Arc::clone(&store), Some(old.clone()), with_redis(&redis)).await;
    let (c, _) = spawn_with(Arc::clone(&store), Some(old.clone()), Options::default()).await;
    settled(&[&a, &b]).await;
    for app in [&a, &b, &c] {
        let (status, body) = app.post("ping", &app.with_key(json!({}))).await;
        assert_eq!(status, 200, "{body}");
    }
    let (web, token) = signed_in(&a).await;
    let r = post(&a, &web, "/apikey/rotate", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let (status, body) = b.post("ping", &b.with_key(json!({}))).await;
    assert_eq!(status, 403, "B refuses the old key at once: {body}");
    let (status, _) = a.post("ping", &a.with_key(json!({}))).await;
    assert_eq!(status, 403);
    // Without the shared bus, C still trusts its cached verdict: what the bus is for.
    let (status, _) = c.post("ping", &c.with_key(json!({}))).await;
    assert_eq!(status, 200, "C has no bus and keeps its cached verdict");
    clean(&redis).await;
}

#[tokio::test]
async fn with_redis_down_logins_answer_503_and_rate_limits_hold_per_instance() {
    // Nothing listens on this port: every Redis call fails fast.
    let down = RedisConfig {
        url: SecretString::from(format!("redis://127.0.0.1:{}", free_port())),
        prefix: "openalgo-test-down:".into(),
        timeout: std::time::Duration::from_millis(300),
        advertise: None,
    };
    let app = instance(Options {
        limits: RateLimits {
            api: Limit::parse("2 per second").expect("limit"),
            ..RateLimits::default()
        },
        redis: Some(down),
        ..Options::default()
    })
    .await;
    let web = crate::helpers::browser();
    let page = text(&app, &web, "/auth/login").await;
    let r = post(
        &app,
        &web,
        "/auth/login",
        &[
            ("csrf_token", &csrf(&page)),
            ("username", "admin"),
            ("password", "Secret#123"),
        ],
    )
    .await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["status"], "error");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("session store")),
        "{body}"
    );
    // The rate limiter fails open to the instance's own windows.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.post("ping", &app.with_key(json!({}))).await.0);
    }
    assert_eq!(statuses, vec![200, 200, 429]);
    // Nobody can hold the accounts' lease: no instance serves them (two could otherwise).
    let (status, body) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("No instance holds the accounts")),
        "{body}"
    );
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_send(ws: &mut Ws, v: Value) {
    use futures::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::text(v.to_string()))
        .await
        .expect("send");
}

/// The next frame of `kind` (10 s at most per frame).
async fn ws_recv(ws: &mut Ws, kind: &str) -> Value {
    use futures::StreamExt;
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("open")
            .expect("frame");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = frame {
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            if v["type"] == kind || (kind == "auth" && v.get("status").is_some()) {
                return v;
            }
        }
    }
}

/// The holder of the market stream's lease, waiting (bounded) until there is one.
async fn leader(config: &RedisConfig, not: Option<&str>) -> String {
    use secrecy::ExposeSecret;
    let client = redis::Client::open(config.url.expose_secret()).expect("redis url");
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    for _ in 0..200 {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}feed:*:leader", config.prefix))
            .query_async(&mut con)
            .await
            .expect("keys");
        if let Some(key) = keys.first() {
            let holder: Option<String> = redis::cmd("GET")
                .arg(key)
                .query_async(&mut con)
                .await
                .expect("get");
            if let Some(h) = holder.filter(|h| Some(h.as_str()) != not) {
                return h;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no (new) market stream leader within 20 s");
}

#[tokio::test]
async fn a_client_on_one_instance_gets_the_ticks_the_leader_subscribed_upstream() {
    let Some(redis) =
        test_redis("a_client_on_one_instance_gets_the_ticks_the_leader_subscribed_upstream")
    else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (a, a_handle) = spawn_with(store, None, with_redis(&redis)).await;
    // A leads before B exists; B cannot take the lease while A renews it.
    let first = leader(&redis, None).await;
    let b = instance(with_redis(&redis)).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}x", b.ws))
        .await
        .expect("connect");
    ws_send(
        &mut ws,
        json!({"action": "authenticate", "api_key": b.api_key}),
    )
    .await;
    assert_eq!(ws_recv(&mut ws, "auth").await["status"], "success");
    ws_send(
        &mut ws,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}),
    )
    .await;
    ws_recv(&mut ws, "subscribe").await;
    for _ in 0..3 {
        let tick = ws_recv(&mut ws, "market_data").await;
        assert_eq!(
            (tick["symbol"].as_str(), tick["exchange"].as_str()),
            (Some("SBIN"), Some("NSE"))
        );
    }
    assert_eq!(
        leader(&redis, None).await,
        first,
        "A still leads: the ticks came through A"
    );
    drop(a);
    // A dies: its lease expires, B takes over and subscribes upstream itself.
    a_handle.stop(false).await;
    let second = leader(&redis, Some(&first)).await;
    assert_ne!(second, first);
    let tick = ws_recv(&mut ws, "market_data").await;
    assert_eq!(tick["symbol"], "SBIN");
    clean(&redis).await;
}

#[tokio::test]
async fn an_order_update_on_one_instance_reaches_order_subscribers_on_another() {
    let Some(redis) =
        test_redis("an_order_update_on_one_instance_reaches_order_subscribers_on_another")
    else {
        return;
    };
    let (a, b) = pair(&redis).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}x", b.ws))
        .await
        .expect("connect");
    ws_send(
        &mut ws,
        json!({"action": "authenticate", "api_key": b.api_key}),
    )
    .await;
    assert_eq!(ws_recv(&mut ws, "auth").await["status"], "success");
    ws_send(&mut ws, json!({"action": "subscribe_orders"})).await;
    ws_recv(&mut ws, "subscribe_orders").await;
    a.post("analyzer/toggle", &a.with_key(json!({"mode": true})))
        .await;
    let (status, placed) = a
        .post(
            "placeorder",
            &a.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE",
                "action": "BUY", "quantity": 1})),
        )
        .await;
    assert_eq!(status, 200, "{placed}");
    let mut statuses = Vec::new();
    while !statuses.contains(&"complete".to_owned()) {
        let u = ws_recv(&mut ws, "order_update").await;
        assert_eq!(u["orderid"], placed["orderid"], "{u}");
        assert_eq!(u["mode"], "analyze");
        statuses.push(u["order_status"].as_str().unwrap_or_default().to_owned());
    }
    clean(&redis).await;
}

fn ids_in(book: &Value) -> Vec<String> {
    let mut ids: Vec<String> = book["data"]["orders"]
        .as_array()
        .map(|orders| {
            orders
                .iter()
                .filter_map(|o| o["orderid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn orders_placed_through_either_instance_are_in_one_book_that_outlives_its_holder() {
    let Some(redis) = test_redis(
        "orders_placed_through_either_instance_are_in_one_book_that_outlives_its_holder",
    ) else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (a, a_handle) = spawn_with(Arc::clone(&store), None, with_redis(&redis)).await;
    let (b, b_handle) = spawn_with(store, Some(a.api_key.clone()), with_redis(&redis)).await;
    settled(&[&a, &b]).await;
    let order = |app: &TestApp| {
        app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE",
            "action": "BUY", "quantity": 1, "pricetype": "MARKET", "product": "MIS"}))
    };
    let mut placed = Vec::new();
    for app in [&a, &b, &a, &b] {
        let (status, body) = app.post("placeorder", &order(app)).await;
        assert_eq!(status, 200, "{body}");
        placed.push(body["orderid"].as_str().expect("orderid").to_owned());
    }
    placed.sort();
    let (_, via_a) = a.post("orderbook", &a.with_key(json!({}))).await;
    let (_, via_b) = b.post("orderbook", &b.with_key(json!({}))).await;
    assert_eq!(ids_in(&via_a), placed, "{via_a}");
    assert_eq!(
        ids_in(&via_b),
        placed,
        "one book, whichever instance reads it"
    );
    let (_, pos) = b.post("positionbook", &b.with_key(json!({}))).await;
    assert_eq!(pos["data"][0]["quantity"], 4, "{pos}");
    // The holder stops; the other instance restores the accounts from the store and serves.
    let (holder, survivor) = if role(&a).await["role"] == "holder" {
        (a_handle, &b)
    } else {
        (b_handle, &a)
    };
    holder.stop(true).await;
    settled(&[survivor]).await;
    let (status, book) = survivor
        .post("orderbook", &survivor.with_key(json!({})))
        .await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(ids_in(&book), placed, "nothing acknowledged is lost");
    let (status, body) = survivor.post("placeorder", &order(survivor)).await;
    assert_eq!(status, 200, "{body}");
    let (_, pos) = survivor
        .post("positionbook", &survivor.with_key(json!({})))
        .await;
    assert_eq!(pos["data"][0]["quantity"], 5, "{pos}");
    clean(&redis).await;
}

#[tokio::test]
async fn a_forwarded_request_keeps_its_client_and_a_forged_forward_header_is_ignored() {
    let Some(redis) =
        test_redis("a_forwarded_request_keeps_its_client_and_a_forged_forward_header_is_ignored")
    else {
        return;
    };
    let (a, b) = pair(&redis).await;
    let follower = if role(&a).await["role"] == "follower" {
        &a
    } else {
        &b
    };
    // Through the follower: answered by the holder (who signs nothing back), relayed as is.
    let (status, body) = follower.post("funds", &follower.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    // A client cannot pass itself off as forwarded: a header that does not verify is dropped
    // and replaced by the follower's own, signed, naming the real client.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/funds", follower.address))
        .header("x-openalgo-forwarded", "198.51.100.7;0;00")
        .json(&follower.with_key(json!({})))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    // A request signed by an instance and replayed to a follower is not forwarded again.
    let key = openalgo_server::security::SecurityConfig::default().app_key;
    let now = chrono::Utc::now().timestamp();
    let signed = openalgo_server::security::forwarded::sign(
        &key,
        "127.0.0.1".parse().expect("ip"),
        now,
        "POST",
        "/api/v1/funds",
    );
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/funds", follower.address))
        .header("x-openalgo-forwarded", signed)
        .json(&follower.with_key(json!({})))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 503, "never forwarded twice");
    clean(&redis).await;
}
