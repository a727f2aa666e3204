//! [`StrategyStore`]: webhook strategies and the log of the alerts they received.

use super::StoreError;

/// A stored strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRow {
    /// Row id (0 for a strategy not saved yet).
    pub id: i64,
    /// The webhook id in its URL (random, 128 bits, hex).
    pub webhook_id: String,
    /// `webhook` (TradingView and the like) or `chartink`.
    pub source: String,
    /// The charting platform (`tradingview`, `gocharting`, `amibroker`, `python`, `chartink`...).
    pub platform: String,
    /// The strategy as JSON (`openalgo_core::automation::WebhookStrategy`).
    pub body: String,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

/// One alert and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// The strategy's row id.
    pub strategy_id: i64,
    /// When it arrived, epoch milliseconds.
    pub at_ms: i64,
    /// The alert's body as received (at most 4 KiB kept).
    pub payload: String,
    /// Whether it placed what it asked for.
    pub ok: bool,
    /// What happened (order ids or the refusal).
    pub outcome: String,
}

/// Webhook strategies' persistence.
pub trait StrategyStore: Send + Sync {
    /// Every strategy, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    fn strategies(&self) -> Result<Vec<StrategyRow>, StoreError>;

    /// The strategy behind a webhook id.
    ///
    /// # Errors
    /// [`StoreError`].
    fn strategy_by_webhook(&self, webhook_id: &str) -> Result<Option<StrategyRow>, StoreError>;

    /// Inserts (`id` 0) or updates a strategy; returns its id.
    ///
    /// # Errors
    /// [`StoreError`].
    fn save_strategy(&self, row: &StrategyRow) -> Result<i64, StoreError>;

    /// Deletes a strategy and its alert log; false when there was none.
    ///
    /// # Errors
    /// [`StoreError`].
    fn delete_strategy(&self, id: i64) -> Result<bool, StoreError>;

    /// Appends to a strategy's alert log.
    ///
    /// # Errors
    /// [`StoreError`].
    fn log_alert(&self, row: &AlertRow) -> Result<(), StoreError>;

    /// A strategy's latest alerts, newest first.
    ///
    /// # Errors
    /// [`StoreError`].
    fn alerts(&self, strategy_id: i64, limit: usize) -> Result<Vec<AlertRow>, StoreError>;
}
