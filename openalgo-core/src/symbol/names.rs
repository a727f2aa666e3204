//! The two symbol newtypes: OpenAlgo's canonical [`Symbol`] and the broker's [`BrokerSymbol`].

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{SymbolError, SymbolParts};
use crate::Exchange;

/// Longest accepted OpenAlgo symbol, in bytes.
pub const MAX_SYMBOL_LEN: usize = 64;

/// An OpenAlgo symbol (`SBIN`, `NIFTY30JAN25FUT`, `NIFTY30JAN2521500CE`): upper-case letters,
/// digits and `& - _ .`, as the master contract writes them. Exact and case-sensitive.
/// Cloning is cheap (shared text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(Arc<str>);

impl Symbol {
    /// Validates the character set and length.
    ///
    /// # Errors
    /// [`SymbolError`] for empty, over-long or badly-charactered input.
    pub fn new(text: impl AsRef<str>) -> Result<Self, SymbolError> {
        let text = text.as_ref();
        check_charset(text)?;
        Ok(Self(text.into()))
    }

    /// Validates the symbol and, for the given exchange, its structure: on derivative exchanges
    /// it must be a future or an option (a plain perpetual is allowed on CRYPTO).
    ///
    /// # Errors
    /// [`SymbolError`] with the precise problem.
    pub fn for_exchange(text: impl AsRef<str>, exchange: Exchange) -> Result<Self, SymbolError> {
        let text = text.as_ref();
        SymbolParts::parse_for_exchange(text, exchange)?;
        Ok(Self(text.into()))
    }

    /// The symbol text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The symbol's structure (plain, future or option).
    ///
    /// # Errors
    /// [`SymbolError`] when a derivative-shaped symbol has an invalid date or strike.
    pub fn parts(&self) -> Result<SymbolParts<'_>, SymbolError> {
        SymbolParts::parse(&self.0)
    }
}

/// Checks emptiness, length and the allowed character set.
pub(crate) fn check_charset(text: &str) -> Result<(), SymbolError> {
    if text.is_empty() {
        return Err(SymbolError::Empty);
    }
    if text.len() > MAX_SYMBOL_LEN {
        return Err(SymbolError::TooLong {
            len: text.len(),
            max: MAX_SYMBOL_LEN,
        });
    }
    let bad = text.bytes().position(|b| {
        !(b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'&' | b'-' | b'_' | b'.'))
    });
    match bad {
        None => Ok(()),
        Some(position) => Err(SymbolError::InvalidCharacter {
            symbol: text.to_owned(),
            ch: text[position..].chars().next().unwrap_or('?'),
            position,
        }),
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Symbol {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Symbol {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Symbol {
    type Error = SymbolError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&str> for Symbol {
    type Error = SymbolError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Symbol> for String {
    fn from(value: Symbol) -> Self {
        value.0.as_ref().to_owned()
    }
}

/// A broker's own trading symbol (`SBIN-EQ`, `NSE:SBIN-EQ`, `NIFTY 26000 CE 30 DEC 25`). Any
/// non-empty text; it never crosses into OpenAlgo's vocabulary except through the master.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BrokerSymbol(Box<str>);

impl BrokerSymbol {
    /// Wraps a broker symbol.
    ///
    /// # Errors
    /// [`SymbolError::Empty`] for empty text.
    pub fn new(text: impl AsRef<str>) -> Result<Self, SymbolError> {
        let text = text.as_ref();
        if text.is_empty() {
            return Err(SymbolError::Empty);
        }
        Ok(Self(text.into()))
    }

    /// The broker's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BrokerSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BrokerSymbol {
    type Error = SymbolError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<BrokerSymbol> for String {
    fn from(value: BrokerSymbol) -> Self {
        value.0.into()
    }
}
