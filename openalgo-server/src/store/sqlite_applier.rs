//! The order journal's rows into SQLite: the inserts shared by a direct commit and by the
//! thread that moves the side files' records (`sidelog`) into the tables.
//!
//! Lock order: the store's connection, then the side log. A drain is taken with the
//! connection held and applied before it is released, so records reach the tables in the
//! order they were written, whoever applies them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, Transaction, params};

use super::StoreError;
use super::sidelog::{Record, SideLog};

/// How often the applier looks for records.
const INTERVAL: Duration = Duration::from_millis(10);

/// One paper journal row.
pub(super) fn insert_event(
    tx: &Transaction<'_>,
    account: &str,
    body: &[u8],
) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO paper_events (account, body) VALUES (?1, ?2)")?
        .execute(params![account, body])?;
    Ok(())
}

/// One order-log row.
pub(super) fn insert_log(
    tx: &Transaction<'_>,
    api_type: &str,
    mode: &str,
    request: &str,
    status: u16,
    response: &str,
    created_at: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO order_log (api_type, mode, request, status, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![api_type, mode, request, status, response, created_at])?;
    Ok(())
}

/// The order log's `created_at` for a row written now (UTC, as SQLite's `datetime('now')`).
pub(super) fn now_text() -> String {
    thread_local! {
        /// The last second formatted on this thread: formatting costs more than the rest of
        /// an order-log row's encoding.
        static LAST: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let now = chrono::Utc::now();
    LAST.with_borrow_mut(|(secs, text)| {
        if *secs != now.timestamp() {
            *secs = now.timestamp();
            *text = now.format("%Y-%m-%d %H:%M:%S").to_string();
        }
        text.clone()
    })
}

/// The rows of `records`, and the last one's sequence number as applied.
pub(super) fn insert_records(tx: &Transaction<'_>, records: &[Record]) -> rusqlite::Result<()> {
    for r in records {
        for (account, rows) in &r.paper {
            for body in rows {
                insert_event(tx, account, body)?;
            }
        }
        for l in &r.log {
            insert_log(
                tx,
                &l.api_type,
                &l.mode,
                &l.request,
                l.status,
                &l.response,
                &l.created_at,
            )?;
        }
    }
    if let Some(last) = records.last() {
        tx.execute(
            "UPDATE order_journal_applied SET seq = ?1 WHERE id = 1",
            [i64::try_from(last.seq).unwrap_or(i64::MAX)],
        )?;
    }
    Ok(())
}

/// The sequence number of the last record applied.
pub(super) fn applied_seq(conn: &Connection) -> Result<u64, StoreError> {
    let seq: i64 = conn.query_row(
        "SELECT seq FROM order_journal_applied WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// Moves the records waiting in `side` into the tables, with `conn` held. When the drain
/// left a file, SQLite's WAL (`wal`) is synced before that file is emptied, so no record
/// exists only in memory.
///
/// # Errors
/// When the transaction fails (the records stay pending) or the sync or truncation fails.
pub(super) fn apply_pending(
    conn: &mut Connection,
    side: &SideLog,
    wal: &Path,
) -> Result<(), StoreError> {
    let drain = side.drain();
    if drain.records.is_empty() && !drain.retires() {
        return Ok(());
    }
    let done = conn.transaction().and_then(|tx| {
        insert_records(&tx, &drain.records)?;
        tx.commit()
    });
    if let Err(e) = done {
        side.restore(drain);
        return Err(e.into());
    }
    if drain.retires() {
        match std::fs::File::open(wal).and_then(|f| f.sync_data()) {
            Ok(()) => side.applied(&drain)?,
            Err(e) => {
                // Applied but not known to be on disk: keep the file (its records are
                // skipped at the next open, being applied) and retire it again later.
                side.retry_retire(&drain);
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// Stops (after a last apply) and joins the applier when dropped.
#[derive(Debug)]
pub(super) struct Applier {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Applier {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the thread that applies `side`'s records every [`INTERVAL`].
///
/// # Errors
/// When the thread cannot start.
pub(super) fn spawn(
    conn: Arc<Mutex<Connection>>,
    side: Arc<SideLog>,
    wal: PathBuf,
) -> std::io::Result<Applier> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("order-journal".into())
        .spawn(move || {
            loop {
                std::thread::sleep(INTERVAL);
                let stopping = flag.load(Ordering::Relaxed);
                if side.has_pending() || side.has_retiring() {
                    let mut c = conn.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Err(e) = apply_pending(&mut c, &side, &wal) {
                        tracing::warn!(error = %e, "order journal apply failed; retrying");
                    }
                }
                if stopping {
                    break;
                }
            }
        })?;
    Ok(Applier {
        stop,
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::sidelog::{LogRow, SideLog, TestDir};
    use super::super::{IdempotencyScope, IdempotentAnswer, OrderLogEntry, SqliteStore, Store};

    fn entry(n: u32, key: Option<&str>) -> OrderLogEntry {
        OrderLogEntry {
            api_type: "placeorder".into(),
            mode: "analyze".into(),
            request: format!("{{\"n\":{n}}}"),
            status: 200,
            response: format!("{{\"orderid\":\"{n}\"}}"),
            created_at: None,
            idempotency: key.map(|k| IdempotentAnswer {
                scope: IdempotencyScope {
                    user_id: 1,
                    endpoint: "placeorder".into(),
                    key: k.into(),
                },
                fingerprint: "f".into(),
                created_ms: 1,
            }),
        }
    }

    fn requests(store: &SqliteStore) -> Vec<String> {
        let mut log: Vec<String> = store
            .order_log(100)
            .unwrap()
            .into_iter()
            .map(|e| e.request)
            .collect();
        log.reverse();
        log
    }

    fn file_sizes(db: &Path) -> u64 {
        (0..2)
            .map(|i| {
                let mut p = db.as_os_str().to_owned();
                p.push(format!("-orders{i}"));
                std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
            })
            .sum()
    }

    #[test]
    fn records_a_killed_server_left_are_in_the_tables_once_after_reopening() {
        let dir = TestDir::new();
        drop(SqliteStore::open(&dir.db()).unwrap());
        {
            // What a server killed before its applier ran leaves behind.
            let (side, _) = SideLog::open(&dir.db(), 0).unwrap().unwrap();
            side.recovered().unwrap();
            for n in 1..=3u8 {
                let row = LogRow {
                    api_type: "placeorder".into(),
                    mode: "analyze".into(),
                    request: format!("{{\"n\":{n}}}"),
                    status: 200,
                    response: "{}".into(),
                    created_at: "2026-12-05 10:00:00".into(),
                };
                side.append(&[("acct", &[vec![n]])], vec![row]).unwrap();
            }
        }
        assert!(file_sizes(&dir.db()) > 0);
        for _ in 0..2 {
            // Twice: the second open finds nothing left to apply and adds no duplicate.
            let store = SqliteStore::open(&dir.db()).unwrap();
            assert_eq!(file_sizes(&dir.db()), 0);
            assert_eq!(
                store.paper_events("acct").unwrap(),
                [vec![1u8], vec![2], vec![3]]
            );
            assert_eq!(requests(&store), ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"]);
            assert_eq!(store.order_log_count("analyze").unwrap(), 3);
        }
    }

    #[test]
    fn order_calls_commit_to_the_files_and_reads_see_them_in_order() {
        let dir = TestDir::new();
        let store = SqliteStore::open(&dir.db()).unwrap();
        let first = entry(1, None);
        store
            .append_batch(&[("acct", &[vec![1]])], &[&first], &[], &[])
            .unwrap();
        // In the file, not yet in the tables (the applier waits 10 ms between passes).
        assert!(file_sizes(&dir.db()) > 0);
        assert_eq!(store.order_log_count("analyze").unwrap(), 1);
        // A keyed call commits straight into the tables, after the records before it.
        let keyed = entry(2, Some("k"));
        store
            .append_batch(&[("acct", &[vec![2]])], &[&keyed], &[], &[])
            .unwrap();
        let third = entry(3, None);
        store
            .append_batch(&[("acct", &[vec![3]])], &[&third], &[], &[])
            .unwrap();
        assert_eq!(
            store.paper_events("acct").unwrap(),
            [vec![1u8], vec![2], vec![3]]
        );
        assert_eq!(requests(&store), ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"]);
        let scope = keyed.idempotency.as_ref().unwrap().scope.clone();
        assert!(store.idempotent_answer(&scope, 0).unwrap().is_some());
        assert_eq!(store.order_log_count("analyze").unwrap(), 3);
        // Closing applies what is left; the next open skips the applied records it finds.
        drop(store);
        let store = SqliteStore::open(&dir.db()).unwrap();
        assert_eq!(requests(&store).len(), 3);
        assert_eq!(file_sizes(&dir.db()), 0);
    }

    #[test]
    fn the_applier_moves_records_without_a_read() {
        let dir = TestDir::new();
        let store = SqliteStore::open(&dir.db()).unwrap();
        let e = entry(1, None);
        store.append_batch(&[], &[&e], &[], &[]).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let applied = || {
            let conn = store.conn();
            super::applied_seq(&conn).unwrap()
        };
        while applied() == 0 {
            assert!(std::time::Instant::now() < deadline, "never applied");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(applied(), 1);
    }

    #[test]
    fn a_second_store_on_the_same_files_writes_directly() {
        let dir = TestDir::new();
        let server = SqliteStore::open(&dir.db()).unwrap();
        let tool = SqliteStore::open(&dir.db()).unwrap();
        let e = entry(7, None);
        tool.append_batch(&[("acct", &[vec![7]])], &[&e], &[], &[])
            .unwrap();
        // Not through the files the server owns: already in the tables.
        assert_eq!(file_sizes(&dir.db()), 0);
        assert_eq!(server.paper_events("acct").unwrap(), [vec![7u8]]);
    }

    #[test]
    fn a_database_without_order_calls_has_no_side_files() {
        let dir = TestDir::new();
        let logs = SqliteStore::open_without_order_journal(&dir.db()).unwrap();
        let e = entry(1, None);
        logs.append_batch(&[], &[&e], &[], &[]).unwrap();
        assert_eq!(requests(&logs), ["{\"n\":1}"]);
        let mut side = dir.db().into_os_string();
        side.push("-orders0");
        assert!(!PathBuf::from(side).exists());
    }
}
