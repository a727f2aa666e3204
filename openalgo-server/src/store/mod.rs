//! Persistence behind one trait, so handlers never know the backend. SQLite (`rusqlite`,
//! bundled, WAL) is the embedded default; `DATABASE_URL=postgresql://…` selects PostgreSQL
//! ([`PgStore`]).

mod checkpoint;
#[cfg(test)]
mod conformance;
mod log_tally;
pub mod pending;
mod postgres;
mod postgres_pending;
mod postgres_pool;
mod postgres_security;
mod postgres_strategies;
pub mod security;
mod sidelog;
mod sqlite;
mod sqlite_applier;
mod sqlite_pending;
mod sqlite_security;
mod sqlite_strategies;
pub mod strategies;

pub use pending::{Decision, PendingOrderRow, PendingOrderStore};
pub use postgres::{DEFAULT_POOL_SIZE, PgStore};
pub use security::SecurityStore;
pub use sqlite::SqliteStore;
pub use strategies::{AlertRow, StrategyRow, StrategyStore};

use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or failed (the backend's message; never a connection string).
    #[error("database error: {0}")]
    Database(String),
    /// The data directory could not be prepared.
    #[error("cannot prepare the data directory: {0}")]
    Io(#[from] std::io::Error),
    /// A uniqueness rule was broken (e.g. the admin already exists).
    #[error("{0}")]
    Conflict(String),
    /// A stored value cannot be read back (what, and why).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(e.to_string())
    }
}

/// A user with an API key hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// User id.
    pub user_id: i64,
    /// Username.
    pub username: String,
    /// Argon2id PHC string of key + pepper.
    pub key_hash: String,
}

/// One order request and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLogEntry {
    /// Endpoint (`placeorder`, ...).
    pub api_type: String,
    /// `live` or `analyze`.
    pub mode: String,
    /// Request body without the API key.
    pub request: String,
    /// HTTP status answered.
    pub status: u16,
    /// Response body.
    pub response: String,
    /// When the store wrote it (UTC, `YYYY-MM-DD HH:MM:SS`); the store sets it, so it is `None`
    /// on entries being written.
    pub created_at: Option<String>,
    /// On entries being written: the answer to keep for the request's `Idempotency-Key`,
    /// written in the same transaction (`None` on entries read back).
    pub idempotency: Option<IdempotentAnswer>,
}

/// Whose key: idempotency keys are scoped per user and endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyScope {
    /// The caller.
    pub user_id: i64,
    /// The endpoint (`placeorder`, ...).
    pub endpoint: String,
    /// The client's `Idempotency-Key`.
    pub key: String,
}

/// An answer to keep for an idempotency key (its status and body are the log entry's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    /// The key's scope.
    pub scope: IdempotencyScope,
    /// SHA-256 of the request (without the API key), hex.
    pub fingerprint: String,
    /// When it was stored (epoch ms).
    pub created_ms: i64,
}

/// The status stored for a key whose request has not answered: its effects are durable, its
/// answer is not (see [`Store::append_batch`]).
pub const CLAIMED: u16 = 0;

/// A stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The fingerprint of the request that got it.
    pub fingerprint: String,
    /// Its HTTP status.
    pub status: u16,
    /// Its JSON body.
    pub body: String,
}

/// What the server persists.
pub trait Store: SecurityStore + StrategyStore + PendingOrderStore + Send + Sync {
    /// Appends an order request and its answer to the order log.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn log_order_call(&self, entry: &OrderLogEntry) -> Result<(), StoreError> {
        self.append_batch(&[], &[entry], &[], &[])
    }

    /// The newest `limit` order-log entries, newest first.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn order_log(&self, limit: usize) -> Result<Vec<OrderLogEntry>, StoreError>;

    /// How many order-log entries were written in `mode` (`live` or `analyze`).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn order_log_count(&self, mode: &str) -> Result<u64, StoreError>;

    /// The stored first answer for `scope`, unless it was stored before `not_before_ms`. Its
    /// status is [`CLAIMED`] when the first request's effects became durable but its answer
    /// never did (the server stopped while it ran).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn idempotent_answer(
        &self,
        scope: &IdempotencyScope,
        not_before_ms: i64,
    ) -> Result<Option<StoredAnswer>, StoreError>;

    /// Deletes the idempotency answers stored before `before_ms`; how many.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn purge_idempotency(&self, before_ms: i64) -> Result<usize, StoreError>;

    /// The base snapshot (JSON) of a paper account.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn paper_base(&self, account: &str) -> Result<Option<String>, StoreError>;

    /// Replaces a paper account's base snapshot and drops the events it already contains.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn set_paper_base(&self, account: &str, body: &str) -> Result<(), StoreError>;

    /// Whether a commit is local and short (a file on this machine, no network round trip):
    /// the journal writer then lets an order call commit its own group on its thread.
    fn commits_locally(&self) -> bool {
        false
    }

    /// Whether a commit would start at once (no other use of the store holds the connection,
    /// such as a long read): an order call commits on its own thread only then, and leaves
    /// the group to the journal writer's thread otherwise, so that an HTTP worker never waits
    /// behind a query.
    fn free_to_commit(&self) -> bool {
        false
    }

    /// Appends journal events (JSON) of several paper accounts and order-log entries in one
    /// transaction, in order; with them, `claims` ([`CLAIMED`] rows, kept if the key already has
    /// one) for the keys of order calls whose events commit before their answer, and deletes
    /// the claims of `released` keys (calls that ended without an answer to keep).
    ///
    /// # Errors
    /// [`StoreError`] on database failure (nothing is written).
    fn append_batch(
        &self,
        paper: &[(&str, &[Vec<u8>])],
        log: &[&OrderLogEntry],
        claims: &[&IdempotentAnswer],
        released: &[&IdempotencyScope],
    ) -> Result<(), StoreError>;

    /// Appends journal rows of one paper account, atomically.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn append_paper_events(&self, account: &str, rows: &[Vec<u8>]) -> Result<(), StoreError> {
        self.append_batch(&[(account, rows)], &[], &[], &[])
    }

    /// The journal rows of a paper account after its base, in order: each one command's
    /// events, in the binary format (`openalgo_core::sandbox::codec`) or, as earlier versions
    /// wrote them, JSON.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn paper_events(&self, account: &str) -> Result<Vec<Vec<u8>>, StoreError>;

    /// A server setting.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores a server setting.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    /// True when an admin user exists.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn has_admin(&self) -> Result<bool, StoreError>;

    /// Creates the admin user; fails if one exists.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when an admin exists, or a database failure.
    fn create_admin(&self, username: &str, password_hash: &str) -> Result<i64, StoreError>;

    /// The admin's user id.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn admin_id(&self) -> Result<Option<i64>, StoreError>;

    /// Replaces a user's API key: its hash and its encrypted copy.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn set_api_key(
        &self,
        user_id: i64,
        key_hash: &str,
        key_encrypted: &str,
    ) -> Result<(), StoreError>;

    /// The encrypted copy of a user's API key.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn api_key_encrypted(&self, user_id: i64) -> Result<Option<String>, StoreError>;

    /// Every API key hash with its user.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError>;
}
