//! [`AppState`]: what the HTTP handlers and the pages share. It holds a handle to each
//! subsystem; no subsystem holds it (the stream, the broker session, the security middleware
//! and the P&L sampler each receive only their own parts), so the module graph has no cycles.

use std::sync::Arc;

use openalgo_brokers::paper::PaperBroker;
use openalgo_core::clock::Clock;
use openalgo_core::{Broker, SymbolTable};

use crate::auth::ApiKeys;
use crate::error::ApiError;
use crate::orders::OrderDesk;
use crate::state::{AccountBook, Accounts, Mode, Session, Trading};
use crate::store::Store;

/// The settings key of the analyzer switch.
pub const ANALYZE_KEY: &str = "analyze_mode";

/// What [`AppState::new`] assembles.
#[allow(missing_debug_implementations)]
pub struct AppParts {
    /// The accounts, the master and the live/analyze switch.
    pub accounts: Arc<AccountBook>,
    /// The market-data broker (ticks, quotes) behind both accounts.
    pub market: Arc<dyn Broker>,
    /// The live broker's session (login, token, master contract), for brokers with a login.
    pub broker_session: Option<Arc<crate::broker_session::BrokerSession>>,
    /// API key verification (and the pepper and cipher of secrets at rest).
    pub api_keys: Arc<ApiKeys>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// The typed order service (order log, idempotency).
    pub orders: OrderDesk,
    /// The security layer.
    pub security: Arc<crate::security::SecurityState>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Broker-call latencies.
    pub latency: Arc<openalgo_brokers::latency::LatencyMonitor>,
    /// The WebSocket fan-out hub.
    pub hub: Arc<crate::stream::Hub>,
    /// The intraday P&L curves of the dashboard.
    pub pnl: Arc<crate::pnl::PnlSeries>,
}

/// Shared application state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The accounts, the master and the live/analyze switch.
    pub book: Arc<AccountBook>,
    /// The market-data broker behind both accounts.
    pub market: Arc<dyn Broker>,
    /// The live broker's session, for brokers with a login.
    pub broker_session: Option<Arc<crate::broker_session::BrokerSession>>,
    /// API key verification.
    pub api_keys: Arc<ApiKeys>,
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// The typed order service every order call goes through.
    pub orders: OrderDesk,
    /// Holidays and exchange sessions.
    pub calendar: Arc<openalgo_core::calendar::MarketCalendar>,
    /// Bans, offender counters and security settings.
    pub security: Arc<crate::security::SecurityState>,
    /// Wall-clock time (injected: tests move it).
    pub clock: Arc<dyn Clock>,
    /// Broker-call latencies.
    pub latency: Arc<openalgo_brokers::latency::LatencyMonitor>,
    /// The WebSocket fan-out hub.
    pub hub: Arc<crate::stream::Hub>,
    /// The intraday P&L curves of the dashboard.
    pub pnl: Arc<crate::pnl::PnlSeries>,
    /// The strike ladders of the current master (option endpoints and pages).
    pub ladders: Arc<crate::options::LadderCache>,
    /// Semi-auto mode and the Action Center's queue.
    pub action_center: Arc<crate::action_center::ActionCenter>,
    /// The administrator's user id once read (it never changes after setup).
    admin: Arc<std::sync::OnceLock<i64>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("mode", &self.book.mode())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over `parts`.
    #[must_use]
    pub fn new(parts: AppParts) -> Self {
        let action_center = Arc::new(crate::action_center::ActionCenter::new(
            Arc::clone(&parts.store),
            Arc::clone(&parts.clock),
        ));
        Self {
            book: parts.accounts,
            market: parts.market,
            broker_session: parts.broker_session,
            api_keys: parts.api_keys,
            store: parts.store,
            orders: parts.orders,
            calendar: Arc::default(),
            security: parts.security,
            clock: parts.clock,
            latency: parts.latency,
            hub: parts.hub,
            pnl: parts.pnl,
            ladders: Arc::default(),
            action_center,
            admin: Arc::default(),
        }
    }

    /// The administrator's user id (read from the store once); `None` before setup.
    ///
    /// # Errors
    /// [`ApiError`] when the store fails.
    pub async fn admin_id(&self) -> Result<Option<i64>, ApiError> {
        if let Some(id) = self.admin.get() {
            return Ok(Some(*id));
        }
        let store = Arc::clone(&self.store);
        let id = crate::error::blocking(move || store.admin_id()).await??;
        if let Some(id) = id {
            let _ = self.admin.set(id);
        }
        Ok(id)
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
        self.book.current()
    }

    /// The configured broker's account.
    #[must_use]
    pub fn live(&self) -> Trading {
        self.accounts().live.clone()
    }

    /// The analyzer account.
    #[must_use]
    pub fn sandbox(&self) -> Trading {
        self.accounts().analyzer.trading().clone()
    }

    /// The analyzer's paper engine.
    #[must_use]
    pub fn sandbox_paper(&self) -> Arc<PaperBroker> {
        Arc::clone(self.accounts().analyzer.paper())
    }

    /// The instrument master.
    #[must_use]
    pub fn symbols(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.accounts().symbols)
    }

    /// The configured broker's account, for market data and health (as in the reference).
    #[must_use]
    pub fn broker(&self) -> Arc<dyn Broker> {
        Arc::clone(&self.accounts().live.broker)
    }

    /// The account trading and account requests go to, and its mode, read once.
    #[must_use]
    pub fn trading(&self) -> (Trading, Mode) {
        let session = self.session();
        (session.trading().clone(), session.mode)
    }

    /// The accounts and mode of a call, read once.
    #[must_use]
    pub fn session(&self) -> Session {
        self.book.session()
    }

    /// The current mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.book.mode()
    }

    /// Switches analyzer mode and persists the switch.
    ///
    /// # Errors
    /// [`ApiError::Store`] when the store fails.
    pub async fn set_analyze(&self, on: bool) -> Result<Mode, ApiError> {
        let store = Arc::clone(&self.store);
        crate::error::blocking(move || {
            store.set_setting(ANALYZE_KEY, if on { "true" } else { "false" })
        })
        .await??;
        let mode = if on { Mode::Analyze } else { Mode::Live };
        self.book.set_mode(mode);
        Ok(mode)
    }

    /// What the option service reads now: the market-data broker, the master and its strike
    /// ladders, and the clock's IST time.
    #[must_use]
    pub fn option_market(&self) -> crate::options::OptionMarket {
        let symbols = self.symbols();
        crate::options::OptionMarket {
            broker: self.broker(),
            ladders: self.ladders.of(&symbols),
            symbols,
            now_ist: self.clock.now_ist(),
        }
    }

    /// Checks an API key off the async executor (Argon2 on a cache miss); the user id.
    ///
    /// # Errors
    /// [`ApiError::InvalidApiKey`] for an unknown key.
    pub async fn authenticate(&self, key: &str) -> Result<i64, ApiError> {
        crate::auth::authenticate(&self.api_keys, key).await
    }
}
