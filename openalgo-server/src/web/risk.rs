//! The Risk page (ours): for each account (live, analyzer) its kill switch — engage with a
//! reason and optionally flatten, or release — and its limits (max daily loss, order quantity
//! and value, open positions, orders per second per segment, flatten on kill). The same rules
//! and the same saving as `/api/v1/risk`.

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::money::parse_decimal;
use openalgo_core::risk::RiskLimits;
use rust_decimal::Decimal;

use super::html::{csrf_field, escape};
use super::layout::{page, redirect_with, signed_in};
use super::{FormData, admit_signed_in, field};
use crate::app::AppState;
use crate::error::ApiError;
use crate::state::Mode;

fn account_of(text: &str) -> Option<Mode> {
    match text {
        "live" => Some(Mode::Live),
        "analyze" => Some(Mode::Analyze),
        _ => None,
    }
}

fn label(mode: Mode) -> &'static str {
    match mode {
        Mode::Live => "Live account",
        Mode::Analyze => "Analyzer (sandbox) account",
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn panel(state: &AppState, mode: Mode, csrf: &str) -> String {
    let id = mode.as_str();
    let (kill, limits) = state
        .book
        .risk()
        .of(mode)
        .with(|g| (g.kill_switch().cloned(), g.limits().clone()));
    let switch = match &kill {
        Some(k) => format!(
            r#"<p class="badge danger" id="kill-{id}-state">Kill switch ON</p><p id="kill-{id}-reason">{} — since {}{}</p>
<form method="post" action="/risk/killswitch" data-confirm="Release the kill switch? New orders will be accepted again.">{csrf}<input type="hidden" name="account" value="{id}"><input type="hidden" name="engage" value="false"><button type="submit" id="kill-{id}-release">Release</button></form>"#,
            escape(&k.reason),
            k.since.format("%Y-%m-%d %H:%M:%S"),
            if k.automatic {
                " (tripped by a rule)"
            } else {
                ""
            },
        ),
        None => format!(
            r#"<p class="badge" id="kill-{id}-state">Kill switch off</p>
<form method="post" action="/risk/killswitch" data-confirm="Engage the kill switch? Every new order of this account will be refused.">{csrf}<input type="hidden" name="account" value="{id}"><input type="hidden" name="engage" value="true">
<dl class="kv"><dt><label for="kill-{id}-why">Reason</label></dt><dd><input id="kill-{id}-why" name="reason" maxlength="200" placeholder="why"></dd>
<dt><label for="kill-{id}-flatten">Also flatten</label></dt><dd><input type="checkbox" id="kill-{id}-flatten" name="flatten" value="true"{}> cancel open orders and close positions</dd></dl>
<button type="submit" class="danger" id="kill-{id}-engage">Engage kill switch</button></form>"#,
            if limits.flatten_on_kill {
                " checked"
            } else {
                ""
            },
        ),
    };
    let symbols = limits.symbols.len();
    format!(
        r#"<div class="panel" id="risk-{id}"><h2>{}</h2>{switch}
<h3>Limits</h3><form method="post" action="/risk/limits" id="limits-{id}">{csrf}<input type="hidden" name="account" value="{id}"><dl class="kv">
<dt><label for="{id}-loss">Max daily loss (₹)</label></dt><dd><input id="{id}-loss" name="max_daily_loss" inputmode="decimal" value="{}"></dd>
<dt><label for="{id}-qty">Max order quantity</label></dt><dd><input id="{id}-qty" name="max_order_quantity" inputmode="numeric" value="{}"></dd>
<dt><label for="{id}-value">Max order value (₹)</label></dt><dd><input id="{id}-value" name="max_order_value" inputmode="decimal" value="{}"></dd>
<dt><label for="{id}-open">Max open positions</label></dt><dd><input id="{id}-open" name="max_open_positions" inputmode="numeric" value="{}"></dd>
<dt><label for="{id}-ops">Orders per second per segment</label></dt><dd><input id="{id}-ops" name="orders_per_second" inputmode="numeric" value="{}"></dd>
<dt><label for="{id}-flat">Flatten when the switch trips</label></dt><dd><input type="checkbox" id="{id}-flat" name="flatten_on_kill" value="true"{}></dd>
</dl><p class="muted">Empty or 0 turns a rule off. {symbols} per-symbol limit(s) are set through <code>/api/v1/risk/limits</code>.</p><button type="submit" id="limits-{id}-save">Save limits</button></form></div>"#,
        label(mode),
        opt(limits.max_daily_loss),
        opt(limits.max_order_quantity),
        opt(limits.max_order_value),
        opt(limits.max_open_positions),
        limits.orders_per_second,
        if limits.flatten_on_kill {
            " checked"
        } else {
            ""
        },
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let body = format!(
        r#"<p class="muted">Every new order passes these rules before it reaches the broker (placeorder, smart, split, basket and option orders alike); closing positions and cancelling orders are never refused. A refused order is answered 403, or 429 for the orders-per-second cap, with the rule named.</p>
<div class="grid2">{}{}</div>"#,
        panel(&state, Mode::Live, &csrf_field(&ctx.csrf)),
        panel(&state, Mode::Analyze, &csrf_field(&ctx.csrf)),
    );
    Ok(page(&ctx, "/risk", "Risk", &body))
}

pub(super) async fn kill_switch(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let Some(mode) = account_of(field(&form, "account")) else {
        return Ok(redirect_with("/risk", false, "Unknown account"));
    };
    let engage = field(&form, "engage") == "true";
    let flatten = field(&form, "flatten") == "true";
    crate::risk::switch(
        &state.store,
        &state.book,
        state.clock.as_ref(),
        mode,
        engage,
        field(&form, "reason"),
        Some(flatten),
    )
    .await?;
    let message = match (engage, flatten) {
        (true, true) => "Kill switch engaged; open orders cancelled and positions closed",
        (true, false) => "Kill switch engaged",
        (false, _) => "Kill switch released",
    };
    Ok(redirect_with("/risk", true, message))
}

/// A form's limits: empty or 0 turns a rule off.
fn parse_limits(form: &FormData, current: &RiskLimits) -> Result<RiskLimits, String> {
    let money = |name: &str| -> Result<Option<Decimal>, String> {
        let text = field(form, name).trim();
        if text.is_empty() {
            return Ok(None);
        }
        let d = parse_decimal(text).map_err(|_| format!("{name}: '{text}' is not a number"))?;
        if d < Decimal::ZERO {
            return Err(format!("{name} cannot be negative"));
        }
        Ok((d > Decimal::ZERO).then_some(d))
    };
    let count = |name: &str| -> Result<Option<u64>, String> {
        let text = field(form, name).trim();
        if text.is_empty() {
            return Ok(None);
        }
        let n: u64 = text
            .parse()
            .map_err(|_| format!("{name}: '{text}' is not a whole number"))?;
        Ok((n > 0).then_some(n))
    };
    Ok(RiskLimits {
        max_daily_loss: money("max_daily_loss")?,
        max_order_quantity: count("max_order_quantity")?,
        max_order_value: money("max_order_value")?,
        max_open_positions: count("max_open_positions")?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        orders_per_second: count("orders_per_second")?.map_or(Ok(0), |n| {
            u32::try_from(n).map_err(|_| "orders_per_second is too large".to_owned())
        })?,
        flatten_on_kill: field(form, "flatten_on_kill") == "true",
        symbols: current.symbols.clone(),
    })
}

pub(super) async fn limits(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Err(refused) = admit_signed_in(&state, &req, &form).await? {
        return Ok(refused);
    }
    let Some(mode) = account_of(field(&form, "account")) else {
        return Ok(redirect_with("/risk", false, "Unknown account"));
    };
    let gates = state.book.risk();
    let current = gates.of(mode).with(|g| g.limits().clone());
    let next = match parse_limits(&form, &current) {
        Ok(l) => l,
        Err(message) => return Ok(redirect_with("/risk", false, &message)),
    };
    match crate::risk::set_limits(&state.store, gates, mode, next).await {
        Ok(()) => Ok(redirect_with("/risk", true, "Risk limits saved")),
        Err(ApiError::BadRequest(message)) => Ok(redirect_with("/risk", false, &message)),
        Err(e) => Err(e),
    }
}
