//! [`ApiError`]: every failure of a request, mapped once to an HTTP status and OpenAlgo's
//! `{"status":"error","message":...}` body. Internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use openalgo_core::{BrokerError, OrderError};
use serde_json::{Value, json};

/// A request failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Schema validation failed; the message is the per-field error object (format F2) or the
    /// reference's stringified dict (format F1).
    #[error("validation failed")]
    Validation(Value),
    /// A business rule refused the request (400).
    #[error("{0}")]
    BadRequest(String),
    /// Unknown or missing API key (403).
    #[error("Invalid openalgo apikey")]
    InvalidApiKey,
    /// Unknown order, symbol... (404).
    #[error("{0}")]
    NotFound(String),
    /// A broker failure, classified.
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// An error of the analyzer (sandbox) account: the body carries `"mode": "analyze"`.
    #[error("{0}")]
    Analyze(Box<ApiError>),
    /// Anything unexpected: logged with its cause, answered with a generic message.
    #[error("An unexpected error occurred")]
    Internal(String),
}

impl From<OrderError> for ApiError {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::Broker(b) => Self::Broker(b),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

impl ApiError {
    /// Whether this refuses an invalid API key (counted against the client).
    #[must_use]
    pub fn is_invalid_api_key(&self) -> bool {
        match self {
            Self::InvalidApiKey => true,
            Self::Analyze(inner) => inner.is_invalid_api_key(),
            _ => false,
        }
    }

    /// The JSON body: `{"status": "error", "message": ...}` (+ `mode` for analyzer errors).
    fn body(&self) -> Value {
        let message = match self {
            Self::Analyze(inner) => {
                let mut body = inner.body();
                body["mode"] = Value::from("analyze");
                return body;
            }
            Self::Validation(v) => v.clone(),
            Self::Internal(cause) => {
                tracing::error!(cause = %cause, "Request failed");
                Value::String(self.to_string())
            }
            // A refused broker session reads as the broker's own message (the reference
            // passes Kite's `message` through with its 403).
            Self::Broker(BrokerError::Auth(m)) => Value::String(m.clone()),
            other => Value::String(other.to_string()),
        };
        json!({"status": "error", "message": message})
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Analyze(inner) => inner.status_code(),
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::InvalidApiKey => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Broker(b) => match b {
                BrokerError::Rejected { .. } => StatusCode::BAD_REQUEST,
                BrokerError::NotFound(_) => StatusCode::NOT_FOUND,
                BrokerError::Auth(_) => StatusCode::FORBIDDEN,
                BrokerError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                BrokerError::Unsupported { .. } => StatusCode::NOT_IMPLEMENTED,
                BrokerError::Connectivity(_) | BrokerError::Decode(_) => StatusCode::BAD_GATEWAY,
            },
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code()).json(self.body());
        if self.is_invalid_api_key() {
            res.extensions_mut()
                .insert(crate::security::InvalidApiKeyMarker);
        }
        res
    }
}
