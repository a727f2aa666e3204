//! [`OrderTag`]: the identifier OpenAlgo-rs puts on every live order it places, so that the
//! order can be found again in the broker's book when the placement's answer was lost.

use std::fmt;

/// Every tag starts with this, so the order book can tell our orders from others.
pub const ORDER_TAG_PREFIX: &str = "openalgo";

/// Characters after the prefix (Kite allows 20 in all).
const SUFFIX_LEN: usize = 12;

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A unique order tag: `openalgo` + 12 lower-case alphanumerics (20 characters, within Kite's
/// limit of 20 alphanumerics).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderTag(String);

impl OrderTag {
    /// The tag for 64 bits of identity (a mixed seed and counter): the bits are mixed again
    /// and written in base 36.
    #[must_use]
    pub fn from_bits(bits: u64) -> Self {
        let mut n = mix(bits);
        let mut suffix = [b'0'; SUFFIX_LEN];
        for slot in suffix.iter_mut().rev() {
            // `n % 36` is below 36, so the index is in range.
            *slot = ALPHABET[usize::try_from(n % 36).unwrap_or(0)];
            n /= 36;
        }
        let mut text = String::with_capacity(ORDER_TAG_PREFIX.len() + SUFFIX_LEN);
        text.push_str(ORDER_TAG_PREFIX);
        text.extend(suffix.iter().map(|&b| char::from(b)));
        Self(text)
    }

    /// Reads a tag as a broker returns it; `None` unless it is one of ours.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let suffix = text.strip_prefix(ORDER_TAG_PREFIX)?;
        (suffix.len() == SUFFIX_LEN && suffix.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| Self(text.to_owned()))
    }

    /// Whether a broker's tag text was written by us (any [`OrderTag`], or the plain prefix).
    #[must_use]
    pub fn is_ours(text: &str) -> bool {
        text == ORDER_TAG_PREFIX || Self::parse(text).is_some()
    }

    /// The tag text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SplitMix64's finaliser: a bijection on `u64`, so distinct inputs give distinct outputs
/// before the base-36 truncation (36^12 ≈ 2^62).
const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_fit_kite_and_are_recognised() {
        let tag = OrderTag::from_bits(7);
        assert_eq!(tag.as_str().len(), 20);
        assert!(tag.as_str().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(tag.as_str().starts_with(ORDER_TAG_PREFIX));
        assert_eq!(OrderTag::parse(tag.as_str()), Some(tag.clone()));
        assert!(OrderTag::is_ours(tag.as_str()));
        assert!(OrderTag::is_ours("openalgo"));
        assert!(!OrderTag::is_ours("openalgoXYZ"));
        assert!(!OrderTag::is_ours("mystrategy"));
        assert_eq!(OrderTag::parse("openalgo0000000000zz!"), None);
    }

    #[test]
    fn neighbouring_bits_give_different_tags() {
        let tags: std::collections::HashSet<_> = (0..10_000).map(OrderTag::from_bits).collect();
        assert_eq!(tags.len(), 10_000);
        assert_eq!(OrderTag::from_bits(42), OrderTag::from_bits(42));
    }
}
