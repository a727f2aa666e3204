//! Request schemas as data: each endpoint declares its fields once (declaration order,
//! required, kind with its bounds and messages); the validator walks them
//! ([`super::walk`]) and the OpenAPI document renders them.

/// The range a number must fall in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Any finite number.
    Any,
    /// `>= 0`.
    NonNegative,
    /// `> 0`.
    Positive,
    /// `>= 1`.
    AtLeastOne,
    /// `0..=100` (a percentage).
    Percent,
}

/// Whether a number must be whole, and where that is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// Fractions allowed.
    No,
    /// Part of the field's rule (its message covers it).
    Checked,
    /// Checked by the handler right after validation, before authentication, with a message
    /// of its own (the reference's fractional-quantity check); documented as whole.
    After,
}

/// A rule the handler applies to a text field after validation and before authentication,
/// documented in the schema so that no documented value is refused by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// No further rule.
    Nothing,
    /// The text must be a number with this bound and wholeness.
    Number(Bound, Whole),
    /// The text must be blank or a non-negative number.
    BlankOrNonNegative,
    /// The text must be a `YYYY-MM-DD` date from 2020 to 2050 (surrounding spaces allowed).
    Date2020To2050,
    /// The text must be one of these spellings.
    OneOf(&'static [&'static str]),
    /// The text must not be blank (the handler's own message says what is missing).
    NonBlank,
    /// The text, upper-cased, must be one of these (upper-case) spellings.
    UpperOneOf(&'static [&'static str]),
}

/// A text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// Minimum length in characters (checked when `max` > 0).
    pub min: usize,
    /// Maximum length in characters; 0 when unchecked.
    pub max: usize,
    /// The message for a length outside the bounds when it is not the generic one.
    pub message: Option<&'static str>,
    /// A rule applied after validation.
    pub then: Then,
}

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text(Text),
    /// One of these exact spellings (a vocabulary's accepted list, or a subset of it).
    Choice(&'static [&'static str]),
    /// One of these exact spellings, refused with a message of its own.
    ChoiceWith(&'static [&'static str], &'static str),
    /// One of these lower-case spellings in any letter case; the value is lower-cased.
    Folded(&'static [&'static str]),
    /// A number or a numeric string.
    Number {
        /// Its range.
        bound: Bound,
        /// Whether it must be whole.
        whole: Whole,
        /// The message for a value outside the rule (empty for [`Bound::Any`]).
        message: &'static str,
    },
    /// An integer or an integer string, within `min..=max`.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
        /// The message for a value outside the range.
        message: &'static str,
    },
    /// A boolean or one of its accepted spellings.
    Boolean,
    /// A `YYYY-MM-DD` date.
    Date,
    /// A strike offset: `ATM`, `ITM1`..`ITM50` or `OTM1`..`OTM50` in any letter case.
    Offset,
    /// A list of objects, each with `fields`.
    Objects {
        /// The fields of each item.
        fields: &'static [Field],
        /// Fewest items.
        min: usize,
        /// Most items; 0 when unbounded.
        max: usize,
        /// The message for a count outside the bounds.
        message: &'static str,
    },
}

/// What an empty value of an optional field means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Nothing special: `null` is refused, `""` is read by the kind.
    Refused,
    /// `""` means absent (the default applies).
    Blank,
    /// `""` and `null` mean absent.
    BlankOrNull,
    /// `null` means absent (`""` is read by the kind).
    Null,
}

/// One field of a request schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// What it accepts.
    pub kind: Kind,
    /// What an empty value means.
    pub empty: Empty,
}

impl Field {
    /// A required field.
    #[must_use]
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            required: true,
            kind,
            empty: Empty::Refused,
        }
    }

    /// An optional field.
    #[must_use]
    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            required: false,
            kind,
            empty: Empty::Refused,
        }
    }

    /// An optional field that may also be JSON `null` (read as absent).
    #[must_use]
    pub const fn nullable(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            required: false,
            kind,
            empty: Empty::Null,
        }
    }

    /// An optional field whose empty value (`""`, or also `null`, per `empty`) means absent.
    #[must_use]
    pub const fn optional_empty(name: &'static str, kind: Kind, empty: Empty) -> Self {
        Self {
            name,
            required: false,
            kind,
            empty,
        }
    }
}

impl Kind {
    /// Any string.
    pub const TEXT: Self = Self::Text(Text {
        min: 0,
        max: 0,
        message: None,
        then: Then::Nothing,
    });

    /// A string of `min..=max` characters with the generic message.
    #[must_use]
    pub const fn text(min: usize, max: usize) -> Self {
        Self::Text(Text {
            min,
            max,
            message: None,
            then: Then::Nothing,
        })
    }

    /// A string of `min..=max` characters with its own message.
    #[must_use]
    pub const fn text_with(min: usize, max: usize, message: &'static str) -> Self {
        Self::Text(Text {
            min,
            max,
            message: Some(message),
            then: Then::Nothing,
        })
    }

    /// Any string that the handler then checks with `then`.
    #[must_use]
    pub const fn text_then(then: Then) -> Self {
        Self::Text(Text {
            min: 0,
            max: 0,
            message: None,
            then,
        })
    }

    /// A number with a range rule and its message.
    #[must_use]
    pub const fn number(bound: Bound, whole: Whole, message: &'static str) -> Self {
        Self::Number {
            bound,
            whole,
            message,
        }
    }

    /// Any number.
    pub const ANY_NUMBER: Self = Self::Number {
        bound: Bound::Any,
        whole: Whole::No,
        message: "",
    };
}
