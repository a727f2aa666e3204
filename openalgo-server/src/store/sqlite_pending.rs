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

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(s: &SqliteStore, user: i64, at: i64) -> i64 {
        s.queue_order(user, Queued::PlaceOrder, r#"{"symbol":"SBIN"}"#, at)
            .unwrap()
    }

    #[test]
    fn an_order_is_decided_once_and_only_by_its_user() {
        let s = SqliteStore::in_memory().unwrap();
        let id = queued(&s, 1, 10);
        assert!(
            !s.decide_pending(2, id, &Decision::Approve, "eve", 11)
                .unwrap()
        );
        assert!(
            s.decide_pending(1, id, &Decision::Approve, "admin", 12)
                .unwrap()
        );
        assert!(
            !s.decide_pending(1, id, &Decision::Approve, "admin", 13)
                .unwrap()
        );
        let reject = Decision::Reject("late".into());
        assert!(!s.decide_pending(1, id, &reject, "admin", 14).unwrap());
        let row = s.pending_order(1, id).unwrap().unwrap();
        assert_eq!(row.status, PendingStatus::Approved);
        assert_eq!(
            (row.decided_ms, row.decided_by.as_deref()),
            (Some(12), Some("admin"))
        );
        assert!(s.pending_order(2, id).unwrap().is_none());
    }

    #[test]
    fn lists_filter_by_status_newest_first_and_counts_add_up() {
        let s = SqliteStore::in_memory().unwrap();
        let ids: Vec<i64> = (0..4).map(|i| queued(&s, 1, i)).collect();
        queued(&s, 2, 9);
        s.decide_pending(1, ids[0], &Decision::Reject("no".into()), "admin", 5)
            .unwrap();
        s.decide_pending(1, ids[1], &Decision::Approve, "admin", 6)
            .unwrap();
        s.record_execution(ids[1], Some("42"), "success").unwrap();
        let pending = s
            .pending_orders(1, Some(PendingStatus::Pending), 10)
            .unwrap();
        assert_eq!(
            pending.iter().map(|r| r.id).collect::<Vec<_>>(),
            [ids[3], ids[2]]
        );
        assert_eq!(s.pending_orders(1, None, 3).unwrap().len(), 3);
        assert_eq!(s.pending_counts(1).unwrap(), [2, 1, 1]);
        let approved = s.pending_order(1, ids[1]).unwrap().unwrap();
        assert_eq!(approved.broker_order_id.as_deref(), Some("42"));
        let rejected = s.pending_order(1, ids[0]).unwrap().unwrap();
        assert_eq!(rejected.rejected_reason.as_deref(), Some("no"));
    }

    #[test]
    fn only_decided_orders_can_be_deleted() {
        let s = SqliteStore::in_memory().unwrap();
        let (a, b) = (queued(&s, 1, 1), queued(&s, 1, 2));
        s.decide_pending(1, b, &Decision::Approve, "admin", 3)
            .unwrap();
        assert!(!s.delete_decided(1, a).unwrap());
        assert!(!s.delete_decided(2, b).unwrap());
        assert!(s.delete_decided(1, b).unwrap());
        assert!(!s.delete_decided(1, b).unwrap());
        assert_eq!(s.pending_counts(1).unwrap(), [1, 0, 0]);
    }
}
