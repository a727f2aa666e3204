//! Authentication: Argon2id hashing with the pepper, OpenAlgo API keys and their verification
//! cache.

mod api_key;
mod cipher;
mod hashing;

pub use api_key::{ApiKeys, generate_api_key};
pub use cipher::SecretCipher;
pub use hashing::{hash_secret, verify_secret};
