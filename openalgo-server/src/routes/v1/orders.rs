//! Single orders: placeorder, modifyorder, cancelorder, orderstatus (rest-api §3.1–§3.2),
//! validation format F1.

use actix_web::{HttpResponse, web};
use openalgo_core::{ModifyOrder, OrderId};
use serde_json::json;

use super::account::order_row;
use super::order_fields::OrderFields;
use super::{present, table};
use crate::error::ApiError;
use crate::state::AppState;

order_call!(placeorder, placeorder_once);

async fn placeorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::PLACEORDER.validate(&body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let fields = OrderFields::from_valid(&v)?;
    let units = fields.units()?;
    state.authenticate(&present(key)?).await?;
    let order = fields
        .draft(units, &present(strategy)?)?
        .build()
        .map_err(|e| mode.error(e))?;
    let order_id = t
        .orders
        .place_order(&order)
        .await
        .map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "orderid": order_id})))
}

order_call!(modifyorder, modifyorder_once);

async fn modifyorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::MODIFYORDER.validate(&body)?;
    let (key, strategy) = (v.opt_text("apikey"), v.opt_text("strategy"));
    let order_id = v.opt_text("orderid");
    let fields = OrderFields::from_valid(&v)?;
    let units = fields.units()?;
    state.authenticate(&present(key)?).await?;
    let order_id = OrderId::new(present(order_id)?)
        .map_err(|_| ApiError::BadRequest("Order ID is missing".into()))?;
    let modify = ModifyOrder::new(order_id, fields.draft(units, &present(strategy)?)?)?;
    let id = t.broker().modify_order(&modify).await?;
    Ok(mode.ok(json!({"status": "success", "orderid": id})))
}

/// Validates `apikey`, `strategy`, `orderid` and authenticates.
async fn order_request(state: &AppState, body: &[u8]) -> Result<OrderId, ApiError> {
    let v = table::CANCELORDER.validate(body)?;
    let (key, order_id) = (v.opt_text("apikey"), v.text("orderid")?);
    state.authenticate(&present(key)?).await?;
    OrderId::new(order_id).map_err(|_| ApiError::BadRequest("Order ID is missing".into()))
}

order_call!(cancelorder, cancelorder_once);

async fn cancelorder_once(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let id = order_request(&state, &body).await?;
    let id = t.broker().cancel_order(&id).await?;
    Ok(mode.ok(json!({"status": "success", "orderid": id})))
}

/// Every error carries the analyzer marker in analyze mode (F1, rest-api §1.6).
pub(super) async fn orderstatus(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let status = async {
        let id = order_request(&state, &body).await?;
        Ok::<_, ApiError>(t.broker().order_status(&id).await?)
    };
    let order = status.await.map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "data": order_row(&order)})))
}
