//! How a user logs in to a broker: [`LoginKind`] declared by the entry, [`LoginParams`] carried
//! from the callback (or form) to the adapter.

use secrecy::SecretString;

/// The login a broker needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    /// No login (the simulator).
    None,
    /// The broker's hosted login page ([`super::LiveSession::login_url`]) redirects back to
    /// `/<broker>/callback` with a request token (Zerodha's `request_token`).
    OAuthRedirect,
    /// The user types credentials into our form (Angel: client code, PIN, TOTP; Dhan: client
    /// id, access token); they reach [`super::LiveSession::complete_login`] by field name.
    CredentialForm {
        /// The form's fields, in order.
        fields: &'static [FormField],
    },
}

/// One field of a [`LoginKind::CredentialForm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// The parameter name the adapter reads (`clientcode`, `pin`, `totp`).
    pub name: &'static str,
    /// The label shown to the user.
    pub label: &'static str,
    /// Whether the input is masked (PINs, tokens).
    pub secret: bool,
}

/// The parameters of a login callback or form, every value kept secret (tokens, PINs).
#[derive(Default)]
pub struct LoginParams(Vec<(String, SecretString)>);

impl std::fmt::Debug for LoginParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl LoginParams {
    /// Parameters from name/value pairs (a query string or a form).
    pub fn new<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), SecretString::from(v.into())))
                .collect(),
        )
    }

    /// The first non-blank value among `names`, in the order given.
    #[must_use]
    pub fn first_of(&self, names: &[&str]) -> Option<SecretString> {
        use secrecy::ExposeSecret;
        names.iter().find_map(|name| {
            self.0
                .iter()
                .find(|(k, v)| k == name && !v.expose_secret().trim().is_empty())
                .map(|(_, v)| SecretString::from(v.expose_secret().trim().to_owned()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn params_pick_the_first_non_blank_name_and_never_print_values() {
        let p = LoginParams::new([("code", " "), ("request_token", " rt-1 ")]);
        let got = p.first_of(&["code", "request_token"]).expect("token");
        assert_eq!(got.expose_secret(), "rt-1");
        assert!(p.first_of(&["pin"]).is_none());
        let shown = format!("{p:?}");
        assert!(
            shown.contains("request_token") && !shown.contains("rt-1"),
            "{shown}"
        );
    }
}
