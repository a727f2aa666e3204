//! Subscription modes and the reference's single mode normaliser (websocket.md §2.4).

use serde::Serialize;
use thiserror::Error;

/// LTP ⊂ Quote ⊂ Depth: a higher mode's payload contains everything a lower one needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriptionMode {
    /// Last traded price.
    Ltp = 1,
    /// Quote (OHLC, volume, totals).
    Quote = 2,
    /// Quote plus market depth.
    Depth = 3,
}

/// A client-supplied mode that is not 1–3 or LTP/Quote/Depth.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModeError {
    /// An integer outside 1–3.
    #[error("Invalid mode {0}; expected 1 (LTP), 2 (Quote), or 3 (Depth)")]
    Number(i64),
    /// An unknown string (numeric strings included).
    #[error("Invalid mode '{0}'; expected 'LTP', 'Quote', or 'Depth' (case-insensitive)")]
    Text(String),
    /// A JSON value of another type.
    #[error("Mode must be int or str, got {0}")]
    Type(String),
}

impl SubscriptionMode {
    /// The numeric code (1, 2, 3).
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The canonical label (`LTP`, `Quote`, `Depth`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Ltp => "LTP",
            Self::Quote => "Quote",
            Self::Depth => "Depth",
        }
    }

    /// The bus topic suffix (`LTP`, `QUOTE`, `DEPTH`).
    #[must_use]
    pub const fn topic_suffix(self) -> &'static str {
        match self {
            Self::Ltp => "LTP",
            Self::Quote => "QUOTE",
            Self::Depth => "DEPTH",
        }
    }

    /// From the numeric code.
    ///
    /// # Errors
    /// [`ModeError::Number`] outside 1–3.
    pub const fn from_code(code: i64) -> Result<Self, ModeError> {
        match code {
            1 => Ok(Self::Ltp),
            2 => Ok(Self::Quote),
            3 => Ok(Self::Depth),
            n => Err(ModeError::Number(n)),
        }
    }

    /// From a label, case-insensitively, ignoring surrounding whitespace.
    ///
    /// # Errors
    /// [`ModeError::Text`] for anything else, numeric strings included.
    pub fn from_label(text: &str) -> Result<Self, ModeError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "LTP" => Ok(Self::Ltp),
            "QUOTE" => Ok(Self::Quote),
            "DEPTH" => Ok(Self::Depth),
            _ => Err(ModeError::Text(text.to_owned())),
        }
    }

    /// Normalises a client's JSON `mode`: integers 1–3 or labels; floats, booleans, null and
    /// other types are refused.
    ///
    /// # Errors
    /// [`ModeError`] with the reference's message.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, ModeError> {
        use serde_json::Value;
        match value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::from_code(i),
                None => Err(ModeError::Type("float".into())),
            },
            Value::String(s) => Self::from_label(s),
            Value::Bool(b) => Err(ModeError::Type(format!(
                "bool ({})",
                if *b { "True" } else { "False" }
            ))),
            Value::Null => Err(ModeError::Type("NoneType".into())),
            Value::Array(_) => Err(ModeError::Type("list".into())),
            Value::Object(_) => Err(ModeError::Type("dict".into())),
        }
    }
}

impl Serialize for SubscriptionMode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normaliser_matches_reference() {
        assert_eq!(
            SubscriptionMode::from_json(&json!(1)),
            Ok(SubscriptionMode::Ltp)
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!(" quote ")),
            Ok(SubscriptionMode::Quote)
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!("DEPTH")),
            Ok(SubscriptionMode::Depth)
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!(4))
                .unwrap_err()
                .to_string(),
            "Invalid mode 4; expected 1 (LTP), 2 (Quote), or 3 (Depth)"
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!("1"))
                .unwrap_err()
                .to_string(),
            "Invalid mode '1'; expected 'LTP', 'Quote', or 'Depth' (case-insensitive)"
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!(true))
                .unwrap_err()
                .to_string(),
            "Mode must be int or str, got bool (True)"
        );
        assert_eq!(
            SubscriptionMode::from_json(&json!(2.0))
                .unwrap_err()
                .to_string(),
            "Mode must be int or str, got float"
        );
        assert!(SubscriptionMode::from_json(&json!("FULL")).is_err());
        assert!(SubscriptionMode::Depth > SubscriptionMode::Quote);
    }
}
