//! Orders: placeorder, cancelorder, orderstatus (rest-api §3.1–§3.2), format F1.

use actix_web::{HttpResponse, web};
use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderId, OrderRequest, Price, PriceType, Product, Quantity,
    StrategyTag, Symbol,
};
use rust_decimal::Decimal;
use serde_json::json;

use super::account::order_row;
use super::present;
use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{Form, Format, object};

fn non_negative(d: Decimal) -> bool {
    !d.is_sign_negative() || d.is_zero()
}

pub(super) async fn placeorder(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut f = Form::new(object(&body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let strategy = f.string("strategy", true, 0, 0);
    let exchange: Option<Exchange> = f.choice("exchange", true);
    let symbol = f.string("symbol", true, 0, 0);
    let action: Option<Action> = f.choice("action", true);
    let quantity = f.number(
        "quantity",
        true,
        |d| d > Decimal::ZERO,
        "Quantity must be a positive number.",
    );
    let price_type: Option<PriceType> = f.choice("pricetype", false);
    let product: Option<Product> = f.choice("product", false);
    let price = f.number(
        "price",
        false,
        non_negative,
        "Price must be a non-negative number.",
    );
    let trigger = f.number(
        "trigger_price",
        false,
        non_negative,
        "Trigger price must be a non-negative number.",
    );
    let disclosed = f.number(
        "disclosed_quantity",
        false,
        |d| non_negative(d) && d.fract().is_zero(),
        "Disclosed quantity must be a non-negative integer.",
    );
    let _underlying_ltp = f.number("underlying_ltp", false, |_| true, "");
    f.finish()?;
    let quantity = present(quantity)?;
    if !quantity.fract().is_zero() {
        return Err(ApiError::Validation(serde_json::Value::String(format!(
            "{{'quantity': ['Fractional quantity ({}) is not allowed for non-crypto exchanges.']}}",
            quantity.normalize()
        ))));
    }
    state.authenticate(&present(key)?).await?;
    let symbol = Symbol::new(present(symbol)?).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let units: u64 = quantity
        .try_into()
        .map_err(|_| ApiError::BadRequest("Quantity is too large".into()))?;
    let mut draft = OrderRequest::builder(
        InstrumentKey::new(symbol, present(exchange)?),
        present(action)?,
        Quantity::new(units),
    );
    draft.price_type = price_type.unwrap_or_default();
    draft.product = product.unwrap_or_default();
    draft.price = Price::new(price.unwrap_or_default());
    draft.trigger_price = Price::new(trigger.unwrap_or_default());
    draft.disclosed_quantity = Quantity::new(disclosed.unwrap_or_default().try_into().unwrap_or(0));
    draft.strategy =
        StrategyTag::new(present(strategy)?).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let order = draft.build()?;
    let order_id = state.orders.place_order(&order).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "orderid": order_id})))
}

/// Validates `apikey`, `strategy`, `orderid` and authenticates.
async fn order_request(state: &AppState, body: &[u8]) -> Result<OrderId, ApiError> {
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let _strategy = f.string("strategy", true, 0, 0);
    let order_id = f.string("orderid", true, 0, 0);
    f.finish()?;
    let order_id = present(order_id)?;
    state.authenticate(&present(key)?).await?;
    OrderId::new(order_id).map_err(|_| ApiError::BadRequest("Order ID is missing".into()))
}

pub(super) async fn cancelorder(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = order_request(&state, &body).await?;
    let id = state.broker().cancel_order(&id).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "orderid": id})))
}

pub(super) async fn orderstatus(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = order_request(&state, &body).await?;
    let order = state.broker().order_status(&id).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": order_row(&order)})))
}
