//! Identifier newtypes: order ids, trade ids, strategy tags and broker instrument tokens.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An identifier that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// The identifier was empty (or only whitespace).
    #[error("{0} is missing")]
    Empty(&'static str),
    /// The identifier is longer than allowed.
    #[error("{kind} is longer than {max} characters")]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// The maximum length.
        max: usize,
    },
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $max:expr, allow_empty = $allow_empty:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the identifier.
            ///
            /// # Errors
            /// [`IdError`] when it is empty (where not allowed) or too long.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                if !$allow_empty && value.trim().is_empty() {
                    return Err(IdError::Empty($kind));
                }
                if value.chars().count() > $max {
                    return Err(IdError::TooLong { kind: $kind, max: $max });
                }
                Ok(Self(value))
            }

            /// The identifier text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A broker's (or the sandbox's) order id. Always a string on the wire.
    OrderId, "Order ID", 64, allow_empty = false
);
string_id!(
    /// A trade (fill) id.
    TradeId, "Trade ID", 64, allow_empty = false
);
string_id!(
    /// The free-form `strategy` tag clients attach to orders (may be empty).
    StrategyTag, "strategy", 256, allow_empty = true
);
string_id!(
    /// A broker's instrument token (`408065::::1594`, `3045`, `NSE_EQ|INE062A01020`, ...).
    InstrumentToken, "token", 128, allow_empty = false
);

#[allow(clippy::derivable_impls)] // the macro's newtypes are not all defaultable
impl Default for StrategyTag {
    fn default() -> Self {
        Self(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_validate_in_constructors() {
        assert_eq!(OrderId::new(""), Err(IdError::Empty("Order ID")));
        assert_eq!(
            OrderId::new("  ").unwrap_err().to_string(),
            "Order ID is missing"
        );
        assert_eq!(
            OrderId::new("250408000989443").unwrap().as_str(),
            "250408000989443"
        );
        assert!(StrategyTag::new("").is_ok());
        assert!(StrategyTag::new("x".repeat(257)).is_err());
        assert!(InstrumentToken::new("408065::::1594").is_ok());
    }

    #[test]
    fn ids_are_strings_on_the_wire() {
        let id: OrderId = serde_json::from_str("\"25082212345678\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"25082212345678\"");
        assert!(serde_json::from_str::<OrderId>("123").is_err());
        assert!(serde_json::from_str::<OrderId>("\"\"").is_err());
    }
}
