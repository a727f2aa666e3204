//! [`BrokerError`]: every failure an adapter can report, classified so that callers can retry,
//! re-authenticate or surface it, and the server can map it to one HTTP status.

use std::time::Duration;

use thiserror::Error;

/// A classified broker failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrokerError {
    /// The broker could not be reached or failed on its side (timeouts, disconnects, 5xx).
    #[error("broker unreachable: {0}")]
    Connectivity(String),
    /// The session is missing, expired or forbidden; the user must log in again.
    #[error("broker authentication failed: {0}")]
    Auth(String),
    /// The broker throttled the request.
    #[error("broker rate limit exceeded")]
    RateLimited {
        /// How long the broker asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The broker understood the request and refused it (margin, price band, closed market...).
    #[error("{message}")]
    Rejected {
        /// The broker's error code, when it gives one.
        code: Option<String>,
        /// The broker's message, passed to the client as is.
        message: String,
    },
    /// The order, symbol or resource does not exist at the broker.
    #[error("{0}")]
    NotFound(String),
    /// The broker (or this adapter) does not offer the feature.
    #[error("{feature} is not supported by {broker}")]
    Unsupported {
        /// Broker id.
        broker: &'static str,
        /// What was asked for.
        feature: &'static str,
    },
    /// The broker answered something this adapter could not understand.
    #[error("could not decode the broker's response: {0}")]
    Decode(String),
}

impl BrokerError {
    /// Shorthand for a rejection without a code.
    #[must_use]
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::Rejected {
            code: None,
            message: message.into(),
        }
    }

    /// True when repeating the same request later may succeed without changing anything.
    #[must_use]
    pub const fn is_retryable(&self) -> bool {
        matches!(self, Self::Connectivity(_) | Self::RateLimited { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryability_follows_the_class() {
        assert!(BrokerError::Connectivity("timeout".into()).is_retryable());
        assert!(BrokerError::RateLimited { retry_after: None }.is_retryable());
        assert!(!BrokerError::Auth("expired".into()).is_retryable());
        assert!(!BrokerError::rejected("insufficient margin").is_retryable());
        assert!(!BrokerError::NotFound("order 1".into()).is_retryable());
        assert!(!BrokerError::Decode("bad json".into()).is_retryable());
        let e = BrokerError::Unsupported {
            broker: "simulator",
            feature: "GTT orders",
        };
        assert!(!e.is_retryable());
        assert_eq!(e.to_string(), "GTT orders is not supported by simulator");
        assert_eq!(
            BrokerError::rejected("RMS: margin").to_string(),
            "RMS: margin"
        );
    }
}
