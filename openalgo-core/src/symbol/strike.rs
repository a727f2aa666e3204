//! Option strikes and their canonical text (`23500`, `292.5`).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{decimal_to_f64, serde_decimal};

/// A strictly positive strike price. Written without a fractional part when integral and with
/// the shortest exact fraction otherwise, as the reference writes `str(int(s))` / `str(s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Strike(Decimal);

impl Strike {
    /// Wraps a strike; `None` unless strictly positive.
    #[must_use]
    pub fn new(value: Decimal) -> Option<Self> {
        (value > Decimal::ZERO).then(|| Self(value.normalize()))
    }

    /// The exact value.
    #[must_use]
    pub const fn value(self) -> Decimal {
        self.0
    }

    /// Parses the canonical text form, rejecting anything that would not format back to
    /// exactly the same text (leading zeros, trailing fractional zeros, signs, exponents).
    ///
    /// # Errors
    /// A static reason describing the problem.
    pub fn parse_canonical(text: &str) -> Result<Self, &'static str> {
        let b = text.as_bytes();
        if b.is_empty() {
            return Err("strike is missing");
        }
        let (int_part, frac_part) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (text, None),
        };
        if int_part.is_empty() || !int_part.bytes().all(|c| c.is_ascii_digit()) {
            return Err("strike must start with digits");
        }
        if int_part.len() > 1 && int_part.starts_with('0') {
            return Err("strike has a leading zero");
        }
        if let Some(f) = frac_part {
            if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
                return Err("strike has a malformed fraction");
            }
            if f.ends_with('0') {
                return Err("strike has trailing fractional zeros");
            }
        }
        if int_part.len() + frac_part.map_or(0, str::len) > 20 {
            return Err("strike has too many digits");
        }
        let value = Decimal::from_str_exact(text).map_err(|_| "strike is out of range")?;
        Self::new(value).ok_or("strike must be greater than zero")
    }
}

impl fmt::Display for Strike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `normalize` removed trailing zeros, so the decimal's own text is canonical.
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Strike {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(decimal_to_f64(self.0))
    }
}

impl<'de> Deserialize<'de> for Strike {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let d = serde_decimal::deserialize(deserializer)?;
        Self::new(d).ok_or_else(|| serde::de::Error::custom("strike must be greater than zero"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn canonical_text() {
        assert_eq!(Strike::new(dec!(23500.0)).unwrap().to_string(), "23500");
        assert_eq!(Strike::new(dec!(292.50)).unwrap().to_string(), "292.5");
        assert_eq!(Strike::parse_canonical("83.5").unwrap().value(), dec!(83.5));
        assert_eq!(Strike::parse_canonical("0.25").unwrap().value(), dec!(0.25));
        assert_eq!(
            Strike::parse_canonical("292.50"),
            Err("strike has trailing fractional zeros")
        );
        assert_eq!(
            Strike::parse_canonical("0800"),
            Err("strike has a leading zero")
        );
        assert_eq!(
            Strike::parse_canonical("0"),
            Err("strike must be greater than zero")
        );
        assert_eq!(
            Strike::parse_canonical("12."),
            Err("strike has a malformed fraction")
        );
        assert_eq!(
            Strike::parse_canonical(".5"),
            Err("strike must start with digits")
        );
        assert!(Strike::new(dec!(-1)).is_none());
        assert_eq!(
            serde_json::to_string(&Strike::new(dec!(26000)).unwrap()).unwrap(),
            "26000.0"
        );
    }
}
