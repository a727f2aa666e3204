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

/// Both accounts' gates, read from the store (or the defaults when never saved).
///
/// # Errors
/// [`StoreError`] when the store cannot be read or a saved state is unreadable or invalid.
pub fn load(store: &dyn Store, defaults: &RiskDefaults) -> Result<RiskGates, StoreError> {
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
    Ok(RiskGates {
        live: gate(Mode::Live, defaults.live.clone())?,
        analyzer: gate(Mode::Analyze, defaults.analyzer.clone())?,
    })
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
