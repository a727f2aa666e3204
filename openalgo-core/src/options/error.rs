//! The errors of option pricing, implied volatility and option-symbol resolution.

use thiserror::Error;

/// Why a price, a Greek or an implied volatility could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum PricingError {
    /// An input is NaN or infinite.
    #[error("{name} must be a finite number, got {value}")]
    NotFinite {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// An input that must be strictly positive is zero or negative.
    #[error("{name} must be greater than zero, got {value}")]
    NotPositive {
        /// The input's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The option has no time left (time to expiry is zero or negative).
    #[error("the option has expired (time to expiry {years} years)")]
    Expired {
        /// The time to expiry given, in years.
        years: f64,
    },
    /// The option price is at or below the model's lower bound (the discounted intrinsic
    /// value), so no positive volatility reproduces it.
    #[error("option price {price} is at or below its intrinsic value {intrinsic}")]
    BelowIntrinsic {
        /// The option price given.
        price: f64,
        /// The model's lower bound for the price.
        intrinsic: f64,
    },
    /// The option price is at or above the model's upper bound (the discounted underlying for
    /// a call, the discounted strike for a put), so no finite volatility reproduces it.
    #[error("option price {price} is at or above its maximum {maximum}")]
    AboveMaximum {
        /// The option price given.
        price: f64,
        /// The model's upper bound for the price.
        maximum: f64,
    },
    /// The volatility that fits is beyond the solver's range ([`crate::options::MAX_VOLATILITY`]),
    /// or the solver did not settle.
    #[error("no implied volatility found for option price {price}")]
    NoConvergence {
        /// The option price given.
        price: f64,
    },
}

/// Why an option contract could not be resolved from the instrument master.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolveError {
    /// The offset text is not `ATM`, `ITM1`..`ITM50` or `OTM1`..`OTM50`.
    #[error("Offset must be ATM, ITM1-ITM50, or OTM1-OTM50")]
    InvalidOffset,
    /// The master lists no option strikes for this underlying and expiry.
    #[error(
        "No strikes found for {underlying} expiring {expiry}. Please check expiry date or update master contract."
    )]
    NoStrikes {
        /// The base underlying.
        underlying: String,
        /// The expiry (`DDMMMYY`).
        expiry: String,
    },
    /// The offset steps beyond either end of the listed strikes.
    #[error("Offset {offset} is out of range for available strikes. Please use a smaller offset.")]
    OffsetOutOfRange {
        /// The offset (`ITM3`, ...).
        offset: String,
    },
    /// The underlying's last price is not a positive number.
    #[error("underlying price must be greater than zero")]
    InvalidLtp,
    /// The arithmetic strike (`strike_int`) is not positive.
    #[error("strike interval must be at least 1")]
    InvalidStrikeInterval,
    /// The computed option symbol is not in the master.
    #[error(
        "Option symbol {symbol} not found in {exchange}. Symbol may not exist or master contract needs update."
    )]
    SymbolNotFound {
        /// The option symbol built.
        symbol: String,
        /// The option exchange.
        exchange: String,
    },
}
