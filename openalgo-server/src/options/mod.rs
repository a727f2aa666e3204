//! The option service under the option endpoints and the option-chain page: the underlying's
//! price through the broker, contracts through the instrument master's strike ladders
//! (`openalgo_core::options`), chains with quotes and Greeks, synthetic futures. The maths and
//! the resolution are core's; this module fetches prices and maps failures to the reference's
//! statuses and messages.

mod chain;
mod greeks;
mod ladders;
mod resolve;

use std::sync::Arc;

use chrono::NaiveDateTime;
use openalgo_core::options::StrikeLadders;
use openalgo_core::{Broker, SymbolTable};

pub use chain::{ChainLeg, ChainRequest, ChainView, RowView};
pub use greeks::{GreeksInput, GreeksView, greeks_of};
pub use ladders::LadderCache;
pub use resolve::{Located, SymbolQuery, Target};

/// What an option computation reads: the market-data broker, the master with its strike
/// ladders, and the time (IST wall clock).
#[derive(Clone)]
pub struct OptionMarket {
    /// Quotes come from here (the configured broker, in both modes, as in the reference).
    pub broker: Arc<dyn Broker>,
    /// The instrument master.
    pub symbols: Arc<SymbolTable>,
    /// Its strike ladders.
    pub ladders: Arc<StrikeLadders>,
    /// Now, IST wall clock.
    pub now_ist: NaiveDateTime,
}

impl std::fmt::Debug for OptionMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptionMarket")
            .field("now_ist", &self.now_ist)
            .finish_non_exhaustive()
    }
}
