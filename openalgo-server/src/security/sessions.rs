//! The seam behind dashboard login sessions: where a session (keyed by the SHA-256 of its
//! cookie token, never the token) is kept. In process it is the store (today's behaviour); with
//! `REDIS_URL` it is Redis, so that every instance sees every session.

use std::sync::Arc;

use crate::store::security::SessionRow;
use crate::store::{Store, StoreError};

/// Why a session could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The shared session store did not answer in time or refused (answered with 503).
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
    /// A blocking task could not run.
    #[error("cannot run the session lookup: {0}")]
    Blocking(String),
}

/// A new session to keep.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 hex of the cookie token.
    pub token_hash: String,
    /// The user.
    pub user_id: i64,
    /// When it starts (epoch ms, the server's clock).
    pub now_ms: i64,
    /// When it ends (epoch ms).
    pub expires_at_ms: i64,
    /// The client's address, when known.
    pub ip: Option<String>,
    /// The client's user agent (at most 500 characters).
    pub user_agent: Option<String>,
}

/// Where sessions live.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// Keeps a new session.
    ///
    /// # Errors
    /// [`SessionError`] when it cannot be kept.
    async fn create(&self, session: NewSession) -> Result<(), SessionError>;

    /// The session whose token hashes to `token_hash`, if any.
    ///
    /// # Errors
    /// [`SessionError`] when the sessions cannot be read.
    async fn get(&self, token_hash: &str) -> Result<Option<SessionRow>, SessionError>;

    /// Ends every session of `user_id`.
    ///
    /// # Errors
    /// [`SessionError`] when they cannot be deleted.
    async fn end_user(&self, user_id: i64) -> Result<(), SessionError>;
}

/// Sessions in the store (the default, one instance).
#[derive(Clone)]
pub struct StoreSessions {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for StoreSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSessions").finish_non_exhaustive()
    }
}

impl StoreSessions {
    /// Sessions kept in `store`.
    #[must_use]
    pub const fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

async fn off_executor<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, SessionError> {
    actix_web::web::block(f)
        .await
        .map_err(|e| SessionError::Blocking(e.to_string()))?
        .map_err(SessionError::Store)
}

#[async_trait::async_trait]
impl SessionStore for StoreSessions {
    async fn create(&self, s: NewSession) -> Result<(), SessionError> {
        let store = Arc::clone(&self.store);
        off_executor(move || {
            store.create_session(
                &s.token_hash,
                s.user_id,
                s.now_ms,
                s.expires_at_ms,
                s.ip.as_deref(),
                s.user_agent.as_deref(),
            )
        })
        .await
    }

    async fn get(&self, token_hash: &str) -> Result<Option<SessionRow>, SessionError> {
        let store = Arc::clone(&self.store);
        let hash = token_hash.to_owned();
        off_executor(move || store.session(&hash)).await
    }

    async fn end_user(&self, user_id: i64) -> Result<(), SessionError> {
        let store = Arc::clone(&self.store);
        off_executor(move || store.delete_user_sessions(user_id)).await
    }
}
