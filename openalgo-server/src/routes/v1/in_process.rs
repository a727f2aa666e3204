//! The web pages act through the API: an order action from the dashboard (ticket, modify,
//! cancel, close) runs the same endpoint handler as `/api/v1/<name>`, so it is validated,
//! written to the order log and routed to the live or analyzer account exactly as an API call.
//! It also counts against the endpoint's `/api/v1` rate limit for the client's address (the
//! pages do not go through the `/api/v1` middleware), so the pages are no way around it.

use actix_web::{HttpRequest, web};
use serde_json::Value;

use crate::error::ApiError;
use crate::security::rate_limit::RateLimiter;
use crate::state::AppState;

/// The order endpoints the pages call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderCall {
    /// `placeorder`
    Place,
    /// `modifyorder`
    Modify,
    /// `cancelorder`
    Cancel,
    /// `cancelallorder`
    CancelAll,
    /// `closeposition`
    CloseAll,
}

impl OrderCall {
    /// The `/api/v1` endpoint name.
    const fn endpoint(self) -> &'static str {
        match self {
            Self::Place => "placeorder",
            Self::Modify => "modifyorder",
            Self::Cancel => "cancelorder",
            Self::CancelAll => "cancelallorder",
            Self::CloseAll => "closeposition",
        }
    }
}

/// Runs `endpoint` with `body` (which must carry the user's `apikey`) and returns the answer's
/// HTTP status and JSON body.
///
/// # Errors
/// 500 when the answer is not JSON or the order log cannot be written.
pub(crate) async fn call(
    state: web::Data<AppState>,
    req: HttpRequest,
    endpoint: OrderCall,
    body: &Value,
) -> Result<(u16, Value), ApiError> {
    let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
    if let (Some(limiter), Some(ip)) = (limiter, crate::security::client_ip::of(&req)) {
        if let Some(limit) = limiter.check(endpoint.endpoint(), ip, state.clock.now_ms()) {
            let message = format!("Rate limit exceeded ({limit}); try again shortly");
            return Ok((
                429,
                serde_json::json!({"status": "error", "message": message}),
            ));
        }
    }
    let bytes = web::Bytes::from(body.to_string());
    let res = match endpoint {
        OrderCall::Place => super::orders::placeorder(state, req, bytes).await?,
        OrderCall::Modify => super::orders::modifyorder(state, req, bytes).await?,
        OrderCall::Cancel => super::orders::cancelorder(state, req, bytes).await?,
        OrderCall::CancelAll => super::compound::cancelallorder(state, req, bytes).await?,
        OrderCall::CloseAll => super::compound::closeposition(state, req, bytes).await?,
    };
    let status = res.status().as_u16();
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let json = serde_json::from_slice(&bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((status, json))
}
