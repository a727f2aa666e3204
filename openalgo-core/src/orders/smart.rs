//! Smart (position-sized) orders: bring the net position to a target (rest-api §5.1).

use super::OrderError;
use crate::{Action, OrderDraft, OrderId, Quantity};

/// What a smart order does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmartDecision {
    /// Place one order.
    Place {
        /// Side (may differ from the request's).
        action: Action,
        /// Units.
        quantity: u64,
    },
    /// Nothing to do.
    NoAction(NoActionReason),
}

/// Why a smart order placed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoActionReason {
    /// The position already equals the target.
    PositionsMatched,
    /// The request's quantity was 0 and the position already equals the target.
    NothingToExit,
}

impl NoActionReason {
    /// The reference's message: live always says the positions match; analyze mode says
    /// "No OpenPosition Found" when the request's quantity was 0.
    #[must_use]
    pub const fn message(self, analyze: bool) -> &'static str {
        match (self, analyze) {
            (Self::NothingToExit, true) => "No OpenPosition Found. Not placing Exit order.",
            _ => "Positions Already Matched. No Action needed.",
        }
    }
}

/// The canonical smart-order table. `target` is `position_size` truncated toward zero,
/// `current` the net position of (symbol, exchange, product); pending orders do not count.
///
/// 1. Target and current both flat: place the request's own side and quantity (nothing if the
///    quantity is 0).
/// 2. Target equals current: nothing.
/// 3. Otherwise place the difference: BUY `target - current` if positive, else SELL.
#[must_use]
pub fn smart_decision(action: Action, quantity: u64, target: i64, current: i64) -> SmartDecision {
    let no_action = if quantity == 0 {
        NoActionReason::NothingToExit
    } else {
        NoActionReason::PositionsMatched
    };
    if target == 0 && current == 0 {
        return if quantity > 0 {
            SmartDecision::Place { action, quantity }
        } else {
            SmartDecision::NoAction(no_action)
        };
    }
    if target == current {
        return SmartDecision::NoAction(no_action);
    }
    let delta = i128::from(target) - i128::from(current);
    let quantity = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    let action = if delta > 0 { Action::Buy } else { Action::Sell };
    SmartDecision::Place { action, quantity }
}

/// A validated smart-order request: an order template (whose quantity may be 0) and a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartOrderRequest {
    template: OrderDraft,
    position_size: i64,
}

impl SmartOrderRequest {
    /// Validates the template's prices now so that a bad request fails before any position is
    /// read.
    ///
    /// # Errors
    /// [`OrderError`] for the same rules as a normal order (a zero quantity is allowed).
    pub fn new(template: OrderDraft, position_size: i64) -> Result<Self, OrderError> {
        let mut probe = template.clone();
        if probe.quantity.is_zero() {
            probe.quantity = Quantity::new(1);
            probe.disclosed_quantity = Quantity::ZERO;
        }
        probe.build()?;
        Ok(Self {
            template,
            position_size,
        })
    }

    /// The order template.
    #[must_use]
    pub const fn template(&self) -> &OrderDraft {
        &self.template
    }

    /// Target net position.
    #[must_use]
    pub const fn position_size(&self) -> i64 {
        self.position_size
    }

    /// The decision for a current net position.
    #[must_use]
    pub fn decide(&self, current: i64) -> SmartDecision {
        smart_decision(
            self.template.action,
            self.template.quantity.get(),
            self.position_size,
            current,
        )
    }
}

/// What a smart order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmartOutcome {
    /// One order was placed.
    Placed {
        /// Its id.
        order_id: OrderId,
        /// Its side.
        action: Action,
        /// Its units.
        quantity: u64,
    },
    /// Nothing was placed.
    NoAction(NoActionReason),
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const fn place(action: Action, quantity: u64) -> SmartDecision {
        SmartDecision::Place { action, quantity }
    }
    const MATCHED: SmartDecision = SmartDecision::NoAction(NoActionReason::PositionsMatched);
    const NOTHING: SmartDecision = SmartDecision::NoAction(NoActionReason::NothingToExit);

    /// Rows 1–16 of rest-api §5.1 (position_size already truncated: row 15 sends "2.9").
    #[rstest]
    #[case::r01(Action::Buy, 100, 0, 0, place(Action::Buy, 100))]
    #[case::r02(Action::Buy, 100, 100, -100, place(Action::Buy, 200))]
    #[case::r03(Action::Buy, 100, 100, 100, MATCHED)]
    #[case::r04(Action::Buy, 100, 200, 100, place(Action::Buy, 100))]
    #[case::r05(Action::Sell, 100, 0, 0, place(Action::Sell, 100))]
    #[case::r06(Action::Sell, 100, -100, 100, place(Action::Sell, 200))]
    #[case::r07(Action::Sell, 100, -100, -100, MATCHED)]
    #[case::r08(Action::Sell, 100, -200, -100, place(Action::Sell, 100))]
    #[case::r09(Action::Buy, 5, 0, 5, place(Action::Sell, 5))]
    #[case::r10(Action::Sell, 5, 0, -5, place(Action::Buy, 5))]
    #[case::r11(Action::Buy, 0, 0, 0, NOTHING)]
    #[case::r12(Action::Buy, 0, 100, 100, NOTHING)]
    #[case::r13(Action::Sell, 10, 50, 0, place(Action::Buy, 50))]
    #[case::r14(Action::Buy, 10, -30, 20, place(Action::Sell, 50))]
    #[case::r15(Action::Buy, 1, 2, 0, place(Action::Buy, 2))]
    #[case::r16(Action::Buy, 0, 0, 40, place(Action::Sell, 40))]
    fn reference_table(
        #[case] action: Action,
        #[case] quantity: u64,
        #[case] target: i64,
        #[case] current: i64,
        #[case] want: SmartDecision,
    ) {
        assert_eq!(smart_decision(action, quantity, target, current), want);
    }

    #[test]
    fn messages() {
        assert_eq!(
            NoActionReason::NothingToExit.message(true),
            "No OpenPosition Found. Not placing Exit order."
        );
        assert_eq!(
            NoActionReason::NothingToExit.message(false),
            "Positions Already Matched. No Action needed."
        );
        assert_eq!(
            NoActionReason::PositionsMatched.message(true),
            "Positions Already Matched. No Action needed."
        );
    }

    #[test]
    fn extreme_positions_do_not_overflow() {
        assert_eq!(
            smart_decision(Action::Buy, 1, i64::MAX, i64::MIN),
            place(Action::Buy, u64::MAX)
        );
        assert_eq!(
            smart_decision(Action::Buy, 1, i64::MIN, i64::MAX),
            place(Action::Sell, u64::MAX)
        );
    }

    proptest::proptest! {
        #[test]
        fn placing_the_decision_reaches_the_target(
            target in -10_000i64..10_000,
            current in -10_000i64..10_000,
            quantity in 0u64..1_000,
            buy in proptest::bool::ANY,
        ) {
            let action = if buy { Action::Buy } else { Action::Sell };
            match smart_decision(action, quantity, target, current) {
                SmartDecision::Place { action, quantity } => {
                    let after = current + i64::try_from(quantity).unwrap() * action.sign();
                    if target == 0 && current == 0 {
                        proptest::prop_assert_eq!(after, i64::try_from(quantity).unwrap() * action.sign());
                    } else {
                        proptest::prop_assert_eq!(after, target);
                    }
                }
                SmartDecision::NoAction(_) => {
                    proptest::prop_assert!(target == current);
                }
            }
        }
    }
}
