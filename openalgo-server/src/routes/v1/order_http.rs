//! Order endpoints over HTTP: the idempotency key and the logged form of the request are read
//! from the request, the handler's parse step validates and authenticates, and the typed
//! command runs in an [`OrderCall`](crate::orders::OrderCall) that logs the answer before it is
//! sent. Nothing here works on answer bytes.

use std::future::Future;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use openalgo_core::OrderError;
use serde_json::{Value, json};

use super::redact::redacted;
use crate::action_center::Routing;
use crate::app::AppState;
use crate::error::{ApiError, InvalidApiKeyMarker};
use crate::orders::idempotency::{self, HEADER, fingerprint};
use crate::orders::{Answer, Outcome, Reply};
use crate::state::Mode;
use openalgo_core::orders::OrderService;

/// Where an order call comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// A client: a semi-auto user's call is queued or refused (rest-api §1.12).
    Api,
    /// The Action Center executing an approved request: it runs.
    Approved,
}

/// A rendered answer: what the HTTP response or the Action Center needs of it.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: String,
    replayed: bool,
    refused_key: bool,
}

impl<T> From<Answer<T>> for Rendered {
    fn from(a: Answer<T>) -> Self {
        Self {
            replayed: matches!(a.outcome, Outcome::Replayed),
            refused_key: a.refused_key(),
            status: a.status,
            body: a.body,
        }
    }
}

/// The answer to a semi-auto call that was queued.
struct QueuedReply(i64);

impl Reply for QueuedReply {
    fn body(&self) -> Value {
        json!({
            "status": "success",
            "message": "Order queued for approval in Action Center",
            "mode": "semi_auto",
            "pending_order_id": self.0,
        })
    }
}

/// Serves one order call: `parse` validates and authenticates (its errors are refusals,
/// carrying the analyzer marker when `mark_refusals`), `command` runs on the call's account.
///
/// # Errors
/// When the order log or the idempotency store fails.
pub(super) async fn serve<P, T, C, Fut>(
    state: &AppState,
    req: &HttpRequest,
    endpoint: &'static str,
    body: &[u8],
    mark_refusals: bool,
    parse: impl Future<Output = Result<(i64, P), ApiError>>,
    command: C,
) -> Result<HttpResponse, ApiError>
where
    T: Reply,
    C: FnOnce(OrderService, P, Mode) -> Fut,
    Fut: Future<Output = Result<T, OrderError>>,
{
    let key = idempotency::key_of(req.headers().get(HEADER));
    let call = Call {
        route: Route::Api,
        endpoint,
        body,
        mark_refusals,
    };
    Ok(response(call.answer(state, key, parse, command).await?))
}

/// One order call's fixed parts.
pub(super) struct Call<'a> {
    /// Where it comes from.
    pub route: Route,
    /// The endpoint.
    pub endpoint: &'static str,
    /// The request body.
    pub body: &'a [u8],
    /// Whether refusals carry the analyzer marker.
    pub mark_refusals: bool,
}

impl Call<'_> {
    /// Runs the call: `key` is the request's checked `Idempotency-Key`.
    ///
    /// # Errors
    /// When the order log, the idempotency store or the Action Center's queue fails.
    pub(super) async fn answer<P, T, C, Fut>(
        self,
        state: &AppState,
        key: Result<Option<String>, ApiError>,
        parse: impl Future<Output = Result<(i64, P), ApiError>>,
        command: C,
    ) -> Result<Rendered, ApiError>
    where
        T: Reply,
        C: FnOnce(OrderService, P, Mode) -> Fut,
        Fut: Future<Output = Result<T, OrderError>>,
    {
        let key_value = key.as_ref().ok().cloned().flatten();
        // Only a keyed request is compared with an earlier one.
        let print = key_value
            .as_ref()
            .map_or_else(String::new, |_| fingerprint(self.body));
        let call = state
            .orders
            .begin(self.endpoint, redacted(self.body), print, key_value);
        if let Err(e) = key {
            return Ok(call.refuse::<T>(e, false).await?.into());
        }
        let (user_id, request) = match parse.await {
            Err(e) => return Ok(call.refuse::<T>(e, self.mark_refusals).await?.into()),
            Ok(parsed) => parsed,
        };
        let mode = call.mode();
        let routing = match self.route {
            Route::Api => {
                state
                    .action_center
                    .route(user_id, self.endpoint, mode == Mode::Analyze)
                    .await?
            }
            Route::Approved => Routing::Execute,
        };
        match routing {
            Routing::Execute => Ok(call
                .run(user_id, move |t| async move {
                    command(t, request, mode).await.map_err(ApiError::from)
                })
                .await?
                .into()),
            Routing::Refuse(r) => {
                let e = ApiError::Status {
                    status: StatusCode::FORBIDDEN,
                    message: r.message().to_owned(),
                };
                Ok(call.refuse::<T>(e, false).await?.into())
            }
            Routing::Queue(q) => {
                let center = Arc::clone(&state.action_center);
                let data = redacted(self.body);
                Ok(call
                    .run(user_id, move |_| async move {
                        Ok(QueuedReply(center.queue(user_id, q, data).await?))
                    })
                    .await?
                    .into())
            }
        }
    }
}

/// The HTTP answer of a call.
fn response(answer: Rendered) -> HttpResponse {
    let refused_key = answer.refused_key;
    let mut res = HttpResponse::build(answer.status)
        .content_type(ContentType::json())
        .body(answer.body);
    if answer.replayed {
        res.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if refused_key {
        res.extensions_mut().insert(InvalidApiKeyMarker);
    }
    res
}
