//! The accounts' risk rules at the server: their defaults from the environment, their state in
//! the store (it survives restarts), the changes made from the API and the Risk page, and the
//! daily-loss monitor. The rules themselves are `openalgo_core::risk`; the order service runs
//! them before every placement.

pub mod monitor;
pub mod settings;

use std::sync::Arc;
use std::time::Instant;

use openalgo_core::clock::Clock;
use openalgo_core::risk::{LimitsError, RiskGate, RiskGuard, RiskLimits, RiskState};

use crate::error::{ApiError, blocking};
use crate::state::{AccountBook, Mode, RiskGates};
use crate::store::{Store, StoreError};

pub use settings::RiskDefaults;

/// The store key of an account's risk state.
fn key(mode: Mode) -> String {
    format!("risk.{}", mode.as_str())
}

/// Both accounts' gates, read from the store (or the defaults when never saved). When the
/// configured broker is simulated (`simulated`: its orders reach no exchange), the live
/// account's orders-per-second cap is off unless `RISK_ORDERS_PER_SECOND` says otherwise.
///
/// # Errors
/// [`StoreError`] when the store cannot be read or a saved state is unreadable or invalid.
pub fn load(
    store: &dyn Store,
    defaults: &RiskDefaults,
    simulated: bool,
) -> Result<RiskGates, StoreError> {
    let origin = Instant::now();
    let monotonic: openalgo_core::risk::Monotonic =
        Arc::new(move || u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX));
    let gate = |mode: Mode, fallback: RiskLimits| -> Result<Arc<RiskGate>, StoreError> {
        let state = match store.setting(&key(mode))? {
            Some(json) => serde_json::from_str::<RiskState>(&json)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", key(mode))))?,
            None => RiskState {
                limits: fallback,
                kill_switch: None,
            },
        };
        let guard = RiskGuard::restore(state)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", key(mode))))?;
        Ok(Arc::new(RiskGate::new(guard, Arc::clone(&monotonic))))
    };
    let mut live = defaults.live.clone();
    if simulated && !defaults.live_rate_set {
        live.orders_per_second = 0;
    }
    Ok(RiskGates {
        live: gate(Mode::Live, live)?,
        analyzer: gate(Mode::Analyze, defaults.analyzer.clone())?,
    })
}

/// Reads both accounts' risk state from the store again into `gates` (an instance that takes
/// the accounts over from another one).
///
/// # Errors
/// As [`load`].
pub fn reload(
    store: &dyn Store,
    gates: &RiskGates,
    defaults: &RiskDefaults,
    simulated: bool,
) -> Result<(), StoreError> {
    let fresh = load(store, defaults, simulated)?;
    for mode in [Mode::Live, Mode::Analyze] {
        let guard = fresh.of(mode).with(|g| g.clone());
        gates.of(mode).with(|g| *g = guard);
    }
    Ok(())
}

/// Saves `mode`'s risk state.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub async fn save(store: &Arc<dyn Store>, gates: &RiskGates, mode: Mode) -> Result<(), ApiError> {
    let json = serde_json::to_string(&gates.of(mode).state()).map_err(ApiError::internal)?;
    let store = Arc::clone(store);
    blocking(move || store.set_setting(&key(mode), &json)).await??;
    Ok(())
}

/// Engages `mode`'s kill switch and saves it.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub async fn engage(
    store: &Arc<dyn Store>,
    gates: &RiskGates,
    mode: Mode,
    reason: &str,
    clock: &dyn Clock,
) -> Result<(), ApiError> {
    let now = clock.now_ist();
    gates.of(mode).with(|g| g.engage(reason, now));
    tracing::warn!(account = mode.as_str(), reason, "kill switch engaged");
    save(store, gates, mode).await
}

/// Releases `mode`'s kill switch and saves it; returns whether it was engaged.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub async fn release(
    store: &Arc<dyn Store>,
    gates: &RiskGates,
    mode: Mode,
) -> Result<bool, ApiError> {
    let was = gates.of(mode).with(RiskGuard::release);
    if was {
        tracing::warn!(account = mode.as_str(), "kill switch released");
    }
    save(store, gates, mode).await?;
    Ok(was)
}

/// Replaces `mode`'s limits and saves them.
///
/// # Errors
/// [`ApiError::BadRequest`] for an invalid limit (nothing changes), or a store failure.
pub async fn set_limits(
    store: &Arc<dyn Store>,
    gates: &RiskGates,
    mode: Mode,
    limits: RiskLimits,
) -> Result<(), ApiError> {
    gates
        .of(mode)
        .with(|g| g.set_limits(limits))
        .map_err(|e: LimitsError| ApiError::BadRequest(e.to_string()))?;
    save(store, gates, mode).await
}

/// Engages or releases `mode`'s kill switch and saves it; engaging also flattens the account
/// when `flatten` says so (or, when `None`, when its limits say so). Shared by the API and the
/// Risk page.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub async fn switch(
    store: &Arc<dyn Store>,
    book: &AccountBook,
    clock: &dyn Clock,
    mode: Mode,
    engage_it: bool,
    reason: &str,
    flatten: Option<bool>,
) -> Result<(), ApiError> {
    let gates = book.risk();
    if !engage_it {
        release(store, gates, mode).await?;
        return Ok(());
    }
    let reason = match reason.trim() {
        "" => "engaged by the user",
        r => r,
    };
    engage(store, gates, mode, reason, clock).await?;
    let flatten = flatten.unwrap_or_else(|| gates.of(mode).with(|g| g.limits().flatten_on_kill));
    if flatten {
        let trading = book.current().of(mode).clone();
        monitor::flatten(&trading.orders, mode).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[test]
    fn the_live_cap_is_on_for_a_real_broker_and_off_for_the_simulator_unless_set() {
        let store = SqliteStore::in_memory().expect("store");
        let rate = |gates: &RiskGates, mode| gates.of(mode).with(|g| g.limits().orders_per_second);
        let defaults = RiskDefaults::default();
        let real = load(&store, &defaults, false).expect("gates");
        assert_eq!(
            (rate(&real, Mode::Live), rate(&real, Mode::Analyze)),
            (10, 0)
        );
        let simulated = load(&store, &defaults, true).expect("gates");
        assert_eq!(rate(&simulated, Mode::Live), 0);
        let set = RiskDefaults {
            live_rate_set: true,
            ..RiskDefaults::default()
        };
        assert_eq!(
            rate(&load(&store, &set, true).expect("gates"), Mode::Live),
            10
        );
        // Saved rules win over the defaults.
        store
            .set_setting(
                "risk.live",
                &serde_json::to_string(&RiskState::default()).expect("json"),
            )
            .expect("save");
        let saved = load(&store, &RiskDefaults::default(), true).expect("gates");
        assert_eq!(
            rate(&saved, Mode::Live),
            10,
            "RiskState::default() has the 10/s cap"
        );
    }
}
