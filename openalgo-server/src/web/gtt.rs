//! The order book's GTT tab (`/orderbook/gtt`): the account's active GTTs with modify (a form
//! prefilled from the trigger) and cancel (after a confirmation), both run as the signed-in
//! user through the order service like the API's `modifygttorder` / `cancelgttorder`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::money::parse_decimal;
use openalgo_core::{
    BrokerError, GttKind, GttRecord, GttRequest, GttScope, GttTriggers, Price, TriggerDirection,
    TriggerId,
};
use rust_decimal::Decimal;

use super::actions::act;
use super::format::money;
use super::html::{csrf_field, error, escape};
use super::layout::{Ctx, page, signed_in};
use super::order_form::draft;
use super::{FormData, field};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;

/// The tabs above the order book and the GTT list.
pub(super) fn tabs(current: &str) -> String {
    let tab = |href: &str, label: &str| {
        let class = if href == current {
            "button small"
        } else {
            "button small secondary"
        };
        format!(r#"<a class="{class}" href="{href}">{label}</a>"#)
    };
    format!(
        r#"<nav class="actions" id="book-tabs" aria-label="Order book">{}{}</nav>"#,
        tab("/orderbook", "Orders"),
        tab("/orderbook/gtt", "GTT")
    )
}

fn unavailable(e: &BrokerError) -> String {
    match e {
        BrokerError::Unsupported { broker, .. } => error(&format!(
            "GTT orders are not supported for broker '{broker}' yet"
        )),
        other => error(&format!("The broker could not answer: {other}")),
    }
}

fn prices(values: &[Price]) -> String {
    values
        .iter()
        .map(|p| money(p.value()))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn gtt_row(ctx: &Ctx, g: &GttRecord) -> String {
    let id = escape(g.trigger_id.as_str());
    let leg_prices: Vec<Price> = g.legs.iter().map(|l| l.price).collect();
    let first = g.legs.first();
    let when = |t: Option<chrono::NaiveDateTime>| {
        t.map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string())
    };
    format!(
        r#"<tr data-trigger-id="{id}"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method="post" action="/orderbook/gtt/cancel" class="row" data-confirm="Cancel GTT {id}?">{}<input type="hidden" name="trigger_id" value="{id}"><button type="submit" class="small danger" data-cancel-gtt="{id}">Cancel</button> <a class="button small secondary" href="/orderbook/gtt/modify?trigger_id={id}">Modify</a></form></td></tr>"#,
        escape(g.instrument.symbol.as_str()),
        g.instrument.exchange,
        g.kind.as_str(),
        first.map_or_else(String::new, |l| l.action.to_string()),
        first.map_or_else(String::new, |l| l.quantity.to_string()),
        prices(&g.trigger_prices),
        prices(&leg_prices),
        first.map_or_else(String::new, |l| l.price_type.to_string()),
        first.map_or_else(String::new, |l| l.product.to_string()),
        when(g.created_at),
        when(g.expires_at),
        csrf_field(&ctx.csrf),
    )
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let (t, _) = state.trading();
    let body = match t.broker().gtt_book(GttScope::Active).await {
        Err(e) => unavailable(&e),
        Ok(book) => {
            let rows: String = book.iter().map(|g| gtt_row(&ctx, g)).collect();
            format!(
                r#"<div class="cards"><div class="card"><div class="label">Active GTTs</div><div class="value" id="gtt-total">{}</div></div></div>
<div class="table-wrap"><table id="gtts"><thead><tr><th>Trigger id</th><th>Symbol</th><th>Exch</th><th>Type</th><th>Action</th><th class="num">Qty</th><th class="num">Triggers</th><th class="num">Leg prices</th><th>Price type</th><th>Product</th><th>Created</th><th>Expires</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>"#,
                book.len()
            )
        }
    };
    let body = format!("{}{body}", tabs("/orderbook/gtt"));
    Ok(page(&ctx, "/orderbook", "GTT orders", &body))
}

/// `trigger_id` of the modify form.
#[derive(Debug, serde::Deserialize)]
pub(super) struct TriggerQuery {
    trigger_id: String,
}

fn modify_form(ctx: &Ctx, g: &GttRecord) -> String {
    let Some(first) = g.legs.first() else {
        return error("This GTT has no legs");
    };
    let option = |value: &str, current: &str| {
        format!(
            r#"<option{}>{value}</option>"#,
            if value == current { " selected" } else { "" }
        )
    };
    let products: String = ["CNC", "NRML"]
        .iter()
        .map(|p| option(p, first.product.as_str()))
        .collect();
    let types: String = ["LIMIT", "MARKET"]
        .iter()
        .map(|p| option(p, first.price_type.as_str()))
        .collect();
    let input = |name: &str, label: &str, value: Decimal| {
        format!(
            r#"<label>{label} <input name="{name}" inputmode="decimal" value="{}"></label>"#,
            value.normalize()
        )
    };
    let triggers = match (g.kind, g.trigger_prices.as_slice(), g.legs.as_slice()) {
        (GttKind::TwoLeg, [sl, tg], [sl_leg, tg_leg]) => format!(
            "{}{}{}{}",
            input("triggerprice_sl", "Stop-loss trigger", sl.value()),
            input("stoploss", "Stop-loss limit", sl_leg.price.value()),
            input("triggerprice_tg", "Target trigger", tg.value()),
            input("target", "Target limit", tg_leg.price.value()),
        ),
        (_, [trigger, ..], _) => {
            // A trigger below the price at placement is a stop-loss one (fires on a fall).
            let name = if trigger.value() <= g.last_price.value() {
                "triggerprice_sl"
            } else {
                "triggerprice_tg"
            };
            format!(
                "{}{}",
                input(name, "Trigger price", trigger.value()),
                input("price", "Limit price", first.price.value())
            )
        }
        _ => return error("This GTT has no trigger"),
    };
    let kind = if g.kind == GttKind::TwoLeg {
        "OCO"
    } else {
        "SINGLE"
    };
    format!(
        r#"<div class="panel"><p>{} {} {} · {} · {}</p><form method="post" action="/orderbook/gtt/modify" class="stack">{}
<input type="hidden" name="trigger_id" value="{}"><input type="hidden" name="trigger_type" value="{kind}"><input type="hidden" name="symbol" value="{}"><input type="hidden" name="exchange" value="{}"><input type="hidden" name="action" value="{}">
<label>Product <select name="product">{products}</select></label>
<label>Price type <select name="pricetype">{types}</select></label>
<label>Quantity <input name="quantity" inputmode="numeric" value="{}" required></label>
{triggers}
<div class="actions"><button type="submit" id="modify-gtt-submit">Modify GTT</button><a class="button secondary" href="/orderbook/gtt">Back</a></div></form></div>"#,
        first.action,
        first.quantity,
        escape(g.instrument.symbol.as_str()),
        g.instrument.exchange,
        g.kind.as_str(),
        csrf_field(&ctx.csrf),
        escape(g.trigger_id.as_str()),
        escape(g.instrument.symbol.as_str()),
        g.instrument.exchange,
        first.action,
        first.quantity,
    )
}

pub(super) async fn modify_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TriggerQuery>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let (t, _) = state.trading();
    let body = match t.broker().gtt_book(GttScope::Active).await {
        Err(e) => unavailable(&e),
        Ok(book) => match book
            .iter()
            .find(|g| g.trigger_id.as_str() == query.trigger_id)
        {
            None => error(&format!(
                "No active GTT with trigger_id '{}'",
                escape(&query.trigger_id)
            )),
            Some(g) => modify_form(&ctx, g),
        },
    };
    Ok(page(&ctx, "/orderbook", "Modify GTT", &body))
}

