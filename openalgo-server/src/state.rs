//! What every handler shares, and the live/analyze switch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use actix_web::HttpResponse;
use openalgo_brokers::paper::PaperBroker;
use openalgo_core::{Broker, OrderService, SymbolTable};
use serde_json::Value;

use crate::auth::ApiKeys;
use crate::error::ApiError;
use crate::store::Store;

/// The settings key of the analyzer switch.
const ANALYZE_KEY: &str = "analyze_mode";

/// One trading account: a broker and the order logic over it.
#[derive(Clone)]
pub struct Trading {
    /// The account's broker (a paper account or a live adapter).
    pub broker: Arc<dyn Broker>,
    /// The paper engine, when the account is one (the simulator's account, the analyzer).
    pub paper: Option<Arc<PaperBroker>>,
    /// Order logic over it.
    pub orders: OrderService,
}

impl std::fmt::Debug for Trading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trading")
            .field("broker", &self.broker.id())
            .field("paper", &self.paper.is_some())
            .finish_non_exhaustive()
    }
}

impl Trading {
    /// A paper account, validated against `symbols`.
    #[must_use]
    pub fn new(broker: Arc<PaperBroker>, symbols: Arc<SymbolTable>) -> Self {
        let dynamic: Arc<dyn Broker> = broker.clone();
        Self {
            orders: OrderService::new(Arc::clone(&dynamic), symbols),
            broker: dynamic,
            paper: Some(broker),
        }
    }

    /// A live broker account, validated against `symbols`.
    #[must_use]
    pub fn live(broker: Arc<dyn Broker>, symbols: Arc<SymbolTable>) -> Self {
        Self {
            orders: OrderService::new(Arc::clone(&broker), symbols),
            broker,
            paper: None,
        }
    }

    /// The broker as the trait object.
    #[must_use]
    pub fn broker(&self) -> &dyn Broker {
        self.broker.as_ref()
    }
}

/// The two accounts and the instrument master they trade by; replaced as a whole when a broker
/// login brings a new master contract.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// The configured broker's account.
    pub live: Trading,
    /// The analyzer account.
    pub sandbox: Trading,
    /// The instrument master.
    pub symbols: Arc<SymbolTable>,
}

/// Which account answers trading and account requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The configured broker.
    Live,
    /// The analyzer (sandbox) account.
    Analyze,
}

impl Mode {
    /// A 200 response; analyze-mode bodies carry `"mode": "analyze"`, live ones no `mode`.
    #[must_use]
    pub fn ok(self, mut body: Value) -> HttpResponse {
        if self == Self::Analyze {
            if let Value::Object(m) = &mut body {
                m.insert("mode".into(), Value::from("analyze"));
            }
        }
        HttpResponse::Ok().json(body)
    }

    /// An error of this mode's account: analyze-mode errors carry `"mode": "analyze"`.
    #[must_use]
    pub fn error(self, e: impl Into<crate::error::ApiError>) -> crate::error::ApiError {
        match (self, e.into()) {
            (Self::Analyze, e @ crate::error::ApiError::Analyze(_)) | (Self::Live, e) => e,
            (Self::Analyze, e) => crate::error::ApiError::Analyze(Box::new(e)),
        }
    }

    /// The wire name (`live` or `analyze`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Analyze => "analyze",
        }
    }
}

