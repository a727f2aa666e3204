//! The SQLite store: one file in the data directory, WAL journal, embedded migrations.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, params};

use super::log_tally::LogTally;
use super::sidelog::{LogRow, SideLog};
use super::sqlite_applier::{self, Applier};
use super::{
    ApiKeyRow, IdempotencyScope, IdempotentAnswer, OrderLogEntry, Store, StoreError, StoredAnswer,
};

/// Migrations in order; never edit a shipped one, add a new file.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_users_and_api_keys",
        include_str!("../../migrations/sqlite/0001_users_and_api_keys.sql"),
    ),
    (
        "0002_settings",
        include_str!("../../migrations/sqlite/0002_settings.sql"),
    ),
    (
        "0003_paper_journal",
        include_str!("../../migrations/sqlite/0003_paper_journal.sql"),
    ),
    (
        "0004_idempotency",
        include_str!("../../migrations/sqlite/0004_idempotency.sql"),
    ),
    (
        "0005_order_log",
        include_str!("../../migrations/sqlite/0005_order_log.sql"),
    ),
    (
        "0006_api_key_encrypted",
        include_str!("../../migrations/sqlite/0006_api_key_encrypted.sql"),
    ),
    (
        "0007_lean_journal",
        include_str!("../../migrations/sqlite/0007_lean_journal.sql"),
    ),
    (
        "0008_security",
        include_str!("../../migrations/sqlite/0008_security.sql"),
    ),
    (
        "0009_idempotency_per_user",
        include_str!("../../migrations/sqlite/0009_idempotency_per_user.sql"),
    ),
    (
        "0010_webhook_strategies",
        include_str!("../../migrations/sqlite/0010_webhook_strategies.sql"),
    ),
    (
        "0011_pending_orders",
        include_str!("../../migrations/sqlite/0011_pending_orders.sql"),
    ),
    (
        "0012_order_log_tally",
        include_str!("../../migrations/sqlite/0012_order_log_tally.sql"),
    ),
    (
        "0013_order_journal_applied",
        include_str!("../../migrations/sqlite/0013_order_journal_applied.sql"),
    ),
];

