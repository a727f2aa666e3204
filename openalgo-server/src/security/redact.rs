//! Log redaction (platform §5.5): every log line passes through [`redact`] before it is
//! written, so API keys, passwords, tokens and secrets never reach a log even if a message
//! carries them by mistake. Beyond the reference's key list, any bare 64-hex run (the API-key
//! format) is masked too.

use std::borrow::Cow;
use std::io::Write;

/// Keys whose values are masked (matched case-insensitively, longest first).
const KEYS: [&str; 16] = [
    "api_key_pepper",
    "session_token",
    "access_token",
    "authorization",
    "feed_token",
    "auth_token",
    "totp_code",
    "enctoken",
    "password",
    "api_key",
    "api-key",
    "app_key",
    "apikey",
    "secret",
    "pepper",
    "token",
];

const MASK: &str = "[REDACTED]";

fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '}' | ']' | '&')
}

/// After a key at `i..j` in `s`: the byte range of its value, if the key is followed by
/// `:` or `=` (optionally quoted, with spaces).
fn value_after(s: &str, mut j: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
        j += 1;
    }
    while j < b.len() && b[j] == b' ' {
        j += 1;
    }
    if j >= b.len() || (b[j] != b':' && b[j] != b'=') {
        return None;
    }
    j += 1;
    while j < b.len() && b[j] == b' ' {
        j += 1;
    }
    if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
        j += 1;
    }
    // `Authorization: Bearer <token>`: the value is the scheme and the token.
    let from = if s[j..].to_ascii_lowercase().starts_with("bearer ") {
        j + 7
    } else {
        j
    };
    let end = s[from..].find(ends_value).map_or(s.len(), |k| from + k);
    (end > from).then_some((j, end))
}

fn mask_keys(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'scan: while i < s.len() {
        if lower[i..].starts_with("bearer ") {
            let start = i + 7;
            let end = s[start..].find(ends_value).map_or(s.len(), |k| start + k);
            if end > start {
                out.push_str(&s[i..start]);
                out.push_str(MASK);
                i = end;
                continue;
            }
        }
        for key in KEYS {
            if lower[i..].starts_with(key) {
                let boundary = i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
                if let (true, Some((vs, ve))) = (boundary, value_after(s, i + key.len())) {
                    out.push_str(&s[i..vs]);
                    out.push_str(MASK);
                    i = ve;
                    continue 'scan;
                }
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn mask_hex_runs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 64 {
            out.push_str(MASK);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `text` with secrets masked.
#[must_use]
pub fn redact(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let keyed = lower.contains("bearer ") || KEYS.iter().any(|k| lower.contains(k));
    let long_hex = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|run| run.len() >= 64);
    if !keyed && !long_hex {
        return Cow::Borrowed(text);
    }
    let masked = if keyed {
        mask_keys(text)
    } else {
        text.to_owned()
    };
    Cow::Owned(if long_hex {
        mask_hex_runs(&masked)
    } else {
        masked
    })
}

/// A writer for `tracing_subscriber` that redacts each write before passing it to `inner`.
#[derive(Debug)]
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Makes redacting writers over standard error.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactingStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactingStderr {
    type Writer = Redacting<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Redacting(std::io::stderr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keyed_values_bearer_tokens_and_api_keys() {
        let key = "ab".repeat(32);
        let cases = [
            ("apikey=SECRET1 next", "apikey=[REDACTED] next"),
            (
                r#"{"apikey": "SECRET2", "x": 1}"#,
                r#"{"apikey": "[REDACTED]", "x": 1}"#,
            ),
            ("Password: hunter2", "Password: [REDACTED]"),
            ("Authorization: Bearer abc.def", "Authorization: [REDACTED]"),
            ("header Bearer abc.def", "header Bearer [REDACTED]"),
            ("access_token='t0k' ok", "access_token='[REDACTED]' ok"),
            ("nothing to see", "nothing to see"),
            ("tokens are fine as words", "tokens are fine as words"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "{input}");
        }
        let line = format!("verifying key {key} for user");
        assert_eq!(redact(&line), "verifying key [REDACTED] for user");
    }

    #[test]
    fn the_writer_redacts() {
        let mut w = Redacting(Vec::new());
        w.write_all(b"password=abc\n").unwrap();
        assert_eq!(String::from_utf8(w.0).unwrap(), "password=[REDACTED]\n");
    }
}
