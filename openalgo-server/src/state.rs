//! The accounts orders go to and the live/analyze switch. This module depends on no other
//! module of the server: subsystems that need the accounts receive an [`AccountBook`] (or a
//! watch of it), never the whole application state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use openalgo_brokers::paper::PaperBroker;
use openalgo_core::market::TradingMode;
use openalgo_core::risk::RiskGate;
use openalgo_core::{Broker, OrderService, SymbolTable};

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

/// The analyzer (sandbox) account: always a paper account, so its engine is always there.
#[derive(Debug, Clone)]
pub struct Analyzer {
    paper: Arc<PaperBroker>,
    trading: Trading,
}

impl Analyzer {
    /// The analyzer over `paper`, validated against `symbols`.
    #[must_use]
    pub fn new(paper: Arc<PaperBroker>, symbols: Arc<SymbolTable>) -> Self {
        Self {
            trading: Trading::new(Arc::clone(&paper), symbols),
            paper,
        }
    }

    /// Its paper engine.
    #[must_use]
    pub const fn paper(&self) -> &Arc<PaperBroker> {
        &self.paper
    }

    /// The account as a [`Trading`] (what the order paths take).
    #[must_use]
    pub const fn trading(&self) -> &Trading {
        &self.trading
    }
}

/// The two accounts and the instrument master they trade by; replaced as a whole when a broker
/// login brings a new master contract.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// The configured broker's account.
    pub live: Trading,
    /// The analyzer account.
    pub analyzer: Analyzer,
    /// The instrument master.
    pub symbols: Arc<SymbolTable>,
}

impl Accounts {
    /// The account of `mode`.
    #[must_use]
    pub const fn of(&self, mode: Mode) -> &Trading {
        match mode {
            Mode::Live => &self.live,
            Mode::Analyze => self.analyzer.trading(),
        }
    }

    /// The paper accounts with their trading modes.
    #[must_use]
    pub fn paper_accounts(&self) -> Vec<(Arc<PaperBroker>, TradingMode)> {
        let mut out = Vec::with_capacity(2);
        if let Some(p) = &self.live.paper {
            out.push((Arc::clone(p), TradingMode::Live));
        }
        out.push((Arc::clone(self.analyzer.paper()), TradingMode::Analyze));
        out
    }
}

/// The risk gates of the two accounts. They outlive every [`Accounts`] (a broker login
/// replaces the accounts, not their risk state): the book attaches them to each one installed.
#[derive(Debug, Clone)]
pub struct RiskGates {
    /// The configured broker's account.
    pub live: Arc<RiskGate>,
    /// The analyzer account.
    pub analyzer: Arc<RiskGate>,
}

impl RiskGates {
    /// The gate of `mode`'s account.
    #[must_use]
    pub const fn of(&self, mode: Mode) -> &Arc<RiskGate> {
        match mode {
            Mode::Live => &self.live,
            Mode::Analyze => &self.analyzer,
        }
    }

    fn attach(&self, mut accounts: Accounts) -> Accounts {
        accounts.live.orders = accounts.live.orders.with_risk(Arc::clone(&self.live));
        accounts.analyzer.trading.orders = accounts
            .analyzer
            .trading
            .orders
            .with_risk(Arc::clone(&self.analyzer));
        accounts
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
    /// The wire name (`live` or `analyze`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Analyze => "analyze",
        }
    }
}

/// The accounts and the mode of one call, captured once at its start: a toggle or a new
/// master contract in the middle of the call does not move it to another account.
#[derive(Debug, Clone)]
pub struct Session {
    /// The accounts as they were when the call started.
    pub accounts: Arc<Accounts>,
    /// The mode the call runs in.
    pub mode: Mode,
}

impl Session {
    /// The account the call trades on.
    #[must_use]
    pub fn trading(&self) -> &Trading {
        self.accounts.of(self.mode)
    }
}

/// Whether this instance serves the accounts: always, for a single instance; with several
/// (`REDIS_URL`), only while it holds the accounts' lease (`cluster::holder`). While it is off
/// the paper accounts' journal refuses writes and the background work on the accounts (the
/// daily-loss watch, scheduled square-offs) skips its turn.
#[derive(Debug, Clone)]
pub struct Serving(Arc<AtomicBool>);

impl Serving {
    /// A switch, on or off.
    #[must_use]
    pub fn new(on: bool) -> Self {
        Self(Arc::new(AtomicBool::new(on)))
    }

    /// Whether this instance serves the accounts now.
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Turns serving on or off.
    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }
}

impl Default for Serving {
    fn default() -> Self {
        Self::new(true)
    }
}

/// The current accounts, the live/analyze switch and a watch that changes whenever the
/// accounts are replaced. Shared by every subsystem that trades or reads the accounts.
#[derive(Debug)]
pub struct AccountBook {
    current: RwLock<Arc<Accounts>>,
    generation: tokio::sync::watch::Sender<u64>,
    analyze: AtomicBool,
    risk: RiskGates,
    serving: Serving,
}

impl AccountBook {
    /// A book over `accounts`, in analyze mode when `analyze`, every order checked by `risk`.
    #[must_use]
    pub fn new(accounts: Accounts, analyze: bool, risk: RiskGates) -> Self {
        Self {
            current: RwLock::new(Arc::new(risk.attach(accounts))),
            generation: tokio::sync::watch::channel(0).0,
            analyze: AtomicBool::new(analyze),
            risk,
            serving: Serving::default(),
        }
    }

    /// The book with `serving` as its switch (shared with the journal's fence).
    #[must_use]
    pub fn with_serving(mut self, serving: Serving) -> Self {
        self.serving = serving;
        self
    }

    /// Whether this instance serves the accounts.
    #[must_use]
    pub const fn serving(&self) -> &Serving {
        &self.serving
    }

    /// The accounts' risk gates.
    #[must_use]
    pub const fn risk(&self) -> &RiskGates {
        &self.risk
    }

    /// The current accounts.
    #[must_use]
    pub fn current(&self) -> Arc<Accounts> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The current mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        if self.analyze.load(Ordering::SeqCst) {
            Mode::Analyze
        } else {
            Mode::Live
        }
    }

    /// Sets the mode (the caller persists it).
    pub fn set_mode(&self, mode: Mode) {
        self.analyze.store(mode == Mode::Analyze, Ordering::SeqCst);
    }

    /// The accounts and the mode, read together once.
    #[must_use]
    pub fn session(&self) -> Session {
        let mode = self.mode();
        Session {
            accounts: self.current(),
            mode,
        }
    }

    /// Replaces the accounts (after a broker login brought a new master contract) and tells
    /// the watchers.
    pub fn install(&self, accounts: Accounts) {
        let accounts = Arc::new(self.risk.attach(accounts));
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = accounts;
        self.generation.send_modify(|g| *g += 1);
    }

    /// Changes whenever the accounts are replaced.
    #[must_use]
    pub fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }
}
