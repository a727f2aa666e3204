//! Extended endpoints: multiquotes, instruments, ticker, pnl/symbols (rest-api §3.4.2, §3.4.6,
//! §3.5.4, §3.7.3).

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::{Exchange, HistoryRequest, InstrumentKey, Interval, Symbol};
use serde_json::{Map, Value, json};

use super::{listed, present, table};
use crate::app::AppState;
use crate::error::ApiError;
use crate::state::Mode;

fn f(p: openalgo_core::Price) -> f64 {
    p.to_f64()
}

pub(super) async fn multiquotes(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::MULTIQUOTES.validate(&body)?;
    let key = v.opt_text("apikey");
    let wanted = v
        .items("symbols")
        .iter()
        .map(|leg| {
            Ok((
                leg.opt_text("symbol"),
                leg.opt_choice::<Exchange>("exchange")?,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    state.authenticate(&present(key)?).await?;
    let mut invalid = Vec::new();
    let mut keys = Vec::new();
    for (symbol, exchange) in wanted {
        let (symbol, exchange) = (present(symbol)?, present(exchange)?);
        match listed(&state, &symbol, exchange) {
            Ok(k) => keys.push(k),
            Err(e) => invalid
                .push(json!({"symbol": symbol, "exchange": exchange, "error": e.to_string()})),
        }
    }
    if keys.is_empty() {
        let first = invalid
            .first()
            .and_then(|v| v["error"].as_str())
            .unwrap_or_default()
            .to_owned();
        return Ok(HttpResponse::BadRequest()
            .json(json!({"status": "error", "message": first, "invalid_symbols": invalid})));
    }
    let mut results = invalid;
    for r in state.broker().quotes(&keys).await? {
        let (s, e) = (r.instrument.symbol.as_str(), r.instrument.exchange);
        results.push(match r.quote {
            Ok(q) => json!({"symbol": s, "exchange": e, "data": {
                "open": f(q.open), "high": f(q.high), "low": f(q.low), "ltp": f(q.ltp), "prev_close": f(q.prev_close),
                "ask": f(q.ask), "bid": f(q.bid), "oi": q.oi, "volume": q.volume}}),
            Err(err) => json!({"symbol": s, "exchange": e, "error": err.to_string()}),
        });
    }
    Ok(HttpResponse::Ok().json(json!({"status": "success", "results": results})))
}

fn query_map(req: &HttpRequest) -> Map<String, Value> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| {
            q.into_inner()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        })
        .unwrap_or_default()
}

const CSV_HEADER: &str =
    "symbol,brsymbol,name,exchange,brexchange,token,expiry,strike,lotsize,instrumenttype,tick_size";

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub(super) async fn instruments(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let v = table::INSTRUMENTS.validate_query(query_map(&req))?;
    let key = v.opt_text("apikey");
    let exchange: Option<Exchange> = v.opt_choice("exchange")?;
    let format = v.opt_text("format");
    state.authenticate(&present(key)?).await?;
    let symbols = state.symbols();
    let rows: Vec<&openalgo_core::Instrument> = symbols
        .iter()
        .filter(|i| exchange.is_none_or(|e| i.exchange == e))
        .collect();
    if format.as_deref() == Some("csv") {
        let mut out = String::from(CSV_HEADER);
        for i in &rows {
            out.push('\n');
            let v = serde_json::to_value(i).unwrap_or(Value::Null);
            let cells: Vec<String> = CSV_HEADER
                .split(',')
                .map(|k| match &v[k] {
                    Value::String(s) => csv_field(s),
                    other => other.to_string(),
                })
                .collect();
            out.push_str(&cells.join(","));
        }
        let name = exchange.map_or("all", |e| e.as_str());
        return Ok(HttpResponse::Ok()
            .content_type("text/csv")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=instruments_{name}.csv"),
            ))
            .body(out));
    }
    let data: Vec<Value> = rows
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
        .collect();
    let message = if data.is_empty() {
        "No instruments found".to_owned()
    } else {
        format!("Found {} instruments", data.len())
    };
    Ok(HttpResponse::Ok().json(json!({"status": "success", "message": message, "data": data})))
}

