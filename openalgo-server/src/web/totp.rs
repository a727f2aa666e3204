//! TOTP (RFC 6238 over RFC 4226): 6 digits, 30-second steps, HMAC-SHA1, base32 secrets, as
//! authenticator apps and the reference (pyotp) use them. Only the current step is accepted,
//! and the store remembers the last accepted step so a code is good once.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648, no padding) of `bytes`.
#[must_use]
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of a base32 secret (case and spaces ignored); `None` when malformed.
#[must_use]
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// A new 160-bit secret, base32 (32 characters).
#[must_use]
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

/// The time step of an instant.
#[must_use]
pub const fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000 * STEP_SECONDS)
}

/// The 6-digit code of `secret` at `step`.
#[must_use]
pub fn code(secret: &[u8], step: i64) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The step `code` is valid for at `now_ms` (the current step only), or `None`.
#[must_use]
pub fn verify(secret_b32: &str, code_text: &str, now_ms: i64) -> Option<i64> {
    let secret = from_base32(secret_b32)?;
    let typed: String = code_text.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = step_at(now_ms);
    let expected = code(&secret, step);
    // Constant-time comparison of the digits.
    let same = expected
        .bytes()
        .zip(typed.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    same.then_some(step)
}

/// The `otpauth://` provisioning URI for authenticator apps.
#[must_use]
pub fn provisioning_uri(secret_b32: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/OpenAlgo:{}?secret={secret_b32}&issuer=OpenAlgo",
        enc(account)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", last 6 digits.
        let secret = b"12345678901234567890";
        for (t, want) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code(secret, t / 30), want, "t = {t}");
        }
    }

    #[test]
    fn base32_round_trip_and_verification() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let bytes = from_base32(&secret).unwrap();
        assert_eq!(base32(&bytes), secret);
        let now = 1_764_300_000_000;
        let good = code(&bytes, step_at(now));
        assert_eq!(verify(&secret, &good, now), Some(step_at(now)));
        assert_eq!(
            verify(&secret, &good, now + 30_000),
            None,
            "only the current step"
        );
        assert_eq!(verify(&secret, "12345", now), None);
        assert!(from_base32("not base32!").is_none());
        assert!(provisioning_uri(&secret, "admin@x").contains("OpenAlgo:admin%40x?secret="));
    }
}
