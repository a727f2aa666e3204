//! [`BrokerEntry`]: what one broker declares to the registry — its name, how a user logs in,
//! what it offers, where its instrument master comes from and how its settings are read.

use std::sync::Arc;

use super::connect::{AdapterSettings, ConfigError};
use super::login::LoginKind;

/// How an entry reads its settings: the value of a variable name (`BROKER_API_KEY`), `None`
/// when unset. The server passes the environment; tests pass fixed values.
pub type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// What a broker offers beyond the [`openalgo_core::Broker`] trait's per-call capabilities,
/// for the pages and routes that decide what to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Features {
    /// Orders reach a real account (false: every order is paper-traded).
    pub live_trading: bool,
    /// `subscribe` streams ticks (and order updates where the broker sends them).
    pub market_stream: bool,
    /// `history` serves candles.
    pub history: bool,
    /// Good-till-triggered orders (none yet).
    pub gtt: bool,
}

/// Where the instrument master comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterSource {
    /// Built into the adapter (the simulator): nothing to download or cache.
    Bundled,
    /// Downloaded after a login ([`super::LiveSession::fetch_master`]), parsed by
    /// [`super::LiveSession::install_master`] and cached in the data directory under
    /// `cache_file` so a restart the same day needs no download.
    Download {
        /// File name of the cached download, e.g. `zerodha_instruments.csv`.
        cache_file: &'static str,
    },
}

impl MasterSource {
    /// The cache file's name, when the master is downloaded.
    #[must_use]
    pub const fn cache_file(self) -> Option<&'static str> {
        match self {
            Self::Bundled => None,
            Self::Download { cache_file } => Some(cache_file),
        }
    }
}

/// One broker in the registry. Adding a broker is a folder in this crate plus one of these
/// (see `docs/adding-a-broker.md`).
pub struct BrokerEntry {
    /// The value of `BROKER` that selects it; also the key of its stored token, the first
    /// word of the `master_contract_download` setting and the `{broker}` of its callback path.
    pub name: &'static str,
    /// How pages name it ("Zerodha").
    pub display_name: &'static str,
    /// How a user logs in.
    pub login: LoginKind,
    /// What it offers.
    pub features: Features,
    /// Where its instrument master comes from.
    pub master: MasterSource,
    /// The variables it reads (for documentation and error messages), required ones first.
    pub variables: &'static [&'static str],
    /// Reads and checks its settings; [`super::AdapterSettings::connect`] then builds it.
    pub configure: fn(&Lookup<'_>) -> Result<Arc<dyn AdapterSettings>, ConfigError>,
}

impl std::fmt::Debug for BrokerEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerEntry")
            .field("name", &self.name)
            .field("login", &self.login)
            .field("features", &self.features)
            .field("master", &self.master)
            .finish_non_exhaustive()
    }
}

/// A required variable: its trimmed value, or [`ConfigError::Missing`] naming it and `broker`.
///
/// # Errors
/// [`ConfigError::Missing`] when unset or blank.
pub fn required(lookup: &Lookup<'_>, broker: &str, name: &str) -> Result<String, ConfigError> {
    optional(lookup, name).ok_or_else(|| ConfigError::Missing {
        name: name.to_owned(),
        broker: broker.to_owned(),
    })
}

/// An optional variable: its trimmed value, `None` when unset or blank.
#[must_use]
pub fn optional(lookup: &Lookup<'_>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
