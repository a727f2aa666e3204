//! [`ApiError`]: every failure of a request, mapped once to an HTTP status and OpenAlgo's
//! `{"status":"error","message":...}` body. Causes are kept as sources and logged once, with
//! their chain, when the answer is built; they are never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use openalgo_core::risk::RiskViolation;
use openalgo_core::{BrokerError, OrderError};
use serde_json::{Value, json};

use crate::state::Mode;
use crate::store::StoreError;

/// Set on a response that refused an invalid API key (the security layer counts these).
#[derive(Debug, Clone, Copy)]
pub struct InvalidApiKeyMarker;

/// A request failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Schema validation failed; the message is the per-field error object (format F2) or the
    /// reference's stringified dict (format F1).
    #[error("validation failed")]
    Validation(Value),
    /// Schema validation failed in format F3 or F4: `message` is the format's fixed text and
    /// the per-field error object goes under `errors`.
    #[error("{message}")]
    Invalid {
        /// `Validation error` (F3) or `Validation failed` (F4).
        message: &'static str,
        /// The per-field errors.
        errors: Value,
    },
    /// A business rule refused the request (400).
    #[error("{0}")]
    BadRequest(String),
    /// Unknown or missing API key (403).
    #[error("Invalid openalgo apikey")]
    InvalidApiKey,
    /// Unknown API key on the endpoints that answer it with 401 (`optiongreeks`).
    #[error("Invalid openalgo apikey")]
    Unauthorized,
    /// A refusal with its own status and message (the option endpoints' resolution and
    /// price failures: 400, 404, 500 with the reference's texts).
    #[error("{message}")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The message.
        message: String,
    },
    /// An invalid API key found while fetching a price (403 with this message, counted as an
    /// invalid key).
    #[error("{0}")]
    KeyRefused(String),
    /// Unknown order, symbol... (404).
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be processed as sent (422): e.g. an `Idempotency-Key` reused with
    /// another body.
    #[error("{0}")]
    Unprocessable(String),
    /// The request conflicts with the state of an earlier one (409): e.g. the first request
    /// with its `Idempotency-Key` was interrupted before it answered.
    #[error("{0}")]
    Conflict(String),
    /// The account's risk rules refused an order before it reached the broker: 429 for the
    /// orders-per-second cap, 403 for every other rule.
    #[error(transparent)]
    Risk(RiskViolation),
    /// A broker failure, classified.
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// A placement whose answer was lost: reconciled by its tag as not placed, or still
    /// unknown and being reconciled (502, with what happened and what to do).
    #[error("{0}")]
    OrderOutcome(String),
    /// An error of the analyzer (sandbox) account: the body carries `"mode": "analyze"`.
    #[error("{0}")]
    Analyze(Box<ApiError>),
    /// Persistence failed.
    #[error("An unexpected error occurred")]
    Store(#[from] StoreError),
    /// A blocking task could not run (the pool is gone or the task panicked).
    #[error("An unexpected error occurred")]
    Blocking(#[from] actix_web::error::BlockingError),
    /// Anything else unexpected: logged with its cause, answered with a generic message.
    #[error("An unexpected error occurred")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<OrderError> for ApiError {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::Broker(b) => Self::Broker(b),
            OrderError::Risk(v) => Self::Risk(v),
            e @ (OrderError::NotPlaced { .. } | OrderError::OutcomeUnknown { .. }) => {
                Self::OrderOutcome(e.to_string())
            }
            other => Self::BadRequest(other.to_string()),
        }
    }
}

/// Runs a blocking call (SQLite, Argon2) off the async workers.
///
/// # Errors
/// [`ApiError::Blocking`] when the blocking pool cannot run it.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Ok(actix_web::web::block(f).await?)
}