/// What [`AppState::new`] assembles.
#[allow(missing_debug_implementations)]
pub struct AppParts {
    /// The accounts and the instrument master.
    pub accounts: Accounts,
    /// The market-data broker (ticks, quotes) behind both accounts.
    pub market: Arc<dyn Broker>,
    /// The live broker's session (login, token, master contract), for brokers with a login.
    pub broker_session: Option<Arc<crate::broker_session::BrokerSession>>,
    /// API key verification (and the pepper and cipher of secrets at rest).
    pub api_keys: Arc<ApiKeys>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// The group-commit writer.
    pub journal: crate::journal::JournalWriter,
    /// The security layer.
    pub security: Arc<crate::security::SecurityState>,
    /// The traffic log.
    pub traffic: crate::security::traffic::TrafficLog,
    /// Wall-clock time.
    pub clock: Arc<dyn openalgo_core::clock::Clock>,
    /// Broker-call latencies.
    pub latency: Arc<openalgo_brokers::latency::LatencyMonitor>,
    /// The WebSocket fan-out hub.
    pub hub: Arc<crate::stream::Hub>,
}

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The accounts (the configured broker's and the analyzer's) and the instrument master.
    accounts: Arc<RwLock<Arc<Accounts>>>,
    /// Bumped whenever the accounts are replaced.
    generation: Arc<tokio::sync::watch::Sender<u64>>,
    /// The market-data broker behind both accounts.
    pub market: Arc<dyn Broker>,
    /// The live broker's session, for brokers with a login.
    pub broker_session: Option<Arc<crate::broker_session::BrokerSession>>,
    /// API key verification.
    pub api_keys: Arc<ApiKeys>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// In-flight idempotency keys.
    pub idempotency: Arc<crate::order_call::KeyLocks>,
    /// The group-commit writer (paper journal and order log).
    pub journal: crate::journal::JournalWriter,
    /// Holidays and exchange sessions.
    pub calendar: Arc<openalgo_core::calendar::MarketCalendar>,
    /// Bans, offender counters and security settings.
    pub security: Arc<crate::security::SecurityState>,
    /// The traffic log.
    pub traffic: crate::security::traffic::TrafficLog,
    /// Wall-clock time (injected: tests move it).
    pub clock: Arc<dyn openalgo_core::clock::Clock>,
    /// Broker-call latencies.
    pub latency: Arc<openalgo_brokers::latency::LatencyMonitor>,
    /// The WebSocket fan-out hub.
    pub hub: Arc<crate::stream::Hub>,
    /// The intraday P&L curves of the dashboard.
    pub pnl: Arc<crate::web::pnl::PnlSeries>,
    analyze: Arc<AtomicBool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("analyze", &self.analyze.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State with the analyzer switch read from the store.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn new(parts: AppParts) -> Result<Self, crate::store::StoreError> {
        let on = parts.store.setting(ANALYZE_KEY)?.as_deref() == Some("true");
        Ok(Self {
            accounts: Arc::new(RwLock::new(Arc::new(parts.accounts))),
            generation: Arc::new(tokio::sync::watch::channel(0).0),
            market: parts.market,
            broker_session: parts.broker_session,
            api_keys: parts.api_keys,
            store: parts.store,
            idempotency: Arc::default(),
            journal: parts.journal,
            calendar: Arc::default(),
            security: parts.security,
            traffic: parts.traffic,
            clock: parts.clock,
            latency: parts.latency,
            hub: parts.hub,
            pnl: Arc::default(),
            analyze: Arc::new(AtomicBool::new(on)),
        })
    }

    /// Uses `calendar` for the market-calendar endpoints.
    #[must_use]
    pub fn with_calendar(mut self, calendar: Arc<openalgo_core::calendar::MarketCalendar>) -> Self {
        self.calendar = calendar;
        self
    }

    /// The current accounts.
    #[must_use]
    pub fn accounts(&self) -> Arc<Accounts> {
        Arc::clone(&self.accounts.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The configured broker's account.
    #[must_use]
    pub fn live(&self) -> Trading {
        self.accounts().live.clone()
    }

    /// The analyzer account.
    #[must_use]
    pub fn sandbox(&self) -> Trading {
        self.accounts().sandbox.clone()
    }

    /// The analyzer's paper engine (the analyzer is always a paper account).
    ///
    /// # Panics
    /// Never: [`AppState::install`] and [`AppState::new`] only take paper analyzers.
    #[must_use]
    pub fn sandbox_paper(&self) -> Arc<PaperBroker> {
        self.accounts()
            .sandbox
            .paper
            .clone()
            .expect("the analyzer is a paper account")
    }

    /// The instrument master.
    #[must_use]
    pub fn symbols(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.accounts().symbols)
    }

    /// The paper accounts with their trading modes.
    #[must_use]
    pub fn paper_accounts(&self) -> Vec<(Arc<PaperBroker>, openalgo_core::market::TradingMode)> {
        let a = self.accounts();
        let mut out = Vec::with_capacity(2);
        if let Some(p) = &a.live.paper {
            out.push((Arc::clone(p), openalgo_core::market::TradingMode::Live));
        }
        if let Some(p) = &a.sandbox.paper {
            out.push((Arc::clone(p), openalgo_core::market::TradingMode::Analyze));
        }
        out
    }

    /// Replaces the accounts (after a broker login brought a new master contract) and tells
    /// the watchers.
    ///
    /// # Panics
    /// When the analyzer is not a paper account.
    pub fn install(&self, accounts: Accounts) {
        assert!(
            accounts.sandbox.paper.is_some(),
            "the analyzer is a paper account"
        );
        *self
            .accounts
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(accounts);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Changes whenever the accounts are replaced.
    #[must_use]
    pub fn watch_accounts(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }

    /// The configured broker's account, for market data and health (as in the reference).
    #[must_use]
    pub fn broker(&self) -> Arc<dyn Broker> {
        Arc::clone(&self.accounts().live.broker)
    }

    /// The account trading and account requests go to, and its mode.
    #[must_use]
    pub fn trading(&self) -> (Trading, Mode) {
        if self.analyze.load(Ordering::SeqCst) {
            (self.sandbox(), Mode::Analyze)
        } else {
            (self.live(), Mode::Live)
        }
    }

    /// The current mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.trading().1
    }

    /// Switches analyzer mode and persists the switch.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the store fails.
    pub fn set_analyze(&self, on: bool) -> Result<Mode, ApiError> {
        self.store
            .set_setting(ANALYZE_KEY, if on { "true" } else { "false" })
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        self.analyze.store(on, Ordering::SeqCst);
        Ok(self.mode())
    }

    /// Checks an API key off the async executor (Argon2 on a cache miss).
    ///
    /// # Errors
    /// [`ApiError::InvalidApiKey`] for an unknown key.
    pub async fn authenticate(&self, key: &str) -> Result<i64, ApiError> {
        // A cached verdict needs no thread hand-off.
        if let Some(verdict) = self.api_keys.cached(key) {
            return verdict.ok_or(ApiError::InvalidApiKey);
        }
        let keys = Arc::clone(&self.api_keys);
        let key = key.to_owned();
        let found = actix_web::web::block(move || keys.verify(&key))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        found.ok_or(ApiError::InvalidApiKey)
    }
}
