//! Symbol services: symbol, search, expiry (rest-api §3.5), validation format F2.

use actix_web::{HttpResponse, web};
use openalgo_core::instrument::{ExpiryKind, SearchQuery};
use openalgo_core::{Exchange, Instrument};
use serde_json::{Value, json};

use super::{present, table};
use crate::app::AppState;
use crate::error::ApiError;

/// Maximum order quantity per underlying (exchange freeze limits); 1 when unknown.
pub(super) fn freeze_qty(inst: &Instrument) -> u64 {
    const LIMITS: [(&str, u64); 8] = [
        ("BANKNIFTY", 600),
        ("FINNIFTY", 1800),
        ("MIDCPNIFTY", 2800),
        ("NIFTYNXT50", 600),
        ("NIFTY", 1800),
        ("SENSEX50", 1500),
        ("BANKEX", 900),
        ("SENSEX", 1000),
    ];
    if !inst.exchange.is_derivative() {
        return 1;
    }
    let symbol = inst.symbol.as_str();
    LIMITS
        .iter()
        .find(|(name, _)| symbol.starts_with(name))
        .map_or(1, |&(_, q)| q)
}

fn row(inst: &Instrument) -> Value {
    serde_json::to_value(inst).unwrap_or(Value::Null)
}

pub(super) async fn symbol(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::SYMBOL.validate(&body)?;
    let (key, symbol) = (v.opt_text("apikey"), v.opt_text("symbol"));
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    state.authenticate(&present(key)?).await?;
    let (symbol, exchange) = (present(symbol)?, present(exchange)?);
    let symbols = state.symbols();
    let (position, inst) = symbols
        .iter()
        .enumerate()
        .find(|(_, i)| i.symbol.as_str() == symbol && i.exchange == exchange)
        .ok_or_else(|| {
            ApiError::NotFound(format!("Symbol {symbol} not found in exchange {exchange}"))
        })?;
    let mut data = row(inst);
    data["id"] = json!(position + 1);
    data["freeze_qty"] = json!(freeze_qty(inst));
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}

pub(super) async fn search(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::SEARCH.validate(&body)?;
    let (key, query) = (v.opt_text("apikey"), v.opt_text("query"));
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    state.authenticate(&present(key)?).await?;
    let query = present(query)?;
    if query.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "Query parameter is required and cannot be empty".into(),
        ));
    }
    let mut q = SearchQuery::new(&query);
    q.exchange = exchange;
    let symbols = state.symbols();
    let found = symbols.search(&q);
    let data: Vec<Value> = found
        .iter()
        .map(|i| {
            let mut r = row(i);
            r["freeze_qty"] = json!(freeze_qty(i));
            r
        })
        .collect();
    let message = if data.is_empty() {
        "No matching symbols found".to_owned()
    } else {
        format!("Found {} matching symbols", data.len())
    };
    Ok(HttpResponse::Ok().json(json!({"status": "success", "message": message, "data": data})))
}

pub(super) async fn expiry(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::EXPIRY.validate(&body)?;
    let (key, symbol) = (v.opt_text("apikey"), v.opt_text("symbol"));
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    let kind = v
        .opt_text("instrumenttype")
        .as_deref()
        .and_then(ExpiryKind::from_wire);
    state.authenticate(&present(key)?).await?;
    let underlying = present(symbol)?.trim().to_uppercase();
    if underlying.is_empty() {
        return Err(ApiError::BadRequest("Symbol is required".into()));
    }
    let (exchange, kind) = (present(exchange)?, present(kind)?);
    let today = state.clock.now_ist().date();
    let symbols = state.symbols();
    let dates: Vec<String> = symbols
        .expiries(&underlying, exchange, kind, today)
        .iter()
        .map(|e| e.dashed())
        .collect();
    let message = if dates.is_empty() {
        format!(
            "No expiry dates found for {underlying} {} in {exchange}",
            kind.as_str()
        )
    } else {
        format!(
            "Found {} expiry dates for {underlying} {} in {exchange}",
            dates.len(),
            kind.as_str()
        )
    };
    Ok(HttpResponse::Ok().json(json!({"status": "success", "message": message, "data": dates})))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_expiry_exchange_list_is_the_core_f_and_o_list() {
        let core: Vec<&str> = openalgo_core::Exchange::F_AND_O
            .iter()
            .map(|e| e.as_str())
            .collect();
        assert_eq!(super::super::requests::F_AND_O_NAMES, core.as_slice());
    }
}
