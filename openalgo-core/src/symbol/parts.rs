//! Structure of an OpenAlgo symbol: plain (equity, index, perpetual), future or option.

use std::fmt;

use super::expiry::month_number;
use super::names::check_charset;
use super::{ExpiryDate, Strike, Symbol, SymbolError};
use crate::{Exchange, OptionType};

/// The parsed form of an OpenAlgo symbol, borrowing its underlying from the input.
///
/// `Display` writes the canonical symbol, so `parse(s)?.to_string() == s` for every valid `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolParts<'a> {
    /// An equity, index or perpetual: the symbol is the ticker itself.
    Plain(&'a str),
    /// `<BASE><DDMMMYY>FUT`.
    Future {
        /// The underlying root (`NIFTY`, `CRUDEOIL`).
        underlying: &'a str,
        /// Expiry date.
        expiry: ExpiryDate,
    },
    /// `<BASE><DDMMMYY><STRIKE>CE|PE`.
    Option {
        /// The underlying root.
        underlying: &'a str,
        /// Expiry date.
        expiry: ExpiryDate,
        /// Strike price.
        strike: Strike,
        /// Call or put.
        option_type: OptionType,
    },
}

impl<'a> SymbolParts<'a> {
    /// Parses the structure of a symbol without knowing its exchange.
    ///
    /// A symbol is a future when it ends in `<DD><MMM><YY>FUT` and an option when it ends in
    /// `<DD><MMM><YY><STRIKE>CE|PE` with a real month abbreviation; anything else is plain
    /// (`RELIANCE` ends in `CE` but has no expiry, so it is plain). A derivative-shaped symbol
    /// with an impossible date, a malformed strike or no underlying is an error.
    ///
    /// # Errors
    /// [`SymbolError`] with the precise problem.
    pub fn parse(text: &'a str) -> Result<Self, SymbolError> {
        check_charset(text)?;
        match parse_derivative(text)? {
            Some(parts) => Ok(parts),
            None => Ok(Self::Plain(text)),
        }
    }

    /// Parses a symbol given for a specific exchange. Cash and index venues take the symbol as
    /// a plain ticker; derivative venues require a future or an option (CRYPTO also accepts a
    /// plain perpetual).
    ///
    /// # Errors
    /// [`SymbolError`] with the precise problem, including
    /// [`SymbolError::NotADerivative`] for a plain symbol on a derivative venue.
    pub fn parse_for_exchange(text: &'a str, exchange: Exchange) -> Result<Self, SymbolError> {
        check_charset(text)?;
        if !exchange.is_derivative() {
            return Ok(Self::Plain(text));
        }
        match parse_derivative(text)? {
            Some(parts) => Ok(parts),
            None if exchange == Exchange::Crypto => Ok(Self::Plain(text)),
            None => Err(diagnose_not_derivative(text, exchange)),
        }
    }

    /// The underlying root for derivatives, the ticker for plain symbols.
    #[must_use]
    pub const fn underlying(&self) -> &'a str {
        match self {
            Self::Plain(t) => t,
            Self::Future { underlying, .. } | Self::Option { underlying, .. } => underlying,
        }
    }

    /// The expiry of a derivative.
    #[must_use]
    pub const fn expiry(&self) -> Option<ExpiryDate> {
        match self {
            Self::Plain(_) => None,
            Self::Future { expiry, .. } | Self::Option { expiry, .. } => Some(*expiry),
        }
    }

    /// The strike of an option.
    #[must_use]
    pub const fn strike(&self) -> Option<Strike> {
        match self {
            Self::Option { strike, .. } => Some(*strike),
            _ => None,
        }
    }

    /// The option type of an option.
    #[must_use]
    pub const fn option_type(&self) -> Option<OptionType> {
        match self {
            Self::Option { option_type, .. } => Some(*option_type),
            _ => None,
        }
    }

    /// The canonical symbol these parts spell.
    ///
    /// # Errors
    /// [`SymbolError`] when the underlying itself is not valid symbol text.
    pub fn to_symbol(&self) -> Result<Symbol, SymbolError> {
        Symbol::new(self.to_string())
    }
}

impl fmt::Display for SymbolParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain(t) => f.write_str(t),
            Self::Future { underlying, expiry } => {
                f.write_str(underlying)?;
                expiry.write_compact(f)?;
                f.write_str("FUT")
            }
            Self::Option {
                underlying,
                expiry,
                strike,
                option_type,
            } => {
                f.write_str(underlying)?;
                expiry.write_compact(f)?;
                write!(f, "{strike}{option_type}")
            }
        }
    }
}