/// SQLite-backed [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Locked only while `conn` is held, or alone.
    tally: Mutex<LogTally>,
    /// The order journal's side files, when this process has them (see `sidelog`): order
    /// calls commit there, and [`Applier`] moves their records into the tables.
    side: Option<Arc<SideLog>>,
    /// The WAL, synced before a side file is emptied.
    wal: PathBuf,
    _applier: Option<Applier>,
    _checkpointer: Option<super::checkpoint::Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    ///
    /// # Errors
    /// [`StoreError`] when the file cannot be opened or a migration fails.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, true)
    }

    /// Opens a database that never holds order calls (the traffic log's `logs.db`): no order
    /// journal side files and no applier thread.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_without_order_journal(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, order_journal: bool) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut store = Self::init(Connection::open(path)?)?;
        // Checkpoints move to a background thread (see `checkpoint`).
        {
            let conn = store.conn();
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            conn.busy_handler(Some(super::checkpoint::short_waits))?;
        }
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        store.wal = PathBuf::from(wal);
        if order_journal {
            store.open_side(path)?;
        }
        store._checkpointer = Some(super::checkpoint::spawn(path)?);
        Ok(store)
    }

    /// Takes the order journal's side files: applies the records a previous run left in them
    /// (before anyone reads the tables), then starts the applier.
    fn open_side(&mut self, path: &Path) -> Result<(), StoreError> {
        let applied = sqlite_applier::applied_seq(&self.conn())?;
        let Some((side, left)) = SideLog::open(path, applied)? else {
            tracing::info!("order journal files held by another process; writing directly");
            return Ok(());
        };
        {
            let mut conn = self.conn();
            if !left.is_empty() {
                tracing::info!(records = left.len(), "applying the order journal's records");
                let tx = conn.transaction()?;
                sqlite_applier::insert_records(&tx, &left)?;
                tx.commit()?;
                std::fs::File::open(&self.wal)?.sync_data()?;
                *self.tally() = LogTally::scan(&conn)?;
            }
            side.recovered()?;
        }
        let side = Arc::new(side);
        self._applier = Some(sqlite_applier::spawn(
            Arc::clone(&self.conn),
            Arc::clone(&side),
            self.wal.clone(),
        )?);
        self.side = Some(side);
        Ok(())
    }

    /// A private in-memory database (tests).
    ///
    /// # Errors
    /// [`StoreError`] when a migration fails.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // In WAL mode NORMAL is safe against application crashes (committed transactions
        // survive); only an OS crash or power loss can drop the last commits.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);",
        )?;
        for (name, sql) in MIGRATIONS {
            let done: Option<String> = conn
                .query_row(
                    "SELECT name FROM schema_migrations WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            if done.is_none() {
                // A migration applies whole or not at all.
                let tx = conn.transaction()?;
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, datetime('now'))",
                    [name],
                )?;
                tx.commit()?;
            }
        }
        let tally = LogTally::scan(&conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            tally: Mutex::new(tally),
            side: None,
            wal: PathBuf::new(),
            _applier: None,
            _checkpointer: None,
        })
    }

    /// The connection, held (tests: a long read holding it).
    #[cfg(test)]
    pub(crate) fn hold(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn()
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection, with the order journal's pending records applied: for reading the
    /// tables they go to.
    pub(super) fn conn_applied(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        let mut conn = self.conn();
        if let Some(side) = &self.side {
            sqlite_applier::apply_pending(&mut conn, side, &self.wal)?;
        }
        Ok(conn)
    }

    /// The order log's counts per mode; lock only while holding [`SqliteStore::conn`], or
    /// alone.
    pub(super) fn tally(&self) -> std::sync::MutexGuard<'_, LogTally> {
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SqliteStore {
    /// A batch's rows written straight into the tables.
    fn insert_direct(
        tx: &rusqlite::Transaction<'_>,
        paper: &[(&str, &[Vec<u8>])],
        log: &[&OrderLogEntry],
        claims: &[&IdempotentAnswer],
        released: &[&IdempotencyScope],
        created_at: &str,
    ) -> rusqlite::Result<()> {
        for (account, bodies) in paper {
            for b in *bodies {
                sqlite_applier::insert_event(tx, account, b)?;
            }
        }
        for e in log {
            sqlite_applier::insert_log(
                tx,
                &e.api_type,
                &e.mode,
                &e.request,
                e.status,
                &e.response,
                created_at,
            )?;
            if let Some(a) = &e.idempotency {
                // Prepared only when a keyed answer is kept: most commits have none.
                let mut answers = tx.prepare_cached(
                    "INSERT OR REPLACE INTO idempotency_keys (user_id, endpoint, key, fingerprint, status, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                answers.execute(params![
                    a.scope.user_id,
                    a.scope.endpoint,
                    a.scope.key,
                    a.fingerprint,
                    e.status,
                    e.response,
                    a.created_ms
                ])?;
            }
        }
        // Rare: only calls that outlast the writer's wait for their log entry.
        for a in claims {
            tx.execute(
                "INSERT OR IGNORE INTO idempotency_keys (user_id, endpoint, key, fingerprint, status, body, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, '', ?6)",
                params![a.scope.user_id, a.scope.endpoint, a.scope.key, a.fingerprint, super::CLAIMED, a.created_ms],
            )?;
        }
        for s in released {
            tx.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND endpoint = ?2 AND key = ?3 AND status = ?4",
                params![s.user_id, s.endpoint, s.key, super::CLAIMED],
            )?;
        }
        Ok(())
    }
}

impl Store for SqliteStore {
    fn commits_locally(&self) -> bool {
        true
    }

    fn free_to_commit(&self) -> bool {
        // With the side files an order call's commit never takes the connection (only one
        // with an idempotency key does). Otherwise racy by nature: a read that takes the
        // connection right after this still delays the commit; the check only keeps an order
        // call from queueing behind one already running.
        self.side.is_some() || self.conn.try_lock().is_ok()
    }

