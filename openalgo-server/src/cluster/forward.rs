//! Forwarding to the instance that holds the accounts ([`super::holder`]). On an instance that
//! does not hold them, every request that could read or change an account (orders, books,
//! funds, the analyzer switch, risk, the dashboard, webhooks, the Action Center) is sent on to
//! the holder and its answer streamed back unchanged; market data, symbols, option analytics,
//! the calendar, health, metrics, static files and the WebSocket are served where they arrive.
//!
//! The request keeps its method, path, query, headers (cookies and API keys included) and body;
//! the client's address travels signed in `security::forwarded::HEADER`, so the holder applies
//! rate limits, bans and logs to the true client, once (this instance does not count or log an
//! answer it only relayed). Forwarding never retries: a holder lost mid-request answers 502 and
//! the client's `Idempotency-Key` makes its retry safe.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use futures::TryStreamExt;
use secrecy::SecretString;

use super::holder::{AccountHolder, Role};
use crate::security::forwarded;

/// Headers that belong to one connection, never forwarded.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// The forwarding set-up of one instance (app data).
pub struct Forwarding {
    holder: Arc<AccountHolder>,
    client: reqwest::Client,
    key: SecretString,
    serves_anywhere: fn(&str) -> bool,
}

impl std::fmt::Debug for Forwarding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarding")
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// The dashboard's sign-in paths: they need the shared store and sessions, not the accounts.
const SIGN_IN: [&str; 8] = [
    "/setup",
    "/auth/login",
    "/auth/login/totp",
    "/auth/logout",
    "/auth/reset-password",
    "/auth/check-setup",
    "/auth/session-status",
    "/auth/csrf-token",
];

/// Whether the request for `path` never touches an account (the market-data paths, given by
/// the route table, the sign-in pages, and the instance's own endpoints).
fn local(path: &str, serves_anywhere: fn(&str) -> bool) -> bool {
    SIGN_IN.contains(&path)
        || path == "/ws"
        || path == "/metrics"
        || path == "/favicon.ico"
        || path.starts_with("/health")
        || path.starts_with("/static/")
        || path
            .strip_prefix("/api/v1/")
            .is_some_and(|p| p.is_empty() || p == "openapi.json" || serves_anywhere(p))
}

impl Forwarding {
    /// Forwarding to whichever instance `holder` names, signing clients with `key` (the
    /// deployment's `APP_KEY`); `serves_anywhere` names the `/api/v1/` paths (without the
    /// prefix) that any instance answers itself.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        holder: Arc<AccountHolder>,
        key: SecretString,
        serves_anywhere: fn(&str) -> bool,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(1))
            .pool_idle_timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            holder,
            client,
            key,
            serves_anywhere,
        })
    }
}

impl Forwarding {
    /// This instance's part in serving the accounts.
    #[must_use]
    pub fn role(&self) -> Role {
        self.holder.role()
    }
}

fn unavailable(message: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", "1"))
        .json(serde_json::json!({"status": "error", "message": message}))
}

/// The middleware: serves locally or forwards (wrap it inside the security guard).
///
/// # Errors
/// Only the inner service's errors.
pub async fn route(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let Some(data) = req.app_data::<web::Data<Option<Forwarding>>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(fwd) = data.as_ref().as_ref() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if local(req.path(), fwd.serves_anywhere) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let holder = match fwd.holder.role() {
        Role::Holder => return Ok(next.call(req).await?.map_into_left_body()),
        Role::Restoring => {
            let res = unavailable("The accounts are being restored on this instance; retry");
            return Ok(req.into_response(res).map_into_right_body());
        }
        Role::Follower(None) => {
            let res = unavailable("No instance holds the accounts at the moment; retry");
            return Ok(req.into_response(res).map_into_right_body());
        }
        Role::Follower(Some(url)) => url,
    };
    // Forwarded to an instance that no longer holds the accounts: never forward twice. (A
    // header that does not verify is a client's own: dropped, and the request forwarded.)
    if forwarded::client(req.request(), &fwd.key).is_some() {
        let res = unavailable("The accounts moved to another instance; retry");
        return Ok(req.into_response(res).map_into_right_body());
    }
    let res = relay(fwd, &holder, req).await?;
    Ok(res.map_into_right_body())
}

async fn relay(
    fwd: &Forwarding,
    holder: &str,
    mut req: ServiceRequest,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let body = req.extract::<web::Bytes>().await?;
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(actix_web::error::ErrorBadRequest)?;
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    let mut out = fwd
        .client
        .request(method, format!("{holder}{path}"))
        .body(body);
    for (name, value) in req.headers() {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower) || lower == forwarded::HEADER || lower == "host" {
            continue;
        }
        out = out.header(name.as_str(), value.as_bytes());
    }
    if let Some(host) = req.headers().get("host") {
        // The holder sees the host the client asked for (redirects, cookies, origins).
        out = out.header("host", host.as_bytes());
    }
    if let Some(ip) = crate::security::client_ip::of(req.request()) {
        let now_s = chrono::Utc::now().timestamp();
        out = out.header(
            forwarded::HEADER,
            forwarded::sign(&fwd.key, ip, now_s, req.method().as_str(), &path),
        );
    }
    let answer = match out.send().await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, holder, "cannot reach the instance holding the accounts");
            let res = if e.is_connect() {
                unavailable("The instance holding the accounts cannot be reached; retry")
            } else {
                HttpResponse::BadGateway().json(serde_json::json!({
                    "status": "error",
                    "message": "The instance holding the accounts did not answer; the request may or may not have been carried out",
                }))
            };
            return Ok(req.into_response(res));
        }
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut res = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        res.append_header((name.as_str(), value.as_bytes()));
    }
    let streamed = answer.content_length().is_none();
    let mut res = if streamed {
        // Server-sent events and streamed books: passed on as they come.
        res.streaming(
            answer
                .bytes_stream()
                .map_err(actix_web::error::ErrorBadGateway),
        )
    } else {
        let bytes = answer
            .bytes()
            .await
            .map_err(actix_web::error::ErrorBadGateway)?;
        res.body(bytes)
    };
    res.extensions_mut().insert(forwarded::Proxied);
    Ok(req.into_response(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn market_data_and_the_instance_s_own_paths_are_served_locally() {
        let anywhere = |p: &str| p == "quotes" || p.starts_with("ticker/");
        for path in [
            "/ws",
            "/metrics",
            "/health",
            "/health/metrics",
            "/static/web/app.v1.js",
            "/api/v1/quotes",
            "/api/v1/ticker/NSE:SBIN",
            "/api/v1/",
            "/api/v1/openapi.json",
            "/auth/login",
            "/auth/logout",
        ] {
            assert!(local(path, anywhere), "{path}");
        }
        for path in [
            "/api/v1/placeorder",
            "/api/v1/orderbook",
            "/",
            "/auth/broker",
            "/auth/analyzer-toggle",
            "/action-center/events",
            "/strategy/webhook/abc",
        ] {
            assert!(!local(path, anywhere), "{path}");
        }
    }
}
