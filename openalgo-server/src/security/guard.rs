//! The outermost check on every request: a banned client gets 403 before any work is done;
//! 404s from clients without a session and invalid API keys are counted, and with auto-ban on
//! a client that reaches a threshold is banned (platform §5.1).

use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use super::SecurityState;
use super::offenders::{Offence, counts_as_probe};
pub use crate::error::InvalidApiKeyMarker;

/// The reference's body for a banned client.
pub const BANNED_BODY: &str = "Access Denied: Your IP has been banned";

fn escalate(state: &SecurityState, ip: IpAddr, offence: Offence, count: u32) {
    let auto = state.config.auto_ban;
    let (threshold, hours, by, reason) = match offence {
        Offence::NotFound => (
            auto.not_found_threshold,
            auto.not_found_ban_hours,
            "404_detector",
            "Too many 404 errors",
        ),
        Offence::InvalidApiKey => (
            auto.api_key_threshold,
            auto.api_key_ban_hours,
            "api_key_detector",
            "Too many invalid API key attempts",
        ),
    };
    if !auto.enabled || count < threshold {
        return;
    }
    let now = state.clock.now_ms();
    let Some(ban) = state
        .bans
        .ban(ip, reason, Some(hours), by, auto.repeat_offender_limit, now)
    else {
        return;
    };
    tracing::warn!(%ip, reason, ban_count = ban.ban_count, "client banned");
    let store = std::sync::Arc::clone(&state.store);
    actix_web::rt::spawn(async move {
        if let Err(e) = web::block(move || store.save_ban(ip, &ban)).await {
            tracing::error!(error = %e, "ban not persisted");
        }
    });
}

/// The guard middleware (wrap it outermost).
///
/// # Errors
/// Only the inner service's errors.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<SecurityState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let ip = super::client_ip::of(req.request());
    if let Some(ip) = ip
        && state.bans.is_banned(ip, state.clock.now_ms())
    {
        let res = HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body(BANNED_BODY);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let signed_in = super::session_cookie::has_session_cookie(req.request());
    let path = req.path().to_owned();
    let res = next.call(req).await?;
    // Another instance answered it, and counted it there.
    let proxied = res
        .response()
        .extensions()
        .contains::<super::forwarded::Proxied>();
    if let Some(ip) = ip.filter(|_| !proxied) {
        let now = state.clock.now_ms();
        let offenders = &state.offenders;
        if res.status() == StatusCode::NOT_FOUND && !signed_in && counts_as_probe(&path) {
            let n = offenders.record(ip, Offence::NotFound, &path, now);
            escalate(&state, ip, Offence::NotFound, n);
        }
        if res
            .response()
            .extensions()
            .contains::<InvalidApiKeyMarker>()
        {
            let n = offenders.record(ip, Offence::InvalidApiKey, "", now);
            escalate(&state, ip, Offence::InvalidApiKey, n);
        }
    }
    Ok(res.map_into_left_body())
}
