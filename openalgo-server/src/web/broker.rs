//! The broker connection page (ui.md `/broker`): which broker this server trades through and
//! whether its session is up. A broker without a login (the registry's `LoginKind::None`: no
//! broker session) is always connected; a broker with one is named by its registry entry and
//! its "Connect" goes to `/auth/broker` (`broker_login.rs`), which offers the broker's hosted
//! login whose redirect lands on `/{broker}/callback`. A broker whose entry declares a
//! `LoginKind::CredentialForm` gets that form here instead (its fields rendered from the entry,
//! secret ones masked), posted with the dashboard's CSRF token to `/{broker}/callback`.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_brokers::registry::{BrokerEntry, LoginKind};

use super::blocking;
use super::html::escape;
use super::layout::{page, signed_in};
use crate::app::AppState;
use crate::error::ApiError;

/// The login form of a `CredentialForm` entry (`None` for other login kinds): one input per
/// declared field, masked when secret, and the CSRF token, posted to `/{broker}/callback`.
#[must_use]
pub(crate) fn credential_form(entry: &BrokerEntry, csrf: &str) -> Option<String> {
    let LoginKind::CredentialForm { fields } = entry.login else {
        return None;
    };
    let inputs: String = fields
        .iter()
        .map(|f| {
            format!(
                r#"<label>{label}<input name="{name}" id="broker-{name}" type="{kind}" autocomplete="off" required></label>"#,
                label = escape(f.label),
                name = escape(f.name),
                kind = if f.secret { "password" } else { "text" },
            )
        })
        .collect();
    Some(format!(
        r#"<form method="post" action="/{broker}/callback" id="broker-login-form">{csrf}{inputs}<button type="submit" id="broker-connect">Connect {display}</button></form>"#,
        broker = escape(entry.name),
        csrf = super::html::csrf_field(csrf),
        display = escape(entry.display_name),
    ))
}

/// Whether the broker needs no login session.
fn sessionless(state: &AppState) -> bool {
    state.broker_session.is_none()
}

/// Whether the broker session of `user_id` is up.
async fn connected(state: &AppState, user_id: i64) -> Result<bool, ApiError> {
    let Some(session) = &state.broker_session else {
        return Ok(true);
    };
    let id = session.entry.name;
    let store = Arc::clone(&state.store);
    Ok(blocking(move || store.broker_token(user_id, id))
        .await?
        .is_some())
}

/// The session badge of the dashboard.
#[must_use]
pub(super) fn session_badge(state: &AppState) -> &'static str {
    if sessionless(state) {
        r#"<span class="badge ok" id="broker-session">connected</span>"#
    } else {
        r#"<a href="/broker"><span class="badge" id="broker-session">see broker page</span></a>"#
    }
}

/// The market feed's badge: `stale` (with the silence's start, IST) while the stall watchdog
/// finds no data where ticks are expected, `ok` otherwise. `app.js` keeps it current from the
/// dashboard's poll ([`feed_json`]).
#[must_use]
pub(super) fn feed_badge(state: &AppState) -> String {
    match state.hub.health().stale() {
        Some((since, instruments)) => {
            let at = super::format::time(openalgo_core::clock::ist_from_ms(since));
            format!(
                r#"<span class="badge bad" id="feed-status" title="No market data since {at} IST for {instruments} subscribed instruments; reconnecting">stale since {at}</span>"#
            )
        }
        None => r#"<span class="badge ok" id="feed-status">ok</span>"#.to_owned(),
    }
}

/// The feed's state for the dashboard's poll: `{"status": "ok"}` or
/// `{"status": "stale", "since": ms, "since_ist": "...", "instruments": n}`.
#[must_use]
pub(super) fn feed_json(state: &AppState) -> serde_json::Value {
    match state.hub.health().stale() {
        Some((since, instruments)) => serde_json::json!({"status": "stale", "since": since,
            "since_ist": super::format::time(openalgo_core::clock::ist_from_ms(since)),
            "instruments": instruments}),
        None => serde_json::json!({"status": "ok"}),
    }
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let id = state.broker().id();
    let up = connected(&state, ctx.session.user_id).await?;
    let display = state
        .broker_session
        .as_ref()
        .map_or(id, |s| s.entry.display_name);
    let form = state
        .broker_session
        .as_ref()
        .and_then(|s| credential_form(s.entry, &ctx.csrf));
    let failed = if req.query_string().contains("error=1") {
        format!(
            r#"<p role="alert" id="broker-error">{} login failed. Try again.</p>"#,
            escape(display)
        )
    } else {
        String::new()
    };
    let action = if sessionless(&state) {
        "<p>This broker needs no login: its session is always connected.</p>".to_owned()
    } else if let Some(form) = form {
        let note = if up {
            "<p>Connected. The session ends at the daily expiry; sign in again then.</p>"
        } else {
            "<p>Not connected: sign in with your broker credentials to trade.</p>"
        };
        format!("{failed}{note}{form}")
    } else if up {
        format!(
            r#"<p>Connected. The session ends at the daily expiry; reconnect then.</p><p><a class="button secondary" href="/auth/broker">Reconnect {0}</a></p>"#,
            escape(display)
        )
    } else {
        format!(
            r#"<p>Not connected: sign in at the broker to trade.</p><p><a class="button" href="/auth/broker" id="broker-connect">Connect {0}</a></p>"#,
            escape(display)
        )
    };
    let body = format!(
        r#"<div class="panel"><dl class="kv"><dt>Broker</dt><dd>{}</dd><dt>Session</dt><dd><span class="badge {}" id="broker-session">{}</span></dd></dl>{action}</div>"#,
        escape(id),
        if up { "ok" } else { "bad" },
        if up { "connected" } else { "not connected" },
    );
    Ok(page(&ctx, "/broker", "Broker connection", &body))
}
