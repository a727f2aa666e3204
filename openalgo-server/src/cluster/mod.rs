//! Shared state between instances over Redis, switched on by `REDIS_URL`: dashboard sessions
//! ([`sessions`]), moving-window rate limits ([`windows`]), the API-key cache's
//! invalidation ([`key_bus`]), the market stream ([`feed`]), and which instance holds the
//! accounts ([`holder`]), the others forwarding account requests to it ([`forward`]). Each implements a seam defined where the in-process state lives
//! (`security::sessions`, `security::rate_limit`, `auth`, `stream`); without `REDIS_URL` none of this is
//! built and the server keeps everything in process.
//!
//! Every call is bounded by `REDIS_TIMEOUT_MS`: Redis being down or slow yields an error, never
//! a request that hangs. Keys are namespaced by `REDIS_PREFIX`; no secret is stored (sessions
//! and keys are known only by their SHA-256).

pub mod feed;
pub mod forward;
pub mod holder;
pub mod key_bus;
pub mod sessions;
pub mod windows;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

/// How to reach the shared Redis.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `REDIS_URL` (`redis://[:password@]host:port[/db]`); secret, as it may hold a password.
    pub url: SecretString,
    /// `REDIS_PREFIX`: the namespace of every key and channel (default `openalgo:`), so that
    /// several deployments (or tests) can share one Redis.
    pub prefix: String,
    /// `REDIS_TIMEOUT_MS`: the bound on every call, connecting included (default 500 ms).
    pub timeout: Duration,
    /// `CLUSTER_ADVERTISE_URL`: where the other instances reach this one when it holds the
    /// accounts (`http://host:port`); by default `http://<bind address>:<port>`, the loopback
    /// address standing in for an unspecified one.
    pub advertise: Option<String>,
}

/// A Redis failure.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// `REDIS_URL` cannot be used.
    #[error("REDIS_URL is not a Redis URL: {0}")]
    Url(String),
    /// Redis refused or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer in time.
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

/// A handle on the shared Redis: one multiplexed, self-reconnecting connection, opened on first
/// use (so that the server starts, and answers with clear errors, while Redis is down).
pub struct Redis {
    client: redis::Client,
    conn: tokio::sync::OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A handle for `config` (the URL is parsed now; nothing is connected yet).
    ///
    /// # Errors
    /// [`RedisError::Url`] when the URL cannot be used.
    pub fn new(config: &RedisConfig) -> Result<Arc<Self>, RedisError> {
        // The parser's message could quote the URL (and its password): keep only the kind.
        let client = redis::Client::open(config.url.expose_secret())
            .map_err(|e| RedisError::Url(format!("{:?}", e.kind())))?;
        Ok(Arc::new(Self {
            client,
            conn: tokio::sync::OnceCell::new(),
            prefix: config.prefix.clone(),
            timeout: config.timeout,
        }))
    }

    /// `name` in this deployment's namespace.
    #[must_use]
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The bound on every call.
    #[must_use]
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client (dedicated connections: pub/sub, blocking waits).
    #[must_use]
    pub const fn client(&self) -> &redis::Client {
        &self.client
    }

    async fn connection(&self) -> Result<ConnectionManager, RedisError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(2)
                    .set_max_delay(200);
                self.client.get_connection_manager_with_config(config).await
            })
            .await?;
        Ok(conn.clone())
    }

    /// Runs `call` on the shared connection, within the timeout (connecting included).
    ///
    /// # Errors
    /// [`RedisError`] when Redis fails or does not answer in time.
    pub async fn run<T, F, Fut>(&self, call: F) -> Result<T, RedisError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        tokio::time::timeout(self.timeout, async {
            let conn = self.connection().await?;
            Ok(call(conn).await?)
        })
        .await
        .map_err(|_| RedisError::Timeout(self.timeout))?
    }
}
