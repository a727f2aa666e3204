//! The simulator's registry entry: no login, the bundled master, every order paper-traded.
//! Reads `OPENALGO_SIMULATOR_SEED` (default 42) and `OPENALGO_SIMULATOR_TICK_MS` (1–60000,
//! default 1000; load tests use less).

use std::sync::Arc;
use std::time::Duration;

use openalgo_core::BrokerError;
use openalgo_core::clock::Clock;

use super::{SimConfig, SimMarket, SimulatorMarket};
use crate::registry::entry::optional;
use crate::registry::{
    AdapterSettings, BrokerEntry, ConfigError, Connection, Features, LoginKind, Lookup,
    MasterSource, PaperMarket,
};

/// The simulator in the registry.
pub static ENTRY: BrokerEntry = BrokerEntry {
    name: "simulator",
    display_name: "Simulator",
    login: LoginKind::None,
    features: Features {
        live_trading: false,
        market_stream: true,
        history: true,
        gtt: true,
    },
    master: MasterSource::Bundled,
    variables: &["OPENALGO_SIMULATOR_SEED", "OPENALGO_SIMULATOR_TICK_MS"],
    configure,
};

/// The simulated market's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulatorSettings {
    /// Seed of every price path.
    pub seed: u64,
    /// How often a tick is streamed per subscription.
    pub tick: Duration,
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        Self {
            seed: 42,
            tick: Duration::from_secs(1),
        }
    }
}

fn configure(lookup: &Lookup<'_>) -> Result<Arc<dyn AdapterSettings>, ConfigError> {
    let invalid = |name: &str, value: String, expected: &str| ConfigError::Invalid {
        name: name.to_owned(),
        value,
        expected: expected.to_owned(),
    };
    let mut settings = SimulatorSettings::default();
    if let Some(s) = optional(lookup, "OPENALGO_SIMULATOR_SEED") {
        settings.seed = s
            .parse()
            .map_err(|_| invalid("OPENALGO_SIMULATOR_SEED", s, "is not a whole number"))?;
    }
    if let Some(s) = optional(lookup, "OPENALGO_SIMULATOR_TICK_MS") {
        settings.tick = s
            .parse::<u64>()
            .ok()
            .filter(|ms| (1..=60_000).contains(ms))
            .map(Duration::from_millis)
            .ok_or_else(|| invalid("OPENALGO_SIMULATOR_TICK_MS", s, "is not 1–60000"))?;
    }
    Ok(Arc::new(settings))
}

impl AdapterSettings for SimulatorSettings {
    fn connect(&self, clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError> {
        let market = Arc::new(SimMarket::new(SimConfig {
            seed: self.seed,
            ..SimConfig::new(clock.now_ist().date())
        }));
        let symbols = market.symbols();
        // Around the clock there is no MIS cut-off (the market never closes).
        let mis_cutoffs = market.config().follow_exchange_hours;
        Ok(Connection::Paper(PaperMarket {
            market: Arc::new(SimulatorMarket::new(market, Arc::clone(clock), self.tick)),
            symbols,
            mis_cutoffs,
        }))
    }
}
