//! The broker registry: one [`BrokerEntry`] per broker, so everything above the adapters picks
//! a broker by name (`BROKER`) and never by type.
//!
//! - [`entry`]: what an entry declares — name, display name, [`LoginKind`], [`Features`],
//!   [`MasterSource`], the variables it reads and their parse.
//! - [`login`]: the login kinds and the parameters a callback or form carries.
//! - [`session`]: [`LiveSession`], the object-safe session of a broker with a login.
//! - [`connect`]: typed settings ([`BrokerSettings`]) → [`Connection`] (paper market or live
//!   session).
//!
//! Each entry lives in its broker's folder (`simulator/entry.rs`, `zerodha/entry.rs`) and is
//! listed once in [`ENTRIES`].

pub mod connect;
pub mod entry;
pub mod login;
pub mod session;

pub use connect::{AdapterSettings, BrokerSettings, ConfigError, Connection, PaperMarket};
pub use entry::{BrokerEntry, Features, Lookup, MasterSource};
pub use login::{FormField, LoginKind, LoginParams};
pub use session::{InstallReport, LiveSession};

/// The broker used when `BROKER` is unset.
pub const DEFAULT_BROKER: &str = "simulator";

/// Every broker compiled in, the default first.
pub static ENTRIES: &[&BrokerEntry] = &[
    #[cfg(feature = "simulator")]
    &crate::simulator::ENTRY,
    #[cfg(feature = "zerodha")]
    &crate::zerodha::ENTRY,
    #[cfg(feature = "dhan")]
    &crate::dhan::ENTRY,
    #[cfg(feature = "angel")]
    &crate::angel::ENTRY,
];

/// The registered names, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    ENTRIES.iter().map(|e| e.name)
}

/// The entry named `name` (exactly, as `BROKER` spells it).
///
/// # Errors
/// [`ConfigError::Unknown`] listing the registered names.
pub fn lookup(name: &str) -> Result<&'static BrokerEntry, ConfigError> {
    ENTRIES
        .iter()
        .copied()
        .find(|e| e.name == name)
        .ok_or_else(|| ConfigError::Unknown {
            name: name.to_owned(),
            available: available(),
        })
}

/// Looks up `name` and reads its settings through `lookup_var`.
///
/// # Errors
/// [`ConfigError`]: an unknown name, a missing or invalid variable.
pub fn configure(name: &str, lookup_var: &Lookup<'_>) -> Result<BrokerSettings, ConfigError> {
    let entry = lookup(name)?;
    Ok(BrokerSettings::new(entry, (entry.configure)(lookup_var)?))
}

/// "simulator (the default) or zerodha": the names as one phrase.
fn available() -> String {
    let words: Vec<String> = names()
        .map(|n| {
            if n == DEFAULT_BROKER {
                format!("{n} (the default)")
            } else {
                n.to_owned()
            }
        })
        .collect();
    match words.split_last() {
        None => "none (no broker is compiled in)".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
