//! The mock's REST side: one hyper HTTP/1 server routing Kite's paths. Orders are matched
//! simply: MARKET fills at once at the instrument's price, LIMIT rests `OPEN` (filling when the
//! price crosses on a later book read), SL/SL-M rest `TRIGGER PENDING`.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::faults::{self, Fault};
use super::{MockOrder, MockState, MockTrade, Recorded};
use crate::zerodha::auth::checksum;

pub(super) type Reply = Response<Full<Bytes>>;

pub(super) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<MockState>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = Arc::clone(&state);
                // An `Err` makes hyper close the connection without an answer (a fault).
                async move { handle(req, &state).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: u16, body: &Value) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

#[allow(clippy::needless_pass_by_value)] // call sites build the value inline
pub(super) fn ok(data: Value) -> Reply {
    reply(200, &json!({"status": "success", "data": data}))
}

pub(super) fn error(status: u16, error_type: &str, message: &str) -> Reply {
    reply(
        status,
        &json!({"status": "error", "message": message, "error_type": error_type, "data": null}),
    )
}

fn pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn handle(req: Request<Incoming>, state: &Mutex<MockState>) -> Result<Reply, Dropped> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = pairs(req.uri().query().unwrap_or_default());
    let authorization = header(&req, "authorization");
    let kite_version = header(&req, "x-kite-version");
    let content_type = header(&req, "content-type");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let form = pairs(std::str::from_utf8(&body).unwrap_or_default());
    let rec = Recorded {
        method,
        path,
        query,
        form,
        authorization,
        kite_version,
        content_type,
    };
    let fault = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        s.requests.push(rec.clone());
        match faults::take(&mut s.faults, &rec.method, &rec.path) {
            None => return Ok(route(&mut s, &rec)),
            Some(fault) => fault,
        }
    };
    apply(fault, &rec, state).await
}

/// The connection was closed on purpose, without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Runs an armed fault for one request.
async fn apply(fault: Fault, rec: &Recorded, state: &Mutex<MockState>) -> Result<Reply, Dropped> {
    let handled = fault.handles_request().then(|| {
        route(
            &mut state.lock().unwrap_or_else(PoisonError::into_inner),
            rec,
        )
    });
    match (fault, handled) {
        (Fault::StallBeforeHandling(d), _) => {
            tokio::time::sleep(d).await;
            Err(Dropped)
        }
        (Fault::StallAfterHandling(d), Some(answer)) => {
            tokio::time::sleep(d).await;
            Ok(answer)
        }
        (Fault::Gateway { status, .. }, _) => {
            let mut r = Response::new(Full::new(Bytes::from(format!(
                "<html><body><h1>{status} Gateway error</h1></body></html>"
            ))));
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            r.headers_mut().insert(
                "content-type",
                hyper::header::HeaderValue::from_static("text/html"),
            );
            Ok(r)
        }
        (Fault::MalformedJson, _) => {
            let mut r = Response::new(Full::new(Bytes::from_static(
                br#"{"status": "success", "data": {"order_id": "#,
            )));
            r.headers_mut().insert(
                "content-type",
                hyper::header::HeaderValue::from_static("application/json"),
            );
            Ok(r)
        }
        (Fault::ExpireToken, _) => {
            state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .access_tokens
                .clear();
            Ok(error(
                403,
                "TokenException",
                "Incorrect `api_key` or `access_token`.",
            ))
        }
        (Fault::RateLimit, _) => Ok(error(429, "NetworkException", "Too many requests")),
        (Fault::Drop { .. } | Fault::StallAfterHandling(_), _) => Err(Dropped),
    }
}

