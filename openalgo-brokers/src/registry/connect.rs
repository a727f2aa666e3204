//! From settings to a connected broker: [`AdapterSettings`] (an entry's typed settings, opaque
//! to the server), [`BrokerSettings`] (those settings with their entry) and [`Connection`].

use std::sync::Arc;

use openalgo_core::clock::Clock;
use openalgo_core::{Broker, BrokerError, SymbolTable};

use super::entry::BrokerEntry;
use super::session::LiveSession;

/// Settings that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `BROKER` names no registered broker.
    #[error("broker '{name}' is not available; use {available}")]
    Unknown {
        /// The value given.
        name: String,
        /// The registered names, as a phrase ("simulator (the default) or zerodha").
        available: String,
    },
    /// A required variable is unset.
    #[error("{name} must be set when BROKER={broker}")]
    Missing {
        /// The variable.
        name: String,
        /// The broker that needs it.
        broker: String,
    },
    /// A variable's value cannot be used.
    #[error("{name}: '{value}' {expected}")]
    Invalid {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What it should be ("is not a whole number").
        expected: String,
    },
}

/// An entry's parsed settings: builds the adapter. Implemented in each broker's folder.
pub trait AdapterSettings: Send + Sync + std::fmt::Debug {
    /// Builds the adapter (no network call: a live broker logs in later).
    ///
    /// # Errors
    /// [`BrokerError`] when the adapter cannot be built (e.g. its HTTP client).
    fn connect(&self, clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError>;
}

/// A built broker, as the server uses it.
#[derive(Debug)]
pub enum Connection {
    /// A market without a login whose orders are all paper-traded (the simulator): the server
    /// puts its live and analyzer accounts on paper engines over `market`.
    Paper(PaperMarket),
    /// A live broker behind a login session.
    Live(Arc<dyn LiveSession>),
}

/// The market data of a [`Connection::Paper`] broker.
pub struct PaperMarket {
    /// Quotes, depth, history and ticks.
    pub market: Arc<dyn Broker>,
    /// Its bundled instrument master.
    pub symbols: Arc<SymbolTable>,
    /// Whether MIS positions are squared off at the exchange cut-offs (false when the market
    /// never closes).
    pub mis_cutoffs: bool,
}

impl std::fmt::Debug for PaperMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperMarket")
            .field("market", &self.market.id())
            .field("instruments", &self.symbols.len())
            .field("mis_cutoffs", &self.mis_cutoffs)
            .finish()
    }
}

/// The configured broker: its registry entry and its typed settings.
#[derive(Debug, Clone)]
pub struct BrokerSettings {
    entry: &'static BrokerEntry,
    adapter: Arc<dyn AdapterSettings>,
}

impl BrokerSettings {
    /// Settings of `entry` built in code (tests); [`super::configure`] reads them instead.
    #[must_use]
    pub fn new(entry: &'static BrokerEntry, adapter: Arc<dyn AdapterSettings>) -> Self {
        Self { entry, adapter }
    }

    /// The registry entry.
    #[must_use]
    pub const fn entry(&self) -> &'static BrokerEntry {
        self.entry
    }

    /// Builds the adapter.
    ///
    /// # Errors
    /// As [`AdapterSettings::connect`].
    pub fn connect(&self, clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError> {
        self.adapter.connect(clock)
    }
}
