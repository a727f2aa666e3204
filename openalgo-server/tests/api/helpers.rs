//! `spawn_app`: a running server and a client for it.

use std::sync::Arc;

use openalgo_core::clock::{Clock, ManualClock};
use openalgo_server::auth::{ApiKeys, hash_secret};
use openalgo_server::store::{SqliteStore, Store};
use openalgo_server::{Application, Settings};
use secrecy::SecretString;
use serde_json::Value;

pub(crate) struct TestApp {
    pub(crate) address: String,
    /// `ws://127.0.0.1:<port>/`
    pub(crate) ws: String,
    pub(crate) api_key: String,
    pub(crate) client: reqwest::Client,
    /// The server's clock (tests move it).
    pub(crate) clock: Arc<ManualClock>,
}

/// How a test server differs from the default one.
pub(crate) struct Options {
    pub(crate) security: openalgo_server::security::SecurityConfig,
    pub(crate) limits: openalgo_server::rate_limit::RateLimits,
    pub(crate) ws_timing: openalgo_server::stream::Timing,
    pub(crate) bus: openalgo_server::stream::BusConfig,
    /// A broker from the registry (e.g. one with a login, against its mock) with its own data
    /// directory; the default broker when `None`.
    pub(crate) broker: Option<openalgo_brokers::registry::BrokerSettings>,
    /// The data directory (a fresh one when `None` and `broker` is set).
    pub(crate) data_dir: Option<std::path::PathBuf>,
    /// The risk rules' defaults (the server's own defaults unless a test sets them).
    pub(crate) risk: openalgo_server::risk::RiskDefaults,
    /// Shared state between instances (`REDIS_URL`); in process when `None`.
    pub(crate) redis: Option<openalgo_server::cluster::RedisConfig>,
    /// Who may read `/metrics` (loopback only unless a test sets it).
    pub(crate) metrics: openalgo_server::metrics::MetricsAccess,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            security: openalgo_server::security::SecurityConfig::default(),
            limits: openalgo_server::rate_limit::RateLimits {
                api: openalgo_server::rate_limit::Limit::parse("50 per second").expect("limit"),
                ..openalgo_server::rate_limit::RateLimits::default()
            },
            // A short grace so the deadline test is quick (2 s: a wrong key's Argon2 check on a
            // loaded 2-core machine can take most of a second); keepalive as in production.
            ws_timing: openalgo_server::stream::Timing {
                auth_grace: std::time::Duration::from_secs(2),
                ..openalgo_server::stream::Timing::default()
            },
            bus: openalgo_server::stream::BusConfig::default(),
            broker: None,
            data_dir: None,
            risk: openalgo_server::risk::RiskDefaults::default(),
            redis: None,
            metrics: openalgo_server::metrics::MetricsAccess::default(),
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub(crate) async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}/api/v1/{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.expect("json body"))
    }

    pub(crate) async fn get(&self, path_and_query: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}/api/v1/{path_and_query}", self.address))
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    pub(crate) fn with_key(&self, mut body: Value) -> Value {
        body["apikey"] = Value::String(self.api_key.clone());
        body
    }
}

pub(crate) async fn spawn_app() -> TestApp {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    spawn_on(store, None).await.0
}

/// A server on `store`; issues a fresh API key unless `api_key` is given (a restart).
pub(crate) async fn spawn_on(
    store: Arc<dyn Store>,
    api_key: Option<String>,
) -> (TestApp, actix_web::dev::ServerHandle) {
    spawn_with(store, api_key, Options::default()).await
}

/// As [`spawn_on`] with `options`.
pub(crate) async fn spawn_with(
    store: Arc<dyn Store>,
    api_key: Option<String>,
    options: Options,
) -> (TestApp, actix_web::dev::ServerHandle) {
    let pepper = SecretString::from("test-pepper-".repeat(4));
    // The default broker with its default settings (seed 42, a tick a second).
    let broker_settings = options.broker.clone().unwrap_or_else(|| {
        openalgo_brokers::registry::configure(openalgo_brokers::registry::DEFAULT_BROKER, &|_| None)
            .expect("default broker")
    });
    let settings = Settings {
        host: "127.0.0.1".into(),
        port: 0,
        data_dir: if let Some(dir) = options.data_dir {
            dir
        } else if options.broker.is_some() {
            let dir = std::env::temp_dir().join(format!(
                "openalgo-broker-{}-{}",
                std::process::id(),
                free_port()
            ));
            std::fs::create_dir_all(&dir).expect("data dir");
            dir
        } else {
            std::env::temp_dir()
        },
        database_path: ":memory:".into(),
        postgres: None,
        pepper: pepper.clone(),
        fernet_salt: b"test-fernet-salt".to_vec(),
        broker: broker_settings.entry().name.into(),
        broker_settings,
        master_cutoff: chrono::NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
        rate_limits: options.limits,
        security: options.security,
        ws_host: "127.0.0.1".into(),
        ws_port: 0,
        ws_timing: options.ws_timing,
        bus: options.bus,
        risk: options.risk,
        redis: options.redis,
        metrics: options.metrics,
    };
    let api_key = match api_key {
        Some(k) => k,
        None => {
            let admin = store
                .create_admin("admin", &hash_secret("Secret#123", &pepper).expect("hash"))
                .expect("admin");
            ApiKeys::new(store.clone(), pepper, b"test-fernet-salt")
                .issue(admin)
                .expect("key")
        }
    };
    // A fixed trading-hours instant: results never depend on when the tests run.
    let ten_am = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("time");
    let manual = Arc::new(ManualClock::at_ist(ten_am));
    let clock: Arc<dyn Clock> = manual.clone();
    let app = Application::build_with(&settings, store, &clock).expect("app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let ws = format!("ws://127.0.0.1:{}/", app.ws_port());
    let handle = app.handle();
    tokio::spawn(app.run());
    let app = TestApp {
        address,
        ws,
        api_key,
        client: reqwest::Client::new(),
        clock: manual,
    };
    (app, handle)
}

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
