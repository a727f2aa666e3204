//! Order and trade identifiers in the reference's shapes.

use chrono::{Datelike, NaiveDateTime, Timelike};

/// Appends `value` as exactly `width` decimal digits (zero-padded, higher digits dropped).
fn push_digits(out: &mut String, value: u64, width: u32) {
    let mut div = 10u64.pow(width.saturating_sub(1));
    let mut v = value % (div * 10);
    while div > 0 {
        let d = u8::try_from(v / div).unwrap_or(0);
        out.push(char::from(b'0' + d));
        v %= div;
        div /= 10;
    }
}

/// `YYMMDD` + 8-digit sequence: the reference's 14-digit order-id shape.
pub(crate) fn order_id_text(now: NaiveDateTime, seq: u64) -> String {
    let mut s = String::with_capacity(14);
    push_digits(&mut s, u64::try_from(now.year()).unwrap_or(0), 2);
    push_digits(&mut s, u64::from(now.month()), 2);
    push_digits(&mut s, u64::from(now.day()), 2);
    push_digits(&mut s, seq, 8);
    s
}

/// `TRADE-YYYYMMDD-HHMMSS-<8-digit sequence>`.
pub(crate) fn trade_id_text(now: NaiveDateTime, seq: u64) -> String {
    let mut s = String::with_capacity(30);
    s.push_str("TRADE-");
    push_digits(&mut s, u64::try_from(now.year()).unwrap_or(0), 4);
    push_digits(&mut s, u64::from(now.month()), 2);
    push_digits(&mut s, u64::from(now.day()), 2);
    s.push('-');
    push_digits(&mut s, u64::from(now.hour()), 2);
    push_digits(&mut s, u64::from(now.minute()), 2);
    push_digits(&mut s, u64::from(now.second()), 2);
    s.push('-');
    push_digits(&mut s, seq, 8);
    s
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn id_shapes() {
        let t = NaiveDateTime::parse_from_str("2025-08-22 10:15:03", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(order_id_text(t, 12_345), "25082200012345");
        assert_eq!(order_id_text(t, 123_456_789), "25082223456789");
        assert_eq!(trade_id_text(t, 7), "TRADE-20250822-101503-00000007");
    }
}
