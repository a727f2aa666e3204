//! The daily P&L history (sandbox.md §3.12): one row per closed session, recorded when the next
//! session starts, as an event (so a restart or replay keeps it). A manual reset clears it, as
//! upstream's reset deletes the daily rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Money;

/// Most rows kept (about two years of sessions); older ones are dropped.
pub(super) const MAX_DAYS: usize = 730;

/// A closed session's P&L and funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyPnl {
    /// The session's date (the day its boundary fell on).
    pub date: NaiveDate,
    /// P&L realized during the session.
    pub realized: Money,
    /// Unrealized P&L of open positions at the session's last prices.
    pub positions_unrealized: Money,
    /// Unrealized P&L of holdings at the session's last prices.
    pub holdings_unrealized: Money,
    /// Cash available at the close.
    pub available: Money,
    /// Margin in use at the close.
    pub used_margin: Money,
}

impl DailyPnl {
    /// Realized plus both unrealized figures (upstream's `total_mtm`).
    #[must_use]
    pub fn total(&self) -> Money {
        self.realized + self.positions_unrealized + self.holdings_unrealized
    }

    /// Available cash plus margin in use.
    #[must_use]
    pub fn portfolio_value(&self) -> Money {
        self.available + self.used_margin
    }
}
