//! CSV lines of the brokers' instrument masters (Kite's and Dhan's): fields split in place,
//! borrowed where unquoted, so a 150,000-row master parses without a field allocation per cell.

use std::borrow::Cow;

/// Splits one CSV line into `out` (cleared by the caller); quoted fields may hold commas and
/// doubled quotes.
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut Vec<Cow<'a, str>>) {
    let bytes = line.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        if bytes.get(start) == Some(&b'"') {
            let mut value = String::new();
            let mut i = start + 1;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        value.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                let next = memchr::memchr(b'"', &bytes[i..]).map_or(bytes.len(), |p| i + p);
                value.push_str(&line[i..next]);
                i = next;
            }
            out.push(Cow::Owned(value));
            // Skip the closing quote and the comma after it.
            start = memchr::memchr(b',', &bytes[i.min(bytes.len())..])
                .map_or(bytes.len() + 1, |p| i + p + 1);
        } else {
            let end = memchr::memchr(b',', &bytes[start..]).map_or(bytes.len(), |p| start + p);
            out.push(Cow::Borrowed(&line[start..end]));
            start = end + 1;
        }
    }
}
