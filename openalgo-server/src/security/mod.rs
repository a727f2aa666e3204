//! The security layer (platform §1–§6): client addresses, bans, offender tracking, rate limits,
//! response headers, CORS, the traffic log, log redaction, and the web session machinery.

pub mod bans;
pub mod client_ip;
mod config;
pub mod cors;
mod guard;
pub mod headers;
pub mod offenders;
pub mod rate_limit;
pub mod redact;
pub mod secret_file;
pub mod traffic;

pub use bans::{Ban, BanList};
pub use config::{AutoBan, SecurityConfig};
pub use guard::{BANNED_BODY, InvalidApiKeyMarker, guard};
pub use headers::SecurityHeaders;
pub use offenders::{Offence, Offenders};

/// The security layer's shared state.
#[derive(Debug)]
pub struct SecurityState {
    /// Configuration.
    pub config: SecurityConfig,
    /// Bans in force.
    pub bans: BanList,
    /// 404 and invalid-key counters.
    pub offenders: Offenders,
}

impl SecurityState {
    /// State with `bans` loaded from the store.
    #[must_use]
    pub fn new(config: SecurityConfig, bans: BanList) -> Self {
        Self {
            config,
            bans,
            offenders: Offenders::default(),
        }
    }
}
