//! Compound orders: placesmartorder, splitorder, basketorder, cancelallorder, closeposition and
//! openposition (rest-api §3.1, §3.2.2, §5), validation format F1. The logic is core's
//! `OrderService`; these handlers only parse and shape the answers.

use actix_web::{HttpResponse, web};
use openalgo_core::orders::{SmartOrderRequest, SmartOutcome};
use openalgo_core::{InstrumentKey, OrderError, OrderRequest, Product, Symbol};
use serde_json::{Map, Value, json};

use super::order_fields::OrderFields;
use super::{present, table};
use crate::error::ApiError;
use crate::state::{AppState, Trading};

fn leg_error(e: &OrderError) -> String {
    e.to_string()
}

order_call!(placesmartorder, placesmartorder_once);

async fn placesmartorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::PLACESMARTORDER.validate(&body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let position_size = v.opt_number("position_size");
    let units = fields.units()?;
    state.authenticate(&present(key)?).await?;
    let target: i64 = present(position_size)?
        .trunc()
        .try_into()
        .map_err(|_| ApiError::BadRequest("position_size is too large".into()))?;
    let request = SmartOrderRequest::new(fields.draft(units, &present(strategy)?)?, target)?;
    match t.orders.place_smart_order(&request).await? {
        SmartOutcome::Placed { order_id, .. } => {
            Ok(mode.ok(json!({"status": "success", "orderid": order_id})))
        }
        SmartOutcome::NoAction(reason) => {
            Ok(mode.ok(json!({"status": "success", "message": reason.message(false)})))
        }
    }
}

order_call!(splitorder, splitorder_once);

async fn splitorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::SPLITORDER.validate(&body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let split = v.opt_number("splitsize");
    let units = fields.units()?;
    state.authenticate(&present(key)?).await?;
    let split: u64 = present(split)?
        .try_into()
        .map_err(|_| ApiError::BadRequest("Split size is too large".into()))?;
    let order = fields.draft(units, &present(strategy)?)?.build()?;
    let legs = t.orders.split_order(&order, split).await?;
    let results: Vec<Value> = legs
        .iter()
        .map(|l| match &l.result {
            Ok(id) => json!({"order_num": l.order_num, "quantity": l.quantity, "status": "success", "orderid": id}),
            Err(e) => json!({"order_num": l.order_num, "quantity": l.quantity, "status": "error", "message": leg_error(e)}),
        })
        .collect();
    Ok(mode.ok(json!({"status": "success", "total_quantity": units, "split_size": split, "results": results})))
}

order_call!(basketorder, basketorder_once);

async fn basketorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::BASKETORDER.validate(&body)?;
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
    state.authenticate(&present(key)?).await?;
    let mut requests: Vec<OrderRequest> = Vec::with_capacity(orders.len());
    let mut refused: Vec<(usize, InstrumentKey, String)> = Vec::new();
    for (i, (units, fields)) in orders.iter().enumerate() {
        match fields.draft(*units, &strategy).map(|d| d.build()) {
            Ok(Ok(order)) => requests.push(order),
            Ok(Err(e)) => refused.push((i, fields.instrument()?, e.to_string())),
            Err(e) => return Err(e),
        }
    }
    let mut results: Vec<Value> = t
        .orders
        .basket_order(&requests)
        .await
        .into_iter()
        .map(|leg| match leg.result {
            Ok(id) => json!({"symbol": leg.instrument.symbol.as_str(), "exchange": leg.instrument.exchange,
                             "product": leg.product, "status": "success", "orderid": id}),
            Err(e) => json!({"symbol": leg.instrument.symbol.as_str(), "status": "error", "message": leg_error(&e)}),
        })
        .collect();
    results.extend(
        refused
            .into_iter()
            .map(|(_, k, m)| json!({"symbol": k.symbol.as_str(), "status": "error", "message": m})),
    );
    Ok(mode.ok(json!({"status": "success", "results": results})))
}

/// Validates `apikey` and `strategy` and authenticates.
async fn strategy_only(state: &AppState, body: &[u8]) -> Result<(), ApiError> {
    let v = table::CANCELALLORDER.validate(body)?;
    state.authenticate(&v.text("apikey")?).await.map(|_| ())
}

order_call!(cancelallorder, cancelallorder_once);

async fn cancelallorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    strategy_only(&state, &body).await?;
    let report = t.orders.cancel_all_orders().await?;
    let failed: Vec<Value> = report
        .failed
        .iter()
        .map(|(id, e)| json!({"orderid": id, "message": e.to_string()}))
        .collect();
    Ok(mode.ok(json!({
        "status": "success",
        "message": format!("Canceled {} orders. Failed to cancel {} orders.", report.canceled.len(), failed.len()),
        "canceled_orders": report.canceled,
        "failed_cancellations": failed
    })))
}

order_call!(closeposition, closeposition_once);

async fn closeposition_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    strategy_only(&state, &body).await?;
    t.orders.close_all_positions().await?;
    Ok(mode.ok(json!({"status": "success", "message": "All Open Positions Squared Off"})))
}

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
