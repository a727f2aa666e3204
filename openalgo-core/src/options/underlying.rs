//! Which instrument an option request's underlying price is read from (rest-api §2.1,
//! §3.6.1 step 2, §3.6.2).

use crate::Exchange;
use crate::symbol::ExpiryDate;

/// NSE indices: a request naming `NFO` for these is quoted on `NSE_INDEX`.
const NSE_INDICES: [&str; 6] = [
    "NIFTY",
    "BANKNIFTY",
    "FINNIFTY",
    "MIDCPNIFTY",
    "NIFTYNXT50",
    "INDIAVIX",
];

/// BSE indices: a request naming `BFO` for these is quoted on `BSE_INDEX`.
const BSE_INDICES: [&str; 3] = ["SENSEX", "BANKEX", "SENSEX50"];

/// The exchange an underlying named with `exchange` is quoted on: `NFO` and `BFO` map back to
/// the index or cash exchange, every other exchange is kept.
#[must_use]
pub fn quote_exchange(base: &str, exchange: Exchange) -> Exchange {
    match exchange {
        Exchange::Nfo if NSE_INDICES.contains(&base) => Exchange::NseIndex,
        Exchange::Nfo => Exchange::Nse,
        Exchange::Bfo if BSE_INDICES.contains(&base) => Exchange::BseIndex,
        Exchange::Bfo => Exchange::Bse,
        other => other,
    }
}

/// Whether an underlying on `exchange` is priced from its futures (commodities and
/// currencies have no spot instrument).
#[must_use]
pub const fn priced_by_future(exchange: Exchange) -> bool {
    matches!(
        exchange,
        Exchange::Mcx | Exchange::Cds | Exchange::Bcd | Exchange::Ncdex | Exchange::Nco
    )
}

/// The future symbol of `base` for `expiry` (`CRUDEOIL19FEB25FUT`).
#[must_use]
pub fn future_symbol(base: &str, expiry: ExpiryDate) -> String {
    format!("{base}{}FUT", expiry.compact())
}

/// The symbol `optionsymbol` quotes for an underlying `sent` as `base` with an optional
/// embedded expiry: on futures-priced exchanges the embedded expiry's future, otherwise the
/// base when an expiry was embedded and the text as sent when not.
#[must_use]
pub fn quote_symbol(
    sent: &str,
    base: &str,
    embedded: Option<ExpiryDate>,
    exchange: Exchange,
) -> String {
    match embedded {
        Some(expiry) if priced_by_future(exchange) => future_symbol(base, expiry),
        Some(_) => base.to_owned(),
        None => sent.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_exchanges_map_back_to_the_quote_exchange() {
        assert_eq!(quote_exchange("NIFTY", Exchange::Nfo), Exchange::NseIndex);
        assert_eq!(quote_exchange("SBIN", Exchange::Nfo), Exchange::Nse);
        assert_eq!(quote_exchange("SENSEX", Exchange::Bfo), Exchange::BseIndex);
        assert_eq!(quote_exchange("RELIANCE", Exchange::Bfo), Exchange::Bse);
        assert_eq!(
            quote_exchange("NIFTY", Exchange::NseIndex),
            Exchange::NseIndex
        );
        assert_eq!(quote_exchange("GOLD", Exchange::Mcx), Exchange::Mcx);
    }

    #[test]
    fn embedded_expiries_pick_the_quoted_symbol() {
        let x = ExpiryDate::parse_compact("19FEB25").unwrap();
        assert_eq!(
            quote_symbol("CRUDEOIL19FEB25FUT", "CRUDEOIL", Some(x), Exchange::Mcx),
            "CRUDEOIL19FEB25FUT"
        );
        assert_eq!(
            quote_symbol("NIFTY19FEB25FUT", "NIFTY", Some(x), Exchange::NseIndex),
            "NIFTY"
        );
        assert_eq!(
            quote_symbol("NIFTY", "NIFTY", None, Exchange::NseIndex),
            "NIFTY"
        );
    }
}
