//! Request ids: when request spans are logged (`RUST_LOG` at `info` for this crate) or the
//! client sends `X-Request-Id`, the request runs in a span carrying its id (the client's when
//! sane, otherwise a random one), so each log line of the order path, from the handler through
//! the order service and the broker to the journal, can be tied to its request; the id is sent
//! back in `X-Request-Id`. With neither, the middleware costs nothing.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::RngCore;
use tracing::Instrument;

/// The header.
pub const HEADER: &str = "x-request-id";

/// The client's id when it is 1 to 64 visible ASCII characters, otherwise a new random one.
fn id_of(req: &ServiceRequest) -> String {
    client_id(req).map_or_else(
        || {
            let mut bytes = [0_u8; 8];
            rand::thread_rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        },
        str::to_owned,
    )
}

fn client_id(req: &ServiceRequest) -> Option<&str> {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
}

/// The middleware: the request's span and the id header on the answer.
///
/// # Errors
/// Only the inner service's errors.
pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if client_id(&req).is_none() && !tracing::enabled!(tracing::Level::INFO) {
        return next.call(req).await;
    }
    let id = id_of(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        traceparent = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    // A caller's W3C trace context: the trace exporter (feature `otel`) continues its trace.
    if let Some(tp) = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
    {
        span.record("traceparent", tp);
    }
    let mut res = next.call(req).instrument(span.clone()).await?;
    span.record("status", res.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_sane_client_id_is_kept_and_anything_else_replaced() {
        let kept = TestRequest::default()
            .insert_header((HEADER, "abc-123"))
            .to_srv_request();
        assert_eq!(id_of(&kept), "abc-123");
        let odd = TestRequest::default()
            .insert_header((HEADER, "x".repeat(65)))
            .to_srv_request();
        let generated = id_of(&odd);
        assert_eq!(generated.len(), 16);
        assert_ne!(generated, id_of(&TestRequest::default().to_srv_request()));
    }
}
