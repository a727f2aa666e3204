//! One row of the master contract (`symtoken`), with OpenAlgo's wire field names.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money::{decimal_to_f64, serde_decimal};
use crate::symbol::{BrokerSymbol, ExpiryDate, Strike, Symbol, SymbolParts};
use crate::{Exchange, InstrumentToken, InstrumentType, Price};

/// An instrument as the master contract lists it.
///
/// Serialises to the reference's symbol row: `symbol, brsymbol, name, exchange, brexchange,
/// token, expiry ("DD-MMM-YY" or ""), strike (0 when not an option), lotsize, instrumenttype,
/// tick_size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// OpenAlgo symbol.
    pub symbol: Symbol,
    /// The broker's trading symbol.
    #[serde(rename = "brsymbol")]
    pub broker_symbol: BrokerSymbol,
    /// Company or underlying name.
    pub name: String,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// The broker's exchange or segment code.
    #[serde(rename = "brexchange")]
    pub broker_exchange: String,
    /// The broker's instrument token.
    pub token: InstrumentToken,
    /// Expiry of a derivative.
    #[serde(with = "optional_expiry")]
    pub expiry: Option<ExpiryDate>,
    /// Strike of an option.
    #[serde(with = "optional_strike")]
    pub strike: Option<Strike>,
    /// Units per lot (1 for equities).
    #[serde(rename = "lotsize")]
    pub lot_size: u32,
    /// Instrument type.
    #[serde(rename = "instrumenttype")]
    pub instrument_type: InstrumentType,
    /// Minimum price increment.
    pub tick_size: Price,
}

impl Instrument {
    /// The structure of this instrument's symbol, read for its exchange.
    ///
    /// # Errors
    /// [`crate::SymbolError`] if the record's symbol does not fit its exchange.
    pub fn parts(&self) -> Result<SymbolParts<'_>, crate::SymbolError> {
        SymbolParts::parse_for_exchange(self.symbol.as_str(), self.exchange)
    }
}

mod optional_expiry {
    use super::{Deserialize, Deserializer, ExpiryDate, Serializer};

    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(
        value: &Option<ExpiryDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(e) => serializer.serialize_str(&e.dashed()),
            None => serializer.serialize_str(""),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<ExpiryDate>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        match text.as_deref() {
            None | Some("" | "-1") => Ok(None),
            Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

mod optional_strike {
    use super::{Decimal, Deserializer, Serializer, Strike, decimal_to_f64, serde_decimal};

    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(
        value: &Option<Strike>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.map_or(0.0, |s| decimal_to_f64(s.value())))
    }

    /// Zero and the brokers' negative placeholders (`-1`, `-0.01`) mean "no strike".
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Strike>, D::Error> {
        let d: Decimal = serde_decimal::deserialize(deserializer)?;
        Ok(Strike::new(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn wire_row_round_trip() {
        let row = serde_json::json!({
            "symbol": "NIFTY30DEC2526000CE", "brsymbol": "NIFTY25DEC26000CE", "name": "NIFTY",
            "exchange": "NFO", "brexchange": "NFO", "token": "408065::::1594",
            "expiry": "30-DEC-25", "strike": 26000.0, "lotsize": 75, "instrumenttype": "CE",
            "tick_size": 0.05
        });
        let inst: Instrument = serde_json::from_value(row.clone()).unwrap();
        assert_eq!(inst.strike.unwrap().value(), dec!(26000));
        assert_eq!(inst.expiry.unwrap().compact(), "30DEC25");
        assert_eq!(serde_json::to_value(&inst).unwrap(), row);
        assert!(matches!(inst.parts().unwrap(), SymbolParts::Option { .. }));
    }

    #[test]
    fn equity_placeholders() {
        let row = serde_json::json!({
            "symbol": "SBIN", "brsymbol": "SBIN-EQ", "name": "STATE BANK OF INDIA",
            "exchange": "NSE", "brexchange": "NSE", "token": "3045",
            "expiry": "", "strike": -0.01, "lotsize": 1, "instrumenttype": "EQ", "tick_size": "0.05"
        });
        let inst: Instrument = serde_json::from_value(row).unwrap();
        assert_eq!(inst.strike, None);
        assert_eq!(inst.expiry, None);
        let out = serde_json::to_value(&inst).unwrap();
        assert_eq!(out["strike"], serde_json::json!(0.0));
        assert_eq!(out["expiry"], serde_json::json!(""));
    }
}
