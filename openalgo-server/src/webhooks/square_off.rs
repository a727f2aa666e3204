//! The scheduled square-off of intraday webhook strategies: at a strategy's square-off time
//! (IST, within five minutes of it, as the reference's misfire grace), every mapped symbol is
//! flattened by a smart order to 0, once per day — the day is saved before the orders go out,
//! so a restart neither repeats it nor, past the grace, runs it late.

use std::time::Duration;

use chrono::TimeDelta;
use openalgo_core::automation::Schedule;
use serde_json::json;

use super::{decode, place};
use crate::app::AppState;
use crate::error::{ApiError, blocking};
use crate::store::AlertRow;

/// How late a square-off may still run.
const GRACE: TimeDelta = TimeDelta::minutes(5);

/// Runs the square-offs that are due now; returns how many strategies were squared off.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub async fn run_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now_ist();
    let today = now.date().to_string();
    let store = std::sync::Arc::clone(&state.store);
    let rows = blocking(move || store.strategies()).await??;
    let mut done = 0;
    for row in rows {
        let s = decode(row)?;
        let Schedule::Intraday(w) = s.strategy.schedule else {
            continue;
        };
        let at = now.date().and_time(w.square_off());
        if !s.strategy.active || now < at || now >= at + GRACE {
            continue;
        }
        let key = format!("strategy.squareoff.{}", s.row.id);
        let store = std::sync::Arc::clone(&state.store);
        let (k, d) = (key.clone(), today.clone());
        let last = blocking(move || store.setting(&k)).await??;
        if last.as_deref() == Some(d.as_str()) {
            continue;
        }
        let store = std::sync::Arc::clone(&state.store);
        blocking(move || store.set_setting(&key, &d)).await??;
        let orders = match s.strategy.square_off_orders() {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(strategy = s.strategy.name.as_str(), error = %e, "square-off not possible");
                continue;
            }
        };
        let mut outcomes = Vec::new();
        let mut ok = true;
        for order in orders {
            let what = order.describe();
            let request =
                json!({"strategy": s.strategy.name.as_str(), "squareoff": true, "order": what});
            let placed = place(state, order, &request).await?;
            ok &= placed.ok;
            outcomes.push(format!("{what}: {}", placed.text));
        }
        let row = AlertRow {
            strategy_id: s.row.id,
            at_ms: state.clock.now_ms(),
            payload: format!("scheduled square-off at {}", w.square_off().format("%H:%M")),
            ok,
            outcome: outcomes.join("; "),
        };
        let store = std::sync::Arc::clone(&state.store);
        blocking(move || store.log_alert(&row)).await??;
        tracing::info!(
            strategy = s.strategy.name.as_str(),
            "intraday square-off done"
        );
        done += 1;
    }
    Ok(done)
}

/// Checks every `period`, forever.
pub async fn run(state: AppState, period: Duration) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // The instance serving the accounts squares them off (once: the day is saved).
        if !state.book.serving().is_on() {
            continue;
        }
        if let Err(e) = run_due(&state).await {
            tracing::warn!(error = %e, "square-off check failed");
        }
    }
}
