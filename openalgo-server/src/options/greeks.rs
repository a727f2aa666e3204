//! Implied volatility and Greeks of one option at a price, now (core's Black-76 with the
//! reference's rounding; the time to the exchange's expiry cut-off from the server's clock).

use chrono::{NaiveDateTime, NaiveTime};
use openalgo_core::OptionType;
use openalgo_core::options::{GreeksReport, GreeksRequest, black76_greeks, time_to_expiry};
use openalgo_core::symbol::{ExpiryDate, Strike};
use rust_decimal::Decimal;

/// What the Greeks of one option are computed from.
#[derive(Debug, Clone, Copy)]
pub struct GreeksInput {
    /// Call or put.
    pub option_type: OptionType,
    /// Strike.
    pub strike: Strike,
    /// Expiry date.
    pub expiry: ExpiryDate,
    /// The expiry cut-off (IST) on that date.
    pub cutoff: NaiveTime,
    /// Forward (or underlying) price.
    pub forward: Decimal,
    /// The option's price.
    pub option_price: Decimal,
    /// Annual interest rate in percent.
    pub rate_percent: Decimal,
}

/// What the Greeks of a row show: the report, or why there is none.
pub type GreeksView = Result<GreeksReport, String>;

/// The Greeks of `input` at `now_ist`.
///
/// # Errors
/// A message when the option has expired or its price admits no volatility.
pub fn greeks_of(input: &GreeksInput, now_ist: NaiveDateTime) -> GreeksView {
    let time = time_to_expiry(input.expiry, input.cutoff, now_ist).ok_or_else(|| {
        format!(
            "Option has expired on {}",
            input.expiry.date().format("%d-%b-%Y")
        )
    })?;
    black76_greeks(&GreeksRequest {
        option_type: input.option_type,
        forward: input.forward,
        strike: input.strike,
        option_price: input.option_price,
        interest_rate_percent: input.rate_percent,
        time,
    })
    .map_err(|e| e.to_string())
}
