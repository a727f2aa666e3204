//! The option contract as the models see it, the two models, their prices and Greeks.
//!
//! Units follow the reference (OpenAlgo's `optiongreeks`, Black-76 in py_vollib's conventions):
//! time in years of 365 days, rates and volatilities as decimals (0.065, 0.15), theta per
//! calendar day, vega and rho per one percentage point.

use super::error::PricingError;
use super::normal::{cdf, pdf};
use crate::OptionType;

/// The inputs that describe one European option, in floating point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contract {
    /// Call or put.
    pub option_type: OptionType,
    /// The forward (futures) price for Black-76, the spot price for Black–Scholes.
    pub underlying: f64,
    /// The strike.
    pub strike: f64,
    /// Time to expiry in years (of 365 days).
    pub years: f64,
    /// The continuously compounded risk-free rate, as a decimal (0.065 for 6.5 %).
    pub rate: f64,
}

/// The pricing model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// Black-76: options on a forward or future (what the reference uses for every exchange).
    Black76,
    /// Black–Scholes–Merton on a spot paying a continuous dividend yield.
    BlackScholes {
        /// The continuous dividend yield, as a decimal.
        dividend_yield: f64,
    },
}

/// The Greeks in the reference's trading units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Greeks {
    /// ∂V/∂(underlying).
    pub delta: f64,
    /// ∂²V/∂(underlying)².
    pub gamma: f64,
    /// Change in value per calendar day that passes (∂V/∂t / 365; negative for a long option
    /// with no carry).
    pub theta: f64,
    /// Change in value per one percentage point of volatility (∂V/∂σ / 100).
    pub vega: f64,
    /// Change in value per one percentage point of the rate (∂V/∂r / 100).
    pub rho: f64,
}

/// The price's lower and upper no-arbitrage bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceBounds {
    /// The discounted intrinsic value.
    pub lower: f64,
    /// The discounted underlying (call) or discounted strike (put).
    pub upper: f64,
}

pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64, PricingError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PricingError::NotFinite { name, value })
    }
}

pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, PricingError> {
    if finite(name, value)? > 0.0 {
        Ok(value)
    } else {
        Err(PricingError::NotPositive { name, value })
    }
}

/// The contract in forward terms: `(forward, discount factor, strike, years)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Forward {
    pub(crate) call: bool,
    pub(crate) forward: f64,
    pub(crate) strike: f64,
    pub(crate) years: f64,
    pub(crate) discount: f64,
}

impl Forward {
    /// The undiscounted Black price at volatility `σ` (never negative: far out of the money
    /// the difference of two tiny terms can round below zero).
    pub(crate) fn undiscounted(&self, sigma: f64) -> f64 {
        let (d1, d2) = self.d1_d2(sigma);
        let value = if self.call {
            self.forward * cdf(d1) - self.strike * cdf(d2)
        } else {
            self.strike * cdf(-d2) - self.forward * cdf(-d1)
        };
        value.max(0.0)
    }

    /// ∂(undiscounted price)/∂σ.
    pub(crate) fn undiscounted_vega(&self, sigma: f64) -> f64 {
        let (d1, _) = self.d1_d2(sigma);
        self.forward * pdf(d1) * self.years.sqrt()
    }

    pub(crate) fn d1_d2(&self, sigma: f64) -> (f64, f64) {
        let total = sigma * self.years.sqrt();
        let d1 = ((self.forward / self.strike).ln() + 0.5 * total * total) / total;
        (d1, d1 - total)
    }

    /// Undiscounted intrinsic value and maximum.
    pub(crate) fn undiscounted_bounds(&self) -> (f64, f64) {
        if self.call {
            ((self.forward - self.strike).max(0.0), self.forward)
        } else {
            ((self.strike - self.forward).max(0.0), self.strike)
        }
    }
}