/// Tries the future and option shapes. `Ok(None)` means "not derivative-shaped".
fn parse_derivative(text: &str) -> Result<Option<SymbolParts<'_>>, SymbolError> {
    let b = text.as_bytes();
    if let Some(body) = text.strip_suffix("FUT")
        && body.len() >= 7
        && is_date_shape(&body.as_bytes()[body.len() - 7..])
    {
        let (underlying, date) = body.split_at(body.len() - 7);
        if month_number(&date[2..5]).is_some() {
            let expiry = expiry_of(text, date)?;
            let underlying = non_empty_underlying(text, underlying)?;
            return Ok(Some(SymbolParts::Future { underlying, expiry }));
        }
    }
    let option_type = match b.get(b.len().saturating_sub(2)..) {
        Some(b"CE") => OptionType::Call,
        Some(b"PE") => OptionType::Put,
        _ => return Ok(None),
    };
    let body = &text[..text.len() - 2];
    // The month is the last run of letters: after it come only the year digits and the strike.
    let Some(month_end) = body
        .bytes()
        .rposition(|c| !(c.is_ascii_digit() || c == b'.'))
    else {
        return Ok(None);
    };
    if month_end < 4 {
        return Ok(None);
    }
    let date_start = month_end - 4;
    let tail = &body[month_end + 1..];
    if !is_date_shape(&body.as_bytes()[date_start..(month_end + 3).min(body.len())])
        || tail.len() < 2
        || month_number(&body[date_start + 2..=month_end]).is_none()
    {
        return Ok(None);
    }
    let date = &body[date_start..month_end + 3];
    let strike_text = &body[month_end + 3..];
    let expiry = expiry_of(text, date)?;
    let strike =
        Strike::parse_canonical(strike_text).map_err(|reason| SymbolError::InvalidStrike {
            symbol: text.to_owned(),
            strike: strike_text.to_owned(),
            reason,
        })?;
    let underlying = non_empty_underlying(text, &body[..date_start])?;
    Ok(Some(SymbolParts::Option {
        underlying,
        expiry,
        strike,
        option_type,
    }))
}

/// `DD MMM YY` shape: two digits, three upper-case letters, two digits.
fn is_date_shape(b: &[u8]) -> bool {
    b.len() == 7
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2..5].iter().all(u8::is_ascii_uppercase)
        && b[5..].iter().all(u8::is_ascii_digit)
}

fn expiry_of(symbol: &str, date: &str) -> Result<ExpiryDate, SymbolError> {
    ExpiryDate::parse_compact(date).map_err(|reason| SymbolError::InvalidExpiry {
        symbol: symbol.to_owned(),
        expiry: date.to_owned(),
        reason,
    })
}

fn non_empty_underlying<'a>(symbol: &str, underlying: &'a str) -> Result<&'a str, SymbolError> {
    if underlying.is_empty() {
        Err(SymbolError::MissingUnderlying {
            symbol: symbol.to_owned(),
        })
    } else {
        Ok(underlying)
    }
}

