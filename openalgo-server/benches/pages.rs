//! Server-side page render time with 1,000 orders in the book: the real server on port 0 (a
//! fresh in-memory store, the simulator), 1,000 open LIMIT orders placed through the API and
//! 1,000 order-log entries, then a signed-in client fetching each page over loopback. The
//! measured time is the whole request (routing, session lookup, broker call, rendering, and the
//! loopback round trip), so it bounds the server-side render time from above.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use openalgo_core::clock::{Clock, ManualClock};
use openalgo_server::auth::{ApiKeys, hash_secret};
use openalgo_server::rate_limit::{Limit, RateLimits};
use openalgo_server::store::{SqliteStore, Store};
use openalgo_server::{Application, Settings};
use secrecy::SecretString;
use serde_json::json;

const ORDERS: usize = 1_000;

fn csrf(html: &str) -> String {
    let start = r#"name="csrf_token" value=""#;
    let i = html.find(start).expect("csrf field") + start.len();
    html[i..i + html[i..].find('"').expect("end")].to_owned()
}

async fn setup() -> (String, reqwest::Client) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let pepper = SecretString::from("bench-pepper-".repeat(4));
    let many = Limit::parse("1000000 per second").expect("limit");
    let settings = Settings {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: std::env::temp_dir(),
        database_path: ":memory:".into(),
        postgres: None,
        pepper: pepper.clone(),
        fernet_salt: b"bench-fernet-salt".to_vec(),
        broker: "simulator".into(),
        broker_settings: openalgo_brokers::registry::BrokerSettings::new(
            &openalgo_brokers::simulator::ENTRY,
            Arc::new(openalgo_brokers::simulator::SimulatorSettings {
                seed: 1,
                tick: Duration::from_secs(1),
            }),
        ),
        master_cutoff: chrono::NaiveTime::MIN,
        rate_limits: RateLimits {
            order: many,
            api: many,
            ..RateLimits::default()
        },
        security: openalgo_server::security::SecurityConfig::default(),
        ws_host: "127.0.0.1".into(),
        ws_port: 0,
        ws_timing: openalgo_server::stream::Timing::default(),
        bus: openalgo_server::stream::BusConfig::default(),
        risk: openalgo_server::risk::RiskDefaults::default(),
        redis: None,
        metrics: openalgo_server::metrics::MetricsAccess::default(),
    };
    let admin = store
        .create_admin("admin", &hash_secret("Secret#123", &pepper).expect("hash"))
        .expect("admin");
    let key = ApiKeys::new(store.clone(), pepper, b"bench-fernet-salt")
        .issue(admin)
        .expect("key");
    let ten_am = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(ten_am));
    let app = Application::build_with(&settings, store, &clock).expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    let api = reqwest::Client::new();
    for i in 0..ORDERS {
        let r = api
            .post(format!("{base}/api/v1/placeorder"))
            .json(&json!({"apikey": key, "strategy": "bench", "symbol": if i % 2 == 0 { "SBIN" } else { "RELIANCE" },
                "exchange": "NSE", "action": "BUY", "quantity": "1", "pricetype": "LIMIT",
                "product": "MIS", "price": "100"}))
            .send()
            .await
            .expect("placeorder");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
    let web = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = web
        .get(format!("{base}/auth/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
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
    assert_eq!(r.status(), 303);
    let location = r.headers().get("location").cloned();
    let dashboard = web
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(
        dashboard.status(),
        200,
        "signed in (login went to {location:?})"
    );
    (base, web)
}

fn pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (base, web) = rt.block_on(setup());
    let mut group = c.benchmark_group("pages_1000_orders");
    group.sample_size(30);
    for path in [
        "/orderbook",
        "/orderbook.csv",
        "/dashboard",
        "/positions",
        "/logs",
    ] {
        let html = rt.block_on(async {
            web.get(format!("{base}{path}"))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("body")
        });
        if path == "/orderbook" {
            assert_eq!(
                html.matches("data-order-id=").count(),
                ORDERS,
                "every order rendered: {}",
                html.split("<main>")
                    .nth(1)
                    .unwrap_or(&html)
                    .chars()
                    .take(1500)
                    .collect::<String>()
            );
        }
        group.bench_function(path, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let r = web.get(format!("{base}{path}")).send().await.expect("page");
                    assert_eq!(r.status(), 200);
                    r.bytes().await.expect("body").len()
                })
            });
        });
    }
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
