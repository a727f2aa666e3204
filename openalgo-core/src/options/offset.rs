//! Strike offsets: `ATM`, `ITM1`..`ITM50`, `OTM1`..`OTM50`, and which way they step.

use std::fmt;
use std::str::FromStr;

use super::error::ResolveError;
use crate::OptionType;

/// The largest ITM/OTM step the API accepts.
pub const MAX_OFFSET: u16 = 50;

/// A strike position relative to the at-the-money strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    /// The listed strike nearest the underlying's price.
    Atm,
    /// `n` strikes into the money (below ATM for a call, above for a put). Requests allow 1–50;
    /// option-chain labels count further.
    Itm(u16),
    /// `n` strikes out of the money (above ATM for a call, below for a put).
    Otm(u16),
}

impl Offset {
    /// The signed number of ladder steps from ATM for this option type: negative is towards
    /// lower strikes.
    #[must_use]
    pub fn steps(self, option_type: OptionType) -> i32 {
        let (n, up) = match (self, option_type) {
            (Self::Atm, _) => (0, true),
            (Self::Itm(n), OptionType::Call) | (Self::Otm(n), OptionType::Put) => (n, false),
            (Self::Otm(n), OptionType::Call) | (Self::Itm(n), OptionType::Put) => (n, true),
        };
        if up { i32::from(n) } else { -i32::from(n) }
    }

    /// The label of a call (or, with `option_type` put, a put) whose strike sits `position`
    /// rungs from ATM in the ladder (negative below), as the option chain labels it.
    #[must_use]
    pub fn label(position: i64, option_type: OptionType) -> Option<Self> {
        let n = u16::try_from(position.unsigned_abs()).ok()?;
        Some(match (position.signum(), option_type) {
            (0, _) => Self::Atm,
            (-1, OptionType::Call) | (1, OptionType::Put) => Self::Itm(n),
            _ => Self::Otm(n),
        })
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Atm => f.write_str("ATM"),
            Self::Itm(n) => write!(f, "ITM{n}"),
            Self::Otm(n) => write!(f, "OTM{n}"),
        }
    }
}

impl FromStr for Offset {
    type Err = ResolveError;

    /// Case-insensitive `ATM`, `ITM1`..`ITM50`, `OTM1`..`OTM50` (no sign, no leading zero).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("ATM") {
            return Ok(Self::Atm);
        }
        let (head, digits) = text
            .split_at_checked(3)
            .ok_or(ResolveError::InvalidOffset)?;
        let itm = head.eq_ignore_ascii_case("ITM");
        if !itm && !head.eq_ignore_ascii_case("OTM") {
            return Err(ResolveError::InvalidOffset);
        }
        let ok = !digits.is_empty()
            && digits.len() <= 2
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        let n: u16 = if ok {
            digits.parse().map_err(|_| ResolveError::InvalidOffset)?
        } else {
            return Err(ResolveError::InvalidOffset);
        };
        if n > MAX_OFFSET {
            return Err(ResolveError::InvalidOffset);
        }
        Ok(if itm { Self::Itm(n) } else { Self::Otm(n) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        assert_eq!("atm".parse::<Offset>(), Ok(Offset::Atm));
        assert_eq!("ITM1".parse::<Offset>(), Ok(Offset::Itm(1)));
        assert_eq!("otm50".parse::<Offset>(), Ok(Offset::Otm(50)));
        for bad in [
            "", "ITM", "ITM0", "ITM51", "OTM01", "ITM-1", "XTM3", "ITM1 ", "ATM1", "IT",
        ] {
            assert_eq!(
                bad.parse::<Offset>(),
                Err(ResolveError::InvalidOffset),
                "{bad}"
            );
        }
        for n in 1..=MAX_OFFSET {
            for o in [Offset::Itm(n), Offset::Otm(n)] {
                assert_eq!(o.to_string().parse::<Offset>(), Ok(o));
            }
        }
    }

    #[test]
    fn direction() {
        // rest-api §2.7: CE ITMn below ATM, OTMn above; PE the reverse.
        assert_eq!(Offset::Itm(2).steps(OptionType::Call), -2);
        assert_eq!(Offset::Otm(2).steps(OptionType::Call), 2);
        assert_eq!(Offset::Itm(2).steps(OptionType::Put), 2);
        assert_eq!(Offset::Otm(2).steps(OptionType::Put), -2);
        assert_eq!(Offset::Atm.steps(OptionType::Put), 0);
        assert_eq!(Offset::label(-3, OptionType::Call), Some(Offset::Itm(3)));
        assert_eq!(Offset::label(-3, OptionType::Put), Some(Offset::Otm(3)));
        assert_eq!(Offset::label(4, OptionType::Call), Some(Offset::Otm(4)));
        assert_eq!(Offset::label(4, OptionType::Put), Some(Offset::Itm(4)));
        assert_eq!(Offset::label(0, OptionType::Put), Some(Offset::Atm));
        for n in 1..=MAX_OFFSET {
            for ot in [OptionType::Call, OptionType::Put] {
                let pos = i64::from(Offset::Itm(n).steps(ot));
                assert_eq!(Offset::label(pos, ot), Some(Offset::Itm(n)));
            }
        }
    }
}
