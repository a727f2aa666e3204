//! The funds ledger: cash and the three reservations kept apart, so every rupee is accounted
//! for (fixes the reconciler defects of sandbox.md §3.11 and §14-Q3).
//!
//! Conservation, after every operation:
//! `available + order_margin + position_margin + Σ holdings cost
//!  = capital + realized_pnl + written_off`.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::SandboxError;
use crate::Money;

/// Which reservation ledger an amount is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// Working orders.
    Orders,
    /// Active GTTs.
    Gtts,
}

/// An account's funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundsLedger {
    /// Capital at the last reset.
    pub capital: Money,
    /// Cash free for new orders; never negative.
    pub available: Money,
    /// Reserved by working orders.
    pub order_margin: Money,
    /// Held by open positions.
    pub position_margin: Money,
    /// Reserved by active GTTs.
    pub gtt_margin: Money,
    /// Realized P&L since the last reset.
    pub realized_pnl: Money,
    /// Realized P&L in the current session.
    pub today_realized_pnl: Money,
    /// Losses beyond the account's cash that negative-balance protection absorbed.
    pub written_off: Money,
    /// When funds were last reset.
    pub last_reset: NaiveDateTime,
    /// Number of resets.
    pub reset_count: u32,
}

impl FundsLedger {
    /// A fresh account.
    #[must_use]
    pub fn new(capital: Money, now: NaiveDateTime) -> Self {
        Self {
            capital,
            available: capital,
            order_margin: Money::ZERO,
            position_margin: Money::ZERO,
            gtt_margin: Money::ZERO,
            realized_pnl: Money::ZERO,
            today_realized_pnl: Money::ZERO,
            written_off: Money::ZERO,
            last_reset: now,
            reset_count: 0,
        }
    }

    /// Margin in use (orders, positions and GTTs).
    #[must_use]
    pub fn used_margin(&self) -> Money {
        self.order_margin + self.position_margin + self.gtt_margin
    }

    /// Moves `amount` from cash into a reservation (a negative amount releases). Refuses an
    /// increase larger than the cash available.
    ///
    /// # Errors
    /// [`SandboxError::InsufficientFunds`], leaving the ledger unchanged.
    pub(crate) fn reserve(
        &mut self,
        ledger: Reservation,
        amount: Money,
    ) -> Result<(), SandboxError> {
        if amount > self.available {
            return Err(SandboxError::InsufficientFunds {
                required: amount,
                available: self.available,
            });
        }
        self.available -= amount;
        match ledger {
            Reservation::Orders => self.order_margin += amount,
            Reservation::Gtts => self.gtt_margin += amount,
        }
        Ok(())
    }

    /// Books realized P&L into cash and the P&L totals.
    pub(crate) fn realize(&mut self, pnl: Money) {
        self.available += pnl;
        self.realized_pnl += pnl;
        self.today_realized_pnl += pnl;
        self.protect();
    }

    /// Negative-balance protection: a shortfall is written off instead of leaving a negative
    /// balance (sandbox.md §14-Q17).
    pub(crate) fn protect(&mut self) {
        if self.available.is_sign_negative() {
            self.written_off -= self.available;
            self.available = Money::ZERO;
        }
    }

    /// The core funds view given the current unrealized P&L.
    #[must_use]
    pub fn to_funds(&self, unrealized: Money) -> crate::Funds {
        crate::Funds {
            available_cash: self.available,
            collateral: Money::ZERO,
            m2m_unrealized: unrealized,
            m2m_realized: self.today_realized_pnl,
            utilised_debits: self.used_margin(),
        }
    }
}
