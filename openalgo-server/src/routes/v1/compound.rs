//! Compound orders: placesmartorder, splitorder, basketorder, cancelallorder, closeposition and
//! openposition (rest-api §3.1, §3.2.2, §5), validation format F1. The logic is core's
//! `OrderService`; these handlers only parse and shape the answers.

use actix_web::{HttpResponse, web};
use openalgo_core::orders::SmartOrderRequest;
use openalgo_core::{InstrumentKey, OrderDraft, Product, Symbol};
use serde_json::{Map, Value};

use super::order_fields::OrderFields;
use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;
use crate::state::Trading;

order_call!(
    placesmartorder,
    placesmartorder_parse,
    commands::smart,
    true,
    approved placesmartorder_approved
);

async fn placesmartorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, SmartOrderRequest), ApiError> {
    let v = table::PLACESMARTORDER.validate(body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let position_size = v.opt_number("position_size");
    let units = fields.units()?;
    let user = state.authenticate(&present(key)?).await?;
    let target: i64 = present(position_size)?
        .trunc()
        .try_into()
        .map_err(|_| ApiError::BadRequest("position_size is too large".into()))?;
    let request = SmartOrderRequest::new(fields.draft(units, &present(strategy)?)?, target)?;
    Ok((user, request))
}

order_call!(
    splitorder,
    splitorder_parse,
    |t, (draft, split)| commands::split(t, draft, split),
    true,
    approved splitorder_approved
);

async fn splitorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, (OrderDraft, u64)), ApiError> {
    let v = table::SPLITORDER.validate(body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let split = v.opt_number("splitsize");
    let units = fields.units()?;
    let user = state.authenticate(&present(key)?).await?;
    let split: u64 = present(split)?
        .try_into()
        .map_err(|_| ApiError::BadRequest("Split size is too large".into()))?;
    Ok((user, (fields.draft(units, &present(strategy)?)?, split)))
}

order_call!(
    basketorder,
    basketorder_parse,
    commands::basket,
    true,
    approved basketorder_approved
);

async fn basketorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, Vec<OrderDraft>), ApiError> {
    let v = table::BASKETORDER.validate(body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let legs = v
        .items("orders")
        .iter()
        .map(OrderFields::from_valid)
        .collect::<Result<Vec<_>, _>>()?;
    let strategy = present(strategy)?;
    let mut orders = Vec::with_capacity(legs.len());
    for fields in &legs {
        orders.push((fields.units()?, fields));
    }
    let user = state.authenticate(&present(key)?).await?;
    let mut drafts = Vec::with_capacity(orders.len());
    for (units, fields) in orders {
        drafts.push(fields.draft(units, &strategy)?);
    }
    Ok((user, drafts))
}

/// Validates `apikey` and `strategy` and authenticates.
async fn strategy_only(state: &AppState, body: &[u8]) -> Result<(i64, ()), ApiError> {
    let v = table::CANCELALLORDER.validate(body)?;
    Ok((state.authenticate(&v.text("apikey")?).await?, ()))
}

order_call!(
    cancelallorder,
    strategy_only,
    |t, ()| commands::cancel_all(t),
    true
);

order_call!(
    closeposition,
    strategy_only,
    |t, ()| commands::close_all(t),
    true
);

/// Every error carries the analyzer marker in analyze mode (F1, rest-api §1.6).
pub(super) async fn openposition(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let quantity = open_quantity(&state, &t, &body)
        .await
        .map_err(|e| mode.error(e))?;
    let mut body = Map::new();
    body.insert("status".into(), "success".into());
    body.insert("quantity".into(), quantity.into());
    Ok(mode.ok(Value::Object(body)))
}

async fn open_quantity(state: &AppState, t: &Trading, body: &[u8]) -> Result<i64, ApiError> {
    let v = table::OPENPOSITION.validate(body)?;
    let key = v.opt_text("apikey");
    let (symbol, exchange) = (v.opt_text("symbol"), v.opt_text("exchange"));
    let product: Option<Product> = v.opt_choice("product")?;
    state.authenticate(&present(key)?).await?;
    // The reference does not validate the exchange here: an unknown one simply has no position.
    Ok(
        match (Symbol::new(present(symbol)?), present(exchange)?.parse()) {
            (Ok(symbol), Ok(exchange)) => {
                t.broker()
                    .open_position(&InstrumentKey::new(symbol, exchange), present(product)?)
                    .await?
            }
            _ => 0,
        },
    )
}
