//! Single orders: placeorder, modifyorder, cancelorder, orderstatus (rest-api §3.1–§3.2),
//! validation format F1.

use actix_web::{HttpResponse, web};
use openalgo_core::{ModifyOrder, OrderDraft, OrderId};
use serde_json::json;

use super::account::order_row;
use super::order_fields::OrderFields;
use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;

order_call!(
    placeorder,
    placeorder_parse,
    commands::place,
    false,
    approved placeorder_approved
);

/// Validation (F1), then the API key; the draft is built into an order inside the call.
async fn placeorder_parse(state: &AppState, body: &[u8]) -> Result<(i64, OrderDraft), ApiError> {
    let v = table::PLACEORDER.validate(body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let units = fields.units()?;
    let user = state.authenticate(&present(key)?).await?;
    Ok((user, fields.draft(units, &present(strategy)?)?))
}

order_call!(modifyorder, modifyorder_parse, commands::modify, true);

async fn modifyorder_parse(state: &AppState, body: &[u8]) -> Result<(i64, ModifyOrder), ApiError> {
    let v = table::MODIFYORDER.validate(body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let order_id = v.opt_text("orderid");
    let fields = OrderFields::from_valid(&v)?;
    let units = fields.units()?;
    let user = state.authenticate(&present(key)?).await?;
    let order_id = OrderId::new(present(order_id)?)
        .map_err(|_| ApiError::BadRequest("Order ID is missing".into()))?;
    let modify = ModifyOrder::new(order_id, fields.draft(units, &present(strategy)?)?)?;
    Ok((user, modify))
}

/// Validates `apikey`, `strategy`, `orderid` and authenticates.
async fn order_request(state: &AppState, body: &[u8]) -> Result<(i64, OrderId), ApiError> {
    let v = table::CANCELORDER.validate(body)?;
    let (key, order_id) = (v.opt_text("apikey"), v.text("orderid")?);
    let user = state.authenticate(&present(key)?).await?;
    let id =
        OrderId::new(order_id).map_err(|_| ApiError::BadRequest("Order ID is missing".into()))?;
    Ok((user, id))
}

order_call!(cancelorder, order_request, commands::cancel, true);

/// Every error carries the analyzer marker in analyze mode (F1, rest-api §1.6).
pub(super) async fn orderstatus(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let status = async {
        let (_, id) = order_request(&state, &body).await?;
        Ok::<_, ApiError>(t.broker().order_status(&id).await?)
    };
    let order = status.await.map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "data": order_row(&order)})))
}
