//! GTT orders (rest-api §3.1.11): placegttorder, modifygttorder, cancelgttorder (order calls,
//! format F1) and gttorderbook (format F2). The account's broker serves them; one without GTT
//! answers 501.

use actix_web::{HttpResponse, web};
use openalgo_core::rows::GttRow;
use openalgo_core::{GttRequest, GttScope, TriggerId};
use serde_json::json;

use super::gtt_fields::GttFields;
use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::commands;

fn trigger_id(text: String) -> Result<TriggerId, ApiError> {
    TriggerId::new(text).map_err(|e| ApiError::BadRequest(e.to_string()))
}

order_call!(
    placegttorder,
    place_parse,
    commands::place_gtt,
    true,
    approved placegttorder_approved
);

/// Validation (F1) and the rules the reference checks after it, the key, then the cross-field
/// rules.
async fn place_parse(state: &AppState, body: &[u8]) -> Result<(i64, GttRequest), ApiError> {
    let v = table::PLACEGTTORDER.validate(body)?;
    let fields = GttFields::from_valid(&v)?;
    let user = state.authenticate(&present(v.opt_text("apikey"))?).await?;
    Ok((user, fields.request(&v.text("strategy")?)?))
}

order_call!(modifygttorder, modify_parse, commands::modify_gtt, true);

async fn modify_parse(
    state: &AppState,
    body: &[u8],
) -> Result<(i64, (TriggerId, GttRequest)), ApiError> {
    let v = table::MODIFYGTTORDER.validate(body)?;
    let fields = GttFields::from_valid(&v)?;
    let user = state.authenticate(&present(v.opt_text("apikey"))?).await?;
    let request = fields.request(&v.text("strategy")?)?;
    Ok((user, (trigger_id(v.text("trigger_id")?)?, request)))
}

order_call!(cancelgttorder, cancel_parse, commands::cancel_gtt, true);

async fn cancel_parse(state: &AppState, body: &[u8]) -> Result<(i64, TriggerId), ApiError> {
    let v = table::CANCELGTTORDER.validate(body)?;
    let user = state.authenticate(&present(v.opt_text("apikey"))?).await?;
    Ok((user, trigger_id(v.text("trigger_id")?)?))
}

/// The GTT book of the call's account: active GTTs, or all with `status: "all"`.
pub(super) async fn gttorderbook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    let v = table::GTTORDERBOOK.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    let scope = match v.opt_text("status").as_deref() {
        Some("all") => GttScope::All,
        _ => GttScope::Active,
    };
    let book = t
        .broker()
        .gtt_book(scope)
        .await
        .map_err(|e| mode.error(e))?;
    let rows: Vec<GttRow<'_>> = book.iter().map(GttRow::from).collect();
    Ok(mode.ok(json!({"status": "success", "data": rows})))
}