    fn order_log(&self, limit: usize) -> Result<Vec<OrderLogEntry>, StoreError> {
        let conn = self.conn_applied()?;
        let mut stmt = conn.prepare(
            "SELECT api_type, mode, request, status, response, created_at FROM order_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(OrderLogEntry {
                api_type: r.get(0)?,
                mode: r.get(1)?,
                request: r.get(2)?,
                status: r.get(3)?,
                response: r.get(4)?,
                created_at: r.get(5)?,
                idempotency: None,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn order_log_count(&self, mode: &str) -> Result<u64, StoreError> {
        let _conn = self.conn();
        Ok(self.tally().count(mode))
    }

    fn idempotent_answer(
        &self,
        scope: &IdempotencyScope,
        not_before_ms: i64,
    ) -> Result<Option<StoredAnswer>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ?1 AND endpoint = ?2 AND key = ?3 AND created_ms >= ?4",
                params![scope.user_id, scope.endpoint, scope.key, not_before_ms],
                |r| {
                    Ok(StoredAnswer {
                        fingerprint: r.get(0)?,
                        status: r.get(1)?,
                        body: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn purge_idempotency(&self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM idempotency_keys WHERE created_ms < ?1",
            [before_ms],
        )?)
    }

    fn paper_base(&self, account: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT body FROM paper_snapshots WHERE account = ?1",
                [account],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_paper_base(&self, account: &str, body: &str) -> Result<(), StoreError> {
        let mut conn = self.conn_applied()?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO paper_snapshots (account, body, created_at) VALUES (?1, ?2, datetime('now'))
             ON CONFLICT(account) DO UPDATE SET body = excluded.body, created_at = excluded.created_at",
            params![account, body],
        )?;
        tx.execute("DELETE FROM paper_events WHERE account = ?1", [account])?;
        tx.commit()?;
        Ok(())
    }

    fn append_batch(
        &self,
        paper: &[(&str, &[Vec<u8>])],
        log: &[&OrderLogEntry],
        claims: &[&IdempotentAnswer],
        released: &[&IdempotencyScope],
    ) -> Result<(), StoreError> {
        let created_at = sqlite_applier::now_text();
        let keyed = log.iter().any(|e| e.idempotency.is_some());
        if let Some(side) = self
            .side
            .as_ref()
            .filter(|_| !keyed && claims.is_empty() && released.is_empty())
        {
            let rows = log
                .iter()
                .map(|e| LogRow {
                    api_type: e.api_type.clone(),
                    mode: e.mode.clone(),
                    request: e.request.clone(),
                    status: e.status,
                    response: e.response.clone(),
                    created_at: created_at.clone(),
                })
                .collect();
            side.append(paper, rows)?;
            if !log.is_empty() {
                self.tally().committed(log);
            }
            return Ok(());
        }
        let mut conn = self.conn();
        // Records written before these rows go first, in the same transaction.
        let drain = self.side.as_ref().map(|s| s.drain());
        let done = conn.transaction().and_then(|tx| {
            if let Some(d) = &drain {
                sqlite_applier::insert_records(&tx, &d.records)?;
            }
            Self::insert_direct(&tx, paper, log, claims, released, &created_at)?;
            tx.commit()
        });
        if let Err(e) = done {
            if let (Some(side), Some(d)) = (&self.side, drain) {
                side.restore(d);
            }
            return Err(e.into());
        }
        if let (Some(side), Some(d)) = (&self.side, drain)
            && d.retires()
        {
            // Emptied by the applier's next pass once the WAL is synced.
            side.retry_retire(&d);
        }
        if !log.is_empty() {
            self.tally().committed(log);
        }
        Ok(())
    }

    fn paper_events(&self, account: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.conn_applied()?;
        let mut stmt =
            conn.prepare("SELECT body FROM paper_events WHERE account = ?1 ORDER BY id")?;
        // Binary rows are BLOBs, earlier JSON rows TEXT: both read as their bytes.
        let rows = stmt.query_map([account], |r| Ok(r.get_ref(0)?.as_bytes()?.to_vec()))?;
        Ok(rows.collect::<Result<Vec<Vec<u8>>, _>>()?)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, datetime('now'))
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value],
        )?;
        Ok(())
    }

    fn has_admin(&self) -> Result<bool, StoreError> {
        Ok(self.admin_id()?.is_some())
    }

