//! A broker session a broker refused: forgotten, unless a login replaced it meanwhile, so
//! later calls fail at once with "log in again" instead of retrying a dead token.

use std::sync::{PoisonError, RwLock};

use secrecy::{ExposeSecret, SecretString};

/// Empties `slot` when the session in it still signs with `used` (its secret read by
/// `secret`), and says so in the log on behalf of `broker`. Returns whether it did.
pub(crate) fn forget<S>(
    slot: &RwLock<Option<S>>,
    used: &SecretString,
    secret: impl Fn(&S) -> &SecretString,
    broker: &str,
) -> bool {
    let mut current = slot.write().unwrap_or_else(PoisonError::into_inner);
    let same = current
        .as_ref()
        .is_some_and(|s| secret(s).expose_secret() == used.expose_secret());
    if same {
        *current = None;
        tracing::warn!("{broker} refused the session token: marked expired");
    }
    same
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_refused_token_is_forgotten() {
        let slot = RwLock::new(Some(SecretString::from("new")));
        // A login replaced the token the refused call used: kept.
        assert!(!forget(&slot, &"old".into(), |s| s, "Test"));
        assert!(slot.read().unwrap().is_some());
        assert!(forget(&slot, &"new".into(), |s| s, "Test"));
        assert!(slot.read().unwrap().is_none());
    }
}
