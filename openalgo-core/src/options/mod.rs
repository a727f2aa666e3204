//! Option analytics: Black-76 and Black–Scholes–Merton prices and Greeks, implied volatility,
//! time to expiry, and option-symbol resolution over the instrument master.
//!
//! The maths is in `f64`; inputs and outputs that the REST API carries are exact decimals at
//! the edges ([`report`], [`ladder`]). Nothing here panics on any input: NaN, infinities and
//! non-positive values come back as [`PricingError`].
//!
//! - [`model`]: the contract, the two models, prices, bounds and Greeks in the reference's
//!   units (theta per day, vega and rho per 1 %).
//! - [`implied`]: implied volatility (safeguarded Newton with bisection).
//! - [`time`]: expiry cut-offs per exchange and the time to expiry.
//! - [`report`]: `optiongreeks` from exact prices, rounded as the reference rounds.
//! - [`offset`]: `ATM` / `ITMn` / `OTMn`.
//! - [`ladder`]: strike ladders, option-symbol resolution, option chains, synthetic futures.
//! - [`underlying`]: which instrument an underlying's price is read from.

pub mod error;
pub mod implied;
pub mod ladder;
pub mod model;
mod normal;
pub mod offset;
pub mod report;
pub mod time;
pub mod underlying;

pub use error::{PricingError, ResolveError};
pub use implied::MAX_VOLATILITY;
pub use ladder::{
    ChainRow, OptionChain, OptionQuery, ResolvedOption, StrikeLadders, atm_index, option_chain,
    resolve, split_underlying, synthetic_future,
};
pub use model::{Contract, Greeks, Model, PriceBounds};
pub use offset::Offset;
pub use report::{GreeksReport, GreeksRequest, black76_greeks, round_like_reference};
pub use time::{TimeToExpiry, expiry_cutoff, parse_expiry_time, time_to_expiry};

#[cfg(test)]
mod tests;
