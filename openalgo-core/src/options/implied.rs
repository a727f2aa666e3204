//! Implied volatility: a safeguarded Newton solver, bracketed, falling back to bisection.
//!
//! The price is strictly increasing in volatility between the bounds of [`Model::bounds`], so a
//! price strictly inside them has exactly one volatility. Newton starts at the point of maximum
//! vega (`σ = sqrt(2|ln(F/K)|/T)`, from which it converges monotonically) or, near the money,
//! at the Brenner–Subrahmanyam estimate. It works on the out-of-the-money option of the strike
//! and on ln(price), so the far wings converge in a handful of steps. A step that leaves the
//! current bracket is replaced by the root of the wing model ln(price) ≈ A − B/σ² when that
//! falls inside the bracket, else by a bisection (or a doubling while no upper end is known).

use super::error::PricingError;
use super::model::{Contract, Forward, Model, positive};
use super::normal::SQRT_2PI;

/// The largest volatility the solver looks at (10,000 % a year).
pub const MAX_VOLATILITY: f64 = 100.0;

const MAX_ITERATIONS: usize = 200;

impl Model {
    /// The volatility at which the model prices the contract at `price`.
    ///
    /// # Errors
    /// - the input errors of [`Model::price`], and [`PricingError::NotPositive`] for a price
    ///   that is zero or negative;
    /// - [`PricingError::BelowIntrinsic`] for a price at or below the discounted intrinsic value;
    /// - [`PricingError::AboveMaximum`] for a price at or above the model's upper bound;
    /// - [`PricingError::NoConvergence`] when the volatility would exceed [`MAX_VOLATILITY`].
    pub fn implied_volatility(self, c: &Contract, price: f64) -> Result<f64, PricingError> {
        let f = self.forward(c)?;
        positive("option price", price)?;
        let (lower, upper) = f.undiscounted_bounds();
        let target = price / f.discount;
        if target <= lower {
            return Err(PricingError::BelowIntrinsic {
                price,
                intrinsic: lower * f.discount,
            });
        }
        if target >= upper {
            return Err(PricingError::AboveMaximum {
                price,
                maximum: upper * f.discount,
            });
        }

        // Solve on the out-of-the-money option of the same strike (parity: its price is the
        // time value), on a log scale: Newton on ln(price) converges in a few steps even in the
        // far wings, where the price is exponentially small in 1/σ².
        let otm = Forward {
            call: f.forward <= f.strike,
            ..f
        };
        let time_value = target - lower;
        let log_target = time_value.ln();
        let moneyness = (f.forward / f.strike).ln().abs();
        let mut sigma = if moneyness > 1e-6 {
            (2.0 * moneyness / f.years).sqrt()
        } else {
            SQRT_2PI / f.years.sqrt() * target / f.forward
        };
        if !(sigma.is_finite() && sigma > 0.0) || sigma > MAX_VOLATILITY {
            sigma = 0.5;
        }
        let curvature = moneyness * moneyness / (2.0 * f.years);
        let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
        for _ in 0..MAX_ITERATIONS {
            let value = otm.undiscounted(sigma);
            let diff = value.ln() - log_target;
            if diff == 0.0 {
                return Ok(sigma);
            }
            if diff < 0.0 {
                lo = sigma;
            } else {
                hi = sigma;
            }
            let newton = sigma - diff * value / otm.undiscounted_vega(sigma);
            let is_newton = newton.is_finite() && newton > lo && newton < hi;
            // Overshot below the bracket: in the wings ln(price) ≈ A − B/σ² with
            // B = ln(F/K)²/(2T); step to that model's root instead of bisecting.
            let wing = if diff > 0.0 && curvature > 0.0 {
                (curvature / (diff + curvature / (sigma * sigma))).sqrt()
            } else {
                f64::NAN
            };
            let next = if is_newton {
                newton
            } else if wing > lo && wing < hi {
                wing
            } else if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                2.0 * sigma
            };
            if next > MAX_VOLATILITY {
                if sigma >= MAX_VOLATILITY {
                    break;
                }
                sigma = MAX_VOLATILITY;
                continue;
            }
            let step = (next - sigma).abs();
            sigma = next;
            // A Newton step this small leaves an error of the order of its square: done.
            if (is_newton && step <= 1e-9 * sigma)
                || step <= 4.0 * f64::EPSILON * sigma
                || (hi.is_finite() && hi - lo <= 4.0 * f64::EPSILON * hi)
            {
                return Ok(sigma);
            }
        }
        Err(PricingError::NoConvergence { price })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OptionType;

