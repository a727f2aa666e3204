//! The `pattern`s the OpenAPI document gives numeric and date strings: the grammar
//! [`openalgo_core::money::parse_decimal`] (or the date parser) accepts, with the field's bound.
//!
//! Over short inputs (≤ 15 integer digits, ≤ 12 decimals, one-digit exponents) a pattern
//! matches exactly the strings validation accepts; longer spellings that happen to fit a
//! decimal are left out, so every documented string is accepted. The syntax is the common
//! subset of ECMA-262, Python `re` and Rust `regex` (no `\d`, no look-around).

use super::fields::{Bound, Whole};

/// Whitespace `str::trim` removes, ASCII part.
const WS: &str = r"[\t-\r ]*";
/// A mantissa: leading zeros, then up to 15 integer digits and 12 decimals.
const MANTISSA: &str = r"(0*[0-9]{1,15}(\.[0-9]{0,12})?|\.[0-9]{1,12})";
/// A mantissa that is not zero.
const NON_ZERO: &str = r"(0*[1-9][0-9]{0,14}(\.[0-9]{0,12})?|0*\.[0-9]{0,11}[1-9][0-9]{0,11})";
/// A mantissa that is not zero, before an exponent (at most 12 decimals).
const NON_ZERO_EXP: &str = r"(0*[1-9][0-9]{0,14}(\.[0-9]{0,12})?|0*\.0{0,5}[1-9][0-9]{0,6})";
/// A zero mantissa.
const ZERO: &str = r"(0+(\.0{0,12})?|\.0{1,12})";
/// A whole mantissa (decimals, if any, are zeros).
const WHOLE: &str = r"(0*[0-9]{1,15}(\.0{0,12})?|\.0{1,12})";
/// A whole mantissa that is not zero (at most 15 digits: it fits a `u64`).
const WHOLE_NON_ZERO: &str = r"0*[1-9][0-9]{0,14}(\.0{0,12})?";
/// A one-digit exponent.
const EXP: &str = r"[eE][+-]?0{0,2}[0-9]";

fn anchored(body: &str) -> String {
    format!("^{WS}({body}){WS}$")
}

/// The pattern of a numeric string with this bound and wholeness.
#[must_use]
pub fn number(bound: Bound, whole: Whole) -> String {
    let whole = whole != Whole::No;
    anchored(&match (bound, whole) {
        // `+-1` and `++1` parse (one `+` is dropped, the rest is a signed decimal); an
        // exponent form takes a single sign.
        (Bound::Any, false) => format!(r"\+?[+-]?{MANTISSA}|[+-]?{MANTISSA}{EXP}"),
        (Bound::Any, true) => format!(r"\+?[+-]?{WHOLE}"),
        (Bound::NonNegative, false) => {
            format!(r"\+{{0,2}}{MANTISSA}|\+?{MANTISSA}{EXP}|\+?-{ZERO}|-{ZERO}{EXP}")
        }
        (Bound::NonNegative, true) => format!(r"\+{{0,2}}{WHOLE}|\+?-{ZERO}"),
        (Bound::Positive | Bound::AtLeastOne, true) => format!(r"\+{{0,2}}{WHOLE_NON_ZERO}"),
        (Bound::Positive, false) => format!(r"\+{{0,2}}{NON_ZERO}|\+?{NON_ZERO_EXP}{EXP}"),
        // Numbers of at least one without an exponent (a subset).
        (Bound::AtLeastOne, false) => r"\+{0,2}0*[1-9][0-9]{0,14}(\.[0-9]{0,12})?".to_owned(),
        // Percentages without an exponent (a subset).
        (Bound::Percent, false) => {
            r"\+?0*([0-9]{1,2}(\.[0-9]{0,12})?|100(\.0{0,12})?|\.[0-9]{1,12})".to_owned()
        }
        (Bound::Percent, true) => r"\+?0*([0-9]{1,2}|100)(\.0{0,12})?".to_owned(),
    })
}

/// The pattern of an integer string in `min..=max`: short ranges listed; from 0 or 1 up to
/// `10^k - 1`, exactly the integers of up to `k` digits; others any 15-digit integer of the
/// range's sign.
#[must_use]
pub fn integer(min: i64, max: i64) -> String {
    let digits = (1..=15u32).find(|&k| i64::checked_pow(10, k).is_some_and(|p| p - 1 == max));
    let values = if max.saturating_sub(min) <= 100 {
        (min..=max)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("|")
    } else if let (Some(k), 0 | 1) = (digits, min) {
        if min == 1 {
            format!("[1-9][0-9]{{0,{}}}", k - 1)
        } else {
            format!("[0-9]{{1,{k}}}")
        }
    } else if min >= 1 {
        "[1-9][0-9]{0,14}".to_owned()
    } else if min == 0 {
        "[0-9]{1,15}".to_owned()
    } else {
        "-?[0-9]{1,15}".to_owned()
    };
    anchored(&format!(r"\+{{0,2}}0*({values})(\.0{{0,12}})?"))
}

