//! What every handler shares, and the live/analyze switch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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
#[derive(Debug, Clone)]
pub struct Trading {
    /// The broker.
    pub broker: Arc<PaperBroker>,
    /// Order logic over it.
    pub orders: OrderService,
}

impl Trading {
    /// An account over `broker`, validated against `symbols`.
    #[must_use]
    pub fn new(broker: Arc<PaperBroker>, symbols: Arc<SymbolTable>) -> Self {
        let dynamic: Arc<dyn Broker> = broker.clone();
        Self {
            orders: OrderService::new(dynamic, symbols),
            broker,
        }
    }

    /// The broker as the trait object.
    #[must_use]
    pub fn broker(&self) -> &dyn Broker {
        self.broker.as_ref()
    }
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
    /// The configured broker's account.
    pub live: Trading,
    /// The analyzer account.
    pub sandbox: Trading,
    /// The instrument master.
    pub symbols: Arc<SymbolTable>,
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
    pub clock: Arc<dyn openalgo_brokers::clock::Clock>,
    /// Broker-call latencies.
    pub latency: Arc<openalgo_brokers::latency::LatencyMonitor>,
    /// The WebSocket fan-out hub.
    pub hub: Arc<crate::stream::Hub>,
}

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The configured broker's account (the simulator by default).
    pub live: Trading,
    /// The analyzer account: paper trading over the same market data.
    pub sandbox: Trading,
    /// The instrument master.
    pub symbols: Arc<SymbolTable>,
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
    pub clock: Arc<dyn openalgo_brokers::clock::Clock>,
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
            live: parts.live,
            sandbox: parts.sandbox,
            symbols: parts.symbols,
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

    /// The broker for market data (always the configured broker, as in the reference).
    #[must_use]
    pub fn broker(&self) -> &dyn Broker {
        self.live.broker()
    }

    /// The account trading and account requests go to, and its mode.
    #[must_use]
    pub fn trading(&self) -> (&Trading, Mode) {
        if self.analyze.load(Ordering::SeqCst) {
            (&self.sandbox, Mode::Analyze)
        } else {
            (&self.live, Mode::Live)
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
