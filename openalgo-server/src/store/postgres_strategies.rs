//! [`StrategyStore`] for [`PgStore`].

use super::postgres::{limit, params};
use super::strategies::{AlertRow, StrategyRow, StrategyStore};
use super::{PgStore, StoreError};

fn strategy(r: &postgres::Row) -> Result<StrategyRow, StoreError> {
    Ok(StrategyRow {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        source: r.try_get(2)?,
        platform: r.try_get(3)?,
        body: r.try_get(4)?,
        created_ms: r.try_get(5)?,
    })
}

impl StrategyStore for PgStore {
    fn strategies(&self) -> Result<Vec<StrategyRow>, StoreError> {
        self.query(
            "SELECT id, webhook_id, source, platform, body, created_ms FROM webhook_strategies ORDER BY id",
            params![],
            strategy,
        )
    }

    fn strategy_by_webhook(&self, webhook_id: &str) -> Result<Option<StrategyRow>, StoreError> {
        self.query_opt(
            "SELECT id, webhook_id, source, platform, body, created_ms FROM webhook_strategies WHERE webhook_id = $1",
            params![webhook_id.to_owned()],
            strategy,
        )
    }

    fn save_strategy(&self, row: &StrategyRow) -> Result<i64, StoreError> {
        if row.id == 0 {
            return self
                .query_opt(
                    "INSERT INTO webhook_strategies (webhook_id, source, platform, body, created_ms)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    params![
                        row.webhook_id.clone(),
                        row.source.clone(),
                        row.platform.clone(),
                        row.body.clone(),
                        row.created_ms
                    ],
                    |r| Ok(r.try_get(0)?),
                )?
                .ok_or_else(|| StoreError::Database("the insert returned no id".into()));
        }
        let n = self.execute(
            "UPDATE webhook_strategies SET platform = $2, body = $3 WHERE id = $1",
            params![row.id, row.platform.clone(), row.body.clone()],
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
        self.run(move |c| {
            let alerts = c.prepare("DELETE FROM strategy_alerts WHERE strategy_id = $1")?;
            let strategy = c.prepare("DELETE FROM webhook_strategies WHERE id = $1")?;
            let mut tx = c.client()?.transaction()?;
            tx.execute(&alerts, &[&id])?;
            let n = tx.execute(&strategy, &[&id])?;
            tx.commit()?;
            Ok(n > 0)
        })
    }

    fn log_alert(&self, row: &AlertRow) -> Result<(), StoreError> {
        let payload: String = row.payload.chars().take(4096).collect();
        self.execute(
            "INSERT INTO strategy_alerts (strategy_id, at_ms, payload, ok, outcome) VALUES ($1, $2, $3, $4, $5)",
            params![
                row.strategy_id,
                row.at_ms,
                payload,
                row.ok,
                row.outcome.clone()
            ],
        )?;
        Ok(())
    }

    fn alerts(&self, strategy_id: i64, n: usize) -> Result<Vec<AlertRow>, StoreError> {
        self.query(
            "SELECT strategy_id, at_ms, payload, ok, outcome FROM strategy_alerts
             WHERE strategy_id = $1 ORDER BY id DESC LIMIT $2",
            params![strategy_id, limit(n)],
            |r| {
                Ok(AlertRow {
                    strategy_id: r.try_get(0)?,
                    at_ms: r.try_get(1)?,
                    payload: r.try_get(2)?,
                    ok: r.try_get(3)?,
                    outcome: r.try_get(4)?,
                })
            },
        )
    }
}
