//! "Fernet(main)": secrets at rest are Fernet tokens under a key derived from the pepper with
//! PBKDF2-HMAC-SHA256 (100,000 iterations, the install's `FERNET_SALT`), as the reference does.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

/// PBKDF2 iterations of the reference.
const ITERATIONS: u32 = 100_000;

/// Encrypts and decrypts secrets stored in the database.
pub struct SecretCipher(fernet::Fernet);

impl std::fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCipher(..)")
    }
}

impl SecretCipher {
    /// Derives the key from the pepper and salt.
    ///
    /// # Panics
    /// Never: a 32-byte key always makes a valid Fernet key.
    #[must_use]
    pub fn new(pepper: &SecretString, salt: &[u8]) -> Self {
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            pepper.expose_secret().as_bytes(),
            salt,
            ITERATIONS,
            &mut key,
        );
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(key);
        Self(fernet::Fernet::new(&encoded).expect("a 32-byte key is a valid Fernet key"))
    }

    /// A Fernet token of `plaintext`.
    #[must_use]
    pub fn encrypt(&self, plaintext: &str) -> String {
        self.0.encrypt(plaintext.as_bytes())
    }

    /// The plaintext of a token made with the same key; `None` when it does not decrypt.
    #[must_use]
    pub fn decrypt(&self, token: &str) -> Option<String> {
        self.0
            .decrypt(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let pepper = SecretString::from("p".repeat(64));
        let c = SecretCipher::new(&pepper, b"0123456789abcdef");
        let token = c.encrypt("secret-key");
        assert_ne!(token, "secret-key");
        assert!(!token.contains("secret"));
        assert_eq!(c.decrypt(&token).as_deref(), Some("secret-key"));
        assert_ne!(
            c.encrypt("secret-key"),
            token,
            "tokens are not deterministic"
        );
        let other = SecretCipher::new(&pepper, b"another-salt-000");
        assert_eq!(other.decrypt(&token), None);
    }
}
