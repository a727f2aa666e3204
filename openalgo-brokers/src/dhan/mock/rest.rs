//! The mock's REST side: one hyper HTTP/1 server for `/v2/*` (JSON in, bare JSON out, Dhan's
//! `{errorType, errorCode, errorMessage}` on failure), the consent endpoints and the scrip
//! master. Orders are matched simply: MARKET fills at once at the instrument's price, LIMIT
//! rests `PENDING` (filling when the price crosses on a later book read), STOP_LOSS and
//! STOP_LOSS_MARKET rest `PENDING` until triggered.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::orders::alert;
use super::{MockOrder, MockState, MockTrade, Recorded};

type Reply = Response<Full<Bytes>>;

pub(super) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<MockState>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = Arc::clone(&state);
                async move { Ok::<_, std::convert::Infallible>(handle(req, &state).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn with_type(mut r: Reply, content_type: &'static str) -> Reply {
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    r
}

fn reply(status: u16, body: &Value) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    with_type(r, "application/json")
}

fn ok(body: &Value) -> Reply {
    reply(200, body)
}

fn error(status: u16, code: &str, error_type: &str, message: &str) -> Reply {
    reply(
        status,
        &json!({"errorType": error_type, "errorCode": code, "errorMessage": message}),
    )
}

fn input(message: &str) -> Reply {
    error(400, "DH-905", "Input_Exception", message)
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

async fn handle(req: Request<Incoming>, state: &Mutex<MockState>) -> Reply {
    let rec = Recorded {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        query: pairs(req.uri().query().unwrap_or_default()),
        body: None,
        access_token: header(&req, "access-token"),
        client_id: header(&req, "client-id"),
        content_type: header(&req, "content-type"),
        accept: header(&req, "accept"),
        app_id: header(&req, "app_id"),
        app_secret: header(&req, "app_secret"),
    };
    let bytes = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Some(v),
            Err(_) => return input("Invalid JSON body"),
        }
    };
    let rec = Recorded { body, ..rec };
    let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
    s.requests.push(rec.clone());
    route(&mut s, &rec)
}

fn query<'a>(r: &'a Recorded, name: &str) -> Option<&'a str> {
    r.query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn route(s: &mut MockState, r: &Recorded) -> Reply {
    if let Some(pos) = s
        .injected
        .iter()
        .position(|i| i.method == r.method && r.path.starts_with(&i.path_prefix))
    {
        let i = s.injected.remove(pos);
        return error(i.status, &i.code, &i.error_type, &i.message);
    }
    match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/api-data/api-scrip-master.csv") => {
            return with_type(
                Response::new(Full::new(Bytes::from(s.csv.as_bytes().to_vec()))),
                "text/csv",
            );
        }
        ("POST", "/app/generate-consent") => return generate_consent(s, r),
        ("GET", "/login/consentApp-login") => return consent_page(s, r),
        // The reference POSTs, the SDK GETs.
        ("POST" | "GET", "/app/consumeApp-consent") => return consume_consent(s, r),
        _ => {}
    }
    let Some(api) = r.path.strip_prefix("/v2/") else {
        return reply(404, &json!({"message": "Not Found"}));
    };
    let authorised = r
        .access_token
        .as_ref()
        .is_some_and(|t| s.access_tokens.contains(t));
    if !authorised {
        return error(
            401,
            "DH-901",
            "Invalid_Authentication",
            "Client ID or user generated access token is invalid or expired.",
        );
    }
    let data_api = api.starts_with("marketfeed/") || api.starts_with("charts/");
    match r.client_id.as_deref() {
        Some(id) if id == s.client_id => {}
        None if !data_api => {}
        _ => {
            return reply(
                400,
                &json!({"status": "failed", "data": {"810": "Invalid Client ID"}}),
            );
        }
    }
    if matches!(r.method.as_str(), "POST" | "PUT")
        && !r
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json"))
    {
        return input("Expected a JSON body");
    }
    let body = r.body.clone().unwrap_or(Value::Null);
    if matches!(r.method.as_str(), "POST" | "PUT")
        && !data_api
        && body.get("dhanClientId").and_then(Value::as_str) != Some(s.client_id.as_str())
    {
        return input("Invalid dhanClientId");
    }
    let segments: Vec<&str> = api.trim_end_matches('/').split('/').collect();
    match (r.method.as_str(), segments.as_slice()) {
        ("POST", ["orders"]) => place(s, &body),
        ("PUT", ["orders", id]) => modify(s, &body, id),
        ("DELETE", ["orders", id]) => cancel(s, id),
        ("GET", ["orders"]) => {
            match_resting(s);
            ok(&Value::Array(s.orders.iter().map(order_json).collect()))
        }
        ("GET", ["orders", id]) => {
            match_resting(s);
            s.orders.iter().find(|o| o.order_id == *id).map_or_else(
                || error(400, "DH-905", "Input_Exception", "Invalid order id"),
                |o| ok(&order_json(o)),
            )
        }
        ("GET", ["trades"]) => ok(&Value::Array(s.trades.iter().map(trade_json).collect())),
        ("GET", ["trades", id]) => ok(&Value::Array(
            s.trades
                .iter()
                .filter(|t| t.order_id == *id)
                .map(trade_json)
                .collect(),
        )),
        ("GET", ["positions"]) => positions(s),
        ("GET", ["holdings"]) => holdings(s),
        ("GET", ["fundlimit"]) => ok(&json!({
            "dhanClientId": s.client_id, "availabelBalance": 99_725.05, "sodLimit": 100_000.0,
            "collateralAmount": 1_000.0, "receiveableAmount": 0.0, "utilizedAmount": 275.5,
            "blockedPayoutAmount": 0.0, "withdrawableBalance": 98_725.05
        })),
        ("POST", ["marketfeed", kind @ ("quote" | "ltp" | "ohlc")]) => market_feed(s, &body, kind),
        ("POST", ["charts", kind @ ("historical" | "intraday")]) => {
            charts(s, &body, *kind == "historical")
        }
        _ => reply(404, &json!({"message": "Not Found"})),
    }
}

