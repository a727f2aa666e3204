//! The PostgreSQL store, selected by `DATABASE_URL=postgresql://…` (or `postgres://…`).
//!
//! Connections live on dedicated threads (see `postgres_pool` for why), `DATABASE_POOL_SIZE`
//! of them (default [`DEFAULT_POOL_SIZE`]). Migrations run at open, each in its own
//! transaction under an advisory lock (two servers starting together do not race), recorded
//! in `schema_migrations`. Tables are created in the first schema of the connection's
//! `search_path` (the URL may set it: `?options=-csearch_path%3Dname`).
//!
//! Semantics match the SQLite store: ids are `BIGINT`, epoch-millisecond times `BIGINT`,
//! journal rows `BYTEA`, and the store's own timestamps UTC `TIMESTAMP`s read back as
//! `YYYY-MM-DD HH:MM:SS`. [`Store::append_batch`] is one transaction, so the journal writer's
//! group commit keeps its rule: an order call's events, log row and idempotent answer are
//! committed before the call answers. A unique violation is [`StoreError::Conflict`].
//! Error messages carry the server's message and SQLSTATE, never the connection string.

use std::str::FromStr;

use postgres::Config;
use postgres::error::SqlState;
use postgres::types::ToSql;

use super::postgres_pool::{Conn, Pool};
use super::{
    ApiKeyRow, IdempotencyScope, IdempotentAnswer, OrderLogEntry, Store, StoreError, StoredAnswer,
};

/// Connections when `DATABASE_POOL_SIZE` is not set.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Migrations in order; never edit a shipped one, add a new file.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_schema",
        include_str!("../../migrations/postgres/0001_schema.sql"),
    ),
    (
        "0002_pending_orders",
        include_str!("../../migrations/postgres/0002_pending_orders.sql"),
    ),
];

/// PostgreSQL-backed [`Store`].
#[derive(Debug)]
pub struct PgStore {
    pool: Pool,
}

/// A database error's text: severity, message and SQLSTATE only (the detail can quote row
/// values, such as a token hash); other errors as they display (never the password).
pub(super) fn message(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(
        || e.to_string(),
        |db| format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
    )
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            let what = e
                .as_db_error()
                .and_then(|db| db.constraint())
                .unwrap_or("a unique constraint");
            return Self::Conflict(format!("already exists ({what})"));
        }
        Self::Database(message(&e))
    }
}

/// `i64` for a `LIMIT`.
pub(super) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored status back as the HTTP status it was.
fn status(n: i32) -> Result<u16, StoreError> {
    u16::try_from(n).map_err(|_| StoreError::Corrupt(format!("status {n}")))
}

impl PgStore {
    /// Connects to `url` with `pool_size` connections and runs pending migrations.
    ///
    /// # Errors
    /// [`StoreError`] when the URL is invalid, the server unreachable, or a migration fails.
    pub fn open(url: &str, pool_size: usize) -> Result<Self, StoreError> {
        // The parser's message never quotes the URL (which may hold a password).
        let config = Config::from_str(url).map_err(|e| {
            StoreError::Database(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}"))
        })?;
        let store = Self {
            pool: Pool::start(&config, pool_size)?,
        };
        store.pool.run(migrate)?;
        Ok(store)
    }

    /// Runs `job` on a pooled connection.
    pub(super) fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.pool.run(job)
    }

    /// Executes one statement; how many rows it touched.
    pub(super) fn execute(
        &self,
        sql: &'static str,
        params: Vec<Box<dyn ToSql + Send + Sync>>,
    ) -> Result<u64, StoreError> {
        self.run(move |c| {
            let statement = c.prepare(sql)?;
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            Ok(c.client()?.execute(&statement, &refs)?)
        })
    }

    /// Runs one query; its rows mapped by `map`.
    pub(super) fn query<T: Send + 'static>(
        &self,
        sql: &'static str,
        params: Vec<Box<dyn ToSql + Send + Sync>>,
        map: fn(&postgres::Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.run(move |c| {
            let statement = c.prepare(sql)?;
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            c.client()?
                .query(&statement, &refs)?
                .iter()
                .map(map)
                .collect()
        })
    }

    /// The first row of a query, mapped.
    pub(super) fn query_opt<T: Send + 'static>(
        &self,
        sql: &'static str,
        params: Vec<Box<dyn ToSql + Send + Sync>>,
        map: fn(&postgres::Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.query(sql, params, map)?.into_iter().next())
    }
}

/// Boxes query parameters (owned: the query runs on a pool thread).
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        vec![$(Box::new($p) as Box<dyn ::postgres::types::ToSql + Send + Sync>),*]
    };
}
pub(super) use params;

/// Applies pending migrations, each in a transaction holding the schema's advisory lock.
fn migrate(c: &mut Conn) -> Result<(), StoreError> {
    const LOCK: &str =
        "SELECT pg_advisory_xact_lock(hashtext('openalgo-migrations:' || current_schema()))";
    let client = c.client()?;
    let mut tx = client.transaction()?;
    tx.batch_execute(LOCK)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT timezone('UTC', now()))",
    )?;
    tx.commit()?;
    for (name, sql) in MIGRATIONS {
        let mut tx = client.transaction()?;
        tx.batch_execute(LOCK)?;
        let done = tx
            .query_opt("SELECT 1 FROM schema_migrations WHERE name = $1", &[name])?
            .is_some();
        if !done {
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])?;
            tracing::info!(migration = name, "PostgreSQL migration applied");
        }
        tx.commit()?;
    }
    Ok(())
}