pub(super) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn route(s: &mut MockState, r: &Recorded) -> Reply {
    // The browser login page: redirect with a fresh request_token.
    if r.method == "GET" && r.path == "/connect/login" {
        return login_page(s, r);
    }
    if let Some(pos) = s
        .injected
        .iter()
        .position(|i| i.method == r.method && r.path.starts_with(&i.path_prefix))
    {
        let i = s.injected.remove(pos);
        return error(i.status, &i.error_type, &i.message);
    }
    if r.kite_version.as_deref() != Some("3") {
        return error(
            400,
            "InputException",
            "Missing or invalid X-Kite-Version header",
        );
    }
    if r.method == "POST" && r.path == "/session/token" {
        return session(s, r);
    }
    let expected = |t: &String| format!("token {}:{t}", s.api_key);
    let authorised = r
        .authorization
        .as_ref()
        .is_some_and(|a| s.access_tokens.iter().any(|t| expected(t) == *a));
    if !authorised {
        return error(
            403,
            "TokenException",
            "Incorrect `api_key` or `access_token`.",
        );
    }
    if matches!(r.method.as_str(), "POST" | "PUT")
        && !r
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return error(400, "InputException", "Expected a form-encoded body");
    }
    let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    match (r.method.as_str(), segments.as_slice()) {
        ("POST", ["orders", "regular"]) => place(s, r),
        ("PUT", ["orders", "regular", id]) => modify(s, r, id),
        ("DELETE", ["orders", "regular", id]) => cancel(s, id),
        ("POST", ["gtt", "triggers"]) => super::gtt::place(s, r),
        ("GET", ["gtt", "triggers"]) => super::gtt::list(s),
        ("GET", ["gtt", "triggers", id]) => super::gtt::one(s, id),
        ("PUT", ["gtt", "triggers", id]) => super::gtt::modify(s, r, id),
        ("DELETE", ["gtt", "triggers", id]) => super::gtt::delete(s, id),
        ("GET", ["orders"]) => {
            match_resting(s);
            ok(Value::Array(s.orders.iter().map(order_json).collect()))
        }
        ("GET", ["trades"]) => ok(Value::Array(s.trades.iter().map(trade_json).collect())),
        ("GET", ["portfolio", "positions"]) => positions(s),
        ("GET", ["portfolio", "holdings"]) => holdings(s),
        ("GET", ["user", "margins"]) => margins(),
        ("GET", ["quote"]) => quotes(s, r, false),
        ("GET", ["quote", "ltp"]) => quotes(s, r, true),
        ("GET", ["instruments"]) => {
            let mut resp = Response::new(Full::new(Bytes::from(s.csv.as_bytes().to_vec())));
            resp.headers_mut().insert(
                "content-type",
                hyper::header::HeaderValue::from_static("text/csv"),
            );
            resp
        }
        ("GET", ["instruments", "historical", token, interval]) => history(s, r, token, interval),
        _ => error(404, "GeneralException", "Route not found"),
    }
}

fn login_page(s: &mut MockState, r: &Recorded) -> Reply {
    if field(&r.query, "api_key") != Some(s.api_key.as_str()) {
        return error(400, "InputException", "Invalid api_key");
    }
    s.issued += 1;
    let token = format!("reqtok{:06}", s.issued);
    s.request_tokens.insert(token.clone());
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::FOUND;
    let redirect = field(&r.query, "redirect").unwrap_or("/zerodha/callback");
    let location =
        format!("{redirect}?action=login&type=login&status=success&request_token={token}");
    if let Ok(v) = hyper::header::HeaderValue::from_str(&location) {
        resp.headers_mut().insert("location", v);
    }
    resp
}

fn session(s: &mut MockState, r: &Recorded) -> Reply {
    let names: Vec<&str> = r.form.iter().map(|(k, _)| k.as_str()).collect();
    if names != ["api_key", "request_token", "checksum"] {
        return error(
            400,
            "InputException",
            "Expected exactly api_key, request_token, checksum",
        );
    }
    let (key, token, sum) = (
        field(&r.form, "api_key").unwrap_or_default(),
        field(&r.form, "request_token").unwrap_or_default(),
        field(&r.form, "checksum").unwrap_or_default(),
    );
    if key != s.api_key || sum != checksum(key, token, &s.api_secret) {
        return error(403, "TokenException", "Invalid `checksum`.");
    }
    if !s.request_tokens.remove(token) {
        return error(403, "TokenException", "Token is invalid or has expired.");
    }
    s.issued += 1;
    let access = format!("acc{:06}x{}", s.issued, token.len());
    s.access_tokens.insert(access.clone());
    ok(json!({
        "user_type": "individual", "email": "xx@example.com", "user_name": "Mock User",
        "user_shortname": "Mock", "broker": "ZERODHA", "exchanges": ["NSE", "NFO", "BSE"],
        "products": ["CNC", "NRML", "MIS"], "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
        "avatar_url": null, "user_id": "AB1234", "api_key": key, "access_token": access,
        "public_token": "pub", "enctoken": "enc", "refresh_token": "", "silo": "",
        "login_time": "2026-01-05 09:00:00", "meta": {"demat_consent": "physical"}
    }))
}