/// A string with something besides whitespace.
#[must_use]
pub const fn non_blank() -> &'static str {
    r"[^\t-\r ]"
}

/// A blank string or a non-negative number (the margin leg's optional `price`).
#[must_use]
pub fn blank_or_non_negative() -> String {
    format!("^{WS}$|{}", number(Bound::NonNegative, Whole::No))
}

/// A `YYYY-MM-DD` date from 2020-01-01 to 2050-12-31, surrounding whitespace allowed (the
/// market-timings date).
#[must_use]
pub fn date_2020_2050() -> String {
    let year = "(202[0-9]|20[34][0-9]|2050)";
    let leap = "(2020|2024|2028|2032|2036|2040|2044|2048)";
    anchored(&format!(
        r"\+?{year}-((0?[1-9]|1[0-2])-(0?[1-9]|1[0-9]|2[0-8])|(0?[13-9]|1[0-2])-(29|30)|(0?[13578]|1[02])-31)|\+?{leap}-0?2-29"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::fields::{Field, Kind};
    use crate::validation::{Format, validate};
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn accepted(kind: Kind, text: &str) -> bool {
        let fields: &'static [Field] = Box::leak(Box::new([Field::required("v", kind)]));
        let mut m = Map::new();
        m.insert("v".into(), Value::String(text.to_owned()));
        validate(fields, m, Format::Object).is_ok_and(|v| match kind {
            // The handler's own check of a whole quantity that fits a u64.
            Kind::Number {
                whole: Whole::After,
                bound,
                ..
            } => v.opt_number("v").is_some_and(|d| {
                d.fract().is_zero() && (bound == Bound::Any || u64::try_from(d).is_ok())
            }),
            _ => true,
        })
    }

    /// Every kind with its pattern and whether the pattern is exact over short strings
    /// (whole numbers leave exponent forms out, numbers of at least one are a subset).
    fn kinds() -> Vec<(Kind, String, bool)> {
        let mut out = Vec::new();
        for bound in [
            Bound::Any,
            Bound::NonNegative,
            Bound::Positive,
            Bound::AtLeastOne,
        ] {
            for whole in [Whole::No, Whole::Checked, Whole::After] {
                let exact = !(bound == Bound::AtLeastOne && whole == Whole::No);
                out.push((Kind::number(bound, whole, "m"), number(bound, whole), exact));
            }
        }
        let year = Kind::Integer {
            min: 2020,
            max: 2050,
            message: "m",
        };
        out.push((year, integer(2020, 2050), true));
        out
    }

    /// Whether the pattern leaves this string out by design (see module docs).
    fn outside_short_grammar(kind: Kind, s: &str) -> bool {
        let long_exponent = regex::Regex::new(r"[eE][+-]?0*[1-9][0-9]").unwrap();
        let whole = !matches!(
            kind,
            Kind::Number {
                whole: Whole::No,
                ..
            }
        );
        long_exponent.is_match(s) || (whole && s.contains(['e', 'E']))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn every_documented_string_is_accepted(
            (i, s) in (0usize..13).prop_flat_map(|i| {
                let pattern = kinds()[i].1.clone();
                let unanchored = pattern[1..pattern.len() - 1].to_owned();
                (Just(i), proptest::string::string_regex(&unanchored).unwrap())
            })
        ) {
            let (kind, pattern, _) = &kinds()[i];
            prop_assert!(accepted(*kind, &s), "{pattern} generated {s:?}, refused");
        }

        #[test]
        fn every_accepted_short_string_is_documented(i in 0usize..13, s in "[ 0-9.eE+-]{0,8}") {
            let (kind, pattern, exact) = &kinds()[i];
            let r = regex::Regex::new(pattern).unwrap();
            if *exact && !outside_short_grammar(*kind, &s) {
                prop_assert_eq!(accepted(*kind, &s), r.is_match(&s), "{} on {:?}", pattern, s);
            }
        }
    }

    #[test]
    fn dates_are_those_of_the_calendar_range() {
        let r = regex::Regex::new(&date_2020_2050()).unwrap();
        let parse = |s: &str| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .is_ok_and(|d| (2020..=2050).contains(&chrono::Datelike::year(&d)))
        };
        let mut day = chrono::NaiveDate::from_ymd_opt(2019, 12, 1).unwrap();
        while day.to_string() != "2051-02-01" {
            let s = day.to_string();
            assert_eq!(r.is_match(&s), parse(&s), "{s}");
            day = day.succ_opt().unwrap();
        }
        for s in [
            "2024-1-5",
            " 2024-02-29 ",
            "+2032-2-29",
            "2023-02-29",
            "2024-04-31",
            "2051-01-01",
        ] {
            assert_eq!(r.is_match(s), parse(s), "{s}");
        }
        let blank = regex::Regex::new(&blank_or_non_negative()).unwrap();
        assert!(blank.is_match("  ") && blank.is_match("1.5") && !blank.is_match("-1"));
    }
}
