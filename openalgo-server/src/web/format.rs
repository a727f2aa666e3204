//! Number and time formatting of the pages: amounts with two decimals and Indian digit
//! grouping (12,34,567.89), computed on the exact decimal, never through a float.

use rust_decimal::Decimal;

/// `12,34,567.89` (two decimals, Indian grouping, leading `-` when negative).
#[must_use]
pub(super) fn money(value: Decimal) -> String {
    let fixed = format!("{:.2}", value.round_dp(2));
    let (sign, digits) = fixed
        .strip_prefix('-')
        .map_or(("", fixed.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    let n = int.len();
    for (i, c) in int.chars().enumerate() {
        let left = n - i;
        if i > 0 && (left == 3 || (left > 3 && (left - 3) % 2 == 0)) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value.round_dp(2).is_zero() {
        ""
    } else {
        sign
    };
    format!("{sign}{grouped}.{frac}")
}

/// The CSS class of a signed amount: `up`, `down` or nothing.
#[must_use]
pub(super) fn tone(value: Decimal) -> &'static str {
    if value.is_sign_positive() && !value.is_zero() {
        "up"
    } else if value.is_sign_negative() && !value.is_zero() {
        "down"
    } else {
        ""
    }
}

/// A table cell with a signed amount.
#[must_use]
pub(super) fn signed_cell(value: Decimal) -> String {
    format!(r#"<td class="num {}">{}</td>"#, tone(value), money(value))
}

/// `HH:MM:SS` of an order or trade time.
#[must_use]
pub(super) fn time(t: chrono::NaiveDateTime) -> String {
    t.format("%H:%M:%S").to_string()
}

/// Percent-encodes a query value (only characters a ticket field can hold matter).
pub(super) fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_use_indian_grouping() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(money(d("1234567.891")), "12,34,567.89");
        assert_eq!(money(d("-1000")), "-1,000.00");
        assert_eq!(money(d("999.5")), "999.50");
        assert_eq!(money(d("100000")), "1,00,000.00");
        assert_eq!(money(d("-0.001")), "0.00");
        assert_eq!(tone(d("-2")), "down");
        assert_eq!(tone(d("0")), "");
        assert_eq!(query_value("SL-M"), "SL-M");
        assert_eq!(query_value("A&B C"), "A%26B%20C");
    }
}