const PLACE_FIELDS: [&str; 12] = [
    "tradingsymbol",
    "exchange",
    "transaction_type",
    "order_type",
    "quantity",
    "product",
    "price",
    "trigger_price",
    "disclosed_quantity",
    "validity",
    "market_protection",
    "tag",
];

pub(super) fn now_text() -> String {
    chrono::Utc::now()
        .checked_add_signed(Duration::minutes(330))
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn dec(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|t| t.parse().ok())
}

fn place(s: &mut MockState, r: &Recorded) -> Reply {
    for name in PLACE_FIELDS {
        if field(&r.form, name).is_none() {
            return error(400, "InputException", &format!("Missing `{name}`"));
        }
    }
    let f = |n| field(&r.form, n).unwrap_or_default();
    let Some(inst) = s.instrument(f("exchange"), f("tradingsymbol")).cloned() else {
        return error(400, "InputException", "Invalid `tradingsymbol`.");
    };
    let (Some(quantity), Some(price), Some(trigger)) = (
        f("quantity").parse::<u64>().ok().filter(|q| *q > 0),
        dec(Some(f("price"))),
        dec(Some(f("trigger_price"))),
    ) else {
        return error(400, "InputException", "Invalid quantity or price");
    };
    if !matches!(f("transaction_type"), "BUY" | "SELL")
        || !matches!(f("order_type"), "MARKET" | "LIMIT" | "SL" | "SL-M")
        || !matches!(f("product"), "CNC" | "NRML" | "MIS" | "MTF")
    {
        return error(400, "InputException", "Invalid order parameters");
    }
    let id = s.next_order.to_string();
    s.next_order += 1;
    let status = match f("order_type") {
        "MARKET" | "LIMIT" => "OPEN",
        _ => "TRIGGER PENDING",
    };
    s.orders.push(MockOrder {
        order_id: id.clone(),
        status: status.to_owned(),
        tradingsymbol: inst.tradingsymbol.clone(),
        exchange: inst.exchange.clone(),
        instrument_token: inst.instrument_token,
        transaction_type: f("transaction_type").to_owned(),
        order_type: f("order_type").to_owned(),
        product: f("product").to_owned(),
        quantity,
        filled_quantity: 0,
        price,
        trigger_price: trigger,
        average_price: Decimal::ZERO,
        disclosed_quantity: f("disclosed_quantity").parse().unwrap_or(0),
        tag: Some(f("tag").to_owned()),
        timestamp: now_text(),
    });
    match_resting(s);
    ok(json!({"order_id": id}))
}

/// Fills MARKET orders and LIMIT orders whose price is crossed; triggers stops.
fn match_resting(s: &mut MockState) {
    let prices: Vec<Decimal> = s
        .orders
        .iter()
        .map(|o| s.price(o.instrument_token))
        .collect();
    let mut fills = Vec::new();
    for (o, ltp) in s.orders.iter_mut().zip(prices) {
        let buy = o.transaction_type == "BUY";
        if o.status == "TRIGGER PENDING" {
            let hit = if buy {
                ltp >= o.trigger_price
            } else {
                ltp <= o.trigger_price
            };
            if hit {
                o.status = "OPEN".to_owned();
                if o.order_type == "SL-M" {
                    o.order_type = "MARKET".to_owned();
                }
            }
        }
        if o.status != "OPEN" {
            continue;
        }
        let fill_at = match o.order_type.as_str() {
            "MARKET" | "SL-M" => Some(ltp),
            _ => {
                let crosses = if buy { ltp <= o.price } else { ltp >= o.price };
                crosses.then_some(o.price)
            }
        };
        if let Some(px) = fill_at {
            o.status = "COMPLETE".to_owned();
            o.filled_quantity = o.quantity;
            o.average_price = px;
            fills.push(o.clone());
        }
    }
    for o in fills {
        let n = s.trades.len() + 1;
        s.trades.push(MockTrade {
            trade_id: format!("{}", 90_000_000 + n),
            order_id: o.order_id,
            tradingsymbol: o.tradingsymbol,
            exchange: o.exchange,
            instrument_token: o.instrument_token,
            product: o.product,
            price: o.average_price,
            quantity: o.quantity,
            transaction_type: o.transaction_type,
            timestamp: now_text(),
        });
    }
}

