//! Semi-automatic execution (rest-api §1.12, platform §3.3): a user's [`OrderMode`], the
//! endpoints whose orders wait for approval in the Action Center ([`Queued`]), the ones a
//! semi-auto user may not call ([`Refused`]), and a queued order's [`PendingStatus`].

use std::fmt;
use std::str::FromStr;

/// How a user's new orders from the API and webhooks execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OrderMode {
    /// Straight to the account (the default).
    #[default]
    Auto,
    /// Queued until approved in the Action Center.
    SemiAuto,
}

impl OrderMode {
    /// The wire name: `auto` or `semi_auto`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::SemiAuto => "semi_auto",
        }
    }
}

impl fmt::Display for OrderMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not an order mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid order mode '{0}': use 'auto' or 'semi_auto'")]
pub struct InvalidOrderMode(pub String);

impl FromStr for OrderMode {
    type Err = InvalidOrderMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "semi_auto" => Ok(Self::SemiAuto),
            other => Err(InvalidOrderMode(other.chars().take(32).collect())),
        }
    }
}

/// Where a queued order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved (and sent for execution).
    Approved,
    /// Rejected; never executed.
    Rejected,
}

impl PendingStatus {
    /// Every status, in the Action Center's tab order.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Rejected];

    /// The wire name: `pending`, `approved` or `rejected`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

impl fmt::Display for PendingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a pending-order status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid status '{0}': use pending, approved, rejected or all")]
pub struct InvalidPendingStatus(pub String);

impl FromStr for PendingStatus {
    type Err = InvalidPendingStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| InvalidPendingStatus(s.chars().take(32).collect()))
    }
}

/// An order endpoint whose calls a semi-auto user's account queues instead of executing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queued {
    /// `placeorder`.
    PlaceOrder,
    /// `placesmartorder`.
    PlaceSmartOrder,
    /// `basketorder`.
    BasketOrder,
    /// `splitorder`.
    SplitOrder,
    /// `optionsorder`.
    OptionsOrder,
    /// `optionsmultiorder`.
    OptionsMultiOrder,
    /// `placegttorder`.
    PlaceGttOrder,
}

impl Queued {
    /// Every queued endpoint.
    pub const ALL: [Self; 7] = [
        Self::PlaceOrder,
        Self::PlaceSmartOrder,
        Self::BasketOrder,
        Self::SplitOrder,
        Self::OptionsOrder,
        Self::OptionsMultiOrder,
        Self::PlaceGttOrder,
    ];

    /// The endpoint's name (`api_type` in the queue).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PlaceOrder => "placeorder",
            Self::PlaceSmartOrder => "placesmartorder",
            Self::BasketOrder => "basketorder",
            Self::SplitOrder => "splitorder",
            Self::OptionsOrder => "optionsorder",
            Self::OptionsMultiOrder => "optionsmultiorder",
            Self::PlaceGttOrder => "placegttorder",
        }
    }

    /// The queued endpoint named `endpoint`, if it is one.
    #[must_use]
    pub fn of(endpoint: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == endpoint)
    }
}

/// An endpoint a semi-auto user may not call on the live account (it would change orders or
/// positions without approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refused {
    /// `modifyorder`.
    ModifyOrder,
    /// `cancelorder`.
    CancelOrder,
    /// `cancelallorder`.
    CancelAllOrder,
    /// `closeposition`.
    ClosePosition,
    /// `modifygttorder`.
    ModifyGttOrder,
    /// `cancelgttorder`.
    CancelGttOrder,
}

impl Refused {
    /// Every refused endpoint.
    pub const ALL: [Self; 6] = [
        Self::ModifyOrder,
        Self::CancelOrder,
        Self::CancelAllOrder,
        Self::ClosePosition,
        Self::ModifyGttOrder,
        Self::CancelGttOrder,
    ];

    /// The endpoint's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ModifyOrder => "modifyorder",
            Self::CancelOrder => "cancelorder",
            Self::CancelAllOrder => "cancelallorder",
            Self::ClosePosition => "closeposition",
            Self::ModifyGttOrder => "modifygttorder",
            Self::CancelGttOrder => "cancelgttorder",
        }
    }

    /// The refused endpoint named `endpoint`, if it is one.
    #[must_use]
    pub fn of(endpoint: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == endpoint)
    }

    /// The reference's refusal message (rest-api §3.2, §3.8).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::ModifyOrder => {
                "Modify order operation is not allowed in Semi-Auto mode. Please switch to Auto mode to modify orders."
            }
            Self::CancelOrder => {
                "Cancel order operation is not allowed in Semi-Auto mode. Please switch to Auto mode to cancel orders."
            }
            Self::CancelAllOrder => {
                "Cancel all orders operation is not allowed in Semi-Auto mode. Please switch to Auto mode to cancel orders."
            }
            Self::ClosePosition => {
                "Close position operation is not allowed in Semi-Auto mode. Please switch to Auto mode to close positions."
            }
            Self::ModifyGttOrder => {
                "Modify GTT order is not allowed in Semi-Auto mode. Switch to Auto mode."
            }
            Self::CancelGttOrder => {
                "Cancel GTT order is not allowed in Semi-Auto mode. Switch to Auto mode."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for m in [OrderMode::Auto, OrderMode::SemiAuto] {
            assert_eq!(m.as_str().parse::<OrderMode>(), Ok(m));
        }
        for s in PendingStatus::ALL {
            assert_eq!(s.as_str().parse::<PendingStatus>(), Ok(s));
        }
        for q in Queued::ALL {
            assert_eq!(Queued::of(q.as_str()), Some(q));
            assert_eq!(Refused::of(q.as_str()), None);
        }
        for r in Refused::ALL {
            assert_eq!(Refused::of(r.as_str()), Some(r));
            assert!(r.message().contains("Semi-Auto mode"));
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!("SEMI_AUTO".parse::<OrderMode>().is_err());
        assert!("all".parse::<PendingStatus>().is_err());
        assert_eq!(Queued::of("orderbook"), None);
    }
}
