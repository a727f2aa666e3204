//! Position netting on a fill: add, reduce, close and reverse, with realized P&L
//! (sandbox.md §6.2).

use rust_decimal::Decimal;

use crate::{Money, Price};

/// Decimal places kept on average prices.
pub(crate) const AVG_DP: u32 = 4;

/// A position after one fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Netted {
    /// New signed quantity.
    pub(crate) quantity: i64,
    /// New average price (the old one when only reduced; the fill price when opened/reversed).
    pub(crate) average: Price,
    /// Realized P&L of the units closed by this fill.
    pub(crate) realized: Money,
    /// True when this fill opened a new position (from flat, or by reversing).
    pub(crate) opened: bool,
}

/// Nets a signed fill of `delta` units at `price` into a position of `quantity` at `average`.
pub(crate) fn net(quantity: i64, average: Price, delta: i64, price: Price) -> Netted {
    let after = quantity + delta;
    if quantity == 0 {
        return Netted {
            quantity: after,
            average: price,
            realized: Money::ZERO,
            opened: after != 0,
        };
    }
    if quantity.signum() == delta.signum() {
        let (q, d) = (Decimal::from(quantity.abs()), Decimal::from(delta.abs()));
        let avg = (q * average.value() + d * price.value()) / (q + d);
        return Netted {
            quantity: after,
            average: Price::new(avg.round_dp(AVG_DP)),
            realized: Money::ZERO,
            opened: false,
        };
    }
    let closed = quantity.abs().min(delta.abs());
    // Long: (exit - avg) per unit; short: (avg - exit).
    let realized = (price.value() - average.value()) * Decimal::from(closed * quantity.signum());
    let (average, opened) = if after != 0 && after.signum() != quantity.signum() {
        (price, true)
    } else {
        (average, false)
    };
    Netted {
        quantity: after,
        average,
        realized,
        opened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn p(v: Decimal) -> Price {
        Price::new(v)
    }

    #[test]
    fn open_add_reduce_close_reverse() {
        let n = net(0, Price::ZERO, 10, p(dec!(100)));
        assert_eq!(
            (n.quantity, n.average, n.realized, n.opened),
            (10, p(dec!(100)), dec!(0), true)
        );
        // E2: 10 @100 + 5 @106 → 15 @102.
        let n = net(10, p(dec!(100)), 5, p(dec!(106)));
        assert_eq!((n.quantity, n.average), (15, p(dec!(102))));
        // E1: reduce 4 @110 from +10 @100 → +40.
        let n = net(10, p(dec!(100)), -4, p(dec!(110)));
        assert_eq!(
            (n.quantity, n.average, n.realized, n.opened),
            (6, p(dec!(100)), dec!(40), false)
        );
        // Close 6 @95 → −30.
        let n = net(6, p(dec!(100)), -6, p(dec!(95)));
        assert_eq!((n.quantity, n.realized), (0, dec!(-30)));
        // E3: short 20 @250 covered @240 → +200.
        let n = net(-20, p(dec!(250)), 20, p(dec!(240)));
        assert_eq!((n.quantity, n.realized), (0, dec!(200)));
        // E4: +10 @100, sell 15 @110 → −5 @110, realized 100.
        let n = net(10, p(dec!(100)), -15, p(dec!(110)));
        assert_eq!(
            (n.quantity, n.average, n.realized, n.opened),
            (-5, p(dec!(110)), dec!(100), true)
        );
    }

    #[test]
    fn averages_keep_four_decimals() {
        let n = net(1, p(dec!(100)), 2, p(dec!(100.01)));
        assert_eq!(n.average, p(dec!(100.0067)));
    }
}