/// `e` and its sources, `: `-separated.
#[must_use]
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl ApiError {
    /// An unexpected failure, keeping `cause` as the source.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// A 500 whose message is sent as is (the option endpoints' price failures).
    pub fn internal_message(message: impl Into<String>) -> Self {
        Self::Status {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }

    /// Whether this refuses an invalid API key (counted against the client).
    #[must_use]
    pub fn is_invalid_api_key(&self) -> bool {
        match self {
            Self::InvalidApiKey | Self::Unauthorized | Self::KeyRefused(_) => true,
            Self::Analyze(inner) => inner.is_invalid_api_key(),
            _ => false,
        }
    }

    /// The unexpected cause behind a 500, if this is one.
    fn cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Analyze(inner) => inner.cause(),
            Self::Store(e) => Some(e),
            Self::Blocking(e) => Some(e),
            Self::Internal(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The JSON body: `{"status": "error", "message": ...}` (+ `mode` for analyzer errors).
    #[must_use]
    pub fn body(&self) -> Value {
        let message = match self {
            Self::Analyze(inner) => {
                let mut body = inner.body();
                body["mode"] = Value::from("analyze");
                return body;
            }
            Self::Validation(v) => v.clone(),
            Self::Invalid { message, errors } => {
                return json!({"status": "error", "message": message, "errors": errors});
            }
            // A refused broker session reads as the broker's own message (the reference
            // passes Kite's `message` through with its 403).
            Self::Broker(BrokerError::Auth(m)) => Value::String(m.clone()),
            Self::Broker(BrokerError::Unsupported { broker, feature })
                if *feature == openalgo_core::broker::GTT_FEATURE =>
            {
                Value::String(format!(
                    "GTT orders are not supported for broker '{broker}' yet"
                ))
            }
            other => Value::String(other.to_string()),
        };
        json!({"status": "error", "message": message})
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Analyze(inner) => inner.status_code(),
            Self::Validation(_) | Self::Invalid { .. } | Self::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::InvalidApiKey | Self::KeyRefused(_) => StatusCode::FORBIDDEN,
            Self::Status { status, .. } => *status,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Broker(b) => match b {
                BrokerError::Rejected { .. } => StatusCode::BAD_REQUEST,
                BrokerError::NotFound(_) => StatusCode::NOT_FOUND,
                BrokerError::Auth(_) => StatusCode::FORBIDDEN,
                BrokerError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                BrokerError::Unsupported { .. } => StatusCode::NOT_IMPLEMENTED,
                BrokerError::Connectivity(_) | BrokerError::Decode(_) => StatusCode::BAD_GATEWAY,
            },
            Self::OrderOutcome(_) => StatusCode::BAD_GATEWAY,
            Self::Risk(v) if v.is_rate_limit() => StatusCode::TOO_MANY_REQUESTS,
            Self::Risk(_) => StatusCode::FORBIDDEN,
            Self::Store(_) | Self::Blocking(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = self.cause() {
            tracing::error!(error = %chain(cause), "request failed");
        } else if let Self::Broker(b) = self {
            tracing::warn!(error = %chain(b), "broker call failed");
        } else if let Self::OrderOutcome(m) = self {
            tracing::warn!(error = %m, "order placement not confirmed");
        } else if let Self::Risk(v) = self {
            tracing::info!(rule = %v, "order refused by the risk rules");
        }
        let mut res = HttpResponse::build(self.status_code()).json(self.body());
        if self.is_invalid_api_key() {
            res.extensions_mut().insert(InvalidApiKeyMarker);
        }
        res
    }
}

impl Mode {
    /// A 200 response; analyze-mode bodies carry `"mode": "analyze"`, live ones no `mode`.
    #[must_use]
    pub fn ok(self, body: Value) -> HttpResponse {
        HttpResponse::Ok().json(self.mark(body))
    }

    /// `body` with the analyzer marker when this is analyze mode: the one place the marker is
    /// added to answers.
    #[must_use]
    pub fn mark(self, mut body: Value) -> Value {
        if self == Self::Analyze {
            // A body that names its own mode keeps it (a semi-auto call's queued answer).
            if let Value::Object(m) = &mut body {
                m.entry("mode").or_insert_with(|| Value::from("analyze"));
            }
        }
        body
    }

    /// An error of this mode's account: analyze-mode errors carry `"mode": "analyze"`.
    #[must_use]
    pub fn error(self, e: impl Into<ApiError>) -> ApiError {
        match (self, e.into()) {
            (Self::Analyze, e @ ApiError::Analyze(_)) | (Self::Live, e) => e,
            (Self::Analyze, e) => ApiError::Analyze(Box::new(e)),
        }
    }
}