/// Explains why a symbol on a derivative venue did not parse as a future or an option.
fn diagnose_not_derivative(text: &str, exchange: Exchange) -> SymbolError {
    let expiry_problem = |date: &str| SymbolError::InvalidExpiry {
        symbol: text.to_owned(),
        expiry: date.to_owned(),
        reason: ExpiryDate::parse_compact(date)
            .err()
            .unwrap_or_else(|| "not a DDMMMYY date".to_owned()),
    };
    if let Some(body) = text.strip_suffix("FUT") {
        let date = &body[body.len().saturating_sub(7)..];
        return expiry_problem(date);
    }
    if text.ends_with("CE") || text.ends_with("PE") {
        let body = &text[..text.len() - 2];
        if let Some(month_end) = body
            .bytes()
            .rposition(|c| !(c.is_ascii_digit() || c == b'.'))
        {
            let start = month_end.saturating_sub(4);
            let end = (month_end + 3).min(body.len());
            return expiry_problem(&body[start..end]);
        }
    }
    SymbolError::NotADerivative {
        symbol: text.to_owned(),
        exchange,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn expiry(y: i32, m: u32, d: u32) -> ExpiryDate {
        ExpiryDate::from_ymd(y, m, d).unwrap()
    }

    #[rstest]
    #[case("SBIN")]
    #[case("RELIANCE")]
    #[case("M&M")]
    #[case("BAJAJ-AUTO")]
    #[case("NIFTYNXT50")]
    #[case("BTCUSD.P")]
    #[case("3MINDIA")]
    fn plain_symbols(#[case] s: &str) {
        assert_eq!(SymbolParts::parse(s), Ok(SymbolParts::Plain(s)));
    }

    #[rstest]
    #[case("NIFTY30JAN25FUT", "NIFTY", (2025, 1, 30))]
    #[case("BANKNIFTY27FEB25FUT", "BANKNIFTY", (2025, 2, 27))]
    #[case("USDINR27JAN25FUT", "USDINR", (2025, 1, 27))]
    #[case("CRUDEOIL19FEB25FUT", "CRUDEOIL", (2025, 2, 19))]
    #[case("BAJAJ-AUTO30JAN25FUT", "BAJAJ-AUTO", (2025, 1, 30))]
    fn futures(#[case] s: &str, #[case] base: &str, #[case] ymd: (i32, u32, u32)) {
        let p = SymbolParts::parse(s).unwrap();
        assert_eq!(
            p,
            SymbolParts::Future {
                underlying: base,
                expiry: expiry(ymd.0, ymd.1, ymd.2)
            }
        );
        assert_eq!(p.to_string(), s);
    }

    #[rstest]
    #[case("NIFTY30JAN2521500CE", "NIFTY", dec!(21500), OptionType::Call)]
    #[case("SBIN27FEB25800CE", "SBIN", dec!(800), OptionType::Call)]
    #[case("VEDL24APR25292.5CE", "VEDL", dec!(292.5), OptionType::Call)]
    #[case("USDINR27JAN2583.5PE", "USDINR", dec!(83.5), OptionType::Put)]
    #[case("GOLD05FEB2562000PE", "GOLD", dec!(62000), OptionType::Put)]
    #[case("BTC28FEB2580000CE", "BTC", dec!(80000), OptionType::Call)]
    #[case("NIFTYNXT5030JAN2570000PE", "NIFTYNXT50", dec!(70000), OptionType::Put)]
    fn options(
        #[case] s: &str,
        #[case] base: &str,
        #[case] strike: Decimal,
        #[case] ot: OptionType,
    ) {
        let p = SymbolParts::parse(s).unwrap();
        assert_eq!(p.underlying(), base);
        assert_eq!(p.strike().unwrap().value(), strike);
        assert_eq!(p.option_type(), Some(ot));
        assert_eq!(p.to_string(), s);
    }

    #[rstest]
    #[case("", "symbol is empty")]
    #[case(
        "sbin",
        "symbol 'sbin' has an invalid character 's' at position 0; allowed are A-Z, 0-9, '&', '-', '_' and '.'"
    )]
    #[case(
        "NIFTY 50",
        "symbol 'NIFTY 50' has an invalid character ' ' at position 5; allowed are A-Z, 0-9, '&', '-', '_' and '.'"
    )]
    #[case(
        "NIFTY30FEB25FUT",
        "symbol 'NIFTY30FEB25FUT' has an invalid expiry '30FEB25': day 30 does not exist in FEB 2025"
    )]
    #[case(
        "30JAN25FUT",
        "symbol '30JAN25FUT' has no underlying before its expiry"
    )]
    #[case(
        "NIFTY30JAN25021500CE",
        "symbol 'NIFTY30JAN25021500CE' has an invalid strike '021500': strike has a leading zero"
    )]
    #[case(
        "VEDL24APR25292.50CE",
        "symbol 'VEDL24APR25292.50CE' has an invalid strike '292.50': strike has trailing fractional zeros"
    )]
    #[case(
        "NIFTY31JUN2521500PE",
        "symbol 'NIFTY31JUN2521500PE' has an invalid expiry '31JUN25': day 31 does not exist in JUN 2025"
    )]
    fn malformed_symbols_give_precise_errors(#[case] s: &str, #[case] message: &str) {
        assert_eq!(SymbolParts::parse(s).unwrap_err().to_string(), message);
    }

    #[rstest]
    #[case(
        "NIFTY",
        Exchange::Nfo,
        "symbol 'NIFTY' on NFO is neither a future (<BASE><DDMMMYY>FUT) nor an option (<BASE><DDMMMYY><STRIKE>CE|PE)"
    )]
    #[case(
        "NIFTY30Jan25FUT",
        Exchange::Nfo,
        "symbol 'NIFTY30Jan25FUT' has an invalid character 'a' at position 8; allowed are A-Z, 0-9, '&', '-', '_' and '.'"
    )]
    #[case(
        "NIFTY3JAN25FUT",
        Exchange::Nfo,
        "symbol 'NIFTY3JAN25FUT' has an invalid expiry 'Y3JAN25': day 'Y3' is not two digits"
    )]
    #[case(
        "NIFTY30XYZ2521500CE",
        Exchange::Nfo,
        "symbol 'NIFTY30XYZ2521500CE' has an invalid expiry '30XYZ25': month 'XYZ' is not one of JAN..DEC (upper-case)"
    )]
    fn derivative_venues_require_derivatives(
        #[case] s: &str,
        #[case] ex: Exchange,
        #[case] message: &str,
    ) {
        assert_eq!(
            SymbolParts::parse_for_exchange(s, ex)
                .unwrap_err()
                .to_string(),
            message
        );
    }

    #[test]
    fn exchange_aware_parsing() {
        assert_eq!(
            SymbolParts::parse_for_exchange("RELIANCE", Exchange::Nse),
            Ok(SymbolParts::Plain("RELIANCE"))
        );
        assert_eq!(
            SymbolParts::parse_for_exchange("BTCUSDT", Exchange::Crypto),
            Ok(SymbolParts::Plain("BTCUSDT"))
        );
        // On a cash venue even a derivative-shaped ticker is taken literally.
        assert_eq!(
            SymbolParts::parse_for_exchange("NIFTY", Exchange::NseIndex),
            Ok(SymbolParts::Plain("NIFTY"))
        );
        assert!(SymbolParts::parse_for_exchange("NIFTY30JAN25FUT", Exchange::Nfo).is_ok());
        assert!(Symbol::for_exchange("SBIN", Exchange::Nfo).is_err());
    }

    fn underlying_strategy() -> impl Strategy<Value = String> {
        // Roots as they occur: letters with optional digits, '&' or '-' inside.
        "[A-Z][A-Z0-9&-]{0,14}[A-Z]"
    }

    fn expiry_strategy() -> impl Strategy<Value = ExpiryDate> {
        (2000i32..2100, 1u32..=12, 1u32..=31)
            .prop_filter_map("real date", |(y, m, d)| ExpiryDate::from_ymd(y, m, d))
    }

    fn strike_strategy() -> impl Strategy<Value = Strike> {
        (1u64..10_000_000, 0u32..4).prop_map(|(units, scale)| {
            Strike::new(Decimal::new(i64::try_from(units).unwrap(), scale)).unwrap()
        })
    }

    proptest! {
        #[test]
        fn future_round_trip(base in underlying_strategy(), expiry in expiry_strategy()) {
            let parts = SymbolParts::Future { underlying: &base, expiry };
            let text = parts.to_string();
            let parsed = SymbolParts::parse(&text).unwrap();
            prop_assert_eq!(parsed, parts);
            prop_assert_eq!(parsed.to_string(), text.clone());
            prop_assert_eq!(SymbolParts::parse_for_exchange(&text, Exchange::Nfo).unwrap(), parts);
        }

        #[test]
        fn option_round_trip(
            base in underlying_strategy(),
            expiry in expiry_strategy(),
            strike in strike_strategy(),
            call in any::<bool>(),
        ) {
            let option_type = if call { OptionType::Call } else { OptionType::Put };
            let parts = SymbolParts::Option { underlying: &base, expiry, strike, option_type };
            let text = parts.to_string();
            let parsed = SymbolParts::parse(&text).unwrap();
            prop_assert_eq!(parsed, parts);
            prop_assert_eq!(parsed.to_string(), text);
        }

        #[test]
        fn any_valid_text_round_trips(text in "[A-Z0-9&._-]{1,30}") {
            if let Ok(parts) = SymbolParts::parse(&text) {
                prop_assert_eq!(parts.to_string(), text);
            }
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = SymbolParts::parse(&text);
            let _ = SymbolParts::parse_for_exchange(&text, Exchange::Nfo);
        }

        #[test]
        fn derivative_shaped_garbage_is_an_error_not_plain(
            base in underlying_strategy(),
            day in 32u32..100,
            year in 0u32..100,
        ) {
            let text = format!("{base}{day:02}JAN{year:02}FUT");
            let is_expiry_error = matches!(SymbolParts::parse(&text), Err(SymbolError::InvalidExpiry { .. }));
            prop_assert!(is_expiry_error);
        }
    }
}
