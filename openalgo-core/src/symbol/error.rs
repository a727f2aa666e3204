//! Why a symbol string is not a valid OpenAlgo symbol.

use thiserror::Error;

use crate::Exchange;

/// A precise description of what is wrong with a symbol.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SymbolError {
    /// Empty input.
    #[error("symbol is empty")]
    Empty,
    /// Longer than [`super::MAX_SYMBOL_LEN`].
    #[error("symbol is {len} characters long; the maximum is {max}")]
    TooLong {
        /// Actual length in bytes.
        len: usize,
        /// Maximum length.
        max: usize,
    },
    /// A character outside `A-Z 0-9 & - _ .`.
    #[error(
        "symbol '{symbol}' has an invalid character {ch:?} at position {position}; allowed are A-Z, 0-9, '&', '-', '_' and '.'"
    )]
    InvalidCharacter {
        /// The symbol.
        symbol: String,
        /// The offending character.
        ch: char,
        /// Its byte position.
        position: usize,
    },
    /// A derivative symbol without the underlying before its expiry.
    #[error("symbol '{symbol}' has no underlying before its expiry")]
    MissingUnderlying {
        /// The symbol.
        symbol: String,
    },
    /// An expiry that is not a real `DDMMMYY` date.
    #[error("symbol '{symbol}' has an invalid expiry '{expiry}': {reason}")]
    InvalidExpiry {
        /// The symbol.
        symbol: String,
        /// The expiry text.
        expiry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A strike that is missing, zero or not written canonically (`292.5`, not `292.50`).
    #[error("symbol '{symbol}' has an invalid strike '{strike}': {reason}")]
    InvalidStrike {
        /// The symbol.
        symbol: String,
        /// The strike text.
        strike: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A symbol on a derivative exchange that is neither a future nor an option.
    #[error(
        "symbol '{symbol}' on {exchange} is neither a future (<BASE><DDMMMYY>FUT) nor an option (<BASE><DDMMMYY><STRIKE>CE|PE)"
    )]
    NotADerivative {
        /// The symbol.
        symbol: String,
        /// The exchange it was given for.
        exchange: Exchange,
    },
}