fn trigger_id(form: &HashMap<String, String>) -> Result<TriggerId, String> {
    TriggerId::new(field(form, "trigger_id").trim()).map_err(|e| e.to_string())
}

fn amount(form: &HashMap<String, String>, name: &str) -> Result<Decimal, String> {
    match field(form, name).trim() {
        "" => Ok(Decimal::ZERO),
        v => parse_decimal(v)
            .ok()
            .filter(|d| !d.is_sign_negative())
            .ok_or_else(|| format!("{name} must be a non-negative number.")),
    }
}

/// The GTT a modify form describes (its identity from the hidden fields).
fn request(form: &HashMap<String, String>) -> Result<GttRequest, String> {
    let d = draft(form)?;
    let (sl, tg) = (
        amount(form, "triggerprice_sl")?,
        amount(form, "triggerprice_tg")?,
    );
    let triggers = if field(form, "trigger_type") == "OCO" {
        GttTriggers::Oco {
            stoploss_trigger: Price::new(sl),
            stoploss_price: Price::new(amount(form, "stoploss")?),
            target_trigger: Price::new(tg),
            target_price: Price::new(amount(form, "target")?),
        }
    } else if sl > Decimal::ZERO {
        GttTriggers::Single {
            trigger: Price::new(sl),
            direction: TriggerDirection::Below,
            price: d.price,
        }
    } else {
        GttTriggers::Single {
            trigger: Price::new(tg),
            direction: TriggerDirection::Above,
            price: d.price,
        }
    };
    let request = GttRequest {
        instrument: d.instrument,
        action: d.action,
        product: d.product,
        quantity: d.quantity,
        price_type: d.price_type,
        triggers,
        strategy: d.strategy,
        expires_at: None,
    };
    request.validate().map_err(|e| e.to_string())?;
    Ok(request)
}

pub(super) async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/orderbook/gtt",
        "cancelgttorder",
        trigger_id,
        commands::cancel_gtt,
        "GTT cancelled",
    )
    .await
}

pub(super) async fn modify(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/orderbook/gtt",
        "modifygttorder",
        |f| Ok((trigger_id(f)?, request(f)?)),
        commands::modify_gtt,
        "GTT modified",
    )
    .await
}
