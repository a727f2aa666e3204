//! The error returned when a wire string is not part of a closed vocabulary.

use thiserror::Error;

/// A value that is not one of the accepted spellings of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {kind} '{value}': must be one of: {}", .accepted.join(", "))]
pub struct VocabError {
    /// What was being parsed (`exchange`, `action`, ...).
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// Every accepted spelling, in the reference's order.
    pub accepted: &'static [&'static str],
}

impl VocabError {
    pub(crate) fn new(kind: &'static str, value: &str, accepted: &'static [&'static str]) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            accepted,
        }
    }

    /// The reference's validation message for this vocabulary: `Must be one of: A, B, C.`
    #[must_use]
    pub fn one_of_message(&self) -> String {
        format!("Must be one of: {}.", self.accepted.join(", "))
    }
}
