//! [`PendingOrderStore`] for [`SqliteStore`].

use openalgo_core::automation::{PendingStatus, Queued};
use rusqlite::{OptionalExtension, Row, params};

use super::pending::{Decision, PendingOrderRow, PendingOrderStore};
use super::{SqliteStore, StoreError};

const COLUMNS: &str = "id, user_id, api_type, order_data, status, created_ms, decided_ms, \
                       decided_by, rejected_reason, broker_order_id, broker_status";

fn unreadable(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("pending_orders: unknown {what} '{value}'").into(),
    )
}

fn pending(r: &Row<'_>) -> rusqlite::Result<PendingOrderRow> {
    let api_type: String = r.get(2)?;
    let status: String = r.get(4)?;
    Ok(PendingOrderRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        api_type: Queued::of(&api_type).ok_or_else(|| unreadable("api_type", &api_type))?,
        order_data: r.get(3)?,
        status: status.parse().map_err(|_| unreadable("status", &status))?,
        created_ms: r.get(5)?,
        decided_ms: r.get(6)?,
        decided_by: r.get(7)?,
        rejected_reason: r.get(8)?,
        broker_order_id: r.get(9)?,
        broker_status: r.get(10)?,
    })
}

impl PendingOrderStore for SqliteStore {
    fn queue_order(
        &self,
        user_id: i64,
        api_type: Queued,
        order_data: &str,
        created_ms: i64,
    ) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO pending_orders (user_id, api_type, order_data, status, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                user_id,
                api_type.as_str(),
                order_data,
                PendingStatus::Pending.as_str(),
                created_ms
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn pending_orders(
        &self,
        user_id: i64,
        status: Option<PendingStatus>,
        limit: usize,
    ) -> Result<Vec<PendingOrderRow>, StoreError> {
        let conn = self.conn();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = match status {
            Some(s) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM pending_orders WHERE user_id = ?1 AND status = ?2
                     ORDER BY id DESC LIMIT ?3"
                ))?;
                stmt.query_map(params![user_id, s.as_str(), limit], pending)?
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM pending_orders WHERE user_id = ?1
                     ORDER BY id DESC LIMIT ?2"
                ))?;
                stmt.query_map(params![user_id, limit], pending)?
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }

    fn pending_counts(&self, user_id: i64) -> Result<[u64; 3], StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT status, COUNT(*) FROM pending_orders WHERE user_id = ?1 GROUP BY status",
        )?;
        let mut counts = [0u64; 3];
        let rows = stmt.query_map([user_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            let status: PendingStatus = status
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("pending_orders status '{status}'")))?;
            let slot = PendingStatus::ALL
                .iter()
                .position(|s| *s == status)
                .unwrap_or_default();
            counts[slot] = u64::try_from(n).unwrap_or_default();
        }
        Ok(counts)
    }

    fn decide_pending(
        &self,
        user_id: i64,
        id: i64,
        decision: &Decision,
        by: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let (status, reason) = match decision {
            Decision::Approve => (PendingStatus::Approved, None),
            Decision::Reject(reason) => (PendingStatus::Rejected, Some(reason.as_str())),
        };
        let n = self.conn().execute(
            "UPDATE pending_orders
             SET status = ?3, decided_ms = ?4, decided_by = ?5, rejected_reason = ?6
             WHERE id = ?1 AND user_id = ?2 AND status = ?7",
            params![
                id,
                user_id,
                status.as_str(),
                at_ms,
                by,
                reason,
                PendingStatus::Pending.as_str()
            ],
        )?;
        Ok(n == 1)
    }

    fn pending_order(&self, user_id: i64, id: i64) -> Result<Option<PendingOrderRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM pending_orders WHERE id = ?1 AND user_id = ?2"),
                params![id, user_id],
                pending,
            )
            .optional()?)
    }

    fn record_execution(
        &self,
        id: i64,
        broker_order_id: Option<&str>,
        broker_status: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE pending_orders SET broker_order_id = ?2, broker_status = ?3 WHERE id = ?1",
            params![id, broker_order_id, broker_status],
        )?;
        Ok(())
    }

    fn delete_decided(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM pending_orders WHERE id = ?1 AND user_id = ?2 AND status <> ?3",
            params![id, user_id, PendingStatus::Pending.as_str()],
        )?;
        Ok(n == 1)
    }
}