impl Model {
    /// Checks the contract and the model's own inputs and states it in forward terms.
    pub(crate) fn forward(self, c: &Contract) -> Result<Forward, PricingError> {
        positive("underlying price", c.underlying)?;
        positive("strike", c.strike)?;
        finite("time to expiry", c.years)?;
        if c.years <= 0.0 {
            return Err(PricingError::Expired { years: c.years });
        }
        finite("interest rate", c.rate)?;
        let discount = (-c.rate * c.years).exp();
        let forward = match self {
            Self::Black76 => c.underlying,
            Self::BlackScholes { dividend_yield } => {
                finite("dividend yield", dividend_yield)?;
                c.underlying * ((c.rate - dividend_yield) * c.years).exp()
            }
        };
        // Extreme rates or times can overflow the forward or underflow the discount.
        positive("forward price", forward)?;
        positive("discount factor", discount)?;
        Ok(Forward {
            call: c.option_type == OptionType::Call,
            forward,
            strike: c.strike,
            years: c.years,
            discount,
        })
    }

    /// The option's value at volatility `sigma` (a decimal, 0.15 for 15 %).
    ///
    /// # Errors
    /// [`PricingError`] when an input is not finite, not positive where it must be, or the
    /// option has expired.
    pub fn price(self, c: &Contract, sigma: f64) -> Result<f64, PricingError> {
        let f = self.forward(c)?;
        positive("volatility", sigma)?;
        Ok(f.discount * f.undiscounted(sigma))
    }

    /// The price's no-arbitrage bounds (the range an implied volatility can be found in).
    ///
    /// # Errors
    /// As [`Model::price`].
    pub fn bounds(self, c: &Contract) -> Result<PriceBounds, PricingError> {
        let f = self.forward(c)?;
        let (lower, upper) = f.undiscounted_bounds();
        Ok(PriceBounds {
            lower: f.discount * lower,
            upper: f.discount * upper,
        })
    }

    /// The Greeks at volatility `sigma`, in the reference's units (see [`Greeks`]).
    ///
    /// # Errors
    /// As [`Model::price`].
    pub fn greeks(self, c: &Contract, sigma: f64) -> Result<Greeks, PricingError> {
        let f = self.forward(c)?;
        positive("volatility", sigma)?;
        let (d1, d2) = f.d1_d2(sigma);
        let sqrt_t = c.years.sqrt();
        let r = c.rate;
        let call = f.call;
        let g = match self {
            Self::Black76 => {
                let df = f.discount;
                let value = df * f.undiscounted(sigma);
                let delta = if call { df * cdf(d1) } else { -df * cdf(-d1) };
                let gamma = df * pdf(d1) / (c.underlying * sigma * sqrt_t);
                let vega = c.underlying * df * pdf(d1) * sqrt_t;
                let theta = -c.underlying * df * pdf(d1) * sigma / (2.0 * sqrt_t) + r * value;
                // The forward is held fixed: only the discount factor depends on the rate.
                let rho = -c.years * value;
                Greeks {
                    delta,
                    gamma,
                    theta,
                    vega,
                    rho,
                }
            }
            Self::BlackScholes { dividend_yield: q } => {
                let s = c.underlying;
                let k = c.strike;
                let dq = (-q * c.years).exp();
                let dr = f.discount;
                let delta = if call { dq * cdf(d1) } else { -dq * cdf(-d1) };
                let gamma = dq * pdf(d1) / (s * sigma * sqrt_t);
                let vega = s * dq * pdf(d1) * sqrt_t;
                let decay = -s * dq * pdf(d1) * sigma / (2.0 * sqrt_t);
                let (theta, rho) = if call {
                    (
                        decay - r * k * dr * cdf(d2) + q * s * dq * cdf(d1),
                        k * c.years * dr * cdf(d2),
                    )
                } else {
                    (
                        decay + r * k * dr * cdf(-d2) - q * s * dq * cdf(-d1),
                        -k * c.years * dr * cdf(-d2),
                    )
                };
                Greeks {
                    delta,
                    gamma,
                    theta,
                    vega,
                    rho,
                }
            }
        };
        Ok(Greeks {
            theta: g.theta / 365.0,
            vega: g.vega / 100.0,
            rho: g.rho / 100.0,
            ..g
        })
    }
}
