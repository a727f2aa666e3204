//! The API key page (ui.md `/apikey`, `/tradingview`): the key masked, revealed and copied on
//! demand, rotated after a confirmation (the new key is shown once), and ready-to-paste
//! examples for TradingView, Amibroker and Python. The key reaches the browser only through a
//! POST that carries the session's CSRF token in a header.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::automation::OrderMode;
use serde_json::json;

use super::html::{csrf_field, escape};
use super::layout::{page, redirect_with, signed_in};
use super::{FormData, admit_signed_in, csrf, session};
use crate::app::AppState;
use crate::error::ApiError;

/// The key with all but its last four characters hidden.
fn masked(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!(
        "{}{tail}",
        "•".repeat(key.chars().count().saturating_sub(4).min(28))
    )
}

/// The host the examples call (from the request).
fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let key = api_key(&state, ctx.session.user_id).await?;
    let mode = state.action_center.mode(ctx.session.user_id).await?;
    let (mode_label, other, other_label) = match mode {
        OrderMode::Auto => ("Auto", OrderMode::SemiAuto, "Semi-Auto"),
        OrderMode::SemiAuto => ("Semi-Auto", OrderMode::Auto, "Auto"),
    };
    let host = escape(&origin(&req));
    let body = format!(
        r#"<div class="panel"><h2>Your API key</h2><p><code id="api-key" class="secret" data-masked="{m}" data-shown="0">{m}</code></p>
<div class="actions"><button type="button" class="secondary" id="reveal-key">Show</button><button type="button" class="secondary" id="copy-key">Copy</button>
<form method="post" action="/apikey/rotate" data-confirm="Rotate the API key? Every program using the current key stops working at once.">{}<button type="submit" class="danger" id="rotate-key">Rotate key</button></form></div>
<p class="muted">Programs send this key as <code>apikey</code> in every <code>/api/v1</code> request. Keep it secret; rotating it invalidates the old one at once.</p></div>
<div class="panel"><h2>Order execution mode</h2><p>Current mode: <strong id="apikey-order-mode">{mode_label}</strong>. Auto sends API and webhook orders straight to the account; Semi-Auto queues them in the <a href="/action-center">Action Center</a> until you approve them, and refuses modify, cancel and close calls on the live account.</p>
<form method="post" action="/apikey/mode">{csrf}<input type="hidden" name="back" value="/apikey"><input type="hidden" name="mode" value="{other}"><button type="submit" class="secondary" id="apikey-toggle-mode">Switch to {other_label}</button></form></div>
<div class="panel"><h2>TradingView alert</h2><p>Webhook URL: <code>{host}/api/v1/placesmartorder</code></p><p>Alert message (JSON):</p>
<pre class="example" id="example-tradingview">{{"apikey": "YOUR_API_KEY", "strategy": "TradingView", "symbol": "SBIN", "exchange": "NSE",
 "action": "{{{{strategy.order.action}}}}", "product": "MIS", "pricetype": "MARKET",
 "quantity": "{{{{strategy.order.contracts}}}}", "position_size": "{{{{strategy.position_size}}}}"}}</pre></div>
<div class="panel"><h2>Amibroker (AFL)</h2><pre class="example" id="example-amibroker">// Sends a market order when Buy fires on the last bar.
url = "{host}/api/v1/placeorder";
body = "{{\"apikey\":\"YOUR_API_KEY\",\"strategy\":\"Amibroker\",\"symbol\":\"SBIN\",\"exchange\":\"NSE\",\"action\":\"BUY\",\"product\":\"MIS\",\"pricetype\":\"MARKET\",\"quantity\":\"1\"}}";
if (LastValue(Buy)) {{
    ih = InternetOpenURL(url);   // use InternetPostRequest(url, body) where available
}}</pre></div>
<div class="panel"><h2>Python</h2><pre class="example" id="example-python">from openalgo import api

client = api(api_key="YOUR_API_KEY", host="{host}")
print(client.placeorder(strategy="Python", symbol="SBIN", exchange="NSE",
                        action="BUY", price_type="MARKET", product="MIS", quantity=1))
print(client.positionbook())</pre></div>"#,
        csrf_field(&ctx.csrf),
        m = escape(&masked(&key)),
        csrf = csrf_field(&ctx.csrf),
        other = other.as_str(),
    );
    Ok(page(&ctx, "/apikey", "API key", &body))
}

/// `{"api_key": ...}` for the signed-in user; needs the session's CSRF token in `X-CSRF-Token`
/// (a cross-site page can neither read the answer nor forge the header).
pub(super) async fn reveal(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = session::current(&state, &req).await? else {
        return Ok(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"})));
    };
    let presented = req
        .headers()
        .get("x-csrf-token")
        .or_else(|| req.headers().get("x-csrftoken"))
        .and_then(|v| v.to_str().ok());
    if !csrf::valid(&state, &req, Some(&s), presented) {
        return Ok(HttpResponse::BadRequest()
            .json(json!({"status": "error", "message": "CSRF token missing or invalid"})));
    }
    let key = api_key(&state, s.user_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({"status": "success", "api_key": key})))
}

pub(super) async fn rotate(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let s = match admit_signed_in(&state, &req, &form).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    let keys = Arc::clone(&state.api_keys);
    let user_id = s.user_id;
    super::blocking(move || keys.issue(user_id)).await?;
    Ok(redirect_with(
        "/apikey",
        true,
        "New API key issued; the old key no longer works. Use Show or Copy to see it.",
    ))
}

/// The API key of `user_id` (decrypted from its stored copy), for the page that reveals it.
///
/// # Errors
/// 500 when the store fails or the user has no key.
async fn api_key(state: &AppState, user_id: i64) -> Result<String, ApiError> {
    let keys = std::sync::Arc::clone(&state.api_keys);
    crate::error::blocking(move || keys.reveal(user_id))
        .await??
        .ok_or_else(|| ApiError::internal("the user has no API key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_keeps_only_the_tail() {
        let m = masked("0123456789abcdef");
        assert!(m.ends_with("cdef") && !m.contains("0123"));
    }
}
