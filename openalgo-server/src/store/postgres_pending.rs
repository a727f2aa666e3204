//! [`PendingOrderStore`] for [`PgStore`].

use openalgo_core::automation::{PendingStatus, Queued};

use super::pending::{Decision, PendingOrderRow, PendingOrderStore};
use super::postgres::{limit, params};
use super::{PgStore, StoreError};

fn pending(r: &postgres::Row) -> Result<PendingOrderRow, StoreError> {
    let api_type: String = r.try_get(2)?;
    let status: String = r.try_get(4)?;
    let unreadable = |what: &str, value: &str| {
        StoreError::Corrupt(format!("pending_orders: unknown {what} '{value}'"))
    };
    Ok(PendingOrderRow {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        api_type: Queued::of(&api_type).ok_or_else(|| unreadable("api_type", &api_type))?,
        order_data: r.try_get(3)?,
        status: status.parse().map_err(|_| unreadable("status", &status))?,
        created_ms: r.try_get(5)?,
        decided_ms: r.try_get(6)?,
        decided_by: r.try_get(7)?,
        rejected_reason: r.try_get(8)?,
        broker_order_id: r.try_get(9)?,
        broker_status: r.try_get(10)?,
    })
}

impl PendingOrderStore for PgStore {
    fn queue_order(
        &self,
        user_id: i64,
        api_type: Queued,
        order_data: &str,
        created_ms: i64,
    ) -> Result<i64, StoreError> {
        self.query_opt(
            "INSERT INTO pending_orders (user_id, api_type, order_data, status, created_ms)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![
                user_id,
                api_type.as_str().to_owned(),
                order_data.to_owned(),
                PendingStatus::Pending.as_str().to_owned(),
                created_ms
            ],
            |r| Ok(r.try_get(0)?),
        )?
        .ok_or_else(|| StoreError::Database("the insert returned no id".into()))
    }

    fn pending_orders(
        &self,
        user_id: i64,
        status: Option<PendingStatus>,
        n: usize,
    ) -> Result<Vec<PendingOrderRow>, StoreError> {
        // A NULL status matches every row.
        self.query(
            "SELECT id, user_id, api_type, order_data, status, created_ms, decided_ms, decided_by,
                    rejected_reason, broker_order_id, broker_status
             FROM pending_orders
             WHERE user_id = $1 AND ($2::text IS NULL OR status = $2)
             ORDER BY id DESC LIMIT $3",
            params![user_id, status.map(|s| s.as_str().to_owned()), limit(n)],
            pending,
        )
    }

    fn pending_counts(&self, user_id: i64) -> Result<[u64; 3], StoreError> {
        let rows = self.query(
            "SELECT status, COUNT(*) FROM pending_orders WHERE user_id = $1 GROUP BY status",
            params![user_id],
            |r| Ok((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)?)),
        )?;
        let mut counts = [0u64; 3];
        for (status, n) in rows {
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
            Decision::Reject(reason) => (PendingStatus::Rejected, Some(reason.clone())),
        };
        // One UPDATE guarded by the pending status: of two racing decisions, one wins.
        let n = self.execute(
            "UPDATE pending_orders
             SET status = $3, decided_ms = $4, decided_by = $5, rejected_reason = $6
             WHERE id = $1 AND user_id = $2 AND status = $7",
            params![
                id,
                user_id,
                status.as_str().to_owned(),
                at_ms,
                by.to_owned(),
                reason,
                PendingStatus::Pending.as_str().to_owned()
            ],
        )?;
        Ok(n == 1)
    }

    fn pending_order(&self, user_id: i64, id: i64) -> Result<Option<PendingOrderRow>, StoreError> {
        self.query_opt(
            "SELECT id, user_id, api_type, order_data, status, created_ms, decided_ms, decided_by,
                    rejected_reason, broker_order_id, broker_status
             FROM pending_orders WHERE id = $1 AND user_id = $2",
            params![id, user_id],
            pending,
        )
    }

    fn record_execution(
        &self,
        id: i64,
        broker_order_id: Option<&str>,
        broker_status: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE pending_orders SET broker_order_id = $2, broker_status = $3 WHERE id = $1",
            params![
                id,
                broker_order_id.map(str::to_owned),
                broker_status.to_owned()
            ],
        )?;
        Ok(())
    }

    fn delete_decided(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let n = self.execute(
            "DELETE FROM pending_orders WHERE id = $1 AND user_id = $2 AND status <> $3",
            params![id, user_id, PendingStatus::Pending.as_str().to_owned()],
        )?;
        Ok(n == 1)
    }
}
