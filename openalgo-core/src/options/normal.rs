//! The standard normal density and distribution function, accurate in both tails.

use std::f64::consts::FRAC_1_SQRT_2;

/// `1 / sqrt(2π)`.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The standard normal density φ(x).
#[must_use]
pub(crate) fn pdf(x: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// The standard normal distribution function Φ(x), through `erfc` so that the lower tail keeps
/// its relative precision (Φ(-10) ≈ 7.6e-24, not 0).
#[must_use]
pub(crate) fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * FRAC_1_SQRT_2)
}

/// `sqrt(2π)`, for the Brenner–Subrahmanyam starting guess.
pub(crate) const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn known_values() {
        // Textbook values of Φ and φ.
        assert!((cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-15);
        assert!((cdf(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-16);
        // Φ(-10) = 7.619853024160527e-24: relative precision in the far tail.
        assert!((cdf(-10.0) / 7.619_853_024_160_527e-24 - 1.0).abs() < 1e-13);
        assert!((pdf(0.0) - 1.0 / (2.0 * PI).sqrt()).abs() < 1e-16);
        assert!((SQRT_2PI - (2.0 * PI).sqrt()).abs() < 1e-15);
        assert!((cdf(3.0) + cdf(-3.0) - 1.0).abs() < 1e-15);
    }
}