fn modify(s: &mut MockState, r: &Recorded, id: &str) -> Reply {
    let Some(o) = s.orders.iter_mut().find(|o| o.order_id == id) else {
        return error(400, "InputException", "Invalid `order_id`.");
    };
    if !matches!(o.status.as_str(), "OPEN" | "TRIGGER PENDING") {
        return error(
            400,
            "OrderException",
            &format!(
                "Order cannot be modified as it is {}.",
                o.status.to_lowercase()
            ),
        );
    }
    if let Some(t) = field(&r.form, "order_type") {
        t.clone_into(&mut o.order_type);
    }
    if let Some(q) = field(&r.form, "quantity").and_then(|q| q.parse().ok()) {
        o.quantity = q;
    }
    if let Some(p) = dec(field(&r.form, "price")) {
        o.price = p;
    }
    if let Some(p) = dec(field(&r.form, "trigger_price")) {
        o.trigger_price = p;
    }
    o.status = if matches!(o.order_type.as_str(), "SL" | "SL-M") {
        "TRIGGER PENDING".to_owned()
    } else {
        "OPEN".to_owned()
    };
    let id = o.order_id.clone();
    match_resting(s);
    ok(json!({"order_id": id}))
}

fn cancel(s: &mut MockState, id: &str) -> Reply {
    let Some(o) = s.orders.iter_mut().find(|o| o.order_id == id) else {
        return error(400, "InputException", "Invalid `order_id`.");
    };
    if !matches!(o.status.as_str(), "OPEN" | "TRIGGER PENDING") {
        return error(
            400,
            "OrderException",
            &format!(
                "Order cannot be cancelled as it is {}.",
                o.status.to_lowercase()
            ),
        );
    }
    o.status = "CANCELLED".to_owned();
    ok(json!({"order_id": id}))
}

