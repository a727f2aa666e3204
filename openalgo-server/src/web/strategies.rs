//! Webhook strategies from the dashboard (platform §8.1, §8.3), as JSON for the signed-in user
//! (session cookie + `X-CSRF-Token` on changes): create, list, read with its alert log, map
//! symbols, switch on or off, delete. Each strategy's webhook URL and ready-to-paste alert
//! bodies for TradingView, GoCharting, Amibroker and Chartink come with it.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveTime;
use openalgo_core::automation::{
    Schedule, StrategyName, SymbolMapping, TradingMode, TradingWindow, WebhookStrategy,
};
use openalgo_core::{Exchange, InstrumentKey, Product, Quantity, Symbol};
use serde_json::{Value, json};

use super::{csrf, session};
use crate::app::AppState;
use crate::error::{ApiError, blocking};
use crate::store::StrategyRow;
use crate::webhooks::{Stored, decode, new_webhook_id};

const PLATFORMS: &[&str] = &[
    "tradingview",
    "gocharting",
    "amibroker",
    "python",
    "metatrader",
    "excel",
    "others",
    "chartink",
];

fn bad(message: impl Into<String>) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"status": "error", "message": message.into()}))
}

/// The signed-in user, checking the CSRF header on changes; the refusal otherwise.
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    change: bool,
) -> Result<Result<i64, HttpResponse>, ApiError> {
    let Some(s) = session::current(state, req).await? else {
        return Ok(Err(HttpResponse::Unauthorized()
            .json(json!({"status": "error", "message": "Sign in first"}))));
    };
    if change {
        let presented = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if !csrf::valid(state, req, Some(&s), presented) {
            return Ok(Err(bad("CSRF token missing or invalid")));
        }
    }
    Ok(Ok(s.user_id))
}

pub(super) fn host(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// A strategy as the dashboard shows it.
pub(super) fn view(req: &HttpRequest, s: &Stored) -> Value {
    let path = if s.row.source == "chartink" {
        "chartink"
    } else {
        "strategy"
    };
    let url = format!("{}/{path}/webhook/{}", host(req), s.row.webhook_id);
    let (kind, window) = match s.strategy.schedule {
        Schedule::Intraday(w) => (
            "intraday",
            json!({"start_time": w.start().format("%H:%M").to_string(), "end_time": w.end().format("%H:%M").to_string(), "squareoff_time": w.square_off().format("%H:%M").to_string()}),
        ),
        Schedule::Positional => ("positional", Value::Null),
    };
    let first = s
        .strategy
        .mappings
        .first()
        .map_or("SBIN", |m| m.instrument.symbol.as_str());
    let alerts = if s.row.source == "chartink" {
        json!({"chartink": {"stocks": first, "trigger_prices": "0", "scan_name": "BUY scan"}})
    } else {
        let size = if s.strategy.mode == TradingMode::Both {
            json!("{{strategy.position_size}}")
        } else {
            Value::Null
        };
        let mut tv = json!({"symbol": first, "action": "{{strategy.order.action}}"});
        let mut ami = json!({"symbol": first, "action": "BUY"});
        if !size.is_null() {
            tv["position_size"] = size;
            ami["position_size"] = json!(1);
        }
        json!({
            "tradingview": tv,
            "gocharting": {"symbol": first, "action": "BUY"},
            "amibroker": ami,
        })
    };
    json!({
        "id": s.row.id,
        "name": s.strategy.name.as_str(),
        "platform": s.row.platform,
        "source": s.row.source,
        "trading_mode": s.strategy.mode.as_str(),
        "strategy_type": kind,
        "window": window,
        "active": s.strategy.active,
        "webhook_url": url,
        "mappings": s.strategy.mappings.iter().map(|m| json!({
            "symbol": m.instrument.symbol.as_str(), "exchange": m.instrument.exchange.as_str(),
            "quantity": m.quantity.get(), "product": m.product.as_str(),
        })).collect::<Vec<_>>(),
        "alert_examples": alerts,
    })
}

pub(super) async fn all(state: &AppState) -> Result<Vec<Stored>, ApiError> {
    let store = std::sync::Arc::clone(&state.store);
    blocking(move || store.strategies())
        .await??
        .into_iter()
        .map(decode)
        .collect()
}

pub(super) async fn one(state: &AppState, id: i64) -> Result<Option<Stored>, ApiError> {
    Ok(all(state).await?.into_iter().find(|s| s.row.id == id))
}

pub(super) async fn save(state: &AppState, s: &Stored) -> Result<i64, ApiError> {
    let mut row = s.row.clone();
    row.body = serde_json::to_string(&s.strategy).map_err(ApiError::internal)?;
    let store = std::sync::Arc::clone(&state.store);
    Ok(blocking(move || store.save_strategy(&row)).await??)
}

fn time(v: &Value, name: &str, default: &str) -> Result<NaiveTime, String> {
    let text = v[name].as_str().unwrap_or(default);
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| format!("{name} must be HH:MM, got '{text}'"))
}

