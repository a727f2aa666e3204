//! The real `openalgo` binary on PostgreSQL (`DATABASE_URL` naming a fresh schema): setup,
//! web login, analyzer orders, then a SIGKILL and a restart on the same schema, which must
//! find the orders, the sandbox's state, the analyzer switch, the session and the idempotent
//! answers again. Skipped without `OPENALGO_TEST_DATABASE_URL`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::crash::server::{Server, setup_with};
use crate::helpers::browser;

/// Runs `f` on a thread of its own: the blocking `postgres` client runs a runtime of its own,
/// which cannot start on a thread that runs the test's.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("the database thread"))
}

/// A fresh schema of the test database, dropped at the end.
pub(crate) struct Schema {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl Schema {
    pub(crate) fn new() -> Option<Self> {
        let Ok(admin) = std::env::var("OPENALGO_TEST_DATABASE_URL") else {
            eprintln!("SKIPPED: OPENALGO_TEST_DATABASE_URL is not set (server on PostgreSQL)");
            return None;
        };
        let name = format!("t_{:016x}", rand::random::<u64>());
        off_runtime(|| {
            let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect");
            c.batch_execute(&format!("CREATE SCHEMA {name}"))
                .expect("create schema");
        });
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{name}");
        Some(Self { admin, name, url })
    }

    /// One number from the schema, read directly.
    fn count(&self, sql: &str) -> i64 {
        off_runtime(|| {
            let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
            c.query_one(sql, &[]).expect("query").get(0)
        })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        off_runtime(|| {
            if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
            }
        });
    }
}

async fn api(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    path: &str,
    mut body: Value,
    idempotency: Option<&str>,
) -> (u16, Value) {
    body["apikey"] = json!(key);
    let mut req = http.post(format!("{base}/api/v1/{path}")).json(&body);
    if let Some(k) = idempotency {
        req = req.header("Idempotency-Key", k);
    }
    let r = req.send().await.expect("request");
    (r.status().as_u16(), r.json().await.expect("json"))
}

/// The positions without their market-dependent fields (`ltp`, `pnl`).
fn held(positions: &Value) -> Value {
    let mut rows = positions["data"].clone();
    for row in rows.as_array_mut().expect("positions") {
        let row = row.as_object_mut().expect("a position");
        row.remove("ltp");
        row.remove("pnl");
    }
    assert!(
        !rows.as_array().expect("positions").is_empty(),
        "a position held"
    );
    rows
}

fn csrf(html: &str) -> String {
    let start = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a csrf field")
        + r#"name="csrf_token" value=""#.len();
    let len = html[start..].find('"').expect("end of the token");
    html[start..start + len].to_owned()
}

async fn dashboard(web: &reqwest::Client, base: &str) -> (u16, String) {
    let r = web
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .expect("dashboard");
    (r.status().as_u16(), r.text().await.expect("page"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_on_postgresql_and_finds_its_state_after_a_restart() {
    let Some(db) = Schema::new() else { return };
    let root = std::env::temp_dir().join(format!("openalgo-pg-{}", db.name));
    let data = root.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let vars = [("DATABASE_URL", db.url.as_str())];
    let key = setup_with(&root, &data, &vars);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut server = Server::start_with(&root, &data, root.join("server-1.log"), &vars);
    server.ready(&http, &key).await;
    let base = server.base.clone();

    // A web login: its session lives in the store.
    let web = browser();
    let page = web
        .get(format!("{base}/auth/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("page");
    let r = web
        .post(format!("{base}/auth/login"))
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("username", "admin"),
            ("password", "Secret#123"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "signed in");
    let (status, page) = dashboard(&web, &base).await;
    assert!(status == 200 && page.contains("Signed in as"), "{status}");

    let (status, toggled) = api(
        &http,
        &base,
        &key,
        "analyzer/toggle",
        json!({"mode": true}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{toggled}");
    let limit = json!({"strategy": "pg", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "quantity": 3, "product": "MIS", "pricetype": "LIMIT", "price": "1.05"});
    let market = json!({"strategy": "pg", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "quantity": 2, "product": "MIS"});
    let (status, open_order) = api(&http, &base, &key, "placeorder", limit, Some("k-1")).await;
    assert_eq!(
        (status, open_order["mode"].as_str()),
        (200, Some("analyze")),
        "{open_order}"
    );
    let (status, filled) = api(&http, &base, &key, "placeorder", market, None).await;
    assert_eq!(status, 200, "{filled}");
    // The pool's gauges and wait histogram (a loopback scrape is allowed by default).
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let scraped = crate::prometheus::parse(&text).expect("exposition");
    assert_eq!(
        scraped.sum("openalgo_db_pool_connections", &[]),
        10.0,
        "the store's default 8 and the traffic log's 2"
    );
    assert!(scraped.sum("openalgo_db_pool_wait_duration_seconds_count", &[]) >= 5.0);
    let (_, book) = api(&http, &base, &key, "orderbook", json!({}), None).await;
    let (_, positions) = api(&http, &base, &key, "positionbook", json!({}), None).await;
    let ids = |book: &Value| -> Vec<String> {
        let mut ids: Vec<String> = book["data"]["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .map(|o| o["orderid"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut placed = vec![
        open_order["orderid"].as_str().expect("id").to_owned(),
        filled["orderid"].as_str().expect("id").to_owned(),
    ];
    placed.sort();
    assert_eq!(ids(&book), placed);

    // Everything went to PostgreSQL, nothing to a SQLite file.
    assert!(db.count("SELECT COUNT(*) FROM order_log WHERE mode = 'analyze'") >= 2);
    assert!(db.count("SELECT COUNT(*) FROM paper_events") >= 1);
    assert_eq!(db.count("SELECT COUNT(*) FROM web_sessions"), 1);
    assert!(!data.join("openalgo.db").exists(), "no SQLite database");
    assert!(!data.join("logs.db").exists(), "no SQLite log database");

    // SIGKILL: no shutdown code runs; whatever was answered was committed.
    server.kill();
    let mut server = Server::start_with(&root, &data, root.join("server-2.log"), &vars);
    server.ready(&http, &key).await;
    let base = server.base.clone();
    let (_, mode) = api(&http, &base, &key, "analyzer", json!({}), None).await;
    assert_eq!(mode["data"]["analyze_mode"], true, "the switch persisted");
    let (_, book_after) = api(&http, &base, &key, "orderbook", json!({}), None).await;
    assert_eq!(book_after["data"], book["data"], "the same order book");
    let (_, positions_after) = api(&http, &base, &key, "positionbook", json!({}), None).await;
    assert_eq!(
        held(&positions_after),
        held(&positions),
        "the same positions (prices move)"
    );
    // The same key replays the first answer instead of placing again.
    let again = json!({"strategy": "pg", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "quantity": 3, "product": "MIS", "pricetype": "LIMIT", "price": "1.05"});
    let (status, replay) = api(&http, &base, &key, "placeorder", again, Some("k-1")).await;
    assert_eq!(
        (status, &replay["orderid"]),
        (200, &open_order["orderid"]),
        "{replay}"
    );
    let (_, book_last) = api(&http, &base, &key, "orderbook", json!({}), None).await;
    assert_eq!(ids(&book_last), placed, "nothing placed twice");
    // The web session survived too (cookies are per host, not per port).
    let (status, page) = dashboard(&web, &base).await;
    assert!(status == 200 && page.contains("Signed in as"), "{status}");
    drop(server);
    let _ = std::fs::remove_dir_all(&root);
}
