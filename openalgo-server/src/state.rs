//! What every handler shares.

use std::sync::Arc;

use openalgo_brokers::paper::PaperBroker;
use openalgo_core::{Broker, OrderService, SymbolTable};

use crate::auth::ApiKeys;
use crate::error::ApiError;

/// Shared application state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The broker (the simulator by default).
    pub broker: Arc<PaperBroker>,
    /// Its instrument master.
    pub symbols: Arc<SymbolTable>,
    /// Order logic over the broker.
    pub orders: OrderService,
    /// API key verification.
    pub api_keys: Arc<ApiKeys>,
}

impl AppState {
    /// The broker as the trait object handlers use.
    #[must_use]
    pub fn broker(&self) -> &dyn Broker {
        self.broker.as_ref()
    }

    /// Checks an API key off the async executor (Argon2 on a cache miss).
    ///
    /// # Errors
    /// [`ApiError::InvalidApiKey`] for an unknown key.
    pub async fn authenticate(&self, key: &str) -> Result<i64, ApiError> {
        let keys = Arc::clone(&self.api_keys);
        let key = key.to_owned();
        let found = actix_web::web::block(move || keys.verify(&key))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        found.ok_or(ApiError::InvalidApiKey)
    }
}
