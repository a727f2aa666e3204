//! Market data: quotes, depth, history, intervals (rest-api §3.4).

use actix_web::{HttpResponse, web};
use openalgo_core::{Exchange, HistoryRequest, Interval, Price};
use serde_json::{Value, json};

use super::{key_only, listed, present, table};
use crate::app::AppState;
use crate::error::ApiError;

fn f(p: Price) -> f64 {
    p.to_f64()
}

/// Validates `apikey`, `symbol`, `exchange`, authenticates and resolves the instrument.
async fn symbol_request(
    state: &AppState,
    body: &[u8],
) -> Result<openalgo_core::InstrumentKey, ApiError> {
    let v = table::QUOTES.validate(body)?;
    let (key, symbol) = (v.opt_text("apikey"), v.opt_text("symbol"));
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    state.authenticate(&present(key)?).await?;
    listed(state, &present(symbol)?, present(exchange)?)
}

pub(super) async fn quotes(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = symbol_request(&state, &body).await?;
    let q = state.broker().quote(&key).await?;
    Ok(
        HttpResponse::Ok().json(json!({"status": "success", "data": {
            "ask": f(q.ask), "bid": f(q.bid), "high": f(q.high), "low": f(q.low), "ltp": f(q.ltp),
            "oi": q.oi, "open": f(q.open), "prev_close": f(q.prev_close), "volume": q.volume
        }})),
    )
}

pub(super) async fn depth(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = symbol_request(&state, &body).await?;
    let d = state.broker().depth(&key).await?;
    let levels = |side: &[openalgo_core::DepthLevel]| -> Vec<Value> {
        (0..5)
            .map(|i| match side.get(i) {
                Some(l) => json!({"price": f(l.price), "quantity": l.quantity}),
                None => json!({"price": 0, "quantity": 0}),
            })
            .collect()
    };
    Ok(
        HttpResponse::Ok().json(json!({"status": "success", "data": {
            "open": f(d.open), "high": f(d.high), "low": f(d.low), "ltp": f(d.ltp), "ltq": d.ltq,
            "prev_close": f(d.prev_close), "volume": d.volume, "oi": d.oi,
            "totalbuyqty": d.total_buy_quantity, "totalsellqty": d.total_sell_quantity,
            "asks": levels(&d.asks), "bids": levels(&d.bids)
        }})),
    )
}

pub(super) async fn history(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::HISTORY.validate(&body)?;
    let (key, symbol) = (v.opt_text("apikey"), v.opt_text("symbol"));
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    let interval: Option<Interval> = v.opt_choice("interval")?;
    let (start, end) = (v.opt_date("start_date"), v.opt_date("end_date"));
    let source = v.opt_text("source");
    if let Some(s) = source.filter(|s| s != "api") {
        return Err(ApiError::BadRequest(format!(
            "source '{s}' is not available: only 'api' history is served"
        )));
    }
    state.authenticate(&present(key)?).await?;
    let instrument = listed(&state, &present(symbol)?, present(exchange)?)?;
    let request = HistoryRequest::new(
        instrument,
        present(interval)?,
        present(start)?,
        present(end)?,
    )?;
    let candles = state.broker().history(&request).await?;
    let data: Vec<Value> = candles
        .iter()
        .map(|c| {
            json!({"timestamp": c.timestamp, "open": f(c.open), "high": f(c.high), "low": f(c.low),
                        "close": f(c.close), "volume": c.volume, "oi": c.oi})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}

pub(super) async fn intervals(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    key_only(&state, &body).await?;
    let mut buckets: [(&str, Vec<&str>); 6] = [
        ("seconds", vec![]),
        ("minutes", vec![]),
        ("hours", vec![]),
        ("days", vec![]),
        ("weeks", vec![]),
        ("months", vec![]),
    ];
    for i in &state.broker().capabilities().intervals {
        let s = i.as_str();
        let bucket = match s {
            "D" => 3,
            "W" => 4,
            "M" => 5,
            _ if s.ends_with('s') => 0,
            _ if s.ends_with('m') => 1,
            _ if s.ends_with('h') => 2,
            _ => continue,
        };
        buckets[bucket].1.push(s);
    }
    let data: serde_json::Map<String, Value> = buckets
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}
