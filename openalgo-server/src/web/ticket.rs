//! The manual order ticket (ui.md `/trading` order dialog): every price type and product, a
//! review step that shows the order and the last price before anything is sent, then the
//! order through `/api/v1/placeorder` (validated and logged as any API order).

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::{Action, Exchange, InstrumentKey, PriceType, Product, Symbol};

use super::actions::run;
use super::format::{money, query_value};
use super::html::{csrf_field, error, escape};
use super::layout::{Ctx, page, redirect_with, signed_in};
use super::order_form::draft;
use super::{FormData, admit_signed_in, field};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;

/// The ticket's fields, in form order.
const FIELDS: &[&str] = &[
    "symbol",
    "exchange",
    "action",
    "quantity",
    "pricetype",
    "product",
    "price",
    "trigger_price",
    "disclosed_quantity",
];

fn options(all: &[&'static str], chosen: &str) -> String {
    all.iter()
        .map(|v| {
            format!(
                r#"<option{}>{v}</option>"#,
                if *v == chosen { " selected" } else { "" }
            )
        })
        .collect()
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

fn form(ctx: &Ctx, v: &HashMap<String, String>, problem: Option<&str>) -> String {
    let get = |k: &str| v.get(k).map_or("", String::as_str);
    let or = |k: &str, d: &'static str| {
        let x = get(k);
        if x.is_empty() {
            d.to_owned()
        } else {
            x.to_owned()
        }
    };
    format!(
        r#"{}<div class="panel"><form method="post" action="/ticket/review" class="stack" id="ticket">{}
<div class="grid2"><label>Symbol <input name="symbol" id="t-symbol" value="{}" required autocomplete="off"></label>
<label>Exchange <select name="exchange" id="t-exchange">{}</select></label></div>
<div class="grid2"><label>Action <select name="action" id="t-action">{}</select></label>
<label>Quantity <input name="quantity" id="t-quantity" inputmode="numeric" value="{}" required></label></div>
<div class="grid2"><label>Price type <select name="pricetype" id="t-pricetype">{}</select></label>
<label>Product <select name="product" id="t-product">{}</select></label></div>
<div class="grid2"><label>Price (LIMIT, SL) <input name="price" id="t-price" inputmode="decimal" value="{}"></label>
<label>Trigger price (SL, SL-M) <input name="trigger_price" id="t-trigger" inputmode="decimal" value="{}"></label></div>
<label>Disclosed quantity <input name="disclosed_quantity" inputmode="numeric" value="{}"></label>
<div class="actions"><button type="submit" id="t-review">Review order</button><a class="button secondary" href="/search">Find a symbol</a></div></form></div>"#,
        problem.map(error).unwrap_or_default(),
        csrf_field(&ctx.csrf),
        escape(get("symbol")),
        options(
            &names(Exchange::ALL, Exchange::as_str),
            &or("exchange", "NSE")
        ),
        options(&names(Action::ALL, Action::as_str), &or("action", "BUY")),
        escape(&or("quantity", "1")),
        options(
            &names(PriceType::ALL, PriceType::as_str),
            &or("pricetype", "MARKET")
        ),
        options(&names(Product::ALL, Product::as_str), &or("product", "MIS")),
        escape(&or("price", "0")),
        escape(&or("trigger_price", "0")),
        escape(&or("disclosed_quantity", "0")),
    )
}

pub(super) async fn page_handler(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    let body = form(&ctx, &query, None);
    Ok(page(&ctx, "/ticket", "Order ticket", &body))
}

/// The instrument of the ticket, when it is listed.
fn instrument(state: &AppState, f: &HashMap<String, String>) -> Option<InstrumentKey> {
    let exchange = Exchange::from_str(field(f, "exchange")).ok()?;
    let symbol = field(f, "symbol").trim().to_uppercase();
    state.symbols().get(&symbol, exchange)?;
    Some(InstrumentKey::new(Symbol::new(&symbol).ok()?, exchange))
}

pub(super) async fn review(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_data: FormData,
) -> Result<HttpResponse, ApiError> {
    let ctx = signed_in!(state, req);
    if let Err(refused) = admit_signed_in(&state, &req, &form_data).await? {
        return Ok(refused);
    }
    let f = &form_data.0;
    let Some(key) = instrument(&state, f) else {
        let body = form(&ctx, f, Some("Unknown symbol for that exchange"));
        return Ok(page(&ctx, "/ticket", "Order ticket", &body));
    };
    let ltp = state.broker().quote(&key).await.ok().map(|q| q.ltp);
    let hidden: String = FIELDS
        .iter()
        .map(|k| {
            let v = if *k == "symbol" {
                key.symbol.as_str().to_owned()
            } else {
                field(f, k).trim().to_owned()
            };
            format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(&v))
        })
        .collect();
    let edit: String = FIELDS
        .iter()
        .map(|k| format!("{k}={}", query_value(field(f, k).trim())))
        .collect::<Vec<_>>()
        .join("&amp;");
    let body = format!(
        r#"<div class="panel" id="review"><p>Please confirm this order for the <strong>{}</strong> account.</p><dl class="kv">
<dt>Instrument</dt><dd id="r-instrument">{}:{}</dd><dt>Action</dt><dd id="r-action">{}</dd><dt>Quantity</dt><dd>{}</dd><dt>Price type</dt><dd>{}</dd><dt>Product</dt><dd>{}</dd><dt>Price</dt><dd>{}</dd><dt>Trigger price</dt><dd>{}</dd><dt>Last price</dt><dd>{}</dd></dl>
<form method="post" action="/ticket/place" class="actions">{}{hidden}<button type="submit" id="t-confirm">Confirm and place</button><a class="button secondary" href="/ticket?{edit}">Edit</a></form></div>"#,
        ctx.mode.as_str(),
        key.exchange,
        escape(key.symbol.as_str()),
        escape(field(f, "action")),
        escape(field(f, "quantity")),
        escape(field(f, "pricetype")),
        escape(field(f, "product")),
        escape(field(f, "price")),
        escape(field(f, "trigger_price")),
        ltp.map_or_else(|| "unavailable".to_owned(), |p| money(p.value())),
        csrf_field(&ctx.csrf),
    );
    Ok(page(&ctx, "/ticket", "Confirm order", &body))
}

pub(super) async fn place(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_data: FormData,
) -> Result<HttpResponse, ApiError> {
    let s = match admit_signed_in(&state, &req, &form_data).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    let done = run(
        &state,
        &req,
        s.user_id,
        "placeorder",
        &form_data,
        draft,
        commands::place,
    )
    .await?;
    if done.ok {
        let id = done.order_id.unwrap_or_default();
        return Ok(redirect_with(
            "/orderbook",
            true,
            &format!("Order placed: {id}"),
        ));
    }
    Ok(redirect_with(
        "/ticket",
        false,
        &done
            .message
            .unwrap_or_else(|| "The order was refused".to_owned()),
    ))
}
