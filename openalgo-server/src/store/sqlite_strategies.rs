//! [`StrategyStore`] for [`SqliteStore`].

use rusqlite::{OptionalExtension, Row, params};

use super::strategies::{AlertRow, StrategyRow, StrategyStore};
use super::{SqliteStore, StoreError};

fn strategy(r: &Row<'_>) -> rusqlite::Result<StrategyRow> {
    Ok(StrategyRow {
        id: r.get(0)?,
        webhook_id: r.get(1)?,
        source: r.get(2)?,
        platform: r.get(3)?,
        body: r.get(4)?,
        created_ms: r.get(5)?,
    })
}

const COLUMNS: &str = "id, webhook_id, source, platform, body, created_ms";

impl StrategyStore for SqliteStore {
    fn strategies(&self) -> Result<Vec<StrategyRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM webhook_strategies ORDER BY id"
        ))?;
        let rows = stmt.query_map([], strategy)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn strategy_by_webhook(&self, webhook_id: &str) -> Result<Option<StrategyRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM webhook_strategies WHERE webhook_id = ?1"),
                [webhook_id],
                strategy,
            )
            .optional()?)
    }

    fn save_strategy(&self, row: &StrategyRow) -> Result<i64, StoreError> {
        let conn = self.conn();
        if row.id == 0 {
            conn.execute(
                "INSERT INTO webhook_strategies (webhook_id, source, platform, body, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    row.webhook_id,
                    row.source,
                    row.platform,
                    row.body,
                    row.created_ms
                ],
            )?;
            return Ok(conn.last_insert_rowid());
        }
        let n = conn.execute(
            "UPDATE webhook_strategies SET platform = ?2, body = ?3 WHERE id = ?1",
            params![row.id, row.platform, row.body],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "strategy {} does not exist",
                row.id
            )));
        }
        Ok(row.id)
    }

    fn delete_strategy(&self, id: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM strategy_alerts WHERE strategy_id = ?1", [id])?;
        let n = tx.execute("DELETE FROM webhook_strategies WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn log_alert(&self, row: &AlertRow) -> Result<(), StoreError> {
        let payload: String = row.payload.chars().take(4096).collect();
        self.conn().execute(
            "INSERT INTO strategy_alerts (strategy_id, at_ms, payload, ok, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![row.strategy_id, row.at_ms, payload, row.ok, row.outcome],
        )?;
        Ok(())
    }

    fn alerts(&self, strategy_id: i64, limit: usize) -> Result<Vec<AlertRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT strategy_id, at_ms, payload, ok, outcome FROM strategy_alerts
             WHERE strategy_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![strategy_id, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| {
                Ok(AlertRow {
                    strategy_id: r.get(0)?,
                    at_ms: r.get(1)?,
                    payload: r.get(2)?,
                    ok: r.get(3)?,
                    outcome: r.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
