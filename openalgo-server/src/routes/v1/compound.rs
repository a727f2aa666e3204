//! Compound orders: placesmartorder, splitorder, basketorder, cancelallorder, closeposition and
//! openposition (rest-api §3.1, §3.2.2, §5), validation format F1. The logic is core's
//! `OrderService`; these handlers only parse and shape the answers.

use actix_web::{HttpResponse, web};
use openalgo_core::orders::SmartOrderRequest;
use openalgo_core::{InstrumentKey, OrderDraft, Product, Symbol};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::order_fields::{OrderFields, QuantityRule};
use super::present;
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;
use crate::state::Trading;
use crate::validation::{Form, Format, object};

order_call!(
    placesmartorder,
    placesmartorder_parse,
    commands::smart,
    true
);

async fn placesmartorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, SmartOrderRequest), ApiError> {
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let strategy = f.string("strategy", true, 0, 0);
    let fields = OrderFields::read(&mut f, QuantityRule::NonNegative, false);
    let position_size = f.number("position_size", true, |_| true, "");
    f.finish()?;
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
    true
);

async fn splitorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, (OrderDraft, u64)), ApiError> {
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let strategy = f.string("strategy", true, 0, 0);
    let fields = OrderFields::read(
        &mut f,
        QuantityRule::Positive("Total quantity must be a positive number."),
        false,
    );
    let split = f.number(
        "splitsize",
        true,
        |d| d >= Decimal::ONE && d.fract().is_zero(),
        "Split size must be a positive integer.",
    );
    f.finish()?;
    let units = fields.units()?;
    let user = state.authenticate(&present(key)?).await?;
    let split: u64 = present(split)?
        .try_into()
        .map_err(|_| ApiError::BadRequest("Split size is too large".into()))?;
    Ok((user, (fields.draft(units, &present(strategy)?)?, split)))
}

order_call!(basketorder, basketorder_parse, commands::basket, true);

async fn basketorder_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, Vec<OrderDraft>), ApiError> {
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let strategy = f.string("strategy", true, 0, 0);
    let items = f.objects("orders", true).unwrap_or_default();
    let legs = f.each_object("orders", items, |leg| {
        OrderFields::read(
            leg,
            QuantityRule::Positive("Quantity must be a positive number."),
            false,
        )
    });
    f.finish()?;
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
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let _strategy = f.string("strategy", true, 0, 0);
    f.finish()?;
    Ok((state.authenticate(&present(key)?).await?, ()))
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
    let mut f = Form::new(object(body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let _strategy = f.string("strategy", true, 0, 0);
    let symbol = f.string("symbol", true, 0, 0);
    let exchange = f.string("exchange", true, 0, 0);
    let product: Option<Product> = f.choice("product", true);
    f.finish()?;
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
