//! Account books: funds, orders, trades, positions, holdings (rest-api §3.3). The rows and
//! their statistics are `openalgo_core::rows` (money rounded to 2 decimals on the way out, as
//! the reference's services do); these handlers only fetch and wrap them.

use actix_web::{HttpResponse, web};
use openalgo_core::Order;
use openalgo_core::rows::{FundsRow, HoldingsBook, OrderRow, PositionRow};
use serde_json::{Value, json};

use super::key_only;
use super::streamed;
use crate::app::AppState;
use crate::books;
use crate::error::ApiError;

/// One order-book row (the order-status payload), as `openalgo_core::rows::OrderRow` writes it.
pub(super) fn order_row(o: &Order) -> Value {
    json!(OrderRow::from(o))
}

pub(super) async fn funds(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let f = t.broker().funds().await.map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "data": FundsRow::from(&f)})))
}

pub(super) async fn orderbook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let rows = books::orders(&t).await.map_err(|e| mode.error(e))?;
    Ok(streamed::order_book(rows, mode))
}

pub(super) async fn tradebook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let rows = books::trades(&t).await.map_err(|e| mode.error(e))?;
    Ok(streamed::trade_book(rows, mode))
}

pub(super) async fn positionbook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let positions = t.broker().positions().await.map_err(|e| mode.error(e))?;
    let rows: Vec<PositionRow<'_>> = positions.iter().map(PositionRow::from).collect();
    Ok(mode.ok(json!({"status": "success", "data": rows})))
}

pub(super) async fn holdings(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let holdings = t.broker().holdings().await.map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "data": HoldingsBook::from(&holdings[..])})))
}
