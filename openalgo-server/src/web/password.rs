//! Password rules (platform §1.2): at least 8 characters with an upper-case letter, a
//! lower-case letter, a digit and one of `!@#$%^&*`.

/// The rules `password` breaks, as messages (empty when it is acceptable).
#[must_use]
pub fn weaknesses(password: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if password.chars().count() < 8 {
        out.push("Password must be at least 8 characters long");
    }
    if !password.chars().any(|c| c.is_ascii_uppercase()) {
        out.push("Password must contain at least one uppercase letter");
    }
    if !password.chars().any(|c| c.is_ascii_lowercase()) {
        out.push("Password must contain at least one lowercase letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        out.push("Password must contain at least one number");
    }
    if !password.chars().any(|c| "!@#$%^&*".contains(c)) {
        out.push("Password must contain at least one special character (!@#$%^&*)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_reported() {
        assert!(weaknesses("Secret#123").is_empty());
        assert_eq!(weaknesses("short").len(), 4);
        assert_eq!(
            weaknesses("alllowercase1!"),
            ["Password must contain at least one uppercase letter"]
        );
    }
}