fn num(d: Decimal) -> Value {
    // Kite sends JSON numbers; the mock writes each decimal's shortest text as a number.
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn order_json(o: &MockOrder) -> Value {
    json!({
        "placed_by": "AB1234", "order_id": o.order_id, "exchange_order_id": null,
        "parent_order_id": null, "status": o.status,
        "status_message": if o.status == "REJECTED" { json!("Rejected by mock") } else { Value::Null },
        "status_message_raw": null, "order_timestamp": o.timestamp,
        "exchange_update_timestamp": o.timestamp, "exchange_timestamp": o.timestamp,
        "variety": "regular", "modified": false, "exchange": o.exchange,
        "tradingsymbol": o.tradingsymbol, "instrument_token": o.instrument_token,
        "order_type": o.order_type, "transaction_type": o.transaction_type, "validity": "DAY",
        "product": o.product, "quantity": o.quantity, "disclosed_quantity": o.disclosed_quantity,
        "price": num(o.price), "trigger_price": num(o.trigger_price),
        "average_price": num(o.average_price), "filled_quantity": o.filled_quantity,
        "pending_quantity": o.quantity - o.filled_quantity,
        "cancelled_quantity": if o.status == "CANCELLED" { o.quantity - o.filled_quantity } else { 0 },
        "market_protection": 0, "meta": {}, "tag": o.tag, "guid": "mock"
    })
}

fn trade_json(t: &MockTrade) -> Value {
    json!({
        "trade_id": t.trade_id, "order_id": t.order_id, "exchange": t.exchange,
        "tradingsymbol": t.tradingsymbol, "instrument_token": t.instrument_token,
        "product": t.product, "average_price": num(t.price), "quantity": t.quantity,
        "exchange_order_id": null, "transaction_type": t.transaction_type,
        "fill_timestamp": t.timestamp, "order_timestamp": &t.timestamp[11..],
        "exchange_timestamp": t.timestamp
    })
}

fn positions(s: &MockState) -> Reply {
    let mut net: Vec<Value> = Vec::new();
    let mut keys: Vec<(String, String, String, u32)> = s
        .trades
        .iter()
        .map(|t| {
            (
                t.tradingsymbol.clone(),
                t.exchange.clone(),
                t.product.clone(),
                t.instrument_token,
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    for (ts, ex, product, token) in keys {
        let (mut bq, mut sq, mut bv, mut sv) = (0i64, 0i64, Decimal::ZERO, Decimal::ZERO);
        for t in s
            .trades
            .iter()
            .filter(|t| t.tradingsymbol == ts && t.exchange == ex && t.product == product)
        {
            let q = i64::try_from(t.quantity).unwrap_or(0);
            if t.transaction_type == "BUY" {
                bq += q;
                bv += t.price * Decimal::from(q);
            } else {
                sq += q;
                sv += t.price * Decimal::from(q);
            }
        }
        let qty = bq - sq;
        let ltp = s.price(token);
        let avg = match qty.signum() {
            1 if bq > 0 => bv / Decimal::from(bq),
            -1 if sq > 0 => sv / Decimal::from(sq),
            _ => Decimal::ZERO,
        }
        .round_dp(2);
        let pnl = (sv - bv) + Decimal::from(qty) * ltp;
        net.push(json!({
            "tradingsymbol": ts, "exchange": ex, "instrument_token": token, "product": product,
            "quantity": qty, "overnight_quantity": 0, "multiplier": 1, "average_price": num(avg),
            "close_price": 0, "last_price": num(ltp), "value": num(sv - bv), "pnl": num(pnl),
            "m2m": num(pnl), "unrealised": num(pnl), "realised": 0, "buy_quantity": bq,
            "buy_price": 0, "buy_value": num(bv), "buy_m2m": 0, "sell_quantity": sq,
            "sell_price": 0, "sell_value": num(sv), "sell_m2m": 0, "day_buy_quantity": bq,
            "day_buy_price": 0, "day_buy_value": num(bv), "day_sell_quantity": sq,
            "day_sell_price": 0, "day_sell_value": num(sv)
        }));
    }
    ok(json!({"net": net.clone(), "day": net}))
}

fn holdings(s: &MockState) -> Reply {
    let Some(infy) = s.instrument("NSE", "INFY") else {
        return ok(json!([]));
    };
    let ltp = s.price(infy.instrument_token);
    let avg = Decimal::new(150_000, 2);
    ok(json!([{
        "tradingsymbol": "INFY", "exchange": "NSE", "instrument_token": infy.instrument_token,
        "isin": "INE009A01021", "product": "CNC", "price": 0, "quantity": 10, "used_quantity": 0,
        "t1_quantity": 0, "realised_quantity": 10, "authorised_quantity": 0,
        "authorised_date": "2026-01-01 00:00:00", "authorisation": {}, "opening_quantity": 10,
        "short_quantity": 0, "collateral_quantity": 0, "collateral_type": "",
        "discrepancy": false, "average_price": num(avg), "last_price": num(ltp),
        "close_price": num(ltp), "pnl": num((ltp - avg) * Decimal::TEN), "day_change": 0,
        "day_change_percentage": 0, "mtf": {"quantity": 0, "used_quantity": 0,
        "average_price": 0, "value": 0, "initial_margin": 0}
    }]))
}

fn margins() -> Reply {
    let seg = |net: f64, collateral: f64, debits: f64| {
        json!({
            "enabled": true, "net": net,
            "available": {"adhoc_margin": 0, "cash": net, "opening_balance": net,
                "live_balance": net, "collateral": collateral, "intraday_payin": 0},
            "utilised": {"debits": debits, "exposure": 0, "m2m_realised": 0,
                "m2m_unrealised": 0, "option_premium": 0, "payout": 0, "span": 0,
                "holding_sales": 0, "turnover": 0, "liquid_collateral": 0,
                "stock_collateral": 0, "delivery": 0}
        })
    };
    ok(json!({"equity": seg(99_725.05, 1_000.0, 275.5), "commodity": seg(50_000.0, 0.0, 0.0)}))
}

fn quotes(s: &MockState, r: &Recorded, ltp_only: bool) -> Reply {
    let mut data = serde_json::Map::new();
    for (_, key) in r.query.iter().filter(|(k, _)| k == "i") {
        let Some((ex, ts)) = key.split_once(':') else {
            continue;
        };
        let Some(inst) = s.instrument(ex, ts) else {
            continue;
        };
        let ltp = s.price(inst.instrument_token);
        let value = if ltp_only {
            json!({"instrument_token": inst.instrument_token, "last_price": num(ltp)})
        } else {
            let tick = inst.tick_size.max(Decimal::new(5, 2));
            let level = |i: i64, side: i64| {
                json!({"price": num(ltp + Decimal::from(side * (i + 1)) * tick),
                       "quantity": 100 * (i + 1), "orders": i + 1})
            };
            json!({
                "instrument_token": inst.instrument_token, "timestamp": now_text(),
                "last_trade_time": now_text(), "last_price": num(ltp), "last_quantity": 5,
                "buy_quantity": 12_345, "sell_quantity": 23_456, "volume": 1_000_000,
                "average_price": num(ltp), "oi": 0, "oi_day_high": 0, "oi_day_low": 0,
                "net_change": 0, "lower_circuit_limit": 0, "upper_circuit_limit": 0,
                "ohlc": {"open": num(ltp - Decimal::ONE), "high": num(ltp + Decimal::TEN),
                         "low": num(ltp - Decimal::TEN), "close": num(ltp - Decimal::TWO)},
                "depth": {"buy": (0..5).map(|i| level(i, -1)).collect::<Vec<_>>(),
                          "sell": (0..5).map(|i| level(i, 1)).collect::<Vec<_>>()}
            })
        };
        data.insert(key.clone(), value);
    }
    ok(Value::Object(data))
}

fn history(s: &MockState, r: &Recorded, token: &str, interval: &str) -> Reply {
    let step = match interval {
        "minute" => 1,
        "3minute" => 3,
        "5minute" => 5,
        "10minute" => 10,
        "15minute" => 15,
        "30minute" => 30,
        "60minute" => 60,
        "day" => 0,
        _ => return error(400, "InputException", "invalid interval"),
    };
    let Some(inst) = token.parse().ok().and_then(|t| s.by_token(t)) else {
        return error(400, "InputException", "invalid token");
    };
    let date = |name| {
        field(&r.query, name)
            .and_then(|v| v.get(..10))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let (Some(from), Some(to)) = (date("from"), date("to")) else {
        return error(400, "InputException", "invalid from/to");
    };
    let with_oi = field(&r.query, "oi") == Some("1");
    let base = s.price(inst.instrument_token);
    let mut candles = Vec::new();
    let mut d = from;
    let mut n = 0i64;
    while d <= to {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut stamps = Vec::new();
            if step == 0 {
                stamps.push(d.and_time(NaiveTime::MIN));
            } else {
                let mut t = d.and_hms_opt(9, 15, 0).unwrap_or_default();
                let end = d.and_hms_opt(15, 30, 0).unwrap_or_default();
                while t < end {
                    stamps.push(t);
                    t += Duration::minutes(step);
                }
            }
            for t in stamps {
                n += 1;
                let o = base + Decimal::new(n % 7, 1);
                let mut c = vec![
                    json!(format!("{}+0530", t.format("%Y-%m-%dT%H:%M:%S"))),
                    num(o),
                    num(o + Decimal::ONE),
                    num(o - Decimal::ONE),
                    num(o + Decimal::new(5, 1)),
                    json!(1000 + n),
                ];
                if with_oi {
                    c.push(json!(0));
                }
                candles.push(Value::Array(c));
            }
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    ok(json!({"candles": candles}))
}