    fn admin_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM users WHERE is_admin = 1 ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn create_admin(&self, username: &str, password_hash: &str) -> Result<i64, StoreError> {
        let conn = self.conn();
        let exists: Option<i64> = conn
            .query_row("SELECT id FROM users WHERE is_admin = 1 LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            return Err(StoreError::Conflict(
                "an admin user already exists".to_owned(),
            ));
        }
        conn.execute(
            "INSERT INTO users (username, password_hash, is_admin, created_at) VALUES (?1, ?2, 1, datetime('now'))",
            params![username, password_hash],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn set_api_key(
        &self,
        user_id: i64,
        key_hash: &str,
        key_encrypted: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO api_keys (user_id, api_key_hash, api_key_encrypted, created_at) VALUES (?1, ?2, ?3, datetime('now'))
             ON CONFLICT(user_id) DO UPDATE SET api_key_hash = excluded.api_key_hash,
                 api_key_encrypted = excluded.api_key_encrypted, created_at = excluded.created_at",
            params![user_id, key_hash, key_encrypted],
        )?;
        Ok(())
    }

    fn api_key_encrypted(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT api_key_encrypted FROM api_keys WHERE user_id = ?1",
                [user_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT k.user_id, u.username, k.api_key_hash FROM api_keys k JOIN users u ON u.id = k.user_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ApiKeyRow {
                user_id: r.get(0)?,
                username: r.get(1)?,
                key_hash: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecurityStore;

    #[test]
    fn the_lean_journal_migration_keeps_existing_rows() {
        let dir = std::env::temp_dir().join(format!("openalgo-mig-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        {
            // A database as version 0006 left it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);",
            )
            .unwrap();
            for (name, sql) in &MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
                conn.execute("INSERT INTO schema_migrations VALUES (?1, 'then')", [name])
                    .unwrap();
            }
            conn.execute_batch(
                r#"INSERT INTO paper_events (account, body) VALUES ('sandbox', '{"event":"cleared"}');
                   INSERT INTO order_log (api_type, mode, request, status, response, created_at)
                   VALUES ('placeorder', 'analyze', '{}', 200, '{}', 'then');"#,
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.paper_events("sandbox").unwrap(),
            vec![br#"{"event":"cleared"}"#.to_vec()]
        );
        assert_eq!(store.order_log(10).unwrap().len(), 1);
        assert_eq!(store.order_log_count("analyze").unwrap(), 1);
        store
            .append_paper_events("sandbox", &[b"[]".to_vec()])
            .unwrap();
        assert_eq!(
            store.paper_events("sandbox").unwrap().len(),
            2,
            "ids continue after the copy"
        );
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_revoked_broker_token_leaves_no_ciphertext_on_disk() {
        let dir = std::env::temp_dir().join(format!("openalgo-tok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        {
            let s = SqliteStore::open(&path).unwrap();
            let id = s.create_admin("admin", "$argon2id$x").unwrap();
            s.save_broker_token(id, "zerodha", "sealed-1", Some("sealed-feed"), 5)
                .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        let id = s.admin_id().unwrap().unwrap();
        assert_eq!(
            s.broker_token(id, "zerodha").unwrap(),
            Some(("sealed-1".to_owned(), Some("sealed-feed".to_owned()))),
            "reused after a restart"
        );
        assert_eq!(s.broker_token(id, "dhan").unwrap(), None);
        s.revoke_broker_tokens(id).unwrap();
        assert_eq!(s.broker_token(id, "zerodha").unwrap(), None);
        let left: String = s
            .conn()
            .query_row("SELECT token_encrypted FROM broker_tokens", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(left.is_empty(), "the revoked ciphertext is erased");
        drop(s);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn writes_reach_the_database_file_through_the_background_checkpointer() {
        let dir = std::env::temp_dir().join(format!("openalgo-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let store = SqliteStore::open(&path).unwrap();
        let autockpt: i64 = store
            .conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(autockpt, 0, "the writing connection never checkpoints");
        let before = std::fs::metadata(&path).unwrap().len();
        let entry = OrderLogEntry {
            api_type: "placeorder".into(),
            mode: "analyze".into(),
            request: "x".repeat(500),
            status: 200,
            response: "{}".into(),
            created_at: None,
            idempotency: None,
        };
        let batch: Vec<&OrderLogEntry> = std::iter::repeat_n(&entry, 100).collect();
        for _ in 0..20 {
            store.append_batch(&[], &batch, &[], &[]).unwrap();
        }
        assert_eq!(store.order_log_count("analyze").unwrap(), 2000);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::metadata(&path).unwrap().len() <= before + 500_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint within 5 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
