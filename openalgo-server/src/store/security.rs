//! What the security layer persists: bans, web sessions, TOTP secrets, broker tokens, login
//! attempts and the traffic log. Secrets arrive here already encrypted or hashed.

use std::net::IpAddr;

use super::StoreError;

/// A web session as stored (the cookie's token is kept only as its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The user.
    pub user_id: i64,
    /// When it ends (epoch ms).
    pub expires_at_ms: i64,
}

/// A user's TOTP enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRow {
    /// The base32 secret, Fernet-encrypted.
    pub secret_encrypted: String,
    /// Whether login requires a code.
    pub enabled: bool,
    /// The last accepted time step.
    pub last_step: i64,
}

/// One login attempt (platform §1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    /// When (epoch ms).
    pub at_ms: i64,
    /// Username as typed (never the password).
    pub username: String,
    /// Client address.
    pub ip: Option<String>,
    /// User agent (≤ 500 characters).
    pub user_agent: Option<String>,
    /// `success` or `failed`.
    pub status: String,
    /// `password`, `totp`, `reset`.
    pub login_type: String,
    /// Why it failed.
    pub failure_reason: Option<String>,
}

/// One request in the traffic log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficEntry {
    /// When it arrived (epoch ms).
    pub at_ms: i64,
    /// Client address.
    pub ip: Option<String>,
    /// Method.
    pub method: String,
    /// Path (≤ 500 characters, no query string: queries may carry keys).
    pub path: String,
    /// Status answered.
    pub status: u16,
    /// Time to answer, µs.
    pub duration_us: u64,
    /// `Host` header.
    pub host: Option<String>,
}

/// Persistence of the security layer.
pub trait SecurityStore: Send + Sync {
    /// Every ban record.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn bans(&self) -> Result<Vec<(IpAddr, Ban)>, StoreError>;
    /// Inserts or replaces a ban record.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn save_ban(&self, ip: IpAddr, ban: &Ban) -> Result<(), StoreError>;
    /// Deletes a ban record.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn delete_ban(&self, ip: IpAddr) -> Result<(), StoreError>;

    /// The user id and password hash of `username`.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn user_by_name(&self, username: &str) -> Result<Option<(i64, String)>, StoreError>;
    /// The username of a user id.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn username(&self, user_id: i64) -> Result<Option<String>, StoreError>;
    /// Replaces a user's password hash.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError>;

    /// Stores a new session.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The session with this token hash.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError>;
    /// Ends every session of a user (logout is all devices; password changes too).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn delete_user_sessions(&self, user_id: i64) -> Result<(), StoreError>;

    /// A user's TOTP enrolment.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn totp(&self, user_id: i64) -> Result<Option<TotpRow>, StoreError>;
    /// Creates or replaces a user's TOTP secret (not yet enabled, no step used).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn set_totp(&self, user_id: i64, secret_encrypted: &str) -> Result<(), StoreError>;
    /// Enables or disables login TOTP.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn enable_totp(&self, user_id: i64, enabled: bool) -> Result<(), StoreError>;
    /// Records `step` as used; `false` when it (or a later one) already was: a replay.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError>;

    /// Stores a broker's session tokens (encrypted), replacing earlier ones.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn save_broker_token(
        &self,
        user_id: i64,
        broker: &str,
        token_encrypted: &str,
        feed_encrypted: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// The stored, unrevoked broker tokens (encrypted).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn broker_token(
        &self,
        user_id: i64,
        broker: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError>;
    /// Revokes every broker token of a user.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn revoke_broker_tokens(&self, user_id: i64) -> Result<(), StoreError>;

    /// Appends a login attempt.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn record_login_attempt(&self, attempt: &LoginAttempt) -> Result<(), StoreError>;
    /// The newest `limit` login attempts, newest first.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn login_attempts(&self, limit: usize) -> Result<Vec<LoginAttempt>, StoreError>;
    /// Appends traffic-log entries.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn append_traffic(&self, entries: &[TrafficEntry]) -> Result<(), StoreError>;
    /// The newest `limit` traffic entries, newest first.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn traffic(&self, limit: usize) -> Result<Vec<TrafficEntry>, StoreError>;
    /// Deletes login attempts older than `before_ms`; returns how many went.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn purge_login_attempts(&self, before_ms: i64) -> Result<usize, StoreError>;
    /// Deletes order-log entries older than `before_ms`; returns how many went.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn purge_order_log(&self, before_ms: i64) -> Result<usize, StoreError>;
    /// Deletes traffic older than `before_ms` and keeps at most `max_rows`; returns how many
    /// rows went.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn purge_traffic(&self, before_ms: i64, max_rows: u64) -> Result<usize, StoreError>;
}

/// One ban record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// Why.
    pub reason: String,
    /// How many times this address was banned.
    pub ban_count: u32,
    /// When the latest ban began (epoch ms).
    pub banned_at_ms: i64,
    /// When it ends (epoch ms); `None` = permanent.
    pub expires_at_ms: Option<i64>,
    /// `manual`, `404_detector`, `api_key_detector`...
    pub created_by: String,
}

impl Ban {
    /// Whether the ban is in force at `now_ms`.
    #[must_use]
    pub fn active(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|end| now_ms < end)
    }
}
