//! The `wire_enum!` macro: closed enums that carry OpenAlgo's exact wire strings.

/// Defines a closed enum whose variants map one-to-one to wire strings.
///
/// Each variant has one canonical wire string (used by `Display`, `as_str` and serde output) and
/// optional aliases that are accepted on input only (e.g. `buy` for `BUY`). Parsing is exact and
/// case-sensitive: only the listed spellings are accepted, as the reference does.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in the reference's listing order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Every spelling accepted on input: canonical strings first, then aliases.
            pub const ACCEPTED: &'static [&'static str] = &[$($wire,)+ $($($alias,)*)+];

            /// The canonical wire string.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocab::VocabError;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $( $wire $(| $alias)* => Ok(Self::$variant), )+
                    _ => Err($crate::vocab::VocabError::new($what, s, Self::ACCEPTED)),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use wire_enum;
