//! The `optiongreeks` computation at the decimal edge: Black-76 IV and Greeks from exact
//! prices, with the reference's deep-in-the-money rule and its rounding.

use rust_decimal::Decimal;

use super::error::PricingError;
use super::model::{Contract, Model};
use super::time::TimeToExpiry;
use crate::OptionType;
use crate::money::decimal_to_f64;
use crate::symbol::Strike;

/// What `optiongreeks` computes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GreeksRequest {
    /// Call or put.
    pub option_type: OptionType,
    /// The forward (synthetic future) or underlying price.
    pub forward: Decimal,
    /// The option's strike.
    pub strike: Strike,
    /// The option's last price.
    pub option_price: Decimal,
    /// The annual interest rate in percent (`6.5` for 6.5 %).
    pub interest_rate_percent: Decimal,
    /// Time left to expiry.
    pub time: TimeToExpiry,
}

/// The result, rounded as the reference rounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreeksReport {
    /// Implied volatility in percent, 2 decimals (0 for the theoretical deep-ITM answer).
    pub implied_volatility: Decimal,
    /// Delta, 4 decimals.
    pub delta: Decimal,
    /// Gamma, 6 decimals.
    pub gamma: Decimal,
    /// Theta per day, 4 decimals.
    pub theta: Decimal,
    /// Vega per 1 % volatility, 4 decimals.
    pub vega: Decimal,
    /// Rho per 1 % rate, 6 decimals.
    pub rho: Decimal,
    /// Days to expiry, 4 decimals.
    pub days_to_expiry: Decimal,
    /// `max(forward − strike, 0)` for a call, `max(strike − forward, 0)` for a put.
    pub intrinsic_value: Decimal,
    /// `max(option price − intrinsic, 0)`.
    pub time_value: Decimal,
    /// True when the option had no usable time value and the reference's theoretical
    /// deep-in-the-money Greeks (IV 0, delta ±1, the rest 0) were returned.
    pub theoretical: bool,
}

/// Rounds a float to `digits` decimals exactly as Python's `round(x, digits)` does (correctly
/// rounded from the binary value, ties to even), as an exact decimal.
///
/// # Errors
/// [`PricingError::NotFinite`] for NaN or an infinity.
pub fn round_like_reference(value: f64, digits: usize) -> Result<Decimal, PricingError> {
    if !value.is_finite() {
        return Err(PricingError::NotFinite {
            name: "result",
            value,
        });
    }
    let text = format!("{value:.digits$}");
    Decimal::from_str_exact(&text)
        .map(|d| d.normalize())
        .map_err(|_| PricingError::NotFinite {
            name: "result",
            value,
        })
}