fn app_ok(s: &MockState, r: &Recorded) -> bool {
    r.app_id.as_deref() == Some(s.app_key.as_str())
        && r.app_secret.as_deref() == Some(s.app_secret.as_str())
}

fn generate_consent(s: &mut MockState, r: &Recorded) -> Reply {
    if !app_ok(s, r) || query(r, "client_id") != Some(s.client_id.as_str()) {
        return error(
            401,
            "DH-901",
            "Invalid_Authentication",
            "Invalid app_id, app_secret or client_id",
        );
    }
    s.issued += 1;
    let id = format!("consent-{:06}", s.issued);
    s.consents.insert(id.clone());
    ok(&json!({"consentAppId": id, "consentAppStatus": "GENERATED", "status": "success"}))
}

fn consent_page(s: &mut MockState, r: &Recorded) -> Reply {
    if !query(r, "consentAppId").is_some_and(|c| s.consents.remove(c)) {
        return input("Invalid consentAppId");
    }
    s.issued += 1;
    let token = format!("tokid-{:06}", s.issued);
    s.token_ids.insert(token.clone());
    let redirect = query(r, "redirect").unwrap_or("/dhan/callback");
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(v) = hyper::header::HeaderValue::from_str(&format!("{redirect}?tokenId={token}")) {
        resp.headers_mut().insert("location", v);
    }
    resp
}

fn consume_consent(s: &mut MockState, r: &Recorded) -> Reply {
    if !app_ok(s, r) {
        return error(
            401,
            "DH-901",
            "Invalid_Authentication",
            "Invalid app_id or app_secret",
        );
    }
    if !query(r, "tokenId").is_some_and(|t| s.token_ids.remove(t)) {
        return error(
            401,
            "DH-901",
            "Invalid_Authentication",
            "Token id is invalid or has expired",
        );
    }
    s.issued += 1;
    let access = format!("eyJmock.{:06}.{}", s.issued, s.client_id);
    s.access_tokens.insert(access.clone());
    ok(&json!({
        "dhanClientId": s.client_id, "dhanClientName": "MOCK USER", "dhanClientUcc": "MOCK1",
        "givenPowerOfAttorney": false, "accessToken": access, "expiryTime": "2030-12-31T23:59:59"
    }))
}

