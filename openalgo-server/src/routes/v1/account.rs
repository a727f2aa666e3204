//! Account books: funds, orders, trades, positions, holdings (rest-api §3.3). Money is rounded
//! to 2 decimals on the way out, as the reference's services do.

use actix_web::{HttpResponse, web};
use openalgo_core::money::decimal_to_f64;
use openalgo_core::{Money, Order, OrderStatus, Price, PriceType};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::key_only;
use crate::app::AppState;
use crate::error::ApiError;

fn money(m: Money) -> f64 {
    decimal_to_f64(m.round_dp(2))
}

fn price(p: Price) -> f64 {
    money(p.value())
}

/// One order-book row (the order-status payload adds `average_price` to it).
pub(super) fn order_row(o: &Order) -> Value {
    json!({
        "action": o.action, "symbol": o.instrument.symbol.as_str(), "exchange": o.instrument.exchange,
        "orderid": o.order_id, "product": o.product, "quantity": o.quantity.get(),
        "price": if o.price_type == PriceType::Market { 0.0 } else { price(o.price) },
        "pricetype": o.price_type, "order_status": o.status, "trigger_price": price(o.trigger_price),
        "average_price": price(o.average_price), "filled_quantity": o.filled_quantity.get(),
        "pending_quantity": o.pending_quantity().get(),
        "rejection_reason": o.rejection_reason.clone().unwrap_or_default(),
        "strategy": o.strategy.as_str(),
        "timestamp": o.timestamp.format("%Y-%m-%d %H:%M:%S").to_string()
    })
}

pub(super) async fn funds(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let f = t.broker().funds().await.map_err(|e| mode.error(e))?;
    Ok(mode.ok(json!({"status": "success", "data": {
        "availablecash": format!("{:.2}", f.available_cash),
        "collateral": format!("{:.2}", f.collateral),
        "m2mrealized": format!("{:.2}", f.m2m_realized),
        "m2munrealized": format!("{:.2}", f.m2m_unrealized),
        "utiliseddebits": format!("{:.2}", f.utilised_debits)
    }})))
}

pub(super) async fn orderbook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let orders = t.broker().order_book().await.map_err(|e| mode.error(e))?;
    let count = |p: &dyn Fn(&Order) -> bool| orders.iter().filter(|o| p(o)).count();
    let statistics = json!({
        "total_buy_orders": count(&|o| o.action == openalgo_core::Action::Buy),
        "total_sell_orders": count(&|o| o.action == openalgo_core::Action::Sell),
        "total_completed_orders": count(&|o| o.status == OrderStatus::Complete),
        "total_open_orders": count(&|o| o.status == OrderStatus::Open),
        "total_rejected_orders": count(&|o| o.status == OrderStatus::Rejected)
    });
    let rows: Vec<Value> = orders.iter().map(order_row).collect();
    Ok(mode.ok(json!({"status": "success", "data": {"orders": rows, "statistics": statistics}})))
}

pub(super) async fn tradebook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let rows: Vec<Value> = t.broker()
        .trade_book()
        .await
        .map_err(|e| mode.error(e))?
        .iter()
        .map(|t| json!({
            "symbol": t.instrument.symbol.as_str(), "exchange": t.instrument.exchange, "product": t.product,
            "action": t.action, "quantity": t.quantity.get(), "average_price": price(t.average_price),
            "trade_value": money(t.trade_value()), "orderid": t.order_id,
            "timestamp": t.timestamp.format("%Y-%m-%d %H:%M:%S").to_string()
        }))
        .collect();
    Ok(mode.ok(json!({"status": "success", "data": rows})))
}

pub(super) async fn positionbook(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let rows: Vec<Value> = t.broker()
        .positions()
        .await
        .map_err(|e| mode.error(e))?
        .iter()
        .map(|p| json!({
            "symbol": p.instrument.symbol.as_str(), "exchange": p.instrument.exchange, "product": p.product,
            "quantity": p.quantity, "average_price": price(p.average_price), "ltp": price(p.ltp), "pnl": money(p.pnl)
        }))
        .collect();
    Ok(mode.ok(json!({"status": "success", "data": rows})))
}

pub(super) async fn holdings(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (t, mode) = state.trading();
    key_only(&state, &body).await?;
    let holdings = t.broker().holdings().await.map_err(|e| mode.error(e))?;
    let pct = |pnl: Decimal, base: Decimal| {
        if base.is_zero() {
            0.0
        } else {
            money(pnl * Decimal::ONE_HUNDRED / base)
        }
    };
    let mut value = Decimal::ZERO;
    let mut invested = Decimal::ZERO;
    let rows: Vec<Value> = holdings
        .iter()
        .map(|h| {
            let cost = h.average_price.notional(h.quantity.get());
            value += h.ltp.notional(h.quantity.get());
            invested += cost;
            json!({
                "symbol": h.instrument.symbol.as_str(), "exchange": h.instrument.exchange, "product": h.product,
                "quantity": h.quantity.get(), "average_price": price(h.average_price), "ltp": price(h.ltp),
                "pnl": money(h.pnl), "pnlpercent": pct(h.pnl, cost)
            })
        })
        .collect();
    let pnl = value - invested;
    Ok(mode.ok(json!({"status": "success", "data": {
        "holdings": rows,
        "statistics": {"totalholdingvalue": money(value), "totalinvvalue": money(invested),
                       "totalprofitandloss": money(pnl), "totalpnlpercentage": pct(pnl, invested)}
    }})))
}