    fn contract(option_type: OptionType, underlying: f64, strike: f64) -> Contract {
        Contract {
            option_type,
            underlying,
            strike,
            years: 30.0 / 365.0,
            rate: 0.065,
        }
    }

    #[test]
    fn round_trip_over_a_grid() {
        let models = [
            Model::Black76,
            Model::BlackScholes {
                dividend_yield: 0.0,
            },
            Model::BlackScholes {
                dividend_yield: 0.03,
            },
        ];
        let mut solved = 0;
        for model in models {
            for ot in [OptionType::Call, OptionType::Put] {
                for strike in [18_000.0, 21_000.0, 23_900.0, 24_000.0, 24_100.0, 27_000.0] {
                    for years in [1.0 / 365.0, 7.0 / 365.0, 0.25, 1.0, 3.0] {
                        for sigma in [0.05, 0.12, 0.2, 0.45, 1.0, 2.5] {
                            let c = Contract {
                                years,
                                ..contract(ot, 24_000.0, strike)
                            };
                            let price = model.price(&c, sigma).unwrap();
                            let b = model.bounds(&c).unwrap();
                            // Skip prices that carry no volatility information in f64.
                            if price - b.lower < 1e-9 * b.upper || b.upper - price < 1e-9 * b.upper
                            {
                                continue;
                            }
                            let iv = model.implied_volatility(&c, price).unwrap();
                            let back = model.price(&c, iv).unwrap();
                            assert!(
                                (back - price).abs() <= 1e-10 * price.max(1.0),
                                "{model:?} {ot:?} K={strike} T={years} σ={sigma}: {price} vs {back}"
                            );
                            // Where vega is not negligible the volatility itself is recovered.
                            let vega = model.greeks(&c, sigma).unwrap().vega * 100.0;
                            if vega > 1e-3 * price {
                                assert!(
                                    (iv - sigma).abs() < 1e-7,
                                    "{model:?} {ot:?} K={strike} T={years}: {sigma} vs {iv}"
                                );
                            }
                            solved += 1;
                        }
                    }
                }
            }
        }
        assert!(solved > 250, "only {solved} grid points solved");
    }

    #[test]
    fn typed_errors() {
        let m = Model::Black76;
        let call = contract(OptionType::Call, 24_000.0, 23_000.0);
        let put = contract(OptionType::Put, 24_000.0, 25_000.0);
        let df = (-0.065_f64 * 30.0 / 365.0).exp();
        assert!(matches!(
            m.implied_volatility(&call, 999.0 * df),
            Err(PricingError::BelowIntrinsic { .. })
        ));
        assert!(matches!(
            m.implied_volatility(&put, 1_000.0 * df),
            Err(PricingError::BelowIntrinsic { .. })
        ));
        assert!(matches!(
            m.implied_volatility(&call, 24_000.0 * df),
            Err(PricingError::AboveMaximum { .. })
        ));
        assert!(matches!(
            m.implied_volatility(&put, 25_000.0),
            Err(PricingError::AboveMaximum { .. })
        ));
        assert!(matches!(
            m.implied_volatility(&call, 0.0),
            Err(PricingError::NotPositive { .. })
        ));
        assert!(matches!(
            m.implied_volatility(&call, f64::NAN),
            Err(PricingError::NotFinite { .. })
        ));
        let expired = Contract { years: 0.0, ..call };
        assert!(matches!(
            m.implied_volatility(&expired, 1_100.0),
            Err(PricingError::Expired { .. })
        ));
        let negative = Contract {
            underlying: -1.0,
            ..call
        };
        assert!(matches!(
            m.price(&negative, 0.2),
            Err(PricingError::NotPositive { .. })
        ));
        let inf = Contract {
            strike: f64::INFINITY,
            ..call
        };
        assert!(matches!(
            m.greeks(&inf, 0.2),
            Err(PricingError::NotFinite { .. })
        ));
        assert!(matches!(
            m.price(&call, 0.0),
            Err(PricingError::NotPositive { .. })
        ));
        assert!(matches!(
            Model::BlackScholes {
                dividend_yield: f64::NAN
            }
            .price(&call, 0.2),
            Err(PricingError::NotFinite { .. })
        ));
        // Half the forward with seconds to expiry needs a volatility far beyond the range.
        let short = Contract {
            years: 1e-6,
            ..contract(OptionType::Call, 100.0, 100.0)
        };
        assert!(matches!(
            m.implied_volatility(&short, 50.0),
            Err(PricingError::NoConvergence { .. })
        ));
    }
}