pub(super) async fn ticker(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The reference names the dates start_date/end_date internally (the table's aliases).
    let v = table::TICKER.validate_query(query_map(&req))?;
    let key = v.opt_text("apikey");
    let interval: Option<Interval> = v.opt_choice("interval")?;
    let (start, end) = (v.opt_date("start_date"), v.opt_date("end_date"));
    let format = v.opt_text("format").map(|s| s.to_lowercase());
    state.authenticate(&present(key)?).await?;
    let (exchange, symbol) = path.split_once(':').unwrap_or(("NSE", "RELIANCE"));
    let exchange: Exchange = exchange
        .parse()
        .map_err(|e: openalgo_core::VocabError| ApiError::BadRequest(e.one_of_message()))?;
    let symbol = Symbol::new(symbol).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let interval = interval.unwrap_or(Interval::Day);
    let (start, end) = (present(start)?, present(end)?);
    let max_days = if interval.is_daily_or_longer() {
        3650
    } else {
        30
    };
    let start = start.max(end - chrono::Duration::days(max_days));
    let req = HistoryRequest::new(
        InstrumentKey::new(symbol.clone(), exchange),
        interval,
        start,
        end,
    )?;
    let candles = state.broker().history(&req).await?;
    if format.as_deref() == Some("txt") {
        let lines: Vec<String> = candles
            .iter()
            .map(|c| {
                let ist = chrono::DateTime::from_timestamp(c.timestamp, 0)
                    .unwrap_or_default()
                    .naive_utc()
                    + if interval.is_daily_or_longer() {
                        chrono::Duration::zero()
                    } else {
                        chrono::Duration::minutes(330)
                    };
                let when = if interval.is_daily_or_longer() {
                    ist.format("%Y-%m-%d").to_string()
                } else {
                    ist.format("%Y-%m-%d,%H:%M:%S").to_string()
                };
                format!(
                    "{exchange}:{symbol},{when},{},{},{},{},{}",
                    f(c.open),
                    f(c.high),
                    f(c.low),
                    f(c.close),
                    c.volume
                )
            })
            .collect();
        return Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(lines.join("\n")));
    }
    let data: Vec<Value> = candles
        .iter()
        .map(|c| json!({"timestamp": c.timestamp, "open": f(c.open), "high": f(c.high), "low": f(c.low), "close": f(c.close), "volume": c.volume}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}

pub(super) async fn pnl_symbols(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::PNL_SYMBOLS.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    if state.mode() != Mode::Analyze {
        return Err(ApiError::BadRequest(
            "This endpoint is only available in sandbox/analyzer mode".into(),
        ));
    }
    state.sandbox_paper().refresh().await?;
    let rows = state.sandbox_paper().inspect(|e| e.positions());
    let money = |m: rust_decimal::Decimal| openalgo_core::money::decimal_to_f64(m.round_dp(2));
    let mut totals = [rust_decimal::Decimal::ZERO; 2];
    let data: Vec<Value> = rows
        .iter()
        .filter(|p| p.quantity != 0 || !p.today_realized.is_zero())
        .map(|p| {
            let unrealized = p.unrealized();
            totals[0] += unrealized;
            totals[1] += p.today_realized;
            json!({"symbol": p.instrument.symbol.as_str(), "exchange": p.instrument.exchange, "product": p.product,
                   "quantity": p.quantity, "pnl": money(unrealized + p.today_realized), "unrealized_pnl": money(unrealized),
                   "today_realized_pnl": money(p.today_realized), "total_pnl_today": money(unrealized + p.today_realized)})
        })
        .collect();
    let total = totals[0] + totals[1];
    Ok(Mode::Analyze.ok(json!({"status": "success", "data": data, "total_pnl": money(total),
        "total_unrealized_pnl": money(totals[0]), "total_today_realized_pnl": money(totals[1]), "total_pnl_today": money(total)})))
}
