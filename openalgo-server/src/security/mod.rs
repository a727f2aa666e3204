//! The security layer (platform §1–§6): client addresses, bans, offender tracking, rate limits,
//! response headers, CORS, the traffic log, log redaction, and the web session machinery.

pub mod bans;
pub mod client_ip;
mod config;
pub mod cors;
pub mod forwarded;
mod guard;
pub mod headers;
pub mod offenders;
pub mod rate_limit;
pub mod redact;
pub mod secret_file;
pub mod session_cookie;
pub mod sessions;
pub mod traffic;

pub use bans::{Ban, BanList};
pub use config::{AutoBan, SecurityConfig};
pub use guard::{BANNED_BODY, InvalidApiKeyMarker, guard};
pub use headers::SecurityHeaders;
pub use offenders::{Offence, Offenders};

/// The security layer's shared state: what its middleware (registered as app data on its own)
/// needs, and nothing of the rest of the application.
pub struct SecurityState {
    /// Configuration.
    pub config: SecurityConfig,
    /// Bans in force.
    pub bans: BanList,
    /// 404 and invalid-key counters.
    pub offenders: Offenders,
    /// The traffic log.
    pub traffic: traffic::TrafficLog,
    /// Where bans are persisted.
    pub store: std::sync::Arc<dyn crate::store::Store>,
    /// Wall-clock time.
    pub clock: std::sync::Arc<dyn openalgo_core::clock::Clock>,
}

impl std::fmt::Debug for SecurityState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityState")
            .field("config", &self.config)
            .field("bans", &self.bans)
            .finish_non_exhaustive()
    }
}

impl SecurityState {
    /// State with `bans` loaded from the store.
    #[must_use]
    pub fn new(
        config: SecurityConfig,
        bans: BanList,
        traffic: traffic::TrafficLog,
        store: std::sync::Arc<dyn crate::store::Store>,
        clock: std::sync::Arc<dyn openalgo_core::clock::Clock>,
    ) -> Self {
        Self {
            config,
            bans,
            offenders: Offenders::default(),
            traffic,
            store,
            clock,
        }
    }
}