fn now_text() -> String {
    chrono::Utc::now()
        .checked_add_signed(Duration::minutes(330))
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn text<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

fn place(s: &mut MockState, body: &Value) -> Reply {
    for name in [
        "transactionType",
        "exchangeSegment",
        "productType",
        "orderType",
        "validity",
        "securityId",
    ] {
        if text(body, name).is_none() {
            return input(&format!("Missing {name}"));
        }
    }
    let f = |n| text(body, n).unwrap_or_default();
    let Some(quantity) = body
        .get("quantity")
        .and_then(Value::as_u64)
        .filter(|q| *q > 0)
    else {
        return input("Invalid quantity");
    };
    let Some(id) = f("securityId").parse::<u32>().ok() else {
        return input("Invalid securityId");
    };
    let Some(inst) = s.instrument(f("exchangeSegment"), id).cloned() else {
        return input("Invalid securityId or exchangeSegment");
    };
    let order_type = f("orderType");
    if !matches!(f("transactionType"), "BUY" | "SELL")
        || !matches!(
            order_type,
            "MARKET" | "LIMIT" | "STOP_LOSS" | "STOP_LOSS_MARKET"
        )
        || !matches!(f("productType"), "CNC" | "INTRADAY" | "MARGIN" | "MTF")
        || !matches!(f("validity"), "DAY" | "IOC")
    {
        return input("Invalid order parameters");
    }
    let price = decimal(body.get("price")).unwrap_or_default();
    let trigger = decimal(body.get("triggerPrice")).unwrap_or_default();
    if matches!(order_type, "LIMIT" | "STOP_LOSS") && price <= Decimal::ZERO {
        return input("Price is required for this order type");
    }
    if matches!(order_type, "STOP_LOSS" | "STOP_LOSS_MARKET") && trigger <= Decimal::ZERO {
        return input("Trigger price is required for this order type");
    }
    let order_id = s.next_order.to_string();
    s.next_order += 1;
    s.orders.push(MockOrder {
        order_id: order_id.clone(),
        status: "PENDING".to_owned(),
        security_id: id,
        segment: f("exchangeSegment").to_owned(),
        trading_symbol: inst.trading_symbol.clone(),
        transaction_type: f("transactionType").to_owned(),
        order_type: order_type.to_owned(),
        product_type: f("productType").to_owned(),
        validity: f("validity").to_owned(),
        quantity,
        filled: 0,
        price,
        trigger_price: trigger,
        average: Decimal::ZERO,
        disclosed: body
            .get("disclosedQuantity")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        correlation_id: text(body, "correlationId").map(str::to_owned),
        time: now_text(),
    });
    if let Some(o) = s.orders.last() {
        alert(s, o);
    }
    match_resting(s);
    ok(&json!({"orderId": order_id, "orderStatus": "TRANSIT"}))
}

/// Triggers stops, fills MARKET orders and LIMIT orders whose price is crossed.
fn match_resting(s: &mut MockState) {
    let prices: Vec<Decimal> = s.orders.iter().map(|o| s.price(o.security_id)).collect();
    let mut fills = Vec::new();
    for (o, ltp) in s.orders.iter_mut().zip(prices) {
        if o.status != "PENDING" {
            continue;
        }
        let buy = o.transaction_type == "BUY";
        let stop = matches!(o.order_type.as_str(), "STOP_LOSS" | "STOP_LOSS_MARKET");
        let triggered = !stop
            || if buy {
                ltp >= o.trigger_price
            } else {
                ltp <= o.trigger_price
            };
        if !triggered {
            continue;
        }
        let fill_at = match o.order_type.as_str() {
            "MARKET" | "STOP_LOSS_MARKET" => Some(ltp),
            _ => (if buy { ltp <= o.price } else { ltp >= o.price }).then_some(o.price),
        };
        if let Some(px) = fill_at {
            o.status = "TRADED".to_owned();
            o.filled = o.quantity;
            o.average = px;
            fills.push(o.clone());
        }
    }
    for o in fills {
        alert(s, &o);
        s.trades.push(MockTrade {
            order_id: o.order_id,
            security_id: o.security_id,
            segment: o.segment,
            trading_symbol: o.trading_symbol,
            product_type: o.product_type,
            order_type: o.order_type,
            transaction_type: o.transaction_type,
            quantity: o.quantity,
            price: o.average,
            time: now_text(),
        });
    }
}

fn modify(s: &mut MockState, body: &Value, id: &str) -> Reply {
    for name in ["orderId", "orderType", "legName", "validity"] {
        if text(body, name).is_none() {
            return input(&format!("Missing {name}"));
        }
    }
    if text(body, "orderId") != Some(id) {
        return input("orderId does not match the path");
    }
    let Some(o) = s.orders.iter_mut().find(|o| o.order_id == id) else {
        return input("Invalid order id");
    };
    if !matches!(o.status.as_str(), "PENDING" | "TRANSIT" | "PART_TRADED") {
        return error(
            400,
            "DH-906",
            "Order_Error",
            &format!("Order is {}, it cannot be modified", o.status),
        );
    }
    if let Some(t) = text(body, "orderType") {
        t.clone_into(&mut o.order_type);
    }
    if let Some(q) = body
        .get("quantity")
        .and_then(Value::as_u64)
        .filter(|q| *q > 0)
    {
        o.quantity = q;
    }
    if let Some(p) = decimal(body.get("price")) {
        o.price = p;
    }
    if let Some(p) = decimal(body.get("triggerPrice")) {
        o.trigger_price = p;
    }
    o.time = now_text();
    let order_id = o.order_id.clone();
    let o = o.clone();
    alert(s, &o);
    match_resting(s);
    ok(&json!({"orderId": order_id, "orderStatus": "TRANSIT"}))
}

fn cancel(s: &mut MockState, id: &str) -> Reply {
    let Some(o) = s.orders.iter_mut().find(|o| o.order_id == id) else {
        return input("Invalid order id");
    };
    if !matches!(o.status.as_str(), "PENDING" | "TRANSIT" | "PART_TRADED") {
        return error(
            400,
            "DH-906",
            "Order_Error",
            &format!("Order is {}, it cannot be cancelled", o.status),
        );
    }
    o.status = "CANCELLED".to_owned();
    let o = o.clone();
    alert(s, &o);
    ok(&json!({"orderId": id, "orderStatus": "CANCELLED"}))
}

fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn order_json(o: &MockOrder) -> Value {
    json!({
        "dhanClientId": "mock", "orderId": o.order_id, "exchangeOrderId": format!("1{}", o.order_id),
        "correlationId": o.correlation_id, "orderStatus": o.status,
        "transactionType": o.transaction_type, "exchangeSegment": o.segment,
        "productType": o.product_type, "orderType": o.order_type, "validity": o.validity,
        "tradingSymbol": o.trading_symbol, "securityId": o.security_id.to_string(),
        "quantity": o.quantity, "disclosedQuantity": o.disclosed, "price": num(o.price),
        "triggerPrice": num(o.trigger_price), "afterMarketOrder": false, "boProfitValue": 0,
        "boStopLossValue": 0, "legName": "NA", "createTime": o.time, "updateTime": o.time,
        "exchangeTime": o.time, "drvExpiryDate": null, "drvOptionType": null,
        "drvStrikePrice": 0.0, "omsErrorCode": null,
        "omsErrorDescription": if o.status == "REJECTED" { json!("Rejected by mock") } else { Value::Null },
        "algoId": "0", "remainingQuantity": o.quantity - o.filled,
        "averageTradedPrice": num(o.average), "filledQty": o.filled
    })
}

fn trade_json(t: &MockTrade) -> Value {
    json!({
        "dhanClientId": "mock", "orderId": t.order_id, "exchangeOrderId": format!("1{}", t.order_id),
        "exchangeTradeId": format!("9{}", t.order_id), "transactionType": t.transaction_type,
        "exchangeSegment": t.segment, "productType": t.product_type, "orderType": t.order_type,
        "tradingSymbol": t.trading_symbol, "customSymbol": t.trading_symbol,
        "securityId": t.security_id.to_string(), "tradedQuantity": t.quantity,
        "tradedPrice": num(t.price), "createTime": t.time, "updateTime": t.time,
        "exchangeTime": t.time, "drvExpiryDate": null, "drvOptionType": null, "drvStrikePrice": 0.0
    })
}

fn positions(s: &MockState) -> Reply {
    let mut keys: Vec<(String, u32, String, String)> = s
        .trades
        .iter()
        .map(|t| {
            (
                t.segment.clone(),
                t.security_id,
                t.product_type.clone(),
                t.trading_symbol.clone(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for (seg, id, product, symbol) in keys {
        let (mut bq, mut sq, mut bv, mut sv) = (0i64, 0i64, Decimal::ZERO, Decimal::ZERO);
        for t in s
            .trades
            .iter()
            .filter(|t| t.segment == seg && t.security_id == id && t.product_type == product)
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
        let net = bq - sq;
        let ltp = s.price(id);
        let avg = |v: Decimal, q: i64| {
            if q > 0 {
                (v / Decimal::from(q)).round_dp(2)
            } else {
                Decimal::ZERO
            }
        };
        let cost = match net.signum() {
            1 => avg(bv, bq),
            -1 => avg(sv, sq),
            _ => Decimal::ZERO,
        };
        let closed = bq.min(sq);
        let realized = (avg(sv, sq) - avg(bv, bq)) * Decimal::from(closed);
        let unrealized = (ltp - cost) * Decimal::from(net);
        out.push(json!({
            "dhanClientId": "mock", "tradingSymbol": symbol, "securityId": id.to_string(),
            "positionType": match net.signum() { 1 => "LONG", -1 => "SHORT", _ => "CLOSED" },
            "exchangeSegment": seg, "productType": product, "buyAvg": num(avg(bv, bq)),
            "buyQty": bq, "costPrice": num(cost), "sellAvg": num(avg(sv, sq)), "sellQty": sq,
            "netQty": net, "realizedProfit": num(realized), "unrealizedProfit": num(unrealized),
            "rbiReferenceRate": 1.0, "multiplier": 1, "carryForwardBuyQty": 0,
            "carryForwardSellQty": 0, "carryForwardBuyValue": 0.0, "carryForwardSellValue": 0.0,
            "dayBuyQty": bq, "daySellQty": sq, "dayBuyValue": num(bv), "daySellValue": num(sv),
            "drvExpiryDate": "0001-01-01", "drvOptionType": null, "drvStrikePrice": 0.0,
            "crossCurrency": false
        }));
    }
    ok(&Value::Array(out))
}

fn holdings(s: &MockState) -> Reply {
    if s.instrument("NSE_EQ", 1594).is_none() {
        return error(
            400,
            "DHOLDING_ERROR",
            "Holding_Error",
            "No holdings available",
        );
    }
    ok(&json!([{
        "exchange": "ALL", "tradingSymbol": "INFY", "securityId": "1594", "isin": "INE009A01021",
        "totalQty": 10, "dpQty": 10, "t1Qty": 0, "availableQty": 10, "collateralQty": 0,
        "avgCostPrice": 1500.0
    }]))
}

fn quote_json(s: &MockState, id: u32, tick: Decimal, kind: &str) -> Value {
    let ltp = s.price(id);
    let ohlc = json!({"open": num(ltp - Decimal::ONE), "close": num(ltp - Decimal::TWO),
                      "high": num(ltp + Decimal::TEN), "low": num(ltp - Decimal::TEN)});
    match kind {
        "ltp" => json!({"last_price": num(ltp)}),
        "ohlc" => json!({"last_price": num(ltp), "ohlc": ohlc}),
        _ => {
            let level = |i: i64, side: i64| {
                json!({"quantity": 100 * (i + 1), "orders": i + 1,
                       "price": num(ltp + Decimal::from(side * (i + 1)) * tick)})
            };
            json!({
                "average_price": num(ltp), "buy_quantity": 12_345, "sell_quantity": 23_456,
                "depth": {"buy": (0..5).map(|i| level(i, -1)).collect::<Vec<_>>(),
                          "sell": (0..5).map(|i| level(i, 1)).collect::<Vec<_>>()},
                "last_price": num(ltp), "last_quantity": 5, "last_trade_time": now_text(),
                "lower_circuit_limit": num(ltp * Decimal::new(9, 1)),
                "upper_circuit_limit": num(ltp * Decimal::new(11, 1)), "net_change": 2.0,
                "ohlc": ohlc, "oi": 0, "oi_day_high": 0, "oi_day_low": 0, "volume": 1_000_000
            })
        }
    }
}

fn market_feed(s: &MockState, body: &Value, kind: &str) -> Reply {
    let Some(request) = body.as_object() else {
        return input("Expected {segment: [security ids]}");
    };
    let mut data = Map::new();
    let mut count = 0usize;
    for (seg, ids) in request {
        // The SDK adds its client id to every body.
        if seg == "dhanClientId" {
            continue;
        }
        let Some(ids) = ids.as_array() else {
            return input("Expected a list of security ids");
        };
        let mut values = Map::new();
        for id in ids {
            count += 1;
            let Some(id) = id.as_u64().and_then(|i| u32::try_from(i).ok()) else {
                return input("Security ids are integers");
            };
            if let Some(inst) = s.instrument(seg, id) {
                let tick = inst.tick().max(Decimal::new(5, 2));
                values.insert(id.to_string(), quote_json(s, id, tick, kind));
            }
        }
        data.insert(seg.clone(), Value::Object(values));
    }
    if count > 1000 {
        return reply(
            400,
            &json!({"status": "failed", "data": {"814": "Too many instruments"}}),
        );
    }
    ok(&json!({"status": "success", "data": data}))
}

fn date_of(v: Option<&Value>) -> Option<(NaiveDate, bool)> {
    let t = v?.as_str()?;
    let day = NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()?;
    Some((day, t.len() > 10))
}

fn charts(s: &MockState, body: &Value, daily: bool) -> Reply {
    for name in ["securityId", "exchangeSegment", "instrument"] {
        if text(body, name).is_none() {
            return input(&format!("Missing {name}"));
        }
    }
    let step = if daily {
        0
    } else {
        match body
            .get("interval")
            .map(|v| v.to_string().trim_matches('"').to_owned())
            .as_deref()
        {
            Some("1") => 1,
            Some("5") => 5,
            Some("15") => 15,
            Some("25") => 25,
            Some("60") => 60,
            _ => return input("Invalid interval"),
        }
    };
    let Some(id) = text(body, "securityId").and_then(|i| i.parse::<u32>().ok()) else {
        return input("Invalid securityId");
    };
    if s.instrument(text(body, "exchangeSegment").unwrap_or_default(), id)
        .is_none()
    {
        return error(400, "DH-907", "Data_Error", "No data for the security");
    }
    let (Some((from, _)), Some((to, timed))) =
        (date_of(body.get("fromDate")), date_of(body.get("toDate")))
    else {
        return input("Invalid fromDate/toDate");
    };
    let base = s.price(id);
    let mut c: [Vec<Value>; 7] = Default::default();
    let mut d = from;
    let mut n = 0i64;
    // `toDate` is exclusive unless it carries a time.
    while d < to || (timed && d == to) {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut stamps = Vec::new();
            let ist = |t: NaiveTime| d.and_time(t).and_utc().timestamp() - 19_800;
            if step == 0 {
                stamps.push(ist(NaiveTime::MIN));
            } else {
                let mut t = NaiveTime::from_hms_opt(9, 15, 0).unwrap_or_default();
                let end = NaiveTime::from_hms_opt(15, 30, 0).unwrap_or_default();
                while t < end {
                    stamps.push(ist(t));
                    t += Duration::minutes(step);
                }
            }
            for ts in stamps {
                n += 1;
                let o = base + Decimal::new(n % 7, 1);
                for (col, v) in c.iter_mut().zip([
                    num(o),
                    num(o + Decimal::ONE),
                    num(o - Decimal::ONE),
                    num(o + Decimal::new(5, 1)),
                    json!(1000 + n),
                    json!(ts),
                    json!(0),
                ]) {
                    col.push(v);
                }
            }
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    let [open, high, low, close, volume, timestamp, oi] = c;
    ok(
        &json!({"open": open, "high": high, "low": low, "close": close, "volume": volume,
               "timestamp": timestamp, "open_interest": oi}),
    )
}
