//! Exact numbers: prices and money as `rust_decimal`, quantities as integers.
//!
//! OpenAlgo clients send numbers both as JSON numbers and as strings (`"quantity": "1"`), so the
//! serde implementations here accept both and always write one canonical form (JSON numbers).
//! JSON floats are read through their shortest decimal text, never through binary arithmetic.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Money amounts (funds, margin, P&L) are plain exact decimals.
pub type Money = Decimal;

/// A number that could not be read as an exact decimal.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberError {
    /// The text is not a finite number in Python `float()` syntax.
    #[error("'{0}' is not a valid number")]
    NotANumber(String),
    /// NaN or infinity.
    #[error("special numeric values (nan or infinity) are not permitted")]
    NotFinite,
    /// The value does not fit the 96-bit decimal range.
    #[error("'{0}' is out of range")]
    OutOfRange(String),
    /// A quantity that is negative or not a whole number.
    #[error("'{0}' is not a valid non-negative integer quantity")]
    NotAQuantity(String),
}

/// Parses a decimal from text the way Python's `float()` accepts it: surrounding whitespace,
/// an optional sign, digits with an optional point, and an optional exponent (`"1e2"` → 100).
/// NaN and infinities are rejected.
///
/// # Errors
/// [`NumberError`] when the text is not a finite number or overflows.
pub fn parse_decimal(text: &str) -> Result<Decimal, NumberError> {
    let t = text.trim();
    let lower = t.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if matches!(lower.as_str(), "nan" | "inf" | "infinity") {
        return Err(NumberError::NotFinite);
    }
    let valid_shape = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !valid_shape {
        return Err(NumberError::NotANumber(text.to_owned()));
    }
    let parsed = if let Some((_, exponent)) = t.split_once(['e', 'E']) {
        // One optional sign, then digits (Python's float grammar; `1e-+2` is not a number).
        let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::NotANumber(text.to_owned()));
        }
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t.strip_prefix('+').unwrap_or(t))
    };
    parsed
        .map(|d| d.normalize())
        .map_err(|_| NumberError::NotANumber(text.to_owned()))
}

/// Converts a JSON float to a decimal through its shortest round-trip text, so `812.35` stays
/// exactly `812.35`.
///
/// # Errors
/// [`NumberError`] for NaN, infinities and out-of-range values.
pub fn decimal_from_f64(value: f64) -> Result<Decimal, NumberError> {
    if !value.is_finite() {
        return Err(NumberError::NotFinite);
    }
    let text = value.to_string();
    Decimal::from_str_exact(&text)
        .map(|d| d.normalize())
        .map_err(|_| NumberError::OutOfRange(text))
}

/// The JSON float written on the wire for an exact decimal (OpenAlgo's wire uses floats).
/// The result is the double nearest to the decimal, so its shortest text is the decimal itself
/// whenever the decimal has at most 15 significant digits.
#[must_use]
pub fn decimal_to_f64(value: Decimal) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let mantissa = value.mantissa();
    let scale = value.scale() as usize;
    if mantissa.unsigned_abs() < (1u128 << 53) && scale < POW10.len() {
        // Both operands are exact doubles, so one IEEE division is correctly rounded.
        #[allow(clippy::cast_precision_loss)]
        let m = mantissa as f64;
        m / POW10[scale]
    } else {
        value.to_string().parse().unwrap_or(0.0)
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        decimal_from_f64(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }
}

/// Serde helpers for a bare [`Decimal`] field with OpenAlgo's lenient input and float output.
pub mod serde_decimal {
    use super::{Decimal, DecimalVisitor, Deserializer, Serializer, decimal_to_f64};

    /// Writes the decimal as a JSON number.
    ///
    /// # Errors
    /// Only the serializer's own errors.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(decimal_to_f64(*value))
    }

    /// Reads a JSON number or numeric string.
    ///
    /// # Errors
    /// When the value is not a finite number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// A price in rupees (or the instrument's quote currency), exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(Decimal);

impl Price {
    /// Zero.
    pub const ZERO: Self = Self(Decimal::ZERO);

    /// Wraps an exact decimal.
    #[must_use]
    pub fn new(value: Decimal) -> Self {
        Self(value.normalize())
    }

    /// A price from an integer number of hundredths (paise): `from_paise(81235)` is 812.35.
    #[must_use]
    pub fn from_paise(paise: i64) -> Self {
        Self::new(Decimal::new(paise, 2))
    }

    /// The exact value.
    #[must_use]
    pub const fn value(self) -> Decimal {
        self.0
    }

    /// True when strictly positive.
    #[must_use]
    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }

    /// True when zero.
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Price times quantity: the notional value of `quantity` units.
    #[must_use]
    pub fn notional(self, quantity: u64) -> Money {
        self.0 * Decimal::from(quantity)
    }

    /// True when the price is a whole multiple of `tick` (a zero tick accepts every price).
    #[must_use]
    pub fn is_multiple_of(self, tick: Self) -> bool {
        tick.is_zero() || (self.0 % tick.0).is_zero()
    }

    /// Rounds to the nearest multiple of `tick` (half away from zero). A zero tick is a no-op.
    #[must_use]
    pub fn round_to_tick(self, tick: Self) -> Self {
        if tick.is_zero() {
            return self;
        }
        let steps = (self.0 / tick.0)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        Self::new(steps * tick.0)
    }

    /// The wire float for this price.
    #[must_use]
    pub fn to_f64(self) -> f64 {
        decimal_to_f64(self.0)
    }
}

impl From<Decimal> for Price {
    fn from(value: Decimal) -> Self {
        Self::new(value)
    }
}