/// The strategy a create request describes.
pub(super) fn strategy_of(v: &Value) -> Result<(String, String, WebhookStrategy), String> {
    let platform = v["platform"]
        .as_str()
        .unwrap_or("tradingview")
        .trim()
        .to_ascii_lowercase();
    if !PLATFORMS.contains(&platform.as_str()) {
        return Err(format!("platform must be one of {}", PLATFORMS.join(", ")));
    }
    let source = if platform == "chartink" {
        "chartink"
    } else {
        "webhook"
    };
    let name =
        StrategyName::new(v["name"].as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
    let mode = match v["trading_mode"].as_str() {
        None if source == "chartink" => TradingMode::Long,
        None => return Err("trading_mode must be LONG, SHORT or BOTH".into()),
        Some(t) => TradingMode::parse(t).ok_or("trading_mode must be LONG, SHORT or BOTH")?,
    };
    let schedule = match v["strategy_type"].as_str().unwrap_or("intraday") {
        "intraday" => Schedule::Intraday(
            TradingWindow::new(
                time(v, "start_time", "09:15")?,
                time(v, "end_time", "15:00")?,
                time(v, "squareoff_time", "15:15")?,
            )
            .map_err(|e| e.to_string())?,
        ),
        "positional" => Schedule::Positional,
        other => {
            return Err(format!(
                "strategy_type must be intraday or positional, got '{other}'"
            ));
        }
    };
    Ok((
        platform,
        source.to_owned(),
        WebhookStrategy {
            name,
            mode,
            schedule,
            mappings: Vec::new(),
            active: true,
        },
    ))
}

/// One mapping from `{symbol, exchange, quantity, product}`, checked against the master.
pub(super) fn mapping_of(
    state: &AppState,
    v: &Value,
    chartink: bool,
) -> Result<SymbolMapping, String> {
    let text = |k: &str| match &v[k] {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let symbol = text("symbol").to_ascii_uppercase();
    let exchange: Exchange = text("exchange")
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| format!("unknown exchange '{}'", text("exchange")))?;
    if chartink && !exchange.is_cash_equity() {
        return Err("Chartink strategies trade NSE or BSE only".into());
    }
    if state.symbols().get(&symbol, exchange).is_none() {
        return Err(format!("Symbol {symbol} not found on {exchange}"));
    }
    let quantity: u64 = text("quantity").parse().map_err(|_| {
        format!(
            "quantity must be a positive integer, got '{}'",
            text("quantity")
        )
    })?;
    let product: Product = text("product")
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| format!("unknown product '{}'", text("product")))?;
    let key = InstrumentKey::new(Symbol::new(&symbol).map_err(|e| e.to_string())?, exchange);
    SymbolMapping::new(key, Quantity::new(quantity), product).map_err(|e| e.to_string())
}

/// Creates and saves the strategy `v` describes; `Err(message)` when it is invalid or its
/// name is taken.
///
/// # Errors
/// [`ApiError`] when the store fails.
pub(super) async fn create_stored(
    state: &AppState,
    v: &Value,
) -> Result<Result<Stored, String>, ApiError> {
    let (platform, source, strategy) = match strategy_of(v) {
        Ok(x) => x,
        Err(m) => return Ok(Err(m)),
    };
    if all(state)
        .await?
        .iter()
        .any(|s| s.strategy.name == strategy.name)
    {
        return Ok(Err(format!(
            "A strategy named {} exists",
            strategy.name.as_str()
        )));
    }
    let mut stored = Stored {
        row: StrategyRow {
            id: 0,
            webhook_id: new_webhook_id(),
            source,
            platform,
            body: String::new(),
            created_ms: state.clock.now_ms(),
        },
        strategy,
    };
    stored.row.id = save(state, &stored).await?;
    Ok(Ok(stored))
}

