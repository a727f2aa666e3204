//! Argon2id (RFC 9106 low-memory profile: m=64 MiB, t=3, p=4) of secret + pepper, as PHC strings.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

fn argon2() -> Argon2<'static> {
    let params = Params::new(65_536, 3, 4, Some(32)).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `secret` with the pepper appended (the reference's scheme).
///
/// # Errors
/// When hashing fails (out of memory).
pub fn hash_secret(
    secret: &str,
    pepper: &SecretString,
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let input = format!("{secret}{}", pepper.expose_secret());
    Ok(argon2().hash_password(input.as_bytes(), &salt)?.to_string())
}

/// True when `secret` + pepper matches the PHC string.
#[must_use]
pub fn verify_secret(secret: &str, pepper: &SecretString, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let input = format!("{secret}{}", pepper.expose_secret());
    argon2().verify_password(input.as_bytes(), &parsed).is_ok()
}