impl FromStr for Price {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s).map(Self::new)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_decimal::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_decimal::deserialize(deserializer).map(Self::new)
    }
}

/// An order or trade quantity in units (shares, contracts × lot). Always a whole number.
///
/// Net positions, which can be short, are plain `i64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u64);

impl Quantity {
    /// Zero units.
    pub const ZERO: Self = Self(0);

    /// Wraps a unit count.
    #[must_use]
    pub const fn new(units: u64) -> Self {
        Self(units)
    }

    /// The unit count.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// True when zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The quantity as a signed position delta for `action`.
    #[must_use]
    pub fn signed(self, action: crate::Action) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX) * action.sign()
    }
}

impl From<u64> for Quantity {
    fn from(units: u64) -> Self {
        Self(units)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Quantity {
    type Err = NumberError;

    /// Accepts integer text (surrounding whitespace allowed) and integral decimals such as
    /// `"10"`, `"10.0"` or `"1e2"`; rejects negatives and fractions.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = parse_decimal(s)?;
        quantity_from_decimal(d).ok_or_else(|| NumberError::NotAQuantity(s.to_owned()))
    }
}

fn quantity_from_decimal(d: Decimal) -> Option<Quantity> {
    if d.is_sign_negative() && !d.is_zero() || !d.fract().is_zero() {
        return None;
    }
    u64::try_from(d.trunc().mantissa() / 10i128.pow(d.trunc().scale()))
        .ok()
        .map(Quantity)
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let d = deserializer.deserialize_any(DecimalVisitor)?;
        quantity_from_decimal(d)
            .ok_or_else(|| de::Error::custom(NumberError::NotAQuantity(d.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_python_float_syntax() {
        assert_eq!(parse_decimal("812.35"), Ok(dec!(812.35)));
        assert_eq!(parse_decimal(" 5 "), Ok(dec!(5)));
        assert_eq!(parse_decimal("1e2"), Ok(dec!(100)));
        assert_eq!(parse_decimal("-0.5"), Ok(dec!(-0.5)));
        assert_eq!(parse_decimal("+3"), Ok(dec!(3)));
        assert_eq!(parse_decimal("nan"), Err(NumberError::NotFinite));
        assert_eq!(parse_decimal("-Infinity"), Err(NumberError::NotFinite));
        assert!(parse_decimal("0x10").is_err());
        assert!(parse_decimal("").is_err());
        assert!(parse_decimal("1.2.3").is_err());
        assert!(parse_decimal("abc").is_err());
        // The exponent is one optional sign and digits.
        assert_eq!(parse_decimal("1E-2"), Ok(dec!(0.01)));
        assert!(parse_decimal("0e-+0").is_err());
        assert!(parse_decimal("1e").is_err());
        assert!(parse_decimal("1e2e3").is_err());
    }

    #[test]
    fn price_serde_accepts_numbers_and_strings() {
        let p: Price = serde_json::from_str("812.35").unwrap();
        assert_eq!(p.value(), dec!(812.35));
        let p: Price = serde_json::from_str("\"812.35\"").unwrap();
        assert_eq!(p.value(), dec!(812.35));
        let p: Price = serde_json::from_str("0").unwrap();
        assert!(p.is_zero());
        assert_eq!(
            serde_json::to_string(&Price::from_paise(81235)).unwrap(),
            "812.35"
        );
        assert_eq!(
            serde_json::to_string(&Price::new(dec!(100))).unwrap(),
            "100.0"
        );
        assert!(serde_json::from_str::<Price>("true").is_err());
        assert!(serde_json::from_str::<Price>("\"NaN\"").is_err());
    }

    #[test]
    fn quantity_serde() {
        let q: Quantity = serde_json::from_str("\"75\"").unwrap();
        assert_eq!(q.get(), 75);
        let q: Quantity = serde_json::from_str("75").unwrap();
        assert_eq!(q.get(), 75);
        assert!(serde_json::from_str::<Quantity>("\"1.5\"").is_err());
        assert!(serde_json::from_str::<Quantity>("-1").is_err());
        assert_eq!("10.0".parse::<Quantity>(), Ok(Quantity::new(10)));
        assert_eq!(serde_json::to_string(&Quantity::new(5)).unwrap(), "5");
        assert_eq!(Quantity::new(5).signed(crate::Action::Sell), -5);
    }

    #[test]
    fn tick_rounding() {
        let tick = Price::new(dec!(0.05));
        assert!(Price::new(dec!(812.35)).is_multiple_of(tick));
        assert!(!Price::new(dec!(812.33)).is_multiple_of(tick));
        assert_eq!(
            Price::new(dec!(812.33)).round_to_tick(tick),
            Price::new(dec!(812.35))
        );
        assert_eq!(
            Price::new(dec!(812.32)).round_to_tick(tick),
            Price::new(dec!(812.30))
        );
        assert_eq!(
            Price::new(dec!(812.325)).round_to_tick(tick),
            Price::new(dec!(812.35))
        );
        assert!(Price::new(dec!(1.23)).is_multiple_of(Price::ZERO));
    }

    proptest! {
        #[test]
        fn f64_wire_round_trip_is_exact_for_paise(paise in -10_000_000_000i64..10_000_000_000i64) {
            let price = Price::from_paise(paise);
            let json = serde_json::to_string(&price).unwrap();
            let back: Price = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, price);
        }

        #[test]
        fn string_and_number_inputs_agree(units in 0u64..1_000_000, frac in 0u32..100) {
            let text = format!("{units}.{frac:02}");
            let from_str: Price = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            let from_num: Price = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(from_str, from_num);
        }
    }
}