/// Adds `v`'s `mappings` (objects) and `bulk` lines (`SYMBOL,EXCHANGE,QTY,PRODUCT`) to `s`; a
/// symbol already mapped is replaced. Nothing changes when one is invalid.
pub(super) fn add_mappings(state: &AppState, s: &mut Stored, v: &Value) -> Result<(), String> {
    let mut items: Vec<Value> = v["mappings"].as_array().cloned().unwrap_or_default();
    for line in v["bulk"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 {
            return Err(format!(
                "'{}': expected SYMBOL,EXCHANGE,QUANTITY,PRODUCT",
                line.trim()
            ));
        }
        items.push(json!({"symbol": f[0], "exchange": f[1], "quantity": f[2], "product": f[3]}));
    }
    if items.is_empty() {
        return Err("no mappings given".into());
    }
    let chartink = s.row.source == "chartink";
    let mut next = s.strategy.mappings.clone();
    for item in &items {
        let m = mapping_of(state, item, chartink)?;
        next.retain(|x| x.instrument != m.instrument);
        next.push(m);
    }
    s.strategy.mappings = next;
    Ok(())
}

/// `GET /strategy/api/strategies`.
pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, false).await? {
        return Ok(r);
    }
    let out: Vec<Value> = all(&state).await?.iter().map(|s| view(&req, s)).collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": out})))
}

/// `POST /strategy/api/strategy`.
pub(super) async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, true).await? {
        return Ok(r);
    }
    match create_stored(&state, &body).await? {
        Ok(stored) => {
            Ok(HttpResponse::Ok().json(json!({"status": "success", "data": view(&req, &stored)})))
        }
        Err(m) => Ok(bad(m)),
    }
}

/// `GET /strategy/api/strategy/{id}`: the strategy and its latest alerts.
pub(super) async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, false).await? {
        return Ok(r);
    }
    let Some(s) = one(&state, *id).await? else {
        return Ok(HttpResponse::NotFound()
            .json(json!({"status": "error", "message": "Strategy not found"})));
    };
    let store = std::sync::Arc::clone(&state.store);
    let sid = s.row.id;
    let alerts = blocking(move || store.alerts(sid, 100)).await??;
    let mut v = view(&req, &s);
    v["alerts"] = alerts
        .iter()
        .map(|a| json!({"at_ms": a.at_ms, "payload": a.payload, "ok": a.ok, "outcome": a.outcome}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": v})))
}

/// `POST /strategy/api/strategy/{id}/symbols`: `{"mappings": [...]}` and/or `{"bulk":
/// "SYMBOL,EXCHANGE,QTY,PRODUCT\n..."}`; a mapping of a symbol already mapped replaces it.
pub(super) async fn map_symbols(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, true).await? {
        return Ok(r);
    }
    let Some(mut s) = one(&state, *id).await? else {
        return Ok(HttpResponse::NotFound()
            .json(json!({"status": "error", "message": "Strategy not found"})));
    };
    if let Err(m) = add_mappings(&state, &mut s, &body) {
        return Ok(bad(m));
    }
    save(&state, &s).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": view(&req, &s)})))
}

/// `POST /strategy/api/strategy/{id}/toggle`: switches alerts on or off.
pub(super) async fn toggle(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, true).await? {
        return Ok(r);
    }
    let Some(mut s) = one(&state, *id).await? else {
        return Ok(HttpResponse::NotFound()
            .json(json!({"status": "error", "message": "Strategy not found"})));
    };
    s.strategy.active = !s.strategy.active;
    save(&state, &s).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": view(&req, &s)})))
}

/// `DELETE /strategy/api/strategy/{id}`.
pub(super) async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if let Err(r) = admit(&state, &req, true).await? {
        return Ok(r);
    }
    let store = std::sync::Arc::clone(&state.store);
    let sid = *id;
    if blocking(move || store.delete_strategy(sid)).await?? {
        Ok(HttpResponse::Ok().json(json!({"status": "success", "message": "Strategy deleted"})))
    } else {
        Ok(HttpResponse::NotFound()
            .json(json!({"status": "error", "message": "Strategy not found"})))
    }
}