/// Implied volatility and Greeks for `optiongreeks` (Black-76).
///
/// # Errors
/// - [`PricingError::NotPositive`] when the forward or the option price is not positive;
/// - [`PricingError::AboveMaximum`] when the option price is above the model's maximum, and
///   the input errors of [`Model::price`] for a non-finite rate or time.
///
/// A price with no time value (or, in the money, under 0.01 of it), or one at or below the
/// discounted intrinsic value, or one the solver cannot fit, gets the theoretical deep-ITM
/// answer, as in the reference.
pub fn black76_greeks(req: &GreeksRequest) -> Result<GreeksReport, PricingError> {
    let forward = req.forward;
    let price = req.option_price;
    if forward <= Decimal::ZERO {
        return Err(PricingError::NotPositive {
            name: "underlying price",
            value: decimal_to_f64(forward),
        });
    }
    if price <= Decimal::ZERO {
        return Err(PricingError::NotPositive {
            name: "option price",
            value: decimal_to_f64(price),
        });
    }
    let strike = req.strike.value();
    let intrinsic = match req.option_type {
        OptionType::Call => (forward - strike).max(Decimal::ZERO),
        OptionType::Put => (strike - forward).max(Decimal::ZERO),
    };
    let time_value = price - intrinsic;
    let days = round_like_reference(req.time.days, 4)?;
    let theoretical = || GreeksReport {
        implied_volatility: Decimal::ZERO,
        delta: match req.option_type {
            OptionType::Call => Decimal::ONE,
            OptionType::Put => Decimal::NEGATIVE_ONE,
        },
        gamma: Decimal::ZERO,
        theta: Decimal::ZERO,
        vega: Decimal::ZERO,
        rho: Decimal::ZERO,
        days_to_expiry: days,
        intrinsic_value: intrinsic,
        time_value: time_value.max(Decimal::ZERO),
        theoretical: true,
    };
    if time_value <= Decimal::ZERO || (intrinsic > Decimal::ZERO && time_value < Decimal::new(1, 2))
    {
        return Ok(theoretical());
    }
    let contract = Contract {
        option_type: req.option_type,
        underlying: decimal_to_f64(forward),
        strike: decimal_to_f64(strike),
        years: req.time.years,
        rate: decimal_to_f64(req.interest_rate_percent) / 100.0,
    };
    let model = Model::Black76;
    let sigma = match model.implied_volatility(&contract, decimal_to_f64(price)) {
        Ok(s) => s,
        Err(PricingError::BelowIntrinsic { .. } | PricingError::NoConvergence { .. }) => {
            return Ok(theoretical());
        }
        Err(e) => return Err(e),
    };
    let g = model.greeks(&contract, sigma)?;
    Ok(GreeksReport {
        implied_volatility: round_like_reference(sigma * 100.0, 2)?,
        delta: round_like_reference(g.delta, 4)?,
        gamma: round_like_reference(g.gamma, 6)?,
        theta: round_like_reference(g.theta, 4)?,
        vega: round_like_reference(g.vega, 4)?,
        rho: round_like_reference(g.rho, 6)?,
        days_to_expiry: days,
        intrinsic_value: intrinsic,
        time_value,
        theoretical: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounding_is_pythons() {
        // Python: round(0.125, 2) == 0.12, round(2.675, 2) == 2.67, round(0.375, 2) == 0.38,
        // round(-0.125, 2) == -0.12, round(2.5) == 2.
        assert_eq!(round_like_reference(0.125, 2).unwrap(), dec!(0.12));
        assert_eq!(round_like_reference(2.675, 2).unwrap(), dec!(2.67));
        assert_eq!(round_like_reference(0.375, 2).unwrap(), dec!(0.38));
        assert_eq!(round_like_reference(-0.125, 2).unwrap(), dec!(-0.12));
        assert_eq!(round_like_reference(2.5, 0).unwrap(), dec!(2));
        assert!(round_like_reference(f64::NAN, 2).is_err());
    }

    fn request(
        option_type: OptionType,
        forward: Decimal,
        strike: u32,
        price: Decimal,
    ) -> GreeksRequest {
        GreeksRequest {
            option_type,
            forward,
            strike: Strike::new(Decimal::from(strike)).unwrap(),
            option_price: price,
            interest_rate_percent: Decimal::ZERO,
            time: TimeToExpiry {
                years: 28.5071 / 365.0,
                days: 28.5071,
            },
        }
    }

    #[test]
    fn spec_example_is_reproduced() {
        // rest-api §3.6.3: NIFTY 26000 CE at 435 with the underlying at 25966.05, rate 0,
        // 28.5071 days → IV 15.6, delta 0.4967, gamma 0.000352, theta −7.919, vega 28.9489,
        // rho −0.339742. Rounded inputs in the spec leave the last digits approximate.
        let r = black76_greeks(&request(
            OptionType::Call,
            dec!(25966.05),
            26_000,
            dec!(435),
        ))
        .unwrap();
        assert!(!r.theoretical);
        assert!(
            (r.implied_volatility - dec!(15.6)).abs() <= dec!(0.02),
            "{r:?}"
        );
        assert!((r.delta - dec!(0.4967)).abs() <= dec!(0.0005), "{r:?}");
        assert!((r.gamma - dec!(0.000352)).abs() <= dec!(0.000002), "{r:?}");
        assert!((r.theta - dec!(-7.919)).abs() <= dec!(0.01), "{r:?}");
        assert!((r.vega - dec!(28.9489)).abs() <= dec!(0.01), "{r:?}");
        assert!((r.rho - dec!(-0.339742)).abs() <= dec!(0.0001), "{r:?}");
        assert_eq!(r.days_to_expiry, dec!(28.5071));
    }

    #[test]
    fn deep_itm_and_errors() {
        // No time value: theoretical Greeks.
        let r = black76_greeks(&request(OptionType::Put, dec!(25000), 26_000, dec!(1000))).unwrap();
        assert!(r.theoretical);
        assert_eq!(r.delta, dec!(-1));
        assert_eq!(r.implied_volatility, Decimal::ZERO);
        // In the money with under 0.01 of time value: theoretical too.
        let r = black76_greeks(&request(
            OptionType::Call,
            dec!(27000),
            26_000,
            dec!(1000.005),
        ))
        .unwrap();
        assert!(r.theoretical);
        assert_eq!(r.delta, dec!(1));
        assert!(matches!(
            black76_greeks(&request(OptionType::Call, dec!(0), 26_000, dec!(10))),
            Err(PricingError::NotPositive { .. })
        ));
        assert!(matches!(
            black76_greeks(&request(OptionType::Call, dec!(25000), 26_000, dec!(0))),
            Err(PricingError::NotPositive { .. })
        ));
        assert!(matches!(
            black76_greeks(&request(OptionType::Call, dec!(25000), 26_000, dec!(25000))),
            Err(PricingError::AboveMaximum { .. })
        ));
    }
}
