//! The dashboard (ui.md `/dashboard`, `/pnl-tracker`): funds and margin, today's realized and
//! unrealized P&L with the intraday curve, the broker session, the market feed's stale badge,
//! and the live/analyze switch.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::format::{money, tone};
use super::html::escape;
use super::layout::{local_path, page, redirect_with, signed_in};
use super::{FormData, admit_signed_in, field};
use crate::app::AppState;
use crate::error::ApiError;
use crate::pnl;
use crate::state::Mode;

fn card(label: &str, id: &str, value: rust_decimal::Decimal, signed: bool) -> String {
    format!(
        r#"<div class="card"><div class="label">{label}</div><div class="value {}" id="{id}">{}</div></div>"#,
        if signed { tone(value) } else { "" },
        money(value)
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let (t, mode) = state.trading();
    let funds = match t.broker().funds().await {
        Ok(f) => {
            let total = f.m2m_realized + f.m2m_unrealized;
            state.pnl.record(mode, state.clock.now_ms(), total);
            format!(
                r#"<div class="cards">{}{}{}{}{}{}</div>"#,
                card(
                    "Available balance",
                    "funds-available",
                    f.available_cash,
                    false
                ),
                card("Collateral", "funds-collateral", f.collateral, false),
                card("Used margin", "funds-used", f.utilised_debits, false),
                card("Realized P&amp;L", "pnl-realized", f.m2m_realized, true),
                card(
                    "Unrealized P&amp;L",
                    "pnl-unrealized",
                    f.m2m_unrealized,
                    true
                ),
                card("Total P&amp;L", "pnl-total", total, true),
            )
        }
        Err(e) => super::html::error(&format!("Funds unavailable: {e}")),
    };
    let account = match mode {
        Mode::Live => "the configured broker's account",
        Mode::Analyze => "the analyzer (sandbox) account",
    };
    let name = super::username(&state, ctx.session.user_id).await?;
    let body = format!(
        r#"<p class="muted">Signed in as <strong>{}</strong>. Figures of {account}.</p>{funds}
<div class="panel"><h2>Intraday P&amp;L <span id="pnl-now" class="muted"></span></h2>
<svg id="pnl-chart" class="chart" data-src="/dashboard/pnl" data-every="2000" role="img" aria-label="P&amp;L over the day"></svg></div>
<div class="grid2"><div class="panel"><h2>Broker</h2><dl class="kv"><dt>Broker</dt><dd id="broker-id">{}</dd><dt>Session</dt><dd>{}</dd><dt>Market feed</dt><dd>{}</dd></dl><p><a href="/broker">Broker connection</a></p></div>
<div class="panel"><h2>Quick access</h2><ul><li><a href="/ticket">Place an order</a></li><li><a href="/search">Symbol search</a></li><li><a href="/logs">Order log, traffic and latency</a></li><li><a href="/api/v1/">API documentation</a></li></ul></div></div>"#,
        escape(&name),
        escape(state.broker().id()),
        super::broker::session_badge(&state),
        super::broker::feed_badge(&state),
    );
    Ok(page(&ctx, "/dashboard", "Dashboard", &body))
}

/// The curve of the current mode: `{"mode", "points": [[ms, "pnl"], ...], "feed"}` (amounts as
/// exact decimal strings; `feed` is the market feed's badge state, see `broker::feed_json`).
pub(super) async fn series(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if super::session::current(&state, &req).await?.is_none() {
        return Ok(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"})));
    }
    let mode = state.mode();
    pnl::sample(&state.book, &state.pnl, state.clock.as_ref(), mode).await;
    let points: Vec<_> = state
        .pnl
        .points(mode)
        .into_iter()
        .map(|(at, v)| json!([at, format!("{:.2}", v.round_dp(2))]))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(
            json!({"status": "success", "mode": mode.as_str(), "points": points,
            "feed": super::broker::feed_json(&state)}),
        ))
}

/// Switches between the live and the analyzer account and returns to the page.
pub(super) async fn toggle_mode(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let on = state.mode() == Mode::Live;
    let mode = state.set_analyze(on).await?;
    let message = match mode {
        Mode::Analyze => "Analyze mode: orders now go to the sandbox account",
        Mode::Live => "Live mode: orders now go to the broker",
    };
    Ok(redirect_with(
        local_path(field(&form, "next")),
        true,
        message,
    ))
}