fn log_entry(r: &postgres::Row) -> Result<OrderLogEntry, StoreError> {
    Ok(OrderLogEntry {
        api_type: r.try_get(0)?,
        mode: r.try_get(1)?,
        request: r.try_get(2)?,
        status: status(r.try_get(3)?)?,
        response: r.try_get(4)?,
        created_at: r.try_get(5)?,
        idempotency: None,
    })
}

fn first_text(r: &postgres::Row) -> Result<String, StoreError> {
    Ok(r.try_get(0)?)
}

fn first_i64(r: &postgres::Row) -> Result<i64, StoreError> {
    Ok(r.try_get(0)?)
}

/// Owned copies of what one `append_batch` writes (jobs run on another thread).
struct Batch {
    accounts: Vec<String>,
    bodies: Vec<Vec<u8>>,
    log: Vec<OrderLogEntry>,
    claims: Vec<IdempotentAnswer>,
    released: Vec<IdempotencyScope>,
}

fn write_batch(c: &mut Conn, b: &Batch) -> Result<(), StoreError> {
    // Whole groups go in one statement per table (arrays), so a group costs a few round trips
    // whatever its size. WITH ORDINALITY keeps the rows' order (their ids).
    let events = c.prepare(
        "INSERT INTO paper_events (account, body)
         SELECT a, b FROM UNNEST($1::text[], $2::bytea[]) WITH ORDINALITY AS t(a, b, n) ORDER BY n",
    )?;
    let calls = c.prepare(
        "INSERT INTO order_log (api_type, mode, request, status, response)
         SELECT t, m, q, s, r FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[])
             WITH ORDINALITY AS u(t, m, q, s, r, n) ORDER BY n",
    )?;
    let answer = c.prepare(
        "INSERT INTO idempotency_keys (user_id, endpoint, key, fingerprint, status, body, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id, endpoint, key) DO UPDATE SET fingerprint = excluded.fingerprint,
             status = excluded.status, body = excluded.body, created_ms = excluded.created_ms",
    )?;
    let claim = c.prepare(
        "INSERT INTO idempotency_keys (user_id, endpoint, key, fingerprint, status, body, created_ms)
         VALUES ($1, $2, $3, $4, $5, '', $6) ON CONFLICT (user_id, endpoint, key) DO NOTHING",
    )?;
    let release = c.prepare(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND endpoint = $2 AND key = $3 AND status = $4",
    )?;
    let claimed = i32::from(super::CLAIMED);
    let mut tx = c.client()?.transaction()?;
    if !b.bodies.is_empty() {
        tx.execute(&events, &[&b.accounts, &b.bodies])?;
    }
    if !b.log.is_empty() {
        let col = |f: fn(&OrderLogEntry) -> &str| b.log.iter().map(f).collect::<Vec<&str>>();
        let statuses: Vec<i32> = b.log.iter().map(|e| i32::from(e.status)).collect();
        tx.execute(
            &calls,
            &[
                &col(|e| &e.api_type),
                &col(|e| &e.mode),
                &col(|e| &e.request),
                &statuses,
                &col(|e| &e.response),
            ],
        )?;
    }
    for e in &b.log {
        if let Some(a) = &e.idempotency {
            tx.execute(
                &answer,
                &[
                    &a.scope.user_id,
                    &a.scope.endpoint,
                    &a.scope.key,
                    &a.fingerprint,
                    &i32::from(e.status),
                    &e.response,
                    &a.created_ms,
                ],
            )?;
        }
    }
    for a in &b.claims {
        tx.execute(
            &claim,
            &[
                &a.scope.user_id,
                &a.scope.endpoint,
                &a.scope.key,
                &a.fingerprint,
                &claimed,
                &a.created_ms,
            ],
        )?;
    }
    for s in &b.released {
        tx.execute(&release, &[&s.user_id, &s.endpoint, &s.key, &claimed])?;
    }
    tx.commit()?;
    Ok(())
}

impl Store for PgStore {
    fn order_log(&self, limit: usize) -> Result<Vec<OrderLogEntry>, StoreError> {
        self.query(
            "SELECT api_type, mode, request, status, response,
                    to_char(created_at, 'YYYY-MM-DD HH24:MI:SS')
             FROM order_log ORDER BY id DESC LIMIT $1",
            params![self::limit(limit)],
            log_entry,
        )
    }

    fn order_log_count(&self, mode: &str) -> Result<u64, StoreError> {
        let n = self
            .query_opt(
                "SELECT COUNT(*) FROM order_log WHERE mode = $1",
                params![mode.to_owned()],
                first_i64,
            )?
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn idempotent_answer(
        &self,
        scope: &IdempotencyScope,
        not_before_ms: i64,
    ) -> Result<Option<StoredAnswer>, StoreError> {
        self.query_opt(
            "SELECT fingerprint, status, body FROM idempotency_keys
             WHERE user_id = $1 AND endpoint = $2 AND key = $3 AND created_ms >= $4",
            params![
                scope.user_id,
                scope.endpoint.clone(),
                scope.key.clone(),
                not_before_ms
            ],
            |r| {
                Ok(StoredAnswer {
                    fingerprint: r.try_get(0)?,
                    status: status(r.try_get(1)?)?,
                    body: r.try_get(2)?,
                })
            },
        )
    }

    fn purge_idempotency(&self, before_ms: i64) -> Result<usize, StoreError> {
        let n = self.execute(
            "DELETE FROM idempotency_keys WHERE created_ms < $1",
            params![before_ms],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn paper_base(&self, account: &str) -> Result<Option<String>, StoreError> {
        self.query_opt(
            "SELECT body FROM paper_snapshots WHERE account = $1",
            params![account.to_owned()],
            first_text,
        )
    }

    fn set_paper_base(&self, account: &str, body: &str) -> Result<(), StoreError> {
        let (account, body) = (account.to_owned(), body.to_owned());
        self.run(move |c| {
            let upsert = c.prepare(
                "INSERT INTO paper_snapshots (account, body) VALUES ($1, $2)
                 ON CONFLICT (account) DO UPDATE SET body = excluded.body, created_at = excluded.created_at",
            )?;
            let drop_events = c.prepare("DELETE FROM paper_events WHERE account = $1")?;
            let mut tx = c.client()?.transaction()?;
            tx.execute(&upsert, &[&account, &body])?;
            tx.execute(&drop_events, &[&account])?;
            tx.commit()?;
            Ok(())
        })
    }

    fn append_batch(
        &self,
        paper: &[(&str, &[Vec<u8>])],
        log: &[&OrderLogEntry],
        claims: &[&IdempotentAnswer],
        released: &[&IdempotencyScope],
    ) -> Result<(), StoreError> {
        let mut batch = Batch {
            accounts: Vec::new(),
            bodies: Vec::new(),
            log: log.iter().map(|e| (*e).clone()).collect(),
            claims: claims.iter().map(|a| (*a).clone()).collect(),
            released: released.iter().map(|s| (*s).clone()).collect(),
        };
        for (account, bodies) in paper {
            for body in *bodies {
                batch.accounts.push((*account).to_owned());
                batch.bodies.push(body.clone());
            }
        }
        if batch.bodies.is_empty()
            && batch.log.is_empty()
            && batch.claims.is_empty()
            && batch.released.is_empty()
        {
            return Ok(());
        }
        self.run(move |c| write_batch(c, &batch))
    }

    fn paper_events(&self, account: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.query(
            "SELECT body FROM paper_events WHERE account = $1 ORDER BY id",
            params![account.to_owned()],
            |r| Ok(r.try_get(0)?),
        )
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.query_opt(
            "SELECT value FROM settings WHERE key = $1",
            params![key.to_owned()],
            first_text,
        )
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key.to_owned(), value.to_owned()],
        )?;
        Ok(())
    }

    fn has_admin(&self) -> Result<bool, StoreError> {
        Ok(self.admin_id()?.is_some())
    }

    fn create_admin(&self, username: &str, password_hash: &str) -> Result<i64, StoreError> {
        let (username, hash) = (username.to_owned(), password_hash.to_owned());
        self.run(move |c| {
            let client = c.client()?;
            let mut tx = client.transaction()?;
            // One admin, even when two setups race.
            tx.batch_execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")?;
            if tx
                .query_opt("SELECT id FROM users WHERE is_admin LIMIT 1", &[])?
                .is_some()
            {
                return Err(StoreError::Conflict(
                    "an admin user already exists".to_owned(),
                ));
            }
            let id: i64 = tx
                .query_one(
                    "INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, TRUE) RETURNING id",
                    &[&username, &hash],
                )?
                .try_get(0)?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn admin_id(&self) -> Result<Option<i64>, StoreError> {
        self.query_opt(
            "SELECT id FROM users WHERE is_admin ORDER BY id LIMIT 1",
            params![],
            first_i64,
        )
    }

    fn set_api_key(
        &self,
        user_id: i64,
        key_hash: &str,
        key_encrypted: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO api_keys (user_id, api_key_hash, api_key_encrypted) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET api_key_hash = excluded.api_key_hash,
                 api_key_encrypted = excluded.api_key_encrypted, created_at = excluded.created_at",
            params![user_id, key_hash.to_owned(), key_encrypted.to_owned()],
        )?;
        Ok(())
    }

    fn api_key_encrypted(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        self.query_opt(
            "SELECT api_key_encrypted FROM api_keys WHERE user_id = $1",
            params![user_id],
            first_text,
        )
    }

    fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        self.query(
            "SELECT k.user_id, u.username, k.api_key_hash FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.user_id",
            params![],
            |r| {
                Ok(ApiKeyRow {
                    user_id: r.try_get(0)?,
                    username: r.try_get(1)?,
                    key_hash: r.try_get(2)?,
                })
            },
        )
    }
}
